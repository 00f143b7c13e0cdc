"""`obsgen status` against a real Prometheus running the bundled examples' generated rules on live
synthetic traffic (tests/live/traffic.py's `status_prometheus`): every SLO has a row, its SLI, budget
and burn rates are what the traffic implies, the outage's page is listed as firing, and the filters
and sorting choose rows as they say."""

from __future__ import annotations

import json
import time

import pytest

from obsgen import burnrate, durations, names
from tests.builders import obsgen_cli
from tests.conftest import EXAMPLES, PATIENCE, run_obsgen
from tests.live.traffic import OUTAGE, RATIO, expected_state, settled


@pytest.fixture(scope="module")
def server(status_prometheus):
    return status_prometheus


def _status(url: str, *args: str) -> list[dict]:
    """`obsgen status --format json` run in this process (tests.builders.obsgen_cli): the fixture polls
    it every second until the server settles, and a Python start per poll cost a CPU-second each.
    test_the_table runs the CLI in its own process, as users do."""
    done = obsgen_cli("status", "--url", url, "--format", "json", *args, str(EXAMPLES))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["rows"]


@pytest.fixture(scope="module")
def rows(server, example_plan):
    """The rows once every SLO's period budget is recorded and settled and the outage's page fires."""
    slos = {slo.id: slo for s in example_plan.services for slo in s.slos}
    deadline = time.monotonic() + PATIENCE
    while True:
        found = _status(server)
        # every alert the traffic implies fires within an evaluation or two of the data; on a busy
        # machine the tickets may come after the page and the roll-ups: wait for them too
        states = all(r["state"] == expected_state(slos[r["id"]], 1.0 if r["id"] == OUTAGE else RATIO)
                     for r in found)
        if all(settled(r) for r in found) and states:
            return found
        assert time.monotonic() < deadline, found
        time.sleep(1)


def test_every_slo_has_a_row_with_what_the_traffic_implies(rows, example_plan):
    slos = {slo.id: slo for s in example_plan.services for slo in s.slos}
    assert sorted(r["id"] for r in rows) == sorted(slos)
    for row in rows:
        slo = slos[row["id"]]
        ratio = 1.0 if row["id"] == OUTAGE else RATIO
        assert row["objective"] == slo.objective_percent
        assert row["sli_5m"] == pytest.approx(1 - ratio, abs=1e-9)
        assert row["budget_remaining"] == pytest.approx(1 - ratio / slo.budget, rel=1e-6)
        assert set(row["burn"]) == {durations.format_seconds(w) for w in burnrate.windows_of(slo.catalog)}
        for window, burn in row["burn"].items():
            assert burn == pytest.approx(ratio / slo.budget, rel=1e-6), (row["id"], window)
        assert row["state"] == expected_state(slo, ratio), row["id"]
        assert row["dashboard_url"] == slo.dashboard_url and row["runbook_url"] == slo.runbook_url
    outage = next(r for r in rows if r["id"] == OUTAGE)
    assert {a["alertname"] for a in outage["alerts"]} == {names.alert_name("checkout", "availability")}
    assert outage["pages"] == ["payments-pager", "payments-chat"]


def test_filters_and_sorting(server, rows, example_plan):
    payments = _status(server, "--team", "payments")
    assert {r["team"] for r in payments} == {"payments"} and len(payments) == sum(r["team"] == "payments" for r in rows)
    assert [r["id"] for r in _status(server, "--state", "page")] == [r["id"] for r in rows if r["state"] == "page"]
    assert {r["service"] for r in _status(server, "--service", "search")} == {"search"}
    by_budget = [r["budget_remaining"] for r in _status(server, "--sort", "budget")]
    assert by_budget == sorted(by_budget)
    assert rows[0]["id"] == OUTAGE  # worst first


def test_the_table(server, rows):
    done = run_obsgen("status", "--url", server, str(EXAMPLES))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:3] == ["SLO", "ENV", "TEAM"] and "BURN 1h" in lines[0]
    assert lines[1].startswith(OUTAGE) and " page " in lines[1]
    assert len(lines) == len(rows) + 2  # header, a row per SLO, the summary
