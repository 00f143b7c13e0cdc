"""`obsgen backfill`: every input checked, then the passes the server lacks, then the hand-over.

The hand-over at --end (T): the backfill owns every sample before T of every recorded series, the
live rules every sample from T on (they must start recording at or after T: a server already
holding a recorded series before T is refused). Hour sums are additive: the sum of the hour T
falls in is recorded at the next hour's first minute by the backfill (the copies before T) and by
the live rules (the copies they wrote from T on). A live rule sums an hour during the next one
from the copies present then, so while the rules are running, backfilled copies of T's hour must
not appear before that next hour is over: with live rules, the backfill starts only then.
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from obsgen import durations, names, promql
from obsgen.backfill import evaluate
from obsgen.backfill.passes import Pass, passes
from obsgen.backfill.server import Server
from obsgen.errors import ToolError
from obsgen.plan.model import Plan
from obsgen.render import prometheus_rules

LOAD_TIMEOUT = 900  # the server picks new blocks up about once a minute; a busy one takes longer
# After the hour following T's hour ends, the live roll-ups need an evaluation (every 5m, or 2m30s
# in a period group) in the hour after before backfilled copies of T's hour may appear: two of
# their intervals' margin.
LIVE_MARGIN_MS = 10 * 60_000


def promtool() -> str:
    found = shutil.which("promtool")
    if not found:
        raise ToolError("promtool not found: install Prometheus' promtool (Debian package `prometheus`)")
    return found


def parse_time(text: str, flag: str) -> int:
    """RFC3339 or Unix seconds, as milliseconds since the epoch."""
    try:
        seconds = float(text)
    except ValueError:
        try:
            stamp = datetime.fromisoformat(text.strip().replace("z", "Z").replace("Z", "+00:00"))
        except ValueError:
            stamp = None
        if stamp is None or stamp.tzinfo is None:
            raise ToolError(f"{flag} {text!r} is not a time: give RFC3339 with a zone (2024-05-01T00:00:00Z) or"
                            " Unix seconds") from None
        seconds = stamp.timestamp()
    if not math.isfinite(seconds) or seconds < 0:
        raise ToolError(f"{flag} {text!r} is not a time: give RFC3339 (2024-05-01T00:00:00Z) or Unix seconds")
    return round(seconds * 1000)


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def time_range(start: str, end: str, now_ms: int) -> tuple[int, int]:
    start_ms, end_ms = parse_time(start, "--start"), parse_time(end, "--end")
    if end_ms <= start_ms:
        raise ToolError(f"--end {end} is not after --start {start}: the backfill writes [--start, --end)")
    if end_ms > now_ms:
        raise ToolError(f"--end {end} is in the future ({iso(end_ms)}; now is {iso(now_ms)}): pass the time the"
                        " rules started recording, or now if they are not running yet")
    return start_ms, end_ms


def group_intervals(server: Server, steps: list[Pass]) -> dict:
    out = {None: server.global_interval_ms()}
    for group in (g for s in steps for g in s.groups if g.get("interval")):
        out[group["interval"]] = round(durations.seconds(group["interval"]) * 1000)
    return out


def _live_check(server: Server, plan: Plan, end_ms: int, now_ms: int) -> None:
    groups = {g["name"] for svc in plan.services for slo in svc.slos for g in prometheus_rules.groups_for(slo)}
    live = sorted(groups & server.loaded_groups())
    hour, _ = evaluate.tail_at(end_ms)
    ready = hour + 2 * evaluate.HOUR_MS + LIVE_MARGIN_MS
    if live and now_ms < ready:
        raise ToolError(f"the rules are running in Prometheus at {server.url} ({live[0]}...): run the backfill after"
                        f" {iso(ready)}, once the live rules have summed --end's hour and the next from their own"
                        " samples (backfilled copies of that hour arriving earlier would be counted twice)")


def _overlap_check(server: Server, step: Pass, start_ms: int, end_ms: int) -> None:
    if not server.holds(step.records, start_ms - 1, end_ms - 1):
        return
    for record in step.records:
        first = server.first_sample_ms(record, start_ms, end_ms - 1)
        if first is not None:
            raise ToolError(f"Prometheus already holds {record} from {iso(first)}, before --end {iso(end_ms)}: the"
                            " backfill owns every sample before --end, the live rules every one after it; if they"
                            f" started recording then, pass --end {iso(first // 1000 * 1000)}")


def _marker_selector(step: Pass, total: int, digest: str) -> str:
    return promql.selector(names.BACKFILL_PASS, {"pass": f"{step.number}/{total}", "backfill": digest})


def _digest(steps: list[Pass], start_ms: int, end_ms: int) -> str:
    text = "\n".join([str(start_ms), str(end_ms), *(r for s in steps for r in s.records)])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _remove_if_empty(path: Path, created: bool) -> None:
    if created and path.is_dir() and not any(path.iterdir()):
        path.rmdir()


def run_pass(server: Server, tool: str, step: Pass, start_ms: int, end_ms: int, now_ms: int, intervals: dict,
             last_text: str, out: Path) -> Path:
    """Write the pass's blocks under out/pass-N; on any failure, nothing of it stays."""
    target = out / f"pass-{step.number}"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    try:
        with tempfile.TemporaryDirectory(prefix="obsgen-backfill-") as work:
            evaluate.write_pass(server, tool, step, start_ms, end_ms, now_ms, intervals, last_text, Path(work), target)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return target


def block_dirs(blocks: Path) -> list[Path]:
    """The pass's block directories, those under last/ (the marker's) at the end."""
    def ulids(folder: Path) -> list[Path]:
        return sorted(p for p in folder.iterdir() if p.is_dir() and len(p.name) == 26)
    return ulids(blocks) + ulids(blocks / "last")


def load_blocks(blocks: Path, data_dir: Path, server: Server, marker: str, end_ms: int, say) -> None:
    """Move a pass's blocks into the server's data directory (each under a name the server ignores
    until the final rename, so it never opens a half-copied block; the marker's block last), then
    wait until it serves the marker."""
    moved = block_dirs(blocks)
    for block in moved:
        staged = data_dir / f"{block.name}.tmp-for-creation"
        shutil.move(str(block), str(staged))
        os.rename(staged, data_dir / block.name)
    shutil.rmtree(blocks)
    say(f"  moved {len(moved)} block(s) into {data_dir}; waiting for Prometheus to load them")
    deadline = time.monotonic() + LOAD_TIMEOUT
    while not server.holds((marker,), end_ms - 2000, end_ms - 1):
        if time.monotonic() > deadline:
            raise ToolError(f"Prometheus at {server.url} did not load the blocks moved into {data_dir} within"
                            f" {LOAD_TIMEOUT}s (it picks blocks up about once a minute): once it serves them, run this"
                            " command again")
        time.sleep(2)


def backfill(plan: Plan, url: str, start: str, end: str, out: Path, data_dir: Path | None, say=print,
             now_ms: int | None = None) -> int:
    """Check every input, then run the passes the server still lacks; return how many it lacks
    afterwards (without --data-dir, the one just written counts until it is moved in)."""
    tool = promtool()
    now_ms = now_ms if now_ms is not None else round(time.time() * 1000)
    start_ms, end_ms = time_range(start, end, now_ms)
    if out.exists() and not out.is_dir():
        raise ToolError(f"--out {out} is a file: pass a directory for the passes' blocks")
    steps = passes(plan)
    server = Server(url)
    server.api("/api/v1/status/buildinfo", post=False)  # a clear error when nothing listens there
    if data_dir is not None:
        server.check_data_dir(data_dir)
    intervals = group_intervals(server, steps)
    _live_check(server, plan, end_ms, now_ms)
    digest = _digest(steps, start_ms, end_ms)
    markers = [_marker_selector(s, len(steps), digest) for s in steps]
    done = [server.holds((m,), end_ms - 2000, end_ms - 1) for m in markers]
    for step, finished in zip(steps, done, strict=True):
        if not finished:
            _overlap_check(server, step, start_ms, end_ms)
    created = not out.exists()
    try:
        return _run(server, tool, steps, done, markers, start_ms, end_ms, now_ms, intervals, digest, out,
                    data_dir, say)
    finally:
        _remove_if_empty(out, created)


def _run(server, tool, steps, done, markers, start_ms, end_ms, now_ms, intervals, digest, out, data_dir, say) -> int:
    for step, finished, marker in zip(steps, done, markers, strict=True):
        if finished:
            say(f"pass {step.number}/{len(steps)}: already in Prometheus")
            continue
        last_text = evaluate.marker(step, len(steps), digest, end_ms)
        blocks = run_pass(server, tool, step, start_ms, end_ms, now_ms, intervals, last_text, out)
        say(f"pass {step.number}/{len(steps)}: {sum(len(g['rules']) for g in step.groups)} rules -> {blocks}")
        if data_dir is None:
            left = len(steps) - step.number
            more = (f" and run this command again: {left} more pass(es) read what this one wrote" if left else
                    " and run this command again to check that it serves them: this was the last pass")
            say(f"move the blocks of {blocks} (those under last/ at the end) into Prometheus' data directory,"
                f" wait a minute for it to load them,{more}.")
            return left + 1
        load_blocks(blocks, data_dir, server, marker, end_ms, say)
    return 0
