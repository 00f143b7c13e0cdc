"""A calendar SLO's burn-rate alerts consume their catalog share of the period as it is: promtool.

The SLOs are compiled from a spec (their alert rules, labels and `for` as generated), and each one's
calendar clock is moved to the month under test (tests/render/test_calendar_rules.py explains the
move; only the calendar's own rules read it). A promtool file per SLO with its own rules: a 28-day
and a 31-day month, at an error ratio 0.01% above and 0.01% below the fast page's threshold = 2% x
the month's hours / 1h x (1 - objective), the month's hours from zoneinfo's bounds (the 30d
catalog's fixed 14.4 lies between 13.44 and 14.88: it fails both). And timeslice SLOs, a calendar
and a rolling one, alert on the slices they budget (docs/calendar.md): at 4% errors with a 95% slice
target every slice is good, nothing pages and the budget stays whole (the events would burn at 40x);
at 6% every slice is bad and the fast page fires.
"""

from __future__ import annotations

from datetime import UTC, datetime

from obsgen import calendar, durations, names, pipeline, promql
from obsgen import yamlio as yamlout
from obsgen.output import committed, encode
from obsgen.render import calendar_rules, prometheus_rules
from tests.render.test_calendar_rules import years
from tests.render.test_period_rollups import counters, run_all
from tests.specdir import service, write

H = 3600
SLI = """      sli:
        events:
          error_query: sum(rate(http_requests_total{job="ledger",code=~"5.."}[{{window}}]))
          total_query: sum(rate(http_requests_total{job="ledger"}[{{window}}]))
"""
MONTH = "      calendar: {unit: month, time_zone: Europe/Berlin}\n"
SLOS = (f"    - name: february\n      objective: 99.9\n{MONTH}{SLI}"
        f"    - name: january\n      objective: 99.9\n{MONTH}{SLI}"
        f"    - name: slices\n      objective: 99.9\n{MONTH}"
        "      budgeting: {method: timeslices, slice: 1m, slice_target: 0.95}\n" + SLI
        + "    - name: rolling\n      objective: 99.9\n"
        "      budgeting: {method: timeslices, slice: 1m, slice_target: 0.95}\n" + SLI)
# (SLO, an instant in the month its clock is moved to, the month's hours)
MONTHS = {"february": (datetime(2025, 2, 10, tzinfo=UTC), 672), "january": (datetime(2025, 1, 10, tzinfo=UTC), 744),
          "slices": (datetime(2025, 2, 10, tzinfo=UTC), 672)}
EVENTS = 10**8  # a minute: the error ratios below are exact to 1e-8, well inside NEAR
NEAR = 1e-4


def moved(slo, origin: int | None, run: int = 0) -> list[dict]:
    """The SLO's groups as generated, with its calendar rules' clock at `origin` at promtool's 0, and
    the offset and length tables of the years a run of `run` seconds reads (test_calendar_rules.years:
    the same values there as the whole table's, at a fraction of the text promtool parses each step)."""
    groups = prometheus_rules.groups_for(slo)
    if slo.calendar is None:
        return groups
    table = years(slo.calendar, origin, run)
    new = iter(calendar_rules.calendar_period_rules(slo, slo.calendar, f"(time() + {origin})", table))
    records = {r["record"] for r in calendar_rules.calendar_period_rules(slo, slo.calendar)}
    for group in groups:
        group["rules"] = [next(new) if r.get("record") in records else r for r in group["rules"]]
    return groups


def _check(expr: str, minute: int, value: float) -> dict:
    return {"expr": promql.check(expr), "eval_time": f"{minute}m", "exp_samples": [{"labels": "{}", "value": value}]}


def _pages(slo, minute: int, fires: bool) -> dict:
    alerts = promql.selector("ALERTS", {"alertstate": "firing", names.SLOTH_ID: slo.id, names.LONG_WINDOW: "1h"})
    return _check(f"count({alerts}) or vector(0)", minute, int(fires))


def _group(name: str, slo, ratio: float, minutes: int, checks: list[dict]) -> dict:
    """A constant error ratio; a timeslice SLO's series every 30s (two samples in each 1m slice, on
    Prometheus 2 and 3)."""
    bad, per_minute = round(ratio * EVENTS), 2 if slo.slices else 1
    steps = [(bad, EVENTS - bad)] * (per_minute * minutes + 1)
    return {"name": name, "interval": "30s" if slo.slices else "1m", "input_series": counters(slo, steps, None),
            "promql_expr_test": checks}


def _slice_cases(slo, done: int, hours_now: list[dict]) -> list[dict]:
    """4% errors with a 95% slice target: every slice good, no alert, the budget whole (the events
    burn at 40x, which paged before); 6%: every slice bad, the fast page fires."""
    budget = names.CALENDAR_BUDGET_REMAINING if slo.calendar else names.SLICES_PERIOD_BUDGET_REMAINING
    remaining = promql.selector(budget, slo.selector())
    alerts = promql.selector("ALERTS", {names.SLOTH_ID: slo.id})
    good = [_check(f"count({alerts}) or vector(0)", m, 0) for m in (done, 2 * done)]
    return [_group(f"{slo.name}: 4% errors, every slice good: no alert, the budget whole", slo, 0.04, 2 * done,
                   [*hours_now, *good, _check(f"max({remaining})", 2 * done, 1)]),
            _group(f"{slo.name}: 6% errors, every slice bad: the fast page fires", slo, 0.06, done,
                   [*hours_now, _pages(slo, done, True)])]


def test_the_fast_page_fires_at_2_percent_of_the_months_own_budget(promtool, tmp_path):
    plan = pipeline.run(write(tmp_path, {"ledger.yaml": service("ledger", SLOS)}), render=False).plan
    slos = {s.name: s for s in plan.services[0].slos}
    paths = []
    for name, slo in slos.items():
        page = next(a for a in slo.alerts if a.window.long == H)
        done = 5 + page.for_seconds // 60 + 2  # the 5m rates are exact from minute 1; then its `for`
        # each SLO's scenarios with its own groups only (as `obsgen test` runs a suite): every check
        # reads one SLO's series and alerts, and promtool evaluates every loaded rule at every step
        if name == "rolling":
            paths.append(_file(tmp_path / name, moved(slo, None), _slice_cases(slo, done, [])))
            continue
        inside, hours = MONTHS[name]
        start, end = calendar.period_bounds(slo.calendar, inside)
        assert (end - start).total_seconds() == hours * H  # zoneinfo's month is the one the case says
        groups = moved(slo, int(inside.timestamp()), 2 * done * 60)
        hours_now = _check(f"max({promql.selector(names.CALENDAR_HOURS, slo.selector())})", done, hours)
        threshold = page.window.budget_percent / 100 * hours * slo.budget  # an error ratio over 1h
        if name == "slices":
            paths.append(_file(tmp_path / name, groups, _slice_cases(slo, done, [hours_now])))
            continue
        tests = []
        for above in (True, False):
            ratio = threshold * (1 + NEAR if above else 1 - NEAR)
            checks = [hours_now] + [_pages(slo, m, above) for m in (done, 2 * done)]
            tests.append(_group(f"{name} ({hours} hours): {ratio:.6%} {'pages' if above else 'does not page'}",
                                slo, ratio, 2 * done, checks))
        paths.append(_file(tmp_path / name, groups, tests))
    assert len(paths) == 4
    for path, done in zip(paths, run_all(promtool, paths), strict=True):
        assert done.returncode == 0, f"{path}:\n" + done.stdout[-4000:] + done.stderr[-2000:]


def _file(where, groups: list[dict], tests: list[dict]):
    where.mkdir()
    (where / "rules.yaml").write_text(yamlout.dump({"groups": groups}))
    (where / "tests.yaml").write_text(yamlout.dump({
        "rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": tests}))
    return where / "tests.yaml"


def test_the_alert_text_and_the_preview_state_the_periods_own_factors(tmp_path):
    """What the promtool run above proves, as the alerts and the preview say it: 2% of the month's
    budget in 1h, a factor from 2% x 672 hours (a 28-day February) to 2% x 745 (October's DST hour),
    the months zoneinfo gives in Berlin; a timeslice SLO says its alerts count slices, and the preview
    states its thresholds and detection times in slices."""
    from obsgen.preview import view

    plan = pipeline.run(write(tmp_path, {"ledger.yaml": service("ledger", SLOS)}), render=False).plan
    slos = {s.name: s for s in plan.services[0].slos}
    feb = calendar.period_bounds(slos["february"].calendar, datetime(2025, 2, 10, tzinfo=UTC))
    oct_ = calendar.period_bounds(slos["february"].calendar, datetime(2025, 10, 10, tzinfo=UTC))
    low, high = ((end - start).total_seconds() / H * 0.02 for start, end in (feb, oct_))
    assert calendar.hours_range(slos["february"].calendar) == (672, 745)
    page = next(a for a in slos["february"].alerts if a.window.long == H)
    text = dict(page.annotations)
    assert f"(over {low:g}x-{high:g}x, 2% of this month's budget, for 1h and 5m)" in text["summary"]
    assert (f"fires when 1h consumes 2% of the current month's budget: a burn rate of {low:g}x (672 hours) to "
            f"{high:g}x (745 hours)") in text["description"]
    shown = next(a for a in view.slo_view(slos["february"])["alerts"] if a["long"] == "1h")
    assert (shown["factors"], shown["consumed"], shown["factor"]) == (f"{low:g}-{high:g}", 0.02, high)
    sliced = dict(slos["slices"].alerts[0].annotations)
    assert sliced["summary"].startswith("ledger slices: time-slice budget burning at")
    assert ("The burn rate counts time slices: its bad 1m slices (good below 95%) over all slices in each "
            "window, over 1 - objective.") in sliced["description"]
    assert "time slices" not in text["description"] and "time-slice" not in text["summary"]
    rolling = next(a for a in view.slo_view(slos["rolling"])["alerts"] if a["long"] == "1h")
    # 1.44% of 60 slices: one bad slice trips the hour (and the 5m); a full outage shows it after a minute
    assert (rolling["thresholds"], rolling["detect_outage_seconds"]) == ("1.44% of slices", 60.0)
    assert rolling["detect_10x_seconds"] is None  # 1% errors: every slice good at a 95% target


def test_the_preview_diff_reads_a_calendar_slos_alerts_from_the_rules(tmp_path):
    """`obsgen preview --diff` reads each alert from the generated rules: a calendar SLO's factor is
    no number in its expression, so it is the share times the longest period of the length table."""
    from obsgen import burnrate
    from obsgen.preview import difffacts

    plan = pipeline.run(write(tmp_path, {"ledger.yaml": service("ledger", SLOS)}), render=False).plan
    built = prometheus_rules.render(plan)
    read = difffacts.read(built).slos
    assert difffacts.read(committed.artifacts(encode.texts(built))).slos == read  # the files read back say the same
    for slo in plan.services[0].slos:  # a timeslice SLO's alerts read its slices' shares: read too
        facts = read[("ledger", slo.name)]
        if slo.calendar is None:
            assert {key: alert.factor for key, alert in facts.alerts.items()} == {
                (a.window.severity, durations.format_seconds(a.window.long)): a.window.factor for a in slo.alerts}
            continue
        longest = calendar.hours_range(slo.calendar)[1]
        assert longest == 745  # October's DST hour
        assert {key: alert.factor for key, alert in facts.alerts.items()} == {
            (a.window.severity, durations.format_seconds(a.window.long)): burnrate.calendar_factor(a.window, longest)
            for a in slo.alerts}
