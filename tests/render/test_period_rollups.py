"""The period roll-ups are exact: promtool scenarios over more than a whole period.

A 30d period cannot be simulated minute by minute cheaply, so these tests render the same rules for
a 2h period (`period_rules` takes any even number of hours; the expressions differ only in the
period's duration) and run scenarios of 5 hours: every hour boundary, the first period, and the
period's tail leaving the window are crossed several times. At many evaluation times (each hour's
first and last minute, the period boundary, and every 7 minutes) promtool checks that the recorded
period sums equal the sums of every recorded 5m rate in (t - P, t] to 1e-9 relative, read straight
from `slo:sli_{error,total}:rate5m`, and that one scenario's ratio equals the value computed here
from the synthetic counters. The period series exists at exactly the evaluations where the SLI's 5m
rates exist.

Prometheus 3 reads ranges left-open, (t - d, t]; Prometheus 2 closed, [t - d, t]. With timestamps in
whole milliseconds, (t - d, t] is [t - (d - 1ms), t]: running the same scenarios on promtool 2 with
every range of the rules shortened by 1ms runs them under Prometheus 3's range semantics.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from obsgen import durations, names, promql
from obsgen import yamlio as yamlout
from obsgen.render import prometheus_rules, rollups
from tests.conftest import PATIENCE

PERIOD = 2 * 3600
MINUTES = 5 * 60
CHECK_TIMES = sorted({*range(7, MINUTES + 1, 7), *(h * 60 + d for h in range(1, 6) for d in (-1, 0, 1)),
                      PERIOD // 60, PERIOD // 60 + 1} - {MINUTES + 1})


@pytest.fixture(scope="module")
def slo(example_plan):
    base = next(s for svc in example_plan.services for s in svc.slos if s.id == "checkout-availability")
    return dataclasses.replace(base, period=PERIOD, windows=(300,), alerts=())


def traffic(kind: str) -> list[tuple[int, int] | None]:
    """(errors, successes) per minute for each scenario; None is a minute without a scrape."""
    minutes = []
    for m in range(MINUTES + 1):
        hour = m // 60
        load = [600, 200, 1500, 900, 50, 1200, 700, 400][hour]  # uneven hour to hour
        errors = [3, 1, 20, 2, 0, 9, 4, 1][hour]
        if kind == "burst" and 170 <= m < 190:  # 20 minutes, across an hour boundary
            load, errors = 8000, 2400
        if kind == "quiet-hour" and 120 <= m < 180:  # a quiet hour with half of it failing
            load, errors = 4, 2
        minutes.append((errors, load - errors))
    if kind == "gap":  # 15 minutes without scrapes across an hour boundary, one more inside the tail
        minutes = [None if 112 <= m < 127 or 241 <= m < 244 else v for m, v in enumerate(minutes)]
    return minutes


def counters(slo, minutes: list[tuple[int, int] | None], reset_at: int | None) -> list[dict]:
    series = []
    for fixture in slo.sli.fixture:
        value, values = 0, []
        for m, step in enumerate(minutes):
            if m == reset_at:
                value = 0  # a restarted process counts from zero again
            if step is None:
                values.append("_")
                continue
            if m:
                value += fixture.bad * step[0] + fixture.good * step[1]
            values.append(str(value))
        series.append({"series": fixture.series, "values": " ".join(values)})
    return series


def rate5m(minutes) -> list[tuple[float, float] | None]:
    """What rate(x[5m]) records each minute for gap- and reset-free traffic: the increase over the
    last 5 minutes (6 samples a minute apart) divided by 300."""
    out = []
    for m in range(len(minutes)):
        if m < 1:
            out.append(None)
            continue
        first = max(0, m - 5)
        errors = sum(minutes[i][0] for i in range(first + 1, m + 1))
        total = sum(sum(minutes[i]) for i in range(first + 1, m + 1))
        out.append((errors / 300, total / 300))
    return out


def _expect(expr: str, minute: int, value: float) -> dict:
    return {"expr": promql.check(expr), "eval_time": f"{minute}m", "exp_samples": [{"labels": "{}", "value": value}]}


def has_rate(minutes, m: int, semantics: str) -> bool:
    """rate(x[5m]) needs two samples in its range: [m - 5, m] closed, (m - 5, m] left-open."""
    first = m - 5 if semantics == "closed" else m - 4
    return sum(1 for i in range(max(0, first), m + 1) if minutes[i] is not None) >= 2


def exactness_checks(slo, minutes, semantics: str, order: str) -> list[dict]:
    """Where the SLI has a 5m rate, the period sums are exact; where it has none, none is recorded.

    In the groups' own order (SLI, period) the period sums equal every recorded 5m rate in (t - P, t].
    In the reverse order the period group runs before the SLI group at each timestamp, so its copies
    read the 5m rates of the evaluation before: the period sums equal every recorded 5m rate in
    (t - 1m - P, t - 1m], and exist where the 5m rate did at t - 1m."""
    sel = slo.selector()
    just_under = rollups._just_under(PERIOD)
    shift = 0 if order == "sli-first" else 1
    checks = []
    for kind, source in (("error", names.SLI_ERROR_RATE), ("total", names.SLI_TOTAL_RATE)):
        recorded = promql.selector(names.period_sum(kind), sel)
        exact = f"sum_over_time({promql.selector(source, sel)}[{just_under}]{ORDERS[order]})"
        if order != "sli-first":  # summed without labels: the sum's labels are those the period group saw
            recorded, exact = f"sum({recorded})", f"sum({exact})"
        same = f"count(abs({recorded} - {exact}) <= 1e-9 * {exact}) or vector(0)"
        checks += [_expect(same, m, int(has_rate(minutes, m - shift, semantics))) for m in CHECK_TIMES if m > shift]
    return checks


def never_absent(slo, lag: str) -> dict:
    """The period series was recorded at every evaluation where the SLI's 5m total was (as the
    roll-ups read it). In the groups' own order, the budget the period group records from them; in
    the reverse order the period group reads the roll-ups of the evaluation before, so there the
    roll-ups' own ratio."""
    sel = slo.selector()
    whole = f"{MINUTES}m"
    remaining = promql.selector(names.ROLLED_UP_RATIO if lag else names.PERIOD_BUDGET_REMAINING, sel)
    total = promql.selector(names.SLI_TOTAL_RATE, sel)
    return _expect(f"sum(count_over_time({remaining}[{whole}]) - count_over_time({total}[{whole}]{lag}))", MINUTES, 0)


def analytic_checks(slo, minutes) -> list[dict]:
    """The ratio against the one computed here from the synthetic counters, at a few times."""
    rates = rate5m(minutes)
    ratio = promql.selector(names.sli_error_ratio(durations.format_seconds(PERIOD)), slo.selector())
    checks = []
    for m in (126, 179, 180, 181, 239, 240, MINUTES):  # windows clear of the first 5m

        window = [r for r in rates[max(0, m - PERIOD // 60 + 1):m + 1] if r]
        expected = sum(r[0] for r in window) / sum(r[1] for r in window)
        checks.append(_expect(f"count(abs({ratio} - {expected!r}) <= 1e-9 * {expected!r})", m, 1))
    return checks


SCENARIOS = {"uneven": None, "burst": None, "quiet-hour": None, "reset": 200, "gap": None}


ORDERS = {"sli-first": "", "period-first": " offset 1m"}  # how far behind the SLI the period group reads


def scenario_file(slo, semantics: str, scenarios, order: str = "sli-first") -> dict:
    groups = [g["name"] for g in prometheus_rules.groups_for(slo)]
    if order == "period-first":
        groups.reverse()
    tests = []
    for kind in scenarios:
        reset_at = SCENARIOS[kind]
        minutes = traffic(kind)
        checks = [*exactness_checks(slo, minutes, semantics, order), never_absent(slo, ORDERS[order])]
        # under left-open ranges rate() extrapolates, and the analytic values below assume it does not
        if kind == "uneven" and semantics == "closed" and order == "sli-first":
            checks += analytic_checks(slo, minutes)
        tests.append({"name": f"period roll-ups, {kind}", "interval": "1m",
                      "input_series": counters(slo, minutes, reset_at), "promql_expr_test": checks})
    return {"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "group_eval_order": groups, "tests": tests}


_RANGE = re.compile(r"\[(\d[0-9a-z]*)\]")


def left_open(text: str) -> str:
    """Every range d of the rules as d - 1ms: Prometheus 3's (t - d, t] on Prometheus 2."""
    def shorter(match: re.Match) -> str:
        ms = round(durations.seconds(match.group(1)) * 1000) - 1
        whole, rest = divmod(ms, 1000)
        return f"[{durations.format_seconds(whole)}{rest}ms]" if whole else f"[{rest}ms]"

    return _RANGE.sub(shorter, text)


def read_by(groups: list[dict], tests: dict) -> list[dict]:
    """The groups with only the recording rules the checks read, directly or through other kept rules
    (alerts, constants, burn rates left out): promtool evaluates every loaded rule at every step, and
    the rules kept read nothing that is left out, so they record exactly what they record with all
    loaded."""
    wanted = yamlout.dump(tests)
    rules = [r for g in groups for r in g["rules"] if "record" in r]
    kept: set[str] = set()
    while True:
        found = {r["record"] for r in rules if re.search(rf"(?<![\w:]){re.escape(r['record'])}(?![\w:])", wanted)}
        if found <= kept:
            break
        kept |= found
        wanted += "".join("\n" + r["expr"] for r in rules if r["record"] in found)
    return [{**g, "rules": [r for r in g["rules"] if r.get("record") in kept]} for g in groups]


def write(tmp: Path, slo, semantics: str, scenarios=tuple(SCENARIOS), order: str = "sli-first") -> Path:
    tests = scenario_file(slo, semantics, scenarios, order)
    return _write_rules(tmp, read_by(prometheus_rules.groups_for(slo), tests), semantics, tests)


def _write_rules(tmp: Path, groups: list[dict], semantics: str, tests: dict) -> Path:
    rules = yamlout.dump({"groups": groups})
    if semantics == "left-open":
        rules = left_open(rules)
    (tmp / "rules.yaml").write_text(rules)
    (tmp / "tests.yaml").write_text(yamlout.dump(tests))
    return tmp / "tests.yaml"


def test_left_open_shortens_every_range_by_a_millisecond():
    assert left_open("sum_over_time(x[1h]) + y[29d23h59m59s999ms] offset 4h + rate(z[5m])") == (
        "sum_over_time(x[59m59s999ms]) + y[29d23h59m59s998ms] offset 4h + rate(z[4m59s999ms])")


def run_all(promtool: str, paths: list[Path]) -> list[subprocess.CompletedProcess]:
    """One promtool process per file, in parallel."""
    def run(path: Path) -> subprocess.CompletedProcess:
        return subprocess.run([promtool, "test", "rules", path.name], cwd=path.parent, capture_output=True,
                              text=True, timeout=PATIENCE)  # GOGC: tests/conftest.py

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(run, paths))


VARIANTS = [("closed", "sli-first"), ("left-open", "sli-first"), ("closed", "period-first")]


def test_period_rollups_are_exact(promtool, tmp_path, slo):
    """Prometheus 2 and 3 range semantics, and either group evaluated first at the same timestamp."""
    paths = []
    for semantics, order in VARIANTS:
        (tmp_path / f"{semantics}-{order}").mkdir()
        paths.append(write(tmp_path / f"{semantics}-{order}", slo, semantics, order=order))
    for variant, done in zip(VARIANTS, run_all(promtool, paths), strict=True):
        assert done.returncode == 0, f"{variant}:\n" + done.stdout[-3000:] + done.stderr[-3000:]


# --- a late first evaluation of the hour --------------------------------------------------------
#
# A restart across an hour boundary, or a slow group that skips evaluations, moves the first
# evaluation of an hour past its first minute. Evaluated every 4m30s (promtool evaluates every group
# at the test's evaluation_interval, whatever the group's own; still inside the 5m lookback), the
# first evaluation of each hour comes 0 to 4 minutes late, differently for each hour, so P later the
# hour leaving the window may have been recorded after t - P. Whatever the cadence, the period sum
# must be every sample the group copied in (t - P, t], each exactly once.

CADENCE = 270  # seconds: 3600 is no multiple of it, so the hours' first evaluations drift


def _copies_in(slo, kind: str, window: str, offset: str = "") -> str:
    """The sum of both parities' copies over `window` (0 when there are none)."""
    sums = [f"(sum(sum_over_time({rollups.parity_sel(slo, names.rate_in_hours(kind), p)}"
            f"[{window}]{offset})) or vector(0))" for p in names.HOUR_PARITIES]
    return "(" + " + ".join(sums) + ")"


def _copies_in_period(slo, kind: str) -> str:
    return _copies_in(slo, kind, rollups._just_under(PERIOD))


def cadence_file(slo, order: str) -> tuple[list[dict], dict]:
    """From the second evaluation on (when the period group runs first, the first has no 5m rate
    yet): the period sums equal every copy in (t - P, t], the copy made earlier in the same
    evaluation included, in either order."""
    groups = prometheus_rules.groups_for(slo)
    checks = []
    for kind in ("error", "total"):
        recorded = f"sum({promql.selector(names.period_sum(kind), slo.selector())})"
        exact = _copies_in_period(slo, kind)
        same = f"count(abs({recorded} - {exact}) <= 1e-9 * {exact}) or vector(0)"
        checks += [{"expr": promql.check(same), "eval_time": durations.format_seconds(t),
                    "exp_samples": [{"labels": "{}", "value": 1}]}
                   for t in range(2 * CADENCE, MINUTES * 60 + 1, CADENCE)]
    test = {"name": f"period roll-ups evaluated every {CADENCE}s", "interval": "1m",
            "input_series": counters(slo, traffic("uneven"), None), "promql_expr_test": checks}
    order = [g["name"] for g in (groups if order == "sli-first" else reversed(groups))]
    return read_by(groups, {"tests": [test]}), {"rule_files": ["rules.yaml"], "evaluation_interval": f"{CADENCE}s",
                                                "group_eval_order": order, "tests": [test]}


def test_a_late_first_evaluation_of_the_hour_loses_nothing(promtool, tmp_path, slo):
    paths = []
    for semantics, order in VARIANTS:
        (tmp_path / f"{semantics}-{order}").mkdir()
        groups, tests = cadence_file(slo, order)
        paths.append(_write_rules(tmp_path / f"{semantics}-{order}", groups, semantics, tests))
    for variant, done in zip(VARIANTS, run_all(promtool, paths), strict=True):
        assert done.returncode == 0, f"{variant}:\n" + done.stdout[-3000:] + done.stderr[-3000:]


MUTATIONS = [
    ("hour sums read over the whole period, boundary included", "[1h59m59s999ms]", "[2h]"),
    # a term tagged like one before it is dropped by `or`
    ("the tail is not subtracted", f'"{names.ROLLUP_TERM}", "then"', f'"{names.ROLLUP_TERM}", "now"'),
    ("this hour's samples left out", f'"{names.ROLLUP_TERM}", "now"', f'"{names.ROLLUP_TERM}", "sums"'),
    ("hour sums recorded at every evaluation of the next hour",
     '_sum_hour{sloth_id="checkout-availability"}[1h])', '_sum_hour{sloth_id="checkout-availability"}[1ms])'),
    # the parity filter of this hour's copies: both parities' copies over the last hour
    ("the hour before counted as this one's", f') and on ({names.HOUR_PARITY}) (', ') or on () ('),
]
CADENCE_MUTATIONS = [
    ("a late hour sum still counted after it left the period", "[59m59s999ms] offset 1h)", "[1ms] offset 1h)"),
    ("hour sum only at the next hour's first minute", f" unless on ({names.SLOTH_ID}, {names.HOUR_PARITY}) present",
     f" and on () (floor(vector(time()) / 60) % 60 == 0) unless on ({names.SLOTH_ID}, {names.HOUR_PARITY}) present"),
]


def assert_mutants_fail(promtool, tmp_path, mutations, write_one) -> None:
    """Each (what, old, new) replaces old by new in the rules `write_one(directory)` writes: the
    scenarios must then fail."""
    paths = []
    for i, (what, old, new) in enumerate(mutations):
        (tmp_path / str(i)).mkdir()
        path = write_one(tmp_path / str(i))
        rules = path.with_name("rules.yaml").read_text()
        assert old in rules, f"mutation {what!r} no longer applies"
        path.with_name("rules.yaml").write_text(rules.replace(old, new))
        paths.append(path)
    for (what, _, _), done in zip(mutations, run_all(promtool, paths), strict=True):
        assert done.returncode != 0, f"{what}: the scenarios still pass"


def test_a_late_first_evaluation_catches_broken_rollups(promtool, tmp_path, slo):
    groups, tests = cadence_file(slo, "sli-first")
    assert_mutants_fail(promtool, tmp_path, CADENCE_MUTATIONS,
                        lambda where: _write_rules(where, groups, "closed", tests))


def test_the_scenarios_catch_broken_rollups(promtool, tmp_path, slo):
    """Each mutant fails the uneven scenario alone, so it fails every file that holds that scenario
    (promtool fails a file when any of its tests fails): the gap scenario caught each one too when
    this was measured, and running it as well only doubled the cost."""
    assert_mutants_fail(promtool, tmp_path, MUTATIONS, lambda where: write(where, slo, "closed", ("uneven",)))


# --- the roll-ups every 2m over copies written every minute ---------------------------------------
#
# promtool evaluates every group at the test's evaluation_interval. To run the roll-ups at a cadence
# of their own over copies written every minute, the copies (and the 5m rates its zero guards read)
# are input series at 1m, computed here from the synthetic counters, and only the roll-ups and
# period groups are loaded (the roll-ups' own copies add theirs, which the sums and the exact
# reference both count). At 2m the roll-ups' evaluations fall on every other copy; at 130s (3600
# is no multiple of it) the first evaluation of each hour drifts against the copies as well.

MIXED = [(every, semantics) for every in (120, 130) for semantics in ("closed", "left-open")]


def _input(name: str, slo, values: list[float | None], parity: str | None = None) -> dict:
    labels = {k: v for k, v in rollups.copy_rules(slo)[0]["labels"].items()  # what every recorded series
              if k != names.HOUR_PARITY}                                      # of the SLO carries
    return {"series": promql.selector(name, {**labels, **({names.HOUR_PARITY: parity} if parity else {})}),
            "values": " ".join("_" if v is None else repr(v) for v in values)}


def mixed_file(slo, kind: str, every: int) -> tuple[list[dict], dict]:
    rates = rate5m(traffic(kind))
    series = []
    for i, (name, source) in enumerate(rollups._KINDS):
        values = [None if r is None else r[i] for r in rates]
        series.append(_input(source, slo, values))
        series += [_input(names.rate_in_hours(name), slo,
                          [v if (m // 60) % 2 == p else None for m, v in enumerate(values)], parity)
                   for p, parity in enumerate(names.HOUR_PARITIES)]
    checks = []
    for name, _ in rollups._KINDS:
        recorded = f"sum({promql.selector(names.period_sum(name), slo.selector())})"
        exact = _copies_in_period(slo, name)
        same = f"count(abs({recorded} - {exact}) <= 1e-9 * {exact}) or vector(0)"
        checks += [{"expr": promql.check(same), "eval_time": durations.format_seconds(t),
                    "exp_samples": [{"labels": "{}", "value": 1}]} for t in range(every, MINUTES * 60 + 1, every)]
    remaining = promql.selector(names.PERIOD_BUDGET_REMAINING, slo.selector())
    checks += [{"expr": f"count({remaining})", "eval_time": f"{m}m", "exp_samples": [{"labels": "{}", "value": 1}]}
               for m in range(every // 60 + 1, MINUTES + 1)]  # never stale between two evaluations
    readers = (f"-{names.ROLLUPS_GROUP}", f"-{names.PERIOD_GROUP}")
    groups = [g for g in prometheus_rules.groups_for(slo) if g["name"].endswith(readers)]
    test = {"name": f"roll-ups every {every}s over copies every minute, {kind}", "interval": "1m",
            "input_series": series, "promql_expr_test": checks}
    # the roll-ups before the period group that reads their ratio (promtool's order is random
    # otherwise): a first period evaluation before the roll-ups' first leaves the budget absent until
    # its next evaluation, a start-up delay and not staleness between two evaluations
    return groups, {"rule_files": ["rules.yaml"], "evaluation_interval": f"{every}s",
                    "group_eval_order": [g["name"] for g in groups], "tests": [test]}


def test_the_rollups_every_2m_count_every_copy_written_each_minute(promtool, tmp_path, slo):
    paths = []
    for every, semantics in MIXED:
        where = tmp_path / f"{every}-{semantics}"
        where.mkdir()
        files = [mixed_file(slo, kind, every) for kind in ("uneven", "burst", "quiet-hour")]
        tests = {**files[0][1], "tests": [t for _, f in files for t in f["tests"]]}
        paths.append(_write_rules(where, files[0][0], semantics, tests))
    for variant, done in zip(MIXED, run_all(promtool, paths), strict=True):
        assert done.returncode == 0, f"{variant}:\n" + done.stdout[-3000:] + done.stderr[-3000:]


def test_the_mixed_cadence_catches_broken_rollups(promtool, tmp_path, slo):
    """At 2m the hour sums sit exactly P apart (a boundary mistake shows); at 130s the first
    evaluation of the hour drifts (a minute-0 assumption shows)."""
    for every, mutations in ((120, MUTATIONS[:3]), (130, CADENCE_MUTATIONS[1:])):
        groups, tests = mixed_file(slo, "burst", every)
        (tmp_path / str(every)).mkdir()
        assert_mutants_fail(promtool, tmp_path / str(every), mutations,
                            lambda where, g=groups, t=tests: _write_rules(where, g, "closed", t))


# --- a 5m total copied without its error ----------------------------------------------------------
#
# The SLI group appends each rule's result as it goes, and the roll-ups group evaluates on its own: a
# roll-ups evaluation that falls between the SLI group's two appends sees one 5m rate without the
# other. At the first evaluation (and after a scrape outage) that is the total without its error;
# when the traffic goes away, the error without its total (the total's stale marker comes first).
# A copy of one without the other would stay in the period's sums for a whole period. Here the 5m
# rates are input series with exactly those offsets, and only the roll-ups and period groups load.

def _race_rates() -> tuple[list[float | None], list[float | None]]:
    """(errors, totals) per minute: the total one minute before the error at the start and after a
    ten-minute outage; the error one minute longer than the total into the outage (minute 150)."""
    rates = rate5m(traffic("uneven"))
    errors = [None if r is None or m == 1 or 151 <= m <= 161 else r[0] for m, r in enumerate(rates)]
    totals = [None if r is None or 150 <= m < 160 else r[1] for m, r in enumerate(rates)]
    return errors, totals


def _ending(series: dict) -> dict:
    """A recorded series ends with a stale marker, as Prometheus writes when a rule's result loses it."""
    values = series["values"].split()
    ended = ["stale" if v == "_" and i and values[i - 1] != "_" else v for i, v in enumerate(values)]
    return {**series, "values": " ".join(ended)}


def race_file(slo) -> tuple[list[dict], dict]:
    errors, totals = _race_rates()
    paired = [(e, t) if e is not None and t is not None else None for e, t in zip(errors, totals, strict=True)]
    period = durations.format_seconds(PERIOD)
    ratio = promql.selector(names.sli_error_ratio(period), slo.selector())
    copies = {kind: " + ".join(f"(sum(count_over_time({rollups.parity_sel(slo, names.rate_in_hours(kind), p)}"
                               f"[{MINUTES}m])) or vector(0))" for p in names.HOUR_PARITIES)
              for kind, _ in rollups._KINDS}
    checks = [_expect(f"({copies['error']}) - ({copies['total']})", MINUTES, 0),
              _expect(f"{copies['total']}", MINUTES, sum(1 for p in paired if p))]
    for m in (30, 119, 121, 165, 175, 200, 245, 270, MINUTES):  # the start, the outage, zero errors (hour 4)
        both = [p for p in paired[max(0, m - PERIOD // 60 + 1):m + 1] if p]
        expected = sum(e for e, _ in both) / sum(t for _, t in both)
        checks.append(_expect(f"count(abs({ratio} - {expected!r}) <= 1e-9 * {expected!r})", m, 1))
    readers = (f"-{names.ROLLUPS_GROUP}", f"-{names.PERIOD_GROUP}")
    groups = [g for g in prometheus_rules.groups_for(slo) if g["name"].endswith(readers)]
    test = {"name": "a 5m rate recorded one evaluation before the other", "interval": "1m",
            "input_series": [_ending(_input(names.SLI_ERROR_RATE, slo, errors)),
                             _ending(_input(names.SLI_TOTAL_RATE, slo, totals))],
            "promql_expr_test": checks}
    return groups, {"rule_files": ["rules.yaml"], "evaluation_interval": "1m",
                    "group_eval_order": [g["name"] for g in groups], "tests": [test]}


def test_a_rate_is_never_copied_without_the_other(promtool, tmp_path, slo):
    """Each hour copy holds a total exactly where it holds the error, so the period ratio is exact
    whichever 5m rate the roll-ups group saw first; zero errors (hour 4) are copied, not dropped."""
    groups, tests = race_file(slo)
    done = run_all(promtool, [_write_rules(tmp_path, groups, "closed", tests)])[0]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def _relabelled(series: dict, minute: int, label: str) -> list[dict]:
    """The series under another value of `label` before `minute` (a spec's label changed then)."""
    values = series["values"].split()
    old = re.sub(rf'{label}="[^"]*"', f'{label}="before"', series["series"])
    assert old != series["series"], f"no {label} on {series['series']}"
    return [{"series": old, "values": " ".join([*values[:minute], "stale", *["_"] * (len(values) - minute - 1)])},
            {**series, "values": " ".join([*["_"] * minute, *values[minute:]])}]


def test_the_period_sums_count_what_was_recorded_before_a_label_change(promtool, tmp_path, slo):
    """An SLO's labels changed at an hour's start (minute 180): its hour sums and copies from before
    carry the old labels and still count, once, in the one period series."""
    label = next(k for k in dict(slo.labels) if k not in names.SLO_LABELS)
    groups, tests = mixed_file(slo, "uneven", 120)
    test = tests["tests"][0]
    test["input_series"] = [s for found in test["input_series"] for s in _relabelled(found, 180, label)]
    done = run_all(promtool, [_write_rules(tmp_path, groups, "closed", tests)])[0]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
