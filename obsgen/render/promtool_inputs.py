"""The building blocks of promtool test files: synthetic counters, the traffic they carry, the
environment their series run in (shared mode), groups and assertions. Below promtool_tests.py (the
per-SLO scenarios) and promtool_shared.py (the shared-store scenarios), which both build on them."""

from __future__ import annotations

from obsgen import durations, promql
from obsgen.plan.model import SLOPlan

EVAL_MINUTES = 1
TRAFFIC = 100_000  # events a minute, more when the objective needs it (see traffic())
NEAR = 0.03  # "just below" and "just above" a threshold, relative
# At the smallest error ratio a test uses, at least this many errors a minute: rounding to whole
# events then moves a ratio by 1% at most, inside NEAR.
MIN_ERRORS = 50
# Counters must stay exact integers in float64 (2^53) over a test's few hundred minutes.
MAX_TRAFFIC = 10**12


def environment(slo: SLOPlan) -> str | None:
    """The environment the per-SLO scenarios run in: the paging one when listed, else the first."""
    scope = slo.environment
    if scope is None:
        return None
    return scope.paging if scope.paging in scope.environments else scope.environments[0]


def with_environment(series: str, label: str, value: str) -> str:
    """A fixture series (`metric{labels}`) with the environment label set, rebuilt from its parse."""
    metric, matchers = promql.matchers_of(promql.parse(series))
    labels = {n: v for n, _, v in matchers if n != label}
    return promql.selector(metric, dict(sorted({**labels, label: value}.items())))


def counter(phases: list[tuple[int, int]]) -> str:
    """promtool series values for a counter growing by `step` a minute for `minutes`, per phase.

    Integer steps only: `a+bxn` adds b in floating point, so fractional steps drift and the next
    segment's start would read as a counter reset.
    """
    parts, value, first = [], 0, True
    for step, minutes in phases:
        if first:
            parts.append(f"{value}+{step}x{minutes}")
            value += step * minutes
            first = False
        else:
            parts.append(f"{value + step}+{step}x{minutes - 1}")
            value += step * minutes
    return " ".join(parts)


def samples_a_minute(slo: SLOPlan) -> int:
    """A timeslice SLO's series are sampled twice a minute: a 1m slice's rate then holds two samples
    on Prometheus 3's left-open ranges too (docs/calendar.md, "Limits")."""
    return 2 if slo.slices is not None else 1


def series_interval(slo: SLOPlan) -> str:
    return durations.format_seconds(60 // samples_a_minute(slo))


def inputs(slo: SLOPlan, phases: list[tuple[int, int, int]]) -> list[dict]:
    """Input series for phases of (errors a minute, successes a minute, minutes); in shared mode
    they carry the environment label. Sampled more often (samples_a_minute), each sample adds a
    minute's step: the rates are higher, every ratio is the same."""
    env = environment(slo)
    per = samples_a_minute(slo)
    return [
        {"series": s.series if env is None else with_environment(s.series, slo.environment.label, env),
         "values": counter([(s.bad * bad + s.good * good, minutes * per) for bad, good, minutes in phases])}
        for s in slo.sli.fixture
    ]


def traffic(slo: SLOPlan) -> int:
    """Events a minute: TRAFFIC, times ten until the smallest error ratio a test uses (just below
    the lowest page threshold, or the slow burn) is at least MIN_ERRORS events. 99.9% keeps
    100,000 a minute; 99.999% needs 10 million."""
    pages = [a.window.factor for a in slo.alerts if a.window.severity == "page"]
    tickets = [a.window.factor for a in slo.alerts if a.window.severity == "ticket"]
    factors = [f * (1 - NEAR) for f in pages] + ([min(tickets) * 1.5] if tickets else [])
    smallest = min(factors, default=1) * slo.budget
    events = TRAFFIC
    while smallest * events < MIN_ERRORS and events <= MAX_TRAFFIC:
        events *= 10
    return events


def expect(expr: str, minute: int, value: float) -> dict:
    return {"expr": promql.check(expr), "eval_time": f"{minute}m",
            "exp_samples": [{"labels": "{}", "value": value}]}


def group(name: str, series: list[dict], checks: list[dict], interval: str = f"{EVAL_MINUTES}m") -> dict:
    return {"name": name, "interval": interval, "input_series": series, "promql_expr_test": checks}
