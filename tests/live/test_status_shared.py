"""`obsgen status` in shared mode: one Prometheus holds every environment's series (as Mimir or AMP
does), told apart by the environment label. The bundled examples with `metrics: {mode: shared}` run
their generated rules on live synthetic traffic of two environments: production has checkout availability
in total outage, staging runs every SLO at 1 error in 500; dev (where search also runs) sends nothing.

Each SLO has a row per environment it runs in, each row's numbers and state come from that
environment's series only, a page reaches whom the generated route tests say for that environment,
an environment without traffic reads no-data, and --environment chooses rows."""

from __future__ import annotations

import json
import shutil
import time

import pytest
import yaml

from obsgen import pipeline
from tests.builders import obsgen_cli
from tests.conftest import EXAMPLES, PATIENCE, run_obsgen
from tests.live.traffic import OUTAGE, RATIO, expected_state, scraping, settled, traffic

TRAFFIC = ("production", "staging")


def _ratio(slo_id: str, env: str) -> float:
    return 1.0 if (slo_id, env) == (OUTAGE, "production") else RATIO


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    spec_dir = tmp_path_factory.mktemp("shared") / "slos"
    shutil.copytree(EXAMPLES, spec_dir)
    platform = spec_dir / "platform.yaml"
    platform.write_text(platform.read_text() + "  metrics: {mode: shared}\n")
    done = pipeline.run(spec_dir, spec_dir.parent / "out")
    return spec_dir, done.plan, done.files


@pytest.fixture(scope="module")
def server(tmp_path_factory, shared):
    """Production's and staging's traffic, each scraped with its environment as target label (as a
    cluster's Prometheus remote-writing to a shared store labels it), their series carrying it."""
    _, plan, files = shared
    label = plan.metrics.environment_label
    slos = [slo.id for s in plan.services for slo in s.slos]
    traffics = [(traffic(plan, {i: _ratio(i, env) for i in slos}, {label: env}), {label: env}) for env in TRAFFIC]
    with scraping(tmp_path_factory.mktemp("status-shared"), files, traffics) as url:
        yield url


def _status(url: str, spec_dir, *args: str) -> dict:
    """`obsgen status --format json` in this process (tests.builders.obsgen_cli): polled every second
    until the rows settle; the table below runs the CLI in its own process, as users do."""
    done = obsgen_cli("status", "--url", url, "--format", "json", *args, str(spec_dir))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def rows(server, shared):
    spec_dir, plan, _ = shared
    slos = {slo.id: slo for s in plan.services for slo in s.slos}
    deadline = time.monotonic() + PATIENCE
    while True:
        found = _status(server, spec_dir)
        assert found["mode"] == "shared"
        live = [r for r in found["rows"] if r["environment"] in TRAFFIC]
        if all(settled(r) and r["state"] == expected_state(slos[r["id"]], _ratio(r["id"], r["environment"]))
               for r in live):
            return found["rows"]
        assert time.monotonic() < deadline, found
        time.sleep(1)


def _route_receivers(files: dict[str, str], service: str, alert: str, env: str) -> list[str]:
    cases = yaml.safe_load(files["alerts/alertmanager/routes.test.yaml"])["alerts"]
    found = [c["receivers"] for c in cases
             if c["rule"] == f"alerts/rules/{service}.rules.yaml:{alert}" and c["environment"] == env]
    assert found, (service, alert, env)
    return found[0]


def test_a_row_per_slo_and_environment_from_that_environments_series(rows, shared):
    _, plan, files = shared
    slos = {slo.id: slo for s in plan.services for slo in s.slos}
    assert sorted((r["id"], r["environment"]) for r in rows) == sorted(
        (slo.id, env) for slo in slos.values() for env in slo.environment.environments)
    for row in rows:
        slo = slos[row["id"]]
        if row["environment"] not in TRAFFIC:  # dev: no series at all
            assert row["state"] == "no-data" and row["sli_5m"] is None and row["alerts"] == []
            continue
        ratio = _ratio(row["id"], row["environment"])
        assert row["sli_5m"] == pytest.approx(1 - ratio, abs=1e-9), row
        assert row["budget_remaining"] == pytest.approx(1 - ratio / slo.budget, rel=1e-6)
        assert all(b == pytest.approx(ratio / slo.budget, rel=1e-6) for b in row["burn"].values())
        assert row["state"] == expected_state(slo, ratio)
        for alert in (a for a in row["alerts"] if a.get("sloth_severity") == "page"):
            assert row["pages"] == _route_receivers(files, slo.service, alert["alertname"], row["environment"])
    outage = {r["environment"]: r for r in rows if r["id"] == OUTAGE}
    assert outage["production"]["state"] == "page" and outage["staging"]["state"] != "page"
    assert outage["production"]["alerts"] and not any(a.get("sloth_severity") == "page"
                                                      for a in outage["staging"]["alerts"])


def test_environment_filter(server, shared, rows):
    spec_dir = shared[0]
    staging = _status(server, spec_dir, "--environment", "staging")["rows"]
    assert staging and {r["environment"] for r in staging} == {"staging"}
    assert len(staging) == sum(r["environment"] == "staging" for r in rows)
    table = run_obsgen("status", "--url", server, str(spec_dir))
    assert table.returncode == 0, table.stderr
    first = table.stdout.splitlines()[1].split()
    assert first[:2] == [OUTAGE, "production"] and "page" in first
