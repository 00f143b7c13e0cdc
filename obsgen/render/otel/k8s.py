"""OpenTelemetryCollector (v1beta1) and Instrumentation objects for the OpenTelemetry Operator."""

from __future__ import annotations

from obsgen import names
from obsgen.plan.telemetry import EnvironmentTelemetry, TelemetryPlan
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
    spec["config"] = config  # an object: v1beta1 rejects a string
    return {"apiVersion": "opentelemetry.io/v1beta1", "kind": "OpenTelemetryCollector",
            "metadata": {"name": name, "labels": dict(LABELS)}, "spec": spec}


def instrumentation_name(language: str) -> str:
    return f"obsgen-{language}"


def instrumentation(env: EnvironmentTelemetry, language: str) -> dict:
    """Apps annotated `instrumentation.opentelemetry.io/inject-<language>: obsgen-<language>` send
    OTLP/HTTP to the node's agent; sampling is the gateway's job, so the SDK keeps every span."""
    agent = names.collector_service(names.COLLECTOR_AGENT)
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
