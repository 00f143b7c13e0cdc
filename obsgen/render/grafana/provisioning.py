"""Grafana provisioning: the dashboard provider and the datasources, wired for correlation.

Most logs-metrics-traces navigation lives in datasource settings: Prometheus exemplars link
trace_id to Tempo; Loki derived fields turn trace_id (in the line or in structured metadata) into
Tempo links; Tempo links spans to logs (Loki) and to span metrics (Prometheus), with the service
map and node graph on.

Grafana expands `$VAR` and `${VAR}` from the environment in provisioning files: a literal `$` is
written `$$` (see `literal_dollars`). The one expansion obsgen writes on purpose is `$__file{<path>}`
(`file_ref`), for datasource credentials read from files mounted into Grafana (grafana/secrets.py).
"""

from __future__ import annotations

from dataclasses import replace

from obsgen import names
from obsgen.artifacts import GrafanaProvisioning
from obsgen.plan.dashboards import DashboardsPlan, Datasource

PROVIDER_FILE = "dashboards/provisioning/dashboards.yaml"
DATASOURCES_FILE = "dashboards/provisioning/datasources.yaml"
# Where Grafana reads the dashboard files (the sidecar's or a volume's folder).
DASHBOARDS_PATH = "/var/lib/grafana/dashboards/obsgen"
FOLDER = "obsgen"
TRACE_ID_IN_LINE = rf"{names.TRACE_ID}=(\w+)"


def literal_dollars(value: str) -> str:
    return value.replace("$", "$$")


def file_ref(path: str) -> str:
    """Grafana's expansion of a file's content (trimmed) into a provisioning value: the secret stays
    in the mounted file (spec/cluster.py keeps the path free of `$` and `}`)."""
    return "$__file{" + path + "}"


def provider() -> GrafanaProvisioning:
    return GrafanaProvisioning(PROVIDER_FILE, {"apiVersion": 1, "providers": [{
        "name": "obsgen", "orgId": 1, "folder": FOLDER, "type": "file", "disableDeletion": False,
        "allowUiUpdates": False, "updateIntervalSeconds": 60,
        "options": {"path": DASHBOARDS_PATH, "foldersFromFilesStructure": False},
    }]})


def datasources(dash: DashboardsPlan) -> GrafanaProvisioning:
    # uids are Grafana uids (no `$`); urls come from the spec and may hold one
    prom, loki, tempo = (_literal_url(dash.datasource(k)) for k in ("prometheus", "loki", "tempo"))
    trace_link = literal_dollars("${__value.raw}")
    entries = [
        {"name": prom.name, "type": prom.kind, "uid": prom.uid, "access": "proxy", "url": prom.url,
         "isDefault": True, "editable": False, "jsonData": {
             "httpMethod": "POST",
             "exemplarTraceIdDestinations": [{"name": names.TRACE_ID, "datasourceUid": tempo.uid}]}},
        {"name": loki.name, "type": loki.kind, "uid": loki.uid, "access": "proxy", "url": loki.url, "editable": False,
         "jsonData": {"derivedFields": [
             {"name": "trace_id (log line)", "matcherType": "regex", "matcherRegex": TRACE_ID_IN_LINE,
              "datasourceUid": tempo.uid, "url": trace_link, "urlDisplayLabel": "Trace"},
             {"name": "trace_id (structured metadata)", "matcherType": "label", "matcherRegex": names.TRACE_ID,
              "datasourceUid": tempo.uid, "url": trace_link, "urlDisplayLabel": "Trace"},
         ]}},
        {"name": tempo.name, "type": tempo.kind, "uid": tempo.uid, "access": "proxy", "url": tempo.url,
         "editable": False, "jsonData": _tempo(dash)},
    ]
    return GrafanaProvisioning(DATASOURCES_FILE, {"apiVersion": 1, "datasources": [
        _with_auth(entry, ds) for entry, ds in zip(entries, (prom, loki, tempo), strict=True)]})


def _with_auth(entry: dict, ds: Datasource) -> dict:
    """Basic auth (user, password) or a bearer token (Authorization header), from mounted files."""
    if ds.password_file is not None:
        entry |= {"basicAuth": True, "basicAuthUser": literal_dollars(ds.username or ""),
                  "secureJsonData": {"basicAuthPassword": file_ref(ds.password_file)}}
    elif ds.token_file is not None:
        entry["jsonData"] = {**entry["jsonData"], "httpHeaderName1": "Authorization"}
        entry["secureJsonData"] = {"httpHeaderValue1": "Bearer " + file_ref(ds.token_file)}
    return entry


def _literal_url(datasource):
    return replace(datasource, url=literal_dollars(datasource.url))


def _tempo(dash: DashboardsPlan) -> dict:
    prom, loki = dash.datasource("prometheus"), dash.datasource("loki")
    service_tag = [{"key": "service.name", "value": names.LOG_SERVICE}]
    return {
        "tracesToLogsV2": {
            "datasourceUid": loki.uid, "spanStartTimeShift": "-5m", "spanEndTimeShift": "5m",
            "filterByTraceID": True, "filterBySpanID": False, "tags": service_tag,
        },
        "tracesToMetrics": {
            "datasourceUid": prom.uid, "spanStartTimeShift": "-5m", "spanEndTimeShift": "5m",
            "tags": [{"key": "service.name", "value": names.SPAN_SERVICE}],
            "queries": [
                {"name": "Request rate", "query": literal_dollars(f"sum(rate({names.SPAN_CALLS}{{$__tags}}[5m]))")},
                {"name": "Error rate", "query": literal_dollars(
                    f'sum(rate({names.SPAN_CALLS}{{$__tags,{names.SPAN_STATUS}="{names.SPAN_STATUS_ERROR}"}}[5m]))')},
                {"name": "p95 duration", "query": literal_dollars(
                    f"histogram_quantile(0.95, sum by (le) (rate({names.SPAN_DURATION}_bucket{{$__tags}}[5m])))")},
            ],
        },
        "serviceMap": {"datasourceUid": prom.uid},
        "nodeGraph": {"enabled": True},
        "lokiSearch": {"datasourceUid": loki.uid},
        "search": {"hide": False},
        "traceQuery": {"timeShiftEnabled": True, "spanStartTimeShift": "-30m", "spanEndTimeShift": "30m"},
    }
