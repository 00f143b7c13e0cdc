"""The fastest page's long window (1h) read from 5m tiles is the raw read, and a skipped evaluation
or a gap moves it by at most one evaluation interval or falls back: promtool runs the rules as
generated.

1. Exactness: the SLI group as generated, over raw counters with uneven traffic and a counter reset,
   records a 1h ratio equal (to 1e-9 relative) to the raw read of the SLI queries over 1h
   (`raw_ratio`, what Sloth and the rules before the tiles record), at every minute from the first
   whole hour on; the derived sum of every 5m rate in the hour differs there, so the tiles are what
   was read.
2. Off the grid: the 1h rule and the runs of tiles it reads (burnrate.tile_runs) over recorded 5m
   rates with one evaluation missing (minute GAP) and a gap of more than 5m (LONG_GAP). A tile
   whose offset lands on the missing evaluation reads the sample before it (one interval earlier),
   so the hour is still 12 tiles and never the ramp; a tile with no sample within 5m makes its run
   absent, a run is read as a tile is (the one before it within 5m), and a run with none within
   5m makes the sum absent: the rule is then the derived hour.
"""

from __future__ import annotations

import subprocess

import pytest

from obsgen import burnrate, names, promql
from obsgen import yamlio as yamlout
from obsgen.render import prometheus_rules
from tests.conftest import PATIENCE

HOUR_MIN = 60
MINUTES = 150
GAP = 68  # the minute whose evaluation is missing in the guard scenario


@pytest.fixture(scope="module")
def slo(example_plan):
    found = next(s for svc in example_plan.services for s in svc.slos if s.id == "checkout-availability")
    assert burnrate.raw_windows(found.catalog) == (3600,) and burnrate.tiles(3600)
    return found


def _load(m: int) -> tuple[int, int]:
    """(errors, requests) in minute m: uneven minute to minute, so a ramped sum differs from the raw."""
    return (m * 7) % 13 + (40 if 95 <= m < 99 else 0), 300 + (m * 37) % 211


def counters(slo) -> list[dict]:
    series = []
    for fixture in slo.sli.fixture:
        value, values = 0, []
        for m in range(MINUTES + 1):
            if m == 120:
                value = 0  # a restarted process counts from zero again
            elif m:
                errors, total = _load(m)
                value += fixture.bad * errors + fixture.good * (total - errors)
            values.append(str(value))
        series.append({"series": fixture.series, "values": " ".join(values)})
    return series


def _count(expr: str, minute: int, value: int) -> dict:
    return {"expr": promql.check(f"count({expr}) or vector(0)"), "eval_time": f"{minute}m",
            "exp_samples": [{"labels": "{}", "value": value}]}


def _run(promtool, directory, groups: list[dict], tests: list[dict]) -> subprocess.CompletedProcess:
    directory.mkdir(exist_ok=True)
    (directory / "rules.yaml").write_text(yamlout.dump({"groups": groups}))
    (directory / "tests.yaml").write_text(yamlout.dump({"rule_files": ["rules.yaml"], "evaluation_interval": "1m",
                                                        "tests": tests}))
    return subprocess.run([promtool, "test", "rules", "tests.yaml"], cwd=directory, capture_output=True,
                          text=True, timeout=PATIENCE)


def test_the_tiles_are_the_raw_read(promtool, tmp_path, slo):
    sli_group = prometheus_rules.groups_for(slo)[0]
    rules = [r for r in sli_group["rules"] if "record" in r]
    ratio = promql.selector(names.sli_error_ratio("1h"), slo.selector())
    # one series each: compared without their labels
    ratio = f"sum({ratio})"
    raw = f"sum({prometheus_rules.raw_ratio(slo, '1h')})"
    derived = f"sum({prometheus_rules.derived_ratio(slo, '1h')})"
    minutes = range(HOUR_MIN, MINUTES + 1)
    checks = [_count(f"abs({ratio} - {raw}) <= 1e-9 * {raw}", m, 1)
              for m in minutes]
    # the derived hour differs where the traffic of its ramp does (most minutes): not what was read
    checks += [_count(f"abs({derived} - {raw}) > 1e-6 * {raw}", m, 1) for m in (70, 97, 100, 125, 140)]
    test = {"name": "1h tiles against the raw 1h read", "interval": "1m", "input_series": counters(slo),
            "promql_expr_test": checks}
    done = _run(promtool, tmp_path / "exact", [{**sli_group, "rules": rules}], [test])
    assert done.returncode == 0, done.stdout[:3000] + done.stderr[-3000:]


def _rates(m: int) -> tuple[float, float]:
    errors, total = _load(m)
    return errors / 300, total / 300


LONG_GAP = range(125, 140)  # 15 minutes without a 5m rate: beyond both lookbacks (the tiles', the runs')


def _recorded(m: int) -> int | None:
    """The minute whose recorded sample an instant read at minute m takes (lookback 5m), if any."""
    for i in range(m, m - 6, -1):
        if i >= 0 and i != GAP and i not in LONG_GAP:
            return i
    return None


def _run_at(m: int) -> list[int] | None:
    """The minutes of the 5m rates the run recorded at minute m holds (promtool evaluates it at every
    minute), None where one of its tiles has no sample within 5m."""
    tiles = [_recorded(m - k) for k in range(0, 5 * burnrate.TILE_RUN, 5)]
    return None if None in tiles else tiles


def _run_read(m: int) -> list[int] | None:
    """The run an instant read at minute m takes: the latest recorded in [m - 5m, m]."""
    return next((run for i in range(m, m - 6, -1) if i >= 0 and (run := _run_at(i)) is not None), None)


def guard_case(slo) -> tuple[dict, dict]:
    """The 1h rule and the runs it reads, over recorded 5m rates with no sample at minute GAP and none
    in LONG_GAP."""
    names_read = {names.sli_error_ratio("1h"), *(names.tile_run(kind) for kind in ("error", "total"))}
    rules = [r for r in prometheus_rules.sli_rules(slo) if r["record"] in names_read]
    assert len(rules) == 3 and burnrate.tile_runs(3600)
    labels = dict(slo.labels)
    series = []
    missing = {GAP, *LONG_GAP}
    for kind, index in ((names.SLI_ERROR_RATE, 0), (names.SLI_TOTAL_RATE, 1)):
        values = " ".join("_" if m in missing else repr(_rates(m)[index]) for m in range(MINUTES + 1))
        series.append({"series": promql.selector(kind, labels), "values": values})
    ratio = promql.selector(names.sli_error_ratio("1h"), slo.selector())
    checks, moved, fell_back = [], 0, 0
    for m in range(HOUR_MIN, MINUTES + 1):
        if m in missing:
            continue  # the rule itself was not evaluated then either
        runs = [_run_read(m - k) for k in range(0, HOUR_MIN, 5 * burnrate.TILE_RUN)]
        tiles = None if None in runs else [t for run in runs for t in run]
        if tiles is None:  # the derived hour: every 5m rate in [m - 1h, m] (Prometheus 2's closed range)
            read = [_rates(i) for i in range(m - HOUR_MIN, m + 1) if i not in missing]
            fell_back += 1
        else:
            read = [_rates(i) for i in tiles]
            moved += tiles != list(range(m, m - HOUR_MIN, -5))
        expected = sum(r[0] for r in read) / sum(r[1] for r in read)
        checks.append(_count(f"abs({ratio} - {expected!r}) <= 1e-9 * {expected!r}", m, 1))
    assert moved >= 11 and fell_back >= 10  # both cases are exercised
    test = {"name": "1h tiles with a skipped evaluation and a gap", "interval": "1m", "input_series": series,
            "promql_expr_test": checks}
    return {"name": "tiles", "rules": rules}, test


def test_a_skipped_evaluation_moves_a_tile_and_a_gap_falls_back(promtool, tmp_path, slo):
    group, test = guard_case(slo)
    done = _run(promtool, tmp_path / "guard", [group], [test])
    assert done.returncode == 0, done.stdout[:3000] + done.stderr[-3000:]
