"""One dashboard per team: its services' SLOs, its firing alerts, links to each service."""

from __future__ import annotations

from obsgen import names
from obsgen.plan.dashboards import TeamDashboard
from obsgen.plan.model import Plan
from obsgen.render.grafana import common, summary


def render(plan: Plan, team: TeamDashboard):
    dash = plan.dashboards
    members = set(team.services)  # a set: a team's tuple scanned per service is quadratic
    services = [s for s in plan.services if s.name in members]
    links = [common.link("SLO overview", names.dashboard_url(dash.grafana_url, dash.overview_uid))]
    links += [common.link(s.name, names.dashboard_url(dash.grafana_url, dash.service(s.name).uid)) for s in services]
    return common.render(dash, team.uid, f"Team {team.team}", [f"team-{team.team}", "team"],
                         summary.layout(dash, services, team.team),
                         summary.variables(dash, services), links,
                         f"SLOs of team {team.team}")
