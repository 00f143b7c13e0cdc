"""One dashboard per service: header, a row per SLO, RED from span metrics, resources, logs, traces.

Every SLO row's Prometheus selectors carry both `sloth_slo="<its name>"` and `sloth_slo=~"$slo"`:
the `slo` variable, set by an alert's `dashboard_url` (`?var-slo=<slo>`), leaves data in that SLO's
row only (verify/grafana.py proves it for every alert link).
"""

from __future__ import annotations

from obsgen import burnrate, calendar, names, signal_path
from obsgen.plan.dashboards import DashboardsPlan, ServiceDashboard
from obsgen.plan.model import Plan, ServicePlan, SLOPlan
from obsgen.promql import number
from obsgen.render import health_rules
from obsgen.render.grafana import common, panels, workloads
from obsgen.render.grafana.layout import Layout
from obsgen.render.grafana.queries import (
    ENV_VAR,
    RATE,
    SLO_VAR,
    by,
    legend,
    logql_stream,
    markdown_text,
    regex_alternatives,
    selector,
    traceql_equals,
    url,
)

QUANTILES = (0.5, 0.95, 0.99)


def render(plan: Plan, service: ServicePlan):
    dash = plan.dashboards
    board = dash.service(service.name)
    layout = Layout()
    layout.add(panels.markdown(f"{service.name}: owner and SLOs", _header(dash, board, service)), 24,
               4 + len(service.slos))
    for slo in service.slos:
        _slo_row(layout, dash, slo)
    if board.span_metrics:
        _red_row(layout, dash, board)
    if board.kubernetes:
        _resources_row(layout, dash, board)
    _logs_and_traces(layout, dash, board)
    variables = [
        common.custom_variable(ENV_VAR, "environment", service.environments),
        common.custom_variable(SLO_VAR, "SLO", [s.name for s in service.slos]),
    ]
    return common.render(dash, board.uid, f"{service.name} SLOs", [f"team-{board.team}", "service"], layout,
                         variables, _links(dash, board), f"SLOs, requests, logs and traces of {service.name}")


def _links(dash: DashboardsPlan, board: ServiceDashboard):
    links = [
        common.link("SLO overview", names.dashboard_url(dash.grafana_url, dash.overview_uid), "Every SLO, worst first"),
        common.link(f"Team {board.team}", names.dashboard_url(dash.grafana_url, dash.team(board.team).uid),
                    f"Every service of team {board.team}"),
    ]
    if board.runbook_url:
        links.append(common.link("Runbook", board.runbook_url, f"Runbook of {board.service}", new_tab=True))
    return links


def _header(dash: DashboardsPlan, board: ServiceDashboard, service: ServicePlan) -> str:
    team_url = url(names.dashboard_url(dash.grafana_url, dash.team(board.team).uid))
    runbook = f"[runbook]({url(board.runbook_url)})" if board.runbook_url else "no runbook"
    lines = [
        f"**Team** [{board.team}]({team_url}) · **Tier** {board.tier} · {runbook} · "
        f"[SLO overview]({url(names.dashboard_url(dash.grafana_url, dash.overview_uid))})",
        "",
        "| SLO | objective | period | description | runbook |",
        "|---|---|---|---|---|",
    ]
    for slo in service.slos:
        book = f"[runbook]({url(slo.runbook_url)})" if slo.runbook_url else ""
        lines.append(f"| {slo.name} | {number(slo.objective_percent)}% | {slo.period_label} | "
                     f"{markdown_text(slo.description)} | {book} |")
    return "\n".join(lines) + "\n"


def _slo_sel(dash: DashboardsPlan, slo: SLOPlan, metric: str, per_environment: bool = True) -> str:
    """`per_environment=False` for the SLO's constants (its objective), which no environment
    labels: filtered on one, they would vanish from a shared store's dashboard."""
    environment = common.metric_environment(dash) if per_environment else {}
    return selector(metric, {names.SLOTH_ID: slo.id, names.SLOTH_SLO: slo.name},
                    {names.SLOTH_SLO: SLO_VAR, **environment})


def _burn_rate(dash: DashboardsPlan, slo: SLOPlan) -> tuple[str, object, list[tuple[str, str]]]:
    """The burn-rate stat's title, data source and targets: a timeslice SLO's counts slices, as its
    alerts do (the share of bad slices over 5m and over the period, over 1 - objective)."""
    prom, period = dash.datasource("prometheus"), slo.period_label
    if slo.slices is None:
        return "Burn rate", prom, [(_slo_sel(dash, slo, names.CURRENT_BURN_RATE), "now (5m)"),
                                   (_slo_sel(dash, slo, names.PERIOD_BURN_RATE), f"over {period}")]
    budget = number(slo.budget)
    return "Burn rate in time slices", prom, [
        (f"{_slo_sel(dash, slo, names.slices_error_ratio('5m'))} / {budget}", "now (5m of slices)"),
        (f"{_slo_sel(dash, slo, names.SLICES_PERIOD_ERROR_RATIO)} / {budget}", f"over {period}")]


def _slo_row(layout: Layout, dash: DashboardsPlan, slo: SLOPlan) -> None:
    prom = dash.datasource("prometheus")
    period = slo.period_label  # as the spec writes it (28d); Grafana's relative time takes it too
    ratio5m = _slo_sel(dash, slo, names.sli_error_ratio("5m"))
    # red from the fastest page's factor; a calendar SLO's is the period's own: its shortest period's
    top = max(w.factor if slo.calendar is None else burnrate.calendar_factor(w, calendar.hours_range(slo.calendar)[0])
              for w in slo.catalog)
    layout.row(f"SLO {slo.name}: {number(slo.objective_percent)}% over {period}")
    layout.add(panels.stat_panel("SLI now vs objective", prom, [
        (f"1 - {ratio5m}", "SLI (5m)"), (_slo_sel(dash, slo, names.OBJECTIVE, per_environment=False), "objective"),
    ], "percentunit", [(None, "red"), (slo.objective, "green")], decimals=3), 6, 5)
    layout.add(panels.stat_panel(f"Error budget remaining ({period})", prom, [
        (_slo_sel(dash, slo, names.PERIOD_BUDGET_REMAINING), "remaining"),
    ], "percentunit", [(None, "red"), (0, "orange"), (0.25, "green")], decimals=1), 5, 5)
    layout.add(panels.stat_panel(*_burn_rate(dash, slo), "suffix:x", [(None, "green"), (1, "orange"), (top, "red")]),
               5, 5)
    if slo.alerts:  # an SLO without alerts (alerting off, or read from a file that has none) has no state
        alerts = selector(names.ALERTS, {names.SERVICE: slo.service, names.SLO: slo.name},
                          {names.SLO: SLO_VAR, **common.metric_environment(dash)})
        layout.add(panels.alert_timeline("Alerts", prom, [
            (f"max {by(names.SLOTH_SEVERITY, names.ALERT_STATE)} ({alerts})",
             legend(names.SLOTH_SEVERITY, names.ALERT_STATE)),
        ]), 8, 5)
    _health_panel(layout, dash, slo)
    layout.add(panels.graph("SLI over time (objective as the red line)", prom, [(f"1 - {ratio5m}", "SLI (5m)")],
                            "percentunit", line=slo.objective), 12, 8)
    burn_down = panels.graph(f"Error budget burn-down ({period})", prom, [
        (_slo_sel(dash, slo, names.PERIOD_BUDGET_REMAINING), "budget remaining"),
    ], "percentunit", line=0).time_from(period)
    layout.add(burn_down, 12, 8)
    _budgeting_panels(layout, dash, slo)


def calendar_title(slo: SLOPlan) -> str:
    """"Budget left this month (Europe/Berlin)", and in slices for a timeslice SLO."""
    cal = slo.calendar
    what = f"this {cal.unit}" if cal.count == 1 else f"this period ({cal.count} {cal.unit}s)"
    return f"Budget left {what} ({cal.time_zone}{', time slices' if slo.slices else ''})"


def _budgeting_panels(layout: Layout, dash: DashboardsPlan, slo: SLOPlan) -> None:
    """A calendar SLO's budget since its period's start, a timeslice SLO's budget in slices
    (docs/calendar.md); nothing for the rolling, occurrence-budgeted SLOs."""
    prom, steps = dash.datasource("prometheus"), [(None, "red"), (0, "orange"), (0.25, "green")]
    if slo.slices is not None:
        period = slo.period_label
        layout.add(panels.stat_panel(f"Budget left in time slices ({period})", prom, [
            (_slo_sel(dash, slo, names.SLICES_PERIOD_BUDGET_REMAINING), "remaining"),
        ], "percentunit", steps, decimals=1), 6, 5)
    if slo.calendar is not None:
        layout.add(panels.stat_panel(calendar_title(slo), prom, [
            (_slo_sel(dash, slo, names.CALENDAR_BUDGET_REMAINING), "remaining"),
        ], "percentunit", steps, decimals=1), 6, 5)


def _health_panel(layout: Layout, dash: DashboardsPlan, slo: SLOPlan) -> None:
    """The SLI health alerts' state (render/health_rules.py): empty while the SLI reads data; a bar
    when its series are absent, its threshold is not a bucket bound or its errors never match."""
    health = sorted(r["alert"] for r in health_rules.rules(slo))
    alerts = selector(names.ALERTS, [(names.SERVICE, "=", slo.service), (names.SLO, "=", slo.name),
                                     (names.ALERTNAME, "=~", regex_alternatives(health))],
                      {names.SLO: SLO_VAR, **common.metric_environment(dash)})
    panel = panels.alert_timeline("SLI health alerts (the SLI reads nothing: it cannot burn its budget)",
                                  dash.datasource("prometheus"), [
        (f"max {by(names.ALERTNAME, names.ALERT_STATE)} ({alerts})", legend(names.ALERTNAME, names.ALERT_STATE)),
    ]).no_value("none pending or firing: the SLI reads data")
    layout.add(panel, 24, 3)


def _span_sel(dash: DashboardsPlan, board: ServiceDashboard, metric: str, errors: bool = False) -> str:
    matchers = [(names.SPAN_SERVICE, "=", board.otel_service), (names.SPAN_KIND, "=", names.SPAN_KIND_SERVER)]
    if errors:
        matchers.append((names.SPAN_STATUS, "=", names.SPAN_STATUS_ERROR))
    return selector(metric, matchers, common.metric_environment(dash))


def _red_row(layout: Layout, dash: DashboardsPlan, board: ServiceDashboard) -> None:
    prom = dash.datasource("prometheus")
    per_span = by(names.SPAN_NAME)
    calls = f"sum {per_span} (rate({_span_sel(dash, board, names.SPAN_CALLS)}[{RATE}]))"
    errors = f"sum {per_span} (rate({_span_sel(dash, board, names.SPAN_CALLS, errors=True)}[{RATE}]))"
    buckets = _span_sel(dash, board, names.SPAN_DURATION + "_bucket")
    layout.row("Requests: rate, errors, duration (span metrics, server spans)")
    layout.add(panels.graph("Request rate", prom, [(calls, legend(names.SPAN_NAME))], "reqps"), 8, 8)
    layout.add(panels.graph("Error ratio", prom, [(f"{errors} / {calls}", legend(names.SPAN_NAME))],
                            "percentunit"), 8, 8)
    layout.add(panels.graph("Duration p50 / p95 / p99 (exemplars)", prom, [
        (f"histogram_quantile({q}, sum by (le) (rate({buckets}[{RATE}])))", f"p{round(q * 100)}") for q in QUANTILES
    ], "s", exemplar=True), 8, 8)


def _resources_row(layout: Layout, dash: DashboardsPlan, board: ServiceDashboard) -> None:
    prom, k8s = dash.datasource("prometheus"), board.kubernetes
    pods = workloads.Pods(k8s.namespace, k8s.workloads, common.metric_environment(dash))
    per_pod = f"sum {by(workloads.POD)}"
    layout.row(f"Resources: namespace {k8s.namespace}, workloads {', '.join(k8s.workloads)}")
    layout.add(panels.graph("CPU (cores)", prom, [(f"{per_pod} ({pods.rate(names.CONTAINER_CPU)})",
                                                   legend(workloads.POD))], "short"), 6, 8)
    layout.add(panels.graph("Memory (working set)", prom, [(f"{per_pod} ({pods.of(names.CONTAINER_MEMORY)})",
                                                            legend(workloads.POD))], "bytes"), 6, 8)
    throttled = (f"{per_pod} ({pods.rate(names.CONTAINER_THROTTLED)}) / "
                 f"{per_pod} ({pods.rate(names.CONTAINER_PERIODS)})")
    layout.add(panels.graph("CPU throttling (share of periods)", prom, [(throttled, legend(workloads.POD))],
                            "percentunit"), 6, 8)
    restarts = f"{per_pod} ({pods.increase(names.POD_RESTARTS, '1h')})"
    layout.add(panels.graph("Container restarts (per hour)", prom, [(restarts, legend(workloads.POD))], "short"),
               6, 8)


# LogQL's line_format (a Go template): trace_id in front of the line when the record has one, where
# the Loki datasource's derived field turns it into a Tempo link.
LOG_LINE = f"{{{{ if .{names.TRACE_ID} }}}}{names.TRACE_ID}={{{{ .{names.TRACE_ID} }}}} {{{{ end }}}}{{{{ __line__ }}}}"


def _logs_and_traces(layout: Layout, dash: DashboardsPlan, board: ServiceDashboard) -> None:
    stream = logql_stream({names.LOG_SERVICE: board.otel_service})
    # the environment is structured metadata in Loki (signal_path): a filter after the stream selector
    logs = f'{stream} | {signal_path.LOKI_ENVIRONMENT}=~"${ENV_VAR}" | line_format "{LOG_LINE}"'
    layout.row("Logs and traces")
    layout.add(panels.logs_panel("Logs (trace_id links to Tempo)", dash.datasource("loki"), logs), 14, 10)
    layout.add(panels.trace_search("Recent traces", dash.datasource("tempo"),
                                   traceql_equals(names.TRACE_SERVICE_ATTRIBUTE, board.otel_service)), 10, 10)
