"""One JSON-able view of what obsgen generates, for the preview page and its tests.

It reads the plan (services, SLOs, alerts, burn-rate math) and the artifacts the renderers built
(obsgen/artifacts.py: dashboard grids, collector pipelines, route tests), never the specs and never
the files' text.
"""

from __future__ import annotations

from obsgen import burnrate, calendar, durations, names
from obsgen.artifacts import Artifact, CollectorConfig, Dashboard, RouteTests
from obsgen.plan.model import Plan, ServicePlan, SLOPlan
from obsgen.render import health_rules
from obsgen.render.grafana import service as grafana_service
from obsgen.spec.policy import PAGING_ENVIRONMENT

TEN_X = 10  # the page's second detection column: a burn rate of 10x


def build(plan: Plan, artifacts: dict[str, Artifact]) -> dict:
    routes = artifacts.get(names.ALERTMANAGER_ROUTE_TESTS)
    cases = routes.data.get("alerts") if isinstance(routes, RouteTests) and plan.routing is not None else None
    return {
        "services": [_service(s, cases) for s in plan.services],
        "ramp_seconds": burnrate.BASE_WINDOW,  # the simulator's ramp of derived windows (burnrate.held)
        "dashboards": dashboards(artifacts),
        "collectors": collectors(artifacts),
    }


def _service(service: ServicePlan, cases: list[dict] | None) -> dict:
    slos = [slo_view(slo) for slo in service.slos]
    if cases is not None:  # who each alert reaches, per environment: the route tests' receivers
        for slo, view in zip(service.slos, slos, strict=True):
            for alert, shown in zip(slo.alerts, view["alerts"], strict=True):
                mine = [c for c in cases if _is(c, service, slo, alert)]
                shown["receivers"] = {c["environment"]: c["receivers"] for c in mine}
                if any(c["kind"] == "page" and c["environment"] == PAGING_ENVIRONMENT and not c["pages"]
                       for c in mine):
                    shown["warning"] = (f"pages reach no pager: team {service.team} sets pages_without_pager, "
                                        "so they reach its chat or e-mail alone")
            for shown in view["health"]:  # the SLI health alerts are routed by their severity label
                rule = f"{names.rules_file(service.name)}:{shown['name']}"
                shown["receivers"] = {c["environment"]: c["receivers"] for c in cases if c["rule"] == rule}
    return {
        "name": service.name, "team": service.team, "tier": service.tier,
        "environments": list(service.environments),
        "slos": slos,
    }


def _is(case: dict, service: ServicePlan, slo: SLOPlan, alert) -> bool:
    """The route test of this alert: its rule, kind and SLO, and its windows where the rule says them."""
    labels = case["labels"]
    return (case["rule"] == f"{names.rules_file(service.name)}:{alert.name}" and case["kind"] == alert.window.severity
            and labels.get(names.SLO) == slo.name
            and labels.get(names.LONG_WINDOW, durations.format_seconds(alert.window.long))
            == durations.format_seconds(alert.window.long))


def slo_view(slo: SLOPlan) -> dict:
    return {
        "name": slo.name, "id": slo.id, "objective": slo.objective_percent, "budget": slo.budget,
        "period": slo.period_label, "period_seconds": slo.period,
        "budget_minutes": round(burnrate.budget_seconds(slo.budget, slo.period) / 60, 1),
        "description": slo.description, "runbook_url": slo.runbook_url, "dashboard_url": slo.dashboard_url,
        "alerts": [alert_view(slo, a) for a in slo.alerts],
        "health": health_view(slo),
        "calendar": calendar_view(slo),
    }


def health_view(slo: SLOPlan) -> list[dict]:
    """The SLO's SLI health alerts (render/health_rules.py) as generated: name, severity, `for`, meaning."""
    meanings = health_rules.expressions(slo)
    shown = []
    for rule in health_rules.rules(slo):
        suffix = next(s for s in health_rules.PROBLEMS if rule["alert"].endswith(s))
        shown.append({"name": rule["alert"], "severity": rule["labels"][names.SEVERITY], "for": rule["for"],
                      "summary": health_rules.PROBLEMS[suffix][1], "meaning": meanings[suffix][1],
                      "expr": rule["expr"]})
    return shown


def calendar_view(slo: SLOPlan) -> dict | None:
    """What the dashboard shows as "budget left this month" and the budget of a real month (or week),
    shortest to longest (docs/calendar.md); None for a rolling-only SLO."""
    cal = slo.calendar
    if cal is None:
        return None
    days = (28 * cal.count, 31 * cal.count) if cal.unit == "month" else (7 * cal.count, 7 * cal.count)
    minutes = [round(burnrate.budget_seconds(slo.budget, d * burnrate.DAY) / 60, 1) for d in days]
    return {"title": grafana_service.calendar_title(slo), "series": names.CALENDAR_BUDGET_REMAINING,
            "days": list(days), "budget_minutes": minutes, "slices": slo.slices is not None,
            "hours": list(calendar.hours_range(cal))}


def _windows(slo: SLOPlan, window: burnrate.AlertWindow) -> tuple[burnrate.AlertWindow, ...]:
    """The window as its rule fires it: a calendar SLO's factor is the period's own, from the
    shortest to the longest period (burnrate.calendar_factor); the longest's is the later detection."""
    if slo.calendar is None:
        return (window,)
    return tuple(burnrate.calendar_window(window, h) for h in calendar.hours_range(slo.calendar))


def _detect(slo: SLOPlan, window: burnrate.AlertWindow, error_ratio: float) -> float | None:
    if slo.slices is not None:  # a timeslice SLO's alerts count slices: a window holds whole slices
        return burnrate.slice_detection_seconds(window, slo.budget, error_ratio, slo.slices.seconds,
                                                slo.slices.target)
    return burnrate.detection_seconds(window, slo.budget, error_ratio, burnrate.raw_windows(slo.catalog))


def _threshold_text(slo: SLOPlan, windows: tuple[burnrate.AlertWindow, ...]) -> str:
    """The error ratio each window must exceed; a timeslice SLO's is a share of bad slices."""
    text = "-".join(dict.fromkeys(f"{burnrate.threshold(x, slo.budget) * 100:.4g}%" for x in windows))
    return text if slo.slices is None else f"{text} of slices"


def _raw(slo: SLOPlan, window: int) -> bool:
    return window == burnrate.BASE_WINDOW or window in burnrate.raw_windows(slo.catalog)


def alert_view(slo: SLOPlan, alert) -> dict:
    windows = _windows(slo, alert.window)
    shortest, w = windows[0], windows[-1]
    labels = dict(alert.labels)
    factors = f"{shortest.factor:g}-{w.factor:g}" if shortest.factor != w.factor else f"{w.factor:g}"
    return {
        "name": alert.name, "severity": w.severity, "label_severity": labels.get("severity", ""),
        "long": durations.format_seconds(w.long), "short": durations.format_seconds(w.short),
        "long_seconds": w.long, "short_seconds": w.short, "for_seconds": alert.for_seconds,
        # read from the raw series, else summed from the 5m rates (their ramp): burnrate.held
        "long_raw": _raw(slo, w.long), "short_raw": _raw(slo, w.short),
        "factor": w.factor, "factors": factors, "budget_percent": w.budget_percent,
        "consumed": w.budget_percent / 100 if slo.calendar else burnrate.consumed_fraction(w, slo.period),
        "threshold": burnrate.threshold(w, slo.budget),
        "thresholds": _threshold_text(slo, (shortest, w)),
        "detect_outage_seconds": _detect(slo, w, 1.0),
        "detect_10x_seconds": _detect(slo, w, min(1.0, TEN_X * slo.budget)),
        "labels": labels,
    }


def dashboards(artifacts: dict[str, Artifact]) -> list[dict]:
    """Every generated dashboard's grid: panel titles, types and positions."""
    found = []
    for path, artifact in artifacts.items():
        if not isinstance(artifact, Dashboard):
            continue
        board = artifact.json()
        if "panels" not in board:
            continue
        found.append({"file": path, "uid": board.get("uid", ""), "title": board.get("title", path),
                      "panels": [_panel(p) for p in _panels(board["panels"])]})
    return found


def _panels(panels: list[dict]) -> list[dict]:
    for panel in panels:  # collapsed rows keep their panels inside
        yield panel
        yield from panel.get("panels", []) or []


def _panel(panel: dict) -> dict:
    grid = panel.get("gridPos") or {}
    return {"title": panel.get("title", ""), "type": panel.get("type", ""),
            "x": grid.get("x", 0), "y": grid.get("y", 0), "w": grid.get("w", 24), "h": grid.get("h", 1)}


def collectors(artifacts: dict[str, Artifact]) -> list[dict]:
    """Every collector config's pipelines: receivers -> processors -> exporters."""
    found = []
    for path, artifact in artifacts.items():
        parts = path.split("/")
        if not isinstance(artifact, CollectorConfig) or len(parts) != 3:
            continue
        config = artifact.data
        pipelines = (config.get("service") or {}).get("pipelines") or {}
        found.append({"file": path, "environment": parts[1], "role": parts[2].removesuffix(".yaml"),
                      "pipelines": [{"id": pid, **{k: list(p.get(k) or []) for k in
                                                   ("receivers", "processors", "exporters")}}
                                    for pid, p in sorted(pipelines.items())]})
    return found
