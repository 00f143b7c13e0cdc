"""The OpenTelemetry Collector backend's Platform settings (`spec.collector`): the collector version
and distribution the agent and gateway configs are written for, and the attributes they redact."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator

from obsgen import collector
from obsgen.errors import SpecError
from obsgen.spec.fields import Model
from obsgen.spec.settings import Settings


def _collector_version(value: str) -> str:
    version = collector.parse_version(value)
    if version < collector.MIN_VERSION:
        raise ValueError(f"obsgen writes configs for collector {'.'.join(map(str, collector.MIN_VERSION))} "
                         f"or later, got {value!r}")
    return value


def _attribute_key(value: str) -> str:
    if not value or not value.isprintable() or value != value.strip():
        raise ValueError(f"must be a printable attribute key without surrounding spaces, got {value!r}")
    return value


class Collector(Model):
    version: Annotated[str, AfterValidator(_collector_version)] = "0.159.0"
    distribution: Literal["contrib", "core", "k8s"] = "contrib"
    # span and log attributes the gateway deletes, on top of URL query strings and auth/cookie headers
    redact_attributes: list[Annotated[str, AfterValidator(_attribute_key)]] = []


def check(specs) -> list[SpecError]:
    """The distribution ships every component the generated configs use."""
    platform = specs.platform
    if platform is None:
        return []
    dist = platform.model.spec.collector.distribution
    missing = collector.lacking(dist)
    if not missing:
        return []
    fits = ", ".join(collector.has_distribution_with(collector.PLATFORM_NEEDS | collector.SPAN_METRICS_NEEDS))
    return [SpecError(platform.at("spec", "collector", "distribution"),
                      f"the {dist} distribution lacks {', '.join(missing)}, which the agent and gateway need "
                      f"(pod logs, Kubernetes metadata, whole-trace routing, sampling, redaction): "
                      f"use distribution {fits}")]


SETTINGS = Settings("collector", Collector, check)
