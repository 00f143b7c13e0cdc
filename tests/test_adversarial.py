"""A spec set built to break obsgen (issue 14): names that almost collide, user text full of Go
template and YAML metacharacters, objectives of five to seven nines, an RE2 class, a `{{window}}`
in a label value, periods equal to an alert window, the longest keys allowed. Everything generated
is loaded together into the real promtool."""

from __future__ import annotations

import pytest
import yaml

from obsgen import names
from obsgen import yamlio as yamlout
from obsgen.verify import promtool as verify_promtool
from tests import builders

LONG_KEY = "k" * 128

PLATFORM = """\
apiVersion: obsgen/v1
kind: Platform
spec:
  grafana: {url: "https://grafana.example.com/{{.Org}}/{{-x-}}"}
  alert_windows:
    - period: 2d
      page: {quick: {budget_percent: 5, long: 1h, short: 5m}, slow: {budget_percent: 10, long: 6h, short: 30m}}
      ticket: {quick: {budget_percent: 20, long: 12h, short: 1h}, slow: {budget_percent: 50, long: 2d, short: 4h}}
"""

PAY = f"""\
    - name: api
      objective: 99.999
      description: 'evil {{{{ .Labels }}}} {{{{- $x := 1 -}}}} {{'
      sli:
        events:
          error_query: sum(rate(http_requests_total{{job="pay",code=~"5[[:digit:]]+"}}[{{{{window}}}}]))
          total_query: sum(rate(http_requests_total{{job="pay"}}[{{{{window}}}}]))
      alerting:
        labels: {{docs: "see {{{{docs}}}}", {LONG_KEY}: "'\\"#: x"}}
        annotations: {{summary: "mine {{{{ $labels.x }}}}", {LONG_KEY}: "{{{{{{{{ }}}}}}}}"}}
    - name: api-2
      objective: 99.9
      period: 3d
      sli: {{spans: {{span_name: "GET /{{{{window}}}}"}}}}
"""
PAY_API = """\
    - name: latency
      objective: 99.9999
      sli: {latency: {histogram: h, selector: {route: "/reports/{{window}}"}, threshold: 1s}}
    - name: x-1b
      objective: 99.5
      sli: {spans: {span_name: a}}
      alerting: {page: false}
    - name: x1b
      objective: 99.5
      sli: {spans: {span_name: b}}
      alerting: {page: false, name: PayApiLatencyErrorBudgetBurn}
"""
PAY_API_LATENCY = """\
    - name: p2d
      objective: 99.99999
      period: 2d
      sli: {spans: {span_name: c}}
"""
LABELS = '  labels: {owner: "{{ $value }}", note: \'a }} b {{- c -}} {{/* x */}}\'}\n'


@pytest.fixture(scope="module")
def adversarial(tmp_path_factory):
    root = tmp_path_factory.mktemp("adversarial")
    builders.write_specs(root, {
        "platform.yaml": PLATFORM,
        "pay.yaml": builders.service("pay", PAY, extra_metadata=LABELS),
        "pay-api.yaml": builders.service("pay-api", PAY_API),
        "pay-api-latency.yaml": builders.service("pay-api-latency", PAY_API_LATENCY, tier=2),
    })
    result = builders.obsgen_cli("generate", "slos", "--out", "out", cwd=root)
    assert result.returncode == 0, result.stderr
    return root


def _rule_files(out):
    return sorted(p.relative_to(out).as_posix() for p in (out / "alerts" / "rules").glob("*.yaml"))


def test_everything_written_reads_back_and_is_up_to_date(adversarial):
    for path in (adversarial / "out" / "alerts").rglob("*.yaml"):
        assert yaml.safe_load(path.read_text())
    result = builders.obsgen_cli("check", "slos", "--out", "out", cwd=adversarial)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr


def test_no_two_rules_write_the_same_series_or_alert(adversarial):
    """Loaded into one Prometheus, two rules writing one labelset would both fail."""
    out = adversarial / "out"
    records, alerts, groups = [], [], []
    for rel in _rule_files(out):
        for group in yaml.safe_load((out / rel).read_text())["groups"]:
            groups.append(group["name"])
            for rule in group["rules"]:
                labels = rule.get("labels", {})
                if "record" in rule:
                    # an hour's sum is recorded by one rule per hour parity, told apart by its label
                    records.append((rule["record"], labels["sloth_id"], labels.get("sloth_window"),
                                    labels.get(names.HOUR_PARITY)))
                else:  # the SLI health alerts have no windows: one of each name per SLO
                    alerts.append((rule["alert"], labels["service"], labels["slo"], labels.get("long_window")))
    assert len(records) == len(set(records))
    assert len(alerts) == len(set(alerts))
    assert len(groups) == len(set(groups))
    # the same alertname for different SLOs is fine: their service and slo labels differ
    burns = [a for a in alerts if a[3] is not None]  # the SLI health alerts' names repeat the same way
    assert len({a[0] for a in burns}) < len({a[1:3] for a in burns})


def test_promtool_accepts_every_rule_file_and_all_of_them_as_one(adversarial, promtool):
    out = adversarial / "out"
    files = _rule_files(out)
    merged = [g for rel in files for g in yaml.safe_load((out / rel).read_text())["groups"]]
    (out / "all.yaml").write_text(yamlout.dump({"groups": merged}))
    # one promtool process: it checks each file it is given on its own (and fails if any fails)
    result = verify_promtool.check_rules(out, [*files, "all.yaml"])
    assert result.ok, result.output
    assert result.output.count("SUCCESS") == len(files) + 1, result.output


def test_the_generated_promtool_tests_pass(adversarial, promtool):
    out = adversarial / "out"
    tests = sorted(p.relative_to(out).as_posix() for p in (out / "alerts" / "tests").glob("*.yaml"))
    assert "no tests" not in "".join((out / t).read_text() for t in tests)
    # every scenario, each SLO's with its own rule groups (as `obsgen test` runs a full suite);
    # that no two SLOs' rules write the same series is test_no_two_rules_write_the_same_series_or_alert's
    for result in builders.promtool_suites(out, tests):
        assert result.ok, result.output[-5000:]
