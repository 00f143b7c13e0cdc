"""A cache that makes reruns over unchanged specs nearly free, and partial changes cheaper.

Two levels, both keyed by content hashes that include obsgen's own code (its version and the bytes
of every module), so an upgrade or a local edit of obsgen invalidates everything:

- **inputs**: the bytes of every file under the spec directory (names included). When they are
  unchanged, the whole output comes from the cache: nothing is parsed, checked or rendered.
- **per service**: when some input changed, specs are loaded, checked and compiled as usual (checks
  span documents), then each renderer listed in PER_SERVICE renders only the services whose plan
  changed; every service's key covers its ServicePlan and every Plan field that is not a service
  (teams, platform settings...), so a changed Team or Platform document re-renders what reads it.
  Renderers not listed there render the whole plan, keyed by the whole plan.

The cache lives in `<out>/.obsgen-cache/` (never in the manifest: the writer does not write it; and
git-ignored). Entries are JSON files written atomically; anything unreadable is a miss, never an
error. Each successful build keeps only the entries it used.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import tempfile
from functools import cache
from pathlib import Path

import obsgen
from obsgen.plan.model import Plan

DIR_NAME = ".obsgen-cache"
FORMAT = "1"
# Renderers whose output for a plan is the union of their outputs for each service alone.
PER_SERVICE = frozenset({"prometheus", "promtool-tests"})


@cache
def code_digest() -> str:
    """obsgen's version and the bytes of every module of the package."""
    digest = hashlib.sha256(f"{FORMAT}\0{obsgen.__version__}".encode())
    root = Path(obsgen.__file__).parent
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def inputs_key(spec_dir: Path) -> str:
    """Every file under the spec directory, names and bytes (a superset of what the loader reads)."""
    digest = hashlib.sha256(code_digest().encode())
    spec_dir = Path(spec_dir)
    for path in sorted(p for p in spec_dir.rglob("*") if p.is_file()):
        digest.update(path.relative_to(spec_dir).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _key(*parts: str) -> str:
    return hashlib.sha256("\0".join((code_digest(), *parts)).encode()).hexdigest()


def _shared(plan: Plan) -> str:
    """Every Plan field but the services: what any service's output may also read."""
    return repr([(f.name, getattr(plan, f.name)) for f in dataclasses.fields(plan) if f.name != "services"])


class Cache:
    def __init__(self, directory: Path | None):
        self.directory = Path(directory) if directory is not None else None
        self.used: set[str] = set()

    def get(self, key: str) -> dict[str, str] | None:
        if self.directory is None:
            return None
        try:
            files = json.loads((self.directory / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            return None
        if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                  for k, v in files.items()):
            return None
        self.used.add(key)
        return files

    def put(self, key: str, files: dict[str, str]) -> None:
        if self.directory is None:
            return
        self.used.add(key)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(files, out, ensure_ascii=False, sort_keys=True)
            os.replace(tmp, self.directory / f"{key}.json")
        except OSError:
            return  # a cache that cannot be written is only slower

    def prune(self) -> None:
        """Drop every entry this build did not use."""
        if self.directory is None or not self.directory.is_dir():
            return
        for path in self.directory.iterdir():
            if (path.suffix == ".json" and path.stem not in self.used) or path.name.startswith(".tmp-"):
                with contextlib.suppress(OSError):
                    path.unlink()


def render(cache_: Cache, renderers: dict, plan: Plan) -> dict[str, str]:
    """Every renderer's files for the plan, rendering only what the cache does not hold."""
    files: dict[str, str] = {}

    def add(name: str, produced: dict[str, str]) -> None:
        for path, text in produced.items():
            if path in files:
                raise RuntimeError(f"renderer {name} writes {path}, which another renderer wrote")
            files[path] = text

    shared = _shared(plan)
    for name, renderer in renderers.items():
        if name not in PER_SERVICE:
            key = _key("plan", name, repr(plan))
            produced = cache_.get(key)
            if produced is None:
                produced = renderer(plan)
                cache_.put(key, produced)
            add(name, produced)
            continue
        for service in plan.services:
            key = _key("service", name, shared, repr(service))
            produced = cache_.get(key)
            if produced is None:
                produced = renderer(dataclasses.replace(plan, services=(service,)))
                cache_.put(key, produced)
            add(name, produced)
    return dict(sorted(files.items()))
