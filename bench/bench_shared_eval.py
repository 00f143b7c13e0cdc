"""What shared metrics mode costs a real Prometheus: the SLI groups' evaluation time, per-cluster
(one cluster's Prometheus, one environment's series) against shared (one store, every environment
each service lists).

For each mode: N synthetic services (bench_generate's mix; services list 1, 2 or 3 environments in
turn), their SLI groups only (raw queries and derived windows; the period groups are
bench_rule_cost.py's subject) at --interval; raw counters for every synthetic test input series x
--instances, and the recorded 5m error and total rates, for --history before now, backfilled with
promtool; then Prometheus on 127.0.0.1 loads the rules, and the median evaluationTime of each group
over --evaluations evaluations is summed.

    python bench/bench_shared_eval.py [--services 50] [--instances 20] [--history 26h]
"""

from __future__ import annotations

import argparse
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import requests
import yaml

from obsgen import durations, names, pipeline, promql
from obsgen.plan import fixtures
from obsgen.plan.compile import compile_plan
from obsgen.render import prometheus_rules

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_generate
from bench_rule_cost import backfill, collect, free_port, metric, wait_until

PRODUCTION = "production"


def make_plan(work: Path, services: int, mode: str):
    spec_dir = work / f"slos-{mode}"
    bench_generate.synthesize(spec_dir, services)
    platform = spec_dir / "platform.yaml"
    doc = yaml.safe_load(platform.read_text())
    doc["spec"]["metrics"] = {"mode": mode}
    doc["spec"]["alertmanager"] = {"smtp": {"smarthost": "smtp.example.com:587", "from": "am@example.com"}}
    platform.write_text(yaml.safe_dump(doc))
    return compile_plan(pipeline.run(spec_dir, compile=False).specs)


def environments(service, mode: str) -> list[str]:
    return list(service.environments) if mode == "shared" else [PRODUCTION]


def _series(text: str, extra: dict[str, str]) -> tuple[str, str]:
    metric_name, matchers = fixtures.matchers_of(promql.parse(text))
    labels = {n: v for n, _, v in matchers}
    return metric_name, promql.selector(metric_name, dict(sorted({**labels, **extra}.items())))[len(metric_name):]


def _order(line: str) -> tuple[str, int]:
    """Series by series, each in time order (label values may hold spaces)."""
    series, _value, stamp = line.rsplit(" ", 2)
    return series, int(stamp)


def write_history(path: Path, plan, mode: str, instances: int, start: int, end: int, step: int) -> int:
    """Raw counters (the SLIs' synthetic inputs x instances) for the last 2h, recorded 5m rates for
    the whole history; each with the environment label in shared mode."""
    label = plan.metrics.environment_label
    raw_start = max(start, end - 7200)
    by_metric: dict[str, list[str]] = {}
    written = 0
    for service in plan.services:
        for slo in service.slos:
            if slo.sli.fixture is None:
                continue
            for env in environments(service, mode):
                env_label = {label: env} if mode == "shared" else {}
                for k in range(instances):
                    for s in slo.sli.fixture:
                        name, labels = _series(s.series, {**env_label, "instance": f"i-{k}"})
                        rate = 10 * (s.bad * 0.001 + s.good * 0.999)
                        kind = "counter" if name.endswith("_total") else "gauge"  # _count, _bucket
                        by_metric.setdefault(f"{name}|{kind}", []).extend(
                            f"{name}{labels} {rate * (t - raw_start):.6g} {t}" for t in range(raw_start, end, step))
                base = {**dict(slo.labels), **env_label}
                for rec, value in ((names.SLI_ERROR_RATE, 0.01), (names.SLI_TOTAL_RATE, 10.0)):
                    labels = "{" + ",".join(f"{k}={promql.quote(v)}" for k, v in sorted(base.items())) + "}"
                    by_metric.setdefault(rec + "|gauge", []).extend(
                        f"{rec}{labels} {value * (1 + 0.5 * math.sin(t / 3600)):.6g} {t}"
                        for t in range(start, end, step))
    with path.open("w", encoding="utf-8") as out:
        for key, lines in sorted(by_metric.items()):
            name, kind = key.split("|")
            out.write(f"# TYPE {name.removesuffix('_total') if kind == 'counter' else name} {kind}\n")
            out.writelines(line + "\n" for line in sorted(lines, key=_order))
            written += len(lines)
        out.write("# EOF\n")
    return written


def run(args, mode: str, work: Path) -> tuple[float, int, int]:
    plan = make_plan(work, args.services, mode)
    groups = []
    for service in plan.services:
        for group in prometheus_rules.service_groups(service):
            if not group["name"].endswith("-period"):
                groups.append({**group, "interval": args.interval})
    rules = work / f"rules-{mode}.yaml"
    rules.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False, width=1 << 16))
    step = int(durations.seconds(args.step))
    end = int(time.time()) // step * step - step
    start = end - int(durations.seconds(args.history))
    source, data = work / f"history-{mode}.om", work / f"data-{mode}"
    samples = write_history(source, plan, mode, args.instances, start, end, step)
    backfill(args.promtool, source, data, "54h", timeout=args.timeout)
    source.unlink()
    config = work / f"prometheus-{mode}.yml"
    config.write_text(yaml.safe_dump({"global": {"evaluation_interval": args.interval},
                                      "rule_files": [str(rules)]}))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = work / f"prometheus-{mode}.log"
    cmd = [args.prometheus, f"--config.file={config}", f"--storage.tsdb.path={data}",
           "--storage.tsdb.retention.time=3650d", f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"]
    with log.open("w") as handle:
        proc = subprocess.Popen(cmd, stdout=handle, stderr=subprocess.STDOUT, cwd=work)
        try:
            wait_until(lambda: requests.get(f"{base}/-/ready", timeout=5).ok, args.timeout, "ready", proc, log)
            wait_until(lambda: (metric(base, "prometheus_tsdb_compactions_triggered_total") or 0) >= 1,
                       args.timeout, "first compaction", proc, log)
            found = collect(base, {g["name"]: mode for g in groups}, args.evaluations, datetime.now(UTC),
                            args.timeout, proc, log)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    total = sum(statistics.median(v["group"]) for v in found.values() if v["group"])
    return total * 1000, len(groups), samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=50)
    parser.add_argument("--instances", type=int, default=20)
    parser.add_argument("--history", default="26h")
    parser.add_argument("--step", default="1m")
    parser.add_argument("--interval", default="15s")
    parser.add_argument("--evaluations", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--promtool", default=shutil.which("promtool"))
    parser.add_argument("--prometheus", default=shutil.which("prometheus"))
    args = parser.parse_args(argv)
    if not args.promtool or not args.prometheus:
        raise SystemExit("needs promtool and prometheus (Debian package prometheus)")
    print(f"{args.services} services x3 SLOs, {args.instances} instances per input series, "
          f"{args.history} of history; SLI groups only")
    print("| mode | SLI groups | samples backfilled | ms per evaluation cycle (sum of group medians) |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="obsgen-bench-shared-eval-") as tmp:
        for mode in ("per-cluster", "shared"):
            ms, groups, samples = run(args, mode, Path(tmp))
            print(f"| {mode} | {groups} | {samples:,} | {ms:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
