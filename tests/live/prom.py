"""A real Prometheus on a free loopback port, holding synthetic raw series written with promtool
(`tsdb create-blocks-from openmetrics`) before it starts, and optionally evaluating rule files."""

from __future__ import annotations

import contextlib
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.builders import free_port
from tests.conftest import PATIENCE, require_tool

MINUTE = 60



def openmetrics(series: dict[str, float], start: int, end: int) -> str:
    """Each series (`name{labels}`) every minute from start to end, growing by its rate a minute
    (0: a series that exists and stays flat)."""
    lines = [f"{name} {rate * i} {t}" for name, rate in series.items()
             for i, t in enumerate(range(start, end + 1, MINUTE))]
    return "\n".join(lines) + "\n# EOF\n"


def _wait_ready(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + PATIENCE
    while True:
        try:
            with urllib.request.urlopen(f"{url}/-/ready", timeout=PATIENCE):
                return
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail(f"prometheus did not become ready within {PATIENCE} s")
            time.sleep(0.3)


@contextlib.contextmanager
def prometheus(directory: Path, history: str, rules: dict[str, str] | None = None,
               config: str = "global: {evaluation_interval: 1s}\n", args: tuple[str, ...] = ()):
    """Start Prometheus on the history (OpenMetrics text) with the rule files given (and more command
    line `args`); yield its URL."""
    binary, promtool = require_tool("prometheus"), require_tool("promtool")
    data = directory / "data"
    (directory / "history.om").write_text(history)
    subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", "--quiet", str(directory / "history.om"),
                    str(data)], check=True, timeout=PATIENCE, capture_output=True)
    (directory / "rules").mkdir(exist_ok=True)
    for name, text in (rules or {}).items():
        (directory / "rules" / name).write_text(text)
    (directory / "prometheus.yml").write_text(config + ("rule_files: [rules/*.yaml]\n" if rules else ""))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([binary, f"--config.file={directory / 'prometheus.yml'}", f"--storage.tsdb.path={data}",
                             "--storage.tsdb.retention.time=3650d", f"--web.listen-address=127.0.0.1:{port}",
                             "--log.level=error", *args],
                            cwd=directory, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_ready(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=PATIENCE)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
