"""Every SLO's live state from the series its rules record: objective, SLI now, budget left, burn
rate per alert window, firing alerts; beside them who a page reaches and how fast a full outage is
detected (obsgen's own columns). For `obsgen status` and the preview's status view.

Three instant queries whatever the number of SLOs: every SLI ratio window at once, the period's
remaining budget, and the firing alerts; a fourth when an SLO has a calendar period: the budget left
since its start (`slo:calendar_error_budget_remaining:ratio`, docs/calendar.md), shown as "budget
left this month (Europe/Berlin)". In shared mode each SLO has a row per environment its
series carry; per cluster, one row (the server is one environment).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from obsgen import burnrate, durations, names
from obsgen.live.client import Client
from obsgen.plan.model import Plan, SLOPlan
from obsgen.plan.routing import CRITICAL, WARNING, receivers_for
from obsgen.render import health_rules
from obsgen.render.grafana.service import calendar_title

STATES = ("page", "ticket", "sli-health", "no-data", "ok")  # worst first: the default order


@dataclass
class Row:
    service: str
    slo: str
    id: str
    team: str
    tier: int
    environment: str
    objective: float  # percent
    period: str
    sli_5m: float | None = None  # 1 - error ratio, as a ratio
    sli_period: float | None = None
    budget_remaining: float | None = None  # of the period, as a ratio (negative: overspent)
    calendar: str = ""  # "this month (Europe/Berlin)": what calendar_budget_remaining is of
    calendar_budget_remaining: float | None = None  # since the calendar period's start, as a ratio
    burn: dict[str, float | None] = field(default_factory=dict)  # window -> burn rate
    alerts: list[dict] = field(default_factory=list)  # firing: alertname, severity, windows
    state: str = "no-data"
    pages: list[str] = field(default_factory=list)  # receivers a page reaches here
    tickets: list[str] = field(default_factory=list)
    detects_outage_seconds: float | None = None  # the fastest page, full outage, plus its `for`
    dashboard_url: str = ""
    runbook_url: str = ""

    def as_json(self) -> dict:
        return asdict(self)


def _regex(values) -> str:
    return "|".join(sorted(values))  # SLO ids and service names are [a-z0-9-]: no regex syntax


def _env(sample: dict, label: str | None) -> str:
    return sample["metric"].get(label, "") if label else ""


def _value(sample: dict) -> float:
    return float(sample["value"][1])


def fetch(plan: Plan, client: Client) -> dict:
    """The three queries' answers, keyed for `rows`."""
    slos = [slo for s in plan.services for slo in s.slos]
    ids, services = _regex(s.id for s in slos), _regex(s.name for s in plan.services)
    label = plan.metrics.environment_label if plan.metrics.shared else None
    ratio_name = names.sli_error_ratio(".+")
    ratios = client.query(f'{{__name__=~"{ratio_name}",{names.SLOTH_ID}=~"{ids}"}}')
    budget = client.query(f'{names.PERIOD_BUDGET_REMAINING}{{{names.SLOTH_ID}=~"{ids}"}}')
    alerts = client.query(f'{names.ALERTS}{{{names.ALERT_STATE}="firing",{names.SERVICE}=~"{services}"}}')
    calendars = _regex(s.id for s in slos if s.calendar is not None)
    calendar = (client.query(f'{names.CALENDAR_BUDGET_REMAINING}{{{names.SLOTH_ID}=~"{calendars}"}}')
                if calendars else [])
    found: dict = {"ratio": {}, "budget": {}, "alerts": {}, "calendar": {}}
    for s in calendar:
        found["calendar"][(s["metric"][names.SLOTH_ID], _env(s, label))] = _value(s)
    for s in ratios:
        m = s["metric"]
        found["ratio"][(m[names.SLOTH_ID], _env(s, label), m.get(names.SLOTH_WINDOW, ""))] = _value(s)
    for s in budget:
        found["budget"][(s["metric"][names.SLOTH_ID], _env(s, label))] = _value(s)
    for s in alerts:
        m = s["metric"]
        found["alerts"].setdefault((m.get(names.SERVICE), m.get(names.SLO), _env(s, label)), []).append(m)
    return found


def _environments(slo: SLOPlan, found: dict, shared: bool) -> list[str]:
    if not shared:
        return [""]
    seen = {env for (sid, env, _) in found["ratio"] if sid == slo.id}
    return sorted(seen | set(slo.environment.environments if slo.environment else ()))


def _state(row: Row, health: set[str]) -> str:
    kinds = {a.get(names.SLOTH_SEVERITY) or a.get(names.SEVERITY) for a in row.alerts}
    if kinds & {"page", CRITICAL}:
        return "page"
    if any(a.get(names.ALERTNAME) in health for a in row.alerts):
        return "sli-health"
    if kinds & {"ticket", WARNING}:
        return "ticket"
    return "no-data" if row.sli_5m is None else "ok"


def _detects(slo: SLOPlan) -> float | None:
    """When a full outage pages, as the README and the preview state it (burnrate.detection)."""
    raw = burnrate.raw_windows(slo.catalog)
    found = [burnrate.detection(a.window, slo.budget, 1.0, raw, for_seconds=a.for_seconds)
             for a in slo.alerts if a.window.severity == "page"]
    return min((d.ideal for d in found if d is not None), default=None)


def row(plan: Plan, slo: SLOPlan, env: str, found: dict) -> Row:
    routing_env = env or (plan.routing.paging_environment if plan.routing else None)
    kinds = {a.window.severity for a in slo.alerts}
    out = Row(slo.service, slo.name, slo.id, slo.team, slo.tier, env, slo.objective_percent,
              slo.period_label, dashboard_url=slo.dashboard_url, runbook_url=slo.runbook_url,
              detects_outage_seconds=_detects(slo))
    if plan.routing is not None:
        out.pages = list(receivers_for(plan.routing, slo.team, CRITICAL, routing_env)) if "page" in kinds else []
        out.tickets = list(receivers_for(plan.routing, slo.team, WARNING, routing_env)) if "ticket" in kinds else []
    ratio = {w: v for (sid, e, w), v in found["ratio"].items() if sid == slo.id and e == env}
    base = durations.format_seconds(burnrate.BASE_WINDOW)
    period = durations.format_seconds(slo.period)  # the sloth_window label, as Prometheus prints it
    out.sli_5m = 1 - ratio[base] if base in ratio else None
    out.sli_period = 1 - ratio[period] if period in ratio else None
    out.budget_remaining = found["budget"].get((slo.id, env))
    if slo.calendar is not None:
        out.calendar = calendar_label(slo)
        out.calendar_budget_remaining = found.get("calendar", {}).get((slo.id, env))
    for seconds in burnrate.windows_of(slo.catalog):
        w = durations.format_seconds(seconds)
        out.burn[w] = ratio[w] / slo.budget if w in ratio else None
    out.alerts = [{k: v for k, v in m.items() if k in (names.ALERTNAME, names.SEVERITY, names.SLOTH_SEVERITY,
                                                        names.LONG_WINDOW, names.SHORT_WINDOW)}
                  for m in sorted(found["alerts"].get((slo.service, slo.name, env), []),
                                  key=lambda m: sorted(m.items()))]
    out.state = _state(out, health_rules.alert_names(slo))
    return out


def calendar_label(slo: SLOPlan) -> str:
    """"this month (Europe/Berlin)", as the dashboard's stat says it (render/grafana/service.py)."""
    return calendar_title(slo).removeprefix("Budget left ")


def rows(plan: Plan, found: dict) -> list[Row]:
    return [row(plan, slo, env, found) for s in plan.services for slo in s.slos
            for env in _environments(slo, found, plan.metrics.shared)]


def select(all_rows: list[Row], teams=(), services=(), states=(), environments=(), sort: str = "state") -> list[Row]:
    chosen = [r for r in all_rows if (not teams or r.team in teams) and (not services or r.service in services)
              and (not states or r.state in states) and (not environments or r.environment in environments)]
    keys = {
        "state": lambda r: (STATES.index(r.state), _missing_last(r.budget_remaining), r.id, r.environment),
        "budget": lambda r: (_missing_last(r.budget_remaining), r.id, r.environment),
        "burn": lambda r: (-max((b for b in r.burn.values() if b is not None), default=-1), r.id, r.environment),
        "name": lambda r: (r.id, r.environment),
    }
    return sorted(chosen, key=keys[sort])


def _missing_last(value: float | None) -> float:
    return float("inf") if value is None else value


# --- the terminal table ---------------------------------------------------------------------------


def _pct(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value * 100:.{digits}f}%"


def _burn(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def table(shown: list[Row]) -> str:
    windows = sorted({w for r in shown for w in r.burn}, key=durations.seconds)
    calendars = any(r.calendar for r in shown)  # the column only where an SLO has a calendar period
    head = ["SLO", "ENV", "TEAM", "OBJECTIVE", "SLI 5m", "SLI PERIOD", "BUDGET LEFT",
            *(["BUDGET LEFT CALENDAR"] if calendars else []),
            *(f"BURN {w}" for w in windows), "STATE", "FIRING", "PAGES", "DETECTS OUTAGE"]
    body = [[r.id, r.environment or "-", r.team, f"{names.objective_text(r.objective)}% / {r.period}",
             _pct(r.sli_5m), _pct(r.sli_period), _pct(r.budget_remaining, 1),
             *([f"{_pct(r.calendar_budget_remaining, 1)} {r.calendar}" if r.calendar else "-"] if calendars else []),
             *(_burn(r.burn.get(w)) if w in r.burn else "" for w in windows), r.state,
             ", ".join(sorted({a[names.ALERTNAME] for a in r.alerts})) or "-", ", ".join(r.pages) or "never",
             durations.human(r.detects_outage_seconds) if r.detects_outage_seconds is not None else "-"]
            for r in shown]
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
                     for line in [head, *body])
