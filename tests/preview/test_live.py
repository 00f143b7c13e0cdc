"""`obsgen preview --live` with the real Prometheus and Alertmanager, on loopback.

The bundled examples run in a live session; a total outage injected into a paging SLO
(payments-api availability, page 1h/5m at 13.44x, no `for`) from the page's own button reaches the
local PagerDuty stand-in as a page from payments-pager (the generated receiver and templates, posting
PagerDuty Events v2) and shows on the page; then the session stops and no
process or temporary file is left. The CLI's own sessions (failed starts, signals, killed
processes) are in test_live_cli.py.
"""

from __future__ import annotations

import json
import time

import pytest
import requests

from obsgen.preview import page, view
from obsgen.preview.live import LiveSession
from obsgen.preview.serve import PreviewServer
from tests.conftest import EXAMPLES, PATIENCE, run_obsgen
from tests.preview.procs import gone, processes_under, tools

SLO = "payments-api-availability"
HEADLINE = "payments-api availability (critical) in production"


@pytest.fixture(scope="module")
def live(example_plan, example_artifacts):
    tools()
    session = LiveSession(example_plan, example_artifacts)
    with session:
        site = page.render(view.build(example_plan, example_artifacts), live=session.page_data())
        with PreviewServer(site, 0, api=session.api) as server:
            yield session, server.url
    pids, tmp = [p.pid for p in session.processes], session.tmp
    assert len(pids) == 2 and all(gone(pid) for pid in pids)
    assert not tmp.exists() and processes_under(tmp) == []


def _notifications(browser) -> list[dict]:
    return browser.execute_script(
        "return [...document.querySelectorAll('#live-notifications tbody tr')].map(r => ({...r.dataset}));")


def test_outage_pages_through_the_webhook_onto_the_page(browser, live):
    _, url = live
    browser.get(url)
    browser.execute_script(f"document.getElementById('live-slo').value = '{SLO}';")
    browser.find_element("id", "live-outage").click()
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        rows = _notifications(browser)
        if any(r["receiver"] == "payments-pager" and r["kind"] == "pagerduty" and HEADLINE in r["title"]
               for r in rows):
            break
        time.sleep(1)
    else:
        pytest.fail(f"no page on the page after {PATIENCE}s: {rows}\n{browser.find_element('id', 'live').text}")
    # The page's JSON endpoint says the same, with what the stand-ins received.
    state = requests.get(url + "live/state", timeout=PATIENCE).json()
    assert {"id": SLO, "mode": "outage"}.items() <= next(t for t in state["traffic"] if t["id"] == SLO).items()
    pages = [n for n in state["notifications"] if n["receiver"] == "payments-pager"]
    assert pages and pages[0]["status"] == "firing" and pages[0]["kind"] == "pagerduty"
    assert "severity critical" in pages[0]["text"] and "Runbook: https://runbooks.example.com/payments-api" \
        in pages[0]["text"]
    assert all("payments-api availability" in n["title"] for n in state["notifications"])
    # Prometheus (through the proxy) has the alert firing; the healthy SLOs burn at the baseline.
    row = browser.execute_script(f"return document.querySelector('#live-slos tr[data-slo=\"{SLO}\"]').dataset;")
    assert "firing" in row["alerts"].split()
    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []  # no script error, no request refused by the page's CSP


def _alerts(url: str, slo_id: str) -> list[dict]:
    answer = requests.get(url + "live/prometheus/api/v1/alerts", timeout=PATIENCE).json()
    return [a for a in answer["data"]["alerts"]
            if f"{a['labels']['service']}-{a['labels']['slo']}" == slo_id]


def test_a_slow_burn_opens_tickets_and_does_not_page(live):
    """2x on checkout latency (99%): over the 1x tickets, under the 6x and 14.4x pages. Tickets
    go to payments-email; the pager hears nothing of this SLO."""
    _, url = live
    slo = "checkout-latency"
    answer = requests.post(url + "live/inject", json={"slo": slo, "mode": "slow", "burn": 2}, timeout=PATIENCE)
    assert answer.status_code == 200
    deadline, tickets = time.monotonic() + PATIENCE, []
    while time.monotonic() < deadline and not tickets:
        state = requests.get(url + "live/state", timeout=PATIENCE).json()
        tickets = [n for n in state["notifications"] if n["receiver"] == "payments-email"
                   and "checkout latency" in n["title"]]
        time.sleep(1)
    assert tickets, state
    assert tickets[0]["kind"] == "email" and "(warning)" in tickets[0]["title"]
    firing = {(a["labels"]["severity"], a["labels"]["long_window"])
              for a in _alerts(url, slo) if a["state"] == "firing"}
    assert ("warning", "3d") in firing and not any(sev == "critical" for sev, _ in firing)
    paged = [n["title"] for n in state["notifications"] if n["receiver"] == "payments-pager"]
    assert not any("checkout latency" in title for title in paged)


def test_page_lists_receivers_and_what_is_not_simulated(live, example_plan):
    session, url = live
    html = requests.get(url, timeout=PATIENCE).text
    assert 'id="live-receivers"' in html and "payments-pager" in html and "obsgen-nobody" in html
    every = {slo.id for s in example_plan.services for slo in s.slos}
    data = session.page_data()
    assert set(data["simulated"]) | {s["id"] for s in data["skipped"]} == every


def test_every_simulated_slo_has_burn_rates(live):
    """Each SLI kind's synthetic series feed its recording rules: a 5m ratio exists for every SLO."""
    session, url = live
    query = 'slo:sli_error:ratio_rate5m'
    deadline, found = time.monotonic() + PATIENCE, set()
    while time.monotonic() < deadline:
        answer = requests.get(url + "live/prometheus/api/v1/query", params={"query": query}, timeout=PATIENCE).json()
        found = {r["metric"]["sloth_id"] for r in answer["data"]["result"]}
        if found >= set(session.page_data()["simulated"]):
            break
        time.sleep(1)
    assert found >= set(session.page_data()["simulated"])


def test_api_refuses_other_sites_and_other_paths(live):
    _, url = live
    assert requests.get(url + "live/state", headers={"Host": "evil.example"}, timeout=PATIENCE).status_code == 403
    cross = requests.post(url + "live/inject", json={"slo": SLO, "mode": "ok"}, timeout=PATIENCE,
                          headers={"Origin": "http://evil.example"})
    assert cross.status_code == 403
    plain = requests.post(url + "live/inject", data=json.dumps({"slo": SLO, "mode": "ok"}), timeout=PATIENCE,
                          headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415  # a form or text/plain POST from another page never gets here
    assert requests.get(url + "live/prometheus/api/v1/status/config", timeout=PATIENCE).status_code == 404
    assert requests.get(url + "live/prometheus/-/quit", timeout=PATIENCE).status_code == 404
    bad = requests.post(url + "live/inject", json={"slo": "nope", "mode": "outage"}, timeout=PATIENCE)
    assert bad.status_code == 400
    bad = requests.post(url + "live/inject", json={"slo": SLO, "mode": "explode"}, timeout=PATIENCE)
    assert bad.status_code == 400


def test_cli_says_when_the_port_is_taken(live, tmp_path):
    """The page's port is in use: a clear error, and the session started for it is stopped."""
    port = live[1].rsplit(":", 1)[1].strip("/")
    # its own temporary directory (TMPDIR), where no other test or xdist worker makes sessions
    result = run_obsgen("preview", str(EXAMPLES), "--live", "--port", port, env={"TMPDIR": str(tmp_path)})
    assert result.returncode == 1 and f"error: cannot serve the page on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # its session directory is gone again


