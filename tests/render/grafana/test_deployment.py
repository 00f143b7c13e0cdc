"""Dashboards that follow the deployment (issue 19, point 5): datasource variables, the environment
selector each metrics mode can honour, the log label Loki really stores, resource panels exact to
the named workloads. Each is checked against what the other generated files say, not against
values made up here."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from obsgen import names, pipeline, promql_ast, signal_path
from obsgen import yamlio as yamlout
from obsgen.verify import grafana, seams
from tests.conftest import EXAMPLES
from tests.render.grafana.helpers import board, exprs

DATASOURCE_KINDS = ("prometheus", "loki", "tempo")


def _dashboards(files: dict[str, str]) -> dict[str, dict]:
    return {p: board(files, p) for p in files if p.startswith("dashboards/") and p.endswith(".json")}


def _provisioned(files: dict[str, str]) -> dict[str, dict]:
    """type -> the provisioned datasource of that type, as Grafana reads the provisioning file."""
    data = yaml.safe_load(files["dashboards/provisioning/datasources.yaml"])
    return {ds["type"]: ds for ds in data["datasources"]}


def test_every_dashboard_has_a_datasource_variable_per_backend_defaulting_to_the_provisioned_one(example_files):
    provisioned = _provisioned(example_files)
    for path, dashboard in _dashboards(example_files).items():
        variables = grafana.variables(dashboard)
        for kind in DATASOURCE_KINDS:
            variable = variables.get(kind)
            assert variable and variable["type"] == "datasource" and variable["query"] == kind, (path, kind)
            assert variable["current"]["value"] == provisioned[kind]["uid"], (path, kind)
            assert variable["current"]["text"] == provisioned[kind]["name"], (path, kind)


def test_every_panel_and_target_reads_its_datasource_through_the_variable(example_files):
    for path, dashboard in _dashboards(example_files).items():
        for panel in grafana.panels(dashboard):
            refs = [panel.get("datasource")] + [t.get("datasource") for _, t in grafana.targets(panel)]
            for ref in filter(None, refs):
                assert ref["uid"] == "${" + ref["type"] + "}", (path, panel.get("title"), ref)


def _agent_environment_attribute(files: dict[str, str]) -> str:
    """The environment attribute the agent's resource processor really upserts."""
    agent = yaml.safe_load(files["otel/production/agent.yaml"])
    resource = next(body for key, body in agent["processors"].items() if key.split("/")[0] == "resource")
    keys = [a["key"] for a in resource["attributes"] if a["value"] == "production"]
    assert len(keys) == 1
    return keys[0]


def test_logs_filter_on_the_label_loki_stores_for_the_collectors_environment_attribute(example_files):
    label = signal_path.loki_name(_agent_environment_attribute(example_files))
    for path, dashboard in _dashboards(example_files).items():
        for expr in exprs(dashboard, "loki"):
            # structured metadata: filtered after the stream selector, never inside it
            stream, _, pipeline_part = expr.partition("}")
            assert f'| {label}=~"$environment"' in pipeline_part and label not in stream, (path, expr)
            assert f'{names.ENVIRONMENT}=~' not in expr.replace(label, ""), (path, expr)


# --- the environment selector per metrics mode ----------------------------------------------------


def _shared(tmp_path) -> dict[str, str]:
    spec_dir = tmp_path / "slos"
    shutil.copytree(EXAMPLES, spec_dir)
    platform = spec_dir / "platform.yaml"
    platform.write_text(platform.read_text() + "  metrics: {mode: shared}\n")
    return pipeline.run(spec_dir).files


def _environment_matchers(expr: str, dashboard: dict) -> list[str]:
    """The labels of a query's selectors matched on the $environment variable."""
    chosen = grafana.substitute(expr, dashboard, {"environment": "OBSGENENV"})[0]
    return [m.name for s in grafana._selectors(chosen) for m in s.matchers.matchers if m.value == "OBSGENENV"]


def test_per_cluster_prometheus_queries_do_not_filter_on_a_label_the_local_series_lack(example_files):
    """Per cluster, the environment is an external label: on alerts sent out and on remote-written
    series, never on the series this Prometheus holds and its dashboards read."""
    for path, dashboard in _dashboards(example_files).items():
        for expr in exprs(dashboard):
            assert _environment_matchers(expr, dashboard) == [], (path, expr)


def test_shared_prometheus_queries_filter_every_selector_on_the_environment_label(tmp_path):
    """Every selector of a series that carries the environment label (as the generated pipelines and
    rules write it: seams.LabelSets) is filtered on it; a series recorded without it (the objective,
    one per SLO in the shared ruler) is not, or picking an environment would empty its panel."""
    files = _shared(tmp_path)
    out = tmp_path / "out"
    for rel, text in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text)
    carried = seams.LabelSets(seams.load(out))
    platform_label = names.ENVIRONMENT_LABEL
    unfiltered = set()
    for path, dashboard in _dashboards(files).items():
        assert grafana.variables(dashboard).get("environment"), path
        for expr in exprs(dashboard):
            chosen = grafana.substitute(expr, dashboard, {"environment": "OBSGENENV"})[0]
            for selector in promql_ast.selectors(chosen):
                labels = [name for name, _, value in selector.matchers if value == "OBSGENENV"]
                has = carried(selector)
                if has is not None and platform_label not in has:
                    unfiltered.add(selector.name)
                    assert labels == [], (path, selector.name, expr)
                else:
                    assert labels == [platform_label], (path, selector.name, expr)
    assert unfiltered == {names.OBJECTIVE}


def test_per_cluster_overview_and_team_dashboards_offer_no_environment_filter_that_filters_nothing(example_files):
    for path, dashboard in _dashboards(example_files).items():
        if "/teams/" in path or path.endswith("_overview.json"):
            assert "environment" not in grafana.variables(dashboard), path


# --- resources exact to the named workloads, in promtool ------------------------------------------

MINUTES = 10
POD, SIBLING, STATEFUL = "checkout-7f9c6-abcde", "checkout-worker-5d8f-xyz12", "checkout-cache-0"


def _ksm_and_cadvisor() -> list[dict]:
    """A Deployment checkout (the named workload) beside a Deployment checkout-worker and a
    StatefulSet checkout-cache, whose pod names all start with `checkout-`."""
    owners = [(POD, "ReplicaSet", "checkout-7f9c6"), (SIBLING, "ReplicaSet", "checkout-worker-5d8f"),
              (STATEFUL, "StatefulSet", "checkout-cache")]
    series = []
    for pod, kind, owner in owners:
        series.append({"series": f'kube_pod_owner{{namespace="shop",pod="{pod}",owner_kind="{kind}",'
                                 f'owner_name="{owner}",owner_is_controller="true",job="kube-state-metrics"}}',
                       "values": f"1x{MINUTES}"})
        for metric in (names.CONTAINER_CPU, names.CONTAINER_THROTTLED, names.CONTAINER_PERIODS):
            series.append({"series": f'{metric}{{namespace="shop",pod="{pod}",container="app"}}',
                           "values": f"0+60x{MINUTES}"})
        series.append({"series": f'{names.CONTAINER_MEMORY}{{namespace="shop",pod="{pod}",container="app"}}',
                       "values": f"1000x{MINUTES}"})
        series.append({"series": f'{names.POD_RESTARTS}{{namespace="shop",pod="{pod}",container="app"}}',
                       "values": f"0+1x{MINUTES}"})
    for replicaset, deployment in (("checkout-7f9c6", "checkout"), ("checkout-worker-5d8f", "checkout-worker")):
        series.append({"series": f'kube_replicaset_owner{{namespace="shop",replicaset="{replicaset}",'
                                 f'owner_kind="Deployment",owner_name="{deployment}",job="kube-state-metrics"}}',
                       "values": f"1x{MINUTES}"})
    return series


def test_the_resources_row_shows_the_named_workloads_pods_only_in_promtool(promtool, tmp_path, example_files):
    dashboard = board(example_files, "dashboards/checkout.json")
    rows = grafana._rows(dashboard)
    resources = next(row for title, row in rows.items() if title.startswith("Resources"))
    assert len(resources) == 4  # CPU, memory, throttling, restarts
    checks = []
    for target in resources:
        expr = grafana.substitute(target["expr"], dashboard, {"environment": "production"})[0]
        checks.append({"expr": f"count by (pod) ({expr})", "eval_time": f"{MINUTES}m",
                       "exp_samples": [{"labels": f'{{pod="{POD}"}}', "value": 1}]})
    test = {"rule_files": [], "evaluation_interval": "1m",
            "tests": [{"interval": "1m", "input_series": _ksm_and_cadvisor(), "promql_expr_test": checks}]}
    path = tmp_path / "resources.test.yaml"
    path.write_text(yamlout.dump(test))
    result = subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("metric", [names.CONTAINER_CPU, names.POD_RESTARTS])
def test_the_resources_row_joins_on_kube_state_metrics_owner_series(example_files, metric):
    dashboard = board(example_files, "dashboards/checkout.json")
    expr = next(e for e in exprs(dashboard) if metric in e)
    read = {s.name for s in grafana._selectors(grafana.substitute(expr, dashboard)[0])}
    assert {names.KUBE_POD_OWNER, names.KUBE_REPLICASET_OWNER} <= read
    assert 'pod=~"' not in expr
