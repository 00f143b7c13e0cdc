"""Every bad input of `obsgen backfill` fails before the first pass, in one line naming the fix,
with nothing written: no --out folder, nothing in any data directory."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from obsgen import names, pipeline
from obsgen.backfill.server import Server
from obsgen.errors import ToolError
from obsgen.render import prometheus_rules
from tests import builders
from tests.backfill.prometheus import Prometheus, write_blocks
from tests.builders import free_port, obsgen_cli
from tests.conftest import run_obsgen

HOUR = 3600
SLOS = """\
    - name: availability
      objective: 99.5
      period: 7d
      sli:
        events:
          error_query: sum(rate(app_requests_total{{code="500"}}[{{{{window}}}}]))
          total_query: sum(rate(app_requests_total[{{{{window}}}}])){suffix}
"""


@pytest.fixture(scope="module")
def spec_dir(tmp_path_factory) -> Path:
    app = builders.service("app", SLOS.format(suffix=""))
    return builders.write_specs(tmp_path_factory.mktemp("spec"), {"app.yaml": app})


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Two hours of raw history ending four hours ago, and the SLO's 5m rate already recorded in its
    last half hour (as if the rules had started recording then)."""
    folder = tmp_path_factory.mktemp("server")
    end = (int(time.time()) // HOUR - 4) * HOUR
    start = end - 2 * HOUR
    lines = ["# TYPE app_requests counter"]
    lines += [f'app_requests_total{{code="{c}"}} {m * n} {start + 60 * m}' for c, n in (("200", 990), ("500", 10))
              for m in range(121)]
    lines += [f'{names.SLI_TOTAL_RATE}{{sloth_id="app-availability"}} 16.5 {t}' for t in range(end - 1800, end, 60)]
    write_blocks("\n".join(lines) + "\n# EOF\n", folder, folder / "data")
    prometheus = Prometheus(folder, folder / "data")
    prometheus.start()
    yield prometheus, start, end
    prometheus.stop()


def _fails(*args: str, spec: Path, out: Path, contains: str) -> str:
    """In this process (the same CLI, its stderr and exit code; an exception that escaped it fails the
    test): ten processes fewer. test_a_missing_promtool_is_a_clear_error runs the real process."""
    done = obsgen_cli("backfill", str(spec), *args, "--out", str(out))
    assert done.returncode == 1, done.stdout
    assert contains in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not out.exists(), list(out.rglob("*"))
    return done.stderr


@pytest.mark.parametrize(("start", "end", "contains"), [
    ("yesterday", "0", "--start 'yesterday' is not a time: give RFC3339 with a zone (2024-05-01T00:00:00Z) or Unix"),
    ("2024-05-01T00:00:00", "2024-05-02T00:00:00Z", "--start '2024-05-01T00:00:00' is not a time"),
    ("7200", "3600", "--end 3600 is not after --start 7200"),
    ("0", "4102444800", "--end 4102444800 is in the future"),
    ("nan", "3600", "--start 'nan' is not a time"),
])
def test_a_bad_time_is_refused_before_the_server_is_asked(spec_dir, tmp_path, start, end, contains):
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens: an error about it would mean it was asked
    _fails("--url", url, "--start", start, "--end", end, spec=spec_dir, out=tmp_path / "out", contains=contains)


def test_a_data_dir_that_is_not_the_servers_is_refused_before_anything_moves(spec_dir, server, tmp_path):
    prometheus, start, end = server
    empty = tmp_path / "empty"
    empty.mkdir()
    _fails("--url", prometheus.url, "--start", str(start), "--end", str(end - 1800), "--data-dir", str(empty),
           spec=spec_dir, out=tmp_path / "out", contains=f"--data-dir {empty} is not the data directory of the"
           f" Prometheus at {prometheus.url} (it stores blocks in {prometheus.data})")
    assert not any(empty.iterdir())


def test_the_servers_own_data_dir_is_accepted(server):
    prometheus, _, _ = server
    Server(prometheus.url).check_data_dir(prometheus.data)
    with pytest.raises(ToolError, match="is not the data directory"):
        Server(prometheus.url).check_data_dir(prometheus.data / "wal")


def test_a_range_the_rules_already_recorded_is_refused_with_the_end_to_pass(spec_dir, server, tmp_path):
    prometheus, start, end = server
    first = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(end - 1800))
    _fails("--url", prometheus.url, "--start", str(start), "--end", str(end), spec=spec_dir, out=tmp_path / "out",
           contains=f'Prometheus already holds {names.SLI_TOTAL_RATE}{{sloth_id="app-availability"}} from'
           f" {first}.000Z, before --end")


_OTHER = ' or label_replace(sum(rate(app_requests_total[5m])), "sloth_id", "other", "", "")'


def test_a_rule_failing_mid_pass_leaves_no_pass_folder(tmp_path, server):
    """A total query whose `or` adds a series differing only in a label the rule sets: two results
    with the same labels once the rule's labels are applied (live evaluation fails such a rule too)."""
    prometheus, start, end = server
    spec = builders.write_specs(tmp_path, {"app.yaml": builders.service("app", SLOS.format(suffix=_OTHER))})
    _fails("--url", prometheus.url, "--start", str(start), "--end", str(end - 1800), spec=spec, out=tmp_path / "out",
           contains="two results with the same labels at one time")


def test_live_rules_are_refused_until_the_hand_over_hours_are_summed(spec_dir, tmp_path):
    """The server evaluates the SLO's rules: backfilled copies of --end's hour must not arrive while
    the live rules may still sum that hour."""
    rules = tmp_path / "app.rules.yaml"
    rules.write_text(pipeline.run(spec_dir).files["alerts/rules/app.rules.yaml"], encoding="utf-8")
    prometheus = Prometheus(tmp_path, tmp_path / "data", f"rule_files: [{rules}]\n")
    prometheus.start()
    try:
        service = pipeline.run(spec_dir, render=False).plan.services[0]
        assert {g["name"] for g in prometheus_rules.service_groups(service)} <= \
            Server(prometheus.url).loaded_groups()
        now = int(time.time())
        _fails("--url", prometheus.url, "--start", str(now - 7200), "--end", str(now - 600), spec=spec_dir,
               out=tmp_path / "out", contains=f"the rules are running in Prometheus at {prometheus.url}"
               " (obsgen-slo-app-availability...): run the backfill after")
    finally:
        prometheus.stop()


def test_a_missing_server_is_a_clear_error(spec_dir, tmp_path):
    _fails("--url", f"http://127.0.0.1:{free_port()}", "--start", "0", "--end", "3600", spec=spec_dir,
           out=tmp_path / "out", contains="cannot reach Prometheus at http://127.0.0.1:")


def test_a_missing_promtool_is_a_clear_error(spec_dir, tmp_path):
    done = run_obsgen("backfill", str(spec_dir), "--url", "http://127.0.0.1:1", "--start", "0", "--end", "3600",
                      env={"PATH": "/nonexistent"})
    assert done.returncode == 1
    assert "promtool not found" in done.stderr and "Traceback" not in done.stderr
