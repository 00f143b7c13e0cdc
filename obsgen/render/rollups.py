"""The period's recording rules, read from hourly roll-ups, and the helpers every rule file's
expressions share (selectors, records, the ratio that is never NaN). Below prometheus_rules.py and
calendar_rules.py, which both build on them."""

from __future__ import annotations

from obsgen import durations, names, promql
from obsgen.plan.environments import join_labels
from obsgen.plan.model import SLOPlan


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



# --- the period ------------------------------------------------------------------------------
#
# The period sum of the recorded 5m rates is read from hourly roll-ups, so one evaluation reads
# about 2 x (P / 1h + 3 x 60) samples whatever the history (30d: about 1,800), instead of every 5m
# sample of the period (30d at 1m: 86,400).
#
# What a period evaluation costs is mostly per rule and per selector, not per sample
# (docs/rule-cost.md): so the roll-ups run as seldom as exactness allows. The roll-ups group runs
# every 5m, the copies first: they read the 5m rates (recorded every minute, or every 30s or 15s)
# at instants 5m apart, so the copied 5m windows tile the SLI's history (every moment in exactly
# one; when the copies ran every minute, in five: a sum of copies is the same multiple of the
# events in it, errors and totals alike, so their ratio is exact either way). It records the
# period's sums and their ratio, which nothing reads directly but the period group, every 2m30s:
# the period ratio there is the roll-ups' latest (`last_over_time` over ROLLED_UP_READ, one skipped
# roll-up evaluation included), so what dashboards and alerts read is never older than 2m30s plus
# an evaluation, well inside Prometheus' 5m lookback, and its value the period up to the roll-ups'
# last evaluation (at most 5m behind: 5m of 30d). A calendar or timeslice SLO's period rules read
# the hour sums the same evaluation records and its dashboards read their results: there the
# roll-ups stay in the period group, every 2m30s (which divides 5m too: two copied windows hold
# every moment). `promtool test rules` evaluates every group at the test's own interval: there the
# copies run every minute, as they did.
#
# The roll-ups, in UTC clock hours of their samples' timestamps:
#   1. roll-ups group, first, `<kind>_rate5m_hours{obsgen_hour_parity="even"}` ("odd"): the 5m
#      rate, kept only in even (odd) hours; one rule per kind, the parity a label (names.HOUR_PARITY);
#   2. roll-ups group, `<kind>_rate5m_sum_hour{obsgen_hour_parity=...}`: at the group's first evaluation
#      of the next hour, the sum of the copies of the hour that just ended (the parity label is that
#      hour's), one rule per kind: `sum_over_time(rate5m_hours[2h])` less this hour's parity
#      sees exactly that hour at any time during the next one (the hours either side have this
#      hour's parity: their copies are dropped by the parity, not by a range boundary). "First" is "none recorded in the
#      last hour", not "minute 0": a late or skipped evaluation (a restart across the hour) delays
#      the sum instead of losing it. The hour's last copy was written by an earlier evaluation of the
#      same group, so every copy of the hour is in its sum;
#   3. roll-ups group: the period sum at t in hour H = the hour sums recorded in (t - P, t] (they cover
#      the hours [H - P, H)) + this hour's copies [H, t] - the copies of [H - P, t - P], the same
#      "this hour" sum read `offset P` (P is a whole number of days, so an even number of hours:
#      the parity is the same). That is exactly the copies in (t - P, t]. One correction: the sum
#      of hour H - P - 1 is recorded during hour H - P, after t - P when it came late, and must not
#      count. Sums of that parity are recorded only in hours of H's parity, so it is the only one
#      in (t - P, t - P + 1h]: subtracted as the same parity's sums over 1h - 1ms, `offset P - 1h`.
#      Between hour H's start and the group's first evaluation in H there are no evaluations, so
#      no period sum ever misses the hour H - 1. The copy written at t, earlier in the same
#      evaluation, counts at t.
# No range boundary can hold a sample whose inclusion differs between Prometheus 2 (closed ranges)
# and 3 (left-open): the boundaries of steps 1-3 fall on the other parity's copies, and the hour
# sums are read over P - 1ms (and 1h - 1ms), whose start lies 1ms after one of the period group's
# evaluation timestamps (a grid of 5m or 2m30s, which P - 1h is a multiple of), never on one. Any term that
# is absent (the first hour, the first period, a gap) counts as 0, so the period series exists
# whenever the SLI's 5m rates do. Only an hour with no period evaluation at all loses the hour
# before it too (its sum would have been recorded then).

ROLLUPS_INTERVAL = "5m"
PERIOD_INTERVAL = "2m30s"
ROLLED_UP_READ = "10m"  # the period group's read of the roll-ups' ratio: two of their evaluations
HOUR = 3600
_KINDS = (("error", names.SLI_ERROR_RATE), ("total", names.SLI_TOTAL_RATE))


def _in_hours(parity: str) -> str:
    # hour() is the UTC hour of the day at evaluation time; a day has an even number of hours, so its
    # parity is that of the hours since the epoch. Short text matters: Prometheus 2 parses every
    # rule's expression again at each evaluation.
    return f"hour() % 2 == {names.HOUR_PARITIES.index(parity)}"


def _just_under(seconds: int) -> str:
    """A range 1ms shorter than `seconds`: (t - P, t] on Prometheus 2 and on Prometheus 3."""
    return durations.format_seconds(seconds - 1) + "999ms"


def parity_sel(slo: SLOPlan, metric: str, parity: str) -> str:
    """The SLO's series of one parity of a roll-up (copies or hour sums)."""
    return promql.selector(metric, {**slo.selector(), names.HOUR_PARITY: parity})


# The current hour's parity as a one-series vector with no selector: `x and on (parity) THIS` keeps
# the part of x in this hour's parity, `x unless on (parity) THIS` the other's. Each selector costs
# about the same whatever it reads, so one selector over both parities filtered by this beats one
# selector per parity.
THIS_PARITY = " or ".join(f'label_replace(vector(1), "{names.HOUR_PARITY}", "{parity}", "", "")'
                          f" and on () ({_in_hours(parity)})" for parity in names.HOUR_PARITIES)


# appended to an expression: each of its series, labelled with this hour's parity
IN_THIS_PARITY = f" * on () group_left ({names.HOUR_PARITY}) ({THIS_PARITY})"


def in_this_parity(expr: str, keep: bool = True) -> str:
    return f"({expr}) {'and' if keep else 'unless'} on ({names.HOUR_PARITY}) ({THIS_PARITY})"


def _this_hour(slo: SLOPlan, kind: str, zero: str, offset: str = "") -> str:
    """The samples of the current clock hour (or, with an offset, of that hour `offset` ago), without
    the parity label (so that it adds to series that have none)."""
    copies = in_this_parity(f"sum_over_time({_sel(slo, names.rate_in_hours(kind))}[1h]{offset})")
    return f"(sum without ({names.HOUR_PARITY}) ({copies}) or {zero})"


def _term(expr: str, tag: str) -> str:
    return f'label_replace({expr}, "{names.ROLLUP_TERM}", "{tag}", "", "")'


def _period_sum(slo: SLOPlan, kind: str, source: str) -> str:
    """The copies in (t - P, t] (step 3 above) as one sum over tagged terms: a term that is absent
    (the first hour, the first period, a gap) adds nothing, and the 5m rate times 0 makes the sum
    exist whenever the SLI does. Each selector costs about the same whatever it reads (Prometheus
    looks its series up in every block the query spans), so each roll-up is read once for both
    parities, the parity picked by THIS_PARITY, and the 5m rate twice (the zero, and absent where
    the SLI has no 5m rate, as the period series): 6 selectors."""
    period = slo.period
    sums, copies = _sel(slo, names.hour_sum(kind)), _sel(slo, names.rate_in_hours(kind))
    late = f"[{_just_under(HOUR)}] offset {durations.format_seconds(period - HOUR)}"
    terms = [
        _term(f"sum_over_time({sums}[{_just_under(period)}])", "sums"),
        # the sum of the hour before t - P, when it was recorded after t - P: the other parity's
        _term(in_this_parity(f"-sum_over_time({sums}{late})", keep=False), "late"),
        in_this_parity(_term(f"sum_over_time({copies}[1h])", "now") + " or "
                       + _term(f"-sum_over_time({copies}[1h] offset {durations.format_seconds(period)})", "then")),
        _term(f"{_sel(slo, source)} * 0", "zero"),
    ]
    return (f"sum by ({_slo_labels(slo)}) (\n  " + "\nor\n  ".join(terms)
            + f"\n)\nand on ({join_labels(slo.environment)}) {_sel(slo, source)}")


def hour_sum(slo: SLOPlan, kind: str, *, self_read: bool = True) -> str:
    """At the first evaluation of an hour (the first in the whole hour, so a late or skipped
    evaluation only delays it), the sum of the hour before's samples, labelled with that hour's
    parity: over the last 2h the copies of the other parity than this hour's are exactly the hour
    before's. One rule for both parities (a rule costs about the same per evaluation whatever it
    reads, and the one that finds nothing to record costs as much as the one that does).

    `obsgen backfill` cannot evaluate a rule that reads its own output (promtool queries a server
    that does not hold it yet); its evaluations are all there, so minute 0 is the first one."""
    by = _slo_labels(slo)
    copies = in_this_parity(f"sum_over_time({_sel(slo, names.rate_in_hours(kind))}[2h])", keep=False)
    # "already recorded this hour": a sum of the other parity in the last hour can only be the hour
    # before's (the one before it was recorded more than an hour ago, the hour before that)
    first = (f"on ({by}, {names.HOUR_PARITY}) present_over_time({_sel(slo, names.hour_sum(kind))}[1h])"
             if self_read else "on () (floor(vector(time()) / 60) % 60 > 0)")
    return f"sum by ({by}, {names.HOUR_PARITY}) ({copies}) unless {first}"


def _slo_labels(slo: SLOPlan) -> str:
    """What tells one SLO's roll-ups apart (and, in shared metrics mode, one environment's). Sums and
    joins go by these, not by every label: after a change of the SLO's labels (its spec's `labels`)
    the series recorded before carry the old ones, and must still count, once."""
    return ", ".join(label for label in (names.SLOTH_ID, join_labels(slo.environment)) if label)


def _rolled_up(slo: SLOPlan) -> bool:
    """A period that is also an alert window (3d) is recorded once, by the SLI group, every minute."""
    return slo.period not in slo.windows


def split(slo: SLOPlan) -> bool:
    """Whether the SLO's roll-ups run in a group of their own, every 5m (see "the period" above)."""
    return _rolled_up(slo) and slo.calendar is None and slo.slices is None


def copy_rules(slo: SLOPlan) -> list[dict]:
    """The roll-ups' first rules (the roll-ups group's, or the period group's when not split): the
    5m rates, copied at each evaluation into the parity of their hour. One rule per kind: the parity
    label comes from THIS_PARITY (value 1: the copy's value is the rate's), not from one rule per
    parity that drops the other hours (a rule costs about the same whatever it reads)."""
    if not _rolled_up(slo):
        return []
    if slo.period % (2 * HOUR):
        raise ValueError(f"{slo.id}: the period roll-ups need a whole number of days, got {slo.period}s")
    return [_record(slo, names.rate_in_hours(kind), f"({_sel(slo, source)} and {_paired(slo, kind)}){IN_THIS_PARITY}")
            for kind, source in _KINDS]


def _paired(slo: SLOPlan, kind: str) -> str:
    """The other 5m rate, which a copy must see too. The SLI group appends each rule's result as it
    goes and the roll-ups group evaluates on its own, so a roll-ups evaluation between the two appends
    sees one rate without the other: the total before its first error (the first evaluation, or
    after a scrape outage), or the error after the total's stale marker when traffic goes. A copy
    of one without the other would stay in the period's sums, and skew its ratio, for a whole
    period. Zero errors are a series of value 0 (the error rule falls back to `total * 0`), so the
    guard keeps them; without traffic neither rate exists and nothing is copied."""
    other = dict(_KINDS)["total" if kind == "error" else "error"]
    return f"on ({join_labels(slo.environment)}) {_sel(slo, other)}"


def rollup_rules(slo: SLOPlan) -> list[dict]:
    """The roll-ups after the copies: each hour's sum, then the period's sums (and, in the roll-ups
    group of their own, the period ratio the period group reads)."""
    rules = [_record(slo, names.hour_sum(kind), hour_sum(slo, kind)) for kind, _ in _KINDS]
    rules += [_record(slo, names.period_sum(kind), _period_sum(slo, kind, source)) for kind, source in _KINDS]
    return rules + ([_record(slo, names.ROLLED_UP_RATIO, _sum_ratio(slo))] if split(slo) else [])


def _sum_ratio(slo: SLOPlan) -> str:
    errors, total = (_sel(slo, names.period_sum(kind)) for kind, _ in _KINDS)
    return _ratio(errors, total)


def _fresh_ratio(slo: SLOPlan) -> str:
    """The roll-ups' latest period ratio, where the SLI has a 5m rate now (as the period sums are).
    One series per SLO (`max by` its sloth_id): after a change of the SLO's labels, the ratio
    recorded under the old ones is still in the range for up to ROLLED_UP_READ, and the rule's
    labels put the current ones back."""
    rolled = f"max by ({_slo_labels(slo)}) (last_over_time({_sel(slo, names.ROLLED_UP_RATIO)}[{ROLLED_UP_READ}]))"
    return f"{rolled}\nand on ({join_labels(slo.environment)}) {_sel(slo, names.SLI_TOTAL_RATE)}"


def period_rules(slo: SLOPlan) -> list[dict]:
    """The period group's period ratio (from the roll-ups: their own group's, or this group's), burn
    rate and budget."""
    w = durations.format_seconds(slo.period)
    ratio = _sel(slo, names.sli_error_ratio(w))
    burn = _sel(slo, names.PERIOD_BURN_RATE)
    if split(slo):
        ratios = [_record(slo, names.sli_error_ratio(w), _fresh_ratio(slo), sloth_window=w)]
    elif _rolled_up(slo):
        ratios = [*rollup_rules(slo), _record(slo, names.sli_error_ratio(w), _sum_ratio(slo), sloth_window=w)]
    else:
        ratios = []
    return [
        *ratios,
        _record(slo, names.PERIOD_BURN_RATE,
                f"sum without ({names.SLOTH_WINDOW}) ({ratio}) / {promql.number(slo.budget)}"),
        _record(slo, names.PERIOD_BUDGET_REMAINING, f"1 - {burn}"),
    ]
