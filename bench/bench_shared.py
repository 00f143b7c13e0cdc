"""What shared metrics mode costs: generation time and recorded series, per-cluster vs shared.

Synthesizes N services as bench_generate.py does (services list 1, 2 or 3 environments in turn),
then for each mode times load + compile + render (best of --repeat) and counts the recording rules,
the series they record (a shared store records one per environment a service lists, the four
label-less constants once) and the alerts.

    python bench/bench_shared.py [--services 1000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import yaml

from obsgen import pipeline
from obsgen.output import encode
from obsgen.plan.compile import compile_plan
from obsgen.render import prometheus_rules

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_generate

CONSTANTS = {"slo:objective:ratio", "slo:error_budget:ratio", "slo:time_period:days", "sloth_slo_info"}


def measure(spec_dir: Path, repeat: int) -> tuple[float, int, int, int]:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        plan = compile_plan(pipeline.run(spec_dir, compile=False).specs)
        files = encode.texts(prometheus_rules.render(plan))
        best = min(best, time.perf_counter() - start)
    rules = series = alerts = 0
    for service in plan.services:
        shared = service.slos and service.slos[0].environment is not None
        for group in yaml.safe_load(files[f"alerts/rules/{service.name}.rules.yaml"])["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    alerts += 1
                    continue
                rules += 1
                constant = rule["record"] in CONSTANTS
                series += 1 if constant or not shared else len(service.environments)
    return best, rules, series, alerts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    print(f"{args.services} services, {args.services * bench_generate.SLOS_PER_SERVICE} SLOs; "
          "load + compile + Prometheus rules render, best of", args.repeat)
    print("| mode | seconds | recording rules | recorded series | alert rules |\n|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="obsgen-bench-shared-") as tmp:
        for mode in ("per-cluster", "shared"):
            spec_dir = Path(tmp) / mode
            bench_generate.synthesize(spec_dir, args.services)
            platform = spec_dir / "platform.yaml"
            doc = yaml.safe_load(platform.read_text())
            doc["spec"]["metrics"] = {"mode": mode}
            # the synthesized teams have e-mail, which needs SMTP since the Alertmanager work
            doc["spec"].setdefault("alertmanager", {}).setdefault(
                "smtp", {"smarthost": "smtp.example.com:587", "from": "alertmanager@example.com"})
            platform.write_text(yaml.safe_dump(doc))
            seconds, rules, series, alerts = measure(spec_dir, args.repeat)
            print(f"| {mode} | {seconds:.2f} | {rules} | {series} | {alerts} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
