"""How long `obsgen test` takes at many services: cold, unchanged, and after one service changed.

Synthesizes N services (bench_generate.synthesize: 3 SLOs each, the SLI kinds mixed), generates
them with `obsgen generate`, then times, each in a process of its own with a fresh cache directory
for the cold run:

  generate        the first `obsgen generate` (its own rerun cache cold)
  test cold       `obsgen test` with an empty result cache
  test unchanged  `obsgen test` again (every result cached)
  regenerate      `obsgen generate` after one service's objective changed (generate cache warm)
  test changed    `obsgen test` after that change

With --only promtool the test runs are the promtool verifier alone (obsgen/verify/promtool.py: the
rule checks and unit tests), without the other verifiers. Each row prints wall seconds, CPU seconds
of the process and its children, and the 1-minute load average when it ended (the machine may be
shared: a load above the core count means the wall time is inflated).

--each times every verifier cold instead, one by one, each in a process of its own.

    python bench/bench_test.py [--services 100 1000] [--only promtool] [--full-regenerate] [--each]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_generate

OBSGEN = [sys.executable, "-m", "obsgen"]
ONLY = ("import sys; from pathlib import Path; from obsgen.verify import VERIFIERS;"
        "r = VERIFIERS[sys.argv[1]](Path(sys.argv[2])); print(sum(x.ok for x in r), 'of', len(r), 'ok');"
        "sys.exit(0 if all(x.ok for x in r) else 1)")


def _timed(command: list[str], env: dict, cwd: Path) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        print(proc.stdout[-3000:], proc.stderr[-3000:], file=sys.stderr)
    return wall, cpu, proc.returncode


def _row(what: str, services: int, timed: tuple[float, float, int]) -> str:
    wall, cpu, code = timed
    return (f"| {services:>6} | {what:<22} | {wall:8.1f} | {cpu:8.1f} | {os.getloadavg()[0]:5.1f} |"
            f" {'ok' if code == 0 else f'exit {code}'} |")


def _change_one(spec_dir: Path) -> None:
    """One service's first objective, as a merge that tunes one SLO would change it."""
    path = sorted(spec_dir.glob("svc-*.yaml"))[len(list(spec_dir.glob("svc-*.yaml"))) // 2]
    text = path.read_text()
    for old, new in (("objective: 99.9\n", "objective: 99.8\n"), ("objective: 99.95\n", "objective: 99.9\n"),
                     ("objective: 99.5\n", "objective: 99.6\n")):
        if old in text:
            path.write_text(text.replace(old, new, 1))
            return
    raise SystemExit(f"no objective to change in {path}")


def run(services: int, only: str | None, work: Path, full_regenerate: bool):
    """Yields each row as soon as it is measured."""
    root = work / f"s{services}"
    spec_dir = root / "slos"
    bench_generate.synthesize(spec_dir, services)
    env = {**os.environ, "OBSGEN_CACHE_DIR": str(root / "cache")}
    env.pop("OBSGEN_NO_CACHE", None)
    generate = [*OBSGEN, "generate", "slos", "--out", "out"]
    test = ([sys.executable, "-c", ONLY, only, "out"] if only else [*OBSGEN, "test", "--out", "out"])
    yield _row("generate", services, _timed(generate, env, root))
    yield _row("test cold", services, _timed(test, env, root))
    yield _row("test unchanged", services, _timed(test, env, root))
    _change_one(spec_dir)
    yield _row("regenerate one changed", services, _timed(generate, env, root))
    if full_regenerate:  # the same change, nothing cached: what the one-service rerun is compared with
        yield _row("full generate (no cache)", services,
                   _timed([*generate, "--force"], {**env, "OBSGEN_NO_CACHE": "1"}, root))
    yield _row("test one changed", services, _timed(test, env, root))


def each_verifier(services: int, work: Path):
    """Every verifier cold, each in a process of its own with an empty cache: where the time goes."""
    from obsgen.verify import VERIFIERS

    root = work / f"each{services}"
    bench_generate.synthesize(root / "slos", services)
    env = {**os.environ, "OBSGEN_CACHE_DIR": str(root / "cache")}
    env.pop("OBSGEN_NO_CACHE", None)
    yield _row("generate", services, _timed([*OBSGEN, "generate", "slos", "--out", "out"], env, root))
    for name in VERIFIERS:
        shutil.rmtree(root / "cache", ignore_errors=True)
        yield _row(f"cold: {name}", services, _timed([sys.executable, "-c", ONLY, name, "out"], env, root))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--only", help="time one verifier (e.g. promtool) instead of the whole `obsgen test`")
    parser.add_argument("--each", action="store_true",
                        help="time every verifier cold, one by one, instead of the runs of `obsgen test`")
    parser.add_argument("--full-regenerate", action="store_true",
                        help="also time the changed tree's generate with the cache off")
    args = parser.parse_args(argv)
    print(f"cores: {len(os.sched_getaffinity(0))}; `obsgen test`{' --only ' + args.only if args.only else ''}")
    print("| services | run | wall s | CPU s | load | |\n|---:|---|---:|---:|---:|---|")
    work = Path(tempfile.mkdtemp(prefix="obsgen-bench-test-"))
    try:
        for services in args.services:
            rows = each_verifier(services, work) if args.each else run(services, args.only, work,
                                                                        args.full_regenerate)
            for row in rows:
                print(row, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
