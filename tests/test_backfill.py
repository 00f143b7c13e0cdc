"""`obsgen backfill` against a real Prometheus on a loopback port, and its errors."""

from __future__ import annotations

import itertools
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from obsgen import backfill, names, pipeline
from tests.conftest import EXAMPLES, PATIENCE, require_tool, run_obsgen

HOURS = 3


def test_passes_follow_the_dependencies(example_plan):
    steps = backfill.passes(example_plan)
    written: set[str] = set()
    for step in steps:
        for group in step.groups:
            for rule in group["rules"]:
                own = rule["labels"][names.SLOTH_ID]
                for name, sloth_id in backfill._reads(rule["expr"]):
                    if name.startswith("slo:") and sloth_id == own:
                        assert (name, sloth_id) in written, f"pass {step.number}: {rule['record']} reads {name}"
        written |= {(r["record"], r["labels"][names.SLOTH_ID]) for g in step.groups for r in g["rules"]}
    assert not any("alert" in r for s in steps for g in s.groups for r in g["rules"])
    first = {r["record"] for g in steps[0].groups for r in g["rules"]}
    assert names.SLI_TOTAL_RATE in first and names.PERIOD_BUDGET_REMAINING not in first


def test_a_missing_server_is_a_clear_error():
    done = run_obsgen("backfill", str(EXAMPLES), "--url", f"http://127.0.0.1:{_free_port()}", "--start", "0",
                      "--end", "3600")
    assert done.returncode == 1
    assert "cannot reach Prometheus at http://127.0.0.1:" in done.stderr and "Traceback" not in done.stderr


def test_a_missing_promtool_is_a_clear_error():
    done = run_obsgen("backfill", str(EXAMPLES), "--url", "http://127.0.0.1:1", "--start", "0", "--end", "3600",
                      env={"PATH": "/nonexistent"})
    assert done.returncode == 1
    assert "promtool not found" in done.stderr and "Traceback" not in done.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _raw_history(path: Path, plan, start: int, end: int) -> None:
    """checkout-availability's counters, every minute: 1000 requests a minute, 1% failing."""
    slo = next(s for svc in plan.services for s in svc.slos if s.id == "checkout-availability")
    lines = []
    for fixture in slo.sli.fixture:
        name = fixture.series.partition("{")[0]
        base = name.removesuffix("_total")
        lines.append(f"# TYPE {base} counter")
        lines += [f"{fixture.series} {(fixture.bad * 10 + fixture.good * 990) * i} {start + 60 * i}"
                  for i in range((end - start) // 60 + 1)]
    path.write_text("\n".join(lines) + "\n# EOF\n")


@pytest.fixture
def prometheus(tmp_path, example_plan):
    """A Prometheus on a free loopback port, holding 3 hours of raw history ending 3 hours ago."""
    binary, promtool = require_tool("prometheus"), require_tool("promtool")
    end = (int(time.time()) // 3600 - 3) * 3600
    start = end - HOURS * 3600
    data = tmp_path / "data"
    _raw_history(tmp_path / "raw.om", example_plan, start, end)
    subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", "--quiet", str(tmp_path / "raw.om"),
                    str(data)], check=True, timeout=PATIENCE, capture_output=True)
    (tmp_path / "prometheus.yml").write_text("global: {}\n")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([binary, f"--config.file={tmp_path / 'prometheus.yml'}",
                             f"--storage.tsdb.path={data}", "--storage.tsdb.retention.time=3650d",
                             f"--web.listen-address=127.0.0.1:{port}", "--log.level=error"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + PATIENCE
        while True:
            try:
                with urllib.request.urlopen(f"{url}/-/ready", timeout=PATIENCE):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail(f"prometheus did not become ready within {PATIENCE} s")
                time.sleep(0.5)
        yield url, start, end
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=PATIENCE)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_the_first_pass_backfills_the_5m_rates(prometheus, tmp_path):
    url, start, end = prometheus
    out = tmp_path / "blocks"
    done = run_obsgen("backfill", str(EXAMPLES), "--url", url, "--start", str(start + 600), "--end", str(end),
                      "--out", str(out))
    assert done.returncode == 0, done.stderr
    steps = len(backfill.passes(pipeline.plan(EXAMPLES)))
    assert f"pass 1/{steps}" in done.stdout and "run this command again" in done.stdout
    (out / "pass-1" / "wal").mkdir(exist_ok=True)  # `tsdb dump` opens the directory as a whole TSDB
    dump = subprocess.run([require_tool("promtool"), "tsdb", "dump", str(out / "pass-1"),
                           '--match={__name__="slo:sli_total:rate5m",sloth_id="checkout-availability"}'],
                          capture_output=True, text=True, timeout=PATIENCE, check=True).stdout.splitlines()
    stamps = sorted(int(line.split()[-1]) / 1000 for line in dump)
    assert start + 600 <= stamps[0] < start + 660 and end - 60 < stamps[-1] <= end, (stamps[0], stamps[-1])
    for before, after in itertools.pairwise(stamps):
        assert after - before == pytest.approx(60) or _promtool_block_gap(before, after), (before, after)
    # 1000 requests a minute is 16.67 a second
    assert all(abs(float(line.split()[-2]) - 1000 / 60) < 1e-6 for line in dump), dump[:3]


BLOCK = 2 * 3600


def _promtool_block_gap(before: float, after: float) -> bool:
    """promtool ends each 2h block's range query at a whole second (cmd/promtool/rules.go), so a group
    whose evaluation offset (a hash of its name and file) falls in a minute's last second loses the
    evaluation just before each block boundary: one missing sample, right there, nothing else."""
    missing = before + 60
    return after - before == pytest.approx(120) and BLOCK - 1 < missing % BLOCK < BLOCK
