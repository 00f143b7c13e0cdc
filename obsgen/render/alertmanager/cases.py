"""Route tests (label sets and the receivers the policy expects) and the delivery table of docs/outputs/alertmanager.md.

`alerts`: every alert rule of the generated rules files, with exactly the labels written there
(plus `alertname`, and the environment label: each Prometheus adds it as an external label in
per-cluster mode; in shared mode the series carry it, for the environments the rule's selectors
admit), once per environment its service runs in. The receivers expected come from the spec (the
service's team; page or ticket as the plan made the rule), never from those labels, so a rule
whose labels would route it elsewhere fails `obsgen test`.

`synthetic`: label sets no generated alert carries, to prove the rest of the tree: teams that own
no service and a team nobody defined, every way of carrying each severity (`URGENCY`) and none, no
environment label and one the Platform does not list.
"""

from __future__ import annotations

from obsgen import gotemplate, names, promql_ast
from obsgen.artifacts import Artifact, RuleFile
from obsgen.plan.model import Plan, ServicePlan
from obsgen.plan.routing import (
    UNKNOWN_TEAM,
    UNLISTED_ENVIRONMENT,
    URGENCY,
    URGENCY_OF_KIND,
    RoutingPlan,
    receivers_for,
)
from obsgen.render import health_rules


def route_tests(plan: Plan, files: dict[str, Artifact]) -> dict:
    """The contents of routes.test.yaml (but the config's name and version)."""
    alerts = alert_cases(plan, files)
    return {"alerts": alerts, "synthetic": synthetic_cases(plan, {c["labels"].get(names.TEAM) for c in alerts})}


# --- every generated alert ------------------------------------------------------------------------


def alert_cases(plan: Plan, files: dict[str, Artifact]) -> list[dict]:
    """Every alert rule of the rules files' artifacts in `files` (their groups, never their text)."""
    return [case for service in plan.services for case in service_cases(plan, service, files)]


def service_cases(plan: Plan, service: ServicePlan, files: dict[str, Artifact]) -> list[dict]:
    """One service's alert cases: what its ServicePlan, its rules file and plan.routing and
    plan.metrics say, nothing of another service (the rerun cache keeps them per service)."""
    routing = plan.routing
    cases: list[dict] = []
    path = names.rules_file(service.name)
    found = files.get(path)
    if isinstance(found, RuleFile):  # else not rendered in this run (`obsgen k8s` skips the rules files)
        for kind, rule in _rules(service, found.rules.groups):
            labels = {names.ALERTNAME: rule["alert"],
                      **{k: _value(v) for k, v in (rule.get("labels") or {}).items()}}
            admitted = _pinned(rule["expr"], routing.environment_label) if plan.metrics.shared else None
            for env in service.environments:
                if admitted is not None and env not in admitted:
                    continue  # the rule reads no series of that environment: no such alert
                severity = labels[names.SEVERITY] if kind == "health" else URGENCY_OF_KIND[kind]
                receivers = receivers_for(routing, service.team, severity, env)
                cases.append({"rule": f"{path}:{rule['alert']}", "kind": kind, "environment": env,
                              "pages": pages(routing, receivers),
                              "labels": dict(sorted({**labels, routing.environment_label: env}.items())),
                              "receivers": list(receivers)})
    return cases


def _rules(service: ServicePlan, groups: list[dict]):
    """(page or ticket, alert rule) for every alert rule of the file, the kind the plan gave it.

    A rule is matched to its SLO by its groups' names (the burn-rate alerts are in the SLI and period
    groups, the health alerts in the roll-ups or period group) and to its kind by its place: obsgen-style, one rule per
    planned alert; Sloth-style, one per kind, page first."""
    by_name = {g["name"]: g for g in groups}
    for slo in service.slos:
        own = (by_name.get(names.rule_group(service.name, slo.name, suffix)) or {} for suffix in
               ("", names.ROLLUPS_GROUP, names.PERIOD_GROUP))
        rules = [r for group in own for r in group.get("rules") or [] if "alert" in r]
        health = health_rules.alert_names(slo)  # never a page: routed as their severity label says
        yield from (("health", r) for r in rules if r["alert"] in health)
        rules = [r for r in rules if r["alert"] not in health]
        if slo.alert_style == "sloth":
            kinds = [k for k in ("page", "ticket") if any(a.window.severity == k for a in slo.alerts)]
        else:
            kinds = [a.window.severity for a in slo.alerts]
        if len(kinds) != len(rules):
            raise RuntimeError(f"{names.rules_file(service.name)}: {len(rules)} alert rules for "
                               f"{slo.id}, the plan has {len(kinds)}")
        yield from zip(kinds, rules, strict=True)


def _value(text: str) -> str:
    """The label value Prometheus expands the rule's label text to (obsgen writes user text
    through gotemplate.literal; Sloth-style labels are the user's own)."""
    return gotemplate.unliteral(str(text))


def _pinned(expr: str, label: str) -> set[str] | None:
    """The values `label="..."` matchers in the expression's selectors allow, None if none do."""
    found = {v for sel in promql_ast.selectors(expr) for name, op, v in sel.matchers if name == label and op == "="}
    return found or None


def pages(routing: RoutingPlan, receivers) -> bool:
    pagers = {t.pager for t in routing.teams if t.pager}
    return any(r in pagers for r in receivers)


# --- the rest of the tree ---------------------------------------------------------------------------


def _urgencies():
    """(severity, labels carrying it) for every way URGENCY lists, then no severity at all."""
    for severity, label_sets in URGENCY.items():
        for label_set in label_sets:
            yield severity, {k: v for k, v in label_set if v}
    yield None, {}


def synthetic_cases(plan: Plan, alerting_teams: set) -> list[dict]:
    routing = plan.routing
    cases = []
    for team in (*(t.team for t in routing.teams), UNKNOWN_TEAM):
        # teams whose generated alerts cover the listed environments need only the unusual labels
        listed = () if team in alerting_teams else routing.environments
        for severity, carried in _urgencies():
            for env in (*listed, None, UNLISTED_ENVIRONMENT):
                labels = {names.ALERTNAME: "ObsgenRouteTest", names.SERVICE: f"{team}-route-test",
                          names.SLO: "route-test", names.TEAM: team, **carried,
                          **({routing.environment_label: env} if env else {})}
                cases.append({"labels": dict(sorted(labels.items())),
                              "receivers": list(receivers_for(routing, team, severity, env))})
    return cases


# --- the docs' tables (docs/outputs/alertmanager.md) ---------------------------------------------


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
            severity = URGENCY_OF_KIND[kind]
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
