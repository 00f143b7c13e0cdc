"""promtool unit tests, one file per service, loading only that service's rules.

For every SLO they prove: a total outage pages within the expected detection time and not long
before it; an error ratio just below each page threshold does not trip that window, and just above
it does; a sustained slow burn opens a ticket without paging; zero traffic fires nothing and records
no NaN; the period ratio is the exact traffic-weighted value under uneven traffic. Expected times
come from obsgen.burnrate, the module the rules are built from.

Each SLO also gets one short *wiring* scenario (its group name starts with `<id>: ` + WIRING): its
own SLI queries and labels in its rule shape. `obsgen test` runs the full suite once per distinct
rule shape and the wiring scenario for every SLO (obsgen/verify/shapes.py).
"""

from __future__ import annotations

import math
from dataclasses import replace

from obsgen import burnrate, calendar, durations, names, promql, yamlio
from obsgen.artifacts import PromtoolTests
from obsgen.plan.model import Plan, ServicePlan, SLOPlan
from obsgen.render import calendar_rules, prometheus_rules, promtool_shared
from obsgen.render.backend import Backend
from obsgen.render.promtool_inputs import (
    EVAL_MINUTES,
    MAX_TRAFFIC,
    NEAR,
    expect,
    inputs,
    series_interval,
    traffic,
)
from obsgen.render.promtool_inputs import group as _group

# A 5m rate reaches a step change in full only after 5m, and alerts are evaluated each minute:
# the detection bound allows that, plus 2% for a window holding one sample more than its length.
RAMP_MINUTES = burnrate.BASE_WINDOW // 60 + EVAL_MINUTES
# promtool evaluates every group at every step of every test: scenarios whose error ratio is the
# same from the first sample run this long, the outage runs as long as its windows need.
SETTLE_MINUTES = 14
# The name prefix (after `<id>: `) of the wiring scenario, which obsgen/verify/promtool.py runs for every SLO.
WIRING = "wiring: "
# A constant error ratio is exact in every window once a rate has two samples (minute 1): alerts
# are then active; one more minute of slack (an alert reading a window another group records sees
# it an evaluation later). The wiring checks each alert *active* (pending or firing: the same name
# and labels), not firing: its `for` is part of the rule shape (verify/shapes.py), proven by the
# shape's full suite, so waiting it out here proves nothing more and costs promtool about 3 CPU-ms
# an evaluation step of an SLO's wiring (3,000 SLOs at 1,000 services; 10 steps of a 10m `for`).
WIRING_MINUTES = 2


def render(plan: Plan) -> dict[str, PromtoolTests]:
    return {(path := names.tests_file(s.name)): PromtoolTests(path, lambda s=s: _file(s)) for s in plan.services}


def _file(service: ServicePlan) -> tuple[dict, str]:
    """The file's data and header (built when the file is written: artifacts.PromtoolTests)."""
    tests, notes = [], []
    for slo in service.slos:
        if slo.sli.fixture is None:
            notes.append(f"# {slo.name}: no tests: {slo.sli.fixture_note}\n")
            continue
        if traffic(slo) > MAX_TRAFFIC:
            notes.append(f"# {slo.name}: no tests: an objective of {names.objective_text(slo.objective_percent)}% "
                         "needs more synthetic traffic than a counter holds exactly\n")
            continue
        tested = at_start(slo)
        tests += scenarios(tested) + promtool_shared.scenarios(tested)
    doc = {
        "rule_files": [f"../rules/{service.name}.rules.yaml"],
        "evaluation_interval": f"{EVAL_MINUTES}m",
        "tests": tests,
    }
    return doc, yamlio.HEADER + "".join(notes)


def at_start(slo: SLOPlan) -> SLOPlan:
    """The SLO with the factors its alerts have at promtool's time 0: a calendar SLO's are those of
    the period the rules see then (calendar.hours_at; the table's first period's length)."""
    if slo.calendar is None:
        return slo
    hours = calendar.hours_at(slo.calendar, 0)
    return replace(slo, alerts=tuple(replace(a, window=burnrate.calendar_window(a.window, hours)) for a in slo.alerts))


def scenarios(slo: SLOPlan) -> list[dict]:
    pages = [a.window for a in slo.alerts if a.window.severity == "page"]
    tickets = [a.window for a in slo.alerts if a.window.severity == "ticket"]
    tests = [wiring(slo)]
    if slo.slices is not None:  # its alerts count slices: scenarios in bad slices
        tests += slice_scenarios(slo, pages, tickets)
    elif pages:
        tests.append(outage(slo, pages))
        tests += [near_threshold(slo, w, below=True, lowest=w.factor == min(p.factor for p in pages))
                  for w in pages]
        tests += [near_threshold(slo, w, below=False) for w in pages]
        if slo.alert_style == "sloth":
            tests += [pair_alone(slo, w, pages) for w in pages]
    if tickets and slo.slices is None:
        tests.append(slow_burn(slo, tickets, pages))
    tests.append(zero_traffic(slo))
    if slo.sli.total is not None:
        tests.append(no_error_series(slo))
        tests.append(traffic_weighted(slo))
    return [t for t in tests if t]


def slice_scenarios(slo: SLOPlan, pages, tickets) -> list[dict | None]:
    """A timeslice SLO's alert scenarios: a full outage, one bad slice fewer and not fewer than each
    page's long window needs, and errors just either side of the slice target; with
    ratio_timeslices (every slice spends its error ratio) the events' constant-ratio scenarios hold
    as they are. Exact timings for 1m slices, each evaluation of promtool's one slice. No ticket
    without a page for counted slices: at 99.9% one bad 1m slice in an hour already trips the fast
    page (1/60 > 2% x 720 h / 1 h x 0.1%), and a burn a ticket alone sees needs a day of history;
    the wiring scenario fires the tickets."""
    if slo.slices.seconds != 60:
        return []
    tests = [slice_outage(slo, pages)] if pages else []
    if slo.slices.target is None:
        tests += [near_threshold(slo, w, below=True, lowest=w.factor == min(p.factor for p in pages)) for w in pages]
        tests += [near_threshold(slo, w, below=False) for w in pages]
        return tests + ([slow_burn(slo, tickets, pages)] if tickets else [])
    tests += [slice_burst(slo, w, above) for w in pages for above in (False, True)]
    return tests + slice_target(slo, pages)


def _slices_needed(slo: SLOPlan, window) -> int | None:
    """The fewest bad slices in a row that trip the window pair (its long window's count, at least
    its short window's), from a clean history as long as the long window."""
    counts = [burnrate.slices_needed(window, slo.budget, s, slo.slices.seconds) for s in (window.long, window.short)]
    return None if None in counts else max(counts)


def _bad_slices(slo: SLOPlan, window, count: int, after: int) -> tuple[int, list[tuple[int, int, int]]]:
    """A clean history as long as the long window, then `count` bad 1m slices, then clean slices for
    `after` minutes: the minute the last bad slice would be recorded had there been enough of them
    (the n-th of _slices_needed), and the phases. Errors start just after the history's last sample:
    every slice from the next minute on holds only errors."""
    events = traffic(slo)
    history = window.long // 60 + RAMP_MINUTES
    needed = _slices_needed(slo, window)
    return history + needed, [(0, events, history), (events, 0, count), (0, events, needed - count + after)]


def slice_outage(slo: SLOPlan, pages) -> dict | None:
    """Every slice bad after a clean history: the fastest page fires once its windows hold the bad
    slices it needs (burnrate.slices_needed), and not a minute before that many are recorded. The
    alert reads the slices' shares an evaluation later at most (another group), then waits its `for`."""
    found = [(w, n) for w in pages if (n := _slices_needed(slo, w)) is not None]
    if not found:
        return None
    window, needed = min(found, key=lambda f: f[1])
    pending = _for_minutes(slo, [window])
    recorded, phases = _bad_slices(slo, window, needed, 0)
    phases[1] = (phases[1][0], 0, needed + pending + 3)  # the outage goes on
    page = {names.SLOTH_SEVERITY: "page", **_window_labels(slo, window)}
    checks = [firing(slo, recorded - 1 + pending, False, page),
              firing(slo, recorded + 1 + pending, True, {**page, **_identity(slo, "page")})]
    return _slo_group(slo, f"{slo.id}: a total outage pages once {needed} bad slice(s) are recorded (not at "
                      f"{needed - 1 + pending} min, by {needed + 1 + pending} min)", inputs(slo, phases[:2]), checks)


def slice_burst(slo: SLOPlan, window, above: bool) -> dict | None:
    """A burst of bad slices in a clean long window: as many as the page needs trip it, one fewer
    does not (the long window decides: the short one holds the burst too). A trip is checked while
    the short window still holds the burst (after the alert's `for`)."""
    needed = _slices_needed(slo, window)
    pending = _for_minutes(slo, [window])
    if needed is None or (not above and needed == 1) or (above and (2 + pending) * 60 > window.short):
        return None
    if not above and slo.alert_style == "sloth":
        return None  # one Sloth-style page ORs every pair: another pair may count the burst
    count = needed if above else needed - 1
    recorded, phases = _bad_slices(slo, window, count, 3 + pending)
    label = _window_labels(slo, window)
    if above:
        checks = [firing(slo, recorded + 1 + pending, True, label)]
        if slo.alert_style != "sloth":  # one Sloth-style page: another pair may fire first
            checks.insert(0, firing(slo, recorded - 1 + pending, False, label))
    else:
        checks = [firing(slo, m, False, label) for m in (recorded, recorded + 1 + pending, recorded + 2 + pending)]
    long = durations.format_seconds(window.long)
    return _slo_group(slo, f"{slo.id}: {count} bad slice(s) in a clean {long} "
                      f"{'trip' if above else 'do not trip'} the {long} page window", inputs(slo, phases), checks)


def slice_target(slo: SLOPlan, pages) -> list[dict]:
    """Errors just under 1 - slice target in every slice: no slice is bad, nothing fires and the
    slices' budget stays whole (the events burn at (1 - target) / (1 - objective)); just over it:
    every slice is bad and the fastest page fires."""
    miss = 1 - slo.slices.target
    end = RAMP_MINUTES + SETTLE_MINUTES
    remaining = promql.selector(names.SLICES_PERIOD_BUDGET_REMAINING, slo.selector())
    tests = []
    bad, good = _ratio(slo, miss * (1 - NEAR))
    checks = [expect(f"count({_alerts(slo)}) or vector(0)", m, 0) for m in (RAMP_MINUTES, end // 2, end)]
    tests.append(_slo_group(slo, f"{slo.id}: error ratio {_percent(bad / (bad + good))} (under {_percent(miss)}, the "
                            "slice target's) leaves every slice good: nothing fires, the slice budget is whole",
                            inputs(slo, [(bad, good, end + 1)]),
                            [*checks, expect(f"count({remaining} == 1)", end, 1)]))
    found = [(w, n) for w in pages if (n := _slices_needed(slo, w)) is not None]
    if found and miss * (1 + NEAR) <= 1:
        window, needed = min(found, key=lambda f: f[1])
        bad, good = _ratio(slo, miss * (1 + NEAR))
        at = needed + 1 + _for_minutes(slo, [window])  # from a clean start, the first slices count whole
        tests.append(_slo_group(slo, f"{slo.id}: error ratio {_percent(bad / (bad + good))} (over {_percent(miss)}) "
                                f"makes every slice bad: the {durations.format_seconds(window.long)} page fires",
                                inputs(slo, [(bad, good, at + 1)]),
                                [firing(slo, at, True, _window_labels(slo, window))]))
    return tests


# --- input series ---------------------------------------------------------------------------


# --- assertions -----------------------------------------------------------------------------


def _alerts(slo: SLOPlan, labels: dict[str, str] | None = None) -> str:
    return promql.selector(names.ALERTS, {names.ALERT_STATE: "firing", names.SLOTH_ID: slo.id, **(labels or {})})


def firing(slo: SLOPlan, minute: int, fires: bool, labels: dict[str, str]) -> dict:
    return expect(f"count({_alerts(slo, labels)}) > bool 0 or vector(0)", minute, int(fires))


def active(slo: SLOPlan, minute: int, labels: dict[str, str]) -> dict:
    """The alert is pending or firing with these labels (ALERTS holds no other state)."""
    alerts = promql.selector(names.ALERTS, {names.SLOTH_ID: slo.id, **labels})
    return expect(f"count({alerts}) > bool 0 or vector(0)", minute, 1)


def _ratio(slo: SLOPlan, e: float) -> tuple[int, int]:
    """Errors and successes a minute for an error ratio e."""
    events = traffic(slo)
    bad = min(events, max(0, round(e * events)))
    return bad, events - bad


def _percent(ratio: float) -> str:
    """At least four decimals, and four significant digits for the ratios of very high objectives."""
    places = 4 if ratio >= 0.001 or ratio <= 0 else 3 - math.floor(math.log10(ratio * 100))
    return f"{ratio:.{max(4, places)}%}"


def _min(seconds: float) -> int:
    return math.ceil(seconds / 60)


def _for_minutes(slo: SLOPlan, windows=None) -> int:
    """The longest pending time of the given windows' alerts (all alerts by default)."""
    return max((a.for_seconds for a in slo.alerts if windows is None or a.window in windows), default=0) // 60


def _window_labels(slo: SLOPlan, window) -> dict[str, str]:
    """The labels that pick one window pair's alert; Sloth-style alerts OR their pairs into one."""
    if slo.alert_style == "sloth":
        return {names.SLOTH_SEVERITY: window.severity}
    return {names.LONG_WINDOW: durations.format_seconds(window.long), names.SLOTH_SEVERITY: window.severity}


def _identity(slo: SLOPlan, severity: str) -> dict[str, str]:
    """The labels a severity's alert must carry: obsgen's, or Sloth's name and labels."""
    if slo.alert_style == "sloth":
        alert = next(a for a in slo.alerts if a.window.severity == severity)
        # Sloth-style labels are Go templates as the user wrote them: only plain text is its own value.
        plain = {k: v for k, v in alert.labels if "{{" not in v}
        return {names.ALERTNAME: alert.name, **plain, names.SLOTH_SERVICE: slo.service,
                names.SLOTH_SLO: slo.name}
    if severity == "ticket":
        return {names.SLOTH_SEVERITY: severity, names.SEVERITY: names.SEVERITIES[severity]}
    return {names.SEVERITY: names.SEVERITIES[severity], names.SERVICE: slo.service, names.SLO: slo.name,
            names.TEAM: slo.team}


def _slo_group(slo: SLOPlan, name: str, series: list[dict], checks: list[dict]) -> dict:
    """A scenario of the SLO, its input series at their interval (series_interval)."""
    return _group(name, series, checks, series_interval(slo))


# --- scenarios ------------------------------------------------------------------------------


def _alert_labels(slo: SLOPlan) -> list[dict[str, str]]:
    """Every alert's name and labels as the rules give them (Sloth-style: per severity, plain values)."""
    if slo.alert_style == "sloth":
        return [_identity(slo, s) for s in dict.fromkeys(a.window.severity for a in slo.alerts)]
    return [{names.ALERTNAME: a.name, **{k: v for k, v in a.labels if "{{" not in v}} for a in slo.alerts]


def wiring(slo: SLOPlan) -> dict:
    """What is this SLO's own in its rule shape: its SLI queries read its series (every window
    records the error ratio the traffic has, exactly) and every alert trips with its name and
    labels (is active: its `for` is the shape's). Short (a constant ratio from the first sample
    trips every window at once), so that it
    can run for every SLO while the full suite runs once per shape. A timeslice SLO's alerts read
    its share of bad slices: with a slice target, the ratio misses it, so every slice is bad."""
    thresholds = [burnrate.threshold(a.window, slo.budget) for a in slo.alerts]
    ratio = min(1.0, max(thresholds, default=0.5) * (1 + 10 * NEAR))
    if slo.slices is not None and slo.slices.target is not None:
        ratio = min(1.0, max(ratio, (1 - slo.slices.target) * (1 + 10 * NEAR)))
    bad, good = _ratio(slo, ratio)
    exact = bad / (bad + good)
    spent = exact if slo.slices is None else burnrate.slice_share(exact, slo.slices.target)
    tripped = [labels for labels, t in zip(_alert_labels(slo), _thresholds(slo), strict=True) if t < spent]
    end = WIRING_MINUTES
    sel = slo.selector()
    checks = [expect(f"count(abs({promql.selector(names.sli_error_ratio(durations.format_seconds(w)), sel)}"
                     f" - {exact!r}) < 1e-9)", end, 1) for w in slo.windows if w != slo.period]
    if slo.slices is not None:  # every window's share of bad slices is what each slice spends
        checks += [expect(f"count(abs({promql.selector(names.slices_error_ratio(durations.format_seconds(w)), sel)}"
                          f" - {spent!r}) < 1e-9)", end, 1) for w in calendar_rules.alert_windows(slo)]
    checks += [active(slo, end, labels) for labels in tripped]
    return _slo_group(slo, f"{slo.id}: {WIRING}an error ratio of {_percent(exact)} is recorded in every window and "
                      f"trips {len(tripped)} alert(s) with their labels", inputs(slo, [(bad, good, end + 1)]), checks)


def _thresholds(slo: SLOPlan) -> list[float]:
    """The lowest error ratio that trips each entry of _alert_labels."""
    if slo.alert_style == "sloth":  # one alert per severity ORs its pairs: the lowest threshold trips it
        severities = dict.fromkeys(a.window.severity for a in slo.alerts)
        return [min(burnrate.threshold(a.window, slo.budget) for a in slo.alerts if a.window.severity == s)
                for s in severities]
    return [burnrate.threshold(a.window, slo.budget) for a in slo.alerts]


def outage(slo: SLOPlan, pages) -> dict | None:
    """Clean history as long as the fastest page window, then every request fails: that window's
    page fires at the evaluation burnrate.detection says, and not one evaluation before it.

    promtool's samples are taken at every evaluation, so no scrape lags: the page fires by the first
    evaluation after `latest` without scrape lag; `earliest` allows for samples a minute apart. A page
    whose threshold a full outage only just passes may never be sure to fire (`latest` infinite):
    the scenario takes the fastest page that is, and there is none when no page is."""
    raw = burnrate.raw_windows(slo.catalog)
    step = 60 * EVAL_MINUTES
    found = [(w, burnrate.detection(w, slo.budget, 1.0, raw, evaluation=step,
                                    for_seconds=60 * _for_minutes(slo, [w]))) for w in pages]
    sure = [(w, d) for w, d in found if d is not None and math.isfinite(d.latest)]
    if not sure:
        return None
    fastest, fresh = min(sure, key=lambda found: burnrate.detection_seconds(found[0], slo.budget, 1.0, raw))
    pending = 60 * _for_minutes(slo, [fastest])
    spaced = burnrate.detection(fastest, slo.budget, 1.0, raw, scrape=step, evaluation=step, for_seconds=pending)
    history = fastest.long // 60 + RAMP_MINUTES
    before = history + max(0, math.ceil(spaced.earliest / step) - 1) * EVAL_MINUTES
    fires = history + math.floor(fresh.latest / step) * EVAL_MINUTES
    events = traffic(slo)
    series = inputs(slo, [(0, events, history), (events, 0, fires - history + 5)])
    page = {names.SLOTH_SEVERITY: "page", **_window_labels(slo, fastest)}
    full = _identity(slo, "page")
    checks = [firing(slo, history, False, page)]
    if before > history:
        checks.append(firing(slo, before, False, page))
    return _slo_group(
        slo,
        f"{slo.id}: a total outage pages after about {durations.human(fresh.ideal - pending)}"
        f" (not at {before - history} min, by {fires - history} min)",
        series,
        [*checks, firing(slo, fires, True, {**page, **full})],
    )


def near_threshold(slo: SLOPlan, window, below: bool, lowest: bool = False) -> dict | None:
    threshold = burnrate.threshold(window, slo.budget)
    ratio = threshold * (1 - NEAR if below else 1 + NEAR)
    if ratio > 1:
        return None
    if below and not lowest and slo.alert_style == "sloth":
        return None  # one Sloth-style page ORs every pair: below one threshold, another may fire
    bad, good = _ratio(slo, ratio)
    long = durations.format_seconds(window.long)
    label = _window_labels(slo, window)
    if below:
        end = RAMP_MINUTES + SETTLE_MINUTES  # the ratio is constant from the start in every window
        checks = [firing(slo, m, False, label) for m in (RAMP_MINUTES, end // 2, end)]
        if lowest:  # below the lowest page threshold nothing pages at all
            checks += [firing(slo, end, False, {names.SLOTH_SEVERITY: "page"})]
        what = "does not trip"
    else:
        end = RAMP_MINUTES + _for_minutes(slo, [window]) + 1
        checks = [firing(slo, end, True, label)]
        what = "trips"
    return _slo_group(
        slo,
        f"{slo.id}: error ratio {_percent(bad / (bad + good))} ({'below' if below else 'above'} "
        f"{_percent(threshold)}) {what} the {long} page window",
        inputs(slo, [(bad, good, end + 1)]),
        checks,
    )


def pair_alone(slo: SLOPlan, window, pages) -> dict | None:
    """Sloth style: one page rule ORs every pair, so near_threshold's constant ratio above a pair's
    threshold also trips the pairs of lower thresholds, and that page firing proves nothing of this
    pair's own conditions (its short window's threshold raised tenfold would pass). Here a clean
    history as long as the longest page window comes first, then a ratio just above this pair's
    threshold: this pair fires by `latest` (burnrate.detection, with the rule's `for`), and no other
    pair can before its `earliest`, so a page by then is this pair's doing. None for the pair of
    the lowest threshold (near_threshold proves it alone) and where another pair could be as quick."""
    threshold = burnrate.threshold(window, slo.budget)
    ratio = threshold * (1 + NEAR)
    if ratio > 1 or threshold <= min(burnrate.threshold(w, slo.budget) for w in pages):
        return None
    raw, step, pending = burnrate.raw_windows(slo.catalog), 60 * EVAL_MINUTES, 60 * _for_minutes(slo, pages)
    mine = burnrate.detection(window, slo.budget, ratio, raw, evaluation=step, for_seconds=pending)
    if mine is None or not math.isfinite(mine.latest):
        return None
    history = max(w.long for w in pages) // 60 + RAMP_MINUTES
    fires = history + math.floor(mine.latest / step) * EVAL_MINUTES
    for other in (w for w in pages if w != window):
        found = burnrate.detection(other, slo.budget, ratio, raw, scrape=step, evaluation=step,
                                   for_seconds=pending)
        if found is not None and history + max(0, math.ceil(found.earliest / step) - 1) * EVAL_MINUTES < fires:
            return None
    bad, good = _ratio(slo, ratio)
    page = {names.SLOTH_SEVERITY: "page"}
    return _slo_group(
        slo,
        f"{slo.id}: after a clean history, error ratio {_percent(bad / (bad + good))} (above "
        f"{_percent(threshold)}) pages through the {durations.format_seconds(window.long)} pair alone"
        f" by {fires - history} min",
        inputs(slo, [(0, bad + good, history), (bad, good, fires - history + 2)]),
        [firing(slo, history, False, page), firing(slo, fires, True, {**page, **_identity(slo, "page")})],
    )


def slow_burn(slo: SLOPlan, tickets, pages) -> dict | None:
    """A sustained burn just above the slowest ticket factor: a ticket, never a page."""
    factor = min(w.factor for w in tickets) * 1.5
    if pages and factor >= min(w.factor for w in pages):
        return None
    bad, good = _ratio(slo, factor * slo.budget)
    ticket_at = RAMP_MINUTES + _for_minutes(slo, tickets) + 1
    end = max(60, ticket_at)
    checks = [firing(slo, ticket_at, True, _identity(slo, "ticket"))]
    checks += [firing(slo, m, False, {names.SLOTH_SEVERITY: "page"}) for m in (20, 40, end)]
    return _slo_group(slo, f"{slo.id}: a sustained {factor:g}x burn opens a ticket and never pages",
                  inputs(slo, [(bad, good, end + 1)]), checks)


def recorded_series(slo: SLOPlan) -> list[str]:
    period = durations.format_seconds(slo.period)
    windows = [durations.format_seconds(w) for w in slo.windows if w != slo.period] + [period]
    return ([names.SLI_ERROR_RATE, names.SLI_TOTAL_RATE] + [names.sli_error_ratio(w) for w in windows]
            + [names.CURRENT_BURN_RATE, names.PERIOD_BURN_RATE])


def zero_traffic(slo: SLOPlan) -> dict:
    """Counters that exist but never move: no alert, and every ratio is 0, not NaN."""
    end = 30
    sel = slo.selector()
    checks = [expect(f"count({_alerts(slo)}) or vector(0)", end, 0)]
    for name in recorded_series(slo):
        if name == names.SLI_TOTAL_RATE:
            continue
        checks.append(expect(f"count({promql.selector(name, sel)} != 0) or vector(0)", end, 0))
        if slo.sli.total is not None:  # raw ratios are undefined without traffic: not recorded
            checks.append(expect(f"count({promql.selector(name, sel)} == 0)", end, 1))
    if slo.sli.total is not None:
        checks.append(expect(f"count({promql.selector(names.PERIOD_BUDGET_REMAINING, sel)} == 1)", end, 1))
    return _slo_group(slo, f"{slo.id}: zero traffic fires nothing and records no NaN",
                  inputs(slo, [(0, 0, end + 1)]), checks)


def no_error_series(slo: SLOPlan) -> dict | None:
    """Traffic, but the series that would count errors does not exist yet (no error ever
    happened): every ratio is 0, not absent."""
    series = [s for s, f in zip(inputs(slo, [(0, traffic(slo), SETTLE_MINUTES + 1)]), slo.sli.fixture, strict=True)
              if f.good]
    if len(series) == len(slo.sli.fixture):
        return None  # every series also counts successes: nothing to leave out
    end = SETTLE_MINUTES
    sel = slo.selector()
    windows = [names.sli_error_ratio(durations.format_seconds(w)) for w in slo.windows]
    checks = [expect(f"count({promql.selector(name, sel)} == 0)", end, 1) for name in windows]
    return _slo_group(slo, f"{slo.id}: traffic without any error series records ratios of 0", series, checks)


# window_lengths: the step comes this long after every window but the longest is full, so a window
# lengthened by hand up to this much past the longest is caught too.
WINDOW_MARGIN_MINUTES = 60


def window_lengths(slo: SLOPlan, every: int) -> dict | None:
    """Clean traffic, then a constant error ratio from minute `step` on; each window W is checked at
    the first evaluation (every `every` minutes) from `step + W/2` on, when it holds error-free
    traffic before the step and failing traffic after it. The window's value as a function of its
    range is then strictly monotonic (a shorter range holds more of the step, a longer one less),
    so every window's range is pinned: a window rule changed by hand from `[1d]` to `[12h]` records
    another value. Every other scenario has one error ratio from its first sample, which every
    window length records alike.

    Each window must equal what the plan says it reads: the sum of every recorded 5m rate in
    (t - W, t] (prometheus_rules.derived_ratio), or for the window read at its edge its tiles or
    the SLI queries over W (tiled_ratio, raw_ratio; their equality is tests/render/test_tiled_window.py's).
    A window only tickets read is recorded by the period group (prometheus_rules.ticket_windows),
    which Prometheus, and promtool, may evaluate before or after the SLI group at the same time:
    it may then hold every 5m rate of the window but the newest, (t - W, t - every]. A shorter
    range never equals either.
    It needs more than the longest window (3d) of evaluations: it runs in the health tests' file,
    evaluated every 10 minutes, where it costs a fiftieth of what it would every minute (the
    derived windows read a sample per evaluation in their range), and once per rule shape."""
    if slo.sli.fixture is None or traffic(slo) > MAX_TRAFFIC:
        return None
    raw = burnrate.raw_windows(slo.catalog)
    windows = [w for w in slo.windows if w != burnrate.BASE_WINDOW]
    if not windows:
        return None
    slow = prometheus_rules.ticket_windows(slo)

    def on_grid(minutes: int) -> int:
        return -(-minutes // every) * every

    step = on_grid(max(windows) // 120 + WINDOW_MARGIN_MINUTES)
    checks, sel = [], slo.selector()
    for w in windows:
        text = durations.format_seconds(w)
        if w not in raw:
            reference = prometheus_rules.derived_ratio(slo, text)
        elif burnrate.tiles(w):
            reference = prometheus_rules.tiled_ratio(slo, w)
        else:
            reference = prometheus_rules.raw_ratio(slo, text)
        recorded = promql.selector(names.sli_error_ratio(text), sel)
        # every series (one per environment in shared mode) equal; the ratio is 10% at most: 1e-10
        # is 1e-9 relative
        equal = f"abs({recorded} - ignoring ({names.SLOTH_WINDOW}) ({reference})) < 1e-10"
        if text in slow:  # recorded by the period group, which may run before or after the 5m rates'
            lagged = reference.replace(f"[{text}]", f"[{durations.format_seconds(w - 60 * every)}] offset {every}m")
            equal += f" or abs({recorded} - ignoring ({names.SLOTH_WINDOW}) ({lagged})) < 1e-10"
        checks.append(expect(f"count({equal}) == bool count({recorded})", on_grid(step + math.ceil(w / 120)), 1))
    end = on_grid(step + math.ceil(max(windows) / 120))
    bad, good = _ratio(slo, 0.1)
    return _group(f"{slo.id}: a step in the error ratio pins every window's length "
                  f"({', '.join(durations.format_seconds(w) for w in windows)})",
                  inputs(slo, [(0, bad + good, step), (bad, good, end - step + 1)]), checks)


def traffic_weighted(slo: SLOPlan) -> dict:
    """A busy hour at 1% errors, a quiet hour at 50%: the period ratio weighs them by traffic.

    Sloth's mean of 5m ratios would read about 25% here; the true ratio is 1.05%.
    """
    busy, quiet, tail = (100, 9_900, 30), (5, 5, 30), (0, 0, 15)
    phases = [busy, quiet, tail]
    expected = sum(b * m for b, _, m in phases) / sum((b + g) * m for b, g, m in phases)
    end = busy[2] + quiet[2] + tail[2]
    sel = slo.selector()
    ratio = promql.selector(names.sli_error_ratio(durations.format_seconds(slo.period)), sel)
    burn = promql.selector(names.PERIOD_BURN_RATE, sel)
    checks = [
        expect(f"count(abs({ratio} - {expected!r}) < 1e-9)", end, 1),
        expect(f"count(abs({burn} - {expected / slo.budget!r}) < 1e-6)", end, 1),
    ]
    return _slo_group(slo, f"{slo.id}: the period ratio is traffic-weighted ({expected:.4%}, not ~25%)",
                  inputs(slo, phases), checks)


BACKEND = Backend("promtool-tests", render, output_dirs=("alerts",), per_service=True)  # run by the promtool verifier
