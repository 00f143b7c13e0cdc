"""What the SLI health alerts (obsgen/render/health_rules.py) add to a real Prometheus's rule evaluation.

For N synthetic SLOs (bench_generate's mix of events, raw, latency and span SLIs) this:

1. generates obsgen's rules and splits each SLO's SLI group in two: its burn-rate rules (the SLI
   records and the burn-rate alerts, as generated) and its SLI health alerts, moved into a group of
   their own (`bench-health-<slo>`) so that Prometheus times them apart; the hours and period
   groups stay as generated. Every group's interval is set to --interval, so that a few evaluations
   fit in a short run;
2. serves the SLOs' synthetic series (the fixtures the promtool tests feed, through `obsgen preview
   --live`'s traffic generator) on loopback, with --history of their past backfilled at the scrape
   interval, and starts `prometheus` scraping them (so `up` and every series the health alerts look
   for exist, as on a real server);
3. after the first compaction tick, reads /api/v1/rules until every group has --evaluations
   evaluations, and takes each group's median `evaluationTime`;
4. runs every rule expression of a few SLOs' burn-rate groups and health group as instant queries
   with stats=all, for the samples one evaluation of them reads.

It reports, per SLO and per evaluation cycle: the SLI group's time without the health alerts (its
records and burn-rate alerts), the roll-up groups' (hours and period), the health group's, the
total without and with the health alerts, and the load average it ran under. In the generated rules
the health alerts sit in the SLI group, at its interval; the roll-ups run less often (1m, 2m).

    python bench/bench_health_cost.py [--slos 20,60] [--history 6h] [--interval 10s] [--evaluations 8]
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import yaml

from obsgen import durations, pipeline
from obsgen.plan.compile import compile_plan
from obsgen.plan.model import Plan, SLOPlan
from obsgen.preview.live_traffic import Traffic, TrafficServer, simulated_slos
from obsgen.render import health_rules, prometheus_rules

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_generate import SLOS_PER_SERVICE, synthesize
from bench_rule_cost import backfill, evaluations, metric, prometheus_server, query_stats, wait_until

STATS_SLOS = 3
SCRAPE = 15  # seconds: the scrape interval, and the history's step


def make_plan(work: Path, count: int) -> tuple[Plan, list[SLOPlan]]:
    spec_dir = work / "slos"
    synthesize(spec_dir, math.ceil(count / SLOS_PER_SERVICE))
    plan = compile_plan(pipeline.run(spec_dir, compile=False).specs)
    return plan, [slo for service in plan.services for slo in service.slos][:count]


def split_groups(slos: list[SLOPlan], interval: str) -> tuple[list[dict], dict[str, tuple[str, str]]]:
    """Every SLO's groups with the health alerts (wherever the rules have them) in a group of their
    own; group -> (SLO id, kind)."""
    groups, kind_of = [], {}
    for slo in slos:
        health = health_rules.alert_names(slo)
        sli, *rest = prometheus_rules.groups_for(slo)
        own = {"name": f"bench-health-{slo.id}",
               "rules": [r for g in (sli, *rest) for r in g["rules"] if r.get("alert") in health]}
        for group, kind in ((sli, "burn"), *((g, "rollups") for g in rest)):
            group = {**group, "rules": [r for r in group["rules"] if r.get("alert") not in health]}
            groups.append({**group, "interval": interval})
            kind_of[group["name"]] = (slo.id, kind)
        groups.append({**own, "interval": interval})
        kind_of[own["name"]] = (slo.id, "health")
    return groups, kind_of


def run(args, count: int, work: Path) -> dict:
    plan, slos = make_plan(work, count)
    groups, kind_of = split_groups(slos, args.interval)
    (work / "rules.yaml").write_text(yaml.safe_dump({"groups": groups}, sort_keys=False, width=1 << 16))
    wanted = {slo.id for slo in slos}
    simulated, _ = simulated_slos(plan)
    traffic = Traffic([s for s in simulated if s.slo.id in wanted])
    server = TrafficServer(traffic)
    try:
        end = int(time.time()) // SCRAPE * SCRAPE - SCRAPE
        source = work / "history.om"
        source.write_text(traffic.history(end - args.history, end, SCRAPE))
        backfill(args.promtool, source, work / "data", "2h", timeout=600)
        source.unlink()
        config = work / "prometheus.yml"
        config.write_text(yaml.safe_dump({
            "global": {"evaluation_interval": args.interval, "scrape_interval": f"{SCRAPE}s"},
            "rule_files": [str(work / "rules.yaml")],
            "scrape_configs": [{"job_name": "bench", "honor_labels": True,
                                "static_configs": [{"targets": [server.address]}]}]}))
        with prometheus_server(args.prometheus, config, work / "data", work) as (base, proc, log):
            wait_until(lambda: (metric(base, "prometheus_tsdb_compactions_triggered_total") or 0) >= 1,
                       300, "the first compaction", proc, log)
            time.sleep(3)
            since = datetime.now().astimezone()
            timeout = args.evaluations * durations.seconds(args.interval) * 6 + 120
            found = evaluations(base, kind_of, args.evaluations, since, timeout, proc, log)
            load = os.getloadavg()
            median = {g: statistics.median(e[0] for e in evals) * 1000 for g, evals in found.items() if evals}
            per_slo = {kind: [sum(ms for g, ms in median.items() if kind_of[g] == (slo.id, kind)) for slo in slos]
                       for kind in ("burn", "rollups", "health")}
            samples = {}
            for kind in ("burn", "rollups", "health"):
                exprs = []
                for slo in slos[:STATS_SLOS]:
                    own, kinds = split_groups([slo], args.interval)
                    exprs.append([r["expr"] for g in own if kinds[g["name"]][1] == kind for r in g["rules"]])
                samples[kind] = statistics.median(sum(query_stats(base, e, runs=1)[0] for e in one) for one in exprs)
    finally:
        server.close()
    return {"slos": count, **{f"{kind}_ms": statistics.mean(ms) for kind, ms in per_slo.items()},
            **{f"samples_{kind}": n for kind, n in samples.items()},
            "evaluations": min(len(e) for e in found.values()), "load": load}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--slos", default="20", help="comma-separated SLO counts")
    parser.add_argument("--history", default="6h", help="backfilled history of the raw series")
    parser.add_argument("--interval", default="10s", help="every group's evaluation interval in the bench")
    parser.add_argument("--evaluations", type=int, default=8, help="evaluations per group to take the median of")
    parser.add_argument("--prometheus", default=shutil.which("prometheus") or "prometheus")
    parser.add_argument("--promtool", default=shutil.which("promtool") or "promtool")
    args = parser.parse_args()
    args.history = int(durations.seconds(args.history))
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    results = []
    for count in (int(n) for n in args.slos.split(",")):
        with tempfile.TemporaryDirectory(prefix="obsgen-bench-health-") as tmp:
            results.append(run(args, count, Path(tmp)))
    print(f"\n{'SLOs':>5}{'SLI ms':>8}{'roll-ups ms':>13}{'health ms':>11}{'without':>9}{'with':>8}{'health/SLI':>12}"
          f"{'samples SLI':>13}{'roll-ups':>10}{'health':>8}{'evals':>7}  load (1, 5, 15 min)")
    for r in results:
        without = r["burn_ms"] + r["rollups_ms"]
        print(f"{r['slos']:>5}{r['burn_ms']:>8.3f}{r['rollups_ms']:>13.3f}{r['health_ms']:>11.3f}{without:>9.3f}"
              f"{without + r['health_ms']:>8.3f}{r['health_ms'] / r['burn_ms']:>12.1%}{r['samples_burn']:>13,.0f}"
              f"{r['samples_rollups']:>10,.0f}{r['samples_health']:>8,.0f}{r['evaluations']:>7}  "
              + " ".join(f"{x:.1f}" for x in r["load"]))
    print("(ms per SLO per evaluation cycle, median evaluationTime of each group; SLI: the SLI group's records "
          "and burn-rate alerts; roll-ups: the hours and period groups; samples: read by one evaluation of one "
          "SLO's rules, instant queries with stats=all)")

if __name__ == "__main__":
    main()
