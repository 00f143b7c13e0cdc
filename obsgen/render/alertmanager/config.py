"""alertmanager.yaml: receivers per team, one route per team, inhibitions.

Inside a team's route, in order: info goes nowhere; non-production (an environment label naming
anything but production; no label counts as production) goes to chat only; critical pages and
continues to chat; warning opens a ticket (e-mail, else chat). Each severity is matched as alerts
carry it (`plan.routing.URGENCY`: `sloth_severity` first, else `severity`), one route per label set.
What the tree must do is said once, in `obsgen.plan.routing.receivers_for`; the route tests check
this tree against it with every generated alert's own labels.
"""

from __future__ import annotations

from obsgen import gotemplate, names
from obsgen.plan.routing import CRITICAL, INFO, URGENCY, WARNING, RoutingPlan, TeamReceivers, Timing
from obsgen.render.alertmanager.matchers import equals, matcher

OPERATOR_CONFIG_DIR = "/etc/alertmanager/config"


def config(routing: RoutingPlan) -> dict:
    data: dict = {}
    settings = {**(_smtp(routing) if routing.smtp else {}), **_endpoints(routing)}
    if settings:
        data["global"] = settings
    data["route"] = {
        "receiver": routing.default_receiver,
        "group_by": list(routing.group_by),
        # Alertmanager's defaults, written out so that the tree reads whole.
        "group_wait": "30s", "group_interval": "5m", "repeat_interval": "4h",
        "routes": [_team_route(routing, t) for t in routing.teams if t.pager or t.notify],
    }
    data["inhibit_rules"] = inhibit_rules(routing)
    data["receivers"] = receivers(routing)
    # Relative: Alertmanager resolves it beside this file (this tree, amtool, a pod mounting the
    # Secret). The Prometheus Operator writes the config elsewhere and mounts the Secret's other
    # keys at /etc/alertmanager/config/ (its documented template path). A glob matching nothing
    # is no error, and the same file matched twice defines the same templates again.
    data["templates"] = [names.ALERTMANAGER_TEMPLATE, f"{OPERATOR_CONFIG_DIR}/{names.ALERTMANAGER_TEMPLATE}"]
    return data


def _smtp(routing: RoutingPlan) -> dict:
    smtp = routing.smtp
    # Alertmanager expands an e-mail's from, to and a Slack channel as Go templates when it sends:
    # user text reaches them through gotemplate.literal, which renders back to exactly that text.
    data = {"smtp_smarthost": smtp.smarthost, "smtp_from": gotemplate.literal(smtp.sender)}
    if smtp.auth_username:
        data["smtp_auth_username"] = smtp.auth_username
    if smtp.auth_password_file:
        data["smtp_auth_password_file"] = smtp.auth_password_file
    data["smtp_require_tls"] = smtp.require_tls
    return data


def _endpoints(routing: RoutingPlan) -> dict:
    """Where PagerDuty and Opsgenie notifications go, when the Platform moves them (EU accounts,
    proxies); written only when set, so that Alertmanager's defaults stay in force otherwise."""
    data = {}
    if routing.pagerduty_url:
        data["pagerduty_url"] = routing.pagerduty_url
    if routing.opsgenie_api_url:
        data["opsgenie_api_url"] = routing.opsgenie_api_url
    return data


def _timed(route: dict, timing: Timing) -> dict:
    return {**route, "group_wait": timing.group_wait, "group_interval": timing.group_interval,
            "repeat_interval": timing.repeat_interval}


def severity(value: str) -> list[list[str]]:
    """The matchers of each route an alert of this severity can take (an alert matches one at most)."""
    return [[equals(k, v) for k, v in label_set] for label_set in URGENCY[value]]


def _each(value: str, route: dict, timing: Timing | None = None) -> list[dict]:
    """The route once per way of carrying the severity, in the same order: `route` with its matchers."""
    routes = []
    for matchers in severity(value):
        one = {"receiver": route["receiver"], "matchers": matchers,
               **{k: v for k, v in route.items() if k != "receiver"}}
        routes.append(_timed(one, timing) if timing else one)
    return routes


def _team_route(routing: RoutingPlan, team: TeamReceivers) -> dict:
    fallback = team.notify or routing.default_receiver
    env = routing.environment_label
    crit, warn = routing.timing_of(CRITICAL), routing.timing_of(WARNING)
    routes = [
        *_each(INFO, {"receiver": names.RECEIVER_NOBODY}),
        {"receiver": fallback,  # non-production never pages
         "matchers": [matcher(env, "!=", ""), matcher(env, "!=", routing.paging_environment)],
         "routes": [*_each(CRITICAL, {"receiver": fallback}, crit), *_each(WARNING, {"receiver": fallback}, warn)]},
    ]
    if team.pager:  # each page route continues past the others to chat's
        routes += _each(CRITICAL, {"receiver": team.pager, **({"continue": True} if team.notify else {})}, crit)
    if team.notify:  # a pager-only team's page reaches the pager alone
        routes += _each(CRITICAL, {"receiver": fallback}, crit)
    routes += _each(WARNING, {"receiver": team.ticket or routing.default_receiver}, warn)
    return {"receiver": fallback, "matchers": [equals(names.TEAM, team.team)], "routes": routes}


def inhibit_rules(routing: RoutingPlan) -> list[dict]:
    env = routing.environment_label
    rules = [{  # a page of an SLO silences its ticket, in the same environment only
        "source_matchers": [equals(names.SLOTH_SEVERITY, "page")],
        "target_matchers": [equals(names.SLOTH_SEVERITY, "ticket")],
        "equal": [names.SERVICE, names.SLO, env],
    }]
    if routing.platform_alert:  # a platform-wide outage silences every per-service alert there
        rules.append({
            "source_matchers": [equals(names.ALERTNAME, routing.platform_alert)],
            "target_matchers": [matcher(names.SERVICE, "!=", "")],
            "equal": [env],
        })
    return rules


def receivers(routing: RoutingPlan) -> list[dict]:
    result = [{"name": names.RECEIVER_NOBODY}]
    for team in routing.teams:
        if team.pager:
            result.append({"name": team.pager, **_pager_configs(team)})
        if team.chat:
            result.append({"name": team.chat, **_chat_configs(team)})
        if team.email:
            result.append({"name": team.email, "email_configs": [_email(team)]})
    return result


def _tmpl(name: str) -> str:
    return '{{ template "' + name + '" . }}'


def _pager_configs(team: TeamReceivers) -> dict:
    data = {}
    if team.pagerduty_key_file:
        data["pagerduty_configs"] = [{
            "routing_key_file": team.pagerduty_key_file,
            "send_resolved": True,
            "severity": _tmpl("obsgen.pagerduty.severity"),
            "description": _tmpl("obsgen.pagerduty.description"),
            "links": [{"href": _tmpl("obsgen.runbook_url"), "text": "Runbook"},
                      {"href": _tmpl("obsgen.dashboard_url"), "text": "Dashboard"}],
            "details": _details(),
        }]
    if team.opsgenie_key_file:
        data["opsgenie_configs"] = [{
            "api_key_file": team.opsgenie_key_file,
            "send_resolved": True,
            "message": _tmpl("obsgen.title"),
            "description": _tmpl("obsgen.text"),
            "priority": _tmpl("obsgen.opsgenie.priority"),
            "details": _details(),
        }]
    return data


def _details() -> dict:
    return {"service": "{{ .CommonLabels.service }}", "slo": "{{ .CommonLabels.slo }}",
            "severity": _tmpl("obsgen.severity"), "runbook": _tmpl("obsgen.runbook_url"),
            "dashboard": _tmpl("obsgen.dashboard_url"), "alerts": _tmpl("obsgen.text")}


def _chat_configs(team: TeamReceivers) -> dict:
    data = {}
    if team.slack_url_file:
        data["slack_configs"] = [{
            "api_url_file": team.slack_url_file,
            "channel": gotemplate.literal(team.slack_channel),
            "send_resolved": True,
            "color": _tmpl("obsgen.slack.color"),
            "title": _tmpl("obsgen.slack.title"),
            "title_link": _tmpl("obsgen.dashboard_url"),
            "text": _tmpl("obsgen.slack.text"),
        }]
    if team.webhook_url_file:
        data["webhook_configs"] = [{"url_file": team.webhook_url_file, "send_resolved": True}]
    return data


def _email(team: TeamReceivers) -> dict:
    return {"to": gotemplate.literal(team.email_to), "send_resolved": True,
            "headers": {"Subject": _tmpl("obsgen.email.subject")},
            "html": _tmpl("obsgen.email.html"), "text": _tmpl("obsgen.email.text")}
