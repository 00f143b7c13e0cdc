"""Which promtool test groups `obsgen test` runs: the full suite once per rule shape, the wiring
scenarios for every SLO, and nothing it already proved.

Every test file is read for its rule_files and its groups' names (a group belongs to the SLO whose
sloth_id starts its name). Files are taken in order of their paths; in each kind of test file (the
burn-rate tests, the health tests...) the first SLO of each shape (verify/shapes.py) and suite (its
groups' names but its id) runs every one of its groups: it proves the shape. Every other SLO runs
only its wiring groups (named `<id>: wiring: ...`, render/promtool_tests.WIRING): its own SLI
selectors and labels. Groups of no
known SLO always run. The result of each file's selection is cached under a key made of the bytes
of the test file, of every rules file it loads, and of the selection (verify/result_cache.py).
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from obsgen import yamlio
from obsgen.render.promtool_tests import WIRING
from obsgen.verify import shapes, yaml_items
from obsgen.verify.result_cache import ResultCache, digest


@dataclass(frozen=True)
class Job:
    test: str  # the test file, relative to the output tree
    rule_files: tuple[str, ...]  # the rules files it loads, as it names them
    keep: tuple[str, ...] | None  # the groups to run, in file order; None: every group
    key: str  # the result cache key of this run of this file
    proves: int  # shapes whose full suite this run holds
    wired: int  # SLOs run with their wiring groups only


def _groups(text: str) -> dict:
    """A test file's rule_files and its groups' names (cut as text in obsgen's layout)."""
    found = yaml_items.split(text, "tests")
    if found is not None:
        return {"rule_files": [str(f) for f in found[0].get("rule_files") or []],
                "groups": [yaml_items.name(item) or "" for item in found[1]]}
    doc = yamlio.load(text) or {}
    return {"rule_files": [str(f) for f in doc.get("rule_files") or []],
            "groups": [str(t.get("name", "")) for t in doc.get("tests") or []]}


def _read(job: tuple[str, str]):
    kind, text = job
    return shapes.of_rules(text) if kind == "shapes" else _groups(text)


def _cached_reads(found: dict[str, bytes], kind: str, store: ResultCache, jobs: int) -> dict[str, object]:
    """What each file holds (its shapes or its groups), from the cache or read in a process pool."""
    done, missing = {}, []
    for path, data in found.items():
        key = store.key(kind, digest(data))
        value = store.get(key)
        if value is None:
            missing.append((path, key))
        else:
            done[path] = value
    if missing:
        texts = [(kind, found[p].decode("utf-8", "replace")) for p, _ in missing]
        if jobs > 1 and len(texts) > 8:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                values = list(pool.map(_read, texts, chunksize=max(1, len(texts) // (4 * jobs))))
        else:
            values = [_read(t) for t in texts]
        for (path, key), value in zip(missing, values, strict=True):
            store.put(key, value)
            done[path] = value
    return done


def _rules_path(test: str, name: str) -> str:
    """A rule_files entry as a path relative to the output tree (resolved from the test file)."""
    return os.path.normpath(os.path.join(os.path.dirname(test), name)).replace(os.sep, "/")


def _kind(test: str) -> str:
    """The kind of a test file: its name without the service (`test.yaml`, `health.test.yaml`)."""
    name = Path(test).name
    return name.split(".", 1)[1] if "." in name else name


def plan(out: Path, tests: list[str], store: ResultCache, jobs: int) -> list[Job]:
    test_bytes = {t: (out / t).read_bytes() for t in sorted(tests)}
    infos = _cached_reads(test_bytes, "groups", store, jobs)
    rules = sorted({_rules_path(t, f) for t in tests for f in infos[t]["rule_files"]})
    rule_bytes = {r: (out / r).read_bytes() for r in rules if (out / r).is_file()}
    shaped = _cached_reads(rule_bytes, "shapes", store, jobs)
    proven: dict[tuple[str, str], tuple[str, str]] = {}
    planned = []
    for test in sorted(tests):
        info = infos[test]
        loads = [_rules_path(test, f) for f in info["rule_files"]]
        slo_shapes = {sid: shape for r in loads for sid, shape in (shaped.get(r) or {}).items()}
        suites: dict[str, list[str]] = {}  # each SLO's groups, named without its id
        for name in info["groups"]:
            sid, _, rest = name.partition(": ")
            suites.setdefault(sid, []).append(rest)
        reps = {sid for sid, suite in suites.items() if sid in slo_shapes and proven.setdefault(
            (_kind(test), slo_shapes[sid], tuple(suite)), (test, sid)) == (test, sid)}
        keep, wired = [], set()
        for name in info["groups"]:
            sid = name.partition(": ")[0]
            if sid not in slo_shapes or sid in reps:
                keep.append(name)
            elif name.startswith(f"{sid}: {WIRING}"):
                wired.add(sid)
                keep.append(name)
        selection = None if len(keep) == len(info["groups"]) else tuple(keep)
        parts = [digest(test_bytes[test])] + [f"{r}\0{digest(rule_bytes.get(r, b''))}" for r in loads]
        key = store.key("passed", test, *parts, repr(selection))
        planned.append(Job(test, tuple(info["rule_files"]), selection, key, len(reps), len(wired)))
    return planned
