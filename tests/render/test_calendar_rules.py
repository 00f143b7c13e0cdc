"""Calendar periods and timeslices are exact: promtool runs whole months and weeks.

promtool's clock starts at 1970-01-01, so the proofs render the rules with the calendar's clock moved
to the month under test (`time() + origin`, origin a whole hour; only the calendar's own expressions
read it, so hour sums and copies are unchanged) and run from a day before the period's start to a day
after its end. Each case is a month length (28, 29, 30, 31 days), a zone with a UTC offset, and a DST
change inside the month (743 and 745-hour months) or inside a week. The period starts and ends are
computed here from zoneinfo (obsgen.calendar.period_bounds), and the synthetic traffic differs every
hour, so a period that starts one hour early or late, or an hour counted twice or lost, changes the
sums.

Hourly cadence (a month of minutes at 1m would be 45,000 evaluations): at every hour, the recorded
sums since the start equal every 5m rate recorded in [start, t], read straight from
`slo:sli_{error,total}:rate5m`, and the budget remaining equals the value computed here from the
counters. At 1m cadence a few hours around the boundary (both range semantics) prove the same at
every minute. Timeslices: each minute's slice from counters scraped every 30s; the good and all
slices since the start equal the counts computed here.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from unittest import mock

import pytest

from obsgen import calendar, durations, names, promql
from obsgen import yamlio as yamlout
from obsgen.plan.model import Slices
from obsgen.render import calendar_rules, prometheus_rules, rollups
from tests.render.test_period_rollups import counters, left_open, run_all

H = 3600


def _cal(unit: str, zone: str, start: str | None = None) -> calendar.Calendar:
    return calendar.Calendar(unit, 1, zone, calendar.parse_anchor(start, unit))


# (what, calendar, an instant inside the period under test, its length in hours, whether it is run whole)
CASES = [
    ("31-day month, Asia/Tokyo +9", _cal("month", "Asia/Tokyo"), datetime(2025, 1, 15, tzinfo=UTC), 744, False),
    ("28-day month, Europe/Berlin +1", _cal("month", "Europe/Berlin"), datetime(2025, 2, 15, tzinfo=UTC), 672, False),
    ("29-day month, America/New_York -5", _cal("month", "America/New_York"), datetime(2024, 2, 15, tzinfo=UTC), 696,
     False),
    ("30-day month, Europe/Berlin +2", _cal("month", "Europe/Berlin"), datetime(2025, 4, 15, tzinfo=UTC), 720, False),
    ("DST starts: March in Berlin", _cal("month", "Europe/Berlin"), datetime(2025, 3, 15, tzinfo=UTC), 743, True),
    ("DST ends: October in Berlin", _cal("month", "Europe/Berlin"), datetime(2025, 10, 15, tzinfo=UTC), 745, True),
    ("DST starts in a week from Saturday noon, New York",
     _cal("week", "America/New_York", "2022-01-01 12:00:00"), datetime(2025, 3, 10, tzinfo=UTC), 167, True),
    ("A quarter with a DST change (90 days less an hour), Berlin",
     calendar.Calendar("month", 3, "Europe/Berlin", calendar.parse_anchor(None, "month")),
     datetime(2025, 2, 15, tzinfo=UTC), 2159, True),
]
# The months without a DST change run a day either side of their start and a day either side of their
# end, not the weeks between: there every hour is evaluated by the same expressions (the zone's offset
# and the period's index constant, test_period_indices_step_exactly_at_each_start), as in the middle
# of the DST months, the quarter and the week, which run whole; the sums' range is the same for every
# month (the longest month's, 745 hours, run whole in October) and is proven to hold a whole month
# there. What differs between these months is at their ends: when they start and stop (in their
# zone) and their length (the hours table), all checked hourly within 3 hours of both ends. A whole
# month costs 792 hourly evaluations of every rule; the two days at each end 96.
WEEK = CASES[6][1]
# The offset and length tables of the years each run falls in: the rules as generated hold 2024-2040
# (test_the_offset_table_is_zoneinfo and test_period_indices_step_exactly_at_each_start check those);
# a shorter table makes each of the many hourly evaluations here several times cheaper. Each table is a
# sum of steps `delta * (clock >= bool at)`: over a run inside its years the steps left out are all 0
# (later) or all 1 (earlier, folded into the table's first value), so the rules record the same values.


def years(cal, origin: int, run: int) -> tuple[int, int]:
    """The years of the clocks a run's rules read (from the last second of the hour before the run to
    the end of its last hour); whether the rules split the start hour is the same as for the whole
    table."""
    found = tuple(datetime.fromtimestamp(origin + at, UTC).year for at in (-2 * H, run + 2 * H))
    assert calendar.starts_off_the_hour(cal, *found) == calendar.starts_off_the_hour(cal)
    return found


@pytest.fixture(scope="module")
def base(example_plan):
    slo = next(s for svc in example_plan.services for s in svc.slos if s.id == "checkout-availability")
    # a 2h rolling period: its own roll-ups are proven in test_period_rollups.py, and a 30d one would
    # triple the time of a month at hourly cadence
    return dataclasses.replace(slo, windows=(300,), alerts=(), period=2 * H)


def hourly_traffic(hours: int) -> list[tuple[int, int]]:
    """(errors, successes) per minute: different in every hour, never the same twice in a row."""
    return [((h * 7) % 11, 300 + (h * 37) % 101) for h in range(hours) for _ in range(60)]


def rate5m(minutes, m: int) -> tuple[float, float]:
    """rate(x[5m]) at minute m (closed range, samples at both ends: no extrapolation)."""
    window = minutes[m - 4:m + 1]
    return sum(e for e, _ in window) / 300, sum(e + s for e, s in window) / 300


# Rules no calendar or slice series reads (constants, burn rates, the windows' ratios, the health
# alerts): left out of these runs, which evaluate every rule at each of thousands of steps.
UNREAD = (names.SLO_INFO, names.TIME_PERIOD_DAYS, names.OBJECTIVE, names.ERROR_BUDGET, names.CURRENT_BURN_RATE,
          names.PERIOD_BURN_RATE, names.PERIOD_BUDGET_REMAINING, names.SLI_ERROR_RATIO.format(window=""))


# The rolling period's sums of the 5m rates: no calendar rule reads them, and the month proofs check
# only the calendar's sums (the timeslice proofs check the slices' rolling sums: kept there).
ROLLING_RATES = tuple(names.period_sum(kind) for kind in ("error", "total"))


def _read(rule: dict, unread: tuple[str, ...] = UNREAD) -> bool:
    return "record" in rule and not rule["record"].startswith(unread)


def calendar_layout(slo) -> list[dict]:
    """The SLO's groups without its calendar's rules, laid out as a calendar SLO's are: its roll-ups
    in the period group, where the calendar's rules read the hour sums the same evaluation records."""
    with mock.patch.object(rollups, "split", lambda _: False):
        return prometheus_rules.groups_for(dataclasses.replace(slo, calendar=None))


def _groups(slo, cal, origin: int, run: int, unread: tuple[str, ...] = UNREAD) -> list[dict]:
    """The SLO's groups with the calendar's clock moved to `origin` at promtool's time 0, for a run of
    `run` seconds."""
    groups = calendar_layout(slo)
    for group in groups:
        group["rules"] = [r for r in group["rules"] if _read(r, unread)]
    period = next(g for g in groups if g["name"].endswith("-" + names.PERIOD_GROUP))
    period["rules"] = period["rules"] + calendar_rules.calendar_period_rules(slo, cal, f"(time() + {origin})",
                                                                        years(cal, origin, run))
    return groups


# A table as calendar.offset_expr and calendar.hours_expr write it: (first value, then a step
# `+ delta * (clock >= bool at)` at each change)
_TABLE = re.compile(r"\((-?\d+)((?: [+-] \d+ \* \([^>]+? >= bool \d+\))+)\)")
_STEP = re.compile(r" ([+-]) (\d+) \* \([^>]+? >= bool (\d+)\)")


def folded(groups: list[dict], origin: int, run: int) -> list[dict]:
    """The groups with each table cut to the steps inside the run, as years() cuts it to the run's
    years, for the same reason (each step is several PromQL operations at each of hundreds of
    evaluations): every clock the rules read lies within two hours of [origin, origin + run], so a
    step at or before that is 1 throughout (folded into the first value) and one after it 0
    throughout (left out), and the rules record the same values."""
    lo, hi = origin - 2 * H, origin + run + 2 * H

    def table(match: re.Match) -> str:
        first, kept = int(match.group(1)), []
        for step in _STEP.finditer(match.group(2)):
            at, delta = int(step.group(3)), int(step.group(2)) * (1 if step.group(1) == "+" else -1)
            if at <= lo:
                first += delta
            elif at <= hi:
                kept.append(step.group(0))
        return f"({first}{''.join(kept)})"

    return [{**g, "rules": [{**r, "expr": _TABLE.sub(table, r["expr"])} for r in g["rules"]]} for g in groups]


def _check(expr: str, seconds: int, value: float) -> dict:
    return {"expr": promql.check(expr), "eval_time": durations.format_seconds(seconds) if seconds else "0s",
            "exp_samples": [{"labels": "{}", "value": value}]}


def _same(recorded: str, exact: str) -> str:
    return f"count(abs({recorded} - {exact}) <= 1e-9 * abs({exact})) or vector(0)"


def _bounds(cal, at: int) -> tuple[int, int]:
    start, end = calendar.period_bounds(cal, datetime.fromtimestamp(at, UTC))
    return int(start.timestamp()), int(end.timestamp())


def month_file(slo, cal, origin: int, run: int, every: int, analytic: bool = True,
               fold: bool = False) -> tuple[list[dict], dict]:
    """From `origin` for `run` seconds, evaluated `every` seconds: at each evaluation, the sums since
    the period's start and (analytic) the budget remaining computed here: under left-open ranges
    rate() extrapolates, which this computation does not. Hourly: every 6 hours (every 5 days for a
    period longer than a month) and every hour within 3 hours of a period's start or end; and the
    period's length in hours, which the alerts' factors read, is zoneinfo's. `fold`: the tables cut
    to the run (folded())."""
    minutes = hourly_traffic(run // H + 1)[:run // 60 + 1]
    sel = slo.selector()
    checks = []
    for t in range(every, run + 1, every):
        first, last = (b - origin for b in _bounds(cal, origin + t))  # on promtool's clock
        sample = 6 * H if cal.longest < 32 * 86400 else 5 * 86400
        if every >= H and t % sample and min(t - first, last - t) > 3 * H:
            continue
        since = [rate5m(minutes, tt // 60) for tt in range(every, t + 1, every) if tt >= first]
        checks.append(_check(f"max({promql.selector(names.CALENDAR_HOURS, sel)})", t, (last - first) // H))
        for kind in ("error", "total"):
            exact = f"sum_over_time({promql.selector(f'slo:sli_{kind}:rate5m', sel)}[{t - first + 1}s])"
            checks.append(_check(_same(promql.selector(names.calendar_sum(kind), sel), exact), t, 1))
        if analytic and first >= 300 and since:  # a period that began before the counters' first 5 minutes: sums only
            ratio = sum(r[0] for r in since) / sum(r[1] for r in since)
            remaining = 1 - ratio / slo.budget
            got = promql.selector(names.CALENDAR_BUDGET_REMAINING, sel)
            checks.append(_check(f"count(abs({got} - {remaining!r}) <= 1e-9 * {abs(remaining)!r})", t, 1))
    start = origin
    # scraped every 5m at hourly evaluations (a fifth of the input; rate(x[5m]) still reads two samples)
    scrape = 5 if every >= H else 1
    steps = [tuple(map(sum, zip(*minutes[m - scrape + 1:m + 1], strict=True))) if m else minutes[0]
             for m in range(0, len(minutes), scrape)]
    test = {"name": f"calendar period from {datetime.fromtimestamp(start, UTC)}", "interval": f"{scrape}m",
            "input_series": counters(slo, steps, None), "promql_expr_test": checks}
    groups = _groups(slo, cal, origin, run, UNREAD + ROLLING_RATES)
    if fold:
        groups = folded(groups, origin, run)
    return groups, {"rule_files": ["rules.yaml"], "evaluation_interval": f"{every}s",
                    "group_eval_order": [g["name"] for g in groups], "tests": [test]}


def _write(where, groups, tests, semantics="closed"):
    where.mkdir()
    text = yamlout.dump({"groups": groups})
    (where / "rules.yaml").write_text(left_open(text) if semantics == "left-open" else text)
    (where / "tests.yaml").write_text(yamlout.dump(tests))
    return where / "tests.yaml"


def test_the_offset_table_is_zoneinfo(tmp_path):
    """The PromQL offset over 2025 equals zoneinfo's: both are step functions, so they are compared on
    both sides of every change of either (zoneinfo's, found hour by hour here, and the table's), which
    checks every stretch where both are constant, and every 5 days. One promtool run, a group per zone."""
    origin = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
    groups = []
    for zone in ("Europe/Berlin", "America/New_York", "Australia/Sydney"):
        tz = calendar.zone(zone)

        def offset(t: int, tz=tz) -> float:
            return datetime.fromtimestamp(origin + t, UTC).astimezone(tz).utcoffset().total_seconds()

        changes = {t for t in range(H, 365 * 86400, H) if offset(t) != offset(t - H)}
        assert len(changes) == 2  # the zone's two DST changes of 2025
        changes |= {at - origin for at, _ in calendar.transitions(zone)[1] if 0 < at - origin < 365 * 86400}
        times = sorted({0, *range(0, 365 * 86400, 5 * 86400), *changes, *(t - H for t in changes)})
        expr = calendar.offset_expr(zone, f"(time() + {origin})")
        groups.append({"name": zone, "interval": "1d", "input_series": [],
                       "promql_expr_test": [_check(f"vector({expr})", t, offset(t)) for t in times]})
    tests = {"rule_files": [], "evaluation_interval": "1d", "tests": groups}
    (tmp_path / "offset.yaml").write_text(yamlout.dump(tests))
    done = run_all(_promtool(), [tmp_path / "offset.yaml"])[0]
    assert done.returncode == 0, done.stdout[-2000:]


def _promtool() -> str:
    from tests.conftest import require_tool

    return require_tool("promtool")


def test_whole_periods_are_exact(promtool, tmp_path, base):
    paths = []
    runs = []
    for i, (what, cal, inside, hours, whole) in enumerate(CASES):
        start, end = _bounds(cal, int(inside.timestamp()))
        assert (end - start) // H == hours, what  # the case is the month it says
        spans = [(start - 86400, end - start + 2 * 86400)]  # from a day before to a day after
        if not whole:  # a day either side of each end
            spans = [(at - 86400, 2 * 86400) for at in (start, end)]
        for j, (origin, run) in enumerate(spans):
            groups, tests = month_file(base, cal, origin, run, H, fold=True)
            paths.append(_write(tmp_path / f"{i}-{j}", groups, tests))
            runs.append(what)
    for what, done in zip(runs, run_all(promtool, paths), strict=True):
        assert done.returncode == 0, f"{what}:\n" + done.stdout[-3000:] + done.stderr[-2000:]


@pytest.mark.parametrize("semantics", ["closed", "left-open"])
def test_every_minute_across_the_boundary(promtool, tmp_path, base, semantics):
    """At 1m (the copies' cadence in promtool), 3 hours either side of a DST month's end."""
    _, cal, inside, *_ = CASES[4]
    end = _bounds(cal, int(inside.timestamp()))[1]
    groups, tests = month_file(base, cal, end - 3 * H, 6 * H, 60, analytic=semantics == "closed")
    done = run_all(promtool, [_write(tmp_path / "m", groups, tests, semantics)])[0]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


# --- timeslices -------------------------------------------------------------------------------

TARGET = 0.95


def slice_traffic(minutes: int) -> list[tuple[int, int]]:
    """(errors, events) per minute: good at 4% errors, bad at 6%, no events every 17th minute."""
    found = []
    for m in range(minutes + 1):
        events = 0 if m % 17 == 0 else 200 + 20 * (m % 5)
        found.append(((0, 4, 6)[m % 3] * events // 100, events))
    return found


def slices_file(slo, cal, origin: int, run: int) -> tuple[list[dict], dict]:
    """Evaluated every minute, scraped every 30s: the good and all slices since the period's start
    and over the rolling period equal the counts of the minutes computed here."""
    traffic = slice_traffic(run // 60)
    halves = [(e // 2, (n - e) // 2) for e, n in traffic[1:] for _ in range(2)]  # minute m: steps 2m-1, 2m
    slices = {m: 1 - e / n >= TARGET for m, (e, n) in enumerate(traffic) if m and n}  # minute -> good
    assert 0 < sum(slices.values()) < len(slices)
    sel = slo.selector()
    checks = []
    for t in range(120, run + 1, 60):
        first = _bounds(cal, origin + t)[0] - origin
        for label, lo in (("calendar", first), ("period", t - slo.period + 60)):
            counted = [good for m, good in slices.items() if lo <= m * 60 <= t]
            for kind, want in (("good_slices", sum(counted)), ("slices", len(counted))):
                name = names.calendar_sum(kind) if label == "calendar" else names.period_sum(kind)
                checks.append(_check(f"sum({promql.selector(name, sel)})", t, want))
    groups = _groups(slo, cal, origin, run)
    order = [g["name"] for g in groups if not g["name"].endswith("-" + names.PERIOD_GROUP)]
    order += [g["name"] for g in groups if g["name"].endswith("-" + names.PERIOD_GROUP)]
    series = counters(slo, [(0, 0), *halves], None)
    test = {"name": "timeslices", "interval": "30s", "input_series": series, "promql_expr_test": checks}
    return groups, {"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "group_eval_order": order,
                    "tests": [test]}


@pytest.mark.parametrize("semantics", ["closed", "left-open"])
def test_timeslices_are_counted_exactly(promtool, tmp_path, base, semantics):
    """A week from Saturday noon in New York: 3 hours either side of its start."""
    cal = WEEK
    slo = dataclasses.replace(base, slices=Slices(60, TARGET))
    start = _bounds(cal, int(datetime(2025, 3, 10, tzinfo=UTC).timestamp()))[0]
    groups, tests = slices_file(slo, cal, start - 3 * H, 6 * H)
    done = run_all(promtool, [_write(tmp_path / "s", groups, tests, semantics)])[0]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


MUTATIONS = [
    ("hour sums tagged with the period of now, not of their hour",
     'index_last_hour{sloth_id="checkout-availability"} % 3', 'index{sloth_id="checkout-availability"} % 3'),
    ("this hour left out", ")\n      + (sum without (obsgen_hour_parity) (",
     ")\n      + 0 * (sum without (obsgen_hour_parity) ("),
    ("the zone's standard offset ignored (UTC+1 read as UTC)", "+ (3600 + 3600 * (", "+ (0 + 3600 * ("),
    ("the clock not moving", "(time() + 1743", "(0 * time() + 1743"),
]


def test_the_proofs_catch_broken_calendar_rules(promtool, tmp_path, base):
    """The hourly proofs (test_whole_periods_are_exact's checks) a day either side of a DST month's
    end: they pass on the rules as generated and fail on each mutant. Hourly, as the whole periods run:
    48 evaluations a file instead of 360 at 1m, and each mutant shows at every hour or in the hours
    around the end, which are all checked."""
    _, cal, inside, *_ = CASES[4]
    end = _bounds(cal, int(inside.timestamp()))[1]
    groups, tests = month_file(base, cal, end - 86400, 2 * 86400, H)
    paths = [_write(tmp_path / "as-generated", groups, tests)]
    for i, (what, old, new) in enumerate(MUTATIONS):
        path = _write(tmp_path / str(i), groups, tests)
        rules = path.with_name("rules.yaml").read_text()
        assert old in rules, f"mutation {what!r} no longer applies"
        path.with_name("rules.yaml").write_text(rules.replace(old, new))
        paths.append(path)
    control, *mutants = run_all(promtool, paths)
    assert control.returncode == 0, control.stdout[-3000:] + control.stderr[-2000:]
    for (what, _, _), done in zip(MUTATIONS, mutants, strict=True):
        assert done.returncode != 0, f"{what}: the proofs still pass"



INDEXED = [_cal("month", "Europe/Berlin", "2030-02-01 06:00:00"),
           calendar.Calendar("month", 3, "Europe/Berlin", calendar.parse_anchor("2030-02-01 06:00:00", "month")),
           calendar.Calendar("week", 2, "Asia/Tokyo", calendar.parse_anchor("2031-01-04 00:00:00", "week")),
           _cal("week", "America/New_York", "2022-01-01 12:00:00")]


def test_period_indices_step_exactly_at_each_start(tmp_path):
    """Months, quarters and fortnights anchored in the future too: over 2025 the index grows by one
    exactly at each period start zoneinfo gives (from the hour before it to that hour), not in the hour
    before (nor between, every 5 days), and is never negative. The index expression itself is checked
    at those instants (no rule evaluated at every hour: one cheap run)."""
    origin = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
    checks = []
    for cal in INDEXED:
        def index(back: int, cal=cal) -> str:  # the offset table of the clocks read: years(), as above
            local = calendar.local_expr(cal.time_zone, f"(time() + {origin - back})", *years(cal, origin, 300 * 86400))
            return f"({calendar.index_expr(cal, local)})"

        starts, at = set(), origin
        while at < origin + 300 * 86400:
            at = _bounds(cal, at)[1]
            starts.add(at - origin)
        for t in sorted(starts | set(range(5 * 86400, 300 * 86400, 5 * 86400))):
            checks.append(_check(f"{index(0)} - {index(H)}", t, int(t in starts)))
            checks.append(_check(f"{index(H)} - {index(2 * H)}", t, 0))
            checks.append(_check(f"{index(0)} >= bool 0", t, 1))
    tests = {"rule_files": [], "evaluation_interval": "1d",
             "tests": [{"name": "indices", "interval": "1d", "input_series": [], "promql_expr_test": checks}]}
    (tmp_path / "indices.yaml").write_text(yamlout.dump(tests))
    done = run_all(_promtool(), [tmp_path / "indices.yaml"])[0]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
