"""Grafana: a dashboard per service, one per team, an overview, provisioning, ConfigMaps.

One module per concern: `service`, `team`, `overview` (with `summary`, their shared panels),
`provisioning`, `configmaps`; `queries` escapes for PromQL/LogQL/TraceQL and for Grafana.
"""

from __future__ import annotations

from obsgen import names, yamlio
from obsgen.artifacts import Artifact, Dashboard, kept_text
from obsgen.errors import Location, SpecError, SpecErrors
from obsgen.plan.model import Plan
from obsgen.render import apply_mode
from obsgen.render.backend import Backend
from obsgen.render.grafana import configmaps, overview, provisioning, secrets, service, team
from obsgen.render.grafana import settings as grafana_settings
from obsgen.render.grafana.sdk import json_text

Board = tuple[str, str, Dashboard]  # (kind: service, team or overview; its name; the dashboard)


def render(plan: Plan) -> dict[str, Artifact | str]:
    """The team and overview dashboards, provisioning and their ConfigMaps: what reads the whole
    plan. The service dashboards are render_services' (a renderer of their own, cached per service)."""
    if not plan.dashboards.services:
        return {}
    boards: list[Board] = []
    for board in plan.dashboards.teams:
        path = names.team_dashboard_file(board.team)
        boards.append(("team", board.team, Dashboard(path, lambda board=board: team.render(plan, board))))
    boards.append(("overview", "", Dashboard(names.OVERVIEW_DASHBOARD_FILE, lambda: overview.render(plan))))
    files = _boards(plan, boards)
    files[provisioning.PROVIDER_FILE] = provisioning.provider()
    files[provisioning.DATASOURCES_FILE] = sources = provisioning.datasources(plan.dashboards)
    # The ConfigMap holds the file's text: made once, for the file too (obsgen/output/encode.py)
    cm_path, cm = configmaps.datasources(kept_text(sources, lambda doc: yamlio.dump(doc.data)))
    files[cm_path] = cm
    files.update(secrets.render(plan.dashboards, plan.kubernetes.external_secrets, dict(plan.kubernetes.labels)))
    return files


def render_services(plan: Plan) -> dict[str, Artifact]:
    """A dashboard per service, and its ConfigMap: each reads its service only."""
    if not plan.dashboards.services:
        return {}
    return _boards(plan, [("service", svc.name, Dashboard(names.dashboard_file(svc.name),
                                                          lambda svc=svc: service.render(plan, svc)))
                          for svc in plan.services])


def _boards(plan: Plan, boards: list[Board]) -> dict[str, Artifact | str]:
    """The dashboards and their ConfigMaps (which hold each dashboard's text), once each fits one."""
    _refuse_oversized(plan, boards)
    files: dict[str, Artifact | str] = {dashboard.path: dashboard for _, _, dashboard in boards}
    for kind, name, dashboard in boards:
        cm_path, cm = configmaps.dashboard(kind, name, dashboard.path.rsplit("/", 1)[-1], json_text(dashboard))
        files[cm_path] = cm
    return files


def _refuse_oversized(plan: Plan, boards: list[Board]) -> None:
    """A dashboard the API server would refuse as a ConfigMap (data over 1 MiB) stops the run, at the
    spec that makes it so: a service's own at its SLOs; a team's or the overview at the SLOs of the
    service that adds most to it (the team's document named too)."""
    errors = []
    for kind, name, dashboard in boards:
        size = len(dashboard.path.rsplit("/", 1)[-1].encode()) + len(json_text(dashboard).encode())
        if size <= apply_mode.DATA_MAX:
            continue
        shown = {"service": name, "team": f"team {name}"}.get(kind, "the overview")
        where, why = _largest(plan, kind, name)
        errors.append(SpecError(where, f"the dashboard of {shown} is {size} bytes, over the 1 MiB ConfigMap limit "
                                f"(1048576 bytes) the Grafana sidecar reads it from; {why}split the {kind} into "
                                "smaller services or teams (about 90 SLOs fit one service dashboard)"))
    if errors:
        raise SpecErrors(errors)


def _largest(plan: Plan, kind: str, name: str) -> tuple[Location, str]:
    """Where to point for a too-large dashboard, and a sentence saying why there."""
    if kind == "service":
        members: tuple[str, ...] = (name,)
    elif kind == "team":
        members = plan.dashboards.team(name).services
    else:
        members = tuple(s.service for s in plan.dashboards.services)
    slos = {s.name: len(s.slos) for s in plan.services}
    largest = max(members, key=lambda s: (slos.get(s, 0), s)) if members else ""
    where = (plan.dashboards.service(largest).source if largest else None) or Location("platform", 0, "grafana")
    if kind == "service":
        return where, ""
    why = f"of its services, {largest} adds the most ({slos.get(largest, 0)} SLOs); " if largest else ""
    team = plan.dashboards.team(name).source if kind == "team" else None
    if team is not None:
        why += f"team {name} is defined at {team.file}:{team.line}; "
    return where, why


# The service dashboards, cached per service; then the team and overview dashboards, provisioning.
SERVICES_BACKEND = Backend("grafana-services", render_services, output_dirs=("dashboards", "k8s"), per_service=True,
                           k8s_kinds=("ConfigMap",), uses=("grafana", "endpoints"))
BACKEND = Backend("grafana", render, output_dirs=("dashboards", "k8s"), verifier="grafana",
                  k8s_kinds=("ConfigMap", "ExternalSecret"), settings=grafana_settings.SETTINGS,
                  uses=("endpoints", "kubernetes"))
BACKENDS = (SERVICES_BACKEND, BACKEND)  # the registry's order: the service dashboards first
