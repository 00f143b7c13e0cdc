"""A real Prometheus on a free loopback port over a data directory, restartable, for backfill tests."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.builders import free_port
from tests.conftest import PATIENCE, require_tool


def write_blocks(openmetrics: str, folder: Path, data: Path) -> None:
    """Raw history into TSDB blocks, as an operator would import it."""
    text = folder / "raw.om"
    text.write_text(openmetrics, encoding="utf-8")
    subprocess.run([require_tool("promtool"), "tsdb", "create-blocks-from", "openmetrics", "--quiet", str(text),
                    str(data)], check=True, timeout=PATIENCE, capture_output=True)


class Prometheus:
    """Prometheus over `data` with `config` (YAML text); start() and stop() as often as needed."""

    def __init__(self, folder: Path, data: Path, config: str = "global: {}\n"):
        self.binary = require_tool("prometheus")
        self.data, self.config = data, folder / "prometheus.yml"
        self.config.write_text(config, encoding="utf-8")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, f"--config.file={self.config}", f"--storage.tsdb.path={self.data}",
             "--storage.tsdb.retention.time=3650d", f"--web.listen-address=127.0.0.1:{self.port}",
             "--log.level=error"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + PATIENCE
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=PATIENCE):
                    return
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    pytest.fail(f"prometheus did not become ready within {PATIENCE} s")
                time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=PATIENCE)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def query(self, expr: str, at: float) -> list[dict]:
        data = urllib.parse.urlencode({"query": expr, "time": f"{at:.3f}"}).encode()
        with urllib.request.urlopen(urllib.request.Request(f"{self.url}/api/v1/query", data=data),
                                    timeout=PATIENCE) as response:
            return json.load(response)["data"]["result"]

    def version(self) -> int:
        with urllib.request.urlopen(f"{self.url}/api/v1/status/buildinfo", timeout=PATIENCE) as response:
            return int(json.load(response)["data"]["version"].split(".")[0])
