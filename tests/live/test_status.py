"""`obsgen status` against a real Prometheus running the bundled examples' generated rules on
synthetic traffic: every SLO has a row, its SLI, budget and burn rates are what the traffic implies,
the outage's page is listed as firing, and the filters and sorting choose rows as they say."""

from __future__ import annotations

import json
import time

import pytest
import yaml

from obsgen import burnrate, durations, names
from tests.conftest import EXAMPLES, PATIENCE, run_obsgen
from tests.live.prom import openmetrics, prometheus

OUTAGE = "checkout-availability"  # every request fails
RATIO = 0.002  # every other SLO: 1 request in 500 fails (below every page threshold of the examples but one)


def _history(plan, now: int) -> str:
    series = {}
    for service in plan.services:
        for slo in service.slos:
            bad, good = (100, 0) if slo.id == OUTAGE else (1, 499)
            for fixture in slo.sli.fixture:
                series[fixture.series] = fixture.bad * bad + fixture.good * good
    # up to a minute ago: samples after the server's start would put its head's lower bound in the
    # future and every recorded sample out of bounds. The 5m rates stay defined for about 4 minutes
    return openmetrics(series, now - 50 * 60, now - 60)


def _live(text: str) -> str:
    """A generated rules file evaluated every second (the live preview's change) and with no pending
    time, so that the alerts the traffic implies fire within seconds: what status reads is at stake
    here, not when alerts fire (the promtool tests prove that)."""
    doc = yaml.safe_load(text)
    for group in doc["groups"]:
        group.pop("interval", None)
        for rule in group["rules"]:
            rule.pop("for", None)
    return yaml.safe_dump(doc)


def _expected_state(slo, ratio: float) -> str:
    burn = ratio / slo.budget
    fired = {a.window.severity for a in slo.alerts if burn > a.window.factor}
    return "page" if "page" in fired else "ticket" if "ticket" in fired else "ok"


@pytest.fixture(scope="module")
def server(tmp_path_factory, example_plan, example_files):
    now = int(time.time()) // 60 * 60
    rules = {path.rsplit("/", 1)[1]: _live(text) for path, text in example_files.items()
             if path.startswith("alerts/rules/")}
    with prometheus(tmp_path_factory.mktemp("status"), _history(example_plan, now), rules) as url:
        yield url


def _status(url: str, *args: str) -> list[dict]:
    done = run_obsgen("status", "--url", url, "--format", "json", *args, str(EXAMPLES))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["rows"]


def _settled(row: dict) -> bool:
    """The period roll-ups, evaluated every second from the server's start, agree with the 5m ratio
    (at start-up they may lag the SLI group by an evaluation or an hour's first sum)."""
    if row["budget_remaining"] is None or row["sli_5m"] is None:
        return False
    burn = max(b for b in row["burn"].values() if b is not None)
    return abs(row["budget_remaining"] - (1 - burn)) <= 1e-6 * max(1.0, burn)


@pytest.fixture(scope="module")
def rows(server, example_plan):
    """The rows once every SLO's period budget is recorded and settled and the outage's page fires."""
    slos = {slo.id: slo for s in example_plan.services for slo in s.slos}
    deadline = time.monotonic() + PATIENCE
    while True:
        found = _status(server)
        # every alert the traffic implies fires within an evaluation or two of the data; on a busy
        # machine the tickets may come after the page and the roll-ups: wait for them too
        states = all(r["state"] == _expected_state(slos[r["id"]], 1.0 if r["id"] == OUTAGE else RATIO)
                     for r in found)
        if all(_settled(r) for r in found) and states:
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
        assert row["state"] == _expected_state(slo, ratio), row["id"]
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
