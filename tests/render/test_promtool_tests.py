"""The generated promtool tests pass on the generated rules, and fail when the rules are wrong."""

import math

import pytest
import yaml

from obsgen import burnrate, names
from obsgen import yamlio as yamlout
from obsgen.render import promtool_inputs, promtool_tests
from tests.builders import promtool_scenarios


def test_counter_notation_uses_integer_steps_without_resets():
    assert promtool_inputs.counter([(10, 3), (5, 2), (0, 2)]) == "0+10x3 35+5x1 40+0x1"


def test_each_test_file_loads_only_its_services_rules(example_plan, example_files):
    for service in example_plan.services:
        doc = yaml.safe_load(example_files[names.tests_file(service.name)])
        assert doc["rule_files"] == [f"../rules/{service.name}.rules.yaml"]


def test_every_slo_has_each_scenario(example_plan, example_files):
    for service in example_plan.services:
        tests = yaml.safe_load(example_files[names.tests_file(service.name)])["tests"]
        for slo in service.slos:
            titles = [t["name"] for t in tests if t["name"].startswith(slo.id + ":")]
            pages = any(a.window.severity == "page" for a in slo.alerts)
            assert any("zero traffic" in t for t in titles)
            assert any("ticket" in t for t in titles)
            assert any("total outage" in t for t in titles) == pages
            assert any("does not trip" in t for t in titles) == pages
            assert any("traffic-weighted" in t for t in titles) == (slo.sli.kind != "raw")


def test_outage_bounds_come_from_the_burn_rate_math(example_files):
    tests = yaml.safe_load(example_files[names.tests_file("checkout")])["tests"]
    outage = next(t for t in tests if t["name"].startswith("checkout-availability: a total outage"))
    # 99.9% over 30d: the raw 1h window detects a total outage after 52 s; `for: 2m` comes on top.
    # Clean until 66m; the condition holds from the first evaluation after 52 s (67m), so the page
    # fires at 69m and not at 68m, one evaluation before.
    assert "after about 52 s" in outage["name"]
    times = [c["eval_time"] for c in outage["promql_expr_test"]]
    assert times == ["66m", "68m", "69m"]
    assert [c["exp_samples"][0]["value"] for c in outage["promql_expr_test"]] == [0, 0, 1]


# Each mutation breaks one promise of the rules; the generated tests must notice every one. The
# last item names the scenario that catches it (its title after "checkout-availability: ").
TOTAL_OUTAGE = "a total outage pages after about 52 s"
WIRING = "wiring: an error ratio of"
MUTATIONS = [
    ("page factor too high: slow detection", "/ 0.001) > 14.4", "/ 0.001) > 40", WIRING),
    ("page factor too low: pages below threshold", "/ 0.001) > 14.4", "/ 0.001) > 13",
     "error ratio 1.3970% (below 1.4400%) does not trip the 1h page window"),
    ("slow page factor too low", "/ 0.001) > 6\n", "/ 0.001) > 5.7\n",
     "error ratio 0.5820% (below 0.6000%) does not trip the 6h page window"),
    ("no zero-traffic guard", ', 1e-12)', ', 0)', "zero traffic fires nothing and records no NaN"),
    ("errors absent, not 0, before the first error",
     ' or on () (slo:sli_total:rate5m{sloth_id="checkout-availability"} * 0)', "",
     "traffic without any error series records ratios of 0"),
    ("Sloth's unweighted mean over the period",
     'slo:sli_error:rate5m_sum_period{sloth_id="checkout-availability"} / '
     'clamp_min(slo:sli_total:rate5m_sum_period{sloth_id="checkout-availability"}, 1e-12)',
     'avg_over_time(slo:sli_error:ratio_rate5m{sloth_id="checkout-availability"}[30d])',
     "the period ratio is traffic-weighted"),
    ("pending time longer than promised", "for: 2m", "for: 3m", TOTAL_OUTAGE),
    ("pending time shorter than promised", "for: 2m", "for: 1m", TOTAL_OUTAGE),
    # a run of tiles that is never present: the 1h window falls back to its derived sum
    ("the 1h window summed from the 5m rates (their ramp: 176 s, not 52 s)",
     'slo:sli_error:rate5m_sum15m{sloth_id="checkout-availability"} offset 45m',
     'slo:sli_error:rate5m_sum15m{sloth_id="checkout-availability-x"} offset 45m', TOTAL_OUTAGE),
    ("ticket raised as a page", "sloth_severity: ticket", "sloth_severity: page", WIRING),
    ("errors read from the wrong status", 'code=~"5.."', 'code=~"4.."', WIRING),
]


@pytest.fixture(scope="module")
def one_slo_texts(example_files) -> dict[str, str]:
    """checkout's rules and tests cut down to its availability SLO, to keep each run short: cut once
    per module (parsing the two files was a tenth of a CPU-second per test), written by one_slo."""
    slo = "checkout-availability"
    rules = yaml.safe_load(example_files[names.rules_file("checkout")])
    rules["groups"] = [g for g in rules["groups"] if g["name"].startswith(f"obsgen-slo-{slo}")]
    tests = yaml.safe_load(example_files[names.tests_file("checkout")])
    tests["tests"] = [t for t in tests["tests"] if t["name"].startswith(f"{slo}:")]
    return {names.rules_file("checkout"): yamlout.dump(rules), names.tests_file("checkout"): yamlout.dump(tests)}


@pytest.fixture
def one_slo(generated, one_slo_texts):
    """The bundled examples generated, checkout's files cut down to its availability SLO."""
    for path, text in one_slo_texts.items():
        (generated / path).write_text(text)
    return generated


def test_the_cut_down_tests_pass(promtool, one_slo):
    # each scenario with only the rules it reads (builders.promtool_scenarios: the same verdicts)
    [result] = promtool_scenarios(one_slo, [names.tests_file("checkout")])
    assert result.ok, result.output[-5000:]


@pytest.mark.parametrize(("what", "old", "new", "catcher"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_generated_tests_catch_broken_rules(promtool, one_slo, what, old, new, catcher):
    path = one_slo / names.rules_file("checkout")
    text = path.read_text()
    assert old in text, f"mutation {what!r} no longer applies"
    path.write_text(text.replace(old, new))
    # only the scenario that catches it, with the rules it reads: promtool gives each scenario (test
    # group) its own storage and fails the file when one of them fails, so its failure is the file's;
    # test_the_cut_down_tests_pass shows it passes on the rules as generated. One promtool run, where
    # running the scenarios in file order until one failed took up to six.
    title = f"checkout-availability: {catcher}"
    [result] = promtool_scenarios(one_slo, [names.tests_file("checkout")], keep=lambda name: name.startswith(title))
    assert not result.ok and "FAILED" in result.output, f"{what}: {title} still passes\n{result.output[-3000:]}"


EXTREME_SLOS = {
    "five-nines": """\
    - name: five-nines
      objective: 99.999
      sli:
        events:
          error_query: sum(rate(http_requests_total{job="x",code=~"5.."}[{{window}}]))
          total_query: sum(rate(http_requests_total{job="x"}[{{window}}]))
""",
    "six-nines": """\
    - name: six-nines
      objective: 99.9999
      sli: {latency: {histogram: h, selector: {job: x}, threshold: 300ms}}
""",
    "seven-nines": """\
    - name: seven-nines
      objective: 99.99999
      period: 28d
      sli: {spans: {span_name: x}}
""",
    "posix-class": """\
    - name: posix-class
      objective: 99.9
      sli:
        events:
          error_query: sum(rate(http_requests_total{job="x",code=~"5[[:digit:]]+"}[{{window}}]))
          total_query: sum(rate(http_requests_total{job="x"}[{{window}}]))
""",
}


def test_generated_tests_pass_for_extreme_objectives_and_re2_classes(tmp_path, promtool):
    """Traffic scales with the objective so that 3% either side of a threshold is representable in
    whole events; `[[:digit:]]` is read as RE2 reads it (issue 14, point 7). One service per SLO,
    so that each promtool process evaluates only that SLO's groups, in parallel; each scenario runs
    with only the rules it reads (builders.promtool_scenarios, as `obsgen test` cuts them: the same
    verdicts; most of the cost was the window-length step scenario at 1m beside every rule)."""
    from obsgen import pipeline
    from obsgen.output.writer import write_tree
    from tests import builders

    specs = {f"{name}.yaml": builders.service(name, slos) for name, slos in EXTREME_SLOS.items()}
    files = pipeline.run(builders.write_specs(tmp_path, specs)).files
    for name in EXTREME_SLOS:
        text = files[names.tests_file(name)]
        assert "no tests" not in text
        assert f"{name}-{name}: error ratio" in text, name
    write_tree(tmp_path / "out", files)
    results = builders.promtool_scenarios(tmp_path / "out", [names.tests_file(name) for name in EXTREME_SLOS])
    for result in results:
        assert result.ok, result.output[-5000:]


def test_a_window_summed_from_5m_rates_pages_when_the_ramp_says(promtool, one_slo, example_plan):
    """The 6h/30m page reads windows summed from the 5m rates: after a full outage it fires when
    burnrate.detection says with the 5m ramp (279 s + `for`), not at the Workbook's 130 s: not at
    the evaluation before its earliest time, and by the first evaluation after its latest."""
    slo = next(s for svc in example_plan.services for s in svc.slos if s.id == "checkout-availability")
    slow = next(a for a in slo.alerts if a.window.severity == "page" and a.window.long == 6 * 3600)
    raw = burnrate.raw_windows(slo.catalog)
    assert slow.window.long not in raw and slow.for_seconds == 120
    fresh = burnrate.detection(slow.window, slo.budget, 1.0, raw, evaluation=60, for_seconds=slow.for_seconds)
    spaced = burnrate.detection(slow.window, slo.budget, 1.0, raw, scrape=60, evaluation=60,
                                for_seconds=slow.for_seconds)
    assert fresh.ideal - slow.for_seconds == pytest.approx((600 * 129.6) ** 0.5)
    history = slow.window.long // 60 + 6
    before, fires = history + math.ceil(spaced.earliest / 60) - 1, history + math.floor(fresh.latest / 60)
    assert (before - history, fires - history) == (5, 7)
    events = promtool_inputs.traffic(slo)
    label = {names.SLOTH_SEVERITY: "page", names.LONG_WINDOW: "6h"}
    test = promtool_inputs.group(
        f"{slo.id}: the 6h page after a full outage",
        promtool_inputs.inputs(slo, [(0, events, history), (events, 0, 12)]),
        [promtool_tests.firing(slo, m, False, label) for m in (history, before)]
        + [promtool_tests.firing(slo, fires, True, label)])
    path = one_slo / "alerts" / "tests" / "ramp.test.yaml"
    path.write_text(yamlout.dump({"rule_files": ["../rules/checkout.rules.yaml"], "evaluation_interval": "1m",
                                  "tests": [test]}))
    # with only the rules it reads (named for its SLO, builders.promtool_scenarios: the same verdict)
    [result] = promtool_scenarios(one_slo, ["alerts/tests/ramp.test.yaml"])
    assert result.ok, result.output
