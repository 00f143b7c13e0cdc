"""How long obsgen takes to turn many service specs into output, phase by phase.

Synthesizes N services (3 SLOs each, the SLI kinds of slos/ mixed: events, latency, spans, raw),
a few teams and one Platform document into a temporary spec directory, then times:

  load      obsgen.pipeline.run(..., compile=False) (YAML parse, pydantic validation, cross-document checks)
  compile   obsgen.plan.compile.compile_plan
  render    obsgen.render.render_all, then output.encode (the artifacts as text)
  write     obsgen.output.writer.write_tree into an empty temporary directory
  rewrite   write_tree again with the same files (nothing changes: compare and skip)

Each phase is reported as the best of --repeat runs. In the same runs (same process, alternating)
it measures the I/O floor: reading and parsing the same spec files with PyYAML's C loader, and
writing the same output bytes to the same number of files in a fresh directory, with no generation
logic at all. It prints the full generation (load + compile + render + write into a fresh directory)
against that floor, best of --repeat each, and the ratio.

--linearity runs the same comparison for 100, 500, 1000, 2000 and 5000 services (--sizes), each
size in a subprocess of its own so that its peak memory (the peak resident set, VmHWM, of that
process after its first generation: the interpreter, obsgen, every output file held in memory at
once) is that size's alone.

--inside times `obsgen generate . --out .` (the output tree inside the spec directory, as the README
allows) in a process of its own per run at 100, 1000 and 5000 services (--inside-sizes): a first
run, an unchanged rerun and a rerun after one service changed.

--profile then splits render by renderer (and into YAML dumping, PromQL parsing and the rest, timed
without a profiler), and runs the whole flow once under cProfile, printing the functions with the
most cumulative and the most own time.

    python bench/bench_generate.py [--services 1000] [--repeat 3] [--profile] [--linearity] [--inside]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from obsgen import pipeline
from obsgen.output import encode
from obsgen.output.writer import write_tree
from obsgen.plan.compile import compile_plan
from obsgen.render import render_all

SLOS_PER_SERVICE = 3
TEAMS = ("payments", "discovery", "fulfillment", "identity", "platform")
PHASES = ("load", "compile", "render", "write", "rewrite")

PLATFORM = {
    "apiVersion": "obsgen/v1",
    "kind": "Platform",
    "spec": {
        "environments": ["dev", "staging", "production"],
        "collector": {"version": "0.159.0", "distribution": "contrib"},
        "endpoints": {
            "prometheus": "http://prometheus.monitoring:9090",
            "loki": "http://loki.monitoring:3100",
            "tempo": "http://tempo.monitoring:4317",
            "alertmanager": "http://alertmanager.monitoring:9093",
        },
        "grafana": {"url": "https://grafana.example.com",
                    "datasources": {"prometheus": "prometheus", "loki": "loki", "tempo": "tempo"}},
        "alertmanager": {"smtp": {"smarthost": "smtp.example.com:587", "from": "alertmanager@example.com"}},
    },
}


def _team(name: str) -> dict:
    return {
        "apiVersion": "obsgen/v1",
        "kind": "Team",
        "metadata": {"name": name},
        "spec": {
            "pagerduty": {"routing_key_file": f"/etc/alertmanager/secrets/{name}-pagerduty/routing-key"},
            "slack": {"channel": f"#{name}-alerts", "api_url_file": "/etc/alertmanager/secrets/slack-webhook/url"},
            "email": {"to": f"{name}-oncall@example.com"},
        },
    }


def _events(name: str) -> dict:
    return {"events": {
        "error_query": f'sum(rate(http_requests_total{{job="{name}",code=~"5.."}}[{{{{window}}}}]))',
        "total_query": f'sum(rate(http_requests_total{{job="{name}"}}[{{{{window}}}}]))',
    }}


def _raw(name: str) -> dict:
    return {"raw": {"error_ratio_query": (
        f'sum(rate(search_requests_total{{job="{name}",status="error"}}[{{{{window}}}}]))\n/\n'
        f'sum(rate(search_requests_total{{job="{name}"}}[{{{{window}}}}]))\n')}}


def _latency(name: str) -> dict:
    return {"latency": {"histogram": "http_server_request_duration_seconds",
                        "selector": {"job": name}, "threshold": "300ms"}}


def _spans(i: int, threshold: bool) -> dict:
    spans: dict = {"span_name": f"POST /orders/{i}", "kind": "server"}
    if threshold:
        spans["threshold"] = "500ms"
    return {"spans": spans}


def service_doc(i: int) -> dict:
    """Service i: tier, team, period and SLI kinds rotate so that every combination appears."""
    name = f"svc-{i:05d}"
    tier = (1, 2, 2, 3)[i % 4]
    kinds = (
        [("availability", 99.9, "30d", _events(name)), ("latency", 99.0, "30d", _latency(name)),
         ("place-order", 99.5, "28d", _spans(i, True))],
        [("availability", 99.95, "28d", _events(name)), ("authorize", 99.9, "28d", _spans(i, False)),
         ("latency", 99.0, "7d", _latency(name))],
        [("availability", 99.5, "30d", _raw(name)), ("latency", 95.0, "7d", _latency(name)),
         ("export", 99.0, "28d", _events(name))],
    )[i % 3]
    slos = []
    for j, (slo, objective, period, sli) in enumerate(kinds):
        entry: dict = {"name": slo, "objective": objective, "period": period,
                       "description": f"{name} {slo} stays within its objective", "sli": sli}
        if j == 0 and tier < 3:
            entry["alerting"] = {"for": "2m"}
        if j == 2 and tier == 2:
            entry["alerting"] = {"page": False}
        slos.append(entry)
    metadata: dict = {"name": name, "team": TEAMS[i % len(TEAMS)], "tier": tier,
                      "runbook": f"https://runbooks.example.com/{name}"}
    if i % 2 == 0:
        metadata["labels"] = {"domain": ("commerce", "search", "identity")[i % 3]}
    spec: dict = {"environments": [["production"], ["staging", "production"],
                                   ["dev", "staging", "production"]][i % 3],
                  "slos": slos}
    if i % 3 != 2:
        spec["telemetry"] = {"spanmetrics": True}
    return {"apiVersion": "obsgen/v1", "kind": "Service", "metadata": metadata, "spec": spec}


def synthesize(spec_dir: Path, services: int) -> None:
    """One file per service (as in slos/), one teams file, one platform file."""
    spec_dir.mkdir(parents=True, exist_ok=True)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

    def dump(path: Path, docs: list[dict]) -> None:
        path.write_text(yaml.dump_all(docs, Dumper=dumper, sort_keys=False, width=1 << 16), encoding="utf-8")

    dump(spec_dir / "platform.yaml", [PLATFORM])
    dump(spec_dir / "teams.yaml", [_team(t) for t in TEAMS])
    for i in range(services):
        dump(spec_dir / f"svc-{i:05d}.yaml", [service_doc(i)])


CPU = {"generation": 0.0, "floor": 0.0}  # CPU seconds of the last run of each (see measure)


def _timed(fn: Callable, *args):
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def forget() -> None:
    """Empty every memo of obsgen (parse checks, YAML scalars, templates...): each timed run starts
    as a new `obsgen generate` process would, not helped by the runs before it."""
    from obsgen import promql, yamlio

    for name, module in list(sys.modules.items()):
        if name == "obsgen" or name.startswith("obsgen."):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()
    for memo in (promql._MATCHER_BEFORE, yamlio._HEADS):  # plain dicts, bounded
        memo.clear()


def run_once(spec_dir: Path, work: Path) -> tuple[dict[str, float], dict[str, str]]:
    out = Path(tempfile.mkdtemp(prefix="out-", dir=work))
    forget()
    try:
        times: dict[str, float] = {}
        cpu = time.process_time()
        with pipeline.collector_paused():  # as `obsgen generate` runs
            times["load"], specs = _timed(lambda d: pipeline.run(d, compile=False).specs, spec_dir)
            times["compile"], plan = _timed(compile_plan, specs)
            times["render"], files = _timed(lambda p: encode.texts(render_all(p)), plan)
            times["write"], changed = _timed(write_tree, out, files)
        CPU["generation"] = time.process_time() - cpu
        assert len(changed) == len(files), "the first write must write every file"
        times["rewrite"], changed = _timed(write_tree, out, files)
        assert not changed, f"the second write changed {len(changed)} files"
        return times, files
    finally:
        shutil.rmtree(out, ignore_errors=True)


def io_floor(spec_dir: Path, work: Path, blobs: dict[str, bytes]) -> float:
    """What any generator must do at least: read and parse every spec file (PyYAML's C loader) and
    write the same bytes to the same paths in a fresh directory. No checks, no generation, no
    manifest, no atomicity: a floor, not a design."""
    out = Path(tempfile.mkdtemp(prefix="floor-", dir=work))
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        start, cpu = time.perf_counter(), time.process_time()
        for path in sorted(spec_dir.rglob("*.yaml")):
            with open(path, "rb") as handle:
                list(yaml.load_all(handle.read(), Loader=loader))
        made: set[Path] = set()
        for rel, data in blobs.items():
            target = out / rel
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            with open(target, "wb") as handle:
                handle.write(data)
        CPU["floor"] = time.process_time() - cpu
        return time.perf_counter() - start
    finally:
        shutil.rmtree(out, ignore_errors=True)


def _peak_mb() -> float:
    """The process's peak resident set: VmHWM on Linux (ru_maxrss would count the parent's peak
    too: Linux carries it across fork and exec), ru_maxrss elsewhere."""
    with contextlib.suppress(OSError), open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, kilobytes on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale / 1024


def measure(spec_dir: Path, work: Path, repeat: int) -> dict:
    """Best of `repeat` for each phase, for the full generation and for the I/O floor, measured
    in the same runs and alternating which goes first (the machine's noise hits both alike)."""
    best = dict.fromkeys(PHASES, float("inf"))
    generation = floor = float("inf")
    cpu = {"generation": float("inf"), "floor": float("inf")}
    files: dict[str, str] = {}
    blobs: dict[str, bytes] = {}
    before = rss = _peak_mb()
    for i in range(repeat):
        if i % 2 and blobs:
            floor = min(floor, io_floor(spec_dir, work, blobs))
            cpu["floor"] = min(cpu["floor"], CPU["floor"])
        files = {}  # the previous run's output is garbage before this one starts
        times, files = run_once(spec_dir, work)
        if i == 0:  # peak memory of generating, before the floor's copy of the bytes exists
            rss = _peak_mb()
            blobs = {rel: text.encode("utf-8") for rel, text in files.items()}
        best = {p: min(best[p], times[p]) for p in PHASES}
        generation = min(generation, sum(times[p] for p in PHASES if p != "rewrite"))
        cpu["generation"] = min(cpu["generation"], CPU["generation"])
        if not i % 2:
            floor = min(floor, io_floor(spec_dir, work, blobs))
            cpu["floor"] = min(cpu["floor"], CPU["floor"])
    return {"best": best, "generation": generation, "floor": floor, "cpu": cpu, "files": len(files),
            "bytes": sum(len(b) for b in blobs.values()), "rss_mb": rss, "rss_before_mb": before}


def comparison(services: int, m: dict) -> str:
    slos = services * SLOS_PER_SERVICE
    gen, floor, cpu = m["generation"], m["floor"], m["cpu"]
    return "\n".join([
        f"{'':<34}{'seconds':>10}{'us/SLO':>10}{'CPU s':>10}",
        f"{'full generation (fresh directory)':<34}{gen:>10.3f}{gen / slos * 1e6:>10.0f}{cpu['generation']:>10.3f}",
        f"{'I/O floor (parse specs, write)':<34}{floor:>10.3f}{floor / slos * 1e6:>10.0f}{cpu['floor']:>10.3f}",
        f"{'ratio':<34}{gen / floor:>10.2f}{'':>10}{cpu['generation'] / cpu['floor']:>10.2f}",
        f"peak memory {m['rss_mb']:.0f} MB (VmHWM of this process after its first generation; "
        f"{m['rss_before_mb']:.0f} MB before it)",
    ])


def linearity(sizes: list[int], repeat: int) -> str:
    """One subprocess per size: its peak resident set is that size's alone."""
    lines = [f"{'services':>8}{'SLOs':>7}{'files':>7}{'MB out':>8}{'gen s':>9}{'floor s':>9}{'ratio':>7}"
             f"{'CPU ratio':>10}{'gen us/SLO':>12}{'floor us/SLO':>14}{'peak MB':>9}{'MB/1k SLO':>11}"]
    for size in sizes:
        done = subprocess.run([sys.executable, __file__, "--services", str(size), "--repeat", str(repeat), "--json"],
                              capture_output=True, text=True, check=True, timeout=3600)
        m = json.loads(done.stdout.strip().splitlines()[-1])
        slos = size * SLOS_PER_SERVICE
        lines.append(f"{size:>8}{slos:>7}{m['files']:>7}{m['bytes'] / 1e6:>8.1f}{m['generation']:>9.3f}"
                     f"{m['floor']:>9.3f}{m['generation'] / m['floor']:>7.2f}"
                     f"{m['cpu']['generation'] / m['cpu']['floor']:>10.2f}{m['generation'] / slos * 1e6:>12.0f}"
                     f"{m['floor'] / slos * 1e6:>14.0f}{m['rss_mb']:>9.0f}"
                     f"{(m['rss_mb'] - m['rss_before_mb']) / slos * 1e3:>11.1f}")
    lines.append(f"(best of {repeat} per size, wall clock; CPU ratio: the same with process CPU seconds; "
                 "peak MB: VmHWM (peak RSS) of the size's own process after its first "
                 "generation, interpreter included; MB/1k SLO: that peak minus the process before generating)")
    return "\n".join(lines)


def _generate(spec_dir: Path, out: Path) -> list[str]:
    from obsgen import cache

    with pipeline.collector_paused():
        return write_tree(out, pipeline.run(spec_dir, out, cache_dir=cache.location(out)).files)


def reruns(spec_dir: Path, work: Path, repeat: int) -> str:
    """`obsgen generate` as the CLI runs it (with its rerun cache): a first run, a rerun
    with nothing changed, and a rerun after one service's objective changed; best of `repeat`."""
    best = {"first run (cold cache)": float("inf"), "rerun, nothing changed": float("inf"),
            "rerun, one service changed": float("inf")}
    victim = sorted(spec_dir.glob("svc-*.yaml"))[0]
    original = victim.read_text(encoding="utf-8")
    for _ in range(repeat):
        out = Path(tempfile.mkdtemp(prefix="rerun-", dir=work))
        try:
            runs = [_timed(_generate, spec_dir, out)[0], _timed(_generate, spec_dir, out)[0]]
            victim.write_text(re.sub(r"objective: [0-9.]+", "objective: 97.5", original, count=1), encoding="utf-8")
            runs.append(_timed(_generate, spec_dir, out)[0])
        finally:
            victim.write_text(original, encoding="utf-8")
            shutil.rmtree(out, ignore_errors=True)
        best = {k: min(v, t) for (k, v), t in zip(best.items(), runs, strict=True)}
    cold = best["first run (cold cache)"]
    lines = [f"{'generate with the cache':<30}{'seconds':>10}{'of first':>10}"]
    lines += [f"{k:<30}{v:>10.3f}{v / cold:>10.1%}" for k, v in best.items()]
    return "\n".join(lines)


def _cli_generate(specs: Path, cache_dir: Path) -> tuple[float, float]:
    """One `obsgen generate SPECS --out SPECS` in a process of its own, as users run it: wall clock
    and CPU seconds (user + system) of that process."""
    env = {**os.environ, "OBSGEN_CACHE_DIR": str(cache_dir)}
    env.pop("OBSGEN_NO_CACHE", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "obsgen", "generate", str(specs), "--out", str(specs)], env=env,
                   capture_output=True, text=True, check=True, timeout=3600)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def reruns_inside(sizes: list[int], repeat: int) -> str:
    """`obsgen generate . --out .` (the output tree, and its manifest listing ~5 files per service,
    inside the spec directory) for each size, one process per run: a first run (cold cache), a rerun
    with nothing changed and a rerun after one service's objective changed; best of `repeat`. Every
    file under the spec directory was once compared with every file the manifest lists: an unchanged
    rerun of 1000 services took 124 s against 10 s for a first run (issue 21)."""
    lines = [f"{'services':>8}{'files':>7}{'first s':>9}{'rerun s':>9}{'of first':>9}{'CPU s':>7}{'of first':>9}"
             f"{'rerun ms/svc':>13}{'one changed s':>14}{'of first':>9}"]
    with tempfile.TemporaryDirectory(prefix="obsgen-bench-inside-") as tmp:
        for size in sizes:
            synthesize(Path(tmp) / f"specs-{size}", size)
            best = [(float("inf"), float("inf"))] * 3
            for i in range(repeat):
                specs = Path(tmp) / f"run-{size}-{i}"
                shutil.copytree(Path(tmp) / f"specs-{size}", specs)
                victim = specs / "svc-00000.yaml"
                runs = [_cli_generate(specs, Path(tmp) / f"cache-{size}-{i}") for _ in range(2)]
                text = victim.read_text(encoding="utf-8")
                victim.write_text(re.sub(r"objective: [0-9.]+", "objective: 97.5", text, count=1), encoding="utf-8")
                runs.append(_cli_generate(specs, Path(tmp) / f"cache-{size}-{i}"))
                files = len((specs / ".obsgen-manifest").read_text(encoding="utf-8").splitlines()) - 3
                shutil.rmtree(specs, ignore_errors=True)
                best = [(min(b[0], r[0]), min(b[1], r[1])) for b, r in zip(best, runs, strict=True)]
            (first, first_cpu), (rerun, rerun_cpu), (changed, _) = best
            lines.append(f"{size:>8}{files:>7}{first:>9.2f}{rerun:>9.2f}{rerun / first:>9.1%}{rerun_cpu:>7.2f}"
                         f"{rerun_cpu / first_cpu:>9.1%}{rerun / size * 1e3:>13.2f}{changed:>14.2f}"
                         f"{changed / first:>9.1%}")
    lines.append(f"(`obsgen generate . --out .` in a process of its own per run, interpreter start included; "
                 f"best of {repeat} per size, wall clock and CPU each; CPU: user + system seconds of the rerun's "
                 "process, against the first run's; files: what the manifest lists)")
    return "\n".join(lines)


def breakdown(spec_dir: Path) -> str:
    """Render once more with light wrappers (no profiler overhead): time per renderer (its artifacts
    and their encoding), and the parts of it spent dumping YAML and parsing PromQL."""
    from obsgen import backends, promql
    from obsgen import yamlio as yamlout
    from obsgen.render import _call

    forget()
    plan = compile_plan(pipeline.run(spec_dir, compile=False).specs)
    spent = {"yaml": 0.0, "check": 0.0, "parse": 0.0}
    counts = {"yaml": 0, "check": 0, "parse": 0}

    def wrap(key: str, fn: Callable) -> Callable:
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[key] += time.perf_counter() - start
                counts[key] += 1
        return timed

    dump, check, parse = yamlout.dump, promql.check, promql.parse
    yamlout.dump, promql.check, promql.parse = wrap("yaml", dump), wrap("check", check), wrap("parse", parse)
    lines = [f"{'render part':<28}{'seconds':>10}{'calls':>10}"]
    try:
        rendered: dict = {}
        for backend in backends.registered():  # each rendered and encoded, as a run does
            name, before = backend.name, dict(spent)
            took, produced = _timed(lambda b: _call(b, plan, rendered), backend)
            took += _timed(encode.texts, produced)[0]
            rendered.update(produced)
            yaml_s, check_s = spent["yaml"] - before["yaml"], spent["check"] - before["check"]
            lines.append(f"{name:<28}{took:>10.3f}")
            lines.append(f"{'  yamlout.dump':<28}{yaml_s:>10.3f}")
            lines.append(f"{'  promql.check':<28}{check_s:>10.3f}")
            lines.append(f"{'  building the documents':<28}{took - yaml_s - check_s:>10.3f}")
    finally:
        yamlout.dump, promql.check, promql.parse = dump, check, parse
    lines.append(f"{'yamlout.dump calls':<28}{'':>10}{counts['yaml']:>10}")
    lines.append(f"{'promql.check calls':<28}{'':>10}{counts['check']:>10}")
    lines.append(f"{'promql.parse calls (all)':<28}{'':>10}{counts['parse']:>10}")
    return "\n".join(lines)


def profile(spec_dir: Path, work: Path, top: int) -> str:
    out = Path(tempfile.mkdtemp(prefix="prof-", dir=work))
    forget()
    profiler = cProfile.Profile()
    profiler.enable()
    files = encode.texts(render_all(compile_plan(pipeline.run(spec_dir, compile=False).specs)))
    write_tree(out, files)
    write_tree(out, files)
    profiler.disable()
    shutil.rmtree(out, ignore_errors=True)
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).strip_dirs()
    text.write(f"--- top {top} by cumulative time\n")
    stats.sort_stats("cumulative").print_stats(top)
    text.write(f"--- top {top} by own time\n")
    stats.sort_stats("tottime").print_stats(top)
    return text.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", type=int, default=1000, help="services to synthesize (default 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs; each figure reports its best (default 3)")
    parser.add_argument("--profile", action="store_true", help="also split render and run once under cProfile")
    parser.add_argument("--top", type=int, default=25, help="functions shown by --profile (default 25)")
    parser.add_argument("--linearity", action="store_true", help="also generation vs floor and peak memory per size")
    parser.add_argument("--sizes", default="100,500,1000,2000,5000", help="services per --linearity row")
    parser.add_argument("--no-reruns", action="store_true", help="skip the rerun-cache table")
    parser.add_argument("--inside", action="store_true",
                        help="also reruns with the output tree inside the spec directory, per size")
    parser.add_argument("--inside-sizes", default="100,1000,5000", help="services per --inside row")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # one --linearity row
    args = parser.parse_args(argv)
    if args.services < 1 or args.repeat < 1:
        parser.error("--services and --repeat must be at least 1")

    with tempfile.TemporaryDirectory(prefix="obsgen-bench-") as tmp:
        work = Path(tmp)
        spec_dir = work / "slos"
        synth, _ = _timed(synthesize, spec_dir, args.services)
        if args.json:
            m = measure(spec_dir, work, args.repeat)
            print(json.dumps({k: v for k, v in m.items() if k != "best"}))
            return 0
        slos = args.services * SLOS_PER_SERVICE
        print(f"{args.services} services, {slos} SLOs, {len(TEAMS)} teams; specs synthesized in {synth:.2f}s; "
              f"best of {args.repeat}; Python {sys.version.split()[0]}; {os.cpu_count()} CPUs, "
              f"load average {os.getloadavg()[0]:.1f}")
        m = measure(spec_dir, work, args.repeat)
        best = m["best"]
        total = sum(best.values())
        print(f"{'phase':<10}{'seconds':>10}{'share':>8}{'us/SLO':>10}")
        for phase in PHASES:
            print(f"{phase:<10}{best[phase]:>10.3f}{best[phase] / total:>8.0%}{best[phase] / slos * 1e6:>10.0f}")
        print(f"{'total':<10}{total:>10.3f}{1:>8.0%}{total / slos * 1e6:>10.0f}")
        print(f"output: {m['files']} files, {m['bytes'] / 1e6:.1f} MB ({m['bytes'] / slos / 1e3:.1f} kB per SLO)")
        print(comparison(args.services, m))
        if not args.no_reruns:
            print(reruns(spec_dir, work, args.repeat))
        if args.profile:
            print(breakdown(spec_dir))
            print(profile(spec_dir, work, args.top))
    if args.linearity:
        print(linearity([int(n) for n in args.sizes.split(",")], args.repeat))
    if args.inside:
        print(reruns_inside([int(n) for n in args.inside_sizes.split(",")], args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
