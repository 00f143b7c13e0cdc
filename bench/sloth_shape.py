"""Sloth-shaped rules for an obsgen SLO plan, written from Sloth's documented rule shape.

Sloth v0.16 (test/integration/prometheus/testdata/out-base.yaml.tpl, examples/_gen/) writes three
groups per SLO:

- `sloth-slo-sli-recordings-<id>`: `slo:sli_error:ratio_rate<w>` = `(error query) / (total query)`
  with the raw queries at every window of its alert catalog (5m, 30m, 1h, 2h, 6h, 1d, 3d for 30d),
  and the period as the mean of the 5m ratios:
  `sum_over_time(ratio_rate5m{ids}[30d]) / ignoring (sloth_window) count_over_time(ratio_rate5m{ids}[30d])`;
- `sloth-slo-meta-recordings-<id>`: objective, error budget, period days, current and period burn
  rates, the budget remaining and `sloth_slo_info`;
- `sloth-slo-alerts-<id>`: one page and one ticket alert, each an OR of two window pairs
  `max(short > (factor * budget)) without (sloth_window) and max(long > ...) without (sloth_window)`.

Here every recorded name gets PREFIX, so these series can share one Prometheus with obsgen's (same
labels, same sloth_id, different names) and neither side's selectors read the other's series.
No group sets an interval, as in Sloth: Prometheus' global evaluation_interval applies.
"""

from __future__ import annotations

from obsgen import burnrate, durations, names, promql
from obsgen.plan.model import SLOPlan

PREFIX = "bench_sloth_"
GROUPS = {"sli": "sloth-slo-sli-recordings-{id}", "meta": "sloth-slo-meta-recordings-{id}",
          "alerts": "sloth-slo-alerts-{id}"}  # kind -> group name
SEVERITIES = ("page", "ticket")
WHO = "{{$labels.sloth_service}} {{$labels.sloth_slo}}"  # how Sloth's default annotations name the SLO


def name(sloth_name: str) -> str:
    """Sloth's series name, moved out of obsgen's way."""
    return PREFIX + sloth_name


def windows(slo: SLOPlan) -> tuple[int, ...]:
    """Sloth's SLI windows: 5m and every short and long window of the period's alert catalog."""
    return burnrate.windows_of(slo.catalog)


def _ids(slo: SLOPlan) -> dict[str, str]:
    labels = dict(slo.labels)
    return {k: labels[k] for k in names.SLO_LABELS}


def _ratio(slo: SLOPlan, window: str) -> str:
    return promql.selector(name(names.sli_error_ratio(window)), _ids(slo))


def _record(record: str, expr: str, labels: dict[str, str]) -> dict:
    return {"record": name(record), "expr": promql.check(expr), "labels": labels}


def sli_rules(slo: SLOPlan) -> list[dict]:
    if slo.sli.total is None:
        raise ValueError(f"{slo.id}: the side-by-side bench compares events SLIs")
    rules = []
    for seconds in windows(slo):
        w = durations.format_seconds(seconds)
        expr = f"({promql.with_window(slo.sli.error, w)})\n/\n({promql.with_window(slo.sli.total, w)})\n"
        rules.append(_record(names.sli_error_ratio(w), expr, {**dict(slo.labels), names.SLOTH_WINDOW: w}))
    period = durations.format_seconds(slo.period)
    ratio5m = _ratio(slo, durations.format_seconds(burnrate.BASE_WINDOW))
    mean = (f"sum_over_time({ratio5m}[{period}])\n/ ignoring ({names.SLOTH_WINDOW})\n"
            f"count_over_time({ratio5m}[{period}])\n")
    rules.append(_record(names.sli_error_ratio(period), mean, {**dict(slo.labels), names.SLOTH_WINDOW: period}))
    return rules


def meta_rules(slo: SLOPlan) -> list[dict]:
    objective = repr(slo.objective_percent / 100)  # Sloth's float text: vector(0.9990000000000001)
    ids, labels = _ids(slo), dict(slo.labels)
    budget = promql.selector(name(names.ERROR_BUDGET), ids)
    join = f"/ on({', '.join(names.SLO_LABELS)}) group_left\n"
    period = durations.format_seconds(slo.period)
    info = {**labels, "sloth_mode": "cli-gen-prom", "sloth_objective": names.objective_text(slo.objective_percent),
            "sloth_spec": "prometheus/v1", "sloth_version": "v0.16.0"}
    return [
        _record(names.OBJECTIVE, f"vector({objective})", labels),
        _record(names.ERROR_BUDGET, f"vector(1-{objective})", labels),
        _record(names.TIME_PERIOD_DAYS, f"vector({slo.period // burnrate.DAY})", labels),
        _record(names.CURRENT_BURN_RATE, f"{_ratio(slo, '5m')}\n{join}{budget}\n", labels),
        _record(names.PERIOD_BURN_RATE, f"{_ratio(slo, period)}\n{join}{budget}\n", labels),
        _record(names.PERIOD_BUDGET_REMAINING,
                f"1 - {promql.selector(name(names.PERIOD_BURN_RATE), ids)}", labels),
        _record(names.SLO_INFO, "vector(1)", info),
    ]


def _condition(slo: SLOPlan, seconds: int, factor: float) -> str:
    budget = repr((100 - slo.objective_percent) / 100)  # as Sloth prints it: 0.0009999999999999432
    return (f"max({_ratio(slo, durations.format_seconds(seconds))} > ({promql.number(factor)} * {budget}))"
            f" without ({names.SLOTH_WINDOW})")


def alert_rules(slo: SLOPlan) -> list[dict]:
    rules = []
    for severity in SEVERITIES:
        pairs = [f"(\n    {_condition(slo, w.short, w.factor)}\n    and\n    {_condition(slo, w.long, w.factor)}\n)"
                 for w in slo.catalog if w.severity == severity]
        rules.append({
            "alert": "BenchSloth" + names.camel(slo.service, slo.name) + "ErrorBudgetBurn",
            "expr": promql.check("\nor\n".join(pairs) + "\n"),
            "labels": {names.SLOTH_SEVERITY: severity},
            "annotations": {
                "summary": f"{WHO} SLO error budget burn rate is over expected.",
                "title": f"({severity}) {WHO} SLO error budget burn rate is too fast.",
            },
        })
    return rules


def groups(slo: SLOPlan) -> list[dict]:
    """Sloth's three groups for one SLO (in the order of GROUPS), no interval: the global
    evaluation_interval applies."""
    built = (sli_rules(slo), meta_rules(slo), alert_rules(slo))
    return [{"name": g.format(id=slo.id), "rules": rules} for g, rules in zip(GROUPS.values(), built, strict=True)]
