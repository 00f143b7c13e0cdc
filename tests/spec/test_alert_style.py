"""obsgen/v1 fields added for imported specs, usable on their own: alert style, per-severity extras,
per-SLO alert windows, SLO labels, Platform default_team and alert_style."""

import pytest

from obsgen import pipeline
from obsgen.errors import SpecErrors
from tests.spec.importers.helpers import TEAM, write

SERVICE = """\
apiVersion: obsgen/v1
kind: Service
metadata: {name: api, team: web, runbook: "https://runbooks.example.com/api"}
spec:
  slos:
    - name: availability
      objective: 99.9
      labels: {journey: checkout}
      sli:
        events:
          error_query: sum(rate(http_requests_total{job="api",code=~"5.."}[{{window}}]))
          total_query: sum(rate(http_requests_total{job="api"}[{{window}}]))
      alerting:
ALERTING
"""


def build(tmp_path, alerting: str, platform: str = ""):
    files = {"api.yaml": SERVICE.replace("ALERTING\n", alerting), "teams.yaml": TEAM % "web"}
    if platform:
        files["platform.yaml"] = "apiVersion: obsgen/v1\nkind: Platform\nspec: " + platform + "\n"
    return pipeline.run(write(tmp_path / "slos", files), render=False).plan.services[0].slos[0]


def test_sloth_style_keeps_the_users_severity(tmp_path):
    slo = build(tmp_path, "        style: sloth\n        page_alert: {labels: {severity: pageteam}}\n")
    page = next(a for a in slo.alerts if a.window.severity == "page")
    assert slo.alert_style == "sloth" and dict(page.labels)["severity"] == "pageteam"
    assert dict(slo.labels)["journey"] == "checkout"


def test_obsgen_style_refuses_reserved_severity_labels(tmp_path):
    with pytest.raises(SpecErrors) as exc:
        build(tmp_path, "        page_alert: {labels: {severity: pageteam}}\n")
    assert "page_alert.labels: label 'severity' is set by obsgen and cannot be overridden (style: sloth keeps " \
           "Sloth's own labels)" in str(exc.value)


def test_platform_default_style_and_per_severity_extras(tmp_path):
    slo = build(tmp_path, "        ticket_alert: {labels: {channel: slack}}\n", "{alert_style: sloth}")
    assert slo.alert_style == "sloth"
    assert {dict(a.labels).get("channel") for a in slo.alerts} == {None, "slack"}


def test_own_windows_replace_the_catalog(tmp_path):
    slo = build(tmp_path, "        windows:\n          - {severity: page, long: 2h, short: 10m, factor: 10, for: 5m}\n")
    assert [(a.window.long, a.window.short, a.window.factor, a.for_seconds) for a in slo.alerts] == [
        (7200, 600, 10, 300)]
    with pytest.raises(SpecErrors) as exc:
        build(tmp_path / "bad", "        windows:\n          - {severity: page, long: 5m, short: 10m, factor: 10}\n")
    assert "short window 10m must be shorter than long window 5m" in str(exc.value)
