"""The raw selectors each SLI reads, each with the role it plays: what `obsgen lint` checks on a live
server and what the SLI health alerts (render/health_rules.py) watch."""

from __future__ import annotations

from dataclasses import dataclass

from obsgen import burnrate, durations, promql, promql_ast
from obsgen.plan.model import SLOPlan

BASE = durations.format_seconds(burnrate.BASE_WINDOW)
# Roles: `total` (events), `error` (errors only: may match nothing while there were no errors),
# `bucket` (a histogram's bucket at the threshold). A raw ratio written errors / total has the
# divisor's selectors as totals and the dividend's as errors; any other raw query is all totals.
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


def _raw_parts(query: str) -> tuple[str, str]:
    """(errors, total) of a raw ratio written as errors / total; else the whole query as the total."""
    tree = promql.parse(query)
    while type(tree).__name__ == "ParenExpr":
        tree = tree.expr
    if type(tree).__name__ == "BinaryExpr" and str(tree.op) == "/":
        return str(tree.lhs), str(tree.rhs)
    return "", query


def selectors(slo: SLOPlan) -> tuple[Selector, ...]:
    """Every distinct named selector of the SLI's queries, totals first."""
    if slo.sli.total is None:  # raw: an error ratio, errors / total
        errors, totals = _raw_parts(promql.with_window(slo.sli.error, BASE))
        total, error = promql_ast.selectors(totals), promql_ast.selectors(errors) if errors else []
    else:
        total = promql_ast.selectors(promql.with_window(slo.sli.total, BASE))
        error = promql_ast.selectors(promql.with_window(slo.sli.error, BASE))
    seen, out = set(), []
    for sel, role in [*((s, TOTAL) for s in total), *((s, ERROR) for s in error)]:
        if sel.name is None:  # {__name__=~"..."}: nothing to look up by name
            continue
        matchers = tuple(m for m in sel.matchers if m[0] != "__name__")
        if any(n == LE for n, _, _ in matchers):
            role = BUCKET
        key = (sel.name, matchers)
        if key not in seen:
            seen.add(key)
            out.append(Selector(sel.name, matchers, role))
    return tuple(out)
