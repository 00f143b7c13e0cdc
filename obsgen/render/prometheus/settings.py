"""The Prometheus rules backend's Platform settings (`spec.metrics`): where the SLO rules run, and
the extra ruler layouts (Mimir, Amazon Managed Prometheus) the rulers backend writes from them.
What shared mode asks of every SLI query is a check of the services (spec/shared_metrics.py)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from obsgen.spec.fields import Model
from obsgen.spec.settings import Settings

METRICS_MODES = ("per-cluster", "shared")
RULERS = ("mimir", "amp")


class Metrics(Model):
    """Where the SLO rules run. per-cluster: each cluster's Prometheus evaluates them on its own
    series. shared: one store holds several environments (Mimir, Amazon Managed Prometheus,
    Thanos); every recorded series and alert keeps the environment label."""

    mode: Literal[METRICS_MODES] = "per-cluster"  # type: ignore[valid-type]
    rulers: list[Literal[RULERS]] = []  # type: ignore[valid-type]  # extra layouts under alerts/
    namespace: Literal["service", "team"] = "service"  # the Mimir ruler namespace of a service's groups
    source_tenants: list[Annotated[str, Field(min_length=1, max_length=150, pattern=r"^[a-zA-Z0-9!._*'()-]+$")]] = []


SETTINGS = Settings("metrics", Metrics)
