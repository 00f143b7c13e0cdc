"""Calendar periods and timeslice budgeting: the rules added to an SLO that asks for them.

Timeslices (`budgeting: timeslices`). The slices group, evaluated once per slice, records each
slice's error ratio from the raw SLI over the slice, then 1 into the good-slices copies when its good
ratio meets the target, and 1 into the slices copies, in the parity of the UTC hour (as the hours
group copies the 5m rates). With `ratio_timeslices` (OpenSLO's RatioTimeslices: "an average of all
time slices' success ratios") the good-slices copies hold the slice's good ratio instead of 0 or 1,
so that good / slices is the mean of the slices' good ratios, rolled up by the same rules. A slice
without events is no slice: neither good nor bad. The period group rolls them up with the same hour
sums and period sums as the 5m rates (prometheus_rules), so their cost stays flat in history too.

Calendar periods (`calendar:`). A period starts on a whole UTC hour (obsgen/calendar.py), so it is
made of whole UTC hours: the sum since its start at t in hour H is the hour sums of the hours
[start, H) plus this hour's copies [H, t]. A PromQL range cannot start at a computed time, so each
hour sum is copied, at the evaluation that records it (same group, next rule: read over the last
1s, which holds that one sample), into one of three series, chosen by its hour's period index
modulo 3. The sum since the start is then the current index's series over a fixed range, the
longest period plus a day: that range holds every hour of this period, no hour of the one before (the
other series) and none of the one three periods back (which ended at least 2 periods ago, 56 days
for months, 14 for weeks, longer than the range reaches). Each evaluation reads at most one sample
per hour of the period so far (31 x 24 + 1 for a month) plus this hour's copies: bounded by the
period, whatever the history, as for rolling periods.

Exact for the definition the rolling period uses: the 5m rates recorded in the period (or the
slices evaluated in it), traffic-weighted; so errors in the last 4 minutes of a period weigh on the
first 5m rates of the next one, as they do in a rolling period's window.
"""

from __future__ import annotations

from obsgen import burnrate, calendar, durations, names, promql
from obsgen.calendar import Calendar
from obsgen.plan.environments import join_labels
from obsgen.plan.model import SLOPlan
from obsgen.render import rollups as rules

CLOCK = "time()"
_RATE_KINDS = ("error", "total")


def _sel(slo: SLOPlan, metric: str) -> str:
    return promql.selector(metric, slo.selector())


def _record(slo: SLOPlan, record: str, expr: str, **extra: str) -> dict:
    return {"record": record, "expr": promql.check(expr), "labels": {**dict(slo.labels), **extra}}


def groups(slo: SLOPlan) -> list[dict]:
    """The slices group of a timeslice SLO (none otherwise)."""
    if slo.slices is None:
        return []
    interval = durations.format_seconds(slo.slices.seconds)
    return [{"name": names.rule_group(slo.service, slo.name, names.SLICES_GROUP), "interval": interval,
             "rules": slice_rules(slo)}]


def slice_ratio(slo: SLOPlan) -> str:
    """The error ratio over the slice from the raw SLI; absent when the slice had no events."""
    window = durations.format_seconds(slo.slices.seconds)
    error = promql.with_window(slo.sli.error, window)
    if slo.sli.total is None:  # raw: the user's error ratio over the slice
        return f"clamp_max(({error}) >= 0, 1)"
    total = promql.with_window(slo.sli.total, window)
    return f"(({error}) or on ({join_labels(slo.environment)}) (({total}) * 0)) / (({total}) > 0)"


def _slice_values(slo: SLOPlan) -> dict[str, str]:
    """What each slice adds to the good slices and to the slices."""
    ratio = f"sum_over_time({_sel(slo, names.SLICE_ERROR_RATIO)}[1s])"  # this evaluation's slice only
    # RatioTimeslices: the slice's good ratio itself, so that good / slices is the mean of the ratios
    good = f"1 - {ratio}" + ("" if slo.slices.ratio else f" >= bool {promql.number(slo.slices.target)}")
    return {"good_slices": good, "slices": f"{ratio} * 0 + 1"}


def slice_rules(slo: SLOPlan) -> list[dict]:
    values = _slice_values(slo)
    found = [_record(slo, names.SLICE_ERROR_RATIO, slice_ratio(slo))]
    # one rule per kind, labelled with this hour's parity (as the 5m rates' copies, rollups.copy_rules)
    found += [_record(slo, names.rate_in_hours(kind), f"({value}){rules.IN_THIS_PARITY}")
              for kind, value in values.items()]
    return found + slice_window_rules(slo, values["good_slices"]) + start_hour_rules(slo, names.SLICES_GROUP)


def alert_windows(slo: SLOPlan) -> tuple[int, ...]:
    """Every window of the SLO's catalog, 5m first (the dashboard's burn rate now reads it)."""
    return burnrate.windows_of(slo.catalog)


def slice_window_rules(slo: SLOPlan, good: str) -> list[dict]:
    """What each slice spends (1 - what it adds to the good slices), and the share of bad slices over
    each alert window: the mean of the slices recorded in (t - W, t], W/slice of them, the same on
    Prometheus 2 and 3 (the range is 1ms shorter than W: no slice lies on its start). One series over
    at most the longest window (3d: 4,320 slices of 1m), as the events' derived windows read."""
    bad = _sel(slo, names.SLICE_BAD)
    found = [_record(slo, names.SLICE_BAD, f"1 - ({good})")]
    for seconds in alert_windows(slo):
        w = durations.format_seconds(seconds)
        record = _record(slo, names.slices_error_ratio(w), f"avg_over_time({bad}[{rules._just_under(seconds)}])")
        found.append({**record, "labels": {**record["labels"], names.SLOTH_WINDOW: w}})
    return found


def alert_ratio(slo: SLOPlan, seconds: int) -> str:
    """The series an alert compares over a window: the error ratio, or a timeslice SLO's share of bad
    slices (its burn rate counts slices, as its budget does)."""
    window = durations.format_seconds(seconds)
    return names.slices_error_ratio(window) if slo.slices else names.sli_error_ratio(window)


def _off_the_hour(slo: SLOPlan, cal: Calendar | None, years) -> bool:
    return cal is not None and calendar.starts_off_the_hour(cal, *years)


def start_hour_rules(slo: SLOPlan, group: str, cal: Calendar | None = None, clock: str = CLOCK,
                     years: tuple[int, int] = (calendar.FIRST_YEAR, calendar.LAST_YEAR)) -> list[dict]:
    """Where a period can start inside a UTC hour: whether this evaluation is in such an hour, before
    the start (the period index now differs from the one at the hour's last second), and each copy
    made then, again, in the parity of its hour (empty otherwise: at most an hour of copies per period).
    Added to the group that makes the copies the calendar sums (the period group's 5m rates, or the
    slices group's slices); `cal`, `clock` and `years` as in calendar_period_rules."""
    cal = cal or slo.calendar
    carries = names.SLICES_GROUP if slo.slices else names.PERIOD_GROUP
    if group != carries or not _off_the_hour(slo, cal, years):
        return []
    # the local times in rules of their own: Prometheus 2 parses each expression at every evaluation, and
    # one expression holding the zone's table four times costs 40 times one holding it once
    now, hour_end = (_sel(slo, names.CALENDAR_LOCAL_TIME_COPY), _sel(slo, names.CALENDAR_LOCAL_TIME_HOUR_END))
    flag = _sel(slo, names.CALENDAR_BEFORE_START)
    values = _slice_values(slo) if slo.slices else {kind: _sel(slo, source) for kind, source in rules._KINDS}
    return [
        _record(slo, names.CALENDAR_LOCAL_TIME_COPY, calendar.local_expr(cal.time_zone, clock, *years)),
        _record(slo, names.CALENDAR_LOCAL_TIME_HOUR_END,
                calendar.local_expr(cal.time_zone, f"({clock} - {clock} % 3600 + 3599)", *years)),
        _record(slo, names.CALENDAR_BEFORE_START,
                f"({calendar.index_expr(cal, now)}) != bool ({calendar.index_expr(cal, hour_end)})"), *(
        _record(slo, names.calendar_before_start(kind, parity),
                f"({value}) and on () ({rules._in_hours(parity)}) and on () ({flag} == 1)")
        for kind, value in values.items() for parity in names.HOUR_PARITIES)]


def _before_start(slo: SLOPlan, kind: str, window: str, parity: str) -> str:
    return f"sum_over_time({_sel(slo, names.calendar_before_start(kind, parity))}[{window}])"


def _error_ratio(slo: SLOPlan, sums) -> str:
    """Bad over all, from the two sums of the budgeting method's kinds."""
    if slo.slices is None:
        errors, total = (_sel(slo, sums(kind)) for kind in _RATE_KINDS)
    else:
        good, total = (_sel(slo, sums(kind)) for kind in names.SLICE_KINDS)
        errors = f"({total} - {good})"
    return rules._ratio(errors, total)


def _remaining(slo: SLOPlan, ratio: str) -> str:
    return f"1 - {_sel(slo, ratio)} / {promql.number(slo.budget)}"


def slice_period_rules(slo: SLOPlan) -> list[dict]:
    """The slices' hour sums and rolling period sums, and the period's budget in slices."""
    found = [_record(slo, names.hour_sum(kind), rules.hour_sum(slo, kind)) for kind in names.SLICE_KINDS]
    found += [_record(slo, names.period_sum(kind), rules._period_sum(slo, kind, names.SLI_TOTAL_RATE))
              for kind in names.SLICE_KINDS]
    return [
        *found,
        _record(slo, names.SLICES_PERIOD_ERROR_RATIO, _error_ratio(slo, names.period_sum)),
        _record(slo, names.SLICES_PERIOD_BUDGET_REMAINING, _remaining(slo, names.SLICES_PERIOD_ERROR_RATIO)),
    ]


def _last_hour(clock: str) -> str:
    """The last second of the hour before the one holding `clock`: an instant of that hour."""
    return f"({clock} - {clock} % 3600 - 1)"


def calendar_period_rules(slo: SLOPlan, cal: Calendar, clock: str = CLOCK,
                          years: tuple[int, int] = (calendar.FIRST_YEAR, calendar.LAST_YEAR)) -> list[dict]:
    """The period indices, the tagged hour sums, the sums since the period's start and its budget,
    and the period's length in hours, which the alerts' factors are computed from (alert_factor).

    `clock` and `years` are for the promtool proofs only (a clock moved to the month under test, whose
    transitions the table must hold)."""
    kinds = names.SLICE_KINDS if slo.slices else _RATE_KINDS
    index, last_hour = _sel(slo, names.CALENDAR_INDEX), _sel(slo, names.CALENDAR_LAST_HOUR_INDEX)
    found = []
    for local, record, at in ((names.CALENDAR_LOCAL_TIME, names.CALENDAR_INDEX, clock),
                              (names.CALENDAR_LAST_HOUR_LOCAL_TIME, names.CALENDAR_LAST_HOUR_INDEX, _last_hour(clock))):
        found += [_record(slo, local, calendar.local_expr(cal.time_zone, at, *years)),
                  _record(slo, record, calendar.index_expr(cal, _sel(slo, local)))]
    split = _off_the_hour(slo, cal, years)
    for kind in kinds:
        # the hour sum recorded at this evaluation, if any (of either parity), without the parity label
        just_recorded = f"sum without ({names.HOUR_PARITY}) (sum_over_time({_sel(slo, names.hour_sum(kind))}[1s]))"
        if split:  # the hour a period started in: only its copies from the start on (module docstring)
            sums = {p: f"sum without ({names.HOUR_PARITY}) (sum_over_time("
                       f"{rules.parity_sel(slo, names.hour_sum(kind), p)}[1s]))" for p in names.HOUR_PARITIES}
            sums = {p: f"({v} - ({_before_start(slo, kind, '2h', p)} or {v} * 0))" for p, v in sums.items()}
            just_recorded = "(" + " or ".join(sums.values()) + ")"
        found += [_record(slo, names.calendar_hour_sum(kind, r),
                          f"{just_recorded} and on () ({last_hour} % {calendar.RESIDUES} == {r})")
                  for r in range(calendar.RESIDUES)]
    reach = durations.format_seconds(cal.longest + 86400)
    for kind in kinds:
        zero = f"{_sel(slo, names.SLI_TOTAL_RATE)} * 0"
        tagged = [f"(sum_over_time({_sel(slo, names.calendar_hour_sum(kind, r))}[{reach}])"
                  f" and on () ({index} % {calendar.RESIDUES} == {r}))" for r in range(calendar.RESIDUES)]
        this_hour = rules._this_hour(slo, kind, zero)
        if split:  # in the hour the period started in, after its start: less the copies before it
            before = " or ".join(f"({_before_start(slo, kind, '1h', p)} and on () ({rules._in_hours(p)}))"
                                 for p in names.HOUR_PARITIES)
            this_hour = f"({this_hour}\n- ((({before}) and on () ({index} != {last_hour})) or {zero}))"
        found.append(_record(slo, names.calendar_sum(kind), "(" + "\nor ".join([*tagged, zero]) + ")\n+ "
                             + this_hour))
    return [
        *found,
        _record(slo, names.CALENDAR_HOURS, f"vector({calendar.hours_expr(cal, clock, *years)})"),
        _record(slo, names.CALENDAR_ERROR_RATIO, _error_ratio(slo, names.calendar_sum)),
        _record(slo, names.CALENDAR_BUDGET_REMAINING, _remaining(slo, names.CALENDAR_ERROR_RATIO)),
    ]


def period_rules(slo: SLOPlan) -> list[dict]:
    """Added to the period group, after its own rules (the tagged hour sums read the hour sums that
    the same evaluation recorded)."""
    found = slice_period_rules(slo) if slo.slices else []
    if slo.calendar is not None:
        if slo.slices is None and not rules._rolled_up(slo):
            raise ValueError(f"{slo.id}: a calendar period needs the period roll-ups, and the period "
                             f"{durations.format_seconds(slo.period)} is an alert window")
        found += calendar_period_rules(slo, slo.calendar)
    return found


def alert_factor(slo: SLOPlan, window: burnrate.AlertWindow) -> float:
    """The factor alert_threshold compares with, as a number: a calendar SLO's during its longest
    period (the latest its alerts fire, as the diff and the preview show them)."""
    if slo.calendar is None:
        return window.factor
    return burnrate.calendar_factor(window, calendar.hours_range(slo.calendar)[1])


def alert_threshold(slo: SLOPlan, window: burnrate.AlertWindow, times: str = "") -> str:
    """The right-hand side of an alert's `>`: its factor (times `times`, the budget for an error
    ratio). A calendar SLO's factor is the window's budget share of the period now
    (burnrate.calendar_factor) from its recorded length; `on () group_left ()` compares every series
    of the left side with it, and `max` makes it one value whatever labels or replicas it has. The
    length is recorded every 2m30s by the period group: for up to 2m30s after a period starts, the
    previous period's length holds."""
    scale = f" * {times}" if times else ""
    if slo.calendar is None:
        return f"({promql.number(window.factor)}{scale})" if times else promql.number(window.factor)
    share, hours = burnrate.calendar_factor_terms(window)
    return (f"on () group_left () (max({_sel(slo, names.CALENDAR_HOURS)}) * {promql.number(share)}"
            f" / {promql.number(hours)}{scale})")
