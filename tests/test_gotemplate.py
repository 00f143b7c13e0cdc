"""User text reaches alert labels and annotations, which Prometheus expands as Go templates: the
real promtool renders the escaped text back to exactly what the spec says (issue 14, point 2)."""

import subprocess

import pytest
import yaml

from obsgen import gotemplate, names, pipeline
from obsgen import yamlio as yamlout
from tests import builders

NASTY = [
    "see {{docs}}", "{{ $value }}", "{{- trim -}}", "a {{{ b }}} c", "}}{{", "{{/* comment */}}",
    'quote {{ "{{" }} already', "trailing {", "{", "{{", "}}", "-}} x {{-", "{{{{", "plain text",
]


@pytest.mark.parametrize("text", NASTY)
def test_literal_leaves_no_action_open(text):
    out = gotemplate.literal(text)
    assert out.replace('{{ "{{" }}', "").replace('{{ "{" }}', "").count("{{") == 0
    assert not out.endswith("{")


def test_text_without_braces_is_unchanged():
    assert gotemplate.literal("https://runbooks.example.com/x?a=b") == "https://runbooks.example.com/x?a=b"


PLATFORM = """\
apiVersion: obsgen/v1
kind: Platform
spec:
  grafana: {url: "https://grafana.example.com/{{.Org}}/{{-x-}}{"}
"""

SLOS = """\
    - name: availability
      objective: 99.9
      description: 'evil {{ .Labels }} {{- $x := 1 -}} }} {'
      sli: {spans: {span_name: "x"}}
      alerting:
        labels: {docs: "see {{docs}}", braces: "{{{{ }}}}"}
        annotations:
          summary: 'mine {{ $labels.service }} -}}'
          playbook_url: "https://x.example.com/{{y}}?a={{-b}}"
          trailing: "ends with {"
"""
METADATA = """\
  labels: {owner: "{{ $value }}", note: 'a }} b {{- c -}} {{/* x */}} {{ "{{" }}'}
"""


def _spec(tmp_path):
    spec_dir = builders.write_specs(tmp_path, {"platform.yaml": PLATFORM,
                                        "svc.yaml": builders.service("svc", SLOS, extra_metadata=METADATA)})
    text = (spec_dir / "svc.yaml").read_text().replace(
        "runbook: https://runbooks.example.com/svc", "runbook: 'https://runbooks.example.com/{{.Labels.x}}/{{{'")
    (spec_dir / "svc.yaml").write_text(text)
    return spec_dir


def test_user_text_is_escaped_in_alert_labels_and_annotations(tmp_path):
    alert = pipeline.run(_spec(tmp_path), render=False).plan.services[0].slos[0].alerts[0]
    labels, annotations = dict(alert.labels), dict(alert.annotations)
    assert labels["owner"] == '{{ "{{" }} $value }}'
    assert labels["docs"] == 'see {{ "{{" }}docs}}'
    assert annotations["runbook_url"] == 'https://runbooks.example.com/{{ "{{" }}.Labels.x}}/{{ "{{" }}{{ "{" }}'
    assert annotations["dashboard_url"].startswith('https://grafana.example.com/{{ "{{" }}.Org}}/')
    assert annotations["summary"] == 'mine {{ "{{" }} $labels.service }} -}}'  # the user's own wins


def test_recorded_series_labels_are_not_escaped(tmp_path):
    """Prometheus does not template recording rule labels: they keep the spec's text as is."""
    text = pipeline.run(_spec(tmp_path)).files[names.rules_file("svc")]
    records = [r for g in yaml.safe_load(text)["groups"] for r in g["rules"] if "record" in r]
    assert {r["labels"]["owner"] for r in records} == {"{{ $value }}"}


def test_promtool_renders_the_escaped_text_back_to_the_spec(tmp_path, promtool, monkeypatch):
    """The generated alerts with `vector(1)` as their expression, so that `$value` is 1: promtool
    expands every label and annotation and must find the spec's literal text."""
    spec_dir = _spec(tmp_path)
    rules = yaml.safe_load(pipeline.run(spec_dir).files[names.rules_file("svc")])
    alerts = [r for g in rules["groups"] for r in g["rules"] if "alert" in r]
    assert alerts
    for rule in alerts:
        rule["expr"] = "vector(1)"
    (tmp_path / "rules.yaml").write_text(yamlout.dump({"groups": [{"name": "g", "rules": alerts}]}))

    monkeypatch.setattr(gotemplate, "literal", lambda text: text)  # what the spec says, unescaped
    intended = pipeline.run(spec_dir, render=False).plan.services[0].slos[0].alerts
    expected = []
    for alert in intended:
        annotations = {k: v.replace('{{ $value | printf "%.1f" }}', "1.0")
                              .replace('{{ $value | printf "%.2f" }}', "1.00") for k, v in alert.annotations}
        # the link's environment part renders to nothing: the alert has no environment label
        annotations["dashboard_url"] = annotations["dashboard_url"].split("{{ with (or $labels.")[0]
        expected.append({"exp_labels": dict(alert.labels), "exp_annotations": annotations})
    assert "{{docs}}" in str(expected) and "{{{" in str(expected)
    tests = {"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": [{
        "interval": "1m", "input_series": [],
        "alert_rule_test": [{"eval_time": "1m", "alertname": alerts[0]["alert"], "exp_alerts": expected}]}]}
    (tmp_path / "test.yaml").write_text(yamlout.dump(tests))
    result = subprocess.run([promtool, "test", "rules", "test.yaml"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
