"""Run promtool over generated rules and their unit tests: every core, many files per process, and
nothing twice.

`verify` checks every rules file (`promtool check rules`, all lints fatal) and runs the unit tests
as verify/promtool_plan.py selects them: the full scenario suite once per rule shape, the wiring
scenarios for every SLO. A check whose exact inputs (file bytes, promtool's and obsgen's versions)
already passed is not run again (verify/result_cache.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

from obsgen import names, yamlio
from obsgen.errors import ToolError
from obsgen.verify import promtool_plan, scenario_rules, shapes, yaml_items
from obsgen.verify.result import Result
from obsgen.verify.result_cache import ResultCache, digest

INSTALL_HINT = ("promtool not found: install it with "
                "`apt-get install --no-install-recommends prometheus` (Debian/Ubuntu) or put it on PATH")
# test files per promtool process: its start-up (about 26 CPU-ms) is paid once per batch, and a
# process's later files cost less than its first ones (measured, 256 wiring files: 27.3 CPU-ms a file
# in batches of 16, 24.6 in one of 128). At least two batches a core keep the cores busy.
BATCH = 64
CHECK_BATCH = 200  # rules files per `promtool check rules`


def promtool() -> str:
    found = shutil.which("promtool")
    if not found:
        raise ToolError(INSTALL_HINT)
    return found


# promtool gives every test group a TSDB of its own in a temporary directory, made and removed
# again for every group (thousands at 1,000 services); on a memory file system that costs a third
# of the system time it costs on disk (measured: 2.3 -> 1.3 CPU-ms a file of one group). Used only
# when it is a writable directory with room to spare.
_SHM = "/dev/shm"
_SHM_ROOM = 256 << 20


def _tool_env() -> dict[str, str] | None:
    """The environment promtool runs in: TMPDIR on a memory file system when there is one and the
    user set no TMPDIR of their own."""
    if "TMPDIR" in os.environ:
        return None
    try:
        room = os.statvfs(_SHM)
    except OSError:
        return None
    if room.f_bavail * room.f_frsize < _SHM_ROOM or not os.access(_SHM, os.W_OK | os.X_OK):
        return None
    return {**os.environ, "TMPDIR": _SHM}


def _run(command: list[str], cwd: Path) -> Result:
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=_tool_env())
    return Result(tuple(command), proc.returncode == 0, (proc.stdout + proc.stderr).strip())


def _cores(jobs: int | None) -> int:
    """The cores this process may use (its affinity, not the machine's count)."""
    if jobs:
        return jobs
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def check_rules(out: Path, files: list[str]) -> Result:
    """promtool check rules with every lint, lint findings fatal."""
    return _run([promtool(), "check", "rules", "--lint=all", "--lint-fatal", *files], out)


def test_rules(out: Path, files: list[str], jobs: int | None = None) -> list[Result]:
    """promtool test rules, a process per test file (each loads only its service's rules)."""
    tool = promtool()
    with ThreadPoolExecutor(max_workers=_cores(jobs)) as pool:
        return list(pool.map(lambda f: _run([tool, "test", "rules", f], out), files))


def _chunks(items: list, size: int, at_least: int) -> list[list]:
    """items in about equal chunks of at most `size`, and at least `at_least` of them (for the cores)."""
    count = max(min(at_least, len(items)), -(-len(items) // size)) if items else 0
    return [items[i::count] for i in range(count)]


def checked(out: Path, rules: list[str], store: ResultCache, jobs: int) -> Result:
    """promtool check rules on the files not checked before with these bytes, in batches over the cores."""
    keys = {r: store.key("checked", r, digest((out / r).read_bytes())) for r in rules}
    todo = [r for r in rules if store.get(keys[r]) is None]
    command = ("promtool", "check", "rules", "--lint=all", "--lint-fatal", *rules)
    if not todo:
        return Result(command, True, "", note=f"{len(rules)} files cached")
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        runs = list(pool.map(lambda batch: (batch, check_rules(out, batch)), _chunks(todo, CHECK_BATCH, jobs)))
    for batch, result in runs:
        if result.ok:
            for r in batch:
                store.put(keys[r], True)
    failed = [r.output for _, r in runs if not r.ok]
    note = f"{len(rules) - len(todo)} of {len(rules)} files cached" if len(todo) < len(rules) else ""
    return Result(command, not failed, "\n".join(failed) if failed else "", note=note)


def _split(args: tuple[str, str, tuple[str, ...] | None, str]) -> list[str]:
    """The kept groups of a test file as test files of their own, one per SLO, each loading only
    that SLO's rule groups (taken from the generated rules files as they are): promtool evaluates
    every loaded rule at every step, so each SLO's scenarios cost its own rules, not its service's.
    Groups of no SLO in the rules keep every rules file. Returns the paths written under `target`.
    Each scenario of an SLO loads only the rules it reads (verify/scenario_rules.py): the scenarios
    reading the same rules share a file; their alerts keep annotations only if a scenario reads them.
    Files in obsgen's layout are cut as text (verify/yaml_items.py), others parsed."""
    out, test, keep, target = args
    source = Path(out) / test
    test_doc = _items(source.read_text(encoding="utf-8"), "tests")
    rule_files = [(source.parent / f).resolve() for f in test_doc[0].get("rule_files") or []]
    own: dict[str, list[str]] = {}
    for path in rule_files:
        for sid, group in _items(path.read_text(encoding="utf-8"), "groups", yaml_items.sloth_id)[1]:
            if sid:
                own.setdefault(sid, []).append(group)
    wanted = None if keep is None else set(keep)
    parts: dict[str, list[tuple[str, str]]] = {}
    for name, scenario in test_doc[1]:
        if wanted is None or name in wanted:
            sid = (name or "").partition(": ")[0]
            parts.setdefault(sid if sid in own else "", []).append((name or "", scenario))
    runs = []  # (rules to load, or None: the test file's own; scenarios)
    for sid, named in parts.items():
        scenarios = [text for _, text in named]
        runs += scenario_rules.by_reads(own[sid], scenarios) if sid else [(None, scenarios)]
    written = []
    for i, (groups, scenarios) in enumerate(runs):
        loads = [str(p) for p in rule_files]
        if groups is not None:
            loads = [f"{target}-{i}.rules.yaml"]
            groups = scenario_rules.without_annotations(groups, scenarios)
            Path(loads[0]).write_text("groups:\n" + "".join(groups), encoding="utf-8")
        head = yamlio.dump_plain({**test_doc[0], "rule_files": loads})
        Path(f"{target}-{i}.yaml").write_text(head + "tests:\n" + "".join(scenarios), encoding="utf-8")
        written.append(f"{target}-{i}.yaml")
    return written




def _items(text: str, key: str, label=yaml_items.name) -> tuple[dict, list[tuple[str | None, str]]]:
    """A document without its `key` list, and each item of that list as (label, YAML text)."""
    found = yaml_items.split(text, key)
    if found is not None:
        return found[0], [(label(item), item) for item in found[1]]
    doc = yamlio.load(text) or {}
    items = doc.pop(key, None) or []
    dump = [yamlio.dump_plain([item]) for item in items]
    if key == "groups":
        return doc, [(shapes.identity(item).get(names.SLOTH_ID), text) for item, text in zip(items, dump, strict=True)]
    return doc, [(str(item.get("name", "")), text) for item, text in zip(items, dump, strict=True)]


def _note(job: promtool_plan.Job) -> str:
    if job.keep is None:
        return f"all groups; proves {job.proves} shape(s)" if job.proves else "all groups"
    what = [f"proves {job.proves} shape(s)"] if job.proves else []
    what += [f"{job.wired} SLO(s) wiring only"] if job.wired else []
    return f"{len(job.keep)} group(s): " + ", ".join(what or ["no SLO groups"])


def tested(out: Path, planned: list[promtool_plan.Job], store: ResultCache, jobs: int) -> list[Result]:
    """Run every planned test file whose exact inputs did not pass before: split per SLO in a
    process pool (_split), then batches of files per promtool process over the cores."""
    tool = promtool()
    results: dict[str, Result] = {}
    todo = []
    for job in planned:
        if store.get(job.key) is not None:
            results[job.test] = Result(("promtool", "test", "rules", job.test), True, "", note="cached")
        else:
            todo.append(job)
    with tempfile.TemporaryDirectory(prefix="obsgen-test-") as tmp:
        args = [(str(out.resolve()), j.test, j.keep, os.path.join(tmp, str(i)))
                for i, j in enumerate(todo)]
        if len(args) > 8 and jobs > 1:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                split = list(pool.map(_split, args, chunksize=max(1, len(args) // (4 * jobs))))
        else:
            split = [_split(a) for a in args]
        units = [(i, path) for i, paths in enumerate(split) for path in paths]

        def batch_run(batch: list[tuple[int, str]]) -> list[tuple[int, Result]]:
            whole = _run([tool, "test", "rules", *(path for _, path in batch)], out)
            if whole.ok or len(batch) == 1:
                return [(i, whole) for i, _ in batch]
            return [(i, _run([tool, "test", "rules", path], out)) for i, path in batch]  # which one failed

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            done = [pair for batch in pool.map(batch_run, _chunks(units, BATCH, 2 * jobs)) for pair in batch]
    failures: dict[int, list[str]] = {}
    for i, result in done:
        if not result.ok:
            failures.setdefault(i, []).append(result.output)
    for i, job in enumerate(todo):
        if i not in failures:
            store.put(job.key, True)
        output = "\n".join(dict.fromkeys(failures.get(i, [])))
        if output:
            output = f"(ran {job.test} split per SLO, each with its own rule groups)\n{output}"
        results[job.test] = Result(("promtool", "test", "rules", job.test), i not in failures, output,
                                   note=_note(job))
    return [results[j.test] for j in planned]


def verify(out: Path, jobs: int | None = None) -> list[Result]:
    rules = sorted(p.relative_to(out).as_posix() for p in (out / "alerts" / "rules").glob("*.yaml"))
    tests = sorted(p.relative_to(out).as_posix() for p in (out / "alerts" / "tests").glob("*.yaml"))
    if not rules:
        raise ToolError(f"no rule files under {out / 'alerts' / 'rules'}: run obsgen generate first")
    cores = _cores(jobs)
    store = ResultCache.of(out, promtool())
    results = [checked(out, rules, store, cores)]
    results += tested(out, promtool_plan.plan(out, tests, store, cores), store, cores)
    store.prune(("checked", "groups", "shapes", "passed"))
    return results
