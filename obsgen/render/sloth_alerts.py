"""Sloth-style alert rules (`alerting.style: sloth`) on obsgen's recorded series.

As Sloth v0.16 writes them (internal/plugin/slo/core/alert_rules_v1, examples/_gen/): one rule per
severity, an OR of its window pairs, each pair `max(short > factor x budget) without (sloth_window)
and max(long > ...) without (sloth_window)`. The short window comes first, so `$value` is the short
window's error ratio, as in Sloth. The ratios read are obsgen's (traffic-weighted, derived from the
recorded 5m rates), under Sloth's names and labels.
"""

from __future__ import annotations

from obsgen import burnrate, durations, names, promql
from obsgen.artifacts import BurnAlert
from obsgen.plan.environments import alert_matchers
from obsgen.plan.model import AlertPlan, SLOPlan
from obsgen.render import calendar_rules


def _filter(slo: SLOPlan, severity: str) -> dict[str, str]:
    labels = dict(slo.labels)
    return {**{k: labels[k] for k in names.SLO_LABELS}, **alert_matchers(slo.environment, severity)}


def _condition(slo: SLOPlan, seconds: int, window: burnrate.AlertWindow) -> str:
    ratio = promql.selector(calendar_rules.alert_ratio(slo, seconds),
                            _filter(slo, window.severity))
    threshold = calendar_rules.alert_threshold(slo, window, promql.number(slo.budget))
    return f"max({ratio} > {threshold}) without ({names.SLOTH_WINDOW})"


def expr(slo: SLOPlan, windows: list[burnrate.AlertWindow]) -> str:
    pairs = [f"(\n    {_condition(slo, w.short, w)}\n    and\n    {_condition(slo, w.long, w)}\n)" for w in windows]
    return "\nor\n".join(pairs) + "\n"


def _severities(slo: SLOPlan) -> list[list[AlertPlan]]:
    """The alerts of each severity that has any: one rule each."""
    found = [[a for a in slo.alerts if a.window.severity == severity] for severity in ("page", "ticket")]
    return [alerts for alerts in found if alerts]


def facts(slo: SLOPlan) -> tuple[BurnAlert, ...]:
    """Each window pair of the rules below, named and held as its rule is (artifacts.BurnAlert)."""
    return tuple(BurnAlert(alerts[0].name, a.window.severity, a.window.long, a.window.short,
                           calendar_rules.alert_factor(slo, a.window), float(max(b.for_seconds for b in alerts)))
                 for alerts in _severities(slo) for a in alerts)


def rules(slo: SLOPlan) -> list[dict]:
    out = []
    for alerts in _severities(slo):
        rule = {"alert": alerts[0].name, "expr": promql.check(expr(slo, [a.window for a in alerts]))}
        pending = max(a.for_seconds for a in alerts)
        if pending:
            rule["for"] = durations.format_seconds(pending)
        rule["labels"] = dict(alerts[0].labels)
        rule["annotations"] = dict(alerts[0].annotations)
        out.append(rule)
    return out
