"""Plan objects. Renderers read only these, never the raw spec."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from obsgen import durations, names
from obsgen.burnrate import AlertWindow
from obsgen.calendar import Calendar
from obsgen.plan.dashboards import DashboardsPlan
from obsgen.plan.environments import MetricsPlan
from obsgen.plan.kubernetes import KubernetesPlan
from obsgen.plan.routing import RoutingPlan
from obsgen.plan.telemetry import TelemetryPlan
from obsgen.spec.policy import EnvironmentScope


@dataclass(frozen=True)
class FixtureSeries:
    """A synthetic counter for promtool tests: it grows by bad*errors + good*successes a minute."""

    series: str  # metric{labels} in promtool's notation
    bad: int
    good: int


@dataclass(frozen=True)
class SLIQueries:
    kind: str  # events | raw | latency | spans
    error: str  # PromQL template with {{window}}: errors per second (raw: the error ratio)
    total: str | None  # events per second; None for raw, which has no event count
    fixture: tuple[FixtureSeries, ...] | None  # None when obsgen cannot synthesize test input
    fixture_note: str = ""


@dataclass(frozen=True)
class AlertPlan:
    name: str
    window: AlertWindow
    for_seconds: int
    labels: tuple[tuple[str, str], ...]
    annotations: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Slices:
    """Timeslice budgeting: a slice of `seconds` is good when its good ratio is at least `target`;
    with `ratio` (OpenSLO's RatioTimeslices) each slice counts its good ratio, and `target` is None."""

    seconds: int
    target: float | None
    ratio: bool = False


@dataclass(frozen=True)
class SLOPlan:
    service: str
    name: str
    id: str
    team: str
    tier: int
    objective_percent: float
    budget: float  # 1 - objective, as a ratio
    period: int  # seconds
    windows: tuple[int, ...]  # every window of the SLI group, 5m first; the period only if an alert reads it
    catalog: tuple[AlertWindow, ...]  # every alert window pair of the period's catalog
    sli: SLIQueries
    labels: tuple[tuple[str, str], ...]  # on every recorded series: sloth_* plus metadata labels
    alerts: tuple[AlertPlan, ...]
    description: str
    runbook_url: str
    dashboard_url: str
    alert_style: str = "obsgen"  # or "sloth": Sloth's two alerts per SLO (render/sloth_alerts.py)
    sloth_info: tuple[str, str] = names.SLOTH_INFO_OBSGEN  # sloth_slo_info's sloth_spec and sloth_mode
    environment: EnvironmentScope | None = None  # shared metrics mode (plan/environments.py)
    alert_dashboard_url: str = ""  # Prometheus template text: dashboard_url set to the alert's environment
    period_text: str = ""  # the period as the spec writes it (28d), for people; rules say 4w as Prometheus does
    calendar: Calendar | None = None  # a calendar-aligned budget (render/calendar_rules.py)
    slices: Slices | None = None  # timeslice budgeting; None: occurrences

    @property
    def period_label(self) -> str:
        """The period for people, as the spec writes it (Prometheus would print 28d as 4w)."""
        return self.period_text or durations.format_seconds(self.period)

    @property
    def objective(self) -> float:
        return round(self.objective_percent / 100, 12)

    def selector(self) -> dict[str, str]:
        """The matcher that picks this SLO's recorded series and nothing else."""
        return {names.SLOTH_ID: self.id}


@dataclass(frozen=True)
class ServicePlan:
    name: str
    team: str
    tier: int
    environments: tuple[str, ...]
    slos: tuple[SLOPlan, ...]


@dataclass(frozen=True)
class Plan:
    services: tuple[ServicePlan, ...]
    grafana_url: str
    telemetry: TelemetryPlan | None = None  # OpenTelemetry Collector configs (plan/telemetry.py)
    routing: RoutingPlan | None = None  # Alertmanager: teams, receivers, environments
    dashboards: DashboardsPlan = field(default_factory=DashboardsPlan)
    kubernetes: KubernetesPlan = field(default_factory=KubernetesPlan)
    metrics: MetricsPlan = field(default_factory=MetricsPlan)  # per-cluster or shared; ruler layouts
    # (field, value) of the settings of each backend registered from outside obsgen (built-in
    # backends read plans of their own above): what the Platform document gave, else the defaults.
    settings: tuple[tuple[str, Any], ...] = ()

    def setting(self, name: str) -> Any:
        """A registered backend's settings, by its Platform field."""
        return dict(self.settings)[name]
