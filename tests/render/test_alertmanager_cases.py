"""Route tests made of the generated alerts themselves: every alert rule of the rules files, with the
labels written there and the environment label, through the real `amtool config routes test`."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from obsgen.output.writer import write_tree
from obsgen.verify import amtool
from tests.amspec import build, platform, team
from tests.conftest import require_tool

CONFIG = "alerts/alertmanager/alertmanager.yaml"
TESTS = "alerts/alertmanager/routes.test.yaml"
PAYMENTS = team("payments", "  pagerduty: {routing_key_file: /s/pd}\n"
                            "  slack: {channel: '#pay', api_url_file: /s/slack}")
SLOTH_STYLE = """\
apiVersion: obsgen/v1
kind: Service
metadata: {name: api, team: payments, tier: 1, runbook: "https://runbooks.example.com/api"}
spec:
  environments: [staging, production]
  slos:
    - name: availability
      objective: 99.9
      sli:
        events:
          error_query: sum(rate(http_requests_total{job="api",code=~"5.."}[{{window}}]))
          total_query: sum(rate(http_requests_total{job="api"}[{{window}}]))
      alerting: {style: sloth}
"""
# An imported Sloth file as Sloth's getting-started example writes it: its own `severity: pageteam`.
SLOTH_FILE = """\
version: "prometheus/v1"
service: "myservice"
labels: {team: payments, tier: "1"}
slos:
  - name: "requests-availability"
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_request_duration_seconds_count{job="myservice",code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_request_duration_seconds_count{job="myservice"}[{{.window}}]))
    alerting:
      name: MyServiceHighErrorRate
      annotations: {runbook: "https://runbooks.example.com/myservice"}
      page_alert: {labels: {severity: pageteam}}
      ticket_alert: {labels: {severity: slack}}
"""
SLOTH_SPECS = {"teams.yaml": PAYMENTS, "platform.yaml": platform(environments="staging, production"),
               "api.yaml": SLOTH_STYLE, "myservice.yaml": SLOTH_FILE}


@pytest.fixture(autouse=True)
def _amtool():
    require_tool("amtool")


def generate(tmp_path: Path, files: dict[str, str]) -> Path:
    out = tmp_path / "out"
    write_tree(out, build(tmp_path, files))
    return out


def rule_alerts(out: Path) -> list[dict]:
    """alertname plus labels of every alert rule in the generated rules files, as written there."""
    found = []
    for path in sorted((out / "alerts/rules").glob("*.yaml")):
        for group in yaml.safe_load(path.read_text())["groups"]:
            found += [{"alertname": r["alert"], **r["labels"]} for r in group["rules"] if "alert" in r]
    return found


def keyed(labels: dict) -> str:
    return str(sorted(labels.items()))


def amtool_routes(out: Path, labels: dict) -> str:
    args = [f"{k}={v}" for k, v in labels.items()]
    proc = subprocess.run(["amtool", "config", "routes", "test", "--config.file=alertmanager.yaml", *args],
                          cwd=out / "alerts/alertmanager", capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def test_sloth_style_and_imported_sloth_pages_reach_the_pager_with_their_real_labels(tmp_path):
    out = generate(tmp_path, SLOTH_SPECS)
    pages = [a for a in rule_alerts(out) if a.get("sloth_severity") == "page"]
    assert pages == [
        {"alertname": "ApiAvailabilityErrorBudgetBurn", "service": "api", "slo": "availability",
         "sloth_severity": "page", "team": "payments", "tier": "1"},
        {"alertname": "MyServiceHighErrorRate", "service": "myservice", "severity": "pageteam",
         "slo": "requests-availability", "sloth_severity": "page", "team": "payments", "tier": "1"},
    ]
    for labels in pages:  # the alert as Prometheus sends it: its rule's labels plus the external label
        assert amtool_routes(out, {**labels, "environment": "production"}) == "payments-pager,payments-chat"
        assert amtool_routes(out, {**labels, "environment": "staging"}) == "payments-chat"
    assert amtool_routes(out, {**pages[1], "sloth_severity": "ticket", "severity": "slack",
                               "environment": "production"}) == "payments-chat"
    assert [r for r in amtool.verify(out) if not r.ok] == []


def test_route_tests_are_every_generated_alert_with_its_own_labels_in_each_environment(tmp_path):
    out = generate(tmp_path, SLOTH_SPECS)
    cases = yaml.safe_load((out / TESTS).read_text())["alerts"]
    envs = {"api": ("staging", "production"), "myservice": ("production",)}  # an import's default: production
    expected = [{**labels, "environment": env} for labels in rule_alerts(out) for env in envs[labels["service"]]]
    assert sorted(keyed(c["labels"]) for c in cases) == sorted(map(keyed, expected))
    pages = {(c["rule"].split(":")[1], c["environment"]): c["receivers"] for c in cases if c["kind"] == "page"}
    assert pages == {
        ("ApiAvailabilityErrorBudgetBurn", "production"): ["payments-pager", "payments-chat"],
        ("ApiAvailabilityErrorBudgetBurn", "staging"): ["payments-chat"],
        ("MyServiceHighErrorRate", "production"): ["payments-pager", "payments-chat"],
    }
    assert all(c["pages"] == (c["kind"] == "page" and c["environment"] == "production") for c in cases)


def test_the_bundled_examples_route_tests_cover_every_alert_in_every_environment_of_its_service(
        generated, example_plan):
    cases = yaml.safe_load((generated / TESTS).read_text())["alerts"]
    envs = {s.name: s.environments for s in example_plan.services}
    expected = sorted(keyed({**labels, "environment": env}) for labels in rule_alerts(generated)
                      for env in envs[labels["service"]])
    assert sorted(keyed(c["labels"]) for c in cases) == expected
    assert {c["kind"] for c in cases} == {"page", "ticket", "health"}  # health: the SLI health alerts
    synthetic = yaml.safe_load((generated / TESTS).read_text())["synthetic"]
    assert all(c["labels"]["alertname"] == "ObsgenRouteTest" for c in synthetic)


def test_a_tree_that_pages_on_severity_alone_fails_naming_the_rule(tmp_path):
    """The tree before Sloth-style alerts were routed by `sloth_severity`: their pages reach chat."""
    out = generate(tmp_path, SLOTH_SPECS)
    config = out / CONFIG
    data = yaml.safe_load(config.read_text())
    for route in data["route"]["routes"]:
        route["routes"] = [r for r in route["routes"] if not any("sloth_severity=" in m and '""' not in m
                                                                 for m in r.get("matchers", []))]
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    result = amtool.route_tests(config, out / TESTS, jobs=4)
    assert not result.ok
    assert ('alert {alertname="MyServiceHighErrorRate", environment="production", service="myservice", '
            'severity="pageteam", slo="requests-availability", sloth_severity="page", team="payments", tier="1"} '
            "(the alert rule alerts/rules/myservice.rules.yaml:MyServiceHighErrorRate)\n"
            "  expected receivers: payments-pager, payments-chat\n"
            "  amtool routed it to: payments-chat") in result.output


def test_shared_mode_pages_exist_in_production_only_and_carry_the_series_environment(tmp_path):
    files = {**SLOTH_SPECS, "platform.yaml": platform(environments="staging, production",
                                                      extra="  metrics: {mode: shared}\n")}
    del files["myservice.yaml"]
    out = generate(tmp_path, files)
    cases = yaml.safe_load((out / TESTS).read_text())["alerts"]
    assert sorted((c["kind"], c["environment"]) for c in cases if c["kind"] != "health") == [
        ("page", "production"), ("ticket", "production"), ("ticket", "staging")]
    assert [r for r in amtool.verify(out) if not r.ok] == []
