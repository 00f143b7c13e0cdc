"""The collectors' Kubernetes side: pod log files on the agent, metadata on the gateway.

The shape is the k8s_attributes README's agent + gateway deployment: the agent runs the processor in
passthrough mode (it records the sending pod's IP as k8s.pod.ip and calls no API), the gateway
extracts the metadata, finding the pod by that IP, or, for pod log files (which reach the agent by no
connection), by the k8s.pod.uid the container parser reads from the file's path. No `connection`
rule: at the gateway every connection is an agent's, and would label records with the agent's pod.
"""

from __future__ import annotations

from obsgen import collector, names, signal_path
from obsgen.plan.telemetry import TelemetryPlan

POD_LOGS = "/var/log/pods"  # /var/log/pods/<namespace>_<pod>_<uid>/<container>/<restart>.log
COLLECTOR_CONTAINER = "otc-container"  # the operator's name for the collector's container
# Records whose JSON body starts with `{` are parsed into attributes; trace_id / span_id keys become
# the record's trace context (Loki stores them as structured metadata, Grafana links them to Tempo).
_IS_JSON = 'body matches "^\\\\s*\\\\{"'


def own_logs(namespace: str) -> list[str]:
    """Globs of the collectors' own log files: collecting them would feed every export error back
    into the pipeline that failed."""
    return [f"{POD_LOGS}/{namespace}_{names.collector_service(name)}-*_*/{COLLECTOR_CONTAINER}/*.log"
            for name in (names.COLLECTOR_AGENT, names.COLLECTOR_GATEWAY)]


def filelog(plan: TelemetryPlan) -> dict:
    trace, span = signal_path.TRACE_ID, signal_path.SPAN_ID
    has_trace = f"attributes.{trace} != nil"
    return {
        "include": [f"{POD_LOGS}/*/*/*.log"],
        "exclude": own_logs(plan.namespace),
        "include_file_path": True,  # the container parser reads the pod's namespace, name and uid from it
        "include_file_name": False,
        "start_at": "end",
        "operators": [
            {"type": "container", "id": "container-parser"},
            {"type": "json_parser", "id": "json-body", "if": _IS_JSON, "parse_from": "body",
             "parse_to": "attributes", "on_error": "send_quiet"},
            {"type": "trace_parser", "id": "trace-context", "if": has_trace,
             "trace_id": {"parse_from": f"attributes.{trace}"}, "span_id": {"parse_from": f"attributes.{span}"},
             "on_error": "send_quiet"},
            # the ids now live in the record's trace context; kept as attributes too, Loki would store them twice
            {"type": "remove", "id": "trace-id-attribute", "if": has_trace, "field": f"attributes.{trace}"},
            {"type": "remove", "id": "span-id-attribute", "if": f"attributes.{span} != nil",
             "field": f"attributes.{span}"},
        ],
    }


def agent_k8s_attributes() -> dict:
    return {"passthrough": True}  # record the pod IP only; no Kubernetes API calls from every node


def gateway_k8s_attributes(plan: TelemetryPlan) -> dict:
    metadata = list(signal_path.K8S_METADATA)
    extract: dict = {"metadata": metadata}
    if plan.parsed_version >= collector.K8S_SERVICE_NAME_SINCE:
        # service.name by the semantic conventions' rule, for pod logs; an SDK's own value is kept
        metadata.append(signal_path.SERVICE_NAME)
    else:
        extract["labels"] = [{"tag_name": signal_path.SERVICE_NAME, "key": "app.kubernetes.io/name", "from": "pod"}]
    return {
        "auth_type": "serviceAccount",
        "extract": extract,
        "pod_association": [{"sources": [{"from": "resource_attribute", "name": attribute}]}
                            for attribute in signal_path.POD_ASSOCIATION],
    }


# What gateway_k8s_attributes reads from the API: pods and their namespaces, and replica sets for the
# deployment's name (the README's "Cluster-scoped RBAC").
RBAC_RULES = [
    {"apiGroups": [""], "resources": ["pods", "namespaces"], "verbs": ["get", "list", "watch"]},
    {"apiGroups": ["apps"], "resources": ["replicasets"], "verbs": ["get", "list", "watch"]},
]
