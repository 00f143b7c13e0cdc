"""obsgen/promql_labels.py: `parse` gives the tree the parser gives, though it parses each template
(equality matchers' values set apart) once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from obsgen import promql, promql_ast, promql_labels, yamlio
from obsgen.promql_ast import Sel

ROOT = Path(__file__).resolve().parent.parent


def _whole(expr: str):
    """The tree of expr parsed as written, as parse did before templates."""
    try:
        return promql_ast.mirror(promql.parse(expr))
    except (ValueError, TypeError):
        return None


def _generated() -> list[str]:
    """Every rule's and dashboard target's expression of the bundled examples, as generated."""
    found = []
    for path in sorted((ROOT / "alerts" / "rules").glob("*.yaml")):
        found += [str(r["expr"]) for g in yamlio.load(path.read_text())["groups"] for r in g["rules"]]
    for path in sorted((ROOT / "dashboards").rglob("*.json")):
        text = path.read_text()
        found += [e for e in json.loads("[" + ",".join(
            json.dumps(t.get("expr", "")) for p in json.loads(text).get("panels", [])
            for t in p.get("targets", []) or []) + "]") if e]
    return found


HAND_EDITED = [
    'foo{a="x",b!="y"}',
    'foo{a = "x" , b != "y"}',
    'foo{a="x", a="y"}',
    'foo{a=""}',
    '{a=""}',  # no matcher that does not match "": refused
    '{a="v"}',
    'foo{__name__="bar"}',
    '{__name__="bar", job="x"}',
    'foo{a=~"5..", b!~"x", c="y"}',
    'label_replace(foo{a="1"}, "dst", "$1", "a", "(.*)")',
    'count_values("x", foo{a="1"})',
    'topk(3, foo{a="1"}) unless bar{a="1", b="2"}',
    'sum by (a) (foo{a="1"}) / on (a) group_left (b) bar{b!="2"} offset 5m',
    'sum_over_time(foo{a="1"}[5m:1m] offset 1h) or vector(0)',
    'foo != "v"',  # a string is no operand of `!=`: refused
    'foo == "v"',
    'foo{a="é ü"}',
    'foo{a="x y"} @ 100',
    'foo{a="__obsgen_slot_0_"}',  # the placeholders' prefix, in a value: parsed as written
    'foo{a="x\\"y"}',  # an escape: parsed as written
    "foo{a='x'}",
    'foo{a="x"} # comment "y"',
    'foo{a="x}',
    'foo{a="x"',
    'foo{a="\t"}',
    '-foo{a="1"} > bool 0.5',
]


@pytest.mark.parametrize("expr", HAND_EDITED)
def test_a_hand_edited_expression_parses_as_written(expr):
    assert promql_labels.parse(expr) == _whole(expr)


def test_every_generated_expression_parses_as_written():
    exprs = _generated()
    assert len(exprs) > 100
    templated = [e for e in exprs if promql_labels._template(e)[0] is not None]
    assert len(templated) > len(exprs) / 2  # the fast path is the one taken
    for expr in exprs:
        assert promql_labels.parse(expr) == _whole(expr), expr


def test_the_values_go_where_they_were():
    """Two expressions of one template get trees of their own values, in their places."""
    one = promql_labels.parse('a{x="1", y="2"} / b{x="3"}')
    two = promql_labels.parse('a{x="4", y="5"} / b{x="6"}')
    assert promql_labels._template('a{x="1", y="2"} / b{x="3"}')[0] == promql_labels._template(
        'a{x="4", y="5"} / b{x="6"}')[0]
    assert one.lhs == Sel("a", (("x", "=", "1"), ("y", "=", "2")))
    assert two.rhs == Sel("b", (("x", "=", "6"),))


def _by_values(sel: Sel) -> frozenset:
    """A known whose answer depends on every matcher's value: a template asked with the wrong
    values (or none) answers otherwise."""
    return frozenset({sel.name or "", *(f"{n}{op}{v}" for n, op, v in sel.matchers)})


_MORE = ['sum by (a) (foo{a="1", b="2"}) / on (a) bar{c="3"}',
         'absent(foo{a="1"}) or label_replace(x{y="2"}, "z", "$1", "y", "(.*)")']


@pytest.mark.parametrize("expr", [*HAND_EDITED, *_MORE])
def test_a_template_reads_as_its_expression(expr):
    """labels_of and selections on the template with `filled` give what they give on the tree."""
    tree, values = promql_labels.template(expr)
    whole = _whole(expr)
    assert (tree is None) == (whole is None)
    if whole is not None:
        known = promql_labels.filled(_by_values, values)
        assert promql_labels.labels_of(tree, known) == promql_labels.labels_of(whole, _by_values)
        assert list(promql_labels.selections(tree, known)) == list(promql_labels.selections(whole, _by_values))


def test_every_generated_template_reads_as_its_expression():
    for expr in _generated():
        tree, values = promql_labels.template(expr)
        whole = _whole(expr)
        known = promql_labels.filled(_by_values, values)
        assert promql_labels.labels_of(tree, known) == promql_labels.labels_of(whole, _by_values), expr
        assert list(promql_labels.selections(tree, known)) == list(promql_labels.selections(whole, _by_values))
