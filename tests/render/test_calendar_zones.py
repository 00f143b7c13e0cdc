"""Calendar periods that start off a whole UTC hour, months anchored after the 28th, and
RatioTimeslices budgeting are exact: promtool runs around their period starts (issue 20).

As in test_calendar_rules.py, the rules are rendered with the calendar's clock moved to the period
under test (`time() + origin`, origin a whole hour: only the calendar's own expressions read it) and
the period bounds come from zoneinfo (obsgen.calendar.period_bounds). Each case is one promtool file
checking many evaluations; the files run in one batch.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from obsgen import calendar, durations, names, promql
from obsgen.plan.model import Slices
from obsgen.render import calendar_rules, prometheus_rules, yamlout
from tests.render.test_period_rollups import counters, left_open, run_all

H = 3600


@pytest.fixture(scope="module")
def base(example_plan):
    slo = next(s for svc in example_plan.services for s in svc.slos if s.id == "checkout-availability")
    # a 2h rolling period (its roll-ups are proven in test_period_rollups.py) keeps the runs short
    return dataclasses.replace(slo, windows=(300,), alerts=(), period=2 * H)


def _cal(unit: str, zone: str, start: str | None = None, count: int = 1) -> calendar.Calendar:
    return calendar.Calendar(unit, count, zone, calendar.parse_anchor(start, unit))


def _bounds(cal, at: int) -> tuple[int, int]:
    start, end = calendar.period_bounds(cal, datetime.fromtimestamp(at, UTC))
    return int(start.timestamp()), int(end.timestamp())


def _groups(slo, cal, origin: int) -> list[dict]:
    """The SLO's groups, with the calendar's rules on the clock moved to `origin` at promtool's 0."""
    clock = f"(time() + {origin})"
    groups = prometheus_rules.groups_for(dataclasses.replace(slo, calendar=None))
    for group in groups:
        kind = group["name"].rsplit("-", 1)[-1]
        if group["name"].endswith("-" + names.PERIOD_GROUP):
            group["rules"] = group["rules"] + calendar_rules.calendar_period_rules(slo, cal, clock)
        elif kind in (names.HOURS_GROUP, names.SLICES_GROUP):
            group["rules"] = group["rules"] + calendar_rules.start_hour_rules(slo, cal, clock)
    return groups


def _check(expr: str, seconds: int, value: float) -> dict:
    return {"expr": promql.check(expr), "eval_time": durations.format_seconds(seconds) if seconds else "0s",
            "exp_samples": [{"labels": "{}", "value": value}]}


def _close(got: str, want: float) -> dict:
    return f"count(abs({got} - {want!r}) <= 1e-9 * {max(abs(want), 1e-9)!r}) or vector(0)"


def _write(where, groups, tests, semantics="closed"):
    where.mkdir()
    text = yamlout.dump({"groups": groups})
    (where / "rules.yaml").write_text(left_open(text) if semantics == "left-open" else text)
    (where / "tests.yaml").write_text(yamlout.dump(tests))
    return where / "tests.yaml"


def _order(groups: list[dict]) -> list[str]:
    """The period group last, as in every minute of a live server some evaluation order is."""
    last = [g["name"] for g in groups if g["name"].endswith("-" + names.PERIOD_GROUP)]
    return [g["name"] for g in groups if g["name"] not in last] + last


# --- RatioTimeslices --------------------------------------------------------------------------


def slice_traffic(minutes: int) -> list[tuple[int, int]]:
    """(errors, events) per minute, both even (split over two 30s scrapes): ratios differ every
    minute, a minute without events every 13th (no slice)."""
    found = []
    for m in range(minutes + 1):
        events = 0 if m % 13 == 0 else 200 + 20 * (m % 7)
        found.append((2 * (((m * 5) % 17) * events // 200), events))
    return found


def ratio_slices_file(slo, cal, origin: int, run: int) -> tuple[list[dict], dict]:
    """Every minute (1m slices, counters scraped every 30s): the sums of the slices' good ratios and
    the slices since the period's start, and the calendar budget, equal the mean computed here."""
    traffic = slice_traffic(run // 60)
    halves = [(e // 2, (n - e) // 2) for e, n in traffic[1:] for _ in range(2)]
    good = {m: 1 - e / n for m, (e, n) in enumerate(traffic) if m and n}  # minute -> its good ratio
    sel = slo.selector()
    checks = []
    for t in range(120, run + 1, 60):
        first = _bounds(cal, origin + t)[0] - origin
        for label, lo in (("calendar", first), ("period", t - slo.period + 60)):
            counted = [g for m, g in good.items() if lo <= m * 60 <= t]
            for kind, want in (("good_slices", sum(counted)), ("slices", len(counted))):
                name = names.calendar_sum(kind) if label == "calendar" else names.period_sum(kind)
                checks.append(_check(_close(f"sum({promql.selector(name, sel)})", want), t, 1))
        counted = [g for m, g in good.items() if first <= m * 60 <= t]
        if counted:
            remaining = 1 - (1 - sum(counted) / len(counted)) / slo.budget
            checks.append(_check(_close(promql.selector(names.CALENDAR_BUDGET_REMAINING, sel), remaining), t, 1))
    groups = _groups(slo, cal, origin)
    test = {"name": "ratio timeslices", "interval": "30s", "input_series": counters(slo, [(0, 0), *halves], None),
            "promql_expr_test": checks}
    return groups, {"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "group_eval_order": _order(groups),
                    "tests": [test]}


@pytest.mark.parametrize("semantics", ["closed", "left-open"])
def test_ratio_timeslices_average_the_slices_ratios(promtool, tmp_path, base, semantics):
    """OpenSLO: "an average of all time slices' success ratios in a budgeting period". Two hours
    either side of a month's start in Berlin: the sums since the start and over the rolling period."""
    slo = dataclasses.replace(base, slices=Slices(60, None, ratio=True))
    cal = _cal("month", "Europe/Berlin")
    start = _bounds(cal, int(datetime(2025, 6, 15, tzinfo=UTC).timestamp()))[0]
    groups, tests = ratio_slices_file(slo, cal, start - 2 * H, 4 * H)
    done = run_all(promtool, [_write(tmp_path / "r", groups, tests, semantics)])[0]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
