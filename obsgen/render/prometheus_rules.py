"""Prometheus recording and alerting rules, one file per service, three groups per SLO.

The SLI group records the 5m error and total rates from the raw queries once; every window and the
period are derived from the two recorded 5m series (traffic-weighted, cheap to evaluate). The fastest
page's long window (1h) is the sum of the 5m rates at t, t - 5m, ..., t - 55m (tiles that partition
the hour), so that a full outage pages after the Workbook's time; the others sum every sample.
The roll-ups group, every 5m, copies them into hour-parity series and sums those copies by the
hour and over the period, so its cost does not grow with the history; the period group, every
2m30s, records the windows only tickets read, the tickets, the period ratio, budget and constants.
"""

from __future__ import annotations

from obsgen import burnrate, calendar, durations, names, promql
from obsgen.artifacts import Artifact, BurnAlert, RuleFile, RuleGroups, SLOFacts
from obsgen.plan.environments import alert_matchers, join_labels
from obsgen.plan.model import AlertPlan, Plan, ServicePlan, SLOPlan
from obsgen.render import calendar_rules, health_rules, rollups, sloth_alerts
from obsgen.render.rollups import (
    _KINDS,
    PERIOD_INTERVAL,
    ROLLUPS_INTERVAL,
    _ratio,
    _record,
    _sel,
    copy_rules,
    period_rules,
    rollup_rules,
)

BASE = durations.format_seconds(burnrate.BASE_WINDOW)


def render(plan: Plan) -> dict[str, RuleFile]:
    return {(path := names.rules_file(service.name)): RuleFile(path, RuleGroups(service_groups(service)),
                                                               slos=tuple(slo_facts(slo) for slo in service.slos))
            for service in plan.services}


def slo_facts(slo: SLOPlan) -> SLOFacts:
    """What the SLO's rules below encode (artifacts.SLOFacts), from the plan they are rendered from:
    the numbers constant_rules and the calendar's hours record write, the windows sli_rules reads at
    their edge, each pair alert_rules compares."""
    hours = calendar.hours_range(slo.calendar)[1] if slo.calendar is not None else None
    if slo.alert_style == "sloth":
        alerts = sloth_alerts.facts(slo)
    else:
        alerts = tuple(BurnAlert(a.name, a.window.severity, a.window.long, a.window.short,
                                 calendar_rules.alert_factor(slo, a.window), float(a.for_seconds)) for a in slo.alerts)
    return SLOFacts(slo.service, slo.name, slo.objective_percent, slo.period // burnrate.DAY, slo.team,
                    tuple(sorted(edge_windows(slo))), hours, alerts)


def service_groups(service: ServicePlan) -> list[dict]:
    """Every rule group of a service, built (every expression parsed) on each call: the backends that
    hold the same groups (render/k8s_rules.py, render/rulers/) read them from the rules file's
    artifact (groups_of)."""
    return [g for slo in service.slos for g in groups_for(slo)]


def groups_of(service: ServicePlan, files: dict[str, Artifact]) -> RuleGroups:
    """The groups of the service's rules file, as this backend built them in this run (`files`: the
    artifacts rendered so far); built again from the plan when the rerun cache replayed that file."""
    found = files.get(names.rules_file(service.name))
    if isinstance(found, RuleFile) and found.rules.complete:
        return found.rules
    return RuleGroups(service_groups(service))


def groups_for(slo: SLOPlan) -> list[dict]:
    """The SLI group (the global interval), the roll-ups group (every 5m, unless the period is an
    alert window or the SLO has a calendar or timeslices: then the roll-ups run in the period group)
    and the period group (every 2m30s): see rollups.py.

    What needs no fresher value than every 2m30s rides in the period group, at 40% of the cost of
    every minute (each rule costs about the same per evaluation, data or not: Prometheus 2 parses it
    and sets up a query each time): the constants, still well inside the 5m lookback. The SLI health
    alerts, whose `for` is 10m or a day and which read raw series, run last in the roll-ups group
    (in the period group where there is none)."""
    copies = copy_rules(slo)
    slow = ticket_windows(slo)
    windows = sli_rules(slo)
    every_minute = [r for r in windows if r["labels"].get(names.SLOTH_WINDOW) not in slow]
    tickets = [r for r in windows if r["labels"].get(names.SLOTH_WINDOW) in slow]
    alerts = alert_rules(slo)
    severities = ([a.window.severity for a in slo.alerts] if slo.alert_style != "sloth"
                  else [s for s in ("page", "ticket") if any(a.window.severity == s for a in slo.alerts)])
    pages = [r for r, s in zip(alerts, severities, strict=True) if s != "ticket" or not slow]
    period = [*tickets, *[r for r in alerts if r not in pages], *period_rules(slo), *calendar_rules.period_rules(slo),
              *constant_rules(slo)]
    health = health_rules.rules(slo)
    if rollups.split(slo):  # the roll-ups every 5m, and the SLI health alerts with them (their `for` is 10m or a day)
        rolled = [{"name": names.rule_group(slo.service, slo.name, names.ROLLUPS_GROUP), "interval": ROLLUPS_INTERVAL,
                   "rules": [*copies, *rollup_rules(slo), *health]}]
    else:
        rolled, period = [], [*copies, *calendar_rules.start_hour_rules(slo, names.PERIOD_GROUP), *period, *health]
    return [
        {"name": names.rule_group(slo.service, slo.name), "rules": [*every_minute, burn_rate_rule(slo), *pages]},
        *rolled,
        {"name": names.rule_group(slo.service, slo.name, names.PERIOD_GROUP), "interval": PERIOD_INTERVAL,
         "rules": period},
        *calendar_rules.groups(slo),  # timeslices and calendar periods: docs/calendar.md
    ]


def ticket_windows(slo: SLOPlan) -> frozenset[str]:
    """The windows only tickets read (a catalog's slow pairs: 2h, 1d, 3d by default): recorded, and
    the ticket alerts evaluated, in the period group every 2m30s instead of every minute. A window's
    value is the same whichever group records it; a ticket may fire up to 1m30s later (its
    group's next evaluation), against a `for` and windows of hours. Nothing moves when the alerts'
    severity labels are not obsgen's own (a Sloth-style ticket has `sloth_severity: ticket` too)."""
    tickets = {w for a in slo.alerts if a.window.severity == "ticket" for w in (a.window.long, a.window.short)}
    others = {w for a in slo.alerts if a.window.severity != "ticket" for w in (a.window.long, a.window.short)}
    keep = others | {burnrate.BASE_WINDOW, *burnrate.raw_windows(slo.catalog)}
    return frozenset(durations.format_seconds(w) for w in tickets - keep)


def edge_windows(slo: SLOPlan) -> tuple[int, ...]:
    """The SLO's windows besides the 5m base read at their edge, from 5m tiles or the raw series
    (burnrate.raw_windows); sli_rules derives every other one from the recorded 5m rates."""
    raw = burnrate.raw_windows(slo.catalog)
    return tuple(w for w in slo.windows if w != burnrate.BASE_WINDOW and w in raw)


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
    rules += tile_run_rules(slo)
    edge = edge_windows(slo)
    for window in slo.windows:
        w = durations.format_seconds(window)
        if window == burnrate.BASE_WINDOW:
            expr = _ratio(err, tot)
        elif window in edge:
            expr = tiled_ratio(slo, window) if burnrate.tiles(window) else raw_ratio(slo, w)
        else:
            expr = derived_ratio(slo, w)
        rules.append(_record(slo, names.sli_error_ratio(w), expr, sloth_window=w))
    return rules


def derived_ratio(slo: SLOPlan, window: str) -> str:
    """The error ratio over `window` from every recorded 5m rate in it (cheap; fills along a ramp)."""
    err, tot = _sel(slo, names.SLI_ERROR_RATE), _sel(slo, names.SLI_TOTAL_RATE)
    return _ratio(f"sum_over_time({err}[{window}])", f"sum_over_time({tot}[{window}])")


def tile_run_rules(slo: SLOPlan) -> list[dict]:
    """The runs of burnrate.TILE_RUN tiles the SLO's tiled windows read (none when they read their
    tiles one by one), recorded after the 5m rates and before the windows."""
    if not any(burnrate.tile_runs(w) for w in edge_windows(slo)):
        return []
    run = burnrate.TILE_RUN * burnrate.BASE_WINDOW
    return [_record(slo, names.tile_run(kind), _tiles(_sel(slo, source), run)) for kind, source in _KINDS]


def _tiles(selector: str, window: int, offsets: tuple[int, ...] | None = None) -> str:
    """The recorded 5m rates at t, t - 5m, ... (burnrate.tiles). An instant read at an offset takes
    the group's own sample at t - o when it exists (every evaluation on one grid), else the one
    before it within the 5m lookback: a skipped evaluation, or history written on another grid
    (`obsgen backfill`, a changed group name, path or interval), moves a tile back by at most one
    evaluation interval, so the hour may miss one interval and count another twice. Reading each
    tile exactly (`[1ms] offset o`, absent where that evaluation is missing) and falling back to the
    derived hour instead was measured end to end: after a backfill every tile is off the live grid
    for an hour, and pages came after the derived ramp (186-203 s, not 52 s)."""
    return " + ".join(selector if not offset else f"{selector} offset {durations.format_seconds(offset)}"
                      for offset in (burnrate.tiles(window) if offsets is None else offsets))


def tiled_ratio(slo: SLOPlan, window: int) -> str:
    """The error ratio over `window` read at its edge from the recorded 5m rates (burnrate.tiles):
    no ramp, as fast as the raw series, for selectors over one sample each. Exact when the group
    evaluates on a grid that divides 5m and every evaluation of the last hour happened; otherwise
    within one evaluation interval of the hour (see _tiles). Where a tile is absent altogether (no
    5m rate within 5m of its offset: a new SLO, a gap of more than 5m), the sum is absent and the
    window is the derived sum of every 5m rate in it, which fills along the ramp. A window read in
    recorded runs of tiles (burnrate.tile_runs) reads each run as a tile is read: where a run is
    absent at its offset (a tile of it was) but one was recorded in the 5m before, that one is read,
    so after a gap of more than 5m the window may move by up to two lookbacks before it falls back."""
    if runs := burnrate.tile_runs(window):  # the same tiles, three to a recorded run
        err, tot = _sel(slo, names.tile_run("error")), _sel(slo, names.tile_run("total"))
        tiled = _ratio(f"({_tiles(err, window, runs)})", f"({_tiles(tot, window, runs)})")
    else:
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
    info = {names.SLOTH_MODE: slo.sloth_info[1], names.SLOTH_OBJECTIVE: names.objective_text(slo.objective_percent),
            names.SLOTH_SPEC: slo.sloth_info[0], names.TEAM: slo.team, names.TIER: str(slo.tier)}
    return [
        _record(slo, names.OBJECTIVE, f"vector({promql.number(slo.objective)})"),
        _record(slo, names.ERROR_BUDGET, f"vector({promql.number(slo.budget)})"),
        _record(slo, names.TIME_PERIOD_DAYS, f"vector({slo.period // burnrate.DAY})"),
        _record(slo, names.SLO_INFO, "vector(1)", **info),
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
