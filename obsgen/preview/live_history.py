"""History for a live session's Prometheus, written before it starts, so every window is full.

Without it a window holds only what was scraped since the start, and a 1h window reads an outage of
a minute as an hour of it. The traffic's past (healthy, or the stretches a scenario asks for) goes
into the data directory as TSDB blocks: the raw series with `promtool tsdb create-blocks-from
openmetrics`, then the recorded series every window is summed from (the base-window rates, and the
runs of them the 1h window adds up: burnrate.tile_runs), with
obsgen's own backfill passes (`obsgen.backfill`), evaluated at the session's evaluation interval:
a window mixing samples 60 s apart with samples 30 s apart would weigh the live ones double. Those
passes need a server holding the raw history: a Prometheus without rules, on the same directory,
started for them and stopped before the session's own starts (blocks present at start are loaded
at once; blocks added later wait for a reload, about a minute).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from obsgen import backfill, names, yamlio
from obsgen.backfill import evaluate
from obsgen.backfill import run as backfill_run
from obsgen.backfill.server import Server
from obsgen.plan.model import Plan
from obsgen.preview.live_procs import LiveError, Process, free_port
from obsgen.preview.live_traffic import Segment, Traffic
from obsgen.preview.serve import LOOPBACK

PROMTOOL_TIMEOUT = 600
# what every alert window is recorded from: without the runs' history, the 1h window would fall back
# to the sum of every 5m rate for its first 45 minutes, and fill along that ramp
BASE_RATES = (names.SLI_ERROR_RATE, names.SLI_TOTAL_RATE, *(names.tile_run(kind) for kind in ("error", "total")))


def needed_passes(plan: Plan) -> list[backfill.Pass]:
    """The backfill passes up to the one that writes the last base-window rate or run of them: every
    alert window is recorded from those (or from raw series, whose history is already there)."""
    steps = backfill.passes(plan)
    last = max((s.number for s in steps if any(r.split("{")[0] in BASE_RATES for r in s.records)), default=0)
    return [s for s in steps if s.number <= last]


def write(plan: Plan, traffic: Traffic, data: Path, work: Path, seconds: float, step: float, evaluation: str,
          tools: dict[str, str], profile: dict[str, list[Segment]] | None = None) -> float:
    """Fill `data` with `seconds` of history ending now; return the history's end (Unix time)."""
    end = round(time.time(), 3)
    start = end - seconds
    work.mkdir(parents=True, exist_ok=True)
    source = work / "history.om"
    source.write_text(traffic.history(start, end, step, profile), encoding="utf-8")
    _promtool(tools["promtool"], ["tsdb", "create-blocks-from", "openmetrics", str(source), str(data)])
    source.unlink()
    steps = needed_passes(plan)
    if not steps:
        return end
    address = f"{LOOPBACK}:{free_port()}"
    config = work / "history-prometheus.yml"
    # The backfill evaluates on the grid of the server's global evaluation interval: the live one.
    config.write_text(yamlio.dump({"global": {"scrape_interval": "1h", "evaluation_interval": evaluation}}),
                      encoding="utf-8")
    url = f"http://{address}"
    start_ms, end_ms = round(start * 1000), round(end * 1000)
    for step_ in steps:  # each pass reads the blocks of the ones before: a fresh start loads them
        server = Process("history-prometheus", [
            tools["prometheus"], f"--config.file={config}", f"--storage.tsdb.path={data}",
            f"--web.listen-address={address}"], work / "history-prometheus.log", work)
        try:
            server.wait_ready(f"{url}/-/ready")
            api = Server(url)
            marker = evaluate.marker(step_, len(steps), "live-history", end_ms)
            blocks = backfill_run.run_pass(api, tools["promtool"], step_, start_ms, end_ms, end_ms,
                                           backfill_run.group_intervals(api, steps), marker, work / "passes")
        finally:
            server.stop()
        for block in backfill_run.block_dirs(blocks):
            block.rename(data / block.name)
    return end


def _promtool(tool: str, args: list[str]) -> None:
    try:
        done = subprocess.run([tool, *args], capture_output=True, text=True, timeout=PROMTOOL_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise LiveError(f"promtool {args[0]} did not finish within {PROMTOOL_TIMEOUT}s") from None
    if done.returncode != 0:
        raise LiveError(f"promtool {' '.join(args[:3])} failed:\n{(done.stderr or done.stdout)[-2000:]}")
