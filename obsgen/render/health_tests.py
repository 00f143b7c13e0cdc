"""promtool unit tests of the SLI health alerts (render/health_rules.py), one file per service.

Per SLO, with synthetic series derived from the SLI's own selectors: each health alert fires when
what it watches is absent (the totals while the service is up; the bucket at the threshold beside
its count; every error series for a day beside traffic), and none fires with data, nor at zero
traffic while the series exist. The short scenarios that read the SLI's own selectors are named
as wiring (render/promtool_tests.WIRING): `obsgen test` runs them for every SLO, the others once
per rule shape (verify/shapes.py). A file of their own, evaluated every 10 minutes: the day-long
`for` of the error-series alert costs 150 evaluations there, 1,500 in the burn-rate tests' file.
For the same reason this file also holds the one scenario that needs more than the longest alert
window (3d) of evaluations: a step in the error ratio that pins every window's range
(render/promtool_tests.window_lengths).
"""

from __future__ import annotations

from obsgen import durations, names, promql, yamlio
from obsgen.artifacts import PromtoolTests
from obsgen.plan import reads
from obsgen.plan.model import Plan, ServicePlan, SLOPlan
from obsgen.render import health_rules, promtool_inputs
from obsgen.render.backend import Backend
from obsgen.render.promtool_inputs import expect
from obsgen.render.promtool_tests import WIRING, window_lengths

STEP_MINUTES = 10
DAY_MINUTES = health_rules.NO_ERRORS_FOR // 60
SHORT_MINUTES = health_rules.ABSENT_FOR // 60 + 2 * STEP_MINUTES  # the absent alerts' `for`, and a step either side
LONG_MINUTES = DAY_MINUTES + 2 * STEP_MINUTES
RATE = 1000  # events a minute


def render(plan: Plan) -> dict[str, PromtoolTests]:
    return {(path := names.health_tests_file(s.name)): PromtoolTests(path, lambda s=s: _file(s)) for s in plan.services}


def _file(service: ServicePlan) -> tuple[dict, str]:
    """The file's data and header (built when the file is written: artifacts.PromtoolTests)."""
    tests, notes = [], []
    for slo in service.slos:
        if slo.sli.fixture is None:
            notes.append(f"# {slo.name}: no health tests: {slo.sli.fixture_note}\n")
            continue
        tests += scenarios(slo)
    doc = {"rule_files": [f"../rules/{service.name}.rules.yaml"], "evaluation_interval": f"{STEP_MINUTES}m",
           "tests": tests}
    return doc, yamlio.HEADER + "".join(notes)


def _series(slo: SLOPlan, text: str) -> str:
    env = promtool_inputs.environment(slo)
    return text if env is None else promtool_inputs.with_environment(text, slo.environment.label, env)


def _values(per_minute: int, minutes: int) -> str:
    return f"0+{per_minute * STEP_MINUTES}x{minutes // STEP_MINUTES}"


def _inputs(slo: SLOPlan, minutes: int, rate: int = RATE, keep=lambda f: True) -> list[dict]:
    """The SLI's fixture series (1% errors), those `keep` accepts."""
    return [{"series": _series(slo, f.series), "values": _values(f.good * rate + f.bad * (rate // 100), minutes)}
            for f in slo.sli.fixture if keep(f)]


def _up(slo: SLOPlan, minutes: int, value: int = 1) -> list[dict]:
    """The series that says the service is up (health_rules.anchor)."""
    metric, labels = health_rules.anchor(slo, [s for s in reads.selectors(slo) if s.role == reads.TOTAL])
    if metric == names.SPAN_CALLS:  # another span of the service
        labels = {**labels, names.SPAN_NAME: "obsgen-health-other-span", names.SPAN_KIND: names.SPAN_KIND_SERVER}
    series = _series(slo, promql.selector(metric, dict(sorted(labels.items()))))
    return [{"series": series, "values": f"{value}x{minutes // STEP_MINUTES}" if metric == names.SCRAPE_UP
             else _values(RATE, minutes)}]


def _fires(slo: SLOPlan, suffix: str, minute: int, fires: bool) -> dict:
    # names may repeat (service pay-api's SLOs x-1b and x1b): the service and slo labels tell them apart
    alert = promql.selector(names.ALERTS, {names.ALERT_STATE: "firing", names.SERVICE: slo.service,
                                           names.SLO: slo.name,
                                           names.ALERTNAME: names.camel(slo.service, slo.name) + suffix})
    return expect(f"count({alert}) or vector(0)", minute, int(fires))


def _test(slo: SLOPlan, name: str, series: list[dict], checks: list[dict]) -> dict:
    return {"name": f"{slo.id}: {name}", "interval": f"{STEP_MINUTES}m", "input_series": series,
            "promql_expr_test": checks}


def scenarios(slo: SLOPlan) -> list[dict]:
    problems = health_rules.expressions(slo)
    minutes = LONG_MINUTES if "SLINoErrorSeries" in problems else SHORT_MINUTES
    quiet = [_fires(slo, p, minutes, False) for p in problems]
    tests = [_test(slo, "with data no health alert fires", _inputs(slo, minutes) + _up(slo, minutes), quiet),
             _test(slo, "at zero traffic, series present, no health alert fires",
                   _inputs(slo, minutes, rate=0) + _up(slo, minutes), quiet)]
    short = health_rules.ABSENT_FOR // 60
    tests.append(_test(slo, f"{WIRING}no total series while the service is up: SLINoData", _up(slo, SHORT_MINUTES),
                       [_fires(slo, "SLINoData", short - STEP_MINUTES, False),
                        _fires(slo, "SLINoData", SHORT_MINUTES, True)]))
    if health_rules.anchor(slo, [s for s in reads.selectors(slo) if s.role == reads.TOTAL])[0] == names.SCRAPE_UP:
        tests.append(_test(slo, "no total series while the scrape is down: silent", _up(slo, SHORT_MINUTES, 0),
                           [_fires(slo, "SLINoData", SHORT_MINUTES, False)]))
    if "SLIThresholdNotABucket" in problems:
        tests.append(_test(slo, f"{WIRING}the count without the bucket at the threshold: SLIThresholdNotABucket",
                           _inputs(slo, SHORT_MINUTES, keep=lambda f: "le=" not in f.series) + _up(slo, SHORT_MINUTES),
                           [_fires(slo, "SLIThresholdNotABucket", short - STEP_MINUTES, False),
                            _fires(slo, "SLIThresholdNotABucket", SHORT_MINUTES, True),
                            _fires(slo, "SLINoData", SHORT_MINUTES, False)]))
    if "SLINoErrorSeries" in problems:
        day = durations.format_seconds(health_rules.NO_ERRORS_FOR)
        tests.append(_test(slo, f"traffic without a single error series for {day}: SLINoErrorSeries",
                           _inputs(slo, LONG_MINUTES, keep=lambda f: f.good > 0) + _up(slo, LONG_MINUTES),
                           [_fires(slo, "SLINoErrorSeries", DAY_MINUTES - STEP_MINUTES, False),
                            _fires(slo, "SLINoErrorSeries", LONG_MINUTES, True),
                            _fires(slo, "SLINoData", LONG_MINUTES, False)]))
    return tests + [t for t in [window_lengths(slo, STEP_MINUTES)] if t]


# the SLI health alerts' tests (render/health_rules.py), run by the promtool verifier
BACKEND = Backend("promtool-health-tests", render, output_dirs=("alerts",), per_service=True)
