"""`obsgen status` shows a calendar SLO's budget left this month, read from the calendar series its
generated rules record on a real Prometheus (tests/live/traffic.py's live traffic and history).

The bundled examples with checkout latency on a month in Asia/Kolkata (its months start at 18:30
UTC: the split-hour rules run too) and every SLO at 1 error in 500: the calendar budget left is then
1 - 0.002 / budget, as the rolling one is, and the table names the month and its zone."""

from __future__ import annotations

import json
import shutil
import time

import pytest

from obsgen import pipeline
from tests import builders
from tests.conftest import EXAMPLES, PATIENCE, run_obsgen
from tests.live.traffic import RATIO, scraping, traffic

CALENDAR_SLO = "checkout-latency"


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    root = tmp_path_factory.mktemp("calendar") / "slos"
    shutil.copytree(EXAMPLES, root)
    text = (root / "checkout.yaml").read_text()
    old = "    - name: latency\n      objective: 99\n"
    assert old in text
    calendar = "      calendar: {unit: month, time_zone: Asia/Kolkata}\n"
    (root / "checkout.yaml").write_text(text.replace(old, old + calendar))
    return root


@pytest.fixture(scope="module")
def server(spec, tmp_path_factory):
    plan = pipeline.run(spec, render=False).plan
    ratios = {slo.id: RATIO for s in plan.services for slo in s.slos}
    with scraping(tmp_path_factory.mktemp("prom"), pipeline.run(spec).files, [(traffic(plan, ratios), {})]) as url:
        yield url, plan


def _status(url: str, spec, *args: str, in_process: bool = False):
    """`obsgen status`: the real process, or (while polling for the month's budget to settle, once a
    second) the same CLI in this process, a Python start fewer per poll."""
    run = builders.obsgen_cli if in_process else run_obsgen
    done = run("status", "--url", url, *args, str(spec))
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_status_shows_the_budget_left_this_month(server, spec):
    url, plan = server
    slo = next(slo for s in plan.services for slo in s.slos if slo.id == CALENDAR_SLO)
    want = 1 - RATIO / slo.budget
    deadline = time.monotonic() + PATIENCE
    while True:
        rows = {r["id"]: r for r in json.loads(_status(url, spec, "--format", "json", in_process=True))["rows"]}
        got = rows[CALENDAR_SLO]["calendar_budget_remaining"]
        if got is not None and abs(got - want) <= 1e-6:
            break
        assert time.monotonic() < deadline, rows[CALENDAR_SLO]
        time.sleep(1)
    assert rows[CALENDAR_SLO]["calendar"] == "this month (Asia/Kolkata)"
    assert all(r["calendar"] == "" and r["calendar_budget_remaining"] is None for i, r in rows.items()
               if i != CALENDAR_SLO)
    table = _status(url, spec, "--service", "checkout")
    assert "BUDGET LEFT CALENDAR" in table.splitlines()[0]
    line = next(line for line in table.splitlines() if line.startswith(CALENDAR_SLO + " "))
    assert f"{want * 100:.1f}% this month (Asia/Kolkata)" in line
