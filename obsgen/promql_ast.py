"""A PromQL syntax tree obsgen can rewrite and print faithfully.

promql-parser parses, but its nodes cannot be built or changed from Python, carry no positions,
and its printer is not faithful (label values lose their escapes, `by ("a.b")` loses its quotes).
So a parsed tree is mirrored into these small frozen nodes, rewritten here, and printed by
`text()`, which quotes every string through promql.quote. `reparse_check()` proves the printing:
the printed text parsed again gives the same tree, or the rewrite is refused.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from obsgen import durations, promql
from obsgen.names import LABEL_NAME_PATTERN

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LABEL = re.compile(LABEL_NAME_PATTERN)
_OPS = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}


class Unsupported(ValueError):
    """Syntax obsgen does not rewrite (Prometheus 3 `or` matchers, fill modifiers)."""


@dataclass(frozen=True)
class Sel:
    name: str | None
    matchers: tuple[tuple[str, str, str], ...]
    offset: timedelta | None = None
    at: str | None = None  # printed form: 100.000, start(), end()


@dataclass(frozen=True)
class Matrix:
    sel: Sel
    range: timedelta


@dataclass(frozen=True)
class Sub:
    expr: object
    range: timedelta
    step: timedelta | None
    offset: timedelta | None
    at: str | None


@dataclass(frozen=True)
class Num:
    val: float


@dataclass(frozen=True)
class Str:
    val: str


@dataclass(frozen=True)
class Paren:
    expr: object


@dataclass(frozen=True)
class Neg:
    expr: object


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple
    returns_scalar: bool = False


@dataclass(frozen=True)
class Agg:
    op: str
    expr: object
    param: object | None
    grouping: tuple[str, ...] | None  # None: no modifier
    without: bool = False


@dataclass(frozen=True)
class Bin:
    op: str
    lhs: object
    rhs: object
    bool_: bool = False
    matching: tuple[str, ...] | None = None  # labels of on (...) / ignoring (...)
    ignoring: bool = False
    group: str | None = None  # group_left | group_right
    group_labels: tuple[str, ...] = ()


# --- from promql-parser -----------------------------------------------------------------------


def _at(node) -> str | None:
    if node is None:
        return None
    kind = str(node.type).rsplit(".", 1)[-1]
    if kind == "Start":
        return "start()"
    if kind == "End":
        return "end()"
    return f"{(node.at - _EPOCH).total_seconds():.3f}"


def _sel(node) -> Sel:
    if node.matchers.or_matchers:
        raise Unsupported("`or` inside a selector's braces is Prometheus 3 syntax")
    matchers = tuple((m.name, _OPS[str(m.op)], m.value) for m in node.matchers.matchers)
    return Sel(node.name, matchers, node.offset, _at(node.at))


def mirror(node):
    """The parser's tree as obsgen nodes."""
    kind = type(node).__name__
    if kind == "VectorSelector":
        return _sel(node)
    if kind == "MatrixSelector":
        return Matrix(_sel(node.vector_selector), node.range)
    if kind == "SubqueryExpr":
        return Sub(mirror(node.expr), node.range, node.step, node.offset, _at(node.at))
    if kind == "NumberLiteral":
        return Num(node.val)
    if kind == "StringLiteral":
        return Str(node.val)
    if kind == "ParenExpr":
        return Paren(mirror(node.expr))
    if kind == "UnaryExpr":
        return Neg(mirror(node.expr))
    if kind == "Call":
        scalar = str(node.func.return_type).endswith("Scalar")
        return Call(node.func.name, tuple(mirror(a) for a in node.args), scalar)
    if kind == "AggregateExpr":
        mod = node.modifier
        grouping = None if mod is None else tuple(mod.labels)
        without = mod is not None and str(mod.type).endswith("Without")
        param = None if node.param is None else mirror(node.param)
        return Agg(str(node.op), mirror(node.expr), param, grouping, without)
    if kind == "BinaryExpr":
        return _bin(node)
    raise Unsupported(f"PromQL node {kind}")


def _bin(node) -> Bin:
    mod = node.modifier
    if mod is None:
        return Bin(str(node.op), mirror(node.lhs), mirror(node.rhs))
    if repr(mod.fill_values) and "Some(" in repr(mod.fill_values):
        raise Unsupported("fill modifiers are Prometheus 3 syntax")
    matching = mod.matching
    labels = None if matching is None else tuple(matching.labels)
    ignoring = matching is not None and str(matching.type).endswith("Exclude")
    card = str(mod.card).rsplit(".", 1)[-1]
    group = {"ManyToOne": "group_left", "OneToMany": "group_right"}.get(card)
    return Bin(str(node.op), mirror(node.lhs), mirror(node.rhs), bool(mod.return_bool), labels, ignoring,
               group, tuple(mod.group_labels or ()))


# --- printing ---------------------------------------------------------------------------------


def _duration(value: timedelta, window: tuple[timedelta, str] | None) -> str:
    if window is not None and value == window[0]:
        return window[1]
    seconds = value.total_seconds()
    return ("-" if seconds < 0 else "") + durations.format_seconds(abs(seconds))


def _labels(names: tuple[str, ...]) -> str:
    return "(" + ", ".join(n if _LABEL.match(n) else promql.quote(n) for n in names) + ")"


def _modifiers(offset, at, window) -> str:
    out = f" @ {at}" if at else ""
    return out + (f" offset {_duration(offset, window)}" if offset is not None else "")


def _selector(sel: Sel, window) -> str:
    parts = [f"{n if _LABEL.match(n) else promql.quote(n)}{op}{promql.quote(v)}"
             for n, op, v in sel.matchers]
    body = "{" + ",".join(parts) + "}" if parts or not sel.name else ""
    return (sel.name or "") + body


def _number(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Inf" if value > 0 else "-Inf"
    return repr(value).removesuffix(".0") if value == int(value) and abs(value) < 1e15 else repr(value)


def text(node, window: tuple[timedelta, str] | None = None) -> str:
    """PromQL text for a tree; a range equal to window[0] is printed as window[1] ({{window}})."""
    def t(n):
        return text(n, window)

    if isinstance(node, Sel):
        return _selector(node, window) + _modifiers(node.offset, node.at, window)
    if isinstance(node, Matrix):
        return (f"{_selector(node.sel, window)}[{_duration(node.range, window)}]"
                + _modifiers(node.sel.offset, node.sel.at, window))
    if isinstance(node, Sub):
        step = _duration(node.step, window) if node.step is not None else ""
        return f"{t(node.expr)}[{_duration(node.range, window)}:{step}]" + _modifiers(node.offset, node.at, window)
    if isinstance(node, Num):
        return _number(node.val)
    if isinstance(node, Str):
        return promql.quote(node.val)
    if isinstance(node, Paren):
        return f"({t(node.expr)})"
    if isinstance(node, Neg):
        return f"-{t(node.expr)}"
    if isinstance(node, Call):
        return f"{node.name}({', '.join(t(a) for a in node.args)})"
    if isinstance(node, Agg):
        mod = "" if node.grouping is None else f" {'without' if node.without else 'by'} {_labels(node.grouping)}"
        args = ([t(node.param)] if node.param is not None else []) + [t(node.expr)]
        return f"{node.op}{mod + ' ' if mod else ''}({', '.join(args)})"
    if isinstance(node, Bin):
        mod = " bool" if node.bool_ else ""
        if node.matching is not None:
            mod += f" {'ignoring' if node.ignoring else 'on'} {_labels(node.matching)}"
        if node.group:
            mod += f" {node.group} {_labels(node.group_labels)}"
        return f"{t(node.lhs)} {node.op}{mod} {t(node.rhs)}"
    raise Unsupported(f"cannot print {type(node).__name__}")


def reparse_check(node, window: tuple[timedelta, str]) -> str:
    """The tree's text, after proving it parses back to the same tree (with window[1] a real
    duration, as the tree holds it)."""
    probe = text(node, (window[0], _duration(window[0], None)))
    again = mirror(promql.parse(probe))
    if repr(again) != repr(node):  # repr: NaN literals compare unequal
        raise Unsupported(f"printing the rewritten query is not faithful: {probe}")
    return text(node, window)


def selectors(expr: str) -> list[Sel]:
    """Every vector selector of an expression, in the order the parser's tree holds them."""
    return selectors_of(mirror(promql.parse(expr)))


def selectors_of(tree) -> list[Sel]:
    """Every vector selector of a mirrored tree, in order."""
    found: list[Sel] = []

    def walk(node) -> None:
        if isinstance(node, Sel):
            found.append(node)
        elif dataclasses.is_dataclass(node):
            for f in dataclasses.fields(node):
                value = getattr(node, f.name)
                for child in value if isinstance(value, tuple) else (value,):
                    walk(child)

    walk(tree)
    return found
