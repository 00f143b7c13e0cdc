"""OpenTelemetryCollector (v1beta1) and Instrumentation objects for the OpenTelemetry Operator."""

from __future__ import annotations

from obsgen import names, signal_path
from obsgen.plan.telemetry import EnvironmentTelemetry, TelemetryPlan
from obsgen.render.otel import kube
from obsgen.render.otel.config import OTLP_HTTP_PORT

LABELS = {"app.kubernetes.io/managed-by": "obsgen", "app.kubernetes.io/part-of": "obsgen"}
MODES = {names.COLLECTOR_AGENT: "daemonset", names.COLLECTOR_GATEWAY: "deployment"}
GATEWAY_REPLICAS = 2
# memory_limiter's limit_percentage is a share of the container's memory limit: always set one.
RESOURCES = {
    "daemonset": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}},
    "deployment": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "2Gi"}},
}


def collector(plan: TelemetryPlan, name: str, config: dict) -> dict:
    spec = {"mode": MODES[name], "image": plan.image}
    if MODES[name] == "deployment":
        spec["replicas"] = GATEWAY_REPLICAS
    spec["resources"] = RESOURCES[MODES[name]]
    if name == names.COLLECTOR_GATEWAY:
        spec["serviceAccount"] = gateway_account()  # bound to the ClusterRole its k8s_attributes needs
    else:
        spec.update(_pod_logs())
    spec["config"] = config  # an object: v1beta1 rejects a string
    return {"apiVersion": "opentelemetry.io/v1beta1", "kind": "OpenTelemetryCollector",
            "metadata": {"name": name, "labels": dict(LABELS)}, "spec": spec}


def _pod_logs() -> dict:
    """The node's pod log files, read-only, for the agent's filelog receiver. They belong to root
    (mode 0640 or 0600): the collector image's own user cannot read them, so the agent runs as root,
    as the collector Helm chart's logsCollection preset does."""
    return {
        "securityContext": {"runAsUser": 0, "runAsGroup": 0},
        "volumes": [{"name": "varlogpods", "hostPath": {"path": kube.POD_LOGS}}],
        "volumeMounts": [{"name": "varlogpods", "mountPath": kube.POD_LOGS, "readOnly": True}],
    }


def gateway_account() -> str:
    return names.COLLECTOR_GATEWAY


def rbac(plan: TelemetryPlan) -> list[dict]:
    """ServiceAccount, ClusterRole and binding for the gateway's k8s_attributes. Cluster-scoped names
    carry the namespace: two obsgen installs in one cluster keep their own."""
    cluster_name = names.k8s_name(names.COLLECTOR_GATEWAY, plan.namespace)
    meta = {"labels": dict(LABELS)}
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": gateway_account(), **meta}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
         "metadata": {"name": cluster_name, **meta}, "rules": kube.RBAC_RULES},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": {"name": cluster_name, **meta},
         "subjects": [{"kind": "ServiceAccount", "name": gateway_account(), "namespace": plan.namespace}],
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": cluster_name}},
    ]


def instrumentation_name(language: str) -> str:
    return f"obsgen-{language}"


def instrumentation(plan: TelemetryPlan, env: EnvironmentTelemetry, language: str) -> dict:
    """Apps in any namespace annotated `instrumentation.opentelemetry.io/inject-<language>:
    "<namespace>/obsgen-<language>"` send OTLP/HTTP to the agent by its fully qualified name (a bare
    Service name resolves only inside the collectors' namespace); sampling is the gateway's job, so
    the SDK keeps every span."""
    agent = signal_path.service_fqdn(names.collector_service(names.COLLECTOR_AGENT), plan.namespace)
    return {
        "apiVersion": "opentelemetry.io/v1alpha1",
        "kind": "Instrumentation",
        "metadata": {"name": instrumentation_name(language), "labels": dict(LABELS)},
        "spec": {
            "exporter": {"endpoint": f"http://{agent}:{OTLP_HTTP_PORT}"},
            "propagators": ["tracecontext", "baggage"],
            "sampler": {"type": "parentbased_always_on"},
            "env": [{"name": "OTEL_EXPORTER_OTLP_PROTOCOL", "value": "http/protobuf"},
                    {"name": "OTEL_RESOURCE_ATTRIBUTES",
                     "value": f"{names.ENVIRONMENT_ATTRIBUTE}={env.name}"}],
        },
    }
