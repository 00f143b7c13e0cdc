"""grafana-foundation-sdk, imported in one place.

Its classic `dashboard.Dashboard` warns DeprecationWarning at import time in favour of dashboardv2
(Grafana 12+ behind feature flags); the classic model is still the portable one, so the warning is
silenced here, for these imports only.
"""

from __future__ import annotations

import json
import warnings

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
    from grafana_foundation_sdk.cog.encoder import JSONEncoder
    from grafana_foundation_sdk.models import common
    from grafana_foundation_sdk.models import dashboard as model
    from grafana_foundation_sdk.models import prometheus as prometheus_model
    from grafana_foundation_sdk.models import tempo as tempo_model

__all__ = ["JSONEncoder", "board", "common", "common_builders", "dump", "logs", "loki", "model", "prometheus",
           "prometheus_model", "stat", "statetimeline", "table", "tempo", "tempo_model", "text", "timeseries"]


def dump(built) -> str:
    """Grafana's JSON: sorted keys, 2-space indent, trailing newline (stable diffs)."""
    return json.dumps(built, cls=JSONEncoder, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
