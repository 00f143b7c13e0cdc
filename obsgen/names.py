"""The one home for every generated series, label and object name.

Series keep Sloth's names and labels so that Sloth's community dashboards read obsgen output.
"""

from __future__ import annotations

import hashlib
import re

from obsgen import k8s_validation, signal_path

# Recorded series (Sloth-compatible).
SLI_ERROR_RATIO = "slo:sli_error:ratio_rate{window}"
OBJECTIVE = "slo:objective:ratio"
ERROR_BUDGET = "slo:error_budget:ratio"
TIME_PERIOD_DAYS = "slo:time_period:days"
CURRENT_BURN_RATE = "slo:current_burn_rate:ratio"
PERIOD_BURN_RATE = "slo:period_burn_rate:ratio"
PERIOD_BUDGET_REMAINING = "slo:period_error_budget_remaining:ratio"
SLO_INFO = "sloth_slo_info"
# sloth_slo_info's sloth_spec and sloth_mode: the input's own spec and Sloth's mode for it, as Sloth
# writes them (pkg/lib/gen.go); obsgen/v1 files say obsgen/v1 and Sloth's CLI mode.
SLOTH_SPEC = "sloth_spec"
SLOTH_MODE = "sloth_mode"
SLOTH_INFO_OBSGEN = ("obsgen/v1", "cli-gen-prom")
# obsgen's own: the 5m error and total event rates every window and the period are derived from.
SLI_ERROR_RATE = "slo:sli_error:rate5m"
SLI_TOTAL_RATE = "slo:sli_total:rate5m"
# obsgen's period roll-ups (render/rollups.py): the 5m rates kept only in even or odd UTC hours, each
# finished hour's sum, and the period's sums of errors and events. Both parities of a kind are one
# series name, the parity a label (HOUR_PARITY): one selector reads both (a selector costs about the
# same whatever it reads), and one that adds the parity's matcher reads one.
HOUR_PARITIES = ("even", "odd")
_RATE_IN_HOURS = "slo:sli_{kind}:rate5m_hours"
_HOUR_SUM = "slo:sli_{kind}:rate5m_sum_hour"
_PERIOD_SUM = "slo:sli_{kind}:rate5m_sum_period"
# The sum of the 5m rates at t, t - 5m, t - 10m (burnrate.TILE_RUN tiles), which the 1h window adds
# up at t, t - 15m, ... (render/prometheus_rules.py).
_TILE_RUN = "slo:sli_{kind}:rate5m_sum15m"
# Their ratio, recorded with them every 5m where they have a group of their own; the period group
# records the period's ratio from it (render/rollups.py).
ROLLED_UP_RATIO = "slo:sli_error:rate5m_ratio_period"
# Timeslice budgeting (render/calendar_rules.py): each slice's error ratio, and the good and all
# slices (1 each) rolled up as the 5m rates are; their names say count, not rate5m.
SLICE_ERROR_RATIO = "slo:sli_error:ratio_slice"
SLICE_KINDS = ("good_slices", "slices")
_SLICES_IN_HOURS = "slo:sli_{kind}:count_hours"
_SLICES_HOUR_SUM = "slo:sli_{kind}:count_sum_hour"
_SLICES_PERIOD_SUM = "slo:sli_{kind}:count_sum_period"
SLICES_PERIOD_ERROR_RATIO = "slo:period_slices_error:ratio"
SLICES_PERIOD_BUDGET_REMAINING = "slo:period_slices_error_budget_remaining:ratio"
# What each slice spends (1 - what it adds to the good slices: 0 or 1, its error ratio with
# ratio_timeslices), and its mean over each alert window: the share of bad slices the alerts burn.
SLICE_BAD = "slo:sli_bad:count_slice"
SLICES_ERROR_RATIO = "slo:slices_error:ratio_{window}"
# Calendar periods (render/calendar_rules.py): the index of the period now and of the hour that just
# ended, each hour's sum tagged with its period's index modulo 3, the sums since the period's start,
# and the budget (occurrences or slices, as the SLO's budgeting says) since then.
CALENDAR_LOCAL_TIME = "slo:calendar_local_time:seconds"  # now, in the zone, as a UTC timestamp reads
CALENDAR_LAST_HOUR_LOCAL_TIME = "slo:calendar_local_time:seconds_last_hour"
CALENDAR_INDEX = "slo:calendar_period:index"
CALENDAR_LAST_HOUR_INDEX = "slo:calendar_period:index_last_hour"
_CALENDAR_HOUR_SUM = "{base}_sum_hour_calendar{residue}"
_CALENDAR_SUM = "{base}_sum_calendar"
CALENDAR_HOURS = "slo:calendar_period:hours"  # the period's length, for the alerts' factors
# Periods starting inside a UTC hour: 1 while this is such an hour, before the start; the copies made then
CALENDAR_BEFORE_START = "slo:calendar_period:before_start_this_hour"
CALENDAR_LOCAL_TIME_COPY = "slo:calendar_local_time:seconds_copies"  # now, at the copies' cadence
CALENDAR_LOCAL_TIME_HOUR_END = "slo:calendar_local_time:seconds_hour_end"  # this UTC hour's last second
_CALENDAR_BEFORE_START = "{base}_{parity}_hours_before_calendar_start"
CALENDAR_ERROR_RATIO = "slo:calendar_error:ratio"
CALENDAR_BUDGET_REMAINING = "slo:calendar_error_budget_remaining:ratio"

# Labels on recorded series.
SLOTH_ID = "sloth_id"
SLOTH_SERVICE = "sloth_service"
SLOTH_SLO = "sloth_slo"
SLOTH_WINDOW = "sloth_window"
SLOTH_OBJECTIVE = "sloth_objective"  # sloth_slo_info's objective, in percent
SLO_LABELS = (SLOTH_ID, SLOTH_SERVICE, SLOTH_SLO)
# Inside the period sums only (render/rollups.py): tells apart the terms summed, never recorded.
ROLLUP_TERM = "obsgen_term"
# On the period roll-ups' copies and hour sums: the parity (HOUR_PARITIES) of the UTC hour they hold.
HOUR_PARITY = "obsgen_hour_parity"

# Labels on alerts.
SERVICE = "service"
SLO = "slo"
TEAM = "team"
TIER = "tier"
SEVERITY = "severity"
SLOTH_SEVERITY = "sloth_severity"
LONG_WINDOW = "long_window"
SHORT_WINDOW = "short_window"
SEVERITIES = {"page": "critical", "ticket": "warning"}
# The team of an imported SLO that names no owner when the Platform has no default_team: no Team
# document has it, so its alerts reach the routing tree's root receiver.
UNOWNED_TEAM = "unowned"

# Labels that obsgen sets itself; a spec may not override them.
RESERVED_LABELS = frozenset(
    {SLOTH_ID, SLOTH_SERVICE, SLOTH_SLO, SLOTH_WINDOW, SERVICE, SLO, TEAM, TIER, SEVERITY,
     SLOTH_SEVERITY, LONG_WINDOW, SHORT_WINDOW, "alertname", "le"}
)

# Span metrics connector series (unit: s) and labels.
SPAN_CALLS = "traces_span_metrics_calls_total"
SPAN_DURATION = "traces_span_metrics_duration_seconds"
SPAN_SERVICE = signal_path.SPAN_SERVICE  # the signal path's names (obsgen/signal_path.py)
SPAN_NAME = signal_path.SPAN_NAME
SPAN_KIND = signal_path.SPAN_KIND
SPAN_STATUS = signal_path.SPAN_STATUS
SPAN_STATUS_ERROR = "STATUS_CODE_ERROR"
SPAN_STATUS_OK = "STATUS_CODE_OK"
SPAN_KIND_SERVER = "SPAN_KIND_SERVER"

# The label naming the environment on series, logs and alerts (a Platform setting may override it).
ENVIRONMENT = "environment"
# Prometheus' own series of alert states.
ALERTS = "ALERTS"
ALERT_STATE = "alertstate"

# Kubernetes resource series read by the dashboards' resources row (cAdvisor, kube-state-metrics).
CONTAINER_CPU = "container_cpu_usage_seconds_total"
CONTAINER_MEMORY = "container_memory_working_set_bytes"
CONTAINER_THROTTLED = "container_cpu_cfs_throttled_periods_total"
CONTAINER_PERIODS = "container_cpu_cfs_periods_total"
POD_RESTARTS = "kube_pod_container_status_restarts_total"
# kube-state-metrics' owner series: which pods a workload has (render/grafana/workloads.py).
KUBE_POD_OWNER = "kube_pod_owner"
KUBE_REPLICASET_OWNER = "kube_replicaset_owner"
# Prometheus writes `up` for every scrape target itself (the SLI health alerts read it).
SCRAPE_UP = "up"
# What the platform's Kubernetes scrape (kube-prometheus-stack: cAdvisor, kube-state-metrics) and
# Prometheus itself provide: the series a dashboard or rule may read that no spec, rule or collector
# names (verify/seams.py).
PLATFORM_SERIES = (CONTAINER_CPU, CONTAINER_MEMORY, CONTAINER_THROTTLED, CONTAINER_PERIODS, POD_RESTARTS,
                   KUBE_POD_OWNER, KUBE_REPLICASET_OWNER, SCRAPE_UP)
# Their labels, from the exporters' own documentation (cAdvisor's container metrics as the kubelet
# serves them; kube-state-metrics' pod and replicaset metrics), with the labels every scrape of
# kube-prometheus-stack adds (the target's job, instance and ServiceMonitor endpoint labels). In
# shared mode the platform's Prometheus adds the environment label on remote write, as the gateways do.
SCRAPE_LABELS = ("job", "instance", "endpoint", "service", "node", "metrics_path")
_CADVISOR = ("namespace", "pod", "container", "id", "image", "name")
PLATFORM_LABELS: dict[str, tuple[str, ...]] = {
    CONTAINER_CPU: (*_CADVISOR, "cpu"), CONTAINER_MEMORY: _CADVISOR, CONTAINER_THROTTLED: _CADVISOR,
    CONTAINER_PERIODS: _CADVISOR,
    POD_RESTARTS: ("namespace", "pod", "uid", "container"),
    KUBE_POD_OWNER: ("namespace", "pod", "uid", "owner_kind", "owner_name", "owner_is_controller"),
    KUBE_REPLICASET_OWNER: ("namespace", "replicaset", "owner_kind", "owner_name", "owner_is_controller"),
    SCRAPE_UP: (),
}

# Logs and traces attributes (OTLP into Loki and Tempo).
LOG_SERVICE = signal_path.LOKI_SERVICE
TRACE_ID = signal_path.TRACE_ID
TRACE_SERVICE_ATTRIBUTE = signal_path.TEMPO_SERVICE

# Service, team, SLO and environment names: Prometheus label values, file names and parts of
# Kubernetes object names and label values, which must end with a letter or digit (DNS-1123).
NAME_PATTERN = r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$"
LABEL_NAME_PATTERN = r"^[a-zA-Z_][a-zA-Z0-9_]*$"
_NAME = re.compile(NAME_PATTERN)


def is_name(value: str) -> bool:
    return bool(_NAME.match(value))


def objective_text(percent: float) -> str:
    """An objective in percent with the spec's digits: 99.99999 stays 99.99999 (`:g` would print
    100), 99 is 99 (not 99.0). The shortest text that reads back as the same number."""
    text = repr(float(percent))
    return text.removesuffix(".0")


def sli_error_ratio(window: str) -> str:
    return SLI_ERROR_RATIO.format(window=window)


def slices_error_ratio(window: str) -> str:
    """The share of bad slices over an alert window (a timeslice SLO's burn rate x its budget)."""
    return SLICES_ERROR_RATIO.format(window=window)


def tile_run(kind: str) -> str:
    """kind: error | total."""
    return _TILE_RUN.format(kind=kind)


def rate_in_hours(kind: str) -> str:
    """kind: error | total (or good_slices | slices); the parity is the label HOUR_PARITY."""
    return (_SLICES_IN_HOURS if kind in SLICE_KINDS else _RATE_IN_HOURS).format(kind=kind)


def hour_sum(kind: str) -> str:
    """Each finished hour's sum of rate_in_hours(kind), with the parity of that hour (HOUR_PARITY)."""
    return (_SLICES_HOUR_SUM if kind in SLICE_KINDS else _HOUR_SUM).format(kind=kind)


def period_sum(kind: str) -> str:
    return (_SLICES_PERIOD_SUM if kind in SLICE_KINDS else _PERIOD_SUM).format(kind=kind)


def _rolled_base(kind: str) -> str:
    return f"slo:sli_{kind}:" + ("count" if kind in SLICE_KINDS else "rate5m")


def calendar_hour_sum(kind: str, residue: int) -> str:
    """An hour's sum, kept only for hours of periods whose index is `residue` modulo 3."""
    return _CALENDAR_HOUR_SUM.format(base=_rolled_base(kind), residue=residue)


def calendar_before_start(kind: str, parity: str) -> str:
    return _CALENDAR_BEFORE_START.format(base=_rolled_base(kind), parity=parity)


def calendar_sum(kind: str) -> str:
    return _CALENDAR_SUM.format(base=_rolled_base(kind))


def slo_id(service: str, slo: str) -> str:
    return f"{service}-{slo}"


def camel(*parts: str) -> str:
    return "".join(word.capitalize() for part in parts for word in part.split("-"))


def alert_name(service: str, slo: str) -> str:
    return camel(service, slo) + "ErrorBudgetBurn"


# Rule group suffixes (render/prometheus_rules.py groups_for): the SLI group has none.
PERIOD_GROUP = "period"
ROLLUPS_GROUP = "rollups"  # the period roll-ups, every 5m (render/rollups.py)
SLICES_GROUP = "slices"  # timeslice budgeting: evaluated once per slice


def rule_group(service: str, slo: str, suffix: str = "") -> str:
    return f"obsgen-slo-{slo_id(service, slo)}" + (f"-{suffix}" if suffix else "")


# The service dashboard's variables (render/grafana/queries.py), which an alert's link sets.
DASHBOARD_SLO_VAR = "slo"
DASHBOARD_ENV_VAR = "environment"


def dashboard_url(grafana_url: str, uid: str, slug: str = "") -> str:
    """Where Grafana serves a dashboard: the one home of its URL (alerts' links, dashboards' links)."""
    return f"{grafana_url.rstrip('/')}/d/{uid}" + (f"/{slug}" if slug else "")


def dashboard_link(grafana_url: str, service: str, slo: str) -> str:
    """A service dashboard showing one SLO (every environment)."""
    return f"{dashboard_url(grafana_url, dashboard_uid(service), service)}?var-{DASHBOARD_SLO_VAR}={slo}"


def alert_dashboard_link(link_template: str, environment_label: str) -> str:
    """An alert's `dashboard_url` annotation (Prometheus template text): the link (already template
    text) narrowed to the alert's environment, which Prometheus fills in as it fires: the series'
    label (shared mode), else its external label (per cluster; it adds that only where the alert
    has none). No environment, no variable: the dashboard shows them all."""
    value = f"(or $labels.{environment_label} $externalLabels.{environment_label})"
    return f"{link_template}{{{{ with {value} }}}}&var-{DASHBOARD_ENV_VAR}={{{{ . | urlquery }}}}{{{{ end }}}}"


def dashboard_uid(service: str) -> str:
    """Grafana uids are at most 40 characters; long names keep a stable hash suffix."""
    uid = f"obsgen-{service}"
    if len(uid) <= 40:
        return uid
    digest = hashlib.sha256(service.encode()).hexdigest()[:8]
    return f"{uid[:31]}-{digest}"


def slo_ids(service: str, slo: str) -> list[tuple[str, str]]:
    """Every name derived from one SLO that must be unique across the whole spec set, with what it
    is. Alert names are not among them: alerts of different SLOs carry different service and slo
    labels, so two may share an alertname (as the window pairs of one SLO already do)."""
    return [
        ("sloth_id", slo_id(service, slo)),
        ("rule group", rule_group(service, slo)),
        ("period rule group", rule_group(service, slo, PERIOD_GROUP)),
        ("roll-ups rule group", rule_group(service, slo, ROLLUPS_GROUP)),
        ("slices rule group", rule_group(service, slo, SLICES_GROUP)),
    ]


def service_ids(service: str) -> list[tuple[str, str]]:
    """Every name derived from one service that must be unique across the whole spec set."""
    return [("dashboard uid", dashboard_uid(service))]


def _bounded_uid(uid: str, key: str) -> str:
    if len(uid) <= 40:
        return uid
    return f"{uid[:31]}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"


def overview_dashboard_uid() -> str:
    """`_` cannot occur in a service name, so no service's uid (obsgen-<service>) can equal it."""
    return "obsgen_overview"


def team_dashboard_uid(team: str) -> str:
    return _bounded_uid(f"obsgen_team-{team}", "team/" + team)


def dashboard_file(service: str) -> str:
    return f"dashboards/{service}.json"


OVERVIEW_DASHBOARD_FILE = "dashboards/_overview.json"  # `_`: never a service's file name


def team_dashboard_file(team: str) -> str:
    return f"dashboards/teams/{team}.json"


def rules_file(service: str) -> str:
    return f"alerts/rules/{service}.rules.yaml"


_RULES_PREFIX, _RULES_SUFFIX = rules_file("\0").split("\0")


def is_rules_file(path: str) -> bool:
    """Whether path is a service's rules file (rules_file's shape), as a tree read back names it."""
    return path.startswith(_RULES_PREFIX) and path.endswith(_RULES_SUFFIX)


def tests_file(service: str) -> str:
    return f"alerts/tests/{service}.test.yaml"


def health_tests_file(service: str) -> str:
    """The SLI health alerts' promtool tests (render/health_tests.py)."""
    return f"alerts/tests/{service}.health.test.yaml"


# Ruler layouts beside alerts/rules/ (Platform metrics.rulers): the same groups, as each ruler loads them.
MIMIR_RULES_DIR = "alerts/mimir"
AMP_RULES_DIR = "alerts/amp"
AMP_NAME_BYTES = 721  # Amazon Managed Prometheus: namespace name plus group name, UTF-8 bytes


def mimir_rules_file(namespace: str) -> str:
    return f"{MIMIR_RULES_DIR}/{namespace}.yaml"


def amp_rules_file(namespace: str) -> str:
    return f"{AMP_RULES_DIR}/{namespace}.yaml"


# The span metrics connector's configuration (obsgen pins both), from which its Prometheus names
# follow; SPAN_CALLS and SPAN_DURATION above must equal span_metric_name(...) (tests/test_names.py).
SPAN_METRICS_NAMESPACE = "traces.span.metrics"
SPAN_METRICS_UNIT = "s"
UNIT_WORDS = {"s": "seconds", "ms": "milliseconds"}  # the Prometheus translation of UCUM units


def span_metric_name(metric: str, counter: bool = False) -> str:
    """The Prometheus name of a span metric (`calls`, `duration`) as remote write normalizes it:
    namespace + name with dots as underscores, the unit word for the histogram, `_total` on counters."""
    base = f"{SPAN_METRICS_NAMESPACE}.{metric}".replace(".", "_")
    if counter:
        return base + "_total"
    return f"{base}_{UNIT_WORDS[SPAN_METRICS_UNIT]}"


# OpenTelemetry Collector objects (the operator names their Services <name>-collector[-headless]).
COLLECTOR_AGENT = "obsgen-agent"
COLLECTOR_GATEWAY = "obsgen-gateway"
ENVIRONMENT_ATTRIBUTE = signal_path.ENVIRONMENT


def collector_service(name: str, headless: bool = False) -> str:
    return f"{name}-collector" + ("-headless" if headless else "")


def otel_config_file(environment: str, role: str) -> str:
    return f"otel/{environment}/{role}.yaml"
# Alertmanager (issue 5). The environment label is set by each Prometheus' external_labels; routing
# reads it (non-production never pages) and so does shared mode. Receivers are named per team.
ENVIRONMENT_LABEL = "environment"
ALERTNAME = "alertname"
RECEIVER_NOBODY = "obsgen-nobody"  # a receiver without integrations: notifies nobody
RECEIVER_KINDS = ("pager", "chat", "email")  # none is a suffix of another: names cannot collide
ALERTMANAGER_DIR = "alerts/alertmanager"
ALERTMANAGER_CONFIG = f"{ALERTMANAGER_DIR}/alertmanager.yaml"
ALERTMANAGER_TEMPLATE = "obsgen.tmpl"  # beside the config: one flat Secret holds both
ALERTMANAGER_ROUTE_TESTS = f"{ALERTMANAGER_DIR}/routes.test.yaml"
ALERTMANAGER_SECRET = "obsgen-alertmanager"


def receiver(team: str, kind: str) -> str:
    """`<team>-pager`, `<team>-chat`, `<team>-email`: team names are label-safe, kinds fixed."""
    assert kind in RECEIVER_KINDS, kind
    return f"{team}-{kind}"


# --- Kubernetes objects (the k8s/ tree) -----------------------------------------------------

K8S_BASE = "k8s/base"
K8S_OVERLAYS = "k8s/overlays"
# Patches of objects obsgen does not own (the chart's Alertmanager): never given the common labels
K8S_PATCHES = "k8s/patches"
KUSTOMIZATION = "kustomization.yaml"
MANAGED_BY = "app.kubernetes.io/managed-by"
PART_OF = "app.kubernetes.io/part-of"
K8S_LABELS = ((MANAGED_BY, "obsgen"), (PART_OF, "obsgen"))  # on every object obsgen deploys
K8S_NAME_MAX = k8s_validation.LABEL_MAX  # a DNS-1123 label: the strictest limit any object kind has
is_dns1123_label = k8s_validation.is_dns1123_label


def k8s_name(*parts: str) -> str:
    """An object name from name parts, valid as a DNS-1123 label for any service or team name.

    Names longer than 63 characters keep a stable hash of the whole name, so two long names that
    share their first 54 characters still differ.
    """
    name = "-".join(parts)
    if len(name) <= K8S_NAME_MAX:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[:K8S_NAME_MAX - 9].rstrip('-')}-{digest}"


def k8s_base_file(backend: str, name: str) -> str:
    return f"{K8S_BASE}/{backend}/{name}.yaml"


def k8s_overlay_file(environment: str, backend: str, name: str) -> str:
    return f"{K8S_OVERLAYS}/{environment}/{backend}/{name}.yaml"


def prometheus_rule_name(service: str) -> str:
    return k8s_name("obsgen", service)


# `obsgen backfill` (obsgen/backfill/): one sample per pass, written with the pass's blocks and
# moved into the server last, so that its presence says the whole pass is loaded. The live rules
# never write it.
BACKFILL_PASS = "obsgen_backfill_pass"
