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

from obsgen import calendar, names, promql
from obsgen import yamlio as yamlout
from obsgen.plan.model import Slices
from obsgen.render import calendar_rules
from tests.render.test_calendar_rules import ROLLING_RATES, UNREAD, _check, _read, calendar_layout, folded, years
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


COPIES = {names.rate_in_hours(kind) for kind in ("error", "total")}  # the period group's first rules


def _groups(slo, cal, origin: int, run: int, unread: tuple[str, ...] = UNREAD) -> list[dict]:
    """The SLO's groups, with the calendar's rules on the clock moved to `origin` at promtool's 0; the
    rules no calendar or slice series and no check reads left out (test_calendar_rules.UNREAD), and
    the tables cut to the run (test_calendar_rules.folded: the same values, fewer operations at each of
    the run's evaluations)."""
    clock, table = f"(time() + {origin})", years(cal, origin, run)  # the tables of the run's years only
    groups = calendar_layout(slo)
    for group in groups:
        group["rules"] = [r for r in group["rules"] if _read(r, unread)]
        kind = group["name"].rsplit("-", 1)[-1]
        if kind == names.PERIOD_GROUP:  # the start hour's rules right after the copies, as groups_for has them
            copies = sum(1 for r in group["rules"] if r.get("record") in COPIES)
            group["rules"] = [*group["rules"][:copies], *calendar_rules.start_hour_rules(slo, kind, cal, clock, table),
                              *group["rules"][copies:], *calendar_rules.calendar_period_rules(slo, cal, clock, table)]
        else:
            group["rules"] = group["rules"] + calendar_rules.start_hour_rules(slo, kind, cal, clock, table)
    return folded(groups, origin, run)


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
    groups = _groups(slo, cal, origin, run)
    test = {"name": "ratio timeslices", "interval": "30s", "input_series": counters(slo, [(0, 0), *halves], None),
            "promql_expr_test": checks}
    return groups, {"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "group_eval_order": _order(groups),
                    "tests": [test]}


@pytest.mark.parametrize("semantics", ["closed", "left-open"])
def test_ratio_timeslices_average_the_slices_ratios(promtool, tmp_path, base, semantics):
    """OpenSLO: "an average of all time slices' success ratios in a budgeting period". Two hours
    either side of a month's start in Kolkata: the sums since the start and over the rolling period."""
    slo = dataclasses.replace(base, slices=Slices(60, None, ratio=True))
    cal = _cal("month", "Asia/Kolkata")  # the month starts at 18:30 UTC: the slices' hour is split too
    start = _bounds(cal, int(datetime(2025, 6, 15, tzinfo=UTC).timestamp()))[0]
    groups, tests = ratio_slices_file(slo, cal, start - start % H - 2 * H, 4 * H)
    done = run_all(promtool, [_write(tmp_path / "r", groups, tests, semantics)])[0]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


# --- periods that start inside a UTC hour, months anchored after the 28th -----------------------


def _cases() -> list[tuple[str, calendar.Calendar, datetime, int, int]]:
    """(what, calendar, an instant of the period whose start is checked, cadence in seconds, hours
    either side of that start: None for the whole period and a day either side)."""
    day31 = _cal("month", "Europe/Berlin", "2022-01-31 00:00:00")
    return [
        ("Asia/Kolkata +5:30, May 1 local (18:30 UTC)", _cal("month", "Asia/Kolkata"), datetime(2025, 5, 15), 60, 2),
        ("Asia/Kathmandu +5:45, June 1 local (18:15 UTC)", _cal("month", "Asia/Kathmandu"), datetime(2025, 6, 15),
         60, 2),
        ("Australia/Lord_Howe, a week from Saturday (13:30 UTC) across its 30-minute DST start, 167.5 hours",
         _cal("week", "Australia/Lord_Howe", "2022-01-01 00:00:00"), datetime(2025, 10, 7), H, None),
        ("New York, anchored 12:30 (OpenSLO's example startTime), February 21 at 17:30 UTC",
         _cal("month", "America/New_York", "2020-01-21 12:30:00"), datetime(2025, 3, 1), 60, 2),
        ("anchored on the 31st: starts on February 28", day31, datetime(2025, 3, 10), 60, 2),
        ("anchored on the 31st: starts on April 30 (a 30-day month)", day31, datetime(2025, 5, 10), 60, 2),
        ("anchored on the 31st, 10:30 in Kolkata: starts on February 28 at 05:00 UTC",
         _cal("month", "Asia/Kolkata", "2022-01-31 10:30:00"), datetime(2025, 3, 10), 60, 2),
    ]


def traffic(minutes: int) -> list[tuple[int, int]]:
    """(errors, successes) per minute: different every minute, so a minute counted in the wrong
    period changes the sums."""
    return [((m * 7) % 11, 300 + (m * 37) % 101) for m in range(minutes + 1)]


def rate5m(minutes, m: int) -> tuple[float, float]:
    window = minutes[m - 4:m + 1]
    return sum(e for e, _ in window) / 300, sum(e + s for e, s in window) / 300


def sums_file(slo, cal, origin: int, run: int, every: int) -> tuple[list[dict], dict]:
    """From `origin` for `run` seconds, evaluated every `every`: the sums since the period's start equal
    the 5m rates recorded since then (zoneinfo's bounds), and the budget remaining the one computed here."""
    minutes = traffic(run // 60)
    sel = slo.selector()
    checks = []
    for t in range(every, run + 1, every):
        first = _bounds(cal, origin + t)[0] - origin
        for kind in ("error", "total"):
            exact = f"sum_over_time({promql.selector(f'slo:sli_{kind}:rate5m', sel)}[{t - first + 1}s])"
            got = promql.selector(names.calendar_sum(kind), sel)
            checks.append(_check(f"count(abs({got} - {exact}) <= 1e-9 * abs({exact})) or vector(0)", t, 1))
        since = [rate5m(minutes, tt // 60) for tt in range(every, t + 1, every) if tt >= first]
        if every == 60 and first >= 300 and since:
            remaining = 1 - sum(r[0] for r in since) / sum(r[1] for r in since) / slo.budget
            checks.append(_check(_close(promql.selector(names.CALENDAR_BUDGET_REMAINING, sel), remaining), t, 1))
    scrape = 5 if every >= H else 1  # scraped every 5m at hourly evaluations: rate(x[5m]) reads two samples
    steps = [tuple(map(sum, zip(*minutes[m - scrape + 1:m + 1], strict=True))) if m else minutes[0]
             for m in range(0, len(minutes), scrape)]
    test = {"name": f"from {datetime.fromtimestamp(origin, UTC)}", "interval": f"{scrape}m",
            "input_series": counters(slo, steps, None), "promql_expr_test": checks}
    groups = _groups(slo, cal, origin, run, UNREAD + ROLLING_RATES)
    return groups, {"rule_files": ["rules.yaml"], "evaluation_interval": f"{every}s",
                    "group_eval_order": _order(groups), "tests": [test]}


def test_periods_starting_inside_an_hour_and_after_the_28th_are_exact(promtool, tmp_path, base):
    cases, paths = _cases(), []
    for i, (_, cal, inside, every, around) in enumerate(cases):
        start, end = _bounds(cal, int(inside.replace(tzinfo=UTC).timestamp()))
        if around is None:  # the whole period and a day either side
            origin, run = start - 86400 - start % H, end - start + 2 * 86400 + start % H
        else:
            origin, run = start - start % H - around * H, 2 * around * H
        paths.append(_write(tmp_path / str(i), *sums_file(base, cal, origin, run, every)))
    for (what, *_), done in zip(cases, run_all(promtool, paths), strict=True):
        assert done.returncode == 0, f"{what}:\n" + done.stdout[-3000:] + done.stderr[-2000:]


def test_the_split_hour_keeps_the_cost_flat(example_plan):
    """A Kolkata month reads what a whole-hour month reads, plus ranges over the before-start copies
    only: each at most 2 hours, and those series hold at most one hour of copies per period (the
    hour before a start), so at most 61 samples a range, on the period's first day as on its last."""
    from tests.render.test_calendar_cost import _ranges, samples_bound

    slo = next(s for svc in example_plan.services for s in svc.slos if s.id == "checkout-availability")
    whole = dataclasses.replace(slo, calendar=_cal("month", "Europe/Berlin"))
    split = dataclasses.replace(slo, calendar=_cal("month", "Asia/Kolkata"))
    base_rules = calendar_rules.calendar_period_rules(whole, whole.calendar)
    rules = calendar_rules.calendar_period_rules(split, split.calendar)
    before = {names.calendar_before_start(k, p) for k in ("error", "total") for p in names.HOUR_PARITIES}
    extra = [r for r in _ranges(rules) if r[0] in before]
    assert extra and all(seconds <= 2 * H and not offset for _, seconds, offset in extra)
    rest = [r for r in _ranges(rules) if r[0] not in before]
    assert set(rest) == set(_ranges(base_rules))  # nothing else is read, or read further back
    # the hour sum just recorded is read twice more in each tagged rule (1s ranges: one sample each)
    bound = samples_bound(split, rules) - sum(int(seconds // 60) + 1 for _, seconds, _ in extra) + 61 * len(extra)
    assert samples_bound(whole, base_rules) == 1668
    # the hour sum just recorded (1s ranges: one sample each): a whole-hour month reads it once in each
    # of its 3 tagged rules, the split hour each parity's apart and twice (the sum and its zero), 12
    # reads: 2 kinds x 9 one-sample reads more
    assert bound == 1668 + 2 * 9 + 16 * 61, bound
