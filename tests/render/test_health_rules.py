"""The SLI health alerts, run by promtool: the three mistakes that leave an SLO green forever (a
threshold that is not a bucket, a misspelled metric, a misspelled value in the error selector) each
fire their alert on the series a service really exports, the correct SLIs beside them stay silent;
never a page; and the generated health tests fail when the alerts are broken."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from obsgen import names, pipeline
from obsgen.output.writer import write_tree
from obsgen.render import health_rules
from obsgen.verify import promtool as verify_promtool
from obsgen.verify import scenario_rules
from tests.builders import promtool_scenarios
from tests.live.test_lint import BROKEN, CORRECT, SERIES, TEAM, service

STEP = 30  # minutes: promtool evaluates every group at every step, a day of them is the cost
END = 24 * 60 + 2 * STEP
EXPECTED = {  # alert -> fires on the real series
    "ShopRequestsSLINoData": False, "ShopRequestsSLINoErrorSeries": False,
    "ShopLatencySLINoData": False, "ShopLatencySLIThresholdNotABucket": False,
    "ShopOrdersSLINoData": False,
    "ShopLatencyOffSLINoData": False, "ShopLatencyOffSLIThresholdNotABucket": True,
    "ShopMetricTypoSLINoData": True, "ShopMetricTypoSLINoErrorSeries": False,
    "ShopValueTypoSLINoData": False, "ShopValueTypoSLINoErrorSeries": True,
    "ShopLabelTypoSLINoData": False, "ShopLabelTypoSLINoErrorSeries": True,
    "ShopNoErrorsSLINoData": False, "ShopNoErrorsSLINoErrorSeries": True,  # cannot tell: only informs
    "ShopOrderTypoSLINoData": True,
}


def _generated(tmp_path_factory, slos: str):
    specs = tmp_path_factory.mktemp("specs")
    (specs / "shop.yaml").write_text(TEAM + service(slos))
    out = tmp_path_factory.mktemp("out")
    write_tree(out, pipeline.run(specs).files)
    return out


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    return _generated(tmp_path_factory, CORRECT + BROKEN)


@pytest.fixture(scope="module")
def correct(tmp_path_factory):
    """One SLO of each kind with a health alert of each problem: the mutations' subject."""
    return _generated(tmp_path_factory, CORRECT)


def test_every_alert_of_the_spec_is_expected(shop):
    rules = yaml.safe_load((shop / names.rules_file("shop")).read_text())
    health = {r["alert"] for g in rules["groups"] for r in g["rules"]
              if r.get("alert", "").endswith(tuple(health_rules.PROBLEMS))}
    assert health == set(EXPECTED)


def test_the_mistakes_fire_on_real_series(shop, promtool):
    """The series a service really exports (those the linter's tests serve), the service up."""
    series = [{"series": s, "values": f"0+{rate * STEP}x{END // STEP}"} for s, rate in SERIES.items()]
    series.append({"series": 'up{job="shop"}', "values": f"1x{END // STEP}"})
    checks = [{"expr": f'count(ALERTS{{alertname="{a}",alertstate="firing"}}) or vector(0)', "eval_time": f"{END}m",
               "exp_samples": [{"labels": "{}", "value": int(fires)}]} for a, fires in EXPECTED.items()]
    group = {"interval": f"{STEP}m", "input_series": series, "promql_expr_test": checks}
    # only the rules the checks read (their alerts by alertname, and what those read, transitively:
    # verify/scenario_rules.py, as `obsgen test` cuts a scenario's): promtool evaluates every loaded
    # rule at each step, and a rule nothing read reads cannot change a value read
    text = (shop / names.rules_file("shop")).read_text()
    groups = scenario_rules.needed([g for _, g in verify_promtool._items(text, "groups")[1]], yaml.safe_dump([group]))
    assert set(EXPECTED) <= {r["alert"] for g in yaml.safe_load("".join(groups)) for r in g["rules"] if "alert" in r}
    (shop / "alerts/tests/real.rules.yaml").write_text("groups:\n" + "".join(groups))
    test = {"rule_files": ["real.rules.yaml"], "evaluation_interval": f"{STEP}m", "tests": [group]}
    path = shop / "alerts/tests/real.yaml"
    path.write_text(yaml.safe_dump(test))
    done = subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_health_alerts_never_page(shop):
    rules = yaml.safe_load((shop / names.rules_file("shop")).read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            if rule.get("alert") in EXPECTED:
                assert rule["labels"]["severity"] in ("warning", "info") and "sloth_severity" not in rule["labels"]


# mutant -> (old, new, the scenario that catches it): measured one scenario at a time, the other
# scenarios pass on each mutant (the step scenarios, "pins every window's length", read only the
# window ratios, which none of these changes), so they prove nothing about it.
MUTATIONS = {
    "NoData never fires": ("expr: group (up{job=\"shop\"} == 1) unless", "expr: vector(0) > 1 and",
                           "shop-requests: wiring: no total series while the service is up: SLINoData"),
    "NoErrorSeries without its day": ("for: 1d", "for: 0s",
                                      "shop-requests: traffic without a single error series for 1d: SLINoErrorSeries"),
    "bucket alert without its guard": ("unless on () group (http_request_duration_seconds_bucket",
                                       "or on () group (http_request_duration_seconds_bucket",
                                       "shop-latency: with data no health alert fires"),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_the_generated_health_tests_catch_a_broken_alert(correct, promtool, tmp_path, mutation):
    old, new, catcher = MUTATIONS[mutation]
    files = {p.relative_to(correct).as_posix(): p.read_text() for p in correct.rglob("*.yaml")}
    rules = files[names.rules_file("shop")]
    assert old in rules
    files[names.rules_file("shop")] = rules.replace(old, new)
    write_tree(tmp_path, files)
    # only the scenario that catches it, with the rules it reads: a file fails when any of its
    # scenarios does (each has its own storage), so failing here is the file failing; the
    # unmutated file passes every scenario (below)
    [result] = promtool_scenarios(tmp_path, [names.health_tests_file("shop")], keep=lambda name: name == catcher)
    assert not result.ok and "FAILED" in result.output, mutation


def test_the_generated_health_tests_pass(correct, promtool):
    """Every scenario, each with only the rules it reads (builders.promtool_scenarios: the same
    verdicts; the step scenarios' 3 days at 1m no longer evaluate the SLO's alerts and roll-ups)."""
    [result] = promtool_scenarios(correct, [names.health_tests_file("shop")])
    assert result.ok, result.output
