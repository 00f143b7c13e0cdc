"""`obsgen preview --url PROMETHEUS`'s status view in headless Chromium, against a real Prometheus on
loopback running the bundled examples' generated rules on live synthetic traffic (tests/live/traffic.py's
`status_prometheus`, which tests/live/test_status.py reads too: one SLO in total outage, the others at 1
error in 500).

The page's rows are `obsgen status --format json`'s rows, the same SLOs with the same states, numbers,
routing and detection times; each row links to its dashboard and runbook; sorting by a column and
filtering by team, service and state choose the rows they say. A screenshot goes to docs/preview/
with OBSGEN_WRITE_SCREENSHOTS=1."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import requests

from obsgen.live.status import STATES
from tests.builders import free_port
from tests.conftest import EXAMPLES, PATIENCE, ROOT, docs_picture
from tests.live.test_status import _status
from tests.live.traffic import OUTAGE, RATIO, expected_state
from tests.live.traffic import settled as caught_up

ROWS_JS = """return [...document.querySelectorAll('#status-table tbody tr')].map(tr => ({
  id: tr.dataset.id, state: tr.dataset.state, team: tr.dataset.team, service: tr.dataset.service,
  cells: Object.fromEntries([...tr.cells].map((td, i) =>
    [document.querySelectorAll('#status-table thead th')[i].textContent, td.textContent])),
  links: [...tr.querySelectorAll('a')].map(a => [a.textContent, a.getAttribute('href')])}));"""


@pytest.fixture(scope="module")
def prom(status_prometheus):
    return status_prometheus


@pytest.fixture(scope="module")
def page_url(prom, tmp_path_factory):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "obsgen", "preview", str(EXAMPLES), "--against", str(ROOT),
                             "--port", str(port), "--url", prom], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + PATIENCE
    while True:
        try:
            requests.get(url, timeout=PATIENCE)
            break
        except requests.ConnectionError:
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline
            time.sleep(0.3)
    yield url
    proc.terminate()
    proc.wait(timeout=PATIENCE)


def _page_rows(browser) -> list[dict]:
    return browser.execute_script(ROWS_JS)


@pytest.fixture(scope="module")
def settled(browser, page_url, prom, example_plan):
    """The page and `obsgen status` once every row's state is the one the traffic implies."""
    slos = {slo.id: slo for s in example_plan.services for slo in s.slos}
    browser.get(page_url)
    deadline = time.monotonic() + PATIENCE
    while True:
        shown = _page_rows(browser)
        expected = {i: expected_state(slo, 1.0 if i == OUTAGE else RATIO) for i, slo in slos.items()}
        if len(shown) == len(slos) and all(r["state"] == expected[r["id"]] for r in shown):
            rows = _status(prom)
            # the page polls every 5 s and the period roll-ups move in steps: compare one reading
            # of both, taken once the roll-ups have caught up with the SLI (traffic.settled, what
            # tests/live/test_status.py waits for: until then a long window's burn may read low)
            # and the page shows what `obsgen status` reads now
            now = {r["id"]: r for r in rows}
            if all(caught_up(r) for r in rows) and all(
                    r["cells"]["budget left"] == _pct(now[r["id"]]["budget_remaining"], 1)
                    and r["cells"]["SLI now (5m)"] == _pct(now[r["id"]]["sli_5m"], 3) for r in shown):
                return shown, rows
        assert time.monotonic() < deadline, shown
        time.sleep(1)


def _pct(value, digits):
    return "-" if value is None else f"{value * 100:.{digits}f}%"


def test_rows_are_obsgen_status_rows(settled):
    shown, rows = settled
    assert sorted(r["id"] for r in shown) == sorted(r["id"] for r in rows)
    order = [STATES.index(r["state"]) for r in shown]
    assert order == sorted(order)  # worst first, as `obsgen status` sorts (ties: least budget left first)
    by_id = {r["id"]: r for r in rows}
    for row in shown:
        want = by_id[row["id"]]
        assert row["state"] == want["state"] and row["team"] == want["team"]
        cells = row["cells"]
        assert cells["objective"] == f"{want['objective']:g}% / {want['period']}"
        assert cells["SLI now (5m)"] == _pct(want["sli_5m"], 3)
        assert cells["budget left"] == _pct(want["budget_remaining"], 1)
        for window, burn in want["burn"].items():
            assert cells[f"burn {window}"] == f"{burn:.2f}x"
        assert cells["pages reach"] == (", ".join(want["pages"]) or "never")
        assert cells["tickets reach"] == (", ".join(want["tickets"]) or "-")
        assert cells["firing"] == (", ".join(sorted({a["alertname"] for a in want["alerts"]})) or "-")
        links = dict(row["links"])
        assert links["dashboard"] == want["dashboard_url"]
        assert links.get("runbook", "") == want["runbook_url"]
    outage = next(r for r in shown if r["id"] == OUTAGE)
    assert outage["state"] == "page" and outage["cells"]["pages reach"] == "payments-pager, payments-chat"


def _choose(browser, select: str, value: str) -> None:
    browser.execute_script("const el = document.getElementById(arguments[0]); el.value = arguments[1];"
                           "el.dispatchEvent(new Event('change'));", select, value)


def _sort(browser, column: str) -> None:
    """Click a column's header inside the page, in one step: the page redraws its table whenever it
    polls, so a header found first and clicked after may be gone by then (a stale element)."""
    browser.execute_script("document.querySelector(arguments[0]).click();",
                           f"#status-table th[data-sort='{column}']")


def _budgets(shown: list[dict]) -> list[float]:
    """The budget-left cells of one reading of the page, as numbers (every example SLO has traffic)."""
    return [float(r["cells"]["budget left"].rstrip("%")) for r in shown]


def test_filters_and_sorting(browser, settled):
    _, rows = settled
    _choose(browser, "status-team", "payments")
    assert sorted(r["id"] for r in _page_rows(browser)) == sorted(r["id"] for r in rows if r["team"] == "payments")
    _choose(browser, "status-team", "")
    _choose(browser, "status-state", "page")
    assert [r["id"] for r in _page_rows(browser)] == [r["id"] for r in rows if r["state"] == "page"]
    _choose(browser, "status-state", "")
    _choose(browser, "status-service", "search")
    assert {r["service"] for r in _page_rows(browser)} == {"search"}
    _choose(browser, "status-service", "")
    _sort(browser, "budget left")
    ascending = _budgets(_page_rows(browser))  # as shown: the page may have polled anew since `settled`
    assert ascending == sorted(ascending) and len(ascending) == len(rows)
    _sort(browser, "budget left")  # descending
    descending = _budgets(_page_rows(browser))
    assert descending == sorted(descending, reverse=True) and len(descending) == len(rows)
    _sort(browser, "state")
    browser.execute_script("document.getElementById('status').scrollIntoView()")
    browser.set_window_size(2100, 800)
    assert browser.find_element("id", "status").screenshot(docs_picture("status.png"))
    browser.set_window_size(1280, 1600)
    severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == []
