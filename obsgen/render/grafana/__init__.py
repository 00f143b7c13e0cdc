"""Grafana: a dashboard per service, one per team, an overview, provisioning, ConfigMaps.

One module per concern: `service`, `team`, `overview` (with `summary`, their shared panels),
`provisioning`, `configmaps`; `queries` escapes for PromQL/LogQL/TraceQL and for Grafana.
"""

from __future__ import annotations

from obsgen import names
from obsgen.plan.model import Plan
from obsgen.render.grafana import configmaps, overview, provisioning, service, team


def render(plan: Plan) -> dict[str, str]:
    if not plan.dashboards.services:
        return {}
    boards: list[tuple[str, str, str, str]] = []  # (kind, name, path, json)
    for svc in plan.services:
        boards.append(("service", svc.name, names.dashboard_file(svc.name), service.render(plan, svc)))
    for board in plan.dashboards.teams:
        boards.append(("team", board.team, names.team_dashboard_file(board.team), team.render(plan, board)))
    boards.append(("overview", "", names.OVERVIEW_DASHBOARD_FILE, overview.render(plan)))
    files = {path: text for _, _, path, text in boards}
    files[provisioning.PROVIDER_FILE] = provisioning.provider()
    files[provisioning.DATASOURCES_FILE] = provisioning.datasources(plan.dashboards)
    for kind, name, path, text in boards:
        cm_path, cm_text = configmaps.dashboard(kind, name, path.rsplit("/", 1)[-1], text)
        files[cm_path] = cm_text
    cm_path, cm_text = configmaps.datasources(files[provisioning.DATASOURCES_FILE])
    files[cm_path] = cm_text
    return files
