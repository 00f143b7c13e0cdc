"""The panels the overview and the team dashboards share: every SLO, worst budget first, what burns."""

from __future__ import annotations

from obsgen import names
from obsgen.plan.dashboards import DashboardsPlan
from obsgen.plan.model import ServicePlan
from obsgen.promql import number
from obsgen.render.grafana import common, panels
from obsgen.render.grafana.layout import Layout
from obsgen.render.grafana.queries import ENV_VAR, legend, regex_alternatives, selector, url


def layout(dash: DashboardsPlan, services: list[ServicePlan], team: str | None) -> Layout:
    """`team` narrows alerts by their team label; recorded series are narrowed by service."""
    prom = dash.datasource("prometheus")
    env = common.metric_environment(dash)
    services_re = regex_alternatives(s.name for s in services)
    slo_matchers = [(names.SLOTH_SERVICE, "=~", services_re)]

    def slo_series(metric: str) -> str:
        return selector(metric, slo_matchers, env)

    alert_matchers = [(names.ALERT_STATE, "=", "firing"), (names.SLOTH_SEVERITY, "=~", "page|ticket")]
    if team:
        alert_matchers.append((names.TEAM, "=", team))
    firing = selector(names.ALERTS, alert_matchers, env)
    out = Layout()
    out.add(panels.prom_table("Error budget remaining, worst first", prom, [
        (f"sort({slo_series(names.PERIOD_BUDGET_REMAINING)})", ""),
    ], "percentunit", "budget remaining", desc=False, rename={
        names.SLOTH_SERVICE: "service", names.SLOTH_SLO: "SLO", "Value": "budget remaining",
    }, hide=("Time", "__name__", names.SLOTH_ID)), 12, 10)
    out.add(panels.prom_table("Burning now: firing SLO alerts", prom, [
        (f"max by ({names.SERVICE}, {names.SLO}, {names.SEVERITY}) ({firing})", ""),
    ], "none", names.SERVICE, desc=False, rename={}, hide=("Time", "Value")), 12, 10)
    out.add(panels.graph("Burn rate now (5m), SLOs burning faster than 1x", prom, [
        (f"{slo_series(names.CURRENT_BURN_RATE)} > 1", legend(names.SLOTH_SERVICE, names.SLOTH_SLO)),
    ], "suffix:x", line=1, line_color="orange"), 24, 8)
    slos = sum(len(s.slos) for s in services)
    if team is None and slos > OVERVIEW_SLO_LIST_MAX:
        out.add(panels.markdown("Every team", _team_list(dash, services)), 24, 3 + len(dash.teams))
    else:
        out.add(panels.markdown("Every SLO", _slo_list(dash, services)), 24, 3 + slos)
    return out


# The overview lists every SLO while such a list can be read and fits its ConfigMap; past this many
# it lists the teams instead, each linking its team dashboard (which lists its own SLOs). Every SLO
# adds about 180 bytes to the list: at 5,000 services (15,000 SLOs) it was 2.7 MB, over the 1 MiB
# a dashboard ConfigMap holds, and obsgen refused to generate at all.
OVERVIEW_SLO_LIST_MAX = 1000


def _team_list(dash: DashboardsPlan, services: list[ServicePlan]) -> str:
    slos: dict[str, int] = {}
    for service in services:
        slos[service.team] = slos.get(service.team, 0) + len(service.slos)
    lines = [f"{sum(slos.values())} SLOs: each team's dashboard lists its own.", "",
             "| team | services | SLOs |", "|---|---|---|"]
    for board in dash.teams:
        lines.append(f"| [{board.team}]({url(names.dashboard_url(dash.grafana_url, board.uid))}) | "
                     f"{len(board.services)} | {slos.get(board.team, 0)} |")
    return "\n".join(lines) + "\n"


def _slo_list(dash: DashboardsPlan, services: list[ServicePlan]) -> str:
    lines = ["| service | team | tier | SLO | objective | period |", "|---|---|---|---|---|---|"]
    for service in services:
        board = dash.service(service.name)
        board_url = names.dashboard_url(dash.grafana_url, board.uid)
        link = url(f"{board_url}?var-{names.DASHBOARD_SLO_VAR}=")
        for slo in service.slos:
            lines.append(f"| [{service.name}]({url(board_url)}) | {service.team} | "
                         f"{service.tier} | [{slo.name}]({link}{slo.name}) | {number(slo.objective_percent)}% | "
                         f"{slo.period_label} |")
    return "\n".join(lines) + "\n"


def environments(services: list[ServicePlan]) -> list[str]:
    return sorted({e for s in services for e in s.environments})


def variables(dash: DashboardsPlan, services: list[ServicePlan]) -> list:
    """The environment variable, where it filters anything: these dashboards read Prometheus only,
    whose series carry the environment label in shared mode only."""
    if not dash.shared_metrics:
        return []
    return [common.custom_variable(ENV_VAR, "environment", environments(services))]
