"""grafana-foundation-sdk, imported in one place.

Its classic `dashboard.Dashboard` warns DeprecationWarning at import time in favour of dashboardv2
(Grafana 12+ behind feature flags); the classic model is still the portable one, so the warning is
silenced here, for these imports only.
"""

from __future__ import annotations

import warnings

import orjson

from obsgen.artifacts import Dashboard, kept_text

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from grafana_foundation_sdk.builders import common as common_builders
    from grafana_foundation_sdk.builders import dashboard as board
    from grafana_foundation_sdk.builders import (
        logs,
        loki,
        prometheus,
        stat,
        statetimeline,
        table,
        tempo,
        text,
        timeseries,
    )
    from grafana_foundation_sdk.models import common
    from grafana_foundation_sdk.models import dashboard as model
    from grafana_foundation_sdk.models import prometheus as prometheus_model
    from grafana_foundation_sdk.models import tempo as tempo_model

__all__ = [
    "board",
    "common",
    "common_builders",
    "dump",
    "json_text",
    "logs",
    "loki",
    "model",
    "prometheus",
    "prometheus_model",
    "stat",
    "statetimeline",
    "table",
    "tempo",
    "tempo_model",
    "text",
    "timeseries",
]


def _to_json(obj):
    """The SDK's objects serialize through their own to_json (as its JSONEncoder does)."""
    return obj.to_json()


def json_text(dashboard: Dashboard) -> str:
    """A dashboard's file, made once (obsgen/output/encode.py asks for it; the ConfigMap that holds
    the dashboard and the size check read the same text)."""
    return kept_text(dashboard, lambda d: dump(d.board))


def dump(built) -> str:
    """Grafana's JSON: sorted keys, 2-space indent, trailing newline (stable diffs).

    orjson writes what `json.dumps(sort_keys=True, indent=2, ensure_ascii=False)` writes, about 20x
    faster: the standard library's indented encoder is pure Python, and it was 80% of the Grafana
    renderer's time at 1000 services."""
    return orjson.dumps(built, default=_to_json, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"
