"""The whole backfill, every pass, against a real Prometheus on loopback, twice, checked against
the raw counters.

Ten hours of raw history, every minute: uneven traffic, a burst across an hour boundary, a quiet
hour without a request, and an error counter that first appears 4h07m in (its first sample 0, as a
counter starts). Two SLOs read it: 99.5% over 7d and 99.9% over 30d (both rolled up by the period
groups). The backfill runs pass after pass, each pass's blocks moved into the server's
data directory and the server restarted (it would pick them up within a minute; a restart is
quicker), once per server, with different --out and temporary directories. --end falls 20 minutes
into an hour more than an hour ago, so the hand-over's hour sum is written too.

From the raw counters, at every minute of the range, the test computes what the live rules record
there: the 5m rates (Prometheus 2 reads [t - 5m, t], which holds one sample at each end; a counter
starting at 0 is not extrapolated), each window's ratio (the 5m rates of the window's minutes; the
fastest page's long window from the raw counters, as burnrate.raw_windows says), the period ratio
(every 5m rate the period group copied so far) and the budget remaining. Every backfilled sample of every series of both
SLOs must be there, at exactly the minutes the live rules would record it, with that value (1e-9
relative); the two runs must hold the same samples.
"""

from __future__ import annotations

import math
import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from unittest import mock

import pytest

from obsgen import backfill, burnrate, durations, names, pipeline
from obsgen.render import prometheus_rules, rollups
from tests import builders
from tests.backfill.prometheus import Prometheus, write_blocks
from tests.conftest import run_obsgen

MIN = 60
HOUR = 3600
SLOS = """\
    - name: availability
      objective: 99.5
      period: 7d
      sli:
        events:
          error_query: sum(rate(app_requests_total{code="500"}[{{window}}]))
          total_query: sum(rate(app_requests_total[{{window}}]))
    - name: strict
      objective: 99.9
      sli:
        events:
          error_query: sum(rate(app_requests_total{code="500"}[{{window}}]))
          total_query: sum(rate(app_requests_total[{{window}}]))
"""
MINUTES = 10 * 60
ERRORS_FROM = 247  # the error counter's first sample
QUIET = range(287, 347)  # no request at all
BURST = range(400, 421)  # across the hour boundary at minute 407


def counters() -> dict[str, list[float | None]]:
    """Each raw series' value at every minute of the history (None before it exists)."""
    ok, bad = [0.0], [None] * ERRORS_FROM + [0.0]
    for m in range(1, MINUTES + 1):
        load, share = (6000, 0.2) if m in BURST else (0, 0) if m in QUIET else (600 + 37 * (m % 11), 0.005)
        errors = round(load * share) if m > ERRORS_FROM else 0
        ok.append(ok[-1] + load - errors)
        if m > ERRORS_FROM:
            bad.append(bad[-1] + errors)
    return {"200": ok, "500": bad}


def openmetrics(start: int) -> str:
    lines = ["# TYPE app_requests counter"]
    for code, values in counters().items():
        lines += [f'app_requests_total{{code="{code}"}} {v} {start + m * MIN}' for m, v in enumerate(values)
                  if v is not None]
    return "\n".join(lines) + "\n# EOF\n"


def rate_over(values: list[float | None], m: int, minutes: int) -> float | None:
    """rate(x[<minutes>m]) at minute m as Prometheus 2 evaluates it over one sample a minute: the
    samples at m - minutes .. m; a counter whose first sample is 0 is not extrapolated before it."""
    window = [v for v in values[max(0, m - minutes):m + 1] if v is not None]
    return (window[-1] - window[0]) / (minutes * MIN) if len(window) >= 2 else None


def rate5m(values: list[float | None], m: int) -> float | None:
    return rate_over(values, m, 5)


def raw_ratio(m: int, minutes: int) -> float:
    """A window read from the raw series (burnrate.raw_windows): its error ratio, 0 without errors."""
    raw = counters()
    parts = [r for r in (rate_over(raw["200"], m, minutes), rate_over(raw["500"], m, minutes)) if r is not None]
    return ratio(rate_over(raw["500"], m, minutes) or 0.0, sum(parts))


def expected_rates() -> tuple[dict[int, float], dict[int, float]]:
    """Minute -> the SLI's 5m error and total rates, where the live rules record them."""
    raw = counters()
    errors, totals = {}, {}
    for m in range(MINUTES + 1):
        parts = [r for r in (rate5m(raw["200"], m), rate5m(raw["500"], m)) if r is not None]
        if parts:
            totals[m] = sum(parts)
            errors[m] = rate5m(raw["500"], m) or 0.0  # `or on () (total * 0)`
    return errors, totals


def ratio(errors: float, total: float) -> float:
    return errors / max(total, 1e-12)


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Two servers over copies of the same raw history, each backfilled pass by pass."""
    root = tmp_path_factory.mktemp("history")
    spec_dir = builders.write_specs(root, {"app.yaml": builders.service("app", SLOS)})
    start = (int(time.time()) // HOUR - 10) * HOUR + 13 * MIN  # minute 47 of each hour is an hour's start
    end = start + 487 * MIN  # 20 minutes into an hour, that ended more than an hour ago
    raw = root / "raw"
    raw.mkdir()
    write_blocks(openmetrics(start), root, raw)
    runs = []
    # Run one is the CLI's own process, as users run it; run two the same CLI in this process (nine
    # Python starts fewer), with its own temporary directory all the same.
    for run, in_process in (("one", False), ("two", True)):
        folder = root / run
        folder.mkdir()
        shutil.copytree(raw, folder / "data")
        server = Prometheus(folder, folder / "data")
        server.start()
        try:
            outputs = _backfill(spec_dir, server, folder, start, end, in_process)
            runs.append((server, outputs, _samples(server, start, end)))
        finally:
            server.stop()
    return pipeline.run(spec_dir, render=False).plan, start, end, runs


def _backfill(spec_dir: Path, server: Prometheus, folder: Path, start: int, end: int, in_process: bool) -> list[str]:
    """Run obsgen backfill until it is complete, moving each pass's blocks in (those under last/ at
    the end) and restarting the server in between."""
    outputs, out, tmp = [], folder / "blocks", folder / "tmp"
    tmp.mkdir()
    for _ in range(20):
        args = ("backfill", str(spec_dir), "--url", server.url, "--start", str(start), "--end", str(end),
                "--out", str(out))
        if in_process:
            with mock.patch.object(tempfile, "tempdir", str(tmp)):
                done = builders.obsgen_cli(*args)
        else:
            done = run_obsgen(*args, env={"TMPDIR": str(tmp)})
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
        moved = False
        for blocks in out.glob("pass-*"):
            last = blocks / "last"
            for block in [*(p for p in blocks.iterdir() if p != last), *(last.iterdir() if last.is_dir() else ())]:
                shutil.move(str(block), str(server.data / block.name))
                moved = True
            shutil.rmtree(blocks)
        if moved:
            server.stop()
            server.start()
        elif "backfill complete" in done.stdout:
            return outputs
    pytest.fail("the backfill did not complete in 20 runs")


def _samples(server: Prometheus, start: int, end: int) -> dict[tuple, dict[int, float]]:
    """Every sample of every recorded series the server holds: (name, sloth_id, window, or the hour
    parity of a roll-up) -> {ms: value}."""
    found: dict[tuple, dict[int, float]] = defaultdict(dict)
    result = server.query(f'{{__name__=~"slo:.*|sloth_slo_info"}}[{end + 2 * HOUR - start}s]', end + 2 * HOUR)
    for series in result:
        metric = series["metric"]
        key = (metric["__name__"], metric.get(names.SLOTH_ID),
               metric.get(names.SLOTH_WINDOW, metric.get(names.HOUR_PARITY)))
        assert not found[key], f"two series for {key}"
        found[key] = {round(float(t) * 1000): float(v) for t, v in series["values"]}
    return found


def test_every_pass_runs_and_both_runs_hold_the_same_samples(history):
    plan, _, _, runs = history
    steps = len(backfill.passes(plan))
    for _, outputs, _ in runs:
        assert len(outputs) == steps + 1, outputs  # the last run finds every pass loaded
        assert all(f"pass {n + 1}/{steps}: " in text and "rules ->" in text for n, text in enumerate(outputs[:-1]))
        assert outputs[-1].count("already in Prometheus") == steps
    (_, _, one), (_, _, two) = runs
    assert one.keys() == two.keys()
    # The same samples at the same times; values to the last bits only: the period sums add their
    # terms with `sum by`, and a range query orders a union's series as Prometheus finds them.
    assert all(one[k].keys() == two[k].keys() for k in one)
    assert all(math.isclose(v, two[k][t], rel_tol=1e-12, abs_tol=1e-12) for k in one for t, v in one[k].items())


def grid(start: int, end: int, interval: str) -> range:
    """A group's evaluations in [start, end): whole multiples of its interval."""
    step = round(durations.seconds(interval))
    return range(-(-start // step) * step, end, step)


def copied(start: int, end: int, totals: dict[int, float]) -> list[tuple[int, int]]:
    """(time, minute) of each copy the roll-ups group makes: the 5m rates of the SLI group's last
    evaluation at or before it, where both rates exist."""
    return [(t, (t - start) // MIN) for t in grid(start, end, rollups.ROLLUPS_INTERVAL) if (t - start) // MIN in totals]


def _expect(plan, start: int, end: int, closed: bool) -> dict[tuple, dict[int, float]]:
    """What the live rules record at each grid time before --end, from the raw counters."""
    errors, totals = expected_rates()
    at = {m: (start + m * MIN) * 1000 for m in range(MINUTES + 1)}
    before_end = [m for m in range(MINUTES + 1) if start + m * MIN < end]
    copies = copied(start, end, totals)
    want: dict[tuple, dict[int, float]] = defaultdict(dict)
    for slo in (s for svc in plan.services for s in svc.slos):
        sid = slo.id
        slow = prometheus_rules.ticket_windows(slo)  # recorded by the period group
        for m in before_end:
            if m not in totals:
                continue
            want[(names.SLI_ERROR_RATE, sid, None)][at[m]] = errors[m]
            want[(names.SLI_TOTAL_RATE, sid, None)][at[m]] = totals[m]
            for window in slo.windows:
                label = names.sli_error_ratio(_fmt(window)).removeprefix("slo:sli_error:ratio_rate")
                if label in slow:
                    continue
                if window in burnrate.raw_windows(slo.catalog):
                    want[(names.sli_error_ratio(_fmt(window)), sid, label)][at[m]] = raw_ratio(m, window // MIN)
                    continue
                first = m - window // MIN if closed else m - window // MIN + 1
                if window == 5 * MIN:  # the 5m ratio is the ratio of the two rates, not a window of them
                    first = m
                span = [j for j in range(first, m + 1) if j in totals]
                want[(names.sli_error_ratio(_fmt(window)), sid, label)][at[m]] = ratio(
                    sum(errors[j] for j in span), sum(totals[j] for j in span))
        rolled = {}  # the roll-ups' period ratio at each of their evaluations
        for t, _ in copies:
            so_far = [m for c, m in copies if c <= t]
            rolled[t] = ratio(sum(errors[j] for j in so_far), sum(totals[j] for j in so_far))
            want[(names.ROLLED_UP_RATIO, sid, None)][t * 1000] = rolled[t]
        for t in grid(start, end, rollups.PERIOD_INTERVAL):
            last = (t - start) // MIN  # the SLI group's last evaluation at or before t
            if last not in totals:
                continue
            for window in (w for w in slo.windows if _fmt(w) in slow):
                # every 5m rate in [t - window, t] (Prometheus 2's closed range)
                span = [j for j in range(-(-(t - window - start) // MIN), last + 1) if j in totals]
                want[(names.sli_error_ratio(_fmt(window)), sid, _fmt(window))][t * 1000] = ratio(
                    sum(errors[j] for j in span), sum(totals[j] for j in span))
            latest = [c for c in rolled if t - 600 <= c <= t]  # last_over_time(...[10m]), closed on Prometheus 2
            if not latest:
                continue
            period = rolled[max(latest)]
            label = _fmt(slo.period)
            want[(names.sli_error_ratio(label), sid, label)][t * 1000] = period
            want[(names.PERIOD_BUDGET_REMAINING, sid, None)][t * 1000] = 1 - period / slo.budget
    return want


def _fmt(seconds: int) -> str:
    return durations.format_seconds(seconds)


def test_every_window_period_and_budget_as_the_live_rules_record_them(history):
    plan, start, end, runs = history
    server, _, held = runs[0]
    want = _expect(plan, start, end, closed=True)  # the test server is Prometheus 2 (see the module)
    assert server.binary and want
    for key, samples in want.items():
        got = held.get(key, {})
        assert sorted(got) == sorted(samples), (key, sorted(set(samples) ^ set(got))[:5],
                                                [(k, len(v)) for k, v in held.items() if k[0] == key[0]])
        for ms, value in samples.items():
            assert got[ms] == pytest.approx(value, rel=1e-9, abs=1e-12), (key, ms, got[ms], value)


def test_the_error_rate_is_zero_not_absent_before_the_error_counter(history):
    _, start, _, runs = history
    _, _, held = runs[0]
    rates = held[(names.SLI_ERROR_RATE, "app-availability", None)]
    assert sorted(rates) == sorted(held[(names.SLI_TOTAL_RATE, "app-availability", None)])
    before = [ms for ms in rates if ms < (start + ERRORS_FROM * MIN) * 1000]
    assert len(before) == ERRORS_FROM - 1 and all(rates[ms] == 0 for ms in before)  # minute 0 has no rate yet


def test_the_hour_sums_stop_at_end_and_the_hand_over_hour_holds_the_copies_before_it(history):
    """Every hour's sum is recorded once, at its next hour's first minute; --end's hour's sum holds
    exactly the copies of its 5m rates made before --end (the live rules add theirs)."""
    _, start, end, runs = history
    _, _, held = runs[0]
    errors, totals = expected_rates()
    for kind, rates in (("error", errors), ("total", totals)):
        sums = {ms: v for parity in names.HOUR_PARITIES
                for ms, v in held.get((names.hour_sum(kind), "app-availability", parity), {}).items()}
        copies = copied(start, end, totals)
        hours = {t // HOUR * HOUR for t, _ in copies}
        assert sorted(sums) == sorted((h + HOUR) * 1000 for h in hours)
        for ms, value in sums.items():
            hour = ms // 1000 - HOUR
            minutes = [m for t, m in copies if hour <= t < hour + HOUR]
            assert value == pytest.approx(sum(rates[m] for m in minutes), rel=1e-9, abs=1e-12)
