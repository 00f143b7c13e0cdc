"""Sloth-style alerts: Sloth's shape and `$value`, and the generated promtool tests catch them broken."""

import subprocess

import pytest
import yaml

from obsgen import names, pipeline
from obsgen import yamlio as yamlout
from obsgen.output.writer import write_tree
from obsgen.render import sloth_alerts
from tests.builders import promtool_scenarios
from tests.spec.importers import test_sloth
from tests.spec.importers.helpers import TEAM, write


@pytest.fixture(scope="module")
def sloth_tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("sloth")
    spec = write(root / "slos", {"s.yml": test_sloth.GETTING_STARTED, "t.yaml": TEAM % "myteam"})
    files = pipeline.run(spec).files
    return root, files


def _slo(root):
    return pipeline.run(root / "slos", render=False).plan.services[0].slos[0]


def test_short_window_first_in_every_pair(sloth_tree):
    slo = _slo(sloth_tree[0])
    pages = [a.window for a in slo.alerts if a.window.severity == "page"]
    expr = sloth_alerts.expr(slo, pages)
    assert expr.index("ratio_rate5m") < expr.index("ratio_rate1h") < expr.index("ratio_rate30m") < expr.index(
        "ratio_rate6h")
    assert expr.count("without (sloth_window)") == 4 and expr.count("\nor\n") == 1


def test_value_is_the_short_windows_error_ratio(sloth_tree, tmp_path, promtool):
    """After an hour of clean traffic every request fails: 10 minutes in, the 5m ratio is 1 and the
    1h ratio about 1/6; Sloth's page alert expression evaluates to the short window's 1."""
    root, files = sloth_tree
    slo = _slo(root)
    rules = yaml.safe_load(files[names.rules_file("myservice")])
    page = next(r for g in rules["groups"] for r in g.get("rules", []) if r.get("alert") and
                r["labels"]["sloth_severity"] == "page")
    write_tree(tmp_path, files)
    # one series counts errors only, the other successes only: 100 successes a minute, then 100 errors
    series = [{"series": s.series, "values": "0+0x60 100+100x20" if s.bad else "0+100x60 6000+0x20"}
              for s in slo.sli.fixture]
    assert [(s.bad, s.good) for s in slo.sli.fixture] == [(1, 0), (0, 1)]
    test = {"rule_files": [f"../rules/{names.rules_file('myservice').split('/')[-1]}"], "evaluation_interval": "1m",
            "tests": [{"interval": "1m", "input_series": series, "promql_expr_test": [
                {"expr": f"max({page['expr']})", "eval_time": "70m", "exp_samples": [{"labels": "{}", "value": 1}]},
            ]}]}
    path = tmp_path / "alerts/tests/value.test.yaml"
    path.write_text(yamlout.dump(test))
    result = subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# The last item names the scenario that catches the mutant (its title after the SLO's id and ": ").
WIRING = "wiring: an error ratio of"
MUTATIONS = [
    ("page renamed", "- alert: MyServiceHighErrorRate\n    expr: |\n      (\n          max(slo:sli_error:ratio_rate5m",
     "- alert: Renamed\n    expr: |\n      (\n          max(slo:sli_error:ratio_rate5m", WIRING),
    ("slow page factor too high", "(6 * 0.001)", "(40 * 0.001)",
     "error ratio 0.6180% (above 0.6000%) trips the 6h page window"),
    # the fast pair's own thresholds: the slow pair's lower threshold trips the same OR'd page, so
    # only a scenario in which the fast pair alone can fire (promtool_tests.pair_alone) sees these
    ("fast page short window too high", 'sloth_slo="requests-availability"} > (14.4 * 0.001)) without (sloth_window)\n'
     "          and\n          max(slo:sli_error:ratio_rate1h",
     'sloth_slo="requests-availability"} > (144 * 0.001)) without (sloth_window)\n'
     "          and\n          max(slo:sli_error:ratio_rate1h",
     "after a clean history, error ratio 1.4830% (above 1.4400%) pages through the 1h pair alone"),
    ("fast page long window too high",
     'ratio_rate1h{sloth_id="myservice-requests-availability",sloth_service="myservice",'
     'sloth_slo="requests-availability"} > (14.4 * 0.001))',
     'ratio_rate1h{sloth_id="myservice-requests-availability",sloth_service="myservice",'
     'sloth_slo="requests-availability"} > (144 * 0.001))', "a total outage pages after about 52 s"),
    ("slow page factor too low", "(6 * 0.001)", "(5.5 * 0.001)",
     "error ratio 0.5820% (below 0.6000%) does not trip the 6h page window"),
    ("ticket routed elsewhere", "severity: slack", "severity: email", WIRING),
    ("ticket raised as a page", "sloth_severity: ticket", "sloth_severity: page", WIRING),
]


@pytest.mark.parametrize(("what", "old", "new", "catcher"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_generated_tests_catch_broken_sloth_alerts(sloth_tree, tmp_path, promtool, what, old, new, catcher):
    _, files = sloth_tree
    write_tree(tmp_path, files)
    path = tmp_path / names.rules_file("myservice")
    text = path.read_text()
    assert old in text, f"mutation {what!r} no longer applies"
    path.write_text(text.replace(old, new))
    # only the scenario that catches it, with the rules it reads: promtool gives each scenario its own
    # storage and fails the file when one fails, so its failure is the file's (test_unmutated_tests_pass:
    # it passes on the rules as generated); one promtool run instead of one per scenario before it
    title = f"myservice-requests-availability: {catcher}"
    [result] = promtool_scenarios(tmp_path, [names.tests_file("myservice")], keep=lambda name: name.startswith(title))
    assert not result.ok and "FAILED" in result.output, f"{what}: {title} still passes\n{result.output[-3000:]}"


def test_unmutated_tests_pass(sloth_tree, tmp_path, promtool):
    write_tree(tmp_path, sloth_tree[1])
    [result] = promtool_scenarios(tmp_path, [names.tests_file("myservice")])  # each with the rules it reads
    assert result.ok, result.output
