import promql_parser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obsgen import promql


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40))
def test_any_label_value_survives_escaping(value):
    """Whatever a spec says, the matcher PromQL reads back is exactly that value."""
    tree = promql_parser.parse(promql.selector("up", {"job": value}))
    (matcher,) = [m for m in tree.matchers.matchers if m.name == "job"]
    assert matcher.value == value


def test_selector_orders_and_quotes():
    assert promql.selector("x", [("a", "=~", "5.."), ("b", "!=", 'q"t')]) == 'x{a=~"5..",b!="q\\"t"}'


@pytest.mark.parametrize("bad", [("bad-name", "=", "v"), ("ok", "==", "v")])
def test_selector_refuses_bad_matchers(bad):
    with pytest.raises(ValueError):
        promql.selector("x", [bad])


def test_window_placeholders():
    assert promql.with_window("rate(x[{{window}}]) + rate(y[{{ .window }}])", "5m") == "rate(x[5m]) + rate(y[5m])"
    assert promql.has_window("rate(x[{{.window}}])")
    assert not promql.has_window("rate(x[5m])")


def test_check_names_the_expression():
    with pytest.raises(ValueError, match=r"does not parse as PromQL .*sum\(rate"):
        promql.check("sum(rate(x[5m])")


def test_number_has_no_float_noise():
    assert promql.number(1 - 0.999) == "0.001"
    assert promql.number(0.9333333333333333) == "0.9333333333"


@pytest.mark.parametrize(("template", "expected"), [
    ('rate(x{route="/r/{{window}}"}[{{window}}])', 'rate(x{route="/r/{{window}}"}[5m])'),
    ("rate(x{route='{{.window}}'}[{{.window}}])", "rate(x{route='{{.window}}'}[5m])"),
    ('rate(x{route=`/{{window}}\\`}[{{window}}])', 'rate(x{route=`/{{window}}\\`}[5m])'),
    ('rate(x{a="q\\"[{{window}}]"}[{{window}}])', 'rate(x{a="q\\"[{{window}}]"}[5m])'),
    ('max_over_time(rate(x{code=~"[45].."}[1m])[{{window}}:1m])', 'max_over_time(rate(x{code=~"[45].."}[1m])[5m:1m])'),
    ("rate(x[{{window}}]) # not here: {{window}}\n+ rate(y[{{window}}])",
     "rate(x[5m]) # not here: {{window}}\n+ rate(y[5m])"),
])
def test_window_is_substituted_only_in_range_positions(template, expected):
    assert promql.with_window(template, "5m") == expected
    assert promql.has_window(template)


def test_a_placeholder_only_in_a_string_is_no_window():
    assert not promql.has_window('rate(x{route="/{{window}}"}[5m])')
    assert not promql.has_window("vector({{window}})")


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40)
       | st.text(alphabet=st.sampled_from(list("{}[].window\"'`\\# \n")), max_size=30))
def test_any_label_value_survives_window_substitution(value):
    tree = promql_parser.parse(promql.with_window(promql.selector("up", {"job": value}) + "[{{window}}]", "5m"))
    (matcher,) = [m for m in tree.vector_selector.matchers.matchers if m.name == "job"]
    assert matcher.value == value
    assert tree.range.total_seconds() == 300


# --- the memoized parse check (promql.check parses each shape and each matcher value once) ----------

_HOSTILE = st.lists(st.sampled_from([*'ab "\'`\\\n{}[]=!~#,()x0ué', "\\u00e9", "\\x4", "\\ud800"]),
                    max_size=8).map("".join)
_TEMPLATES = [
    'sum(rate(x{a="V",b!="W"}[5m]))', 'x{a="V"} / on () y{b=~"W"}', 'x{"a.b"="V", c="W"}', '{a="V"}',
    '{a!="V", b="W"}', 'x{a="V"} # c="W"', "x{a='V', b=\"W\"}", 'x{a="V"} == bool y{b = "W"}',
    '{__name__="V", a="W"}', 'label_replace(x{a="V"}, "W", "$1", "a", "(.*)")', 'x != "V"', 'a="V" + b{c="W"}',
    'x{a="V"} != "W"', 'x{9a="V", b_c ="W"}',
]


def _parses(parse, expr: str) -> bool:
    try:
        parse(expr)
    except ValueError:
        return False
    return True


@settings(max_examples=1500)
@given(st.sampled_from(_TEMPLATES), _HOSTILE, _HOSTILE)
def test_the_memoized_check_agrees_with_the_parser(template, v, w):
    """Raw text (quotes, escapes, newlines, braces) spliced into matcher values: check accepts
    exactly what the parser accepts, whatever shapes and values earlier examples put in its cache."""
    expr = template.replace("V", v).replace("W", w)
    assert _parses(promql.check, expr) == _parses(promql_parser.parse, expr), expr


@pytest.mark.parametrize(("good", "bad"), [
    ('x{a="b"}', 'x{a="\\q"}'),  # an unknown escape
    ('x{a="b"}', 'x{a="b\nc"}'),  # a newline inside a string
    ('x{a="b"}', 'x{a="\\ud800"}'),  # a surrogate escape
    ('{a="b"}', '{a=""}'),  # a selector that matches everything
    ('x{a=~"b"}', 'x{a=~"("}'),  # regular expressions stay in the shape
    ('x{a="b"}', 'x{a="b"}}'),
    ('x{a="b"} or y{c="d"}', 'x{a="b"} or y{c="d}'),
])
def test_a_cached_shape_still_rejects_a_bad_expression(good, bad):
    assert promql.check(good) == good
    with pytest.raises(ValueError, match="does not parse as PromQL"):
        promql.check(bad)
    with pytest.raises(ValueError, match="does not parse as PromQL"):
        promql.check(bad)  # and again, once anything about it could have been cached


@settings(max_examples=1000)
@given(st.sampled_from(_TEMPLATES), _HOSTILE, _HOSTILE)
def test_both_ways_of_finding_the_shape_agree(template, v, w):
    """Splitting on quotes (the fast way, for text without escapes, other quotes or comments) and
    the tokenizer (for any text) find the same shape and values."""
    expr = template.replace("V", v).replace("W", w)
    assert promql._shape(expr) == promql._shape_by_tokens(expr)


def test_only_equality_values_leave_the_shape():
    expr = 'x{a="v",b!="",c=~"r",__name__="n","d.e"="q"} + y{f = "w"}'
    shape = 'x{a="x",b!="",c=~"r",__name__="n","d.e"="q"} + y{f = "x"}'
    assert promql._shape(expr) == (shape, ['"v"', '""', '"w"'])
    assert promql._shape(expr + ' # g="c"') == (shape + ' # g="c"', ['"v"', '""', '"w"'])  # by tokens


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=20)
       | st.text(alphabet=st.sampled_from(list('ab"\\\n\t\x00\x1f\x7fé\u2028')), max_size=10))
def test_quote_is_json(value):
    """quote's shortcut for text JSON does not escape writes what json.dumps writes."""
    import json

    assert promql.quote(value) == json.dumps(value, ensure_ascii=False)
