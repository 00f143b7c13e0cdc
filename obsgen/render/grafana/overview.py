"""The overview dashboard: every SLO of every service."""

from __future__ import annotations

from obsgen import names
from obsgen.plan.model import Plan
from obsgen.render.grafana import common, summary


def render(plan: Plan):
    dash, services = plan.dashboards, list(plan.services)
    links = [common.link(f"Team {t.team}", names.dashboard_url(dash.grafana_url, t.uid)) for t in dash.teams]
    return common.render(dash, dash.overview_uid, "SLO overview", ["overview"], summary.layout(dash, services, None),
                         summary.variables(dash, services), links,
                         "Every SLO: budget remaining worst first, what is burning now")
