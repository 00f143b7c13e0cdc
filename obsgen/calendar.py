"""Calendar-aligned periods: which period an instant falls in, in a time zone, as PromQL.

PromQL has no time zones. A period's index is computed from `time()` plus the zone's UTC offset,
and the offset from a table of the zone's transitions, read with Python's zoneinfo from the pinned
`tzdata` package (never the machine's own tz database, which differs between a laptop and CI) for
the years FIRST_YEAR to LAST_YEAR: the same table on every machine, so the output is deterministic.
Outside those years the offset is the table's first (last) one: a zone that changes its rules (a
new tzdata pin), or a date past LAST_YEAR, needs a regeneration (docs/calendar.md).

A period starts at its anchor's local day (a month anchored on the 29th to 31st starts on the last
day of a shorter month), hour and minute. Where the zone's offset is not whole hours (India, Nepal,
parts of Australia) or the anchor is not on a whole hour, starts fall inside a UTC hour: the rules
then split that hour (render/calendar_rules.py, starts_off_the_hour).
"""

from __future__ import annotations

import re
import zoneinfo
from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from importlib import resources

FIRST_YEAR = 2024
LAST_YEAR = 2040  # the table holds the transitions of [FIRST_YEAR, LAST_YEAR]
UNITS = ("month", "week")
WEEK = 7 * 86400
HOUR = 3600
# The default anchors: months start on the 1st at 00:00, weeks on Monday at 00:00 (1970-01-05).
MONDAY = datetime(1970, 1, 5)
RESIDUES = 3  # periods rotate over 3 series: see render/calendar_rules.py


@dataclass(frozen=True)
class Calendar:
    """A calendar period: `count` months or weeks from the local `anchor` in `time_zone`."""

    unit: str
    count: int
    time_zone: str
    anchor: datetime  # local, naive; months: its day (1-31, clamped to shorter months) and time; weeks:
    # its weekday and time

    @property
    def longest(self) -> int:
        """Seconds of the longest possible period (31-day months, a DST hour more)."""
        return self.count * (31 * 86400 if self.unit == "month" else WEEK) + HOUR


_ZONE_NAME = re.compile(r"[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*")


def zone(name: str) -> zoneinfo.ZoneInfo:
    """The zone from the pinned tzdata package's files (a path inside the package: the name is
    checked first, so no `..` or absolute path reaches the file system)."""
    unknown = ValueError(f"unknown time zone {name!r} (an IANA name such as Europe/Berlin or UTC)")
    if not _ZONE_NAME.fullmatch(name):
        raise unknown
    try:
        with resources.files("tzdata.zoneinfo").joinpath(*name.split("/")).open("rb") as data:
            return zoneinfo.ZoneInfo.from_file(data, key=name)
    except (OSError, ValueError):
        raise unknown from None


@lru_cache(maxsize=64)
def transitions(name: str, first: int = FIRST_YEAR, last: int = LAST_YEAR) -> tuple[int, tuple[tuple[int, int], ...]]:
    """(offset before the table, ((UTC second, offset from then on), ...)) for [first, last]."""
    tz = zone(name)
    start = datetime(first, 1, 1, tzinfo=UTC)
    end = datetime(last + 1, 1, 1, tzinfo=UTC)

    def offset(at: datetime) -> int:
        return int(at.astimezone(tz).utcoffset().total_seconds())

    base = current = offset(start)
    changes = []
    day = start
    while day < end:  # a change within a day shows at the next midnight; then find its second
        nxt = day + timedelta(days=1)
        if offset(nxt) != current:
            lo, hi = 0, 86400  # offset(day + lo) == current != offset(day + hi)
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if offset(day + timedelta(seconds=mid)) == current else (lo, mid)
            current = offset(day + timedelta(seconds=hi))
            changes.append((int((day + timedelta(seconds=hi)).timestamp()), current))
        day = nxt
    return base, tuple(changes)


def starts_off_the_hour(cal: Calendar, first: int = FIRST_YEAR, last: int = LAST_YEAR) -> bool:
    """Whether a period can start inside a UTC hour: an anchor off a whole hour, or a zone offset that
    is not whole hours in the table's years (a start is local time - offset)."""
    base, changes = transitions(cal.time_zone, first, last)
    return bool(cal.anchor.minute) or any(value % HOUR for value in (base, *(v for _, v in changes)))


def offset_expr(name: str, clock: str, first: int = FIRST_YEAR, last: int = LAST_YEAR) -> str:
    """The zone's UTC offset in seconds at the instant `clock` (a PromQL scalar), from the table."""
    base, changes = transitions(name, first, last)
    terms, previous = [str(base)], base
    for at, value in changes:
        delta = value - previous
        terms.append(f"{'+' if delta > 0 else '-'} {abs(delta)} * ({clock} >= bool {at})")
        previous = value
    return "(" + " ".join(terms) + ")"


def local_expr(name: str, clock: str, first: int = FIRST_YEAR, last: int = LAST_YEAR) -> str:
    """The local time at the instant `clock` (a PromQL scalar), as seconds since the local epoch, in a
    one-element vector: year(), month() and friends read it as they read a UTC timestamp."""
    return f"vector({clock} + {offset_expr(name, clock, first, last)})"


def index_expr(cal: Calendar, local: str) -> str:
    """The index of the period holding the local time `local` (an instant vector of local_expr's
    values): consecutive periods have consecutive indices."""
    # The anchor is taken back to its earliest equivalent since 1970 (the same period boundaries), so
    # that indices are never negative, even before a future anchor: `%` keeps the sign in PromQL.
    if cal.unit == "week":
        span = cal.count * WEEK
        anchor = int(cal.anchor.replace(tzinfo=UTC).timestamp()) % span
        return f"floor(({local} - {anchor}) / {span})"
    first = 1 + (cal.anchor.year * 12 + cal.anchor.month - 1) % cal.count  # months since 1970, from 0
    if cal.anchor.day > 28:
        months = _clamped_months(cal, local, first)
    else:  # the anchor's day and time moved to the 1st at 00:00: every month then starts where the local
        # calendar's does (day <= 28 exists in every month)
        shift = (cal.anchor.day - 1) * 86400 + cal.anchor.hour * HOUR + cal.anchor.minute * 60
        moved = f"({local} - {shift})" if shift else local
        months = f"year({moved}) * 12 + month({moved}) - {first}"
    return months if cal.count == 1 else f"floor(({months}) / {cal.count})"


def _clamped_months(cal: Calendar, local: str, first: int) -> str:
    """Months anchored on day 29-31 start on that day or, in a shorter month, on its last day: the
    local month, less one while the time into the month is before this month's start."""
    into = f"(day_of_month({local}) - 1) * 86400 + {local} % 86400"
    time = cal.anchor.hour * HOUR + cal.anchor.minute * 60
    start = f"(clamp_max(days_in_month({local}), {cal.anchor.day}) - 1) * 86400" + (f" + {time}" if time else "")
    return f"year({local}) * 12 + month({local}) - {first} - ({into} < bool {start})"


def parse_anchor(text: str | None, unit: str) -> datetime:
    """A local start time (`2022-01-01 12:00:00` or ISO 8601 without zone) or the unit's default."""
    if text is None:
        return MONDAY if unit == "week" else datetime(1970, 1, 1)
    try:
        anchor = datetime.fromisoformat(str(text).strip())
    except ValueError:
        raise ValueError(f"must be a local date and time such as 2024-01-01 00:00:00, got {text!r}") from None
    if anchor.tzinfo is not None:
        raise ValueError(f"must be a local time without a UTC offset (time_zone says the zone), got {text!r}")
    if anchor.second or anchor.microsecond:
        raise ValueError(f"must start on a whole minute, got {text!r}")
    return anchor


def period_bounds(cal: Calendar, at: datetime) -> tuple[datetime, datetime]:
    """The UTC start and end of the period holding `at` (aware), from zoneinfo: what the rules must
    agree with (tests, docs, the preview)."""
    tz = zone(cal.time_zone)
    local = at.astimezone(tz).replace(tzinfo=None)
    if cal.unit == "week":
        span = cal.count * WEEK
        n = int((local - cal.anchor).total_seconds() // span)
        start = cal.anchor + timedelta(seconds=n * span)
        end = start + timedelta(seconds=span)
    else:
        def month_start(n: int) -> datetime:  # the start in month n (months since year 0)
            year, month = divmod(n, 12)
            day = min(cal.anchor.day, monthrange(year, month + 1)[1])
            return cal.anchor.replace(year=year, month=month + 1, day=day)

        n = local.year * 12 + local.month - 1
        n -= local < month_start(n)
        n -= (n - (cal.anchor.year * 12 + cal.anchor.month - 1)) % cal.count
        start, end = month_start(n), month_start(n + cal.count)
    return (start.replace(tzinfo=tz).astimezone(UTC), end.replace(tzinfo=tz).astimezone(UTC))


# --- the period's length, for the burn-rate alerts ---------------------------------------------
#
# A calendar SLO's alerts consume their catalog share of the budget of the period as it is (28 to
# 31-day months, 743 and 745-hour DST months, 90 to 92-day quarters): their factor is
# share x the period's hours / the long window's hours (burnrate.calendar_factor), so the rules
# record the period's length in hours. PromQL has no calendar arithmetic that knows the zone's DST
# changes, so the length is a table written at generation time from period_bounds (zoneinfo), like
# the offsets: a step function of the clock over the periods of [FIRST_YEAR, LAST_YEAR], one term
# wherever the length changes. Before the table the first period's length holds, after it the last's.


@lru_cache(maxsize=64)
def period_lengths(cal: Calendar, first: int = FIRST_YEAR, last: int = LAST_YEAR) -> tuple[tuple[int, int], ...]:
    """((UTC start second, hours), ...) of every period from the one holding 1 January `first` to
    the one holding the end of `last`, from zoneinfo's bounds."""
    found, at = [], datetime(first, 1, 1, tzinfo=UTC)
    end = datetime(last + 1, 1, 1, tzinfo=UTC)
    while at < end:
        start, stop = period_bounds(cal, at)
        found.append((int(start.timestamp()), int((stop - start).total_seconds()) // HOUR))
        at = stop
    return tuple(found)


def hours_expr(cal: Calendar, clock: str, first: int = FIRST_YEAR, last: int = LAST_YEAR) -> str:
    """The length in hours of the period holding the instant `clock` (a PromQL scalar), from the table."""
    lengths = period_lengths(cal, first, last)
    terms, previous = [str(lengths[0][1])], lengths[0][1]
    for at, hours in lengths[1:]:
        if hours != previous:
            delta = hours - previous
            terms.append(f"{'+' if delta > 0 else '-'} {abs(delta)} * ({clock} >= bool {at})")
            previous = hours
    return "(" + " ".join(terms) + ")"


def hours_at(cal: Calendar, at: int, first: int = FIRST_YEAR, last: int = LAST_YEAR) -> int:
    """What hours_expr gives at the UTC second `at` (the table's first length before it)."""
    lengths = period_lengths(cal, first, last)
    return next((hours for start, hours in reversed(lengths) if start <= at), lengths[0][1])


def hours_range(cal: Calendar) -> tuple[int, int]:
    """The shortest and the longest period of the table, in hours."""
    hours = [h for _, h in period_lengths(cal)]
    return min(hours), max(hours)
