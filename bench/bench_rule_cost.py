"""What obsgen's period rule groups cost a real Prometheus, as the history they cover grows.

For each history length (and SLO count) this:

1. generates rules with obsgen for N synthetic SLOs (all with the same period, 30d by default) and
   keeps only the period groups (`obsgen-slo-<id>-period`: the hourly roll-ups and the period
   ratio, with the copies by hour parity that feed them), with their interval shortened to --interval
   so that a few evaluations fit in a short run;
2. adds two comparison groups per SLO, each one rule recording under a bench: name:
   - before: obsgen's previous period rule, every 5m sample of the period
     `sum_over_time(errors5m[30d]) / clamp_min(sum_over_time(total5m[30d]), 1e-12)`;
   - sloth:  Sloth's period ratio, `sum_over_time(ratio_rate5m[30d]) / count_over_time(...)`;
3. writes synthetic history for every series those rules read, with the labels obsgen puts on them
   (sloth_id, sloth_service, sloth_slo and the service's metadata labels), as OpenMetrics gauges at
   --step, ending before now: the 5m rates, and what obsgen's roll-up rules record from them (the
   rates split by hour parity, each hour's sum at the first step of the next hour: the same values
   `obsgen backfill` writes pass by pass), and loads it with `promtool tsdb create-blocks-from
   openmetrics`;
4. starts `prometheus` on 127.0.0.1:<free port> on that data, loading only those rules, waits for
   the first compaction tick, then reads /api/v1/rules until every group has --evaluations
   evaluations and takes the median evaluationTime per group and per rule;
5. runs each variant's rule expressions for a few SLOs as instant queries with stats=all to count
   the samples one evaluation of the group reads.

Every subprocess has a timeout and Prometheus is stopped in a finally block.

    python bench/bench_rule_cost.py [--history 1d,7d,30d] [--slos 20] [--step 1m] [--interval 15s]
"""

from __future__ import annotations

import argparse
import contextlib
import math
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import requests
import yaml

from obsgen import burnrate, durations, names, pipeline, promql
from obsgen.plan.compile import compile_plan
from obsgen.plan.model import SLOPlan
from obsgen.render import prometheus_rules, rollups

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_generate import SLOS_PER_SERVICE, synthesize

VARIANTS = ("obsgen", "before", "sloth")
HOUR = 3600
SLOTH_RECORD = "bench:sloth_sli_error:ratio_rate{window}"
BEFORE_RECORD = "bench:before_sli_error:ratio_rate{window}"
RATIO5M = names.sli_error_ratio("5m")
STATS_SLOS = 3  # SLOs whose period expressions are queried with stats=all


@dataclass
class Scenario:
    history: int  # seconds
    slos: int


@dataclass
class Result:
    scenario: Scenario
    variant: str
    group_ms: float  # median over evaluations and groups
    group_p90_ms: float
    rule_ms: float  # the period ratio rule alone
    samples: int  # samples one evaluation of the period ratio expression reads (stats=all)
    query_ms: float  # that expression as an instant query, median
    evaluations: int


# --- rules ------------------------------------------------------------------------------------


def make_slos(work: Path, count: int, period: str) -> list[SLOPlan]:
    """obsgen's plan for `count` synthetic SLOs (bench_generate's mix), every one with `period`."""
    spec_dir = work / "slos"
    synthesize(spec_dir, math.ceil(count / SLOS_PER_SERVICE))
    for path in spec_dir.glob("svc-*.yaml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for slo in doc["spec"]["slos"]:
            slo["period"] = period
        path.write_text(yaml.safe_dump(doc, sort_keys=False, width=1 << 16), encoding="utf-8")
    plan = compile_plan(pipeline.run(spec_dir, compile=False).specs)
    return [slo for service in plan.services for slo in service.slos][:count]


def _ratio(errors: str, total: str) -> str:
    return f"{errors} / clamp_min({total}, 1e-12)"


def period_exprs(slo: SLOPlan) -> dict[str, list[str]]:
    """Every rule expression of each variant's period group for one SLO."""
    w = durations.format_seconds(slo.period)
    sel = slo.selector()
    sloth_sel = dict(list(slo.labels)[:3])  # Sloth selects by sloth_id, sloth_service, sloth_slo
    ratio5m = promql.selector(RATIO5M, sloth_sel)
    err, tot = promql.selector(names.SLI_ERROR_RATE, sel), promql.selector(names.SLI_TOTAL_RATE, sel)
    return {
        "obsgen": [r["expr"] for r in rollups.period_rules(slo)],
        "before": [_ratio(f"sum_over_time({err}[{w}])", f"sum_over_time({tot}[{w}])")],
        "sloth": [f"sum_over_time({ratio5m}[{w}]) / ignoring ({names.SLOTH_WINDOW}) count_over_time({ratio5m}[{w}])"],
    }


def rules_file(slos: list[SLOPlan], interval: str) -> tuple[dict, dict[str, str]]:
    """The rules Prometheus loads, and the variant of every group name."""
    groups, variant_of = [], {}
    for slo in slos:
        w = durations.format_seconds(slo.period)
        *_, hours_group, period_group = prometheus_rules.groups_for(slo)
        # the copies go on being written, at the same interval, but only the period group is measured
        groups.append({**hours_group, "interval": interval})
        exprs = period_exprs(slo)
        labels = {**dict(slo.labels), names.SLOTH_WINDOW: w}
        own = [
            {**period_group, "interval": interval},
            {"name": f"bench-before-{slo.id}-period", "interval": interval, "rules": [
                {"record": BEFORE_RECORD.format(window=w), "expr": promql.check(exprs["before"][0]),
                 "labels": labels}]},
            {"name": f"bench-sloth-{slo.id}-period", "interval": interval, "rules": [
                {"record": SLOTH_RECORD.format(window=w), "expr": promql.check(exprs["sloth"][0]), "labels": labels}]},
        ]
        for variant, group in zip(VARIANTS, own, strict=True):
            variant_of[group["name"]] = variant
        groups += own
    return {"groups": groups}, variant_of


# --- history ----------------------------------------------------------------------------------


def _labels(pairs) -> str:
    return "{" + ",".join(f"{k}={promql.quote(v)}" for k, v in pairs) + "}"


def traffic(index: int, raw: bool, stamps) -> tuple[list[float], list[float]]:
    """SLO number `index`'s event rate and error ratio at each stamp.

    Traffic follows a daily sine; the error ratio an hourly one around 0.1%, different per SLO.
    Raw SLIs record a total rate of 1 (as obsgen does: each 5m step weighs the same).
    """
    scale = 10 ** (1 + index % 3)
    total = [1.0] * len(stamps) if raw else [scale * (1 + 0.5 * math.sin(2 * math.pi * t / 86400)) for t in stamps]
    ratio = [0.001 * (1 + 0.9 * math.sin(2 * math.pi * t / 3600 + index)) for t in stamps]
    return total, ratio


Series = dict[str, list[tuple[str, list[float], list[int]]]]  # name -> [(labels, values, timestamps)]


def _copies(slo: SLOPlan, stamps: list[int], values: list[float]) -> list[tuple[int, float]]:
    """The copies: at each evaluation of the group that makes them (whole multiples of its interval),
    the 5m rate recorded last before it."""
    every = int(durations.seconds(rollups.ROLLUPS_INTERVAL if rollups.split(slo) else rollups.PERIOD_INTERVAL))
    out, i = [], 0
    for t in range(-(-stamps[0] // every) * every, stamps[-1] + 1, every):
        while i + 1 < len(stamps) and stamps[i + 1] <= t:
            i += 1
        out.append((t, values[i]))
    return out


def history_series(slos: list[SLOPlan], start: int, end: int, step: int) -> Series:
    """Every series the period rules read, samples in [start, end), as obsgen's rules record them."""
    stamps = list(range(start, end, step))
    series: Series = {}
    for i, slo in enumerate(slos):
        total, ratio = traffic(i, slo.sli.total is None, stamps)
        errors = [r * x for r, x in zip(ratio, total, strict=True)]
        base = list(slo.labels)
        add = lambda name, values, times, labels=base: series.setdefault(name, []).append(  # noqa: E731
            (_labels(labels), values, times))
        add(RATIO5M, ratio, stamps, [*base, (names.SLOTH_WINDOW, "5m")])
        for kind, source, values in (("error", names.SLI_ERROR_RATE, errors), ("total", names.SLI_TOTAL_RATE, total)):
            add(source, values, stamps)
            if prometheus_rules.tile_run_rules(slo):  # the runs of tiles the 1h window reads
                back = [o // step for o in burnrate.tiles(burnrate.TILE_RUN * burnrate.BASE_WINDOW)]
                runs = [(t, sum(values[i - b] for b in back)) for i, t in enumerate(stamps) if i >= max(back)]
                add(names.tile_run(kind), [v for _, v in runs], [t for t, _ in runs])
            copied = _copies(slo, stamps, values)
            hour_sums: dict[int, float] = {}
            for parity_index, parity in enumerate(names.HOUR_PARITIES):
                kept = [(t, v) for t, v in copied if t // HOUR % 2 == parity_index]
                add(names.rate_in_hours(kind), [v for _, v in kept], [t for t, _ in kept],
                    [*base, (names.HOUR_PARITY, parity)])
                for t, v in kept:
                    hour_sums[t // HOUR] = hour_sums.get(t // HOUR, 0.0) + v
            # each hour's sum, at the first step of the next hour (when that step is in the history)
            for parity_index, parity in enumerate(names.HOUR_PARITIES):
                done = [(next(t for t in range((h + 1) * HOUR, (h + 2) * HOUR) if (t - start) % step == 0), v)
                        for h, v in sorted(hour_sums.items()) if h % 2 == parity_index]
                done = [(t, v) for t, v in done if t < end]
                add(names.hour_sum(kind), [v for _, v in done], [t for t, _ in done],
                    [*base, (names.HOUR_PARITY, parity)])
    return series


def write_gauges(out, series: Series) -> int:
    """OpenMetrics gauge families (no `# EOF`); returns the number of samples written."""
    written = 0
    for name, members in series.items():
        out.write(f"# TYPE {name} gauge\n")
        for labels, values, times in members:
            prefix = name + labels + " "
            out.writelines(f"{prefix}{v:.9g} {t}\n" for v, t in zip(values, times, strict=True))
            written += len(values)
    return written


def write_history(path: Path, slos: list[SLOPlan], start: int, end: int, step: int) -> int:
    """OpenMetrics gauges for every series the period rules read, samples in [start, end).
    Returns the number of samples written."""
    with path.open("w", encoding="utf-8") as out:
        written = write_gauges(out, history_series(slos, start, end, step))
        out.write("# EOF\n")
    return written


def backfill(promtool: str, source: Path, data: Path, block: str, timeout: float) -> None:
    cmd = [promtool, "tsdb", "create-blocks-from", "openmetrics", f"--max-block-duration={block}", "--quiet",
           str(source), str(data)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")


# --- prometheus -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def metric(base: str, name: str) -> float | None:
    text = requests.get(f"{base}/metrics", timeout=10).text
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def wait_until(check, timeout: float, what: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"prometheus exited ({proc.returncode}) while waiting for {what}:\n"
                             + log.read_text(errors="replace")[-3000:])
        with contextlib.suppress(requests.RequestException):
            if check():
                return
        time.sleep(1)
    raise SystemExit(f"timed out after {timeout:.0f}s waiting for {what}")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)


@contextlib.contextmanager
def prometheus_server(prometheus: str, config: Path, data: Path, work: Path, retention: str = "3650d",
                      ready_timeout: float = 120):
    """A real Prometheus on 127.0.0.1:<free port> with this config and data directory, ready; yields
    (base URL, process, log file) and is stopped when the block ends, whatever happens in it."""
    port = free_port()
    log = work / "prometheus.log"
    cmd = [prometheus, f"--config.file={config}", f"--storage.tsdb.path={data}",
           f"--storage.tsdb.retention.time={retention}", f"--web.listen-address=127.0.0.1:{port}",
           "--log.level=warn"]
    with log.open("w") as log_handle:
        proc = subprocess.Popen(cmd, stdout=log_handle, stderr=subprocess.STDOUT, cwd=work)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: requests.get(f"{base}/-/ready", timeout=5).ok, ready_timeout, "/-/ready", proc, log)
        yield base, proc, log
    finally:
        stop(proc)


Evaluation = tuple[float, list[float]]  # a group's evaluationTime and each of its rules', in seconds


def evaluations(base: str, groups, wanted: int, not_before: datetime, timeout: float, proc: subprocess.Popen,
                log: Path, poll: float = 2) -> dict[str, list[Evaluation]]:
    """group -> its evaluations after not_before (group time, and every rule's time in group order), read
    from /api/v1/rules until every group has `wanted` of them (or the timeout)."""
    seen: dict[str, dict[str, Evaluation]] = {g: {} for g in groups}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"prometheus exited ({proc.returncode}):\n" + log.read_text(errors="replace")[-3000:])
        for group in requests.get(f"{base}/api/v1/rules", timeout=60).json()["data"]["groups"]:
            for rule in group["rules"]:
                if rule["health"] == "err":
                    raise SystemExit(f"rule {rule['name']} in {group['name']} fails: {rule.get('lastError')}")
            last = group["lastEvaluation"]
            if group["name"] in seen and not last.startswith("0001-") and datetime.fromisoformat(last) > not_before:
                seen[group["name"]][last] = (group["evaluationTime"], [r["evaluationTime"] for r in group["rules"]])
        if all(len(evals) >= wanted for evals in seen.values()):
            break
        time.sleep(poll)
    return {g: list(evals.values()) for g, evals in seen.items()}


def collect(base: str, variant_of: dict[str, str], wanted: int, not_before: datetime, timeout: float,
            proc: subprocess.Popen, log: Path) -> dict[str, dict[str, list]]:
    """group -> {"group": [seconds...], "rule": [seconds of its period ratio rule...]}, evaluations after
    not_before only, until every group has `wanted` of them (or the timeout)."""
    ratio_rule = {}
    for group in requests.get(f"{base}/api/v1/rules", timeout=60).json()["data"]["groups"]:
        if group["name"] in variant_of:
            ratio_rule[group["name"]] = next((i for i, r in enumerate(group["rules"]) if "ratio_rate" in r["name"]), 0)
    found = evaluations(base, variant_of, wanted, not_before, timeout, proc, log)
    return {g: {"group": [e[0] for e in evals], "rule": [e[1][ratio_rule[g]] for e in evals]}
            for g, evals in found.items()}


def query_stats(base: str, expr: str, runs: int = 5) -> tuple[int, float]:
    """Samples read by one instant evaluation of expr, and its median evaluation time (ms)."""
    samples, times = 0, []
    for _ in range(runs):
        body = requests.post(f"{base}/api/v1/query", data={"query": expr, "stats": "all"}, timeout=120).json()
        if body.get("status") != "success":
            raise SystemExit(f"query failed: {body}\n{expr}")
        stats = body["data"]["stats"]
        samples = int(stats["samples"]["totalQueryableSamples"])
        times.append(stats["timings"]["evalTotalTime"] * 1000)
    return samples, statistics.median(times)


def run_scenario(args, scenario: Scenario, work: Path) -> list[Result]:
    step = int(durations.seconds(args.step))
    slos = make_slos(work, scenario.slos, args.period)
    doc, variant_of = rules_file(slos, args.interval)
    rules_path = work / "rules.yaml"
    rules_path.write_text(yaml.safe_dump(doc, sort_keys=False, width=1 << 16), encoding="utf-8")
    check = subprocess.run([args.promtool, "check", "rules", str(rules_path)], capture_output=True, text=True,
                           timeout=120, check=False)
    if check.returncode != 0:
        raise SystemExit(f"promtool check rules failed:\n{check.stdout}{check.stderr}")

    end = int(time.time()) // step * step - step  # strictly before now, and before the live head
    start = end - scenario.history
    source, data = work / "history.om", work / "data"
    t0 = time.perf_counter()
    written = write_history(source, slos, start, end, step)
    t1 = time.perf_counter()
    backfill(args.promtool, source, data, args.block, timeout=args.timeout)
    t2 = time.perf_counter()
    size = source.stat().st_size
    source.unlink()
    print(f"  history {durations.format_seconds(scenario.history)}, {scenario.slos} SLOs: {written:,} samples "
          f"({size / 1e6:.0f} MB OpenMetrics) written in {t1 - t0:.1f}s, backfilled in {t2 - t1:.1f}s", flush=True)

    config = work / "prometheus.yml"
    config.write_text(yaml.safe_dump({"global": {"evaluation_interval": args.interval},
                                      "rule_files": [str(rules_path)]}), encoding="utf-8")
    retention = f"{max(3650, 2 * scenario.history // 86400)}d"
    with prometheus_server(args.prometheus, config, data, work, retention) as (base, proc, log):
        # The first compaction tick comes about a minute after start; measure after it.
        wait_until(lambda: (metric(base, "prometheus_tsdb_compactions_triggered_total") or 0) >= 1,
                   150, "the first compaction", proc, log)
        time.sleep(3)
        settled = datetime.now().astimezone()
        blocks = metric(base, "prometheus_tsdb_blocks_loaded")
        timeout = args.evaluations * durations.seconds(args.interval) * 3 + 60
        evals = collect(base, variant_of, args.evaluations, settled, timeout, proc, log)
        missing = sorted(g for g, e in evals.items() if not e["group"])
        if missing:
            raise SystemExit(f"no evaluation measured for {len(missing)} groups, e.g. {missing[0]}")
        results = []
        for variant in VARIANTS:
            groups = [g for g, v in variant_of.items() if v == variant]
            per_group = [statistics.median(evals[g]["group"]) for g in groups if evals[g]["group"]]
            per_rule = [statistics.median(evals[g]["rule"]) for g in groups if evals[g]["rule"]]
            every = sorted(x for g in groups for x in evals[g]["group"])
            stats = [[query_stats(base, e) for e in period_exprs(slo)[variant]] for slo in slos[:STATS_SLOS]]
            stats = [(sum(n for n, _ in one), sum(t for _, t in one)) for one in stats]
            results.append(Result(
                scenario, variant,
                group_ms=statistics.median(per_group) * 1000,
                group_p90_ms=every[int(0.9 * (len(every) - 1))] * 1000,
                rule_ms=statistics.median(per_rule) * 1000,
                samples=int(statistics.median(s for s, _ in stats)),
                query_ms=statistics.median(t for _, t in stats),
                evaluations=min(len(evals[g]["group"]) for g in groups),
            ))
        print(f"  ({blocks:.0f} blocks loaded; at least {min(r.evaluations for r in results)} evaluations "
              "per group measured)", flush=True)
        return results


def print_table(results: list[Result], interval: str, per_ruler: int) -> None:
    print()
    print(f"{'history':>8}{'SLOs':>6}  {'variant':<8}{'group ms':>10}{'p90 ms':>9}{'rule ms':>9}"
          f"{'samples':>10}{'query ms':>10}{f'{per_ruler} SLOs @5m':>15}")
    for r in results:
        # one group per SLO, evaluated every 5 minutes: CPU seconds per second, as a share of a core
        core = r.group_ms / 1000 * per_ruler / 300
        print(f"{durations.format_seconds(r.scenario.history):>8}{r.scenario.slos:>6}  {r.variant:<8}"
              f"{r.group_ms:>10.2f}{r.group_p90_ms:>9.2f}{r.rule_ms:>9.2f}{r.samples:>10,}{r.query_ms:>10.2f}"
              f"{core:>14.1%}")
    print(f"\ngroup ms: median evaluationTime of a variant's period group (median per group over the evaluations "
          f"at {interval}, then median over the SLOs); rule ms: its period ratio rule alone; samples: read by one "
          f"evaluation of that rule's expression (stats=all); last column: {per_ruler} such groups at a 5m "
          "interval, as a share of one core.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--history", default="1d,7d,30d", help="history lengths to backfill (default 1d,7d,30d)")
    parser.add_argument("--slos", default="20", help="SLO counts, comma-separated (default 20)")
    parser.add_argument("--period", default="30d", help="SLO period (default 30d)")
    parser.add_argument("--step", default="1m", help="sample interval of the history (default 1m)")
    parser.add_argument("--interval", default="15s", help="rule group interval while measuring (default 15s)")
    parser.add_argument("--evaluations", type=int, default=6, help="evaluations per group to measure (default 6)")
    parser.add_argument("--block", default="54h", help="promtool --max-block-duration (default 54h)")
    parser.add_argument("--per-ruler", type=int, default=1000, help="SLOs per ruler to extrapolate to (default 1000)")
    parser.add_argument("--timeout", type=float, default=900, help="timeout of each promtool run, seconds")
    parser.add_argument("--prometheus", default=shutil.which("prometheus") or "/usr/bin/prometheus")
    parser.add_argument("--promtool", default=shutil.which("promtool") or "/usr/bin/promtool")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories")
    args = parser.parse_args(argv)
    histories = [int(durations.seconds(h)) for h in args.history.split(",")]
    counts = [int(n) for n in args.slos.split(",")]
    scenarios = [Scenario(h, n) for n in counts for h in histories]
    version = subprocess.run([args.prometheus, "--version"], capture_output=True, text=True, timeout=30,
                             check=False).stdout.splitlines()[:1]
    print(f"{version[0] if version else args.prometheus}; period {args.period}, history step {args.step}, "
          f"rule interval {args.interval} while measuring", flush=True)
    results: list[Result] = []
    for scenario in scenarios:
        work = Path(tempfile.mkdtemp(prefix="obsgen-rulecost-"))
        try:
            results += run_scenario(args, scenario, work)
        finally:
            if args.keep:
                print(f"  kept {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)
    print_table(results, args.interval, args.per_ruler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
