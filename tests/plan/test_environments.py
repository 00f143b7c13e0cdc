"""Shared metrics mode: the environment label reaches the result of a user's query through its
syntax tree, or the query is refused with a hint; the tree is printed faithfully."""

from __future__ import annotations

import pytest

from obsgen import pipeline, promql, promql_ast
from obsgen.errors import SpecErrors
from obsgen.plan.environments import EnvironmentLost, EnvironmentScope, aware
from tests import builders

SCOPE = EnvironmentScope("environment", ("production", "staging"))
ENV = 'environment=~"production|staging"'


@pytest.mark.parametrize("query, expected", [
    ('sum(rate(x{a="b"}[{{window}}]))', f'sum by (environment) (rate(x{{a="b",{ENV}}}[{{{{window}}}}]))'),
    ("sum by (job) (rate(x[{{window}}]))", f"sum by (job, environment) (rate(x{{{ENV}}}[{{{{window}}}}]))"),
    ("sum(rate(x[{{window}}])) by (environment)", f"sum by (environment) (rate(x{{{ENV}}}[{{{{window}}}}]))"),
    ("sum without (pod) (rate(x[{{window}}]))", f"sum without (pod) (rate(x{{{ENV}}}[{{{{window}}}}]))"),
    ("rate(x[{{window}}])", f"rate(x{{{ENV}}}[{{{{window}}}}])"),
    ("max(sum by (pod) (rate(x[{{window}}])))",
     f"max by (environment) (sum by (pod, environment) (rate(x{{{ENV}}}[{{{{window}}}}])))"),
    ("sum(rate(a[{{window}}])) / on () sum(rate(b[{{window}}]))",
     f"sum by (environment) (rate(a{{{ENV}}}[{{{{window}}}}])) / on (environment) "
     f"sum by (environment) (rate(b{{{ENV}}}[{{{{window}}}}]))"),
    ("clamp_min(sum(rate(x[{{window}}] offset 1h)), 1e-12)",
     f"clamp_min(sum by (environment) (rate(x{{{ENV}}}[{{{{window}}}}] offset 1h)), 1e-12)"),
    ('sum(rate(x{a="q\\"uote\\\\"}[{{window}}:1m]))',
     f'sum by (environment) (rate(x{{a="q\\"uote\\\\",{ENV}}}[{{{{window}}}}:1m]))'),
    ("topk(3, rate(x[{{window}}])) > bool 0", f"topk by (environment) (3, rate(x{{{ENV}}}[{{{{window}}}}])) > bool 0"),
])
def test_the_label_reaches_the_result(query, expected):
    assert aware(query, SCOPE) == expected
    promql.parse(promql.with_window(expected, "5m"))


def test_one_environment_is_an_equality_matcher():
    assert aware("sum(rate(x[{{window}}]))", EnvironmentScope("env", ("production",))) == (
        'sum by (env) (rate(x{env="production"}[{{window}}]))')


@pytest.mark.parametrize("query, hint", [
    ("sum without (environment) (rate(x[{{window}}]))", "remove environment from the list"),
    ("sum(rate(x[{{window}}])) / scalar(sum(rate(y[{{window}}])))", "on (environment)"),
    ('count_values("v", rate(x[{{window}}]))', "count by (environment)"),
    ("sum(rate(x[{{window}}])) or vector(0)", "drop it"),
    ("rate(x[{{window}}]) / ignoring (environment) rate(y[{{window}}])", "remove environment"),
    ("rate(x[{{window}}]) / on (job) group_left (environment) rate(y[{{window}}])", "remove it"),
    ('label_replace(rate(x[{{window}}]), "environment", "x", "", "")', "another label"),
    ("absent(x) * 0 + rate(x[{{window}}])", "no environment label"),
    ("count(rate(x[{{window}}])) * 0 + 1 > bool time()", None),
])
def test_a_query_that_would_drop_the_label_is_refused(query, hint):
    if hint is None:  # time() is a scalar: the vector side keeps the label
        aware(query, SCOPE)
        return
    with pytest.raises(EnvironmentLost, match=hint.replace("(", r"\(").replace(")", r"\)")):
        aware(query, SCOPE)


ROUND_TRIP = [
    'sum(rate(x{a="b"}[5m]))', "sum by (job) (rate(x[5m])) / sum(rate(y[5m]))", 'count_values("v", x)',
    "x offset 5m @ 100", "rate(x[5m:1m])", "histogram_quantile(0.9, sum by (le) (rate(x[5m])))",
    "1 - sum(x)/sum(y)", "x / on(a) group_left(b) y", 'x{a="\\n\\"q\\\\"}', "x and on() y",
    'label_replace(x, "a", "$1", "b", "(.*)")', "-x", "(x)", "x > bool 1", "rate(x[5m] offset -1m)",
    "sum(x) without ()", "1e-12", "Inf", "-Inf", "NaN", "1.5e300", '{__name__="x"}', "x @ start()",
    "0.1+0.2", "(3+4)*2", "2^3^2", "-2^2", "a - (b - c)", "a - b - c", "a unless b", "(a or b) and c",
    "x atan2 y", "x[1h] @ end() offset 1m", "max_over_time(rate(x[5m])[1h:] offset 1d)", "x{a='\\'q'}",
    'x{a="é\\x41"}', "x - -2", "x / ignoring (a) y", "x[1500ms]", "sum(x) - on (a) group_right (b, c) y",
]


@pytest.mark.parametrize("query", ROUND_TRIP)
def test_printing_is_faithful(query):
    tree = promql.parse(query)
    again = promql.parse(promql_ast.text(promql_ast.mirror(tree)))
    assert repr(again) == repr(tree)  # the parser's full debug dump: every field of every node


def test_an_unfaithful_printer_is_caught(monkeypatch):
    monkeypatch.setattr(promql_ast, "_number", lambda value: "2")
    with pytest.raises(ValueError, match="not faithful"):
        aware("sum(rate(x[{{window}}])) * 3", SCOPE)


SHARED = "apiVersion: obsgen/v1\nkind: Platform\nspec:\n  metrics: {mode: shared}\n"


def test_errors_name_file_line_and_field(tmp_path):
    slos = ("    - name: a\n      objective: 99\n      sli:\n        events:\n"
            "          error_query: sum(rate(x{c=\"5\"}[{{window}}]))\n"
            "          total_query: sum without (environment) (rate(x[{{window}}]))\n")
    spec_dir = builders.write_specs(tmp_path, {"platform.yaml": SHARED, "svc.yaml": builders.service("svc", slos)})
    with pytest.raises(SpecErrors) as caught:
        pipeline.run(spec_dir, compile=False)
    [error] = caught.value.errors
    assert str(error).startswith(f"{spec_dir / 'svc.yaml'}:15: slos[0].sli.events.total_query: shared")
    assert "without (environment)" in str(error)
    # the same spec is fine per cluster
    (spec_dir / "platform.yaml").write_text(SHARED.replace("shared", "per-cluster"))
    pipeline.run(spec_dir, compile=False)


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_VALUES = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_NUMBERS = st.floats(allow_nan=False, allow_infinity=True) | st.integers(-10**6, 10**6).map(float)


@given(value=_VALUES, regex=_VALUES, number=_NUMBERS, op=st.sampled_from(["+", "-", "*", "/", "%", "^", "and", "or",
                                                                             "unless", ">", "== bool", "atan2"]))
def test_printing_is_faithful_for_any_label_value_and_number(value, regex, number, op):
    """Any label value (escapes, quotes, non-ASCII, control characters) and any number survive
    parse -> mirror -> print -> parse, inside a query shaped like an SLI."""
    quoted, pattern = promql.quote(value), promql.quote(regex.replace("\\", ""))
    literal = promql_ast.text(promql_ast.Num(number))
    query = (f'sum by (job) (rate(x{{a={quoted},b!~{pattern}}}[5m] offset 1m)) {op} '
             f'(label_replace(y{{c!={quoted}}}, "d", {quoted}, "e", "(.*)") - ({literal}))')
    try:
        tree = promql.parse(query)
    except ValueError:
        return  # e.g. an invalid regex: nothing to print
    assert repr(promql.parse(promql_ast.text(promql_ast.mirror(tree)))) == repr(tree)
    if op not in ("and", "or", "unless"):
        rewritten = aware(query.replace("[5m]", "[{{window}}]"), SCOPE)
        assert repr(promql_ast.mirror(promql.parse(promql.with_window(rewritten, "5m")))).count("environment") >= 3
