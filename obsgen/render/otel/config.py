"""The agent (DaemonSet) and gateway (Deployment) collector configs of one environment, as dicts.

The collector expands `${env:NAME}` and `${NAME}` in every string of its config at start-up, and
reads `$$` as a literal `$`. obsgen writes no reference of its own, so every `$` (in endpoints,
attribute keys, service names, its own regular expressions) is written `$$` (`literal_dollars`).

Component type names come from the plan (collector.py's table for the pinned version); every
component body is a mapping, never null (the operator drops null bodies, operator #3543).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from obsgen import collector, names
from obsgen.plan.telemetry import EnvironmentTelemetry, TelemetryPlan
from obsgen.render.otel import kube, ottl, sampling

OTLP_GRPC_PORT = 4317
OTLP_HTTP_PORT = 4318
HEALTH_PORT = 13133
TELEMETRY_PORT = 8888

MEMORY_LIMITER = {"check_interval": "1s", "limit_percentage": 80, "spike_limit_percentage": 20}
BATCH = {"send_batch_size": 8192, "send_batch_max_size": 10000, "timeout": "200ms"}
SIGNALS = ("traces", "metrics", "logs")


class Ids:
    """Component IDs (`type[/name]`) for one plan: the type from the version's table."""

    def __init__(self, plan: TelemetryPlan):
        self.plan = plan

    def __call__(self, key: str, name: str = "") -> str:
        type_ = self.plan.type(key)
        return f"{type_}/{name}" if name else type_


def _otlp_receiver() -> dict:
    return {"protocols": {"grpc": {"endpoint": f"0.0.0.0:{OTLP_GRPC_PORT}"},
                          "http": {"endpoint": f"0.0.0.0:{OTLP_HTTP_PORT}"}}}


def _grpc_client(url: str) -> dict:
    """An OTLP gRPC client for `scheme://host:port`: plain text exactly when the scheme is http."""
    parts = urlsplit(url)
    return {"endpoint": parts.netloc, "tls": {"insecure": parts.scheme == "http"}}


def _telemetry() -> dict:
    reader = {"pull": {"exporter": {"prometheus": {"host": "0.0.0.0", "port": TELEMETRY_PORT}}}}
    return {"metrics": {"level": "detailed", "readers": [reader]}}


def _pipeline(receivers: list[str], processors: list[str], exporters: list[str]) -> dict:
    return {"receivers": receivers, "processors": processors, "exporters": exporters}


def agent(plan: TelemetryPlan, env: EnvironmentTelemetry) -> dict:
    return literal_dollars(_agent(plan, env))


def gateway(plan: TelemetryPlan, env: EnvironmentTelemetry) -> dict:
    return literal_dollars(_gateway(plan, env))


def literal_dollars(value):
    """The config with every `$` of every key and string written `$$`: the collector reads it back
    as exactly the text obsgen meant, never as an environment reference."""
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, dict):
        return {literal_dollars(k): literal_dollars(v) for k, v in value.items()}
    if isinstance(value, list):
        return [literal_dollars(v) for v in value]
    return value


def _agent(plan: TelemetryPlan, env: EnvironmentTelemetry) -> dict:
    id_ = Ids(plan)
    otlp, files, gateway = id_("otlp_receiver"), id_("filelog"), id_("otlp_grpc", "gateway")
    processors = [id_("memory_limiter"), id_("k8s_attributes"), id_("resource"), id_("batch")]
    resource = {"attributes": [{"key": names.ENVIRONMENT_ATTRIBUTE, "value": env.name, "action": "upsert"}]}
    headless = names.collector_service(names.COLLECTOR_GATEWAY, headless=True)
    return {
        "receivers": {otlp: _otlp_receiver(), files: kube.filelog(plan)},
        "processors": {
            id_("memory_limiter"): dict(MEMORY_LIMITER),
            id_("k8s_attributes"): kube.agent_k8s_attributes(),
            id_("resource"): resource,
            id_("batch"): dict(BATCH),
        },
        "exporters": {
            # every span of a trace to the same gateway replica, so tail sampling sees whole traces
            id_("load_balancing"): {
                "routing_key": "traceID",
                "protocol": {"otlp": {"tls": {"insecure": True}}},
                # port is a string in the resolver's config (the collector decodes strictly typed)
                "resolver": {"dns": {"hostname": headless, "port": str(OTLP_GRPC_PORT)}},
            },
            # metrics and logs: spread over every gateway replica (one ClusterIP connection would pin one)
            gateway: {"endpoint": f"dns:///{headless}:{OTLP_GRPC_PORT}", "balancer_name": "round_robin",
                      "tls": {"insecure": True}},
        },
        "extensions": {id_("health_check"): {"endpoint": f"0.0.0.0:{HEALTH_PORT}"}},
        "service": {
            "extensions": [id_("health_check")],
            "pipelines": {
                "traces": _pipeline([otlp], processors, [id_("load_balancing")]),
                "metrics": _pipeline([otlp], processors, [gateway]),
                "logs": _pipeline([otlp, files], processors, [gateway]),
            },
            "telemetry": _telemetry(),
        },
    }


def span_metrics(plan: TelemetryPlan) -> dict:
    return {
        "namespace": names.SPAN_METRICS_NAMESPACE,
        "histogram": {"unit": names.SPAN_METRICS_UNIT,
                      "explicit": {"buckets": [go_duration(b) for b in plan.span_buckets]}},
        "exemplars": {"enabled": True},
        "aggregation_temporality": "AGGREGATION_TEMPORALITY_CUMULATIVE",
        "aggregation_cardinality_limit": 10000,
        "metrics_flush_interval": "15s",
        "metrics_expiration": "5m",
    }


def go_duration(seconds: float) -> str:
    """Seconds as a Go duration: whole seconds as `1s`, else milliseconds, else microseconds."""
    micros = round(seconds * 1_000_000)
    if micros % 1_000_000 == 0:
        return f"{micros // 1_000_000}s"
    if micros % 1000 == 0:
        return f"{micros // 1000}ms"
    return f"{micros}us"


def _transform(plan: TelemetryPlan) -> dict:
    return {"error_mode": "ignore",
            "trace_statements": ottl.redactions("span", plan.redact_attributes),
            "log_statements": ottl.redactions("log", plan.redact_attributes)}


def _tail_sampling(env: EnvironmentTelemetry) -> dict:
    return {"decision_wait": "10s", "num_traces": 100000, "expected_new_traces_per_sec": 1000,
            "decision_cache": {"sampled_cache_size": 100000}, "policies": sampling.policies(env)}


def _environment_label(plan: TelemetryPlan, env: EnvironmentTelemetry) -> dict:
    """Shared metrics mode: every data point this environment's gateway writes labelled with the
    environment, as the rules and dashboards select it (`signal_path`: the Prometheus exporters make
    a data point attribute a label; resource attributes would only reach target_info)."""
    target = f"datapoint.attributes[{ottl.string(plan.environment_label)}]"
    return {"error_mode": "ignore", "metric_statements": [f"set({target}, {ottl.string(env.name)})"]}


def _metrics_exporter(plan: TelemetryPlan, id_: Ids) -> tuple[str, dict]:
    """Remote write where the distribution ships it; else OTLP/HTTP into Prometheus' own OTLP
    receiver (the exporter appends /v1/metrics), which names the series the same way."""
    if collector.metrics_exporter(plan.distribution) == "prometheus_remote_write":
        return id_("prometheus_remote_write"), {"endpoint": f"{plan.prometheus}/api/v1/write"}
    return id_("otlp_http", "prometheus"), {"endpoint": f"{plan.prometheus}/api/v1/otlp"}


def _gateway(plan: TelemetryPlan, env: EnvironmentTelemetry) -> dict:
    id_ = Ids(plan)
    otlp, limiter, batch, redact = id_("otlp_receiver"), id_("memory_limiter"), id_("batch"), id_("transform", "redact")
    tempo, loki = id_("otlp_grpc", "tempo"), id_("otlp_http", "loki")
    prom, prom_body = _metrics_exporter(plan, id_)
    k8s = id_("k8s_attributes")
    forward, spans = id_("forward", "sampling"), id_("span_metrics")
    extensions = [id_("health_check"), id_("pprof"), id_("zpages")]
    labels = {id_("transform", "environment"): _environment_label(plan, env)} if plan.environment_label else {}
    # span metrics see every span: they feed off the first traces pipeline, before sampling
    traces_out = [spans, forward] if env.span_metrics else [forward]
    connectors = {spans: span_metrics(plan)} if env.span_metrics else {}
    return {
        "receivers": {otlp: _otlp_receiver()},
        "processors": {limiter: dict(MEMORY_LIMITER), k8s: kube.gateway_k8s_attributes(plan), redact: _transform(plan),
                       **labels, id_("tail_sampling"): _tail_sampling(env), batch: dict(BATCH)},
        "exporters": {
            tempo: _grpc_client(plan.tempo),
            prom: prom_body,
            loki: {"endpoint": f"{plan.loki}/otlp"},  # Loki 3 native OTLP; the exporter adds /v1/logs
        },
        "connectors": {**connectors, forward: {}},
        "extensions": {
            id_("health_check"): {"endpoint": f"0.0.0.0:{HEALTH_PORT}"},
            id_("pprof"): {"endpoint": "localhost:1777"},
            id_("zpages"): {"endpoint": "localhost:55679"},
        },
        "service": {
            "extensions": extensions,
            "pipelines": {
                # k8s_attributes before batching and sampling, as it must be (and so span metrics have it)
                "traces": _pipeline([otlp], [limiter, k8s, redact, batch], traces_out),
                "traces/sampling": _pipeline([forward], [limiter, id_("tail_sampling"), batch], [tempo]),
                "metrics": _pipeline([otlp, spans] if env.span_metrics else [otlp], [limiter, k8s, *labels, batch],
                                     [prom]),
                "logs": _pipeline([otlp], [limiter, k8s, redact, batch], [loki]),
            },
            "telemetry": _telemetry(),
        },
    }
