"""What each SLI reads from a live server: its raw selectors, each with the role it plays, and where
the SLI is written in the specs (for `file:line: slo: problem`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from obsgen import burnrate, durations, names, promql, promql_ast
from obsgen.errors import Location
from obsgen.plan.model import Plan, SLOPlan
from obsgen.spec.load import Specs

BASE = durations.format_seconds(burnrate.BASE_WINDOW)
# Roles: `total` (events), `error` (errors only: may match nothing while there were no errors),
# `bucket` (a histogram's bucket at the threshold). A raw ratio's selectors are all `total`: each
# must select series for the ratio to mean anything.
TOTAL, ERROR, BUCKET = "total", "error", "bucket"
LE = "le"


@dataclass(frozen=True)
class Selector:
    metric: str
    matchers: tuple[tuple[str, str, str], ...]  # without the metric name
    role: str

    @property
    def text(self) -> str:
        return promql.selector(self.metric, self.matchers)

    def without_le(self) -> str:
        return promql.selector(self.metric, [m for m in self.matchers if m[0] != LE])

    @property
    def threshold(self) -> str:
        """The bucket bound matched, as written in the rules (`0.3`, or `1` for `1|1\\.0`)."""
        return next((v.split("|")[0] for n, _, v in self.matchers if n == LE), "")


@dataclass(frozen=True)
class Target:
    slo: SLOPlan
    where: Location  # the SLI in the specs
    selectors: tuple[Selector, ...]


def _sels(expr: str) -> list[promql_ast.Sel]:
    found: list[promql_ast.Sel] = []

    def walk(node) -> None:
        if isinstance(node, promql_ast.Sel):
            found.append(node)
        elif dataclasses.is_dataclass(node):
            for f in dataclasses.fields(node):
                value = getattr(node, f.name)
                for child in value if isinstance(value, tuple) else (value,):
                    walk(child)

    walk(promql_ast.mirror(promql.parse(expr)))
    return found


def selectors(slo: SLOPlan) -> tuple[Selector, ...]:
    """Every distinct named selector of the SLI's queries, totals first."""
    total = _sels(promql.with_window(slo.sli.total, BASE)) if slo.sli.total else []
    error = _sels(promql.with_window(slo.sli.error, BASE))
    seen, out = set(), []
    for sel, role in [*((s, TOTAL) for s in total), *((s, ERROR) for s in error)]:
        if sel.name is None:  # {__name__=~"..."}: nothing to look up by name
            continue
        matchers = tuple(m for m in sel.matchers if m[0] != "__name__")
        if any(n == LE for n, _, _ in matchers):
            role = BUCKET
        elif slo.sli.total is None:
            role = TOTAL
        key = (sel.name, matchers)
        if key not in seen:
            seen.add(key)
            out.append(Selector(sel.name, matchers, role))
    return tuple(out)


def _kind(slo_model) -> str:
    return next(k for k in ("events", "raw", "latency", "spans") if getattr(slo_model.sli, k, None) is not None)


def locations(specs: Specs) -> dict[str, Location]:
    """SLO id -> the line of its SLI (its kind's key) in the specs."""
    found = {}
    for loaded in specs.services:
        service = loaded.model
        for i, slo in enumerate(service.spec.slos):
            where = loaded.at("spec", "slos", i, "sli", _kind(slo))
            found[names.slo_id(service.metadata.name, slo.name)] = where
    return found


def targets(plan: Plan, specs: Specs) -> list[Target]:
    where = locations(specs)
    return [Target(slo, where.get(slo.id, Location("?")), selectors(slo))
            for service in plan.services for slo in service.slos]
