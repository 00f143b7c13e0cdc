"""The generated config in a real Alertmanager 0.25 on a loopback port: alerts are posted through
its API and its own answer says which are inhibited, by what, and which receivers each reaches."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.request

import pytest

from tests.conftest import require_tool

PAGE = {"alertname": "CheckoutAvailabilityErrorBudgetBurn", "service": "checkout", "slo": "availability",
        "team": "payments", "tier": "1", "severity": "critical", "sloth_severity": "page"}
TICKET = {**PAGE, "severity": "warning", "sloth_severity": "ticket"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read() or b"null")


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory, example_files):
    from obsgen.output.writer import write_tree

    binary = require_tool("prometheus-alertmanager")
    out = tmp_path_factory.mktemp("am")
    write_tree(out, example_files)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([binary, f"--config.file={out / 'alerts/alertmanager/alertmanager.yaml'}",
                             f"--storage.path={out / 'data'}", f"--web.listen-address=127.0.0.1:{port}",
                             "--cluster.listen-address="], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/-/ready", timeout=1)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("Alertmanager did not start: " + proc.stderr.read().decode()[-2000:])
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def post(url: str, *label_sets: dict) -> None:
    alerts = [{"labels": labels, "annotations": {"summary": "test"}, "generatorURL": "http://prometheus/graph"}
              for labels in label_sets]
    request = urllib.request.Request(f"{url}/api/v2/alerts", data=json.dumps(alerts).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=5)


def states(url: str, marker: str, expected: int) -> dict[str, dict]:
    """Every alert carrying the marker label, by its `case` label, once the inhibitor has seen them all."""
    deadline = time.monotonic() + 15
    while True:
        alerts = [a for a in _get(f"{url}/api/v2/alerts") if a["labels"].get("marker") == marker]
        settled = len(alerts) == expected and all(a["status"]["state"] != "unprocessed" for a in alerts)
        if settled or time.monotonic() > deadline:
            return {a["labels"]["case"]: a for a in alerts}
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
    time.sleep(0.5)  # the inhibitor reads source alerts asynchronously; states() then polls
    found = states(alertmanager, "same-slo", 6)
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
    time.sleep(0.5)
    found = states(alertmanager, "platform", 3)
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
