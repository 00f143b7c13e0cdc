"""Panel builders shared by every dashboard: refIds set explicitly (A, B, ...), datasource on each."""

from __future__ import annotations

from collections.abc import Sequence

from obsgen.plan.dashboards import Datasource
from obsgen.render.grafana.sdk import (
    board,
    common,
    common_builders,
    logs,
    loki,
    model,
    prometheus,
    prometheus_model,
    stat,
    statetimeline,
    table,
    tempo,
    tempo_model,
    text,
    timeseries,
)

Query = tuple[str, str]  # (expression, legend)


def ref(ds: Datasource) -> model.DataSourceRef:
    """Through the dashboard's datasource variable (common.datasource_variables), as the
    kube-prometheus mixins do: a Grafana that names its datasources otherwise, or has one per
    cluster, picks its own; the variable defaults to the Platform's uid."""
    return model.DataSourceRef(type_val=ds.kind, uid="${" + ds.variable + "}")


def _ref_id(i: int) -> str:
    return chr(ord("A") + i)


def prom_targets(ds: Datasource, queries: Sequence[Query], instant=False, exemplar=False, table_format=False):
    targets = []
    for i, (expr, legend) in enumerate(queries):
        target = prometheus.Dataquery().expr(expr).ref_id(_ref_id(i)).datasource(ref(ds)).legend_format(legend)
        target = target.instant() if instant else target.range()
        if exemplar:
            target = target.exemplar(True)
        if table_format:
            target = target.format(prometheus_model.PromQueryFormat.TABLE)
        targets.append(target)
    return targets


def thresholds(*steps: tuple[float | None, str]):
    return (board.ThresholdsConfig().mode(model.ThresholdsMode.ABSOLUTE)
            .steps([model.Threshold(value=v, color=c) for v, c in steps]))


def stat_panel(title: str, ds: Datasource, queries: Sequence[Query], unit: str, steps, decimals: int = 2):
    return (stat.Panel().title(title).datasource(ref(ds)).targets(prom_targets(ds, queries, instant=True))
            .unit(unit).decimals(decimals).thresholds(thresholds(*steps))
            .color_mode(common.BigValueColorMode.VALUE).graph_mode(common.BigValueGraphMode.NONE)
            .text_mode(common.BigValueTextMode.VALUE_AND_NAME)
            .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]).values(False)))


def graph(title: str, ds: Datasource, queries: Sequence[Query], unit: str, exemplar=False, line: float | None = None,
          line_color: str = "red"):
    """A time series; `line` draws a threshold line (an objective, zero budget) across it."""
    panel = (timeseries.Panel().title(title).datasource(ref(ds)).targets(prom_targets(ds, queries, exemplar=exemplar))
             .unit(unit).line_width(1).fill_opacity(10))
    if line is not None:
        panel = (panel.thresholds(thresholds((None, "transparent"), (line, line_color)))
                 .thresholds_style(common_builders.GraphThresholdsStyleConfig().mode(common.GraphThresholdsStyleMode.LINE)))
    return panel


def alert_timeline(title: str, ds: Datasource, queries: Sequence[Query]):
    return (statetimeline.Panel().title(title).datasource(ref(ds)).targets(prom_targets(ds, queries))
            .thresholds(thresholds((None, "green"), (1, "red"))).show_value(common.VisibilityMode.NEVER))


def prom_table(title: str, ds: Datasource, queries: Sequence[Query], unit: str, sort_field: str, desc: bool,
               rename: dict[str, str], hide: Sequence[str] = ("Time",)):
    organize = model.DataTransformerConfig(id_val="organize", options={
        "excludeByName": dict.fromkeys(hide, True), "renameByName": rename, "indexByName": {},
    })
    return (table.Panel().title(title).datasource(ref(ds))
            .targets(prom_targets(ds, queries, instant=True, table_format=True))
            .with_transformation(organize).unit(unit)
            .sort_by([common_builders.TableSortByFieldState().display_name(sort_field).desc(desc)]))


def markdown(title: str, content: str):
    return text.Panel().title(title).mode("markdown").content(content)


def logs_panel(title: str, ds: Datasource, expr: str):
    target = loki.Dataquery().expr(expr).ref_id("A").datasource(ref(ds)).query_type("range")
    return (logs.Panel().title(title).datasource(ref(ds)).with_target(target).show_time(True)
            .enable_log_details(True).wrap_log_message(True).sort_order(common.LogsSortOrder.DESCENDING)
            .dedup_strategy(common.LogsDedupStrategy.NONE))


def trace_search(title: str, ds: Datasource, query: str, limit: int = 20):
    target = (tempo.Dataquery().ref_id("A").datasource(ref(ds)).query_type("traceql").query(query)
              .limit(limit).filters([]).table_type(tempo_model.SearchTableType.TRACES))
    return table.Panel().title(title).datasource(ref(ds)).with_target(target)
