"""The signal path, declared once: the names a span, a metric and a log record carry at each hop
(SDK -> agent -> gateway -> Prometheus / Loki / Tempo), where the collectors and the apps' endpoints
live, and where the Prometheus Operator mounts a receiver's secret. Renderers (collector configs,
dashboards, operator objects) and verifiers read these; docs/outputs/otel-collector.md "The signal path" shows them.

Backend translations (each backend's own rule for an OTLP attribute name):
- Loki's OTLP endpoint (docs: send-data/otel, "Format considerations"; pkg/loghttp/push/
  otlp_config.go `blessedAttributes`): every `.` (any character outside [a-zA-Z0-9_]) becomes `_`.
  Resource attributes in LOKI_INDEX_ATTRIBUTES become index (stream) labels; every other resource
  attribute, every log attribute, and the record's trace_id / span_id become structured metadata,
  which a query filters after the stream selector (`{service_name="x"} | k8s_pod_name="y"`), never
  inside it. `deployment.environment.name` is NOT in that list (only the older
  `deployment.environment` is): it is structured metadata `deployment_environment_name`.
- Prometheus (remote write from the collector, or its own OTLP receiver; OTel's Prometheus
  compatibility spec): `service.name` (prefixed `service.namespace/` when set) becomes `job`,
  `service.instance.id` becomes `instance`; other resource attributes go to `target_info`, not onto
  the series. Data point attributes become labels with every character outside [a-zA-Z0-9_] as `_`:
  the span metrics connector's `service.name` dimension is the label `service_name`.
- Tempo keeps OTLP names; TraceQL reads resource attributes as `resource.<name>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# --- OTLP attribute names (OpenTelemetry semantic conventions) -----------------------------
SERVICE_NAME = "service.name"
SERVICE_NAMESPACE = "service.namespace"
SERVICE_INSTANCE = "service.instance.id"
ENVIRONMENT = "deployment.environment.name"  # set by the SDK (Instrumentation) and the agent
K8S_NAMESPACE = "k8s.namespace.name"
K8S_POD_NAME = "k8s.pod.name"
K8S_POD_UID = "k8s.pod.uid"
K8S_POD_IP = "k8s.pod.ip"  # the agent's passthrough k8s_attributes records it; the gateway joins on it
K8S_CONTAINER = "k8s.container.name"
K8S_NODE = "k8s.node.name"
K8S_DEPLOYMENT = "k8s.deployment.name"
K8S_STATEFULSET = "k8s.statefulset.name"
K8S_DAEMONSET = "k8s.daemonset.name"
K8S_JOB = "k8s.job.name"
K8S_CRONJOB = "k8s.cronjob.name"
# Log record fields the agent's trace_parser fills from a JSON body's keys of the same names.
TRACE_ID = "trace_id"
SPAN_ID = "span_id"

# What the gateway's k8s_attributes sets from the Kubernetes API (extract.metadata). Workload
# names are set for whichever controller owns the pod.
K8S_METADATA = (K8S_NAMESPACE, K8S_POD_NAME, K8S_POD_UID, K8S_NODE, K8S_DEPLOYMENT, K8S_STATEFULSET,
                K8S_DAEMONSET, K8S_JOB, K8S_CRONJOB)
# What the filelog receiver's container parser sets from a log file's path
# (/var/log/pods/<namespace>_<pod>_<uid>/<container>/<restart>.log).
FILELOG_RESOURCE = (K8S_NAMESPACE, K8S_POD_NAME, K8S_POD_UID, K8S_CONTAINER, "k8s.container.restart_count")
# How the gateway finds the pod of a record, in order: the IP the agent recorded (OTLP from apps),
# the uid the container parser read from the path (pod logs), the connection (apps sending directly).
POD_ASSOCIATION = (K8S_POD_IP, K8S_POD_UID)

# --- Loki ------------------------------------------------------------------------------------
# Resource attributes Loki's OTLP endpoint indexes by default (Loki 3.x `blessedAttributes`).
LOKI_INDEX_ATTRIBUTES = frozenset({
    "service.name", "service.namespace", "service.instance.id", "deployment.environment",
    "cloud.region", "cloud.availability_zone", "k8s.cluster.name", "k8s.namespace.name", "k8s.pod.name",
    "k8s.container.name", "container.name", "k8s.replicaset.name", "k8s.deployment.name",
    "k8s.statefulset.name", "k8s.daemonset.name", "k8s.cronjob.name", "k8s.job.name",
})
_NOT_LABEL_CHAR = re.compile(r"[^a-zA-Z0-9_]")


def loki_name(attribute: str) -> str:
    """The label or structured metadata key Loki's OTLP endpoint stores an attribute under."""
    return _NOT_LABEL_CHAR.sub("_", attribute)


def loki_is_index_label(attribute: str) -> bool:
    """True: a stream label (`{name="..."}`); False: structured metadata (`| name="..."`)."""
    return attribute in LOKI_INDEX_ATTRIBUTES


LOKI_SERVICE = loki_name(SERVICE_NAME)  # service_name: index label
LOKI_ENVIRONMENT = loki_name(ENVIRONMENT)  # deployment_environment_name: structured metadata
LOKI_NAMESPACE = loki_name(K8S_NAMESPACE)  # k8s_namespace_name: index label
LOKI_POD = loki_name(K8S_POD_NAME)  # k8s_pod_name: index label
LOKI_CONTAINER = loki_name(K8S_CONTAINER)  # k8s_container_name: index label
LOKI_TRACE_ID = TRACE_ID  # the record's trace id: structured metadata
LOKI_SPAN_ID = SPAN_ID

# --- Prometheus ------------------------------------------------------------------------------


def prometheus_label(attribute: str) -> str:
    """The label a data point attribute becomes (remote write exporter and OTLP receiver alike)."""
    name = _NOT_LABEL_CHAR.sub("_", attribute)
    return "key" + name if name[:1].isdigit() else name


PROM_JOB = "job"  # from service.name (service.namespace/service.name when a namespace is set)
PROM_INSTANCE = "instance"  # from service.instance.id
PROM_TARGET_INFO = "target_info"  # every other resource attribute
# The span metrics connector's dimensions and their labels.
SPAN_SERVICE = prometheus_label(SERVICE_NAME)  # service_name
SPAN_NAME = "span_name"
SPAN_KIND = "span_kind"
SPAN_STATUS = "status_code"

# --- Tempo -----------------------------------------------------------------------------------


def traceql_resource(attribute: str) -> str:
    return f"resource.{attribute}"


TEMPO_SERVICE = traceql_resource(SERVICE_NAME)
TEMPO_ENVIRONMENT = traceql_resource(ENVIRONMENT)

# --- The hops, for the docs and the tests that hold each renderer to them ------------------


@dataclass(frozen=True)
class Hop:
    where: str  # sdk | agent | gateway | prometheus | loki | tempo
    sets: tuple[str, ...]  # attribute (OTLP hops) or label (backend hops) names it adds
    how: str


HOPS: tuple[Hop, ...] = (
    Hop("sdk", (SERVICE_NAME, ENVIRONMENT), "Instrumentation: OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES"),
    Hop("agent", FILELOG_RESOURCE, "filelog + container parser, for pod log files"),
    Hop("agent", (TRACE_ID, SPAN_ID), "json_parser + trace_parser, from a JSON log line's keys"),
    Hop("agent", (K8S_POD_IP,), "k8s_attributes passthrough: the sending pod's IP"),
    Hop("agent", (ENVIRONMENT,), "resource processor: upsert"),
    Hop("gateway", K8S_METADATA, "k8s_attributes: pod by k8s.pod.ip, else k8s.pod.uid, else connection"),
    Hop("prometheus", (PROM_JOB, PROM_INSTANCE, SPAN_SERVICE, SPAN_NAME, SPAN_KIND, SPAN_STATUS),
        "job/instance from service.name/service.instance.id; span dimensions as labels"),
    Hop("loki", tuple(loki_name(a) for a in (SERVICE_NAME, K8S_NAMESPACE, K8S_POD_NAME, K8S_CONTAINER,
                                             K8S_DEPLOYMENT)), "index labels"),
    Hop("loki", (LOKI_ENVIRONMENT, LOKI_TRACE_ID, LOKI_SPAN_ID), "structured metadata"),
    Hop("tempo", (TEMPO_SERVICE, TEMPO_ENVIRONMENT), "OTLP names, resource. scope in TraceQL"),
)

# --- Where things live -----------------------------------------------------------------------
CLUSTER_DOMAIN = "cluster.local"


def service_fqdn(service: str, namespace: str) -> str:
    """A Service's name as it resolves from every namespace of the cluster."""
    return f"{service}.{namespace}.svc.{CLUSTER_DOMAIN}"


def instrumentation_ref(namespace: str, name: str) -> str:
    """The value of an `instrumentation.opentelemetry.io/inject-<language>` annotation that finds an
    Instrumentation in another namespace than the pod's (the operator reads `namespace/name`)."""
    return f"{namespace}/{name}"


# Prometheus Operator: each Secret listed in an Alertmanager resource's spec.secrets is mounted as
# a directory, one file per key.
ALERTMANAGER_SECRETS_DIR = "/etc/alertmanager/secrets"


def alertmanager_secret_path(secret: str, key: str) -> str:
    return f"{ALERTMANAGER_SECRETS_DIR}/{secret}/{key}"


def alertmanager_secret_of(path: str) -> tuple[str, str] | None:
    """(secret, key) when `path` is a file the operator mounts from spec.secrets; else None."""
    return _secret_of(ALERTMANAGER_SECRETS_DIR, path)


# Grafana: each Secret a datasource's credentials come from is mounted as a directory (the grafana
# chart's extraSecretMounts, render/grafana/secrets.py), one file per key; the provisioning
# reads the file with Grafana's own `$__file{<path>}` expansion, so no value is ever in the output.
GRAFANA_SECRETS_DIR = "/etc/grafana/secrets"


def grafana_secret_path(secret: str, key: str) -> str:
    return f"{GRAFANA_SECRETS_DIR}/{secret}/{key}"


def grafana_secret_of(path: str) -> tuple[str, str] | None:
    """(secret, key) when `path` is a file of a Secret mounted into Grafana; else None."""
    return _secret_of(GRAFANA_SECRETS_DIR, path)


def _secret_of(directory: str, path: str) -> tuple[str, str] | None:
    prefix = directory + "/"
    if not path.startswith(prefix):
        return None
    parts = path[len(prefix):].split("/")
    if len(parts) != 2 or not all(parts):
        return None
    return parts[0], parts[1]


def markdown() -> str:
    """The hops as the docs' table (tests/render/otel/test_signal_path.py holds it current)."""
    rows = ["| hop | sets | how |", "| --- | --- | --- |"]
    rows += [f"| {hop.where} | {', '.join(f'`{n}`' for n in hop.sets)} | {hop.how} |" for hop in HOPS]
    return "\n".join(rows) + "\n"
