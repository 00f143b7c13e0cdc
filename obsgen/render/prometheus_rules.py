"""Prometheus recording and alerting rules, one file per service, three groups per SLO.

The SLI group records the 5m error and total rates from the raw queries once; every window and the
period are derived from the two recorded 5m series (traffic-weighted, cheap to evaluate). The fastest
page's long window (1h) is the sum of the 5m rates at t, t - 5m, ..., t - 55m (tiles that partition
the hour), so that a full outage pages after the Workbook's time; the others sum every sample.
The hours group copies them every minute into hour-parity series; the period group, every 2m,
reads hourly roll-ups of those copies, so its cost does not grow with the history.
"""

from __future__ import annotations

import weakref

from obsgen import burnrate, durations, names, promql
from obsgen.plan.environments import alert_matchers, join_labels
from obsgen.plan.model import AlertPlan, Plan, ServicePlan, SLOPlan
from obsgen.render import calendar_rules, health_rules, sloth_alerts, yamlout

BASE = durations.format_seconds(burnrate.BASE_WINDOW)


def render(plan: Plan) -> dict[str, str]:
    return {names.rules_file(service.name): yamlout.HEADER + groups_text(service) for service in plan.services}


class _Built:
    def __init__(self, groups: list[dict]):
        self.groups = groups
        self.text: str | None = None


# Groups are built (and every expression parsed) once per service plan, and dumped once, for the
# rules file, its PrometheusRule (render/k8s_rules.py) and the rulers' layouts; entries go when the
# plan does. Callers only read them.
_GROUPS: weakref.WeakKeyDictionary[ServicePlan, _Built] = weakref.WeakKeyDictionary()


def _built(service: ServicePlan) -> _Built:
    built = _GROUPS.get(service)
    if built is None:
        built = _GROUPS[service] = _Built([g for slo in service.slos for g in groups_for(slo)])
    return built


def service_groups(service: ServicePlan) -> list[dict]:
    """Every rule group of a service: the rules file's and its PrometheusRule's (render/k8s_rules.py)."""
    return _built(service).groups


def groups_text(service: ServicePlan) -> str:
    """`yamlout.dump({"groups": service_groups(service)}, header="")`, dumped once per service."""
    built = _built(service)
    if built.text is None:
        built.text = yamlout.dump({"groups": built.groups}, header="")
    return built.text


def groups_for(slo: SLOPlan) -> list[dict]:
    """The SLI group (the global interval), the hours group (unless the period is an alert window)
    and the period group: see "the period" below.

    What needs no fresher value than every 2m rides in the period group, at half the cost of every
    minute (each rule costs about the same per evaluation, data or not: Prometheus 2 parses it and
    sets up a query each time): the constants (still well inside the 5m lookback) and the SLI
    health alerts, whose `for` is 10m or a day."""
    copies = copy_rules(slo)
    return [
        {"name": names.rule_group(slo.service, slo.name), "rules": [*sli_rules(slo), burn_rate_rule(slo),
                                                                    *alert_rules(slo)]},
        *([{"name": names.rule_group(slo.service, slo.name, names.HOURS_GROUP), "interval": HOURS_INTERVAL,
            "rules": copies + calendar_rules.start_hour_rules(slo, names.HOURS_GROUP)}] if copies else []),
        {"name": names.rule_group(slo.service, slo.name, names.PERIOD_GROUP), "interval": PERIOD_INTERVAL,
         "rules": period_rules(slo) + calendar_rules.period_rules(slo) + constant_rules(slo) + health_rules.rules(slo)},
        *calendar_rules.groups(slo),  # timeslices and calendar periods: docs/calendar.md
    ]


def _sel(slo: SLOPlan, metric: str) -> str:
    return promql.selector(metric, slo.selector())


def _record(slo: SLOPlan, record: str, expr: str, **extra: str) -> dict:
    return {"record": record, "expr": promql.check(expr), "labels": {**dict(slo.labels), **extra}}


# Any positive floor below the smallest real event rate (one event in 5m is 0.0033/s) turns 0/0
# into 0 without changing a single real ratio.
ZERO_TRAFFIC_FLOOR = "1e-12"


def _ratio(errors: str, total: str) -> str:
    """errors / total, 0 where there was no traffic: never NaN or +Inf.

    The total is read once: `x / (t > 0) or t * 0` would scan a 30d range twice, and the period
    rule's cost is proportional to the samples it reads.
    """
    return f"{errors} / clamp_min({total}, {ZERO_TRAFFIC_FLOOR})"


def sli_rules(slo: SLOPlan) -> list[dict]:
    err, tot = _sel(slo, names.SLI_ERROR_RATE), _sel(slo, names.SLI_TOTAL_RATE)
    error = promql.with_window(slo.sli.error, BASE)
    if slo.sli.total is None:  # raw: an error ratio; each 5m step weighs the same
        rules = [
            _record(slo, names.SLI_ERROR_RATE, f"clamp_max(({error}) >= 0, 1)"),
            _record(slo, names.SLI_TOTAL_RATE, f"{err} * 0 + 1"),
        ]
    else:  # errors are 0, not absent, while there is traffic but no error series exists yet
        rules = [
            _record(slo, names.SLI_TOTAL_RATE, promql.with_window(slo.sli.total, BASE)),
            _record(slo, names.SLI_ERROR_RATE, f"({error}) or on ({join_labels(slo.environment)}) ({tot} * 0)"),
        ]
    raw = burnrate.raw_windows(slo.catalog)
    for window in slo.windows:
        w = durations.format_seconds(window)
        if window == burnrate.BASE_WINDOW:
            expr = _ratio(err, tot)
        elif window in raw:
            expr = tiled_ratio(slo, window) if burnrate.tiles(window) else raw_ratio(slo, w)
        else:
            expr = derived_ratio(slo, w)
        rules.append(_record(slo, names.sli_error_ratio(w), expr, sloth_window=w))
    return rules


def derived_ratio(slo: SLOPlan, window: str) -> str:
    """The error ratio over `window` from every recorded 5m rate in it (cheap; fills along a ramp)."""
    err, tot = _sel(slo, names.SLI_ERROR_RATE), _sel(slo, names.SLI_TOTAL_RATE)
    return _ratio(f"sum_over_time({err}[{window}])", f"sum_over_time({tot}[{window}])")


def _tiles(selector: str, window: int) -> str:
    """The recorded 5m rates at t, t - 5m, ... (burnrate.tiles). An instant read at an offset takes
    the group's own sample at t - o when it exists (every evaluation on one grid), else the one
    before it within the 5m lookback: a skipped evaluation, or history written on another grid
    (`obsgen backfill`, a changed group name, path or interval), moves a tile back by at most one
    evaluation interval, so the hour may miss one interval and count another twice. Reading each
    tile exactly (`[1ms] offset o`, absent where that evaluation is missing) and falling back to the
    derived hour instead was measured end to end: after a backfill every tile is off the live grid
    for an hour, and pages came after the derived ramp (186-203 s, not 52 s)."""
    return " + ".join(selector if not offset else f"{selector} offset {durations.format_seconds(offset)}"
                      for offset in burnrate.tiles(window))


def tiled_ratio(slo: SLOPlan, window: int) -> str:
    """The error ratio over `window` read at its edge from the recorded 5m rates (burnrate.tiles):
    no ramp, as fast as the raw series, for selectors over one sample each. Exact when the group
    evaluates on a grid that divides 5m and every evaluation of the last hour happened; otherwise
    within one evaluation interval of the hour (see _tiles). Where a tile is absent altogether (no
    5m rate within 5m of its offset: a new SLO, a gap of more than 5m), the sum is absent and the
    window is the derived sum of every 5m rate in it, which fills along the ramp."""
    err, tot = _sel(slo, names.SLI_ERROR_RATE), _sel(slo, names.SLI_TOTAL_RATE)
    tiled = _ratio(f"({_tiles(err, window)})", f"({_tiles(tot, window)})")
    return f"({tiled})\nor\n({derived_ratio(slo, durations.format_seconds(window))})"


def raw_ratio(slo: SLOPlan, window: str) -> str:
    """The error ratio over `window` from the raw series, as Sloth records every window: for the
    fastest page's long window, which a sum of 5m rates would fill only along their 5-minute ramp
    (burnrate.raw_windows). 0, not absent, while there is traffic but no error series (the recorded
    5m total says so), and never NaN."""
    error = promql.with_window(slo.sli.error, window)
    if slo.sli.total is None:  # raw: the user's error ratio over the window
        return f"clamp_max(({error}) >= 0, 1)"
    total = promql.with_window(slo.sli.total, window)
    zero = f"({_sel(slo, names.SLI_TOTAL_RATE)} * 0)"
    return f"({_ratio(f'({error})', f'({total})')}) or on ({join_labels(slo.environment)}) {zero}"


def burn_rate_rule(slo: SLOPlan) -> dict:
    ratio5m = _sel(slo, names.sli_error_ratio(BASE))
    return _record(slo, names.CURRENT_BURN_RATE,
                   f"sum without ({names.SLOTH_WINDOW}) ({ratio5m}) / {promql.number(slo.budget)}")


def constant_rules(slo: SLOPlan) -> list[dict]:
    info = {names.SLOTH_MODE: slo.sloth_info[1], "sloth_objective": names.objective_text(slo.objective_percent),
            names.SLOTH_SPEC: slo.sloth_info[0], names.TEAM: slo.team, names.TIER: str(slo.tier)}
    return [
        _record(slo, names.OBJECTIVE, f"vector({promql.number(slo.objective)})"),
        _record(slo, names.ERROR_BUDGET, f"vector({promql.number(slo.budget)})"),
        _record(slo, names.TIME_PERIOD_DAYS, f"vector({slo.period // burnrate.DAY})"),
        _record(slo, names.SLO_INFO, "vector(1)", **info),
    ]


# --- the period ------------------------------------------------------------------------------
#
# The period sum of the recorded 5m rates is read from hourly roll-ups, so one evaluation reads
# about 2 x (P / 1h + 3 x 60) samples whatever the history (30d: about 1,800), instead of every 5m
# sample of the period (30d at 1m: 86,400).
#
# What a period evaluation costs is mostly per selector, not per sample (docs/benchmarks.md): so the
# roll-ups that need the minute (the copies) run in their own group every minute, and the rest runs
# every 2m. 2m is well inside Prometheus' 5m lookback: after one slow or skipped evaluation the next
# one still comes before the period series goes stale.
#
# The roll-ups, in UTC clock hours of their samples' timestamps:
#   1. hours group, `<kind>_rate5m_{even,odd}_hours`: the 5m rate, kept only in even (odd) hours;
#   2. period group, `<kind>_rate5m_sum_{even,odd}_hour`: at the group's first evaluation of the next
#      hour, the sum of the copies of the hour that just ended: `sum_over_time(rate5m_even_hours[2h])`
#      sees exactly that hour at any time during the next one (the hours either side are odd: their
#      copies are dropped by the parity, not by a range boundary). "First" is "none recorded in the
#      last hour", not "minute 0": a late or skipped evaluation (a restart across the hour) delays
#      the sum instead of losing it. The hour's last copy was written in that hour, before it (an
#      hours-group evaluation still running when the next hour's first period evaluation is done
#      would leave its one copy out of that hour's sum: at most 1/60 of an hour, 0.002% of 30d);
#   3. period group: the period sum at t in hour H = the hour sums recorded in (t - P, t] (they cover
#      the hours [H - P, H)) + this hour's copies [H, t] - the copies of [H - P, t - P], the same
#      "this hour" sum read `offset P` (P is a whole number of days, so an even number of hours:
#      the parity is the same). That is exactly the copies in (t - P, t]. One correction: the sum
#      of hour H - P - 1 is recorded during hour H - P, after t - P when it came late, and must not
#      count. Sums of that parity are recorded only in hours of H's parity, so it is the only one
#      in (t - P, t - P + 1h]: subtracted as the same parity's sums over 1h - 1ms, `offset P - 1h`.
#      Between hour H's start and the group's first evaluation in H there are no evaluations, so
#      no period sum ever misses the hour H - 1. A copy written at t by the hours group after the
#      period group evaluated at the same t counts from the next evaluation on.
# No range boundary can hold a sample whose inclusion differs between Prometheus 2 (closed ranges)
# and 3 (left-open): the boundaries of steps 1-3 fall on the other parity's copies, and the hour
# sums are read over P - 1ms (and 1h - 1ms), whose start lies 1ms after one of the period group's
# evaluation timestamps (a grid of 2m, which P - 1h is a multiple of), never on one. Any term that
# is absent (the first hour, the first period, a gap) counts as 0, so the period series exists
# whenever the SLI's 5m rates do. Only an hour with no period evaluation at all loses the hour
# before it too (its sum would have been recorded then).

HOURS_INTERVAL = "1m"
PERIOD_INTERVAL = "2m"
HOUR = 3600
_KINDS = (("error", names.SLI_ERROR_RATE), ("total", names.SLI_TOTAL_RATE))


def _in_hours(parity: str) -> str:
    # hour() is the UTC hour of the day at evaluation time; a day has an even number of hours, so its
    # parity is that of the hours since the epoch. Short text matters: Prometheus 2 parses every
    # rule's expression again at each evaluation.
    return f"hour() % 2 == {names.HOUR_PARITIES.index(parity)}"


def _other(parity: str) -> str:
    return names.HOUR_PARITIES[1 - names.HOUR_PARITIES.index(parity)]


def _just_under(seconds: int) -> str:
    """A range 1ms shorter than `seconds`: (t - P, t] on Prometheus 2 and on Prometheus 3."""
    return durations.format_seconds(seconds - 1) + "999ms"


def _this_hour(slo: SLOPlan, kind: str, zero: str, offset: str = "") -> str:
    """The samples of the current clock hour (or, with an offset, of that hour `offset` ago)."""
    parts = [f"(sum_over_time({_sel(slo, names.rate_in_hours(kind, parity))}[1h]{offset})"
             f" and on () ({_in_hours(parity)}))" for parity in names.HOUR_PARITIES]
    return "(" + " or ".join([*parts, zero]) + ")"


def _hour_sums(slo: SLOPlan, kind: str, parity: str, zero: str) -> str:
    """The hour sums of this parity recorded in (t - P, t], less the one that was recorded late, after
    t - P, for an hour that ended before t - P (see step 3 above)."""
    sums = _sel(slo, names.hour_sum(kind, parity))
    late = (f"sum_over_time({sums}[{_just_under(HOUR)}] offset {durations.format_seconds(slo.period - HOUR)})"
            f" and on () ({_in_hours(_other(parity))})")
    return f"((sum_over_time({sums}[{_just_under(slo.period)}]) or {zero}) - (({late}) or {zero}))"


def _period_sum(slo: SLOPlan, kind: str, source: str) -> str:
    zero = f"{_sel(slo, source)} * 0"
    period = durations.format_seconds(slo.period)
    hours = [_hour_sums(slo, kind, parity, zero) for parity in names.HOUR_PARITIES]
    return (f"{hours[0]}\n+ {hours[1]}\n+ {_this_hour(slo, kind, zero)}\n"
            f"- {_this_hour(slo, kind, zero, f' offset {period}')}")


def hour_sum(slo: SLOPlan, kind: str, parity: str, *, self_read: bool = True) -> str:
    """At the first evaluation of the hour after an hour of this parity (the first in the whole hour,
    so a late or skipped evaluation only delays it), the sum of that hour's samples.

    `obsgen backfill` cannot evaluate a rule that reads its own output (promtool queries a server
    that does not hold it yet); its evaluations are all there, so minute 0 is the first one."""
    first = (f"present_over_time({_sel(slo, names.hour_sum(kind, parity))}[1h])" if self_read
             else "on () (floor(vector(time()) / 60) % 60 > 0)")
    return (f"(sum_over_time({_sel(slo, names.rate_in_hours(kind, parity))}[2h])"
            f" and on () ({_in_hours(_other(parity))})) unless {first}")


def _rolled_up(slo: SLOPlan) -> bool:
    """A period that is also an alert window (3d) is recorded once, by the SLI group, every minute."""
    return slo.period not in slo.windows


def copy_rules(slo: SLOPlan) -> list[dict]:
    """The hours group: the 5m rates, copied every minute into the parity of their hour."""
    if not _rolled_up(slo):
        return []
    if slo.period % (2 * HOUR):
        raise ValueError(f"{slo.id}: the period roll-ups need a whole number of days, got {slo.period}s")
    return [_record(slo, names.rate_in_hours(kind, parity), f"{_sel(slo, source)} and on () ({_in_hours(parity)})")
            for kind, source in _KINDS for parity in names.HOUR_PARITIES]


def rollup_rules(slo: SLOPlan) -> list[dict]:
    """The period group's roll-ups: each hour's sum, then the period's sums."""
    rules = [_record(slo, names.hour_sum(kind, parity), hour_sum(slo, kind, parity))
             for kind, _ in _KINDS for parity in names.HOUR_PARITIES]
    return rules + [_record(slo, names.period_sum(kind), _period_sum(slo, kind, source)) for kind, source in _KINDS]


def period_rules(slo: SLOPlan) -> list[dict]:
    w = durations.format_seconds(slo.period)
    ratio = _sel(slo, names.sli_error_ratio(w))
    burn = _sel(slo, names.PERIOD_BURN_RATE)
    errors, total = (_sel(slo, names.period_sum(kind)) for kind, _ in _KINDS)
    ratios = [
        *rollup_rules(slo),
        _record(slo, names.sli_error_ratio(w), _ratio(errors, total), sloth_window=w),
    ] if _rolled_up(slo) else []
    return [
        *ratios,
        _record(slo, names.PERIOD_BURN_RATE,
                f"sum without ({names.SLOTH_WINDOW}) ({ratio}) / {promql.number(slo.budget)}"),
        _record(slo, names.PERIOD_BUDGET_REMAINING, f"1 - {burn}"),
    ]


def alert_expr(slo: SLOPlan, window: burnrate.AlertWindow) -> str:
    """Both windows burn faster than the factor; the value is the long window's burn rate."""
    parts, only = [], alert_matchers(slo.environment, window.severity)  # shared mode: pages production's
    for seconds in (window.long, window.short):
        ratio = promql.selector(calendar_rules.alert_ratio(slo, seconds), {**slo.selector(), **only})
        parts.append(f"max without ({names.SLOTH_WINDOW}) ({ratio} / {promql.number(slo.budget)})"
                     f" > {calendar_rules.alert_threshold(slo, window)}")
    return f"(\n  {parts[0]}\n)\nand\n(\n  {parts[1]}\n)"


def alert_rules(slo: SLOPlan) -> list[dict]:
    if slo.alert_style == "sloth":  # Sloth's two alerts per SLO, for Sloth users' routes and templates
        return sloth_alerts.rules(slo)
    return [alert_rule(slo, a) for a in slo.alerts]


def alert_rule(slo: SLOPlan, alert: AlertPlan) -> dict:
    rule = {"alert": alert.name, "expr": promql.check(alert_expr(slo, alert.window))}
    if alert.for_seconds:
        rule["for"] = durations.format_seconds(alert.for_seconds)
    rule["labels"] = dict(alert.labels)
    rule["annotations"] = dict(alert.annotations)
    return rule
