"""The Prometheus that holds the raw series: its query API, its rules, its data directory."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from obsgen import durations, yamlio
from obsgen.errors import ToolError

# Generous: a day of a period rule on a busy server is slow, and a slow answer is not a failure.
REQUEST_TIMEOUT = 600


def seconds_text(ms: int) -> str:
    """Milliseconds as the API's seconds, exactly (no float rounding)."""
    return f"{ms // 1000}.{ms % 1000:03d}"


class Server:
    def __init__(self, url: str):
        self.url = url.rstrip("/")

    def api(self, path: str, params: dict | None = None, post: bool = True) -> dict:
        """The `data` of an API answer; POSTed as a form by default, so that long queries fit."""
        target = f"{self.url}{path}"
        data = urllib.parse.urlencode(params or {}, doseq=True).encode()
        request = urllib.request.Request(target, data=data) if post else urllib.request.Request(target)
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                return json.load(response).get("data")
        except urllib.error.HTTPError as exc:  # it answered: say what it said, not that it is down
            try:
                said = json.load(exc).get("error") or exc.reason
            except (ValueError, OSError):
                said = exc.reason
            raise ToolError(f"Prometheus at {self.url} refused {path} ({exc.code}: {said})") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ToolError(f"cannot reach Prometheus at {self.url} ({reason}): start it, or pass --url") from None

    def text(self, path: str) -> str:
        try:
            with urllib.request.urlopen(f"{self.url}{path}", timeout=REQUEST_TIMEOUT) as response:
                return response.read().decode()
        except (urllib.error.URLError, OSError) as exc:
            raise ToolError(f"cannot read {self.url}{path} ({getattr(exc, 'reason', exc)})") from None

    def query(self, expr: str, at_ms: int) -> list[dict]:
        return self.api("/api/v1/query", {"query": expr, "time": seconds_text(at_ms)})["result"]

    def query_range(self, expr: str, first_ms: int, last_ms: int, step_ms: int) -> list[dict]:
        return self.api("/api/v1/query_range", {"query": expr, "start": seconds_text(first_ms),
                                                "end": seconds_text(last_ms), "step": seconds_text(step_ms)})["result"]

    def holds(self, selectors: tuple[str, ...], first_ms: int, last_ms: int) -> bool:
        """Whether any of these series has a sample in [first, last] (the series API would also name
        series of a block or the head that merely overlaps the range)."""
        expr = " or ".join(f"count_over_time({s}[{last_ms - first_ms}ms] @ {seconds_text(last_ms)})"
                           for s in selectors)
        return bool(self.query(expr, last_ms))

    def first_sample_ms(self, selector: str, first_ms: int, last_ms: int) -> int | None:
        """The earliest sample of a series in [first, last], to the minute's sample (for messages)."""
        expr = (f"min(min_over_time((timestamp({selector}) >= {seconds_text(first_ms)})"
                f"[{last_ms - first_ms}ms:1m] @ {seconds_text(last_ms)}))")
        found = self.query(expr, last_ms)
        return round(float(found[0]["value"][1]) * 1000) if found else None

    def global_interval_ms(self) -> int:
        """The global evaluation_interval: live, a group without its own interval runs at it."""
        config = yamlio.load(self.api("/api/v1/status/config", post=False)["yaml"]) or {}
        return round(durations.seconds((config.get("global") or {}).get("evaluation_interval", "1m")) * 1000)

    def loaded_groups(self) -> set[str]:
        return {g["name"] for g in self.api("/api/v1/rules", post=False).get("groups", [])}

    def check_data_dir(self, data_dir: Path) -> None:
        """Refuse a --data-dir that is not this server's, before anything is moved into it: its
        storage.tsdb.path (relative to its working directory), or, where it sees the directory at
        another path (a container's volume), the same lock file and current WAL segment."""
        flag = self.api("/api/v1/status/flags", post=False).get("storage.tsdb.path", "")
        cwd = self.api("/api/v1/status/runtimeinfo", post=False).get("CWD", "")
        served = Path(cwd, flag) if cwd else Path(flag)
        if _same(served, data_dir) or self._same_wal(data_dir):
            return
        raise ToolError(f"--data-dir {data_dir} is not the data directory of the Prometheus at {self.url} (it"
                        f" stores blocks in {served}): pass that directory, or leave --data-dir out and move"
                        " each pass's blocks there yourself")

    def _same_wal(self, data_dir: Path) -> bool:
        segments = [int(p.name) for p in (data_dir / "wal").glob("[0-9]*") if p.name.isdigit()]
        if not (data_dir / "lock").exists() or not segments:
            return False
        for line in self.text("/metrics").splitlines():
            if line.startswith("prometheus_tsdb_wal_segment_current "):
                return int(float(line.split()[1])) == max(segments)
        return False


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
