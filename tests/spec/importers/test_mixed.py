"""A spec directory holding all four formats generates, passes `obsgen test` (promtool), and
`obsgen import` output generates identical rules and tests."""

import pytest
import yaml

from obsgen import names, pipeline
from obsgen.output.writer import write_tree
from obsgen.render import health_rules
from obsgen.verify import VERIFIERS
from tests.builders import obsgen_cli
from tests.conftest import run_obsgen
from tests.render.test_shared_mode import keeps_the_environment
from tests.spec.importers import test_openslo, test_pyrra, test_sloth
from tests.spec.importers.helpers import TEAM, write

NATIVE = """\
apiVersion: obsgen/v1
kind: Service
metadata: {name: search, team: discovery, tier: 2, runbook: "https://runbooks.example.com/search"}
spec:
  slos:
    - name: availability
      objective: 99.5
      sli:
        events:
          error_query: sum(rate(http_requests_total{job="search",code=~"5.."}[{{window}}]))
          total_query: sum(rate(http_requests_total{job="search"}[{{window}}]))
"""
PLATFORM = "apiVersion: obsgen/v1\nkind: Platform\nspec: {default_team: sre}\n"
TEAMS = "---\n".join(TEAM % t for t in ("discovery", "myteam", "observability", "payments", "sre"))
LATENCY = test_pyrra.LATENCY.replace("  namespace: monitoring\nspec:", "  namespace: monitoring\n  annotations:\n"
                                     "    pyrra.dev/runbook_url: https://runbooks.example.com/latency\nspec:")
SOURCES = {
    "sloth": {"getting-started.yml": test_sloth.GETTING_STARTED,
              "k8s.yml": test_sloth.K8S_GETTING_STARTED.replace('service: "myservice"', 'service: "myservice-k8s"')},
    "openslo": {"checkout.yaml": test_openslo.V1.replace("checkout", "checkout-openslo"),
                "v1alpha.yml": test_openslo.V1ALPHA},
    "pyrra": {"ratio.yaml": test_pyrra.RATIO, "latency.yaml": LATENCY},
}


def _mixed(root, platform: str = PLATFORM):
    files = {"search.yaml": NATIVE, "platform.yaml": platform, "teams.yaml": TEAMS}
    for sources in SOURCES.values():
        files.update(sources)
    return write(root / "slos", files)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    return _mixed(tmp_path_factory.mktemp("mixed"))


@pytest.fixture(scope="module")
def mixed_run(mixed) -> pipeline.Run:
    """The mixed directory's plan and output, built once for the tests that read them (pipeline.run is pure)."""
    return pipeline.run(mixed)


@pytest.fixture(scope="module")
def mixed_files(mixed_run) -> dict[str, str]:
    return mixed_run.files


def test_imported_specs_in_shared_mode_keep_the_environment(tmp_path, promtool):
    """Sloth, OpenSLO and Pyrra queries for one store shared by every environment: each rule keeps the
    environment label, and each service's promtool scenarios (the shared-store ones included) pass."""
    spec_dir = _mixed(tmp_path, PLATFORM.replace("{default_team: sre}", "{default_team: sre, metrics: {mode: shared}}"))
    files = pipeline.run(spec_dir).files
    assert keeps_the_environment(files) > 50
    write_tree(tmp_path / "out", files)
    # `obsgen test`'s promtool verifier, the one this property needs (check rules with every lint, each
    # service's scenarios); the other verifiers judge shared mode's dashboards and seams on the
    # bundled examples (tests/verify/test_seams.py, tests/render/grafana/test_deployment.py), and
    # the mixed directory's imported output as a whole in the next test
    results = VERIFIERS["promtool"](tmp_path / "out")
    assert all(r.ok for r in results), "\n".join(r.output for r in results if not r.ok)
    assert results[0].command[1:3] == ("check", "rules")
    assert [r.command[1:3] for r in results[1:]] == [("test", "rules")] * 2 * 7  # burn-rate and SLI health
    for service in ("myservice", "myservice-k8s", "monitoring-http-errors"):  # Sloth, Sloth on k8s, Pyrra
        tests = files[f"alerts/tests/{service}.test.yaml"]
        assert "a staging outage beside a healthy production opens no production alert" in tests, service


def test_mixed_directory_generates_and_passes_promtool(mixed_run, mixed_files, tmp_path, promtool, importers_tested):
    plan = mixed_run.plan
    assert sorted(s.name for s in plan.services) == [
        "checkout-openslo", "monitoring-http-errors", "monitoring-http-latency", "my-service", "myservice",
        "myservice-k8s", "search"]
    styles = {slo.id: slo.alert_style for s in plan.services for slo in s.slos}
    assert styles["myservice-requests-availability"] == "sloth" and styles["search-availability"] == "obsgen"
    write_tree(tmp_path, mixed_files)
    result = importers_tested.test(tmp_path)  # every verifier obsgen has, promtool among them
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("ok: test rules") == 2 * len(plan.services)  # burn-rate and SLI health tests


def test_sloth_style_tests_check_sloths_alert_names_and_labels(mixed_files):
    files = mixed_files
    tests = yaml.safe_load(files[names.tests_file("myservice")])["tests"]
    outage = next(t for t in tests if "total outage" in t["name"])
    fires = outage["promql_expr_test"][-1]["expr"]
    assert 'alertname="MyServiceHighErrorRate"' in fires and 'severity="pageteam"' in fires
    ticket = next(t for t in tests if "opens a ticket" in t["name"])
    assert 'severity="slack"' in ticket["promql_expr_test"][0]["expr"]
    assert 'slack_channel="#alerts-myteam"' in ticket["promql_expr_test"][0]["expr"]


@pytest.mark.parametrize("fmt", sorted(SOURCES))
def test_import_round_trips_to_identical_rules(mixed, mixed_files, tmp_path, fmt):
    paths = [str(mixed / name) for name in SOURCES[fmt]]
    result = obsgen_cli("import", fmt, *paths, "--runbook", "https://runbooks.example.com/imported", "--team", "sre")
    assert result.returncode == 0, result.stderr
    converted = write(tmp_path / "slos", {"converted.yaml": result.stdout, "platform.yaml": PLATFORM,
                                          "teams.yaml": TEAMS})
    done = pipeline.run(converted)
    again, original, rebuilt = done.plan, mixed_files, done.files
    assert again.services
    for service in again.services:
        for path in (names.rules_file(service.name), names.tests_file(service.name)):
            assert _as_obsgen_v1(rebuilt[path]) == _as_obsgen_v1(original[path]), path


def _as_obsgen_v1(text: str):
    """The rules as an obsgen/v1 file writes them: an imported file's sloth_slo_info names its own spec
    and mode, and Sloth's team and tier labels are on its recording rules; the converted file is
    obsgen/v1, where team and tier are the service's metadata (on its alerts and sloth_slo_info)."""
    doc = yaml.safe_load(text)
    for rule in (r for g in doc.get("groups", []) for r in g["rules"] if "alert" in r):
        if rule["alert"].endswith(tuple(health_rules.PROBLEMS)):  # they link the runbook `--runbook` gave
            rule["annotations"].pop("runbook_url", None)
    for rule in (r for g in doc.get("groups", []) for r in g["rules"] if "record" in r):
        if rule["record"] == names.SLO_INFO:
            rule["labels"].update(zip((names.SLOTH_SPEC, names.SLOTH_MODE), names.SLOTH_INFO_OBSGEN, strict=True))
        else:
            rule["labels"] = {k: v for k, v in rule["labels"].items() if k not in (names.TEAM, names.TIER)}
    return doc


def test_output_is_the_same_whatever_the_hash_seed(mixed, tmp_path):
    for seed in ("1", "2"):
        result = run_obsgen("generate", str(mixed), "--out", str(tmp_path / seed), env={"PYTHONHASHSEED": seed})
        assert result.returncode == 0, result.stderr
    first, second = tmp_path / "1", tmp_path / "2"
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files and files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert all((first / f).read_bytes() == (second / f).read_bytes() for f in files)
