"""Facts about the OpenTelemetry Collector that obsgen's configs and its validator both rely on:
component type names per collector version and which distribution ships which component.

Sources (see docs/outputs/otel-collector.md):
- renames: the collector's changelogs. The `otlp`/`otlphttp` exporters became `otlp_grpc`/`otlp_http` in
  v0.144; `k8sattributes`, `spanmetrics`, `prometheusremotewrite`, `loadbalancing` got snake_case names
  by v0.155 (k8s_attributes landed in contrib PR #45901, 2026-02-05). Old names still load, with a
  deprecation warning, up to v0.159; new names fail on collectors older than the rename. So the table
  switches each name at the first version known to have it, which is correct for every version.
- distributions: opentelemetry-collector-releases `distributions/<dist>/manifest.yaml` at each tag.
"""

from __future__ import annotations

import re

Version = tuple[int, int, int]

MIN_VERSION: Version = (0, 120, 0)  # OTTL path prefixes (span.attributes) and telemetry readers
DEFAULT_VERSION = "0.159.0"

# Component key -> (kind, legacy type, current type, version the current type was introduced).
# Keys are obsgen's own words for a component; only these tables hold the collector's type names.
COMPONENTS: dict[str, tuple[str, str, str, Version]] = {
    "otlp_receiver": ("receivers", "otlp", "otlp", (0, 0, 0)),
    "filelog": ("receivers", "filelog", "filelog", (0, 0, 0)),
    "memory_limiter": ("processors", "memory_limiter", "memory_limiter", (0, 0, 0)),
    "batch": ("processors", "batch", "batch", (0, 0, 0)),
    "resource": ("processors", "resource", "resource", (0, 0, 0)),
    "transform": ("processors", "transform", "transform", (0, 0, 0)),
    "tail_sampling": ("processors", "tail_sampling", "tail_sampling", (0, 0, 0)),
    "k8s_attributes": ("processors", "k8sattributes", "k8s_attributes", (0, 155, 0)),
    "otlp_grpc": ("exporters", "otlp", "otlp_grpc", (0, 144, 0)),
    "otlp_http": ("exporters", "otlphttp", "otlp_http", (0, 144, 0)),
    "prometheus_remote_write": ("exporters", "prometheusremotewrite", "prometheus_remote_write", (0, 155, 0)),
    "load_balancing": ("exporters", "loadbalancing", "load_balancing", (0, 155, 0)),
    "span_metrics": ("connectors", "spanmetrics", "span_metrics", (0, 155, 0)),
    "forward": ("connectors", "forward", "forward", (0, 0, 0)),
    "health_check": ("extensions", "health_check", "health_check", (0, 0, 0)),
    "pprof": ("extensions", "pprof", "pprof", (0, 0, 0)),
    "zpages": ("extensions", "zpages", "zpages", (0, 0, 0)),
}

# Which distribution ships which component (by key), from the releases repository's manifests;
# every entry holds from MIN_VERSION to v0.159.0 (k8s exists since v0.98; span metrics in contrib
# since v0.74, filelog in k8s since its first release). The k8s distribution lacks
# prometheus_remote_write; core lacks the rest of contrib.
_CORE = frozenset({"otlp_receiver", "memory_limiter", "batch", "resource", "otlp_grpc", "otlp_http",
                   "prometheus_remote_write", "forward", "health_check", "pprof", "zpages"})
DISTRIBUTIONS: dict[str, frozenset[str]] = {
    "core": _CORE,
    "k8s": frozenset(COMPONENTS) - {"prometheus_remote_write"},
    "contrib": frozenset(COMPONENTS),
}
IMAGES = {
    "core": "otel/opentelemetry-collector",
    "k8s": "otel/opentelemetry-collector-k8s",
    "contrib": "otel/opentelemetry-collector-contrib",
}
BINARIES = {"core": "otelcol", "k8s": "otelcol-k8s", "contrib": "otelcol-contrib"}

# What the agent and gateway configs need from a distribution, whatever the specs say (span
# metrics and the metrics exporter aside): pod logs (filelog), Kubernetes metadata (k8s_attributes),
# whole traces per gateway replica (load_balancing), sampling, redaction (transform).
PLATFORM_NEEDS = frozenset({"otlp_receiver", "filelog", "memory_limiter", "batch", "resource", "transform",
                            "tail_sampling", "k8s_attributes", "otlp_grpc", "otlp_http", "load_balancing",
                            "forward", "health_check", "pprof", "zpages"})
SPAN_METRICS_NEEDS = frozenset({"span_metrics"})
# k8s_attributes' `service.name` metadata (the semantic conventions' rule: annotation, well-known
# labels, then the workload's name) exists from this release on; older ones get it from the
# app.kubernetes.io/name label only.
K8S_SERVICE_NAME_SINCE: Version = (0, 127, 0)


def metrics_exporter(distribution: str) -> str:
    """The gateway's metrics exporter: remote write where the distribution ships it, else OTLP/HTTP
    into Prometheus' own OTLP receiver (same series names; Prometheus needs --web.enable-otlp-receiver)."""
    return "prometheus_remote_write" if "prometheus_remote_write" in DISTRIBUTIONS[distribution] else "otlp_http"


def lacking(distribution: str, span_metrics: bool = True) -> list[str]:
    """Component keys the platform needs that `distribution` does not ship (none for contrib, k8s)."""
    needs = PLATFORM_NEEDS | (SPAN_METRICS_NEEDS if span_metrics else frozenset())
    return sorted(needs - DISTRIBUTIONS[distribution])


def has_distribution_with(keys) -> list[str]:
    """The distributions that ship every one of `keys`."""
    return [d for d, shipped in DISTRIBUTIONS.items() if set(keys) <= shipped]

_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


def parse_version(text: str) -> Version:
    match = _VERSION.match(text)
    if not match:
        raise ValueError(f"must be a collector release such as 0.159.0, got {text!r}")
    major, minor, patch = (int(g) for g in match.groups())
    return (major, minor, patch)


def type_name(key: str, version: Version) -> str:
    """The component type the collector at `version` knows `key` by."""
    _, legacy, current, since = COMPONENTS[key]
    return current if version >= since else legacy


def names(version: Version) -> dict[str, str]:
    """Every component key -> its type name at this version: the one table renderers read."""
    return {key: type_name(key, version) for key in COMPONENTS}


def lookup(kind: str, type_: str, version: Version) -> tuple[str | None, str]:
    """(component key, problem) for a type found in a config's `kind` section at `version`.

    The problem is empty when the type is right for that version; a legacy alias on a collector
    that has the new name, or a new name on a collector that predates it, is named as such.
    """
    for key, (k, legacy, current, since) in COMPONENTS.items():
        if k != kind or type_ not in (legacy, current):
            continue
        if type_ == type_name(key, version):
            return key, ""
        if type_ == legacy:
            return key, f"{type_!r} is a deprecated alias since v{_show(since)}: use {current!r}"
        return key, f"{type_!r} does not exist before v{_show(since)}: this collector knows it as {legacy!r}"
    return None, f"unknown {kind[:-1]} type {type_!r}"


def _show(version: Version) -> str:
    return ".".join(str(v) for v in version)
