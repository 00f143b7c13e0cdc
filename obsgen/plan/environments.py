"""Shared mode: several environments in one metrics store (Mimir, Amazon Managed Prometheus, Thanos).

Every recorded series and alert keeps the environment label, so each environment has its own SLI,
burn rates, budget and alerts. A user's query reaches that through its syntax tree (promql_ast):
each selector gains a matcher on the service's environments, each aggregation on the result's path
groups by the label, each `on (...)` join matches on it; a query that would still lose it is an
error saying how to write it. Per-cluster mode (the default) changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from functools import lru_cache

from obsgen import names, promql, promql_ast
from obsgen.errors import SpecError
from obsgen.promql_ast import Agg, Bin, Call, Matrix, Neg, Num, Paren, Sel, Str, Sub
from obsgen.spec.policy import PAGING_ENVIRONMENT

# Stands for {{window}} while a template is parsed: a range no query writes by accident.
_WINDOW = timedelta(days=7777, seconds=7777, milliseconds=777)
_WINDOW_TEXT = promql_ast.text(Matrix(Sel("x", ()), _WINDOW)).removeprefix("x[").removesuffix("]")
WINDOW_PLACEHOLDER = "{{window}}"

# Functions whose result has no labels of their arguments (or none at all).
_LABEL_LESS = {"vector", "absent", "absent_over_time"}


@dataclass(frozen=True)
class EnvironmentScope:
    """Shared mode, for one service: the label, the environments recorded, the one that pages."""

    label: str
    environments: tuple[str, ...]
    paging: str = PAGING_ENVIRONMENT

    def matcher(self) -> tuple[str, str, str]:
        """Only the service's environments are recorded."""
        if len(self.environments) == 1:
            return (self.label, "=", self.environments[0])
        return (self.label, "=~", "|".join(self.environments))  # names are [a-z0-9-]: no regex syntax


@dataclass(frozen=True)
class MetricsPlan:
    mode: str = "per-cluster"
    environment_label: str = names.ENVIRONMENT_LABEL
    rulers: tuple[str, ...] = ()
    namespace: str = "service"  # Mimir namespace per service, or per team
    source_tenants: tuple[str, ...] = ()

    @property
    def shared(self) -> bool:
        return self.mode == "shared"


def compile_metrics(platform) -> MetricsPlan:
    m = platform.metrics
    return MetricsPlan(m.mode, platform.environment_label, tuple(sorted(set(m.rulers))), m.namespace,
                       tuple(m.source_tenants))


def scope_for(platform, service) -> EnvironmentScope | None:
    if platform.metrics.mode != "shared":
        return None
    return EnvironmentScope(platform.environment_label, tuple(sorted(set(service.spec.environments))))


# --- what generated rules need ------------------------------------------------------------------


def join_labels(scope: EnvironmentScope | None) -> str:
    """The `on (...)` list of a join between two series of one SLO."""
    return "" if scope is None else scope.label


def alert_matchers(scope: EnvironmentScope | None, severity: str) -> dict[str, str]:
    """Pages read production's series only, so non-production never pages (Alertmanager's routing
    reads the same label on the alert)."""
    if scope is None or severity != "page":
        return {}
    return {scope.label: scope.paging}


def grouped(scope: EnvironmentScope | None, aggregation: str) -> str:
    """`sum` -> `sum by (environment) ` for the SLIs obsgen writes itself (latency, spans)."""
    return aggregation if scope is None else f"{aggregation} by ({scope.label}) "


def selector_matchers(scope: EnvironmentScope | None) -> list[tuple[str, str, str]]:
    return [] if scope is None else [scope.matcher()]


# --- a user's query -----------------------------------------------------------------------------


class EnvironmentLost(ValueError):
    """The query would lose the environment label; the message says how to write it."""


def aware(template: str, scope: EnvironmentScope) -> str:
    """The query template ({{window}} kept) with the environment kept through every step."""
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


# --- located errors -----------------------------------------------------------------------------


def check(specs) -> list[SpecError]:
    """Every events/raw query of every service, in shared mode: an error at its file:line when the
    environment label cannot reach the result."""
    platform = specs.platform.model.spec if specs.platform else None
    if platform is None or platform.metrics.mode != "shared":
        return []
    errors = []
    for svc in specs.services:
        scope = scope_for(platform, svc.model)
        for i, slo in enumerate(svc.model.spec.slos):
            kind = slo.sli.kind
            fields = {"events": ("error_query", "total_query"), "raw": ("error_ratio_query",)}.get(kind, ())
            for name in fields:
                query = getattr(getattr(slo.sli, kind), name)
                if not _parses(query):
                    continue  # reported by spec/checks.py already
                try:
                    aware(query, scope)
                except ValueError as exc:  # EnvironmentLost, promql_ast.Unsupported, parse errors
                    errors.append(SpecError(svc.at("spec", "slos", i, "sli", kind, name),
                                            f"shared metrics mode: {exc}"))
    return errors


def _parses(query: str) -> bool:
    try:
        promql.parse(promql.with_window(query, "5m"))
    except ValueError:
        return False
    return promql.has_window(query)
