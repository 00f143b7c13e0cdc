"""One pass evaluated over the past, on obsgen's own grid, into TSDB blocks.

`promtool tsdb create-blocks-from rules` evaluates each group at an offset derived from a hash of
the group's name and the rules file's path, and ends each 2-hour block's query at a whole second:
the same rules written to two temporary paths gave different samples, and no hour sums at all when
the offset fell in the second minute of the period group's 2m. It also appends a rule's result
series one after the other, so where `a or b` gives the same output series from two inputs (the
error rate before an error counter exists), the earlier part was dropped as out of order.

So obsgen evaluates each rule itself with range queries on the server, at every whole multiple of
its group's interval since the epoch (a 5m or 2m30s group at every hour's first minute, among
others), merges each output series' samples in time order, and lets promtool write the blocks
from OpenMetrics text (`create-blocks-from openmetrics`), one file per UTC day. Nothing here
depends on a path, a hash or the moment it runs.
"""

from __future__ import annotations

import itertools
import subprocess
from collections.abc import Iterator
from pathlib import Path

from obsgen import names
from obsgen.backfill.passes import Pass, Tail
from obsgen.backfill.server import Server
from obsgen.errors import ToolError

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
PROMTOOL_TIMEOUT = 3600
MAX_POINTS = 10_000  # a range query answers at most 11,000 points per series


def grid(first_ms: int, end_ms: int, step_ms: int) -> tuple[int, int] | None:
    """The first and last whole multiple of step in [first, end), or None when there is none."""
    first = -(-first_ms // step_ms) * step_ms
    last = (end_ms - 1) // step_ms * step_ms
    return (first, last) if first <= last else None


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _series_text(labels: dict[str, str]) -> str:
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()) if k != "__name__")
    return f"{labels['__name__']}{{{inner}}}"


def _merge(record: str, rule_labels: dict[str, str], result: list[dict], values_key: str) -> dict[str, list]:
    """Output series -> [(ms, value text)], as the rule manager names them: the query's labels,
    the rule's labels over them, the record as the name. Two inputs may give the same output
    series (`a or b`), never at the same time: live evaluation would fail that rule too."""
    merged: dict[str, list] = {}
    for series in result:
        key = _series_text({**series["metric"], **rule_labels, "__name__": record})
        points = series[values_key] if values_key == "values" else [series[values_key]]
        merged.setdefault(key, []).extend((round(float(t) * 1000), v) for t, v in points)
    for key, points in merged.items():
        points.sort()
        if any(a[0] == b[0] for a, b in itertools.pairwise(points)):
            raise ToolError(f"{record}: two results with the same labels at one time after the rule's labels are"
                            f" applied ({key}); Prometheus would fail this rule's evaluation too")
    return merged


def _lines(merged: dict[str, list]) -> Iterator[str]:
    for key in sorted(merged):
        for ms, value in merged[key]:
            yield f"{key} {value} {ms // 1000}.{ms % 1000:03d}\n"


def _import(promtool: str, text: Path, target: Path) -> None:
    cmd = [promtool, "tsdb", "create-blocks-from", "openmetrics", "--quiet", str(text), str(target)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=PROMTOOL_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise ToolError(f"promtool did not write blocks from {text.name} within {PROMTOOL_TIMEOUT}s") from None
    if done.returncode != 0:
        raise ToolError(f"promtool failed writing blocks: {(done.stderr or done.stdout).strip()[-2000:]}")


def _write(promtool: str, lines: Iterator[str], text: Path, target: Path) -> int:
    count = 0
    with text.open("w", encoding="utf-8") as out:
        for line in lines:
            out.write(line)
            count += 1
        out.write("# EOF\n")
    if count:
        _import(promtool, text, target)
    return count


def _day_lines(server: Server, step: Pass, day: int, start_ms: int, end_ms: int, intervals: dict) -> Iterator[str]:
    for group in step.groups:
        span = grid(max(start_ms, day), min(end_ms, day + DAY_MS), intervals[group.get("interval")])
        if not span:
            continue
        step_ms = intervals[group.get("interval")]
        for rule in group["rules"]:
            result = [series for first in range(span[0], span[1] + 1, MAX_POINTS * step_ms)
                      for series in server.query_range(rule["expr"], first,
                                                       min(span[1], first + (MAX_POINTS - 1) * step_ms), step_ms)]
            yield from _lines(_merge(rule["record"], rule["labels"], result, "values"))


def tail_at(end_ms: int) -> tuple[int, int]:
    """(start of the last hour that began before --end, the time its sum is recorded)."""
    hour = (end_ms - 1) // HOUR_MS * HOUR_MS
    return hour, hour + HOUR_MS


def _tail_lines(server: Server, tail: Tail, end_ms: int, now_ms: int) -> Iterator[str]:
    """The sum of the copies the backfill wrote in the hour --end falls in, recorded at the next hour's
    first minute like every other hour sum: the live rules add the copies they wrote after --end.
    The range reaches back into the hour before, whose parity holds no copy of this one."""
    hour, at = tail_at(end_ms)
    if at > now_ms:
        return
    parity = names.HOUR_PARITIES[hour // HOUR_MS % 2]
    last = end_ms - 1
    copies = dict(tail.copies)[parity]
    expr = f"sum_over_time({copies}[{last - hour + HOUR_MS // 2}ms] @ {last // 1000}.{last % 1000:03d})"
    labels = {**dict(tail.labels), names.HOUR_PARITY: parity}
    yield from _lines(_merge(tail.record, labels, server.query(expr, at), "value"))


def marker(step: Pass, total: int, digest: str, end_ms: int) -> str:
    """The pass's own series: one sample just before --end."""
    labels = {"__name__": names.BACKFILL_PASS, "pass": f"{step.number}/{total}", "backfill": digest}
    at = end_ms - 1000
    return f"{_series_text(labels)} 1 {at // 1000}.{at % 1000:03d}\n"


def write_pass(server: Server, promtool: str, step: Pass, start_ms: int, end_ms: int, now_ms: int,
               intervals: dict, last_text: str, work: Path, target: Path) -> None:
    """Every rule of the pass at every grid point in [start, end), day by day, into blocks under
    target; the tails and last_text (the pass's marker) into blocks under target/last, to be moved
    into the server after all the others."""
    for day in range(start_ms // DAY_MS * DAY_MS, end_ms, DAY_MS):
        _write(promtool, _day_lines(server, step, day, start_ms, end_ms, intervals), work / "day.om", target)
    last = target / "last"
    last.mkdir()
    tails = (line for tail in step.tails for line in _tail_lines(server, tail, end_ms, now_ms))
    _write(promtool, iter([*tails, last_text]), work / "last.om", last)
