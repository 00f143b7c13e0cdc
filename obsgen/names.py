"""The one home for every generated series, label and object name.

Series keep Sloth's names and labels so that Sloth's community dashboards read obsgen output.
"""

from __future__ import annotations

import hashlib
import re

# Recorded series (Sloth-compatible).
SLI_ERROR_RATIO = "slo:sli_error:ratio_rate{window}"
OBJECTIVE = "slo:objective:ratio"
ERROR_BUDGET = "slo:error_budget:ratio"
TIME_PERIOD_DAYS = "slo:time_period:days"
CURRENT_BURN_RATE = "slo:current_burn_rate:ratio"
PERIOD_BURN_RATE = "slo:period_burn_rate:ratio"
PERIOD_BUDGET_REMAINING = "slo:period_error_budget_remaining:ratio"
SLO_INFO = "sloth_slo_info"
# obsgen's own: the 5m error and total event rates every window and the period are derived from.
SLI_ERROR_RATE = "slo:sli_error:rate5m"
SLI_TOTAL_RATE = "slo:sli_total:rate5m"
# obsgen's period roll-ups (render/prometheus_rules.py period_rules): the 5m rates kept only in even
# or odd UTC hours, each finished hour's sum, and the period's sums of errors and events.
HOUR_PARITIES = ("even", "odd")
_RATE_IN_HOURS = "slo:sli_{kind}:rate5m_{parity}_hours"
_HOUR_SUM = "slo:sli_{kind}:rate5m_sum_{parity}_hour"
_PERIOD_SUM = "slo:sli_{kind}:rate5m_sum_period"

# Labels on recorded series.
SLOTH_ID = "sloth_id"
SLOTH_SERVICE = "sloth_service"
SLOTH_SLO = "sloth_slo"
SLOTH_WINDOW = "sloth_window"
SLO_LABELS = (SLOTH_ID, SLOTH_SERVICE, SLOTH_SLO)

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

# Labels that obsgen sets itself; a spec may not override them.
RESERVED_LABELS = frozenset(
    {SLOTH_ID, SLOTH_SERVICE, SLOTH_SLO, SLOTH_WINDOW, SERVICE, SLO, TEAM, TIER, SEVERITY,
     SLOTH_SEVERITY, LONG_WINDOW, SHORT_WINDOW, "alertname", "le"}
)

# Span metrics connector series (unit: s) and labels.
SPAN_CALLS = "traces_span_metrics_calls_total"
SPAN_DURATION = "traces_span_metrics_duration_seconds"
SPAN_SERVICE = "service_name"
SPAN_NAME = "span_name"
SPAN_KIND = "span_kind"
SPAN_STATUS = "status_code"
SPAN_STATUS_ERROR = "STATUS_CODE_ERROR"
SPAN_STATUS_OK = "STATUS_CODE_OK"

NAME_PATTERN = r"^[a-z][a-z0-9-]{0,62}$"
LABEL_NAME_PATTERN = r"^[a-zA-Z_][a-zA-Z0-9_]*$"
_NAME = re.compile(NAME_PATTERN)


def is_name(value: str) -> bool:
    return bool(_NAME.match(value))


def sli_error_ratio(window: str) -> str:
    return SLI_ERROR_RATIO.format(window=window)


def rate_in_hours(kind: str, parity: str) -> str:
    """kind: error | total; parity: even | odd."""
    return _RATE_IN_HOURS.format(kind=kind, parity=parity)


def hour_sum(kind: str, parity: str) -> str:
    return _HOUR_SUM.format(kind=kind, parity=parity)


def period_sum(kind: str) -> str:
    return _PERIOD_SUM.format(kind=kind)


def slo_id(service: str, slo: str) -> str:
    return f"{service}-{slo}"


def camel(*parts: str) -> str:
    return "".join(word.capitalize() for part in parts for word in part.split("-"))


def alert_name(service: str, slo: str) -> str:
    return camel(service, slo) + "ErrorBudgetBurn"


def rule_group(service: str, slo: str, suffix: str = "") -> str:
    return f"obsgen-slo-{slo_id(service, slo)}" + (f"-{suffix}" if suffix else "")


def dashboard_uid(service: str) -> str:
    """Grafana uids are at most 40 characters; long names keep a stable hash suffix."""
    uid = f"obsgen-{service}"
    if len(uid) <= 40:
        return uid
    digest = hashlib.sha256(service.encode()).hexdigest()[:8]
    return f"{uid[:31]}-{digest}"


def rules_file(service: str) -> str:
    return f"alerts/rules/{service}.rules.yaml"


def tests_file(service: str) -> str:
    return f"alerts/tests/{service}.test.yaml"
