"""The obsgen/v1 spec as pydantic v2 models (DESIGN.md §3). Unknown fields are errors."""

from __future__ import annotations

import math
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from obsgen import durations
from obsgen.names import LABEL_NAME_PATTERN, NAME_PATTERN, RESERVED_LABELS, is_name
from obsgen.spec.k8s_fields import K8sLabels, Namespace

API_VERSION = "obsgen/v1"
SPAN_KINDS = ("server", "client", "producer", "consumer", "internal")
_LABEL_NAME = re.compile(LABEL_NAME_PATTERN)
_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_URL = re.compile(r"^https?://[^\s]+$")


def _name(value: str) -> str:
    if not is_name(value):
        raise ValueError(
            f"must be a label-safe name ({NAME_PATTERN}: lower case, digits, dashes), got {value!r}"
        )
    return value


def _duration(value: str) -> str:
    durations.parse(value)
    return value


def _days(value: str) -> str:
    seconds = durations.seconds(value)
    if seconds < 86400 or seconds % 86400:
        raise ValueError(f"must be a whole number of days, at least 1d, got {value!r}")
    return value


def _url(value: str) -> str:
    if not _URL.match(value):
        raise ValueError(f"must be an http(s) URL, got {value!r}")
    return value


def _label_name(key: str) -> str:
    if not _LABEL_NAME.match(key) or key.startswith("__"):
        raise ValueError(f"label name {key!r} is not a valid Prometheus label name")
    if key in RESERVED_LABELS or key.startswith("sloth_"):
        raise ValueError(f"label {key!r} is set by obsgen and cannot be overridden")
    return key


Name = Annotated[str, AfterValidator(_name)]
Duration = Annotated[str, AfterValidator(_duration)]
Period = Annotated[str, AfterValidator(_duration), AfterValidator(_days)]
Url = Annotated[str, AfterValidator(_url)]
Labels = dict[Annotated[str, AfterValidator(_label_name)], str]  # key errors point at the key
FilePath = Annotated[str, Field(pattern=r"^/[^\s]*$", description="absolute path of a secret file")]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
    selector: dict[str, str] = {}
    threshold: Duration

    @field_validator("histogram")
    @classmethod
    def _metric(cls, value: str) -> str:
        if not _METRIC_NAME.match(value):
            raise ValueError(f"must be a metric name, got {value!r}")
        for suffix in ("_bucket", "_count", "_sum"):
            if value.endswith(suffix):
                raise ValueError(f"name the histogram without {suffix}, got {value!r}")
        return value

    @field_validator("selector")
    @classmethod
    def _selector(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if not _LABEL_NAME.match(key) or key == "le":
                raise ValueError(f"{key!r} cannot be a selector label")
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


class Alerting(Model):
    name: str | None = Field(None, pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$")
    page: bool | None = None  # default: true for tier 1-2
    ticket: bool = True
    for_: Duration | None = Field(None, alias="for")
    labels: Labels = {}
    annotations: dict[str, str] = {}


class SLO(Model):
    name: Name
    objective: float
    period: Period = "30d"
    description: str = ""
    runbook: Url | None = None
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
            raise ValueError(f"must be a number between 0 and 100, got {value:g}")
        if value <= 0:
            raise ValueError(f"must be above 0, got {value:g}")
        if value >= 100:
            raise ValueError(f"must be below 100, got {value:g}")
        return value


class Sampling(Model):
    percent: float = Field(10, ge=0, le=100)
    keep_errors: bool = True
    slow: Duration | None = None
    per_environment: dict[str, Annotated[float, Field(ge=0, le=100)]] = {}


class Telemetry(Model):
    spanmetrics: bool = False
    sampling: Sampling | None = None


class ServiceMetadata(Model):
    name: Name
    team: Name
    tier: Literal[1, 2, 3] = 2
    runbook: Url | None = None
    labels: Labels = {}


class ServiceSpec(Model):
    environments: list[Name] = ["production"]
    telemetry: Telemetry = Telemetry()
    slos: list[SLO] = []


class Service(Model):
    apiVersion: Literal["obsgen/v1"]
    kind: Literal["Service"]
    metadata: ServiceMetadata
    spec: ServiceSpec


# --- Team -----------------------------------------------------------------------------------


class PagerDuty(Model):
    routing_key_file: FilePath


class Slack(Model):
    channel: str = Field(pattern=r"^[#@]?[a-z0-9._-]+$")
    api_url_file: FilePath


class Email(Model):
    to: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")


class TeamMetadata(Model):
    name: Name


class TeamSpec(Model):
    pagerduty: PagerDuty | None = None
    slack: Slack | None = None
    email: Email | None = None


class Team(Model):
    apiVersion: Literal["obsgen/v1"]
    kind: Literal["Team"]
    metadata: TeamMetadata
    spec: TeamSpec = TeamSpec()


# --- Platform -------------------------------------------------------------------------------


class AlertWindowSpec(Model):
    budget_percent: float = Field(gt=0, le=100)
    long: Duration
    short: Duration


class AlertWindowPair(Model):
    quick: AlertWindowSpec
    slow: AlertWindowSpec


class AlertWindowCatalog(Model):
    """Sloth's AlertWindows: for one period, the windows and budget share of each alert."""

    period: Period
    page: AlertWindowPair
    ticket: AlertWindowPair


class Collector(Model):
    version: str = "0.159.0"
    distribution: Literal["contrib", "core", "k8s"] = "contrib"


class Endpoints(Model):
    prometheus: Url = "http://prometheus:9090"
    loki: Url = "http://loki:3100"
    tempo: Url = "http://tempo:4317"
    alertmanager: Url = "http://alertmanager:9093"


class Datasources(Model):
    prometheus: str = "prometheus"
    loki: str = "loki"
    tempo: str = "tempo"


class Grafana(Model):
    url: Url = "https://grafana.example.com"
    datasources: Datasources = Datasources()


class Kubernetes(Model):
    """The k8s/ tree: the namespace its kustomizations put every object in, and labels added to
    every object (e.g. `release: kube-prometheus-stack` for the operator's rule selector)."""

    namespace: Namespace = "monitoring"
    labels: K8sLabels = {}


class PlatformSpec(Model):
    environments: list[Name] = ["dev", "staging", "production"]
    collector: Collector = Collector()
    endpoints: Endpoints = Endpoints()
    grafana: Grafana = Grafana()
    alert_windows: list[AlertWindowCatalog] = []
    kubernetes: Kubernetes = Kubernetes()


class PlatformMetadata(Model):
    name: Name = "platform"


class Platform(Model):
    apiVersion: Literal["obsgen/v1"]
    kind: Literal["Platform"]
    metadata: PlatformMetadata = PlatformMetadata()
    spec: PlatformSpec = PlatformSpec()


KINDS: dict[str, type[Model]] = {"Service": Service, "Team": Team, "Platform": Platform}
