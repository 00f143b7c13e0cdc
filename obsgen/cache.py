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

The cache of an output tree lives outside it, under `$OBSGEN_CACHE_DIR` (default
`$XDG_CACHE_HOME/obsgen`, else `~/.cache/obsgen`), one folder per tree: the output tree holds only
what obsgen writes all or nothing. Entries are JSON files written atomically; anything unreadable is a miss, never an
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

ENV_DIR = "OBSGEN_CACHE_DIR"  # where caches live; default $XDG_CACHE_HOME/obsgen or ~/.cache/obsgen
FORMAT = "1"
# Renderers whose output for a plan is the union of their outputs for each service alone.
PER_SERVICE = frozenset({"prometheus", "promtool-tests", "k8s-prometheus-rules"})


@cache
def code_digest() -> str:
    """obsgen's version and the bytes of every module of the package."""
    digest = hashlib.sha256(f"{FORMAT}\0{obsgen.__version__}".encode())
    root = Path(obsgen.__file__).parent
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def inputs_key(spec_dir: Path, skip=()) -> str:
    """Every file under the spec directory, names and bytes (a superset of what the loader reads),
    but those under `skip` (an output tree kept inside the spec directory)."""
    digest = hashlib.sha256(code_digest().encode())
    spec_dir = Path(spec_dir)
    skipped = [Path(p).resolve() for p in skip]
    for path in sorted(p for p in spec_dir.rglob("*") if p.is_file()):
        if skipped and any(path.resolve().is_relative_to(s) for s in skipped):
            continue
        digest.update(path.relative_to(spec_dir).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def location(out: Path) -> Path:
    """The cache of one output tree: under the user's cache directory, one folder per tree."""
    base = os.environ.get(ENV_DIR)
    root = Path(base) if base else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "obsgen"
    return root / hashlib.sha256(str(Path(out).resolve()).encode()).hexdigest()[:24]


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

    def get_run(self, key: str):
        """(files, services, SLOs, warnings) of a whole earlier run with these inputs, or None."""
        meta, files = self.get("run-" + key), self.get("inputs-" + key)
        if meta is None or files is None:
            return None
        try:
            services, slos = int(meta["services"]), int(meta["slos"])
            said = [_Said(text) for text in json.loads(meta["warnings"])]
        except (KeyError, ValueError, TypeError):
            return None
        return files, services, slos, said

    def put_run(self, key: str, files: dict[str, str], services: int, slos: int, warnings) -> None:
        self.put("inputs-" + key, files)
        self.put("run-" + key, {"services": str(services), "slos": str(slos),
                                "warnings": json.dumps([str(w) for w in warnings])})

    def renderer_call(self):
        """A `call` for render.render_all that renders only what this cache does not hold."""
        if self.directory is None:
            return lambda name, renderer, plan: renderer(plan)
        shared: dict[int, str] = {}

        def call(name: str, renderer, plan: Plan) -> dict[str, str]:
            if name not in PER_SERVICE:
                return self._cached(_key("plan", name, repr(plan)), lambda: renderer(plan))
            common = shared.setdefault(id(plan), _shared(plan))
            files: dict[str, str] = {}
            for service in plan.services:
                files.update(self._cached(_key("service", name, common, repr(service)),
                                          lambda s=service: renderer(dataclasses.replace(plan, services=(s,)))))
            return files

        return call

    def _cached(self, key: str, produce) -> dict[str, str]:
        produced = self.get(key)
        if produced is None:
            produced = produce()
            self.put(key, produced)
        return produced

    def prune(self) -> None:
        """Drop every entry this build did not use."""
        if self.directory is None or not self.directory.is_dir():
            return
        for path in self.directory.iterdir():
            if (path.suffix == ".json" and path.stem not in self.used) or path.name.startswith(".tmp-"):
                with contextlib.suppress(OSError):
                    path.unlink()


@dataclasses.dataclass(frozen=True)
class _Said:
    """A warning replayed from the cache: printed as it was the first time."""

    text: str

    def __str__(self) -> str:
        return self.text
