"""Shared mode's rewrite of a user's query: the environment label kept through every step.

Several environments in one metrics store (Mimir, Amazon Managed Prometheus, Thanos): every
recorded series and alert keeps the environment label. A user's query reaches that through its
syntax tree (promql_ast): each selector gains a matcher on the service's environments, each
aggregation on the result's path groups by the label, each `on (...)` join matches on it; a query
that would still lose it is an error saying how to write it. A shared module: the spec's checks
report its errors at file:line (spec/shared_metrics.py), the plan uses the rewritten query
(plan/sli.py); the scope it reads is spec/policy.EnvironmentScope.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from functools import lru_cache

from obsgen import promql, promql_ast
from obsgen.promql_ast import Agg, Bin, Call, Matrix, Neg, Num, Paren, Sel, Str, Sub

# Stands for {{window}} while a template is parsed: a range no query writes by accident.
_WINDOW = timedelta(days=7777, seconds=7777, milliseconds=777)
_WINDOW_TEXT = promql_ast.text(Matrix(Sel("x", ()), _WINDOW)).removeprefix("x[").removesuffix("]")
WINDOW_PLACEHOLDER = "{{window}}"

# Functions whose result has no labels of their arguments (or none at all).
_LABEL_LESS = {"vector", "absent", "absent_over_time"}


class EnvironmentLost(ValueError):
    """The query would lose the environment label; the message says how to write it."""


def aware(template: str, scope) -> str:
    """The query template ({{window}} kept) with the environment kept through every step; scope is a
    spec.policy.EnvironmentScope (its label and matcher)."""
    return _aware(template, scope.label, scope.matcher())


@lru_cache(maxsize=4096)
def _aware(template: str, label: str, matcher: tuple[str, str, str]) -> str:
    if _WINDOW_TEXT in promql.with_window(template, "5m"):  # the stand-in must stand for {{window}} only
        raise EnvironmentLost(f"the range {_WINDOW_TEXT} is reserved by obsgen")
    tree = promql_ast.mirror(promql.parse(promql.with_window(template, _WINDOW_TEXT)))
    node, kind = _keep(tree, label, matcher)
    if kind != "env":
        raise EnvironmentLost(f"the result has no {label} label: in shared mode the query must read "
                              f"series, e.g. sum(rate(x[{WINDOW_PLACEHOLDER}]))")
    return promql_ast.reparse_check(node, (_WINDOW, WINDOW_PLACEHOLDER))


def _keep(node, label: str, matcher):
    """(rewritten node, kind): kind is env (a vector with the label), scalar or string."""
    if isinstance(node, Sel):
        return replace(node, matchers=(*node.matchers, matcher)), "env"
    if isinstance(node, Matrix):
        return replace(node, sel=_keep(node.sel, label, matcher)[0]), "env"
    if isinstance(node, Num):
        return node, "scalar"
    if isinstance(node, Str):
        return node, "string"
    if isinstance(node, Sub | Paren | Neg):
        inner, kind = _keep(node.expr, label, matcher)
        return replace(node, expr=inner), kind
    if isinstance(node, Call):
        return _call(node, label, matcher)
    if isinstance(node, Agg):
        return _agg(node, label, matcher)
    return _bin(node, label, matcher)


def _call(node: Call, label: str, matcher):
    if node.name == "scalar":
        raise EnvironmentLost(f"scalar() merges every environment into one number; in shared mode keep "
                              f"vectors, e.g. `a / on ({label}) b` instead of `a / scalar(b)`")
    if node.name in _LABEL_LESS:
        raise EnvironmentLost(f"{node.name}(...) has no {label} label; in shared mode drop it "
                              "(obsgen already records 0 errors while there is traffic)")
    if node.name in ("label_replace", "label_join") and len(node.args) > 1 and node.args[1] == Str(label):
        raise EnvironmentLost(f"{node.name}() overwrites the {label} label; write the result to another label")
    args, kinds = [], []
    for arg in node.args:
        new, kind = _keep(arg, label, matcher)
        args.append(new)
        kinds.append(kind)
    if node.returns_scalar:
        return replace(node, args=tuple(args)), "scalar"
    if "env" not in kinds:  # hour(), day_of_week() without arguments: a label-less vector of time()
        raise EnvironmentLost(f"{node.name}() without a series argument has no {label} label")
    return replace(node, args=tuple(args)), "env"


def _agg(node: Agg, label: str, matcher):
    if node.op == "count_values":
        raise EnvironmentLost(f"count_values() makes new series from values; in shared mode count by "
                              f"({label}) instead")
    if node.without and label in (node.grouping or ()):
        raise EnvironmentLost(f"`without ({label})` sums the environments together; remove {label} from "
                              "the list")
    inner, kind = _keep(node.expr, label, matcher)
    if kind != "env":
        raise EnvironmentLost(f"{node.op}() reads no series with the {label} label")
    grouping = node.grouping
    if not node.without:
        grouping = (*(grouping or ()), label) if label not in (grouping or ()) else grouping
    return replace(node, expr=inner, grouping=grouping), "env"


def _bin(node: Bin, label: str, matcher):
    lhs, left = _keep(node.lhs, label, matcher)
    rhs, right = _keep(node.rhs, label, matcher)
    if "env" not in (left, right):
        return replace(node, lhs=lhs, rhs=rhs), left
    if left != right and node.op in ("and", "or", "unless"):
        raise EnvironmentLost(f"`{node.op}` needs series on both sides")
    if left != "env" or right != "env":  # vector and scalar: the vector's labels stay
        return replace(node, lhs=lhs, rhs=rhs), "env"
    matching = node.matching
    if node.ignoring and label in (matching or ()):
        raise EnvironmentLost(f"`ignoring ({label})` matches one environment's series with another's; "
                              f"remove {label} from the list")
    if label in node.group_labels:
        raise EnvironmentLost(f"`{node.group} ({label})` copies the {label} label across environments; "
                              "remove it from the list (the sides match on it)")
    if matching is not None and not node.ignoring and label not in matching:
        matching = (*matching, label)
    return replace(node, lhs=lhs, rhs=rhs, matching=matching), "env"
