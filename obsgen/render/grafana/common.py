"""What every obsgen dashboard shares: variables, links, the dashboard shell."""

from __future__ import annotations

from collections.abc import Sequence

from obsgen.plan.dashboards import DashboardsPlan
from obsgen.render.grafana.layout import Layout
from obsgen.render.grafana.queries import ENV_VAR, url
from obsgen.render.grafana.sdk import board, model

TAG = "obsgen"


def link(title: str, target: str, tooltip: str = "", new_tab: bool = False):
    return (board.DashboardLink(title).type(model.DashboardLinkType.LINK).url(url(target)).tooltip(tooltip)
            .icon("dashboard" if not new_tab else "doc").keep_time(not new_tab).include_vars(False)
            .target_blank(new_tab).as_dropdown(False).tags([]))


def custom_variable(name: str, label: str, values: Sequence[str], default_all: bool = True):
    """A custom variable of label-safe names (a-z, 0-9, `-`: nothing Grafana or RE2 would read
    specially), with All as `.*` so that regex matchers keep series without the label."""
    options = [model.VariableOption(text="All", value="$__all", selected=default_all)]
    options += [model.VariableOption(text=v, value=v, selected=False) for v in values]
    return (board.CustomVariable(name).label(label).values(",".join(values)).multi(True).include_all(True)
            .all_value(".*").allow_custom_value(False).options(options)
            .current(model.VariableOption(text="All", value="$__all", selected=True)))


def datasource_variables(plan: DashboardsPlan) -> list:
    """One `datasource` variable per backend, defaulting to the provisioned datasource (its uid:
    what Grafana stores as a datasource variable's value)."""
    return [board.DatasourceVariable(ds.variable).label(ds.name).type(ds.kind).regex("").multi(False)
            .include_all(False).allow_custom_value(False)
            .current(model.VariableOption(text=ds.name, value=ds.uid, selected=True))
            for ds in (plan.datasource(k) for k in ("prometheus", "loki", "tempo"))]


def metric_environment(plan: DashboardsPlan) -> dict[str, str]:
    """The environment filter Prometheus queries can carry: in shared mode the series hold the
    environment label; per cluster they never do (Prometheus adds its external labels only to what
    leaves it: alerts, remote write, federation), so the Prometheus datasource is the selector."""
    return {plan.environment_label: ENV_VAR} if plan.shared_metrics else {}


def render(plan: DashboardsPlan, uid: str, title: str, tags: Sequence[str], layout: Layout, variables=(), links=(),
           description: str = ""):
    """A dashboard with the datasource variables first, then `variables`: as the SDK built it (the
    file is its JSON: render/grafana/sdk.text)."""
    dashboard = (board.Dashboard(title).uid(uid).tags([TAG, *tags]).description(description)
                 .time("now-6h", "now").refresh("1m").timezone("browser").readonly()
                 .tooltip(model.DashboardCursorSync.CROSSHAIR).links(list(links)))
    for variable in [*datasource_variables(plan), *variables]:
        dashboard = dashboard.with_variable(variable)
    return layout.apply(dashboard).build()
