"""What the Grafana dashboards need beyond the SLO plans: datasources, uids, links, workloads."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from urllib.parse import urlsplit, urlunsplit

from obsgen import names
from obsgen.errors import Location
from obsgen.spec.models import PlatformSpec, Service

TEMPO_QUERY_PORT = 3200  # Tempo's HTTP API; the Platform's tempo endpoint is its OTLP ingest


@dataclass(frozen=True)
class Datasource:
    kind: str  # prometheus | loki | tempo (the Grafana plugin id)
    uid: str
    url: str
    # credentials (Platform grafana.credentials.<kind>): basic auth, or a bearer token; the secrets
    # are paths of files mounted into Grafana, never values
    username: str | None = None
    password_file: str | None = None
    token_file: str | None = None

    @property
    def secret_files(self) -> tuple[str, ...]:
        return tuple(f for f in (self.password_file, self.token_file) if f)

    @property
    def name(self) -> str:
        """The name it is provisioned under (Prometheus, Loki, Tempo)."""
        return self.kind.capitalize()

    @property
    def variable(self) -> str:
        """The dashboards' datasource variable for it: every panel reads `${<kind>}`."""
        return self.kind


@dataclass(frozen=True)
class Workloads:
    namespace: str
    workloads: tuple[str, ...]


@dataclass(frozen=True)
class ServiceDashboard:
    service: str
    uid: str
    team: str
    tier: int
    runbook_url: str
    otel_service: str  # service.name in spans, logs and span metrics
    span_metrics: bool  # the collector produces span metrics for it
    kubernetes: Workloads | None
    source: Location | None = None  # the service's `slos` in its spec: where a too-large dashboard is refused


@dataclass(frozen=True)
class TeamDashboard:
    team: str
    uid: str
    services: tuple[str, ...]
    source: Location | None = None  # the Team document, when there is one: named when its dashboard is too large


@dataclass(frozen=True)
class DashboardsPlan:
    grafana_url: str = "https://grafana.example.com"
    datasources: tuple[Datasource, ...] = ()
    environment_label: str = names.ENVIRONMENT
    # shared metrics mode: the series in the store carry the environment label, so Prometheus
    # queries can filter on it; per cluster they do not (an external label, added on the way out)
    shared_metrics: bool = False
    services: tuple[ServiceDashboard, ...] = ()
    teams: tuple[TeamDashboard, ...] = ()
    overview_uid: str = names.overview_dashboard_uid()

    def datasource(self, kind: str) -> Datasource:
        return next(d for d in self.datasources if d.kind == kind)

    def service(self, name: str) -> ServiceDashboard:
        return self._by_service[name]

    @cached_property  # a dict, not a scan: every dashboard looks services up (quadratic at 5,000)
    def _by_service(self) -> dict[str, ServiceDashboard]:
        return {s.service: s for s in self.services}

    def team(self, name: str) -> TeamDashboard:
        return next(t for t in self.teams if t.team == name)


def compile_dashboards(services: list[Service], platform: PlatformSpec,
                       sources: dict[str, Location] | None = None,
                       team_sources: dict[str, Location] | None = None) -> DashboardsPlan:
    """`sources`: service name -> where its SLOs are written; `team_sources`: team -> its document
    (for located errors)."""
    boards = tuple(_service(s, (sources or {}).get(s.metadata.name))
                   for s in sorted(services, key=lambda s: s.metadata.name))
    teams = sorted({b.team for b in boards})
    return DashboardsPlan(
        grafana_url=platform.grafana.url.rstrip("/"),
        datasources=_datasources(platform),
        environment_label=getattr(platform, "environment_label", None) or names.ENVIRONMENT,
        shared_metrics=platform.metrics.mode == "shared",
        services=boards,
        teams=tuple(TeamDashboard(t, names.team_dashboard_uid(t), tuple(b.service for b in boards if b.team == t),
                                  (team_sources or {}).get(t)) for t in teams),
    )


def _datasources(platform: PlatformSpec) -> tuple[Datasource, ...]:
    uids, urls = platform.grafana.datasources, platform.endpoints
    return (
        _credentials(Datasource("prometheus", uids.prometheus, urls.prometheus), platform),
        _credentials(Datasource("loki", uids.loki, urls.loki), platform),
        _credentials(Datasource("tempo", uids.tempo, urls.tempo_query or _with_port(urls.tempo, TEMPO_QUERY_PORT)),
                     platform),
    )


def _credentials(datasource: Datasource, platform: PlatformSpec) -> Datasource:
    given = getattr(platform.grafana.credentials, datasource.kind)
    if given is None:
        return datasource
    basic = given.basic_auth
    return replace(datasource, username=basic.username if basic else None,
                   password_file=basic.password_file if basic else None, token_file=given.bearer_token_file)


def _with_port(url: str, port: int) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    return urlunsplit(("http", f"{host}:{port}", "", "", ""))


def _service(service: Service, source: Location | None) -> ServiceDashboard:
    meta, spec = service.metadata, service.spec
    spans = [slo.sli.spans for slo in spec.slos if slo.sli.spans]
    otel_name = next((s.service_name for s in spans if s.service_name), meta.name)
    k8s = spec.kubernetes
    return ServiceDashboard(
        service=meta.name,
        uid=names.dashboard_uid(meta.name),
        team=meta.team,
        tier=meta.tier,
        runbook_url=meta.runbook or "",
        otel_service=otel_name,
        span_metrics=spec.telemetry.spanmetrics or bool(spans),
        kubernetes=Workloads(k8s.namespace, tuple(k8s.workloads)) if k8s else None,
        source=source,
    )
