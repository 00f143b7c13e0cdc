"""Alerts in Sloth's shape (`alerting.style: sloth`), planned per window pair like obsgen's own.

Sloth (v0.16, internal/plugin/slo/core/alert_rules_v1) writes two alerts per SLO, page and ticket,
named by alerting.name, labelled `sloth_severity` plus the user's alerting and page_alert /
ticket_alert labels, annotated with a default `title` and `summary` the user's annotations
override. Every window pair of a severity carries the same labels and annotations here; the
renderer (render/sloth_alerts.py) ORs them into one rule. obsgen adds only `team` and `tier`, which
its routing reads; the runbook goes in an annotation, as Sloth users write it. User annotations are
kept as written: Sloth users template them (`{{$labels.x}}`, `{{$value}}`).
"""

from __future__ import annotations

from obsgen import burnrate, durations, names
from obsgen.plan.model import AlertPlan, SLOPlan
from obsgen.spec.models import SLO, Service

SEVERITY_LABEL = names.SLOTH_SEVERITY


def title(severity: str) -> str:
    return (f"({severity}) {{{{$labels.{names.SLOTH_SERVICE}}}}} {{{{$labels.{names.SLOTH_SLO}}}}} "
            "SLO error budget burn rate is too fast.")


def summary() -> str:
    return (f"{{{{$labels.{names.SLOTH_SERVICE}}}}} {{{{$labels.{names.SLOTH_SLO}}}}} "
            "SLO error budget burn rate is over expected.")


def for_seconds(slo: SLO, window: burnrate.AlertWindow) -> int:
    """The pending time of a window pair: its own (imported windows) else the SLO's."""
    for w in slo.alerting.windows:
        if (w.severity, durations.seconds(w.long), durations.seconds(w.short)) == (
                window.severity, window.long, window.short) and w.for_:
            return int(durations.seconds(w.for_))
    return int(durations.seconds(slo.alerting.for_)) if slo.alerting.for_ else 0


def extras(slo: SLO, window: burnrate.AlertWindow):
    """page_alert or ticket_alert: the labels and annotations of one severity's alerts."""
    return slo.alerting.page_alert if window.severity == "page" else slo.alerting.ticket_alert


def alert(plan: SLOPlan, service: Service, slo: SLO, window: burnrate.AlertWindow) -> AlertPlan:
    """A Sloth-style alert; the service's labels reach it through the recorded series it reads."""
    extra = extras(slo, window)
    # service, slo, team and tier are the contract every obsgen alert keeps (routing, dashboards).
    labels = {**slo.alerting.labels, **extra.labels, SEVERITY_LABEL: window.severity,
              names.SERVICE: plan.service, names.SLO: plan.name, names.TEAM: plan.team, names.TIER: str(plan.tier)}
    annotations = {"title": title(window.severity), "summary": summary(),
                   "dashboard_url": plan.alert_dashboard_url,
                   **slo.alerting.annotations, **extra.annotations}
    return AlertPlan(
        name=slo.alerting.name or names.alert_name(plan.service, plan.name),
        window=window,
        for_seconds=for_seconds(slo, window),
        labels=tuple(sorted(labels.items())),
        annotations=tuple(sorted(annotations.items())),
    )
