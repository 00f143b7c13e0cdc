"""Telemetry plan: what each environment's collectors need from the specs (sampling per service,
span metric buckets, instrumented languages, endpoints, the pinned collector)."""

from __future__ import annotations

from dataclasses import dataclass

from obsgen import collector, durations
from obsgen.spec.load import Specs
from obsgen.spec.models import PlatformSpec, Sampling, Service

# Default explicit buckets (seconds): the usual web latency ladder. Every spans SLI threshold is
# added, so that `le="<threshold>"` exists and the SLI counts exactly, not by interpolation.
DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class ServiceSampling:
    """One service's tail sampling: applies to traces holding a span of one of its service.names."""

    service: str
    service_names: tuple[str, ...]  # OTel service.name values (the service's name + SLI overrides)
    percent: float
    keep_errors: bool
    slow_ms: int | None


@dataclass(frozen=True)
class EnvironmentTelemetry:
    name: str
    services: tuple[str, ...]  # services running in this environment
    span_metrics: bool  # some service here asks for span metrics (or has a spans SLI)
    sampling: tuple[ServiceSampling, ...]  # services with a sampling block, sorted by name
    default_sampling: ServiceSampling  # every other trace
    languages: tuple[str, ...]  # auto-instrumented languages here


@dataclass(frozen=True)
class TelemetryPlan:
    version: str
    distribution: str
    components: tuple[tuple[str, str], ...]  # obsgen component key -> type name at this version
    image: str
    prometheus: str
    loki: str
    tempo: str
    span_buckets: tuple[float, ...]  # seconds, ascending
    span_thresholds: tuple[float, ...]  # every spans SLI latency threshold, seconds
    redact_attributes: tuple[str, ...]
    environments: tuple[EnvironmentTelemetry, ...]
    namespace: str = "monitoring"  # where the collectors and Instrumentation objects live
    # shared metrics mode: the label every series the gateways write carries (one store, many
    # environments); None per cluster, where the store is the cluster's own
    environment_label: str | None = None

    @property
    def parsed_version(self) -> collector.Version:
        return collector.parse_version(self.version)

    def type(self, key: str) -> str:
        return dict(self.components)[key]


def compile_telemetry(specs: Specs) -> TelemetryPlan:
    platform = specs.platform.model.spec if specs.platform else PlatformSpec()
    services = sorted((s.model for s in specs.services), key=lambda s: s.metadata.name)
    version = collector.parse_version(platform.collector.version)
    thresholds = sorted({durations.seconds(t) for s in services for t in _span_thresholds(s)})
    return TelemetryPlan(
        version=platform.collector.version,
        distribution=platform.collector.distribution,
        components=tuple(sorted(collector.names(version).items())),
        image=f"{collector.IMAGES[platform.collector.distribution]}:{platform.collector.version}",
        prometheus=platform.endpoints.prometheus.rstrip("/"),
        loki=platform.endpoints.loki.rstrip("/"),
        tempo=platform.endpoints.tempo.rstrip("/"),
        span_buckets=tuple(sorted(set(DEFAULT_BUCKETS) | set(thresholds))),
        span_thresholds=tuple(thresholds),
        redact_attributes=tuple(sorted(set(platform.collector.redact_attributes))),
        environments=tuple(_environment(env, services) for env in platform.environments),
        namespace=platform.kubernetes.namespace,
        environment_label=platform.environment_label if platform.metrics.mode == "shared" else None,
    )


def _span_thresholds(service: Service) -> list[str]:
    return [slo.sli.spans.threshold for slo in service.spec.slos if slo.sli.spans and slo.sli.spans.threshold]


def _service_names(service: Service) -> tuple[str, ...]:
    overrides = {slo.sli.spans.service_name for slo in service.spec.slos if slo.sli.spans}
    return tuple(sorted(({service.metadata.name} | overrides) - {None}))


def _wants_span_metrics(service: Service) -> bool:
    return service.spec.telemetry.spanmetrics or any(slo.sli.spans for slo in service.spec.slos)


def _sampling(service: Service, env: str) -> ServiceSampling:
    spec = service.spec.telemetry.sampling or Sampling()
    return ServiceSampling(
        service=service.metadata.name,
        service_names=_service_names(service),
        percent=spec.per_environment.get(env, spec.percent),
        keep_errors=spec.keep_errors,
        slow_ms=int(durations.seconds(spec.slow) * 1000) if spec.slow else None,
    )


def _environment(env: str, services: list[Service]) -> EnvironmentTelemetry:
    here = [s for s in services if env in s.spec.environments]
    default = Sampling()
    return EnvironmentTelemetry(
        name=env,
        services=tuple(s.metadata.name for s in here),
        span_metrics=any(_wants_span_metrics(s) for s in here),
        sampling=tuple(_sampling(s, env) for s in here if s.spec.telemetry.sampling),
        default_sampling=ServiceSampling("", (), default.percent, default.keep_errors, None),
        languages=tuple(sorted({s.spec.telemetry.instrumentation.language for s in here
                                if s.spec.telemetry.instrumentation})),
    )
