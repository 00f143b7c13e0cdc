"""Prometheus recording and alerting rules, one file per service, two groups per SLO.

The SLI group records the 5m error and total rates from the raw queries once; every other window
and the period are derived from those two recorded series (traffic-weighted, cheap to evaluate).
The period group runs on a slower interval because its cost grows with the period.
"""

from __future__ import annotations

import weakref

from obsgen import burnrate, durations, names, promql
from obsgen.plan.environments import alert_matchers, join_labels
from obsgen.plan.model import AlertPlan, Plan, ServicePlan, SLOPlan
from obsgen.render import sloth_alerts, yamlout

PERIOD_INTERVAL = "5m"
BASE = durations.format_seconds(burnrate.BASE_WINDOW)


def render(plan: Plan) -> dict[str, str]:
    files = {}
    for service in plan.services:
        files[names.rules_file(service.name)] = yamlout.dump({"groups": service_groups(service)})
    return files


# Groups are built (and every expression parsed) once per service plan, for both renderers; entries
# go when the plan does. Callers only read them.
_GROUPS: weakref.WeakKeyDictionary[ServicePlan, list[dict]] = weakref.WeakKeyDictionary()


def service_groups(service: ServicePlan) -> list[dict]:
    """Every rule group of a service: the rules file's and its PrometheusRule's (render/k8s_rules.py)."""
    groups = _GROUPS.get(service)
    if groups is None:
        groups = _GROUPS[service] = [g for slo in service.slos for g in groups_for(slo)]
    return groups


def groups_for(slo: SLOPlan) -> list[dict]:
    return [
        {"name": names.rule_group(slo.service, slo.name), "rules": sli_rules(slo) + meta_rules(slo)
         + alert_rules(slo)},
        {"name": names.rule_group(slo.service, slo.name, "period"), "interval": PERIOD_INTERVAL,
         "rules": period_rules(slo)},
    ]


def _sel(slo: SLOPlan, metric: str) -> str:
    return promql.selector(metric, slo.selector())


def _record(slo: SLOPlan, record: str, expr: str, **extra: str) -> dict:
    return {"record": record, "expr": promql.check(expr), "labels": {**dict(slo.labels), **extra}}


# Any positive floor below the smallest real event rate (one event in 5m is 0.0033/s) turns 0/0
# into 0 without changing a single real ratio.
ZERO_TRAFFIC_FLOOR = "1e-12"


def _ratio(errors: str, total: str) -> str:
    """errors / total, 0 where there was no traffic: never NaN or +Inf.

    The total is read once: `x / (t > 0) or t * 0` would scan a 30d range twice, and the period
    rule's cost is proportional to the samples it reads.
    """
    return f"{errors} / clamp_min({total}, {ZERO_TRAFFIC_FLOOR})"


def sli_rules(slo: SLOPlan) -> list[dict]:
    err, tot = _sel(slo, names.SLI_ERROR_RATE), _sel(slo, names.SLI_TOTAL_RATE)
    error = promql.with_window(slo.sli.error, BASE)
    if slo.sli.total is None:  # raw: an error ratio; each 5m step weighs the same
        rules = [
            _record(slo, names.SLI_ERROR_RATE, f"clamp_max(({error}) >= 0, 1)"),
            _record(slo, names.SLI_TOTAL_RATE, f"{err} * 0 + 1"),
        ]
    else:  # errors are 0, not absent, while there is traffic but no error series exists yet
        rules = [
            _record(slo, names.SLI_TOTAL_RATE, promql.with_window(slo.sli.total, BASE)),
            _record(slo, names.SLI_ERROR_RATE, f"({error}) or on ({join_labels(slo.environment)}) ({tot} * 0)"),
        ]
    for window in slo.windows:
        w = durations.format_seconds(window)
        if window == burnrate.BASE_WINDOW:
            expr = _ratio(err, tot)
        else:
            expr = _ratio(f"sum_over_time({err}[{w}])", f"sum_over_time({tot}[{w}])")
        rules.append(_record(slo, names.sli_error_ratio(w), expr, sloth_window=w))
    return rules


def meta_rules(slo: SLOPlan) -> list[dict]:
    ratio5m = _sel(slo, names.sli_error_ratio(BASE))
    info = {"sloth_mode": "cli-gen-prom", "sloth_objective": names.objective_text(slo.objective_percent),
            "sloth_spec": "obsgen/v1", names.TEAM: slo.team, names.TIER: str(slo.tier)}
    return [
        _record(slo, names.OBJECTIVE, f"vector({promql.number(slo.objective)})"),
        _record(slo, names.ERROR_BUDGET, f"vector({promql.number(slo.budget)})"),
        _record(slo, names.TIME_PERIOD_DAYS, f"vector({slo.period // burnrate.DAY})"),
        _record(slo, names.CURRENT_BURN_RATE,
                f"sum without ({names.SLOTH_WINDOW}) ({ratio5m}) / {promql.number(slo.budget)}"),
        _record(slo, names.SLO_INFO, "vector(1)", **info),
    ]


def period_rules(slo: SLOPlan) -> list[dict]:
    w = durations.format_seconds(slo.period)
    err, tot = _sel(slo, names.SLI_ERROR_RATE), _sel(slo, names.SLI_TOTAL_RATE)
    ratio = _sel(slo, names.sli_error_ratio(w))
    burn = _sel(slo, names.PERIOD_BURN_RATE)
    # A period that is also an alert window (3d) is recorded once, by the SLI group, every minute.
    ratios = [] if slo.period in slo.windows else [
        _record(slo, names.sli_error_ratio(w),
                _ratio(f"sum_over_time({err}[{w}])", f"sum_over_time({tot}[{w}])"), sloth_window=w),
    ]
    return [
        *ratios,
        _record(slo, names.PERIOD_BURN_RATE,
                f"sum without ({names.SLOTH_WINDOW}) ({ratio}) / {promql.number(slo.budget)}"),
        _record(slo, names.PERIOD_BUDGET_REMAINING, f"1 - {burn}"),
    ]


def alert_expr(slo: SLOPlan, window: burnrate.AlertWindow) -> str:
    """Both windows burn faster than the factor; the value is the long window's burn rate."""
    parts, only = [], alert_matchers(slo.environment, window.severity)  # shared mode: pages production's
    for seconds in (window.long, window.short):
        ratio = promql.selector(names.sli_error_ratio(durations.format_seconds(seconds)), {**slo.selector(), **only})
        parts.append(f"max without ({names.SLOTH_WINDOW}) ({ratio} / {promql.number(slo.budget)})"
                     f" > {promql.number(window.factor)}")
    return f"(\n  {parts[0]}\n)\nand\n(\n  {parts[1]}\n)"


def alert_rules(slo: SLOPlan) -> list[dict]:
    if slo.alert_style == "sloth":  # Sloth's two alerts per SLO, for Sloth users' routes and templates
        return sloth_alerts.rules(slo)
    return [alert_rule(slo, a) for a in slo.alerts]


def alert_rule(slo: SLOPlan, alert: AlertPlan) -> dict:
    rule = {"alert": alert.name, "expr": promql.check(alert_expr(slo, alert.window))}
    if alert.for_seconds:
        rule["for"] = durations.format_seconds(alert.for_seconds)
    rule["labels"] = dict(alert.labels)
    rule["annotations"] = dict(alert.annotations)
    return rule
