"""Durations in Prometheus notation (5m, 1h30m, 4w): parsed and printed the way Prometheus does."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import lru_cache

import promql_parser

# Prometheus also accepts a bare number of seconds; a spec must say its unit.
_DURATION = re.compile(r"^(\d+(ms|s|m|h|d|w|y))+$")


def parse(text: str) -> timedelta:
    """Parse a Prometheus duration; raise ValueError with a message fit for a user."""
    if not isinstance(text, str) or not _DURATION.match(text):
        raise ValueError(f"must be a duration such as 300ms, 5m or 1h30m, got {text!r}")
    try:
        return promql_parser.parse_duration(text)
    except ValueError as exc:
        raise ValueError(f"must be a positive duration, got {text!r} ({exc})") from None


def seconds(text: str) -> float:
    return parse(text).total_seconds()


@lru_cache(maxsize=4096)  # a few distinct windows, formatted 200,000 times at 1000 services
def format_seconds(value: float) -> str:
    """Format as Prometheus does (largest units first, 28d is 4w)."""
    return promql_parser.display_duration(timedelta(seconds=value))


def human(value: float) -> str:
    """A short reading for people: 52s, 2.2 min, 4.3 h, 1.5 d."""
    if value < 90:
        return f"{value:.0f} s"
    if value < 90 * 60:
        return f"{value / 60:.1f} min"
    if value < 48 * 3600:
        return f"{value / 3600:.1f} h"
    return f"{value / 86400:.1f} d"
