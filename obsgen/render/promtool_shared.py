"""promtool scenarios for shared metrics mode: one store, several environments' series.

Each proves that environments stay apart: a staging outage beside a healthy production opens no
production alert and leaves production's budget whole; a production outage pages with the
environment on the alert; a service without production never pages; an environment without
traffic records 0, not NaN, in every environment. Input series carry the environment label, as
a shared store's series do.
"""

from __future__ import annotations

from obsgen import burnrate, durations, names, promql
from obsgen.plan.model import SLOPlan
from obsgen.render.promtool_inputs import counter, expect, group, with_environment
from obsgen.render.promtool_inputs import traffic as events

OTHER = "staging"  # the non-paging environment of the scenarios, when the service lists none


def _other(slo: SLOPlan) -> str:
    scope = slo.environment
    others = [e for e in scope.environments if e != scope.paging]
    return others[0] if others else OTHER


def _inputs(slo: SLOPlan, env: str, phases, errorless: bool = False) -> list[dict]:
    """Input series in one environment for phases of (error share, success share, minutes);
    errorless: without the series that only count errors (no error ever happened there)."""
    label, traffic = slo.environment.label, events(slo)
    return [{"series": with_environment(s.series, label, env),
             "values": counter([(s.bad * bad * traffic + s.good * good * traffic, minutes)
                                for bad, good, minutes in phases])}
            for s in slo.sli.fixture if s.good or not errorless]


def _count(expr: str) -> str:
    return f"count({expr}) or vector(0)"


def _alerts(slo: SLOPlan, **labels: str) -> str:
    return promql.selector(names.ALERTS, {names.ALERT_STATE: "firing", names.SLOTH_ID: slo.id, **labels})


def scenarios(slo: SLOPlan) -> list[dict]:
    """Shared-mode scenarios for one SLO; none in per-cluster mode."""
    scope = slo.environment
    if scope is None or slo.sli.fixture is None:
        return []
    label, prod, other = scope.label, scope.paging, _other(slo)
    page = {names.SLOTH_SEVERITY: "page"}
    # Outages run from the first sample, so every window reads only errors at once: pages fire
    # within the 5m ramp plus their pending time.
    end = 20 + max((a.for_seconds for a in slo.alerts), default=0) // 60
    healthy, outage = (0, 1, end + 1), (1, 0, end + 1)
    listed = prod in scope.environments
    tests = []
    if listed:
        prod_only = {**slo.selector(), label: prod}
        budget = promql.selector(names.PERIOD_BUDGET_REMAINING, prod_only)
        ratio5m = promql.selector(names.sli_error_ratio(durations.format_seconds(burnrate.BASE_WINDOW)), prod_only)
        tests.append(group(
            f"{slo.id}: shared store: a {other} outage beside a healthy {prod} opens no {prod} alert",
            _inputs(slo, prod, [healthy], errorless=slo.sli.total is not None) + _inputs(slo, other, [outage]),
            [expect(_count(_alerts(slo, **{label: prod})), m, 0) for m in (end // 2, end)]
            + [expect(_count(_alerts(slo, **page)), end, 0), expect(f"count({budget} == 1)", end, 1),
               expect(f"count({ratio5m} == 0)", end, 1)]))
    if listed and any(a.window.severity == "page" for a in slo.alerts):
        tests.append(group(
            f"{slo.id}: shared store: a {prod} outage pages with {label}=\"{prod}\" on the alert",
            _inputs(slo, prod, [outage]) + _inputs(slo, other, [healthy]),
            [expect(f"count({_alerts(slo, **page, **{label: prod})}) > bool 0", end, 1),
             expect(_count(_alerts(slo, **{label: other})), end, 0)]))
    if not listed:  # an outage in every listed environment never pages
        tests.append(group(
            f"{slo.id}: shared store: a service listed only in {', '.join(scope.environments)} never pages",
            [s for env in scope.environments for s in _inputs(slo, env, [outage])],
            [expect(_count(_alerts(slo, **page)), m, 0) for m in (end // 2, end)]))
    if slo.sli.total is not None:
        tests.append(_zero_traffic(slo, prod if listed else scope.environments[0], other, group, expect))
    return tests


def _zero_traffic(slo: SLOPlan, busy: str, idle: str, group, expect) -> dict:
    """Traffic in one environment, none in the other: every recorded ratio is a number in both."""
    scope, sel = slo.environment, slo.selector()
    recorded = [names.SLI_ERROR_RATE, names.CURRENT_BURN_RATE, names.PERIOD_BURN_RATE, names.PERIOD_BUDGET_REMAINING]
    recorded += [names.sli_error_ratio(durations.format_seconds(w)) for w in slo.windows]
    checks = [expect(_count(f"{promql.selector(n, sel)} != {promql.selector(n, sel)}"), 30, 0) for n in recorded]
    environments = len({busy, idle} & set(scope.environments))  # an unlisted one is not recorded
    checks += [expect(f"count({promql.selector(names.PERIOD_BUDGET_REMAINING, sel)} == 1)", 30, environments),
               expect(_count(_alerts(slo)), 30, 0)]
    return group(f"{slo.id}: shared store: zero traffic in {idle} records no NaN in any environment",
                 _inputs(slo, busy, [(0, 1, 31)]) + _inputs(slo, idle, [(0, 0, 31)]), checks)
