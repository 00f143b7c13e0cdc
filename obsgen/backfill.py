"""`obsgen backfill`: recorded history for newly adopted SLOs, so every window is full on day one.

`promtool tsdb create-blocks-from rules` evaluates recording rules over a past time range against a
running Prometheus and writes TSDB blocks. It only sees series already in that Prometheus, so rules
that read other recorded series (every window reads the recorded 5m rates, the period reads the
hourly roll-ups...) must be backfilled in passes: pass 1 holds the rules that read only raw series,
pass N the rules whose inputs come from passes before it. Between two passes the blocks must be
loaded by the server: with --data-dir obsgen moves them into that Prometheus' data directory and
waits until the server serves them; without it, each run writes the next pass whose outputs the
server does not have yet and says what to do next. Alerting rules are left out (promtool does not
backfill ALERTS).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from obsgen import names, promql
from obsgen.errors import ToolError
from obsgen.plan.model import Plan
from obsgen.render import prometheus_rules, yamlout

PROMTOOL_TIMEOUT = 3600
LOAD_TIMEOUT = 300


@dataclass(frozen=True)
class Pass:
    number: int
    groups: tuple[dict, ...]  # Prometheus rule groups holding only this pass's recording rules
    records: tuple[str, ...]  # a selector per series this pass writes (name{sloth_id="..."})


def _reads(expr: str) -> set[tuple[str, str | None]]:
    """(series name, sloth_id it selects or None) for every selector of an expression."""
    found = set()
    for selector in promql.vector_selectors(expr):
        ids = [m.value for m in selector.matchers.matchers if m.name == names.SLOTH_ID and str(m.op) == "MatchOp.Equal"]
        found.add((selector.name, ids[0] if ids else None))
    return found


_HOUR_SUMS = {names.hour_sum(kind, parity): (kind, parity) for kind in ("error", "total")
              for parity in names.HOUR_PARITIES}


def _without_self_reads(slo, group: dict) -> dict:
    """The hour sums as recorded at each hour's first minute: live, they look for their own earlier
    sample to find the hour's first evaluation, which promtool's backfill cannot read."""
    rules = [{**rule, "expr": prometheus_rules.hour_sum(slo, *_HOUR_SUMS[rule["record"]], self_read=False)}
             if rule.get("record") in _HOUR_SUMS else rule for rule in group["rules"]]
    return {**group, "rules": rules}


def passes(plan: Plan) -> list[Pass]:
    """Every recording rule of the plan, in passes: a rule's inputs all come from earlier passes.

    Series names are shared by every SLO, so a rule's output is its name and its `sloth_id`."""
    groups = [_without_self_reads(slo, g) for service in plan.services for slo in service.slos
              for g in prometheus_rules.groups_for(slo)]
    rules = [(g, r) for g in groups for r in g["rules"] if "record" in r]
    writers: dict[tuple[str, str | None], list[int]] = {}
    for i, (_, rule) in enumerate(rules):
        writers.setdefault((rule["record"], rule["labels"].get(names.SLOTH_ID)), []).append(i)
        writers.setdefault((rule["record"], None), []).append(i)
    level: dict[int, int] = {}

    def depth(i: int, seen: frozenset[int] = frozenset()) -> int:
        if i in level:
            return level[i]
        if i in seen:
            raise ValueError(f"recording rule {rules[i][1]['record']} reads its own output")
        inputs = [j for key in _reads(rules[i][1]["expr"]) for j in writers.get(key, ())]
        level[i] = 1 + max((depth(j, seen | {i}) for j in inputs), default=0)
        return level[i]

    for i in range(len(rules)):
        depth(i)
    out = []
    for number in range(1, max(level.values(), default=0) + 1):
        chosen = {i for i, n in level.items() if n == number}
        pass_groups = []
        for group in groups:
            kept = [r for i, (g, r) in enumerate(rules) if g is group and i in chosen]
            if kept:
                pass_groups.append({**{k: v for k, v in group.items() if k != "rules"}, "rules": kept})
        written = {promql.selector(rules[i][1]["record"], {names.SLOTH_ID: rules[i][1]["labels"][names.SLOTH_ID]})
                   for i in chosen}
        out.append(Pass(number, tuple(pass_groups), tuple(sorted(written))))
    return out


# --- talking to Prometheus and promtool ---------------------------------------------------------


def _get(url: str, path: str, params: dict, timeout: float = 30, post: bool = True) -> dict:
    """A Prometheus API call; POSTed as a form by default, so that thousands of selectors fit."""
    import json

    data = urllib.parse.urlencode(params, doseq=True).encode()
    target = f"{url.rstrip('/')}{path}"
    try:
        request = urllib.request.Request(target, data=data) if post else urllib.request.Request(target)
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.load(response)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ToolError(f"cannot reach Prometheus at {url} ({reason}): start it, or pass --url") from None


def has_series(url: str, selectors: tuple[str, ...], start: str, end: str) -> bool:
    """Whether the server holds samples of any of these selectors in [start, end] (SLOs without
    raw data in the range have nothing to backfill)."""
    return bool(_get(url, "/api/v1/series", {"match[]": list(selectors), "start": start, "end": end}).get("data"))


def _reloads(url: str) -> float:
    """How many times the server has reloaded its blocks from disk (about once a minute)."""
    body = _get(url, "/api/v1/query", {"query": "prometheus_tsdb_reloads_total"})
    result = body.get("data", {}).get("result", [])
    if result:
        return float(result[0]["value"][1])
    with urllib.request.urlopen(f"{url.rstrip('/')}/metrics", timeout=30) as response:
        for line in response.read().decode().splitlines():
            if line.startswith("prometheus_tsdb_reloads_total "):
                return float(line.split()[1])
    return 0.0


def promtool() -> str:
    found = shutil.which("promtool")
    if not found:
        raise ToolError("promtool not found: install Prometheus' promtool (Debian package `prometheus`)")
    return found


def run_pass(tool: str, step: Pass, url: str, start: str, end: str, out: Path, eval_interval: str = "60s") -> Path:
    """Write the pass's blocks under out/pass-N; return that directory. The evaluation interval
    should be the live one: windows sum recorded samples, and denser live samples would weigh more."""
    target = out / f"pass-{step.number}"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="obsgen-backfill-") as tmp:
        rules = Path(tmp) / f"pass-{step.number}.rules.yaml"
        rules.write_text(yamlout.dump({"groups": list(step.groups)}), encoding="utf-8")
        cmd = [tool, "tsdb", "create-blocks-from", "rules", f"--url={url}", f"--start={start}", f"--end={end}",
               f"--output-dir={target}", f"--eval-interval={eval_interval}", "--quiet", str(rules)]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=PROMTOOL_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise ToolError(f"promtool did not finish pass {step.number} within {PROMTOOL_TIMEOUT}s") from None
    if done.returncode != 0:
        raise ToolError(f"promtool failed on pass {step.number}:\n{(done.stderr or done.stdout)[-2000:]}")
    return target


def load_blocks(blocks: Path, data_dir: Path, url: str, step: Pass, start: str, end: str, say) -> None:
    """Move a pass's blocks into the server's data directory; wait until it has reloaded its blocks
    (and serves the pass's series, when the pass wrote any)."""
    before = _reloads(url)
    moved = 0
    for block in sorted(p for p in blocks.iterdir() if p.is_dir() and p.name not in ("wal", "chunks_head")):
        shutil.move(str(block), str(data_dir / block.name))
        moved += 1
    if not moved:
        say("  no blocks: nothing in the range for these rules")
        return
    say(f"  moved {moved} block(s) into {data_dir}; waiting for Prometheus to load them")
    deadline = time.monotonic() + LOAD_TIMEOUT
    while _reloads(url) < before + 1 or not has_series(url, step.records, start, end):
        if time.monotonic() > deadline:
            raise ToolError(f"Prometheus at {url} did not load pass {step.number}'s blocks within {LOAD_TIMEOUT}s"
                            " (blocks are picked up at the next compaction cycle, about a minute)")
        time.sleep(2)


def backfill(plan: Plan, url: str, start: str, end: str, out: Path, data_dir: Path | None, say=print) -> int:
    """Run the passes the server still lacks; return how many passes remain afterwards."""
    tool = promtool()
    steps = passes(plan)
    _get(url, "/api/v1/status/buildinfo", {}, post=False)  # a clear error when nothing listens there
    for step in steps:
        if has_series(url, step.records, start, end):
            say(f"pass {step.number}/{len(steps)}: already in Prometheus")
            continue
        blocks = run_pass(tool, step, url, start, end, out)
        say(f"pass {step.number}/{len(steps)}: {sum(len(g['rules']) for g in step.groups)} rules -> {blocks}")
        if data_dir is None:
            left = len(steps) - step.number
            if left:
                say(f"move the blocks of {blocks} into Prometheus' data directory, wait a minute for it to load"
                    f" them, and run this command again: {left} more pass(es) read what this one wrote.")
            return left
        load_blocks(blocks, data_dir, url, step, start, end, say)
    return 0
