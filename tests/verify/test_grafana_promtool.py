"""The dashboards' queries against the real rules in promtool: with `?var-slo=X`, every query of
X's row returns data and no query of another SLO's row does; the RED panels read the span metrics
the spans SLIs read.

Each service's rules are loaded with the synthetic traffic of its promtool tests (1 error and 99
successes a minute for 70 minutes), and every panel query, with Grafana's variables substituted as
Grafana would (`$slo` = X, `$environment` = production, where every example runs), is asked whether it returns anything.
"""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from obsgen import yamlio as yamlout
from obsgen.output.writer import write_tree
from obsgen.render import promtool_inputs
from obsgen.verify import grafana, scenario_rules
from obsgen.verify import promtool as verify_promtool
from tests.conftest import require_tool

MINUTES = 70


def _has_data(expr: str, expected: bool) -> dict:
    return {"expr": f"count({expr}) > bool 0 or vector(0)", "eval_time": f"{MINUTES}m",
            "exp_samples": [{"labels": "{}", "value": int(expected)}]}


def _checks(dashboard: dict, slos: list[str]) -> list[dict]:
    checks = []
    rows = {title: row for title, row in grafana._rows(dashboard).items() if grafana._row_slos(row)}
    for chosen in slos:
        for row in rows.values():
            owner = next(iter(grafana._row_slos(row)))
            for target in row:
                if target["expr"].find("ALERTS{") >= 0 or owner not in slos:
                    continue  # no alert fires on this traffic; SLOs without synthetic input
                expr = grafana.substitute(target["expr"], dashboard, {"slo": chosen, "environment": "production"})[0]
                checks.append(_has_data(expr, owner == chosen))
    return checks


def _red_checks(dashboard: dict, series: list[dict]) -> list[dict]:
    """RED queries whose metrics the synthetic input has (span metrics of the spans SLIs)."""
    fed = {s["series"].split("{")[0] for s in series}
    checks = []
    for panel in dashboard["panels"]:
        for kind, target in grafana.targets(panel):
            if kind != "prometheus":
                continue
            expr = grafana.substitute(target["expr"], dashboard, {"environment": "production"})[0]
            metrics = {sel.name for sel in grafana._selectors(expr)}
            if "span_metrics" in expr and metrics <= fed:
                checks.append(_has_data(expr, True))
    return checks


def _test_file(out: Path, service, dashboard: dict) -> Path:
    fed = [slo for slo in service.slos if slo.sli.fixture]
    series = [s for slo in fed for s in promtool_inputs.inputs(slo, [(1, 99, MINUTES)])]
    checks = _checks(dashboard, [slo.name for slo in fed])
    if any(slo.sli.kind == "spans" for slo in fed):
        checks += _red_checks(dashboard, series)
    group = {"interval": "1m", "input_series": series, "promql_expr_test": checks}
    rules = _rules_read(out, service.name, yamlout.dump([group]))
    test = {"rule_files": [rules.name], "evaluation_interval": "1m", "tests": [group]}
    path = out / "alerts" / "tests" / f"{service.name}.dashboard.test.yaml"
    path.write_text(yamlout.dump(test))
    return path


def _rules_read(out: Path, service: str, scenario: str) -> Path:
    """The service's rules cut to those the scenario's queries read, directly or through the series
    other rules record (verify/scenario_rules.py, as `obsgen test` cuts each scenario's): promtool
    evaluates every loaded rule at each of the 70 steps, and a rule no query reads cannot change
    what one returns, so every verdict is the same (a query naming no metric keeps every rule)."""
    text = (out / "alerts" / "rules" / f"{service}.rules.yaml").read_text()
    groups = scenario_rules.needed([g for _, g in verify_promtool._items(text, "groups")[1]], scenario)
    path = out / "alerts" / "tests" / f"{service}.dashboard.rules.yaml"
    path.write_text("groups:\n" + "".join(groups) if groups else "groups: []\n")
    return path


def _files(out: Path, example_plan) -> list[Path]:
    files = []
    for service in example_plan.services:
        dashboard = json.loads((out / "dashboards" / f"{service.name}.json").read_text())
        if any(slo.sli.fixture for slo in service.slos):
            files.append(_test_file(out, service, dashboard))
    return files


def _inputs(test: Path) -> tuple[bytes, ...]:
    """What promtool's verdict on a test file depends on: its bytes and its rule files' bytes."""
    rules = yamlout.load(test.read_text())["rule_files"]
    return (test.read_bytes(), *((test.parent / r).read_bytes() for r in rules))


def _run(promtool: str, files: list[Path], known: dict | None = None) -> list[subprocess.CompletedProcess]:
    """promtool on each file; `known`: {inputs: result} of a run on the same bytes, replayed."""
    known = known or {}

    def run(test: Path) -> subprocess.CompletedProcess:
        replay = known.get(_inputs(test))
        return replay or subprocess.run([promtool, "test", "rules", str(test)], capture_output=True, text=True)

    with ThreadPoolExecutor() as pool:
        return list(pool.map(run, files))


@pytest.fixture(scope="module")
def examples_run(tmp_path_factory, example_files, example_plan) -> dict:
    """{inputs: promtool's result} for every service's file on the examples as generated, run once:
    the mutant below changes one dashboard, so only that service's file differs and runs again."""
    promtool = require_tool("promtool")
    out = tmp_path_factory.mktemp("grafana-promtool")
    write_tree(out, example_files)
    files = _files(out, example_plan)
    return {_inputs(f): r for f, r in zip(files, _run(promtool, files), strict=True)}


def test_each_slo_choice_leaves_data_in_its_own_row_in_promtool(examples_run):
    results = list(examples_run.values())
    assert len(results) == 4
    assert all(r.returncode == 0 for r in results), "\n".join(r.stdout + r.stderr for r in results)


def test_promtool_catches_a_row_that_ignores_the_slo_variable(promtool, generated, example_plan, examples_run):
    path = generated / "dashboards" / "checkout.json"
    text = path.read_text()
    broken = text.replace(',sloth_slo=~\\"$slo\\"', "", 1)  # the first query of the availability row
    assert broken != text
    path.write_text(broken)
    files = _files(generated, example_plan)
    assert sum(_inputs(f) not in examples_run for f in files) == 1  # checkout's alone runs again
    results = _run(promtool, files, examples_run)
    failed = [r.stdout + r.stderr for r in results if r.returncode]
    assert len(failed) == 1 and "checkout.dashboard.test.yaml" in failed[0]
    # with var-slo=latency and var-slo=place-order, the availability row still shows data
    assert failed[0].count("exp: {} 0E+00") == 2, failed[0]
