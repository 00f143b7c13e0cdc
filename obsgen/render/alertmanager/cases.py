"""Route tests (label sets and the receivers the policy expects) and the README's delivery table.

Every team, every severity (critical, warning, info, none), every environment the Platform lists,
no environment label, and one it does not list; plus a team nobody defined. The labels are those
of a real alert of the team when it has one, so the tests exercise what Prometheus sends.
"""

from __future__ import annotations

from obsgen import names
from obsgen.plan.model import AlertPlan, Plan
from obsgen.plan.routing import CRITICAL, INFO, UNKNOWN_TEAM, UNLISTED_ENVIRONMENT, WARNING, receivers_for

SEVERITIES = (CRITICAL, WARNING, INFO, None)
_SLOTH = {CRITICAL: "page", WARNING: "ticket"}


def _sample_alert(plan: Plan, team: str, severity: str | None) -> dict[str, str]:
    """Labels of a real alert of the team (page for critical, ticket otherwise), else made up."""
    wanted = _SLOTH.get(severity or "", "ticket")
    alerts: list[AlertPlan] = [a for s in plan.services if s.team == team for slo in s.slos for a in slo.alerts]
    alert = next((a for a in alerts if a.window.severity == wanted), alerts[0] if alerts else None)
    if alert is None:
        labels = {names.ALERTNAME: "ObsgenRouteTest", names.SERVICE: f"{team}-route-test",
                  names.SLO: "route-test", names.TEAM: team}
    else:
        labels = {names.ALERTNAME: alert.name, **dict(alert.labels)}
    labels.pop(names.SEVERITY, None)
    labels.pop(names.SLOTH_SEVERITY, None)
    if severity:
        labels[names.SEVERITY] = severity
        if severity in _SLOTH:
            labels[names.SLOTH_SEVERITY] = _SLOTH[severity]
    return labels


def route_cases(plan: Plan) -> list[dict]:
    routing = plan.routing
    environments = (*routing.environments, None, UNLISTED_ENVIRONMENT)
    cases = []
    for team in (*(t.team for t in routing.teams), UNKNOWN_TEAM):
        for severity in SEVERITIES:
            base = _sample_alert(plan, team, severity)
            for env in environments:
                labels = {**base, **({routing.environment_label: env} if env else {})}
                receivers = receivers_for(routing, team, severity, env)
                cases.append({"labels": dict(sorted(labels.items())), "receivers": list(receivers)})
    return cases


def delivery_table(plan: Plan) -> str:
    """Markdown: for each generated alert kind of each service, who hears of it in each environment."""
    routing = plan.routing
    envs = routing.environments
    lines = ["| service | team | alert | " + " | ".join(envs) + " |",
             "|---|---|---|" + "---|" * len(envs)]
    for service in plan.services:
        kinds = sorted({a.window.severity for slo in service.slos for a in slo.alerts},
                       key=("page", "ticket").index)
        for kind in kinds:
            severity = names.SEVERITIES[kind]
            cells = [", ".join(receivers_for(routing, service.team, severity, env))
                     if env in service.environments else "-" for env in envs]
            lines.append(f"| {service.name} | {service.team} | {kind} ({severity}) | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def receiver_table(plan: Plan) -> str:
    """Markdown: each receiver and what it notifies."""
    lines = ["| receiver | notifies |", "|---|---|"]
    for team in plan.routing.teams:
        parts = {team.pager: [("PagerDuty", team.pagerduty_key_file), ("Opsgenie", team.opsgenie_key_file)],
                 team.chat: [(f"Slack {team.slack_channel}", team.slack_url_file), ("webhook", team.webhook_url_file)],
                 team.email: [(f"e-mail {team.email_to}", team.email_to)]}
        for name, integrations in parts.items():
            if name:
                lines.append(f"| {name} | " + ", ".join(label for label, given in integrations if given) + " |")
    lines.append(f"| {names.RECEIVER_NOBODY} | nobody (info alerts; unknown teams when no default team is set) |")
    return "\n".join(lines) + "\n"
