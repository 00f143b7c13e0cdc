"""The notification templates rendered by the real `amtool template render` on alerts as Prometheus
sends them (annotations already rendered, burn rate included), and on hostile text."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from obsgen.render.alertmanager import templates
from tests.conftest import require_tool

BURN = "15.3"


def _alert(example_plan, env: str | None, **annotations: str) -> dict:
    service = next(s for s in example_plan.services if s.name == "checkout")
    alert = service.slos[0].alerts[0]
    rendered = {k: re.sub(r"\{\{ \$value \| printf \"%\.\d f\" \}\}".replace(" f", "f"), BURN, v)
                for k, v in alert.annotations}
    # as Prometheus renders the link (tests/render/test_prometheus_rules.py runs the real one)
    rendered["dashboard_url"] = re.sub(r"\{\{ with .*\{\{ end \}\}$", f"&var-environment={env}" if env else "",
                                       rendered["dashboard_url"])
    labels = {"alertname": alert.name, **dict(alert.labels), **({"environment": env} if env else {})}
    return {"status": "firing", "labels": labels, "annotations": {**rendered, **annotations},
            "startsAt": "2026-11-26T10:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus/graph", "fingerprint": "0123456789abcdef"}


def _data(*alerts: dict, status: str = "firing") -> dict:
    common = {k: v for k, v in alerts[0]["labels"].items() if all(a["labels"].get(k) == v for a in alerts)}
    return {"receiver": "payments-pager", "status": status, "alerts": list(alerts),
            "groupLabels": {"alertname": common.get("alertname", "")}, "commonLabels": common,
            "commonAnnotations": {}, "externalURL": "http://alertmanager:9093"}


def render(tmp_path: Path, name: str, data: dict, kind: str = "text") -> str:
    tool = require_tool("amtool")
    (tmp_path / "obsgen.tmpl").write_text(templates.render("environment"))
    (tmp_path / "data.json").write_text(json.dumps(data))
    proc = subprocess.run([tool, "template", "render", "--template.glob=obsgen.tmpl", f"--template.type={kind}",
                           "--template.text={{ template \"" + name + "\" . }}", "--template.data=data.json"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture
def page(example_plan):
    return _alert(example_plan, "production")


def test_slack_shows_service_slo_severity_environment_burn_rate_and_links(tmp_path, page):
    text = render(tmp_path, "obsgen.slack.text", _data(page))
    assert "*FIRING* *checkout* SLO `availability` · critical · production" in text
    assert f"error budget burning at {BURN}x" in text
    assert "<https://runbooks.example.com/checkout|Runbook> · <https://grafana.example.com/d/obsgen-checkout/" \
           "checkout?var-slo=availability&amp;var-environment=production|Dashboard>" in text
    title = render(tmp_path, "obsgen.slack.title", _data(page))
    assert title == "[FIRING:1] checkout availability (critical) in production"
    assert render(tmp_path, "obsgen.slack.color", _data(page)) == "danger"
    assert render(tmp_path, "obsgen.slack.color", _data(page, status="resolved")) == "good"


def test_pagerduty_description_severity_and_links(tmp_path, page):
    description = render(tmp_path, "obsgen.pagerduty.description", _data(page))
    assert description.startswith("[FIRING:1] checkout availability (critical) in production: checkout availability:")
    assert f"burning at {BURN}x" in description
    assert render(tmp_path, "obsgen.pagerduty.severity", _data(page)) == "critical"
    assert render(tmp_path, "obsgen.runbook_url", _data(page)) == "https://runbooks.example.com/checkout"
    assert render(tmp_path, "obsgen.dashboard_url", _data(page)).startswith("https://grafana.example.com/d/")


def test_email_subject_text_and_html(tmp_path, page):
    assert render(tmp_path, "obsgen.email.subject", _data(page)) == \
        "[FIRING:1] checkout availability (critical) in production"
    text = render(tmp_path, "obsgen.email.text", _data(page))
    assert "FIRING: checkout SLO availability severity critical in production" in text
    assert "Runbook: https://runbooks.example.com/checkout" in text and "Dashboard: https://grafana" in text
    assert "SLO 99.9% over 4w2d" in text or "SLO 99.9% over 30d" in text
    html = render(tmp_path, "obsgen.email.html", _data(page), kind="html")
    assert '<a href="https://runbooks.example.com/checkout">Runbook</a>' in html


def test_without_environment_label_or_links_nothing_breaks(tmp_path, example_plan):
    bare = _alert(example_plan, None)
    bare["annotations"] = {}
    assert render(tmp_path, "obsgen.slack.title", _data(bare)) == "[FIRING:1] checkout availability (critical)"
    text = render(tmp_path, "obsgen.slack.text", _data(bare))
    assert "Runbook" not in text and "production" not in text
    assert render(tmp_path, "obsgen.runbook_url", _data(bare)) == "http://alertmanager:9093"


HOSTILE = '<script>alert("x")</script> & {{ .Status }} <!here> |'


def test_hostile_text_is_escaped_for_slack_and_html_and_never_run_as_a_template(tmp_path, example_plan):
    alert = _alert(example_plan, "prod<uction>", summary=HOSTILE, description=HOSTILE,
                   runbook_url='javascript:alert(1)', dashboard_url="https://x.example.com/a|b>c")
    slack = render(tmp_path, "obsgen.slack.text", _data(alert))
    assert "<script>" not in slack and "&lt;script&gt;" in slack and "&amp; {{ .Status }} &lt;!here&gt;" in slack
    assert "· prod&lt;uction&gt;" in slack and "<https://x.example.com/a%7Cb&gt;c|Dashboard>" in slack
    html = render(tmp_path, "obsgen.email.html", _data(alert), kind="html")
    assert "<script>" not in html and "&lt;script&gt;" in html and "{{ .Status }}" in html
    assert 'href="#ZgotmplZ"' in html  # html/template refuses a javascript: link
    text = render(tmp_path, "obsgen.text", _data(alert))
    assert HOSTILE in text  # plain text stays as written


def test_a_group_of_alerts_lists_each(tmp_path, example_plan):
    first = _alert(example_plan, "production")
    second = {**first, "labels": {**first["labels"], "long_window": "6h", "short_window": "30m"}}
    data = _data(first, second)
    assert render(tmp_path, "obsgen.title", data).startswith("[FIRING:2] checkout availability")
    assert render(tmp_path, "obsgen.slack.text", data).count("*FIRING* *checkout*") == 2


def test_a_group_of_one_resolved_and_one_firing_alert_speaks_of_the_firing_one(tmp_path, example_plan):
    """The 1h/5m page resolved while the 6h/30m page still fires: the headline quotes the firing one;
    the resolved one says it resolved, without its last burn rate."""
    service = next(s for s in example_plan.services if s.name == "checkout")
    fast, slow = service.slos[0].alerts[0], service.slos[0].alerts[1]
    resolved = _alert(example_plan, "production", summary="checkout availability: burning at 139.7x (fast)")
    resolved.update(status="resolved", endsAt="2026-11-26T10:20:00Z")
    firing = _alert(example_plan, "production", summary="checkout availability: burning at 7.2x (slow)")
    firing["labels"] = {**firing["labels"], "long_window": "6h", "short_window": "30m"}
    assert (fast.window.long, slow.window.long) == (3600, 21600)
    data = _data(resolved, firing)
    description = render(tmp_path, "obsgen.pagerduty.description", data)
    assert description == ("[FIRING:1] checkout availability (critical) in production: "
                           "checkout availability: burning at 7.2x (slow)")
    for name in ("obsgen.text", "obsgen.slack.text", "obsgen.email.html"):
        text = render(tmp_path, name, data, "html" if "html" in name else "text")
        assert "139.7x" not in text and "7.2x" in text, name
        assert "(1h/5m windows) stopped firing at 2026-11-26 10:20:00 UTC" in text, name
    all_resolved = _data({**firing, "status": "resolved", "endsAt": "2026-11-26T10:30:00Z"}, resolved,
                         status="resolved")
    assert render(tmp_path, "obsgen.pagerduty.description", all_resolved) == \
        "[RESOLVED] checkout availability (critical) in production: resolved"
    assert "burning at" not in render(tmp_path, "obsgen.text", all_resolved)


def test_a_sloth_style_page_is_critical_to_pagerduty_and_opsgenie(tmp_path, page):
    labels = {k: v for k, v in page["labels"].items() if k != "severity"}
    data = _data({**page, "labels": {**labels, "severity": "pageteam"}})
    assert render(tmp_path, "obsgen.pagerduty.severity", data) == "critical"
    assert render(tmp_path, "obsgen.opsgenie.priority", data) == "P1"
    assert render(tmp_path, "obsgen.slack.color", data) == "danger"
    ticket = _data({**page, "labels": {**labels, "sloth_severity": "ticket"}})
    assert render(tmp_path, "obsgen.pagerduty.severity", ticket) == "warning"


def test_a_sloth_files_runbook_annotation_and_severity_reach_every_receiver(tmp_path, page):
    """Sloth users write `runbook` (Sloth's own examples do), not runbook_url, and their pages carry
    sloth_severity alone: the links and the severity detail must not fall back to Alertmanager's page
    or an empty string."""
    labels = {k: v for k, v in page["labels"].items() if k != "severity"}
    annotations = {k: v for k, v in page["annotations"].items() if k != "runbook_url"}
    sloth = {**page, "labels": labels, "annotations": {**annotations, "runbook": "https://wiki.example.com/rb"}}
    data = _data(sloth)
    assert render(tmp_path, "obsgen.runbook_url", data) == "https://wiki.example.com/rb"
    assert render(tmp_path, "obsgen.severity", data) == "critical"
    assert "Runbook: https://wiki.example.com/rb" in render(tmp_path, "obsgen.text", data)
    assert "<https://wiki.example.com/rb|Runbook> · <" in render(tmp_path, "obsgen.slack.text", data)
    assert 'href="https://wiki.example.com/rb"' in render(tmp_path, "obsgen.email.html", data, kind="html")
