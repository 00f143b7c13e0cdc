"""The generated config in a real Alertmanager 0.25 on a loopback port: alerts are posted through
its API and its own answer says which are inhibited, by what, and which receivers each reaches."""

from __future__ import annotations

import email
import email.policy
import http.server
import json
import socketserver
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from typing import ClassVar

import pytest

from tests.builders import free_port
from tests.conftest import PATIENCE, require_tool

PAGE = {"alertname": "CheckoutAvailabilityErrorBudgetBurn", "service": "checkout", "slo": "availability",
        "team": "payments", "tier": "1", "severity": "critical", "sloth_severity": "page"}
TICKET = {**PAGE, "severity": "warning", "sloth_severity": "ticket"}
ANNOTATIONS = {"summary": "checkout availability: error budget burning at 15.3x (over 14.4x for 1h and 5m)",
               "runbook_url": "https://runbooks.example.com/checkout", "dashboard_url": "https://grafana.example.com/d/x"}



def _get(url: str):
    with urllib.request.urlopen(url, timeout=PATIENCE) as response:
        return json.loads(response.read() or b"null")


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory, example_files):
    from obsgen.output.writer import write_tree

    binary = require_tool("prometheus-alertmanager")
    out = tmp_path_factory.mktemp("am")
    write_tree(out, example_files)
    proc, url = _start(binary, out / "alerts/alertmanager/alertmanager.yaml", out / "data")
    yield url
    proc.terminate()
    proc.wait(timeout=PATIENCE)


def post(url: str, *label_sets: dict, annotations: dict | None = None) -> None:
    alerts = [{"labels": labels, "annotations": annotations or {"summary": "test"},
               "generatorURL": "http://prometheus/graph"} for labels in label_sets]
    request = urllib.request.Request(f"{url}/api/v2/alerts", data=json.dumps(alerts).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=PATIENCE)


def states(url: str, marker: str, expected: int, inhibited: tuple[str, ...] = ()) -> dict[str, dict]:
    """Every alert carrying the marker label, by its `case` label, once all are processed and the
    `inhibited` cases are. The inhibitor learns of source alerts asynchronously, after the POST
    returns: waiting for the inhibitions a test expects (never for a fixed time) means the other
    alerts' states are then read with every source known, however slow the machine."""
    deadline = time.monotonic() + PATIENCE
    while True:
        alerts = [a for a in _get(f"{url}/api/v2/alerts") if a["labels"].get("marker") == marker]
        found = {a["labels"]["case"]: a for a in alerts}
        settled = (len(alerts) == expected and all(a["status"]["state"] != "unprocessed" for a in alerts)
                   and all(found[case]["status"]["inhibitedBy"] for case in inhibited))
        if settled or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_a_page_inhibits_the_ticket_of_the_same_slo_in_the_same_environment_only(alertmanager):
    m = {"marker": "same-slo"}
    post(alertmanager,
         {**PAGE, **m, "case": "page-prod", "environment": "production"},
         {**TICKET, **m, "case": "ticket-prod", "environment": "production"},
         {**TICKET, **m, "case": "ticket-staging", "environment": "staging"},
         {**TICKET, **m, "case": "ticket-other-slo", "environment": "production", "slo": "latency"},
         {**PAGE, **m, "case": "page-unlabelled"},
         {**TICKET, **m, "case": "ticket-unlabelled"})
    found = states(alertmanager, "same-slo", 6, inhibited=("ticket-prod", "ticket-unlabelled"))
    assert found["ticket-prod"]["status"]["inhibitedBy"] == [found["page-prod"]["fingerprint"]]
    assert found["ticket-prod"]["status"]["state"] == "suppressed"
    assert found["ticket-unlabelled"]["status"]["inhibitedBy"] == [found["page-unlabelled"]["fingerprint"]]
    for case in ("page-prod", "ticket-staging", "ticket-other-slo", "page-unlabelled"):
        assert found[case]["status"]["state"] == "active", (case, found[case]["status"])


def test_the_platform_alert_silences_per_service_alerts_of_its_environment(alertmanager):
    m = {"marker": "platform"}
    post(alertmanager,
         {"alertname": "PlatformPrometheusDown", **m, "case": "platform", "environment": "dev"},
         {**TICKET, **m, "case": "dev", "environment": "dev", "service": "search", "team": "discovery"},
         {**TICKET, **m, "case": "staging", "environment": "staging", "service": "search", "team": "discovery"})
    found = states(alertmanager, "platform", 3, inhibited=("dev",))
    assert found["dev"]["status"]["inhibitedBy"] == [found["platform"]["fingerprint"]]
    assert found["staging"]["status"]["state"] == "active"
    assert found["platform"]["status"]["state"] == "active"


def test_the_real_alertmanager_routes_as_the_route_tests_say(alertmanager):
    m = {"marker": "routes"}
    post(alertmanager,
         {**PAGE, **m, "case": "prod", "environment": "production", "slo": "r1"},
         {**PAGE, **m, "case": "staging", "environment": "staging", "slo": "r2"},
         {**PAGE, **m, "case": "unknown-team", "team": "nobody", "slo": "r3"})
    found = states(alertmanager, "routes", 3)
    receivers = {case: [r["name"] for r in alert["receivers"]] for case, alert in found.items()}
    assert receivers == {"prod": ["payments-pager", "payments-chat"], "staging": ["payments-chat"],
                         "unknown-team": ["platform-chat"]}


def test_the_config_loaded_with_its_template(alertmanager):
    status = _get(f"{alertmanager}/api/v2/status")
    assert "obsgen.tmpl" in status["config"]["original"]
    assert status["versionInfo"]["version"].startswith("0.")


def _start(binary: str, config: Path, data: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([binary, f"--config.file={config}", f"--storage.path={data}",
                             f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + PATIENCE
    while True:
        try:
            urllib.request.urlopen(f"{url}/-/ready", timeout=PATIENCE)
            return proc, url
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("Alertmanager did not start: " + proc.stderr.read().decode()[-2000:])
            time.sleep(0.1)


class _Catcher(http.server.BaseHTTPRequestHandler):
    received: ClassVar[list] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, json.loads(body)))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def test_a_real_slack_notification_carries_service_slo_burn_rate_and_links(tmp_path):
    """Alertmanager renders the receiver's fields with obsgen.tmpl and posts to Slack (here a
    loopback server, named in the api_url_file as a real deployment names hooks.slack.com)."""
    from obsgen.output.writer import write_tree
    from tests.amspec import build, platform, service, team

    binary = require_tool("prometheus-alertmanager")
    server = http.server.HTTPServer(("127.0.0.1", 0), _Catcher)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = tmp_path / "slack-url"
    hook.write_text(f"http://127.0.0.1:{server.server_address[1]}/slack\n")
    files = build(tmp_path, {
        "teams.yaml": team("payments", f"  slack: {{channel: '#pay', api_url_file: {hook}}}\n"
                                      "  pages_without_pager: true"),
        "platform.yaml": platform("    timing: {critical: {group_wait: 1s}}\n"),
        "checkout.yaml": service("checkout", "payments"),
    })
    write_tree(tmp_path / "out", files)
    proc, url = _start(binary, tmp_path / "out/alerts/alertmanager/alertmanager.yaml", tmp_path / "data")
    try:
        post(url, {**PAGE, "environment": "staging"}, annotations=ANNOTATIONS)
        deadline = time.monotonic() + PATIENCE
        while not _Catcher.received and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=PATIENCE)
        server.shutdown()
    assert _Catcher.received, "Alertmanager posted nothing to the Slack hook"
    path, payload = _Catcher.received[0]
    attachment = payload["attachments"][0]
    assert path == "/slack" and payload["channel"] == "#pay"
    assert attachment["title"] == "[FIRING:1] checkout availability (critical) in staging"
    assert attachment["color"] == "danger"
    assert "*FIRING* *checkout* SLO `availability` · critical · staging" in attachment["text"]
    assert "error budget burning at 15.3x" in attachment["text"]  # Prometheus rendered $value into it
    assert "<https://runbooks.example.com/checkout|Runbook> · <https://grafana.example.com/d/x|Dashboard>" \
        in attachment["text"]
    assert attachment["title_link"] == "https://grafana.example.com/d/x"


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP for Alertmanager's e-mail notifier (no TLS, no auth): keeps each message."""

    messages: ClassVar[list] = []

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 localhost ESMTP test")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.reply("250 localhost")
            elif verb == b"DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                self.messages.append(email.message_from_bytes(data, policy=email.policy.default))
                self.reply("250 queued")
            elif verb == b"QUIT":
                self.reply("221 bye")
                return
            else:  # MAIL, RCPT, RSET, NOOP
                self.reply("250 ok")


def test_a_real_email_carries_subject_text_and_html(tmp_path):
    from obsgen.output.writer import write_tree
    from tests.amspec import build, platform, service, team

    binary = require_tool("prometheus-alertmanager")
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    smtp = (f"    smtp: {{smarthost: '127.0.0.1:{server.server_address[1]}', from: am@example.com, "
            "require_tls: false}\n    timing: {warning: {group_wait: 1s}}\n")
    mail_only = team("payments", "  email: {to: pay@example.com}\n  pages_without_pager: true")
    files = build(tmp_path, {"teams.yaml": mail_only,
                             "platform.yaml": platform(smtp), "checkout.yaml": service("checkout", "payments")})
    write_tree(tmp_path / "out", files)
    proc, url = _start(binary, tmp_path / "out/alerts/alertmanager/alertmanager.yaml", tmp_path / "data")
    try:
        hostile = {**ANNOTATIONS, "description": "<b>bold</b> & {{ .Status }}"}
        post(url, {**TICKET, "environment": "production"}, annotations=hostile)
        deadline = time.monotonic() + PATIENCE
        while not _Smtp.messages and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=PATIENCE)
        server.shutdown()
        server.server_close()
    assert _Smtp.messages, "Alertmanager sent no e-mail"
    message = _Smtp.messages[0]
    assert message["To"] == "pay@example.com"
    assert message["Subject"] == "[FIRING:1] checkout availability (warning) in production"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "error budget burning at 15.3x" in text and "Runbook: https://runbooks.example.com/checkout" in text
    assert "<b>bold</b> & {{ .Status }}" in text
    assert '<a href="https://runbooks.example.com/checkout">Runbook</a>' in html
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; {{ .Status }}" in html and "<b>bold</b>" not in html
