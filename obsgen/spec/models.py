"""The obsgen/v1 spec as pydantic v2 models (docs/spec.md, docs/reference/spec.md). Unknown fields are errors."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, PrivateAttr, create_model, field_validator, model_validator

from obsgen import burnrate, calendar, durations, names
from obsgen.names import ENVIRONMENT_LABEL, RESERVED_LABELS, objective_text
from obsgen.spec import settings as registry
from obsgen.spec.fields import (
    LABEL_NAME,
    METRIC_NAME,
    Annotations,
    Dns1123,
    Duration,
    FilePath,
    Labels,
    Model,
    Name,
    PendingFor,
    Period,
    Url,
    Window,
    label_name,
    selector_label,
)
from obsgen.spec.k8s_fields import K8sLabels, Namespace
from obsgen.spec.settings import Settings
from obsgen.spec.yamlsrc import DEFAULT_LIMITS

API_VERSION = "obsgen/v1"
SPAN_KINDS = ("server", "client", "producer", "consumer", "internal")
INSTRUMENTATION_LANGUAGES = ("java", "python", "nodejs", "go", "dotnet")
MIN_BUDGET = 1e-10  # 1 - objective as a ratio: written with 10 significant digits, never 0


# --- SLIs -----------------------------------------------------------------------------------


class EventsSLI(Model):
    """Sloth-compatible: error and total event rates; {{window}} (or {{.window}}) is the range."""

    error_query: str
    total_query: str


class RawSLI(Model):
    """An error-ratio query; obsgen weights every 5m ratio equally (there is no event count)."""

    error_ratio_query: str


class LatencySLI(Model):
    """Classic histogram: good = <histogram>_bucket{le=threshold}, total = <histogram>_count."""

    histogram: str
    selector: dict[Annotated[str, AfterValidator(selector_label)], str] = {}  # key errors point at the key
    threshold: Duration

    @field_validator("histogram")
    @classmethod
    def _metric(cls, value: str) -> str:
        if not METRIC_NAME.match(value):
            raise ValueError(f"must be a metric name, got {value!r}")
        for suffix in ("_bucket", "_count", "_sum"):
            if value.endswith(suffix):
                raise ValueError(f"name the histogram without {suffix}, got {value!r}")
        return value


class SpansSLI(Model):
    """From the span metrics connector; a threshold makes it a latency SLI, else an error SLI."""

    span_name: str = Field(min_length=1)
    kind: Literal[SPAN_KINDS] = "server"  # type: ignore[valid-type]
    threshold: Duration | None = None
    service_name: str | None = None  # the OTel service.name, when it is not the service's name


class SLI(Model):
    events: EventsSLI | None = None
    raw: RawSLI | None = None
    latency: LatencySLI | None = None
    spans: SpansSLI | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> SLI:
        given = [k for k in ("events", "raw", "latency", "spans") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "needs exactly one of events, raw, latency, spans; got "
                + (", ".join(given) if given else "none")
            )
        return self

    @property
    def kind(self) -> str:
        return next(k for k in ("events", "raw", "latency", "spans") if getattr(self, k))


# --- Service --------------------------------------------------------------------------------


ALERT_STYLES = ("obsgen", "sloth")
# Labels obsgen sets on Sloth-style alerts itself (the rest of RESERVED_LABELS a Sloth user may set).
_SLOTH_STYLE_RESERVED = frozenset({names.ALERTNAME, "team", "tier"})


def _any_label_name(key: str) -> str:
    if not LABEL_NAME.match(key) or key.startswith("__"):
        raise ValueError(f"label name {key!r} is not a valid Prometheus label name")
    return key


class AlertExtras(Model):
    """Labels and annotations of one severity's alerts (Sloth's page_alert / ticket_alert)."""

    labels: dict[Annotated[str, AfterValidator(_any_label_name)], str] = {}
    annotations: Annotations = {}


class AlertWindowDef(Model):
    """One alert window pair of this SLO, replacing the period's catalog (Pyrra, OpenSLO)."""

    severity: Literal["page", "ticket"]
    long: Duration
    short: Duration
    factor: float = Field(gt=0)
    for_: PendingFor | None = Field(None, alias="for")

    @model_validator(mode="after")
    def _short_below_long(self) -> AlertWindowDef:
        if durations.seconds(self.short) >= durations.seconds(self.long):
            raise ValueError(f"short window {self.short} must be shorter than long window {self.long}")
        return self


class Alerting(Model):
    name: str | None = Field(None, pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$")
    page: bool | None = None  # default: true for tier 1-2
    ticket: bool = True
    for_: PendingFor | None = Field(None, alias="for")
    labels: Labels = {}
    annotations: Annotations = {}  # a summary, description, runbook_url or dashboard_url here wins
    style: Literal[ALERT_STYLES] | None = None  # type: ignore[valid-type]  # default: the Platform's
    page_alert: AlertExtras = AlertExtras()
    ticket_alert: AlertExtras = AlertExtras()
    windows: list[AlertWindowDef] = []

    @model_validator(mode="after")
    def _severity_labels(self) -> Alerting:
        """obsgen's own alerts set severity & co.; Sloth-style alerts carry the user's, as Sloth's do."""
        for which in ("page_alert", "ticket_alert"):
            for key in getattr(self, which).labels:
                sloth_ok = key not in _SLOTH_STYLE_RESERVED and not key.startswith("sloth_")
                if self.style == "sloth" and sloth_ok:
                    continue
                if key in RESERVED_LABELS or key.startswith("sloth_"):
                    hint = "" if self.style == "sloth" else " (style: sloth keeps Sloth's own labels)"
                    raise ValueError(f"{which}.labels: label {key!r} is set by obsgen and cannot be "
                                     f"overridden{hint}")
        return self


class CalendarSpec(Model):
    """A calendar-aligned period (docs/calendar.md): the budget since the start of this month or
    week in a time zone, recorded beside the rolling `period`, whose catalog gives the alerts' windows and
    budget shares: each alert consumes its share of the budget of the calendar period as it is."""

    unit: Literal["month", "week"]
    count: int = Field(1, ge=1, le=12, description="months or weeks per period (weeks: at most 4)")
    time_zone: str = Field("UTC", description="an IANA time zone, e.g. Europe/Berlin or Asia/Kolkata")
    start: str | None = Field(None, description="local anchor, a whole minute, e.g. '2024-01-01 00:00:00': "
                                                "months start on its day (29-31: the last day of a shorter "
                                                "month) and time, weeks on its weekday and time")

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        calendar.transitions(value)  # an unknown zone
        return value

    @field_validator("start")
    @classmethod
    def _start(cls, value: str | None, info) -> str | None:
        calendar.parse_anchor(value, info.data.get("unit", "month"))
        return value

    @model_validator(mode="after")
    def _valid(self) -> CalendarSpec:
        if self.unit == "week" and self.count > 4:
            raise ValueError(f"count: at most 4 weeks, got {self.count} (use months)")
        return self


class BudgetingSpec(Model):
    """How the budget is counted: occurrences (bad events over events), timeslices (bad slices
    over slices; a slice is good when its ratio of good events meets slice_target) or
    ratio_timeslices (the mean of the slices' error ratios: OpenSLO's RatioTimeslices)."""

    method: Literal["occurrences", "timeslices", "ratio_timeslices"] = "occurrences"
    slice: Duration = Field("1m", description="the length of a time slice: whole minutes, 1m to 1h")
    slice_target: float | None = Field(None, gt=0, lt=1,
                                       description="a slice is good when its good ratio is at least this")

    @field_validator("slice")
    @classmethod
    def _slice(cls, value: str) -> str:
        seconds = durations.seconds(value)
        if seconds % 60 or not 60 <= seconds <= 3600:
            raise ValueError(f"must be whole minutes from 1m to 1h (a slice is one evaluation of its rule "
                             f"group), got {value!r}")
        return value

    @model_validator(mode="after")
    def _valid(self) -> BudgetingSpec:
        if self.method == "timeslices" and self.slice_target is None:
            raise ValueError("slice_target: required with method timeslices (e.g. 0.95)")
        if self.method != "timeslices" and self.slice_target is not None:
            raise ValueError("slice_target: only with method timeslices (ratio_timeslices averages the "
                             "slices' ratios: no slice is good or bad)")
        return self


class SLO(Model):
    name: Name
    objective: float
    period: Period = "30d"
    calendar: CalendarSpec | None = None  # a calendar-aligned budget besides the rolling period
    budgeting: BudgetingSpec = BudgetingSpec()

    @model_validator(mode="after")
    def _calendar_period(self) -> SLO:
        """A calendar SLO without a period: the rolling period whose catalog its alerts take is the
        unit's nominal length (burnrate.nominal_period: 30d a month, 7d a week)."""
        if self.calendar is not None and "period" not in self.model_fields_set:
            days = burnrate.nominal_period(self.calendar.unit, self.calendar.count) // 86400
            object.__setattr__(self, "period", f"{days}d")
        return self
    description: str = ""
    runbook: Url | None = None
    labels: Labels = {}  # on this SLO's series and alerts, on top of the service's
    sli: SLI
    alerting: Alerting = Alerting()

    @field_validator("objective", mode="before")
    @classmethod
    def _objective_is_a_number(cls, value):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"must be a number such as 99.9, got {value!r}")
        return value

    @field_validator("objective")
    @classmethod
    def _objective(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError(f"must be a number between 0 and 100, got {objective_text(value)}")
        if value <= 0:
            raise ValueError(f"must be above 0, got {objective_text(value)}")
        if value < 1:  # a ratio, as OpenSLO's target is: no SLO promises less than 1%
            raise ValueError(f"did you mean {objective_text(round(value * 100, 10))}? objective is a percentage: "
                             f"{objective_text(value)} means {objective_text(value)}%")
        if value >= 100:
            raise ValueError(f"must be below 100, got {objective_text(value)}")
        if round(1 - value / 100, 12) < MIN_BUDGET:  # the budget divides every burn rate
            raise ValueError(f"must leave an error budget of at least {MIN_BUDGET:g} "
                             f"(at most {100 - MIN_BUDGET * 100:.8f}), got {objective_text(value)}")
        return value


class Sampling(Model):
    percent: float = Field(10, ge=0, le=100)
    keep_errors: bool = True
    slow: Duration | None = None
    per_environment: dict[str, Annotated[float, Field(ge=0, le=100)]] = {}


class Instrumentation(Model):
    """Auto-instrumentation by the OpenTelemetry Operator (an Instrumentation object per language)."""

    language: Literal[INSTRUMENTATION_LANGUAGES]  # type: ignore[valid-type]


class Telemetry(Model):
    spanmetrics: bool = False
    sampling: Sampling | None = None
    instrumentation: Instrumentation | None = None


class ServiceMetadata(Model):
    name: Name
    team: Name
    tier: Literal[1, 2, 3] = 2
    runbook: Url | None = None
    labels: Labels = {}


class ServiceKubernetes(Model):
    """Where the service runs: its dashboard gets a resources row (CPU, memory, throttling, restarts)."""

    namespace: Name
    workloads: list[Name] = Field(min_length=1)  # Deployment/StatefulSet names; pods are <workload>-...

    @field_validator("workloads")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        repeated = sorted({w for w in value if value.count(w) > 1})
        if repeated:
            raise ValueError(f"lists {', '.join(repeated)} more than once")
        return value


class ServiceSpec(Model):
    environments: list[Name] = ["production"]
    telemetry: Telemetry = Telemetry()
    slos: list[SLO] = []
    kubernetes: ServiceKubernetes | None = None


class Service(Model):
    apiVersion: Literal["obsgen/v1"]
    kind: Literal["Service"]
    metadata: ServiceMetadata
    spec: ServiceSpec
    # Set by the importers for a service read from a Sloth/OpenSLO/Pyrra file, never from YAML: what
    # Sloth would write for it (spec/importers: `Source`). None for obsgen/v1 files.
    _source: Any = PrivateAttr(default=None)


# --- Team -----------------------------------------------------------------------------------


class PagerDuty(Model):
    routing_key_file: FilePath


class Slack(Model):
    channel: str = Field(pattern=r"^[#@]?[a-z0-9._-]+$")
    api_url_file: FilePath


class Email(Model):
    to: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")


class Webhook(Model):
    url_file: FilePath  # Alertmanager 0.26+ (render/alertmanager/settings.py)


class Opsgenie(Model):
    api_key_file: FilePath


class TeamMetadata(Model):
    name: Name


class TeamSpec(Model):
    pagerduty: PagerDuty | None = None
    slack: Slack | None = None
    email: Email | None = None
    webhook: Webhook | None = None
    opsgenie: Opsgenie | None = None
    pages_without_pager: bool = Field(
        default=False,
        description="true: this team accepts that the pages of its services reach it without a pager (in its "
                    "chat, else by e-mail); without it, a paging service of a team with no pagerduty or opsgenie "
                    "is an error")


class Team(Model):
    apiVersion: Literal["obsgen/v1"]
    kind: Literal["Team"]
    metadata: TeamMetadata
    spec: TeamSpec = TeamSpec()


# --- Platform -------------------------------------------------------------------------------


class AlertWindowSpec(Model):
    budget_percent: float = Field(gt=0, le=100)
    long: Window
    short: Window


class AlertWindowPair(Model):
    quick: AlertWindowSpec
    slow: AlertWindowSpec


class AlertWindowCatalog(Model):
    """Sloth's AlertWindows: for one period, the windows and budget share of each alert."""

    period: Period
    page: AlertWindowPair
    ticket: AlertWindowPair


class Endpoints(Model):
    prometheus: Url = "http://prometheus:9090"
    loki: Url = "http://loki:3100"
    tempo: Url = "http://tempo:4317"
    alertmanager: Url = "http://alertmanager:9093"
    # Tempo's query API for Grafana; default: the tempo endpoint's host on port 3200.
    tempo_query: Url | None = None


class InputLimits(Model):
    """Bounds on every spec file, raised here for an unusually large input (never lowered);
    the Platform's own file is read with the defaults."""

    file_bytes: int = Field(DEFAULT_LIMITS.file_bytes, ge=DEFAULT_LIMITS.file_bytes, le=1024**3)
    documents: int = Field(DEFAULT_LIMITS.documents, ge=DEFAULT_LIMITS.documents, le=1_000_000)
    nodes: int = Field(DEFAULT_LIMITS.nodes, ge=DEFAULT_LIMITS.nodes, le=100_000_000)
    depth: int = Field(DEFAULT_LIMITS.depth, ge=DEFAULT_LIMITS.depth, le=500)


class SecretStoreRef(Model):
    name: Dns1123
    kind: Literal["SecretStore", "ClusterSecretStore"] = "ClusterSecretStore"


class ExternalSecrets(Model):
    """External Secrets Operator: one ExternalSecret per Secret the Alertmanager config reads a file
    from (`/etc/alertmanager/secrets/<secret>/<key>`) or a Grafana datasource's credentials come from
    (`/etc/grafana/secrets/<secret>/<key>`), each key fetched as `property: <key>` of the remote
    secret `remote_keys[<secret>]` (default: the Secret's own name)."""

    store: SecretStoreRef
    refresh_interval: Duration = "1h"
    remote_keys: dict[Dns1123, Annotated[str, Field(min_length=1)]] = {}


class PlatformKubernetes(Model):
    """The k8s/ tree: the namespace its kustomizations put every object in, and labels added to
    every object (e.g. `release: kube-prometheus-stack` for the operator's rule selector)."""

    namespace: Namespace = "monitoring"
    labels: K8sLabels = {}
    external_secrets: ExternalSecrets | None = None


class PlatformMetadata(Model):
    name: Name = "platform"


class PlatformCore(Model):
    """The Platform's own fields, the ones no single backend owns: environments, the alert window
    catalogs and style every rule reads, the endpoints and the k8s tree several backends share.
    PlatformSpec is these and every backend's settings (BUILTIN_SETTINGS, then those registered)."""

    default_team: Name | None = None  # owner of imported specs that name none (else alertmanager's)
    alert_style: Literal[ALERT_STYLES] = "obsgen"  # type: ignore[valid-type]
    environments: list[Name] = ["dev", "staging", "production"]
    endpoints: Endpoints = Endpoints()
    alert_windows: list[AlertWindowCatalog] = []
    limits: InputLimits = InputLimits()
    environment_label: Annotated[str, AfterValidator(label_name)] = ENVIRONMENT_LABEL
    kubernetes: PlatformKubernetes = PlatformKubernetes()


def registered_settings() -> tuple[Settings, ...]:
    """The settings of every backend: the built-in ones, then those registered from outside."""
    return BUILTIN_SETTINGS + registry.registered()


def register_settings(settings: Settings) -> None:
    """A backend from outside obsgen brings its settings (obsgen/backends.register calls this)."""
    registry.register(settings, tuple(_platform_models(BUILTIN_SETTINGS)[0].model_fields))


# The order of the Platform's fields in the schema and the spec reference (docs/reference/spec.md),
# as they were written before the settings moved; a field not named here comes after these.
FIELD_ORDER = ("default_team", "alert_style", "environments", "collector", "endpoints", "grafana", "alert_windows",
               "limits", "environment_label", "alertmanager", "kubernetes", "metrics")


def _ranked(settings: tuple[Settings, ...]) -> tuple[Settings, ...]:
    """In FIELD_ORDER (their checks run in this order, so errors come in the order they always did)."""
    rank = {key: i for i, key in enumerate(FIELD_ORDER)}
    return tuple(sorted(settings, key=lambda s: rank.get(s.field, len(rank))))


# Each built-in backend's settings (its folder's settings.py): `spec.<field>` of the Platform document.
BUILTIN_SETTINGS: tuple[Settings, ...] = _ranked(registry.builtin())


def _compose(name: str, base_fields: dict, settings: Iterable[Settings]) -> type[Model]:
    fields = {key: (info.annotation, info) for key, info in base_fields.items()}
    fields |= {s.field: (s.model, s.default()) for s in settings}
    rank = {key: i for i, key in enumerate(FIELD_ORDER)}
    ordered = dict(sorted(fields.items(), key=lambda item: rank.get(item[0], len(rank))))
    return create_model(name, __base__=Model, __module__=__name__, **ordered)


_COMPOSED: dict[tuple[Settings, ...], tuple[type[Model], type[Model]]] = {}


def _platform_models(settings: tuple[Settings, ...]) -> tuple[type[Model], type[Model]]:
    """(PlatformSpec, Platform) for these settings, made once for each set."""
    if settings not in _COMPOSED:
        spec = _compose("PlatformSpec", PlatformCore.model_fields, settings)
        platform = create_model("Platform", __base__=Model, __module__=__name__,
                                apiVersion=(Literal["obsgen/v1"], ...), kind=(Literal["Platform"], ...),
                                metadata=(PlatformMetadata, PlatformMetadata()), spec=(spec, spec()))
        _COMPOSED[settings] = spec, platform
    return _COMPOSED[settings]


def kinds() -> dict[str, type[Model]]:
    """kind -> model of every document kind, the Platform's with the registered backends' settings."""
    return {"Service": Service, "Team": Team, "Platform": _platform_models(registered_settings())[1]}


PlatformSpec, Platform = _platform_models(BUILTIN_SETTINGS)
KINDS = kinds()  # the built-in backends' kinds; spec/load reads kinds(), which sees registered ones
