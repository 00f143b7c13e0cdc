"""Grafana: a dashboard per service, one per team, an overview, provisioning, ConfigMaps.

One module per concern: `service`, `team`, `overview` (with `summary`, their shared panels),
`provisioning`, `configmaps`; `queries` escapes for PromQL/LogQL/TraceQL and for Grafana.
"""

from __future__ import annotations

from obsgen import names
from obsgen.errors import Location, SpecError, SpecErrors
from obsgen.plan.model import Plan
from obsgen.render import apply_mode
from obsgen.render.grafana import configmaps, overview, provisioning, service, team


def render(plan: Plan) -> dict[str, str]:
    """The team and overview dashboards, provisioning and their ConfigMaps: what reads the whole
    plan. The service dashboards are render_services' (a renderer of their own, cached per service)."""
    if not plan.dashboards.services:
        return {}
    boards: list[tuple[str, str, str, str]] = []  # (kind, name, path, json)
    for board in plan.dashboards.teams:
        boards.append(("team", board.team, names.team_dashboard_file(board.team), team.render(plan, board)))
    boards.append(("overview", "", names.OVERVIEW_DASHBOARD_FILE, overview.render(plan)))
    files = _boards(plan, boards)
    files[provisioning.PROVIDER_FILE] = provisioning.provider()
    files[provisioning.DATASOURCES_FILE] = provisioning.datasources(plan.dashboards)
    cm_path, cm_text = configmaps.datasources(files[provisioning.DATASOURCES_FILE])
    files[cm_path] = cm_text
    return files


def render_services(plan: Plan) -> dict[str, str]:
    """A dashboard per service, and its ConfigMap: each reads its service only."""
    if not plan.dashboards.services:
        return {}
    return _boards(plan, [("service", svc.name, names.dashboard_file(svc.name), service.render(plan, svc))
                          for svc in plan.services])


def _boards(plan: Plan, boards: list[tuple[str, str, str, str]]) -> dict[str, str]:
    """The dashboards' files and their ConfigMaps, once each fits one."""
    _refuse_oversized(plan, boards)
    files = {path: text for _, _, path, text in boards}
    for kind, name, path, text in boards:
        cm_path, cm_text = configmaps.dashboard(kind, name, path.rsplit("/", 1)[-1], text)
        files[cm_path] = cm_text
    return files


def _refuse_oversized(plan: Plan, boards: list[tuple[str, str, str, str]]) -> None:
    """A dashboard the API server would refuse as a ConfigMap (data over 1 MiB) stops the run, at
    the service's SLOs; the team and overview dashboards at the Platform's Grafana settings."""
    errors = []
    for kind, name, path, text in boards:
        size = len(path.rsplit("/", 1)[-1].encode()) + len(text.encode())
        if size <= apply_mode.DATA_MAX:
            continue
        board = plan.dashboards.service(name) if kind == "service" else None
        where = (board.source if board else None) or Location("platform", 0, "grafana")
        errors.append(SpecError(where, f"the dashboard of {name or 'the overview'} is {size} bytes, over the 1 MiB "
                                f"ConfigMap limit (1048576 bytes) the Grafana sidecar reads it from; split the "
                                f"{kind} into smaller services (about 90 SLOs fit one dashboard)"))
    if errors:
        raise SpecErrors(errors)
