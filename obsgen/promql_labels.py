"""Which labels a PromQL expression's result carries, as far as its text says: the label set of a
recorded series, and the selectors and groupings an expression applies to label sets it knows.

A label set is a frozenset, or None when it is open (a raw metric's labels are whatever its
exporter writes). `known(selector)` gives the set of the series a selector reads (None: open). Prometheus' rules: an
aggregation keeps its `by` labels (all but its `without` ones; topk/bottomk/limitk keep the
series'), one-to-one vector matching keeps the left side's labels (only the `on` labels, or all but
the `ignoring` ones), group_left/right keep the many side's and add the listed ones, `or` keeps
either side's, a function keeps its vector argument's (label_replace/label_join add one,
histogram_quantile drops `le`), scalars have none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache

from obsgen import promql, promql_ast
from obsgen.promql_ast import Agg, Bin, Call, Matrix, Neg, Num, Paren, Sel, Str, Sub

Labels = frozenset | None
Known = Callable[[Sel], Labels]
_KEEP_SERIES = {"topk", "bottomk", "limitk", "limit_ratio"}
_NO_LABELS = {"time", "vector", "pi", "scalar"}  # (date functions keep their argument's, like the rest)


def _union(a: Labels, b: Labels) -> Labels:
    return None if a is None or b is None else a | b


def _scalar(node) -> bool:
    while isinstance(node, (Paren, Neg)):
        node = node.expr
    return isinstance(node, (Num, Str)) or (isinstance(node, Call) and (node.returns_scalar or node.name == "scalar"))


def labels_of(node, known: Known) -> Labels:
    if isinstance(node, Sel):
        return known(node) if node.name else None
    if isinstance(node, Matrix):
        return labels_of(node.sel, known)
    if isinstance(node, (Sub, Paren, Neg)):
        return labels_of(node.expr, known)
    if isinstance(node, (Num, Str)):
        return frozenset()
    if isinstance(node, Call):
        return _call(node, known)
    if isinstance(node, Agg):
        return _aggregation(node, known)
    if isinstance(node, Bin):
        return _binary(node, known)
    return None


def _call(node: Call, known: Known) -> Labels:
    if node.returns_scalar or node.name in _NO_LABELS:
        return frozenset()
    if node.name in ("absent", "absent_over_time"):
        arg = node.args[0] if node.args else None
        sel = arg.sel if isinstance(arg, Matrix) else arg
        return frozenset(n for n, op, _ in sel.matchers if op == "=") if isinstance(sel, Sel) else frozenset()
    vectors = [a for a in node.args if not _scalar(a)]
    inner = labels_of(vectors[0], known) if vectors else frozenset()
    if node.name in ("label_replace", "label_join") and len(node.args) > 1 and isinstance(node.args[1], Str):
        return _union(inner, frozenset({node.args[1].val}))
    if node.name == "histogram_quantile" and inner is not None:
        return inner - {"le"}
    return inner


def _aggregation(node: Agg, known: Known) -> Labels:
    inner = labels_of(node.expr, known)
    if node.op in _KEEP_SERIES:
        return inner
    extra = frozenset({node.param.val}) if node.op == "count_values" and isinstance(node.param, Str) else frozenset()
    if node.grouping is None:
        return extra
    if node.without:
        return None if inner is None else (inner - set(node.grouping)) | extra
    return frozenset(node.grouping) | extra


def _binary(node: Bin, known: Known) -> Labels:
    if _scalar(node.lhs):
        return labels_of(node.rhs, known)
    lhs = labels_of(node.lhs, known)
    if _scalar(node.rhs):
        return lhs
    if node.op == "or":
        return _union(lhs, labels_of(node.rhs, known))
    if node.group == "group_right":
        return _union(labels_of(node.rhs, known), frozenset(node.group_labels))
    if node.group == "group_left":
        return _union(lhs, frozenset(node.group_labels))
    if node.matching is not None and node.op not in ("and", "unless"):
        if not node.ignoring:
            return frozenset(node.matching)
        return None if lhs is None else lhs - set(node.matching)
    return lhs


def selections(node, known: Known) -> Iterator[tuple[str, str, Labels]]:
    """(what, label, the label set it is applied to) for every label the expression selects or
    groups on: each selector's matchers (against its metric's set) and each `by` grouping label
    (against the set of the expression it aggregates)."""
    if isinstance(node, Sel):
        labels = known(node) if node.name else None
        for name, _, _ in node.matchers:
            if name != "__name__":
                yield f"selects {node.name} on", name, labels
        return
    if isinstance(node, Agg) and node.grouping and not node.without:
        inner = labels_of(node.expr, known)
        for name in node.grouping:
            yield f"groups {node.op} by", name, inner
    for child in children(node):
        yield from selections(child, known)


def children(node) -> tuple:
    """The node's operands (a range's selector, a call's arguments...)."""
    if isinstance(node, Matrix):
        return (node.sel,)
    if isinstance(node, (Sub, Paren, Neg)):
        return (node.expr,)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Agg):
        return (node.expr,) if node.param is None else (node.param, node.expr)
    if isinstance(node, Bin):
        return (node.lhs, node.rhs)
    return ()


def parse(expr: str):
    """The mirrored tree of `expr`, or None where obsgen cannot mirror it (others report those).

    Generated expressions differ mostly in the values of their equality matchers
    (`sloth_id="svc-00042-latency"`): 3,000 SLOs give about 100,000 distinct expressions of a few
    hundred shapes, and parsing and mirroring each was a quarter of the seams verifier. So each
    *template* (every such value replaced by a numbered placeholder) is parsed once, and the values
    are put back into the placeholders of its tree. Why that is expr's tree: `_template` replaces
    exactly the values promql.check replaces by "x" (promql._shape: the value of `name="v"` or
    `name!="v"`, name not `__name__`, a non-empty double-quoted string), and only in text holding
    no escape, no other quote and no comment, so each value is a string token in both, read as
    written; the parser asks of such a value only whether it is empty (promql.check's argument),
    and a placeholder is not. The placeholders' prefix does not occur in expr, so every matcher
    value holding one came from `_template`. Anything else is parsed as written
    (tests/test_promql_labels.py compares both on generated and hand-edited expressions)."""
    template, values = _template(expr)
    if template is None:
        return _parse(expr)
    tree = _parse(template)
    return None if tree is None else _fill(tree, values)


def template(expr: str) -> tuple[object, tuple[str, ...]]:
    """(the tree of expr's template, its values): what `parse` fills, unfilled. What labels_of and
    selections compute from it with `filled(known, values)` is what they compute from parse(expr):
    they read of a selector only its metric, its matchers' names and operators, and known's answer,
    which `filled` asks of the selector with its values. The tree of expr itself, with no values,
    where expr has no template (None: it does not parse)."""
    text, values = _template(expr)
    if text is None:
        return _parse(expr), ()
    tree = _parse(text)
    return (tree, values) if tree is not None else (None, ())


def filled(known: Known, values: tuple[str, ...]) -> Known:
    """known, asked of each template selector with its values put back."""
    if not values:
        return known
    return lambda sel: known(_fill(sel, values))


def fill(node, values: tuple[str, ...]):
    """A template's node (a selector) with its values put back."""
    return _fill(node, values) if values else node


def _parse(expr: str):
    try:
        return promql_ast.mirror(promql.parse(expr))
    except (ValueError, TypeError):
        return None


_SLOT = "__obsgen_slot_"  # a placeholder: _SLOT, its number, "_"
_SLOT_LEN = len(_SLOT)


def _template(expr: str) -> tuple[str | None, tuple[str, ...]]:
    """(expr with each equality matcher's non-empty value a numbered placeholder, the values), or
    (None, ()) when expr is not plain enough to be sure (promql._NOT_SIMPLE, an odd quote, a
    value that is not printable text, the placeholders' prefix in expr)."""
    if promql._NOT_SIMPLE.search(expr) or _SLOT in expr:
        return None, ()
    parts = expr.split('"')
    if not len(parts) % 2:
        return None, ()
    values: list[str] = []
    for i in range(1, len(parts), 2):
        if parts[i] and _matcher_before(parts[i - 1]):
            if not parts[i].isprintable():
                return None, ()
            values.append(parts[i])
            parts[i] = f"{_SLOT}{len(values) - 1}_"
    return ('"'.join(parts), tuple(values)) if values else (None, ())


@lru_cache(maxsize=1 << 16)
def _matcher_before(text: str) -> bool:
    return promql._matcher_before(text)


_parse = lru_cache(maxsize=1 << 14)(_parse)  # a template's tree, shared: nodes are frozen


def _fill(node, values: tuple[str, ...]):
    """The tree with every placeholder matcher value replaced by its value. Nodes are copied with
    their fields' dict (`_with`): through the frozen dataclasses' __init__ the copies cost more
    than the parse they save."""
    kind = type(node)
    if kind is Sel:
        return _with(node, matchers=tuple((n, op, values[int(v[_SLOT_LEN:-1])] if v[:_SLOT_LEN] == _SLOT else v)
                                          for n, op, v in node.matchers))
    if kind is Bin:
        return _with(node, lhs=_fill(node.lhs, values), rhs=_fill(node.rhs, values))
    if kind is Matrix:
        return _with(node, sel=_fill(node.sel, values))
    if kind is Call:
        return _with(node, args=tuple(_fill(a, values) for a in node.args))
    if kind is Agg:
        return _with(node, expr=_fill(node.expr, values),
                     param=None if node.param is None else _fill(node.param, values))
    if kind in (Paren, Neg, Sub):
        return _with(node, expr=_fill(node.expr, values))
    return node  # Num, Str: no placeholder


def _with(node, **changed):
    """A copy of a frozen node with some fields changed (what dataclasses.replace gives)."""
    copy = object.__new__(type(node))
    object.__setattr__(copy, "__dict__", {**node.__dict__, **changed})
    return copy
