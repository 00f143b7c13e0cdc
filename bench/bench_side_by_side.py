"""obsgen's complete rules and Sloth-shaped rules for the same SLOs, side by side in one real Prometheus.

1. Synthesizes N services with one events SLO each (99.5% over 30d, tier 1: pages and tickets) whose
   queries read `http_requests_total{job=<service>}`, and lets obsgen's own pipeline and renderer
   write their rules files (every group: SLI 5m rates, derived windows, meta, alerts, period
   roll-ups). sloth_shape.py writes Sloth's three groups per SLO for the same plans, under
   `bench_sloth_` names so that both sides live in the same Prometheus.
2. History, backfilled with `promtool tsdb create-blocks-from openmetrics`:
   - raw counters (--series per SLO: instances x codes 200 and 500) for --raw-history (Sloth's 3d
     window plus margin), from the traffic model of bench_rule_cost.py;
   - recorded series for --history plus 2h, synthesized as the rules record them (the same model):
     obsgen's 5m rates, hour-parity rates and hour sums (bench_rule_cost.history_series), and
     Sloth's `ratio_rate5m`.
   The raw counters are then served live by a small exporter on 127.0.0.1 and scraped every --step,
   so the raw series continue into the present; a last short backfill of the raw counters up to the
   start of Prometheus leaves no hole in the 5m windows.
3. Prometheus (127.0.0.1, free port) loads both rule sets. After its first compaction has settled,
   /api/v1/rules is read until every group has --evaluations evaluations; then every rule
   expression runs once as an instant query with stats=all.
4. Per side: the sum over groups of each group's median evaluationTime, times its evaluations per
   minute at its natural interval (obsgen's roll-ups and period groups: their own 5m and 2m30s; obsgen's SLI
   groups and all of Sloth's: the global evaluation_interval, --global-interval), and the samples every rule reads
   (totalQueryableSamples) per minute on the same scale. The floor is obsgen's two raw 5m rate rules.

    python bench/bench_side_by_side.py [--slos 20] [--series 200] [--evaluations 6] [--interval 15s]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests
import yaml

from obsgen import durations, names, pipeline, promql
from obsgen.output import encode
from obsgen.plan.compile import compile_plan
from obsgen.plan.model import SLOPlan
from obsgen.render import prometheus_rules, rollups

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_generate
import sloth_shape
from bench_rule_cost import (
    RATIO5M,
    Evaluation,
    backfill,
    evaluations,
    history_series,
    metric,
    prometheus_server,
    query_stats,
    traffic,
    wait_until,
    write_gauges,
)

RAW_METRIC = "http_requests_total"
CODES = ("200", "500")  # success, error: the spec's error query selects code=~"5.."
OBJECTIVE = 99.5  # the synthetic error ratio is about 0.1%: no alert fires on either side
MARGIN = 2 * 3600  # recorded history beyond the period: the roll-ups read "this hour, one period ago"
HORIZON = 3 * 3600  # how long after the backfill the live exporter can keep counting


# --- the SLOs and both rule sets -------------------------------------------------------------


def service_doc(i: int) -> dict:
    name = f"svc-{i:05d}"
    slo = {"name": "availability", "objective": OBJECTIVE, "period": "30d",
           "description": f"{name} requests succeed", "sli": bench_generate._events(name)}
    return {"apiVersion": "obsgen/v1", "kind": "Service",
            "metadata": {"name": name, "team": bench_generate.TEAMS[i % len(bench_generate.TEAMS)], "tier": 1,
                         "runbook": f"https://runbooks.example.com/{name}"},
            "spec": {"slos": [slo]}}


def make_plan(spec_dir: Path, count: int):
    """obsgen's plan for `count` services of one events SLO each (bench_generate's teams and platform)."""
    bench_generate.synthesize(spec_dir, 0)
    for i in range(count):
        doc = service_doc(i)
        (spec_dir / f"{doc['metadata']['name']}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), "utf-8")
    return compile_plan(pipeline.run(spec_dir, compile=False).specs)


@dataclass(frozen=True)
class Group:
    side: str  # obsgen | sloth
    kind: str  # sli | period | meta | alerts
    natural: float  # seconds between evaluations in a real deployment


SHARED = "bench-shared-rollups"


def shared_rollups(slos: list[SLOPlan]) -> list[dict]:
    """--shared-rollups, an experiment, not what obsgen generates: one period group for every SLO at
    once. Each rule is obsgen's own with the SLO's `sloth_id` matcher taken
    out; the period sums and ratio exist once per distinct period, restricted to its SLOs with
    `slo:time_period:days`, and the burn rate divides by each SLO's `slo:error_budget:ratio`."""
    def generic(rules: list[dict], slo: SLOPlan) -> list[dict]:
        """The rules without the SLO's matcher and labels (but `sloth_window`)."""
        out = []
        for rule in rules:
            labels = {k: v for k, v in rule["labels"].items() if k in (names.SLOTH_WINDOW, names.HOUR_PARITY)}
            out.append({"record": rule["record"],
                        "expr": rule["expr"].replace(f'{{{names.SLOTH_ID}="{slo.id}"}}', "")
                                            .replace(f'{names.SLOTH_ID}="{slo.id}",', ""),
                        **({"labels": labels} if labels else {})})
        return out

    copies = generic(rollups.copy_rules(slos[0]), slos[0])
    period = generic(rollups.rollup_rules(slos[0])[:4], slos[0])  # the hour sums
    for days in sorted({slo.period // 86400 for slo in slos}):
        slo = next(s for s in slos if s.period // 86400 == days)
        sums_and_ratio = [*rollups.rollup_rules(slo)[4:], rollups.period_rules(slo)[-3]]
        of_period = f"and on ({names.SLOTH_ID}) ({names.TIME_PERIOD_DAYS} == {days})"
        period += [{**r, "expr": f"({r['expr']}) {of_period}"} for r in generic(sums_and_ratio, slo)]
    ratios = "(" + " or ".join(sorted({f"sum without ({names.SLOTH_WINDOW}) ("
                                       f"{names.sli_error_ratio(durations.format_seconds(s.period))})"
                                       for s in slos})) + ")"
    period += [  # one burn rate and one budget rule for every period
        {"record": names.PERIOD_BURN_RATE,
         "expr": f"{ratios} / on ({names.SLOTH_ID}) group_left () max by ({names.SLOTH_ID}) ({names.ERROR_BUDGET})"},
        {"record": names.PERIOD_BUDGET_REMAINING, "expr": f"1 - {names.PERIOD_BURN_RATE}"},
    ]
    return [{"name": f"{SHARED}-period", "interval": rollups.PERIOD_INTERVAL, "rules": copies + period}]


def write_rules(work: Path, plan, args) -> tuple[list[Path], dict[str, Group], list[SLOPlan]]:
    """obsgen's rules files as its renderer writes them, and one file of Sloth-shaped groups.

    With --interval, every group is evaluated at that interval while measuring (obsgen's period
    groups get it in place of their own); their natural intervals still set the per-minute scale."""
    natural = durations.seconds(args.global_interval)
    slos = [slo for service in plan.services for slo in service.slos]
    periods = {names.rule_group(slo.service, slo.name, suffix) for slo in slos
               for suffix in (names.ROLLUPS_GROUP, names.PERIOD_GROUP)}
    out, groups = work / "rules", {}
    out.mkdir()
    files = []
    for path, text in encode.texts(prometheus_rules.render(plan)).items():
        doc = yaml.safe_load(text)
        if args.shared_rollups:
            doc["groups"] = [g for g in doc["groups"] if not g["name"].endswith(f"-{names.ROLLUPS_GROUP}")]
        for g in doc["groups"]:
            kind = "period" if g["name"] in periods else "sli"
            groups[g["name"]] = Group("obsgen", kind, durations.seconds(g.get("interval", args.global_interval)))
            if args.interval and "interval" in g:
                g["interval"] = args.interval
        files.append(out / Path(path).name)
        files[-1].write_text(yaml.safe_dump(doc, sort_keys=False, width=1 << 16)
                             if args.interval or args.shared_rollups else text, "utf-8")
    if args.shared_rollups:
        shared = shared_rollups(slos)
        for g in shared:
            groups[g["name"]] = Group("obsgen", "period", durations.seconds(g["interval"]))
            if args.interval:
                g["interval"] = args.interval
        files.append(out / "shared-rollups.rules.yaml")
        files[-1].write_text(yaml.safe_dump({"groups": shared}, sort_keys=False, width=1 << 16), "utf-8")
    sloth = []
    for slo in slos:
        for kind, g in zip(sloth_shape.GROUPS, sloth_shape.groups(slo), strict=True):
            groups[g["name"]] = Group("sloth", kind, natural)
            sloth.append(g)
    files.append(out / "sloth.rules.yaml")
    files[-1].write_text(yaml.safe_dump({"groups": sloth}, sort_keys=False, width=1 << 16), "utf-8")
    return files, groups, slos


def check_rules(promtool: str, files: list[Path]) -> None:
    done = subprocess.run([promtool, "check", "rules", *map(str, files)], capture_output=True, text=True,
                          timeout=300, check=False)
    if done.returncode != 0:
        raise SystemExit(f"promtool check rules failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


# --- raw counters: backfilled, then served live -----------------------------------------------


@dataclass
class RawCounters:
    """Per-instance request counters of every SLO, on a grid of `step` from `start`: the same values
    backfilled and then served by the live exporter, so the series continue without a reset."""

    slos: list[SLOPlan]
    start: int
    step: int
    instances: int
    stop: int
    values: list[dict[str, list[int]]] = field(default_factory=list)  # per SLO: code -> counter per grid point

    def __post_init__(self) -> None:
        stamps = list(range(self.start, self.stop, self.step))
        for i, _ in enumerate(self.slos):
            total, ratio = traffic(i, False, stamps)
            per_instance = self.step / self.instances
            ok = err = 0.0
            oks, errs = [], []
            for rate, error_ratio in zip(total, ratio, strict=True):
                ok += rate * (1 - error_ratio) * per_instance
                err += rate * error_ratio * per_instance
                oks.append(int(ok))
                errs.append(int(err))
            self.values.append(dict(zip(CODES, (oks, errs), strict=True)))

    def labels(self, slo: SLOPlan, instance: int, code: str) -> str:
        # job is the service's name: the spec's queries select {job="<service>"}
        return promql.selector(RAW_METRIC, {"code": code, "instance": f"i-{instance:03d}", "job": slo.service})

    def write(self, out, start: int, end: int) -> int:
        """OpenMetrics counter samples for grid points in [start, end)."""
        first, last = (start - self.start) // self.step, (end - self.start) // self.step
        stamps = range(self.start + first * self.step, self.start + last * self.step, self.step)
        out.write(f"# TYPE {RAW_METRIC.removesuffix('_total')} counter\n")
        for slo, per_code in zip(self.slos, self.values, strict=True):
            for code, values in per_code.items():
                tails = [f" {v} {t}\n" for v, t in zip(values[first:last], stamps, strict=True)]
                for k in range(self.instances):
                    prefix = self.labels(slo, k, code)
                    out.write(prefix + prefix.join(tails))
        return len(stamps) * self.instances * len(CODES) * len(self.slos)

    def exposition(self, now: float) -> bytes:
        """The text format a scrape at `now` reads: every counter at the last grid point."""
        k = min(int((now - self.start) // self.step), len(self.values[0][CODES[0]]) - 1)
        lines = [f"# TYPE {RAW_METRIC} counter"]
        for slo, per_code in zip(self.slos, self.values, strict=True):
            for code, values in per_code.items():
                lines += [f"{self.labels(slo, i, code)} {values[k]}" for i in range(self.instances)]
        return ("\n".join(lines) + "\n").encode()


@contextlib.contextmanager
def exporter(counters: RawCounters):
    """Serve the counters on 127.0.0.1:<free port>; yields the port; shut down on exit."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = counters.exposition(time.time())
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def write_history(work: Path, args, slos: list[SLOPlan], raw: RawCounters, end: int) -> None:
    """Recorded series for the period (plus margin) and the raw counters, up to `end`, in one
    OpenMetrics file (one promtool run: no overlapping blocks), then backfilled."""
    step = int(durations.seconds(args.step))
    start = end - int(durations.seconds(args.history)) - MARGIN
    source = work / "history.om"
    t0 = time.perf_counter()
    with source.open("w", encoding="utf-8") as out:
        series = history_series(slos, start, end, step)
        # Sloth's 5m ratio: the same values and labels as obsgen's, under Sloth's (prefixed) name
        series[sloth_shape.name(RATIO5M)] = series[RATIO5M]
        recorded = write_gauges(out, series)
        written = raw.write(out, raw.start, end)
        out.write("# EOF\n")
    t1 = time.perf_counter()
    size = source.stat().st_size
    backfill(args.promtool, source, work / "data", args.block, timeout=args.timeout)
    source.unlink()
    print(f"  history: {written:,} raw samples ({durations.format_seconds(end - raw.start)}) and {recorded:,} "
          f"recorded ({durations.format_seconds(end - start)}), {size / 1e9:.1f} GB OpenMetrics written in "
          f"{t1 - t0:.0f}s, backfilled in {time.perf_counter() - t1:.0f}s", flush=True)


def top_up(work: Path, args, raw: RawCounters, start: int) -> int:
    """Backfill the raw counters from `start` through now, just before Prometheus starts (a few steps),
    so the first scrape follows within about one step."""
    step = int(durations.seconds(args.step))
    end = int(time.time()) // step * step + step
    if end <= start:
        return start
    source = work / "raw-top-up.om"
    with source.open("w", encoding="utf-8") as out:
        raw.write(out, start, end)
        out.write("# EOF\n")
    backfill(args.promtool, source, work / "data", args.block, timeout=args.timeout)
    source.unlink()
    return end


# --- measuring --------------------------------------------------------------------------------


def settle(base: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    """Wait for the first compaction tick (about a minute after start), then until no block is being
    written and neither the compactions nor the loaded blocks have changed for 15 s."""
    wait_until(lambda: (metric(base, "prometheus_tsdb_compactions_triggered_total") or 0) >= 1,
               timeout, "the first compaction", proc, log)
    states: list[tuple] = []

    def quiet() -> bool:
        states.append((metric(base, "prometheus_tsdb_compactions_total"),
                       metric(base, "prometheus_tsdb_blocks_loaded"),
                       metric(base, "prometheus_tsdb_compaction_populating_block") or 0))
        return len(states) >= 15 and len(set(states[-15:])) == 1 and states[-1][2] == 0

    wait_until(quiet, timeout, "the compactions to settle", proc, log)


@dataclass
class Measured:
    rules: dict[str, list[str]]  # group -> the name of each rule (record or alert), in order
    evaluations: dict[str, list[Evaluation]]  # group -> (its evaluationTime, each rule's), per evaluation
    samples: dict[str, list[int]]  # group -> samples one evaluation of each rule reads (stats=all)

    def ms(self, group: str, chosen: list[int] | None, stat) -> float:
        """The group's evaluation time (or its chosen rules' summed), by `stat` over the evaluations."""
        evals = self.evaluations[group]
        if chosen is None:
            return stat(e[0] for e in evals) * 1000
        return sum(stat(e[1][i] for e in evals) for i in chosen) * 1000


def measure(base: str, proc: subprocess.Popen, log: Path, groups: dict[str, Group], args) -> Measured:
    every = durations.seconds(args.interval or args.global_interval)
    longest = every if args.interval else max(g.natural for g in groups.values())  # the roll-ups' 5m
    timeout = (args.evaluations + 1) * max(longest, 60) * 2 + 120
    found = evaluations(base, groups, args.evaluations, datetime.now().astimezone(), timeout, proc, log,
                        poll=min(10, every / 3))
    short = sorted(g for g, evals in found.items() if len(evals) < args.evaluations)
    if short:
        raise SystemExit(f"{len(short)} groups had fewer than {args.evaluations} evaluations, e.g. {short[0]}")
    listed = [g for g in requests.get(f"{base}/api/v1/rules", timeout=60).json()["data"]["groups"]
              if g["name"] in groups]
    return Measured(
        rules={g["name"]: [r["name"] for r in g["rules"]] for g in listed},
        evaluations=found,
        samples={g["name"]: [query_stats(base, r["query"], runs=1)[0] for r in g["rules"]] for g in listed},
    )


# --- the table --------------------------------------------------------------------------------

FLOOR = {names.SLI_ERROR_RATE, names.SLI_TOTAL_RATE}  # the raw reads any SLO needs: its 5m rates
RAW_LONG = names.sli_error_ratio("1h")  # the fastest page's long window, read at its edge (burnrate.raw_windows)


def _derived(rule: str) -> bool:
    return rule.startswith(names.SLI_ERROR_RATIO.split("{")[0]) and rule not in (RATIO5M, RAW_LONG)


def _raw_long(rule: str) -> bool:
    return rule == RAW_LONG


def _sloth_period(rule: str) -> bool:
    return rule == sloth_shape.name(names.sli_error_ratio("30d"))


# (side, label, group kinds or None for all, rule filter or None for whole groups)
ROWS = (
    ("obsgen", "SLI groups (raw 5m rates, 5m ratio, windows, current burn rate, burn-rate alerts)", {"sli"}, None),
    ("obsgen", "  of which the two raw 5m rates: the floor", {"sli"}, FLOOR.__contains__),
    ("obsgen", "  of which the 1h window read at its edge (the fastest page's long window: 5m tiles)", {"sli"},
     _raw_long),
    ("obsgen", "  of which windows 30m, 2h..3d from the recorded 5m rates", {"sli"}, _derived),
    ("obsgen", "roll-ups groups (copies, hour and period sums, SLI health alerts, every 5m) and period groups"
     " (period ratio, budget, constants, ticket windows and alerts, every 2m30s)", {"period"}, None),
    ("obsgen", "obsgen total", None, None),
    ("sloth", "SLI recordings (5m..3d from raw series, 30d mean)", {"sli"}, None),
    ("sloth", "  of which the 30d mean of 5m ratios", {"sli"}, _sloth_period),
    ("sloth", "meta recordings", {"meta"}, None),
    ("sloth", "alerts", {"alerts"}, None),
    ("sloth", "Sloth total", None, None),
)


def row(m: Measured, groups: dict[str, Group], side: str, kinds, keep) -> tuple[int, float, float, float]:
    """(rules, ms per minute from the median evaluation, from the best evaluation, samples per minute)."""
    count = median = best = samples = 0.0
    for g, info in groups.items():
        if info.side != side or (kinds and info.kind not in kinds):
            continue
        per_minute = 60 / info.natural
        chosen = [i for i, r in enumerate(m.rules[g]) if keep is None or keep(r)]
        count += len(chosen)
        median += m.ms(g, None if keep is None else chosen, statistics.median) * per_minute
        best += m.ms(g, None if keep is None else chosen, min) * per_minute
        samples += sum(m.samples[g][i] for i in chosen) * per_minute
    return int(count), median, best, samples


def print_rules(m: Measured, groups: dict[str, Group]) -> None:
    """Per rule name and side: ms per minute (median evaluations) and samples, summed over the SLOs."""
    totals: dict[tuple[str, str, str], list[float]] = {}
    for g, info in groups.items():
        per_minute = 60 / info.natural
        for i, rule in enumerate(m.rules[g]):
            entry = totals.setdefault((info.side, info.kind, rule), [0.0, 0.0, 0.0])
            entry[0] += 1
            entry[1] += m.ms(g, [i], statistics.median) * per_minute
            entry[2] += m.samples[g][i] * per_minute
    print("\n| side | group | rule | rules | ms per minute (median) | samples per minute |"
          "\n|---|---|---|---:|---:|---:|")
    for (side, kind, rule), (count, ms, samples) in sorted(totals.items(), key=lambda kv: (kv[0][0], -kv[1][1])):
        print(f"| {side} | {kind} | `{rule}` | {count:.0f} | {ms:,.1f} | {samples:,.0f} |")


def print_table(m: Measured, groups: dict[str, Group]) -> None:
    results = {}
    print("\n| side | rule groups | rules | ms per minute (median) | ms per minute (best) | samples per minute |"
          "\n|---|---|---:|---:|---:|---:|")
    for side, label, kinds, keep in ROWS:
        results[label] = count, median, best, samples = row(m, groups, side, kinds, keep)
        bold = "**" if label.endswith("total") else ""
        print(f"| {side} | {bold}{label}{bold} | {count} | {median:,.1f} | {best:,.1f} | {samples:,.0f} |")
    ours, sloth, floor = results["obsgen total"], results["Sloth total"], results[ROWS[1][1]]
    print(f"\nobsgen / Sloth per minute: {ours[1] / sloth[1]:.3f} of the evaluation time (median; best "
          f"{ours[2] / sloth[2]:.3f}), {ours[3] / sloth[3]:.4f} of the samples read (target: at most 0.05)")
    print(f"obsgen / its floor (the raw 5m rates): {ours[1] / floor[1]:.1f}x the time (best "
          f"{ours[2] / floor[2]:.1f}x), "
          f"{ours[3] / floor[3]:.1f}x the samples; the floor is {floor[1] / sloth[1]:.4f} of Sloth's time and "
          f"{floor[3] / sloth[3]:.5f} of its samples")


# --- the run ----------------------------------------------------------------------------------


def run(args, work: Path) -> None:
    step = int(durations.seconds(args.step))
    plan = make_plan(work / "slos", args.slos)
    files, groups, slos = write_rules(work, plan, args)
    check_rules(args.promtool, files)
    end = int(time.time()) // step * step
    raw = RawCounters(slos, end - int(durations.seconds(args.raw_history)), step, args.series // len(CODES),
                      stop=end + HORIZON)
    write_history(work, args, slos, raw, end)
    with exporter(raw) as port:
        config = work / "prometheus.yml"
        config.write_text(yaml.safe_dump({
            "global": {"scrape_interval": args.step, "evaluation_interval": args.interval or args.global_interval},
            "scrape_configs": [{"job_name": "raw", "honor_labels": True, "scrape_timeout": "20s",
                                "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]}],
            "rule_files": [str(f) for f in files]}), "utf-8")
        top_up(work, args, raw, end)
        with prometheus_server(args.prometheus, config, work / "data", work) as (base, proc, log):
            settle(base, proc, log, timeout=args.timeout)
            before = metric(base, "prometheus_tsdb_compactions_total")
            print(f"  measuring from {datetime.now():%H:%M:%S}, load average {os.getloadavg()[0]:.1f}", flush=True)
            measured = measure(base, proc, log, groups, args)
            if metric(base, "prometheus_tsdb_compactions_total") != before:
                print("  note: a compaction ran while measuring", flush=True)
            missed = metric(base, "prometheus_rule_group_iterations_missed_total")
            print(f"  done at {datetime.now():%H:%M:%S}, load average {os.getloadavg()[0]:.1f}"
                  f"{f', {missed:.0f} group iterations missed' if missed else ''}", flush=True)
    print_table(measured, groups)
    if args.per_rule:
        print_rules(measured, groups)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slos", type=int, default=20, help="SLOs, one service each (default 20)")
    parser.add_argument("--series", type=int, default=200, help="raw series per SLO: instances x 2 codes (default 200)")
    parser.add_argument("--step", default="1m", help="scrape interval and history step (default 1m)")
    parser.add_argument("--raw-history", default="3d1h", help="raw counters before now (default 3d1h: Sloth's 3d + 1h)")
    parser.add_argument("--history", default="30d", help="recorded series before now, plus 2h (default 30d)")
    parser.add_argument("--global-interval", default="1m",
                        help="the global evaluation_interval of a real deployment (default 1m, Prometheus' default)")
    parser.add_argument("--interval", help="evaluate every group at this interval while measuring (default: natural)")
    parser.add_argument("--evaluations", type=int, default=6, help="evaluations per group to measure (default 6)")
    parser.add_argument("--block", default="744h",
                        help="promtool --max-block-duration (default 744h = 31d: two passes over the input)")
    parser.add_argument("--timeout", type=float, default=900, help="timeout of each promtool run and wait, seconds")
    parser.add_argument("--prometheus", default=shutil.which("prometheus") or "/usr/bin/prometheus")
    parser.add_argument("--promtool", default=shutil.which("promtool") or "/usr/bin/promtool")
    parser.add_argument("--shared-rollups", action="store_true",
                        help="experiment: one set of roll-up groups for every SLO instead of obsgen's per-SLO ones")
    parser.add_argument("--per-rule", action="store_true", help="also print each rule name's cost, per side")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    version = subprocess.run([args.prometheus, "--version"], capture_output=True, text=True, timeout=30,
                             check=False).stdout.splitlines()[:1]
    measured_at = args.interval or (f"natural ({args.global_interval} global, obsgen's roll-ups groups "
                                    f"{rollups.ROLLUPS_INTERVAL} and period groups {rollups.PERIOD_INTERVAL})")
    print(f"{version[0] if version else args.prometheus}; {args.slos} SLOs x {args.series} raw series, scrape "
          f"{args.step}; raw history {args.raw_history}, recorded {args.history}; evaluated at {measured_at}, "
          f"per minute at the natural intervals", flush=True)
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="obsgen-side-by-side-"))
    try:
        run(args, work)
    finally:
        if args.keep:
            print(f"  kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\n(the bench took {(time.perf_counter() - started) / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
