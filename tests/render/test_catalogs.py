"""Custom and scaled catalogs reach the rules and their tests, and promtool agrees."""

import subprocess

import yaml

from obsgen import pipeline
from obsgen.output.writer import write_tree
from tests.builders import promtool_scenarios

SPECS = """
apiVersion: obsgen/v1
kind: Platform
spec:
  alert_windows:
    - period: 14d
      page:   {quick: {budget_percent: 4, long: 2h, short: 10m}, slow: {budget_percent: 8, long: 12h, short: 1h}}
      ticket: {quick: {budget_percent: 15, long: 2d, short: 4h}, slow: {budget_percent: 20, long: 5d, short: 12h}}
---
apiVersion: obsgen/v1
kind: Team
metadata: {name: t}
---
apiVersion: obsgen/v1
kind: Service
metadata: {name: svc, team: t, tier: 1, runbook: https://runbooks.example.com/svc}
spec:
  slos:
    - name: custom
      objective: 99.5
      period: 14d
      sli:
        events:
          error_query: sum(rate(req_total{status="error"}[{{window}}]))
          total_query: sum(rate(req_total[{{window}}]))
      alerting: {for: 3m}
    - name: scaled
      objective: 99.9
      period: 90d
      sli: {spans: {span_name: "GET /", kind: client}}
"""


def test_custom_and_scaled_catalogs(tmp_path, promtool):
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "all.yaml").write_text(SPECS)
    files = pipeline.run(tmp_path / "specs").files
    rules = yaml.safe_load(files["alerts/rules/svc.rules.yaml"])
    records = {r["record"] for g in rules["groups"] for r in g["rules"] if "record" in r}
    # the custom catalog's windows are recorded, the period is named as Prometheus names it
    assert {"slo:sli_error:ratio_rate10m", "slo:sli_error:ratio_rate12h", "slo:sli_error:ratio_rate5d",
            "slo:sli_error:ratio_rate2w", "slo:sli_error:ratio_rate90d"} <= records
    alerts = {(r["labels"]["slo"], r["labels"]["long_window"]): r["expr"]
              for g in rules["groups"] for r in g["rules"] if "alert" in r and "long_window" in r["labels"]}
    assert "> 6.72" in alerts[("custom", "2h")]  # 4% of 14d in 2h
    assert "> 43.2" in alerts[("scaled", "1h")]  # 2% of 90d in 1h
    write_tree(tmp_path / "out", files)
    command = ["check", "rules", "--lint=all", "--lint-fatal", "alerts/rules/svc.rules.yaml"]
    result = subprocess.run([promtool, *command], cwd=tmp_path / "out", capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    # each scenario with only the rules it reads (builders.promtool_scenarios, as `obsgen test` cuts
    # them: the same verdicts; a 90d SLO's window scenarios at 1m beside every rule were the cost)
    [result] = promtool_scenarios(tmp_path / "out", ["alerts/tests/svc.test.yaml"])
    assert result.ok, result.output[-5000:]
