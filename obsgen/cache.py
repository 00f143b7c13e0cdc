"""A cache that makes reruns over unchanged specs nearly free, and partial changes cheaper.

It holds no output: its entries map content-hash keys to the sha256 of the files obsgen wrote, and
a hit reads those files back from the output tree, checking every byte against that sha256. So
filling it costs little more than hashing what is written anyway, it can never replay a file that
was edited, lost or not written (a mismatch is a miss, never an error), and it cannot drift from
the tree. Keys include obsgen's own code (its version and the bytes of every module), so an upgrade
or a local edit of obsgen invalidates everything. Two levels:

- **inputs**: the bytes of every input file under the spec directory (names included). When they are
  unchanged and the tree still holds what that run wrote, nothing is parsed, checked or rendered.
- **per service**: when some input changed, specs are loaded, checked and compiled as usual (checks
  span documents), then each backend that declares itself per_service (obsgen/backends.py)
  renders only the services whose plan changed; every service's key covers its ServicePlan and
  every Plan field that is not a service (teams, platform settings...), so a changed Team or
  Platform document re-renders what reads it. The other renderers read the whole plan and run
  again: their key would be the whole plan, which a change to any service changes anyway.

The cache of an output tree lives outside it, under `$OBSGEN_CACHE_DIR` (default
`$XDG_CACHE_HOME/obsgen`, else `~/.cache/obsgen`), one folder per tree: the output tree holds only
what obsgen writes all or nothing. Entries are small JSON files written atomically; anything
unreadable is a miss. Each successful build keeps only the entries it used.
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
from obsgen import artifacts
from obsgen.inputs import Inputs
from obsgen.output import encode
from obsgen.output.survey import read_regular
from obsgen.plan.model import Plan

ENV_DIR = "OBSGEN_CACHE_DIR"  # where caches live; default $XDG_CACHE_HOME/obsgen or ~/.cache/obsgen
FORMAT = "3"  # entries hold sha256 digests of files in the tree, not the files, and their artifacts' facts


@cache
def code_digest() -> str:
    """obsgen's version and the bytes of every module of the package."""
    digest = hashlib.sha256(f"{FORMAT}\0{obsgen.__version__}".encode())
    root = Path(obsgen.__file__).parent
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def inputs_key(found: Inputs) -> str:
    """Every input file under the spec directory, names and bytes (a superset of what the loader
    reads); obsgen's output kept there is not input (obsgen/inputs.py). With the backends registered:
    one registered from outside obsgen's package (a plugin, a test) is not in code_digest."""
    from obsgen import backends

    digest = hashlib.sha256("\0".join([code_digest(), *backends.REGISTRY]).encode())
    for path in found.files:
        digest.update(found.relative(path).encode() + b"\0")
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


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()



def read_entry(directory: Path | None, key: str):
    """The JSON entry `key` of a cache directory, or None (no directory, no entry, or unreadable: a miss)."""
    if directory is None:
        return None
    try:
        return json.loads((directory / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def write_entry(directory: Path, key: str, value) -> None:
    """Write the entry atomically (a reader sees the old entry or the new one, never half of one)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(value, out, sort_keys=True)
        os.replace(tmp, directory / f"{key}.json")
    except OSError:
        return  # a cache that cannot be written is only slower

class Cache:
    """Entries of one output tree's cache; `tree` is where a hit reads its files from."""

    def __init__(self, directory: Path | None, tree: Path | None = None):
        self.directory = Path(directory) if directory is not None and tree is not None else None
        self.tree = Path(tree) if tree is not None else None
        self.used: set[str] = set()

    def _entry(self, key: str) -> dict | None:
        entry = read_entry(self.directory, key)
        return entry if isinstance(entry, dict) else None

    def _put(self, key: str, entry: dict) -> None:
        if self.directory is None:
            return
        self.used.add(key)
        write_entry(self.directory, key, entry)

    def _read(self, digests) -> tuple[dict[str, str], dict[str, bytes]] | None:
        """The files these digests name, read from the tree, as text and as bytes, or None unless
        every one is there, byte for byte (a path that could leave the tree, or a symlink, is a miss)."""
        if not isinstance(digests, dict):
            return None
        files, blobs = {}, {}
        for path, digest in digests.items():
            parts = Path(path).parts if isinstance(path, str) else ("..",)
            if not parts or Path(path).is_absolute() or ".." in parts or not isinstance(digest, str):
                return None
            data = read_regular(self.tree / path)  # never a link, a FIFO (it would block) or a device
            if data is None:
                return None
            if hashlib.sha256(data).hexdigest() != digest:
                return None
            try:
                files[path] = data.decode("utf-8")
            except UnicodeDecodeError:
                return None
            blobs[path] = data
        return files, blobs

    def get(self, key: str) -> dict[str, artifacts.Artifact] | None:
        """A renderer's artifacts for one service: its files read back from the tree, with the facts
        kept beside them (a Kubernetes object's kind and name: artifacts.facts), never parsed."""
        entry = self._entry(key)
        found = self._read(entry.get("files")) if entry is not None else None
        kept = entry.get("facts", {}) if entry is not None else None
        if found is None or not isinstance(kept, dict):
            return None
        try:
            replayed = {path: artifacts.replayed(path, text, kept.get(path)) for path, text in found[0].items()}
        except (KeyError, TypeError, AttributeError):
            return None
        self.used.add(key)
        return replayed

    def put(self, key: str, produced: dict[str, artifacts.Artifact]) -> None:
        facts = {path: found for path, a in produced.items() if (found := artifacts.facts(a)) is not None}
        self._put(key, {"files": {path: _sha(encode.text(a)) for path, a in produced.items()}, "facts": facts})

    def get_run(self, key: str) -> Hit | None:
        """A whole earlier run with these inputs, its files read back from the tree, or None."""
        entry = self._entry("run-" + key)
        if entry is None:
            return None
        try:
            services, slos = int(entry["services"]), int(entry["slos"])
            said = [_Said(str(text)) for text in entry["warnings"]]
        except (KeyError, ValueError, TypeError):
            return None
        found = self._read(entry.get("files"))
        if found is None:
            return None
        self.used.add("run-" + key)
        return Hit(*found, dict(entry["files"]), services, slos, said)

    def put_run(self, key: str, files: dict[str, str], services: int, slos: int, warnings) -> None:
        """Recorded before the tree is written: if the write fails or is refused, the tree does not
        hold these files and the entry is a miss."""
        self._put("run-" + key, {"files": {path: _sha(text) for path, text in files.items()},
                                 "services": services, "slos": slos, "warnings": [str(w) for w in warnings]})

    def renderer_call(self):
        """A `call` for render.render_all that renders only the services this cache does not hold."""
        from obsgen import backends
        from obsgen.render import _call

        if self.directory is None:
            return _call
        per_service = backends.per_service()
        shared: list[str] = []  # the plan's non-service part, and each service, printed and hashed once
        printed: dict[int, str] = {}

        def service_key(plan: Plan, service) -> str:
            if not shared:
                shared.append(_sha(_shared(plan)))
            if id(service) not in printed:
                printed[id(service)] = _sha(repr(service))
            return shared[0] + printed[id(service)]

        def call(backend, plan: Plan, rendered: dict[str, artifacts.Artifact]) -> dict[str, artifacts.Artifact]:
            if backend.name not in per_service:
                return _call(backend, plan, rendered)
            files: dict[str, artifacts.Artifact] = {}
            for service in plan.services:
                key = _key("service", backend.name, service_key(plan, service))
                produced = self.get(key)
                if produced is None:
                    produced = _call(backend, dataclasses.replace(plan, services=(service,)), rendered)
                    self.put(key, produced)
                files.update(produced)
            return files

        return call

    def prune(self) -> None:
        """Drop every entry this build did not use."""
        if self.directory is None or not self.directory.is_dir():
            return
        for path in self.directory.iterdir():
            if (path.suffix == ".json" and path.stem not in self.used) or path.name.startswith(".tmp-"):
                with contextlib.suppress(OSError):
                    path.unlink()


@dataclasses.dataclass(frozen=True)
class Hit:
    """A whole run replayed: the files as text, and as the bytes just read from the tree with their
    sha256 (checked), which the writer then need not encode and hash again."""

    files: dict[str, str]
    blobs: dict[str, bytes]
    digests: dict[str, str]
    services: int
    slos: int
    warnings: list


@dataclasses.dataclass(frozen=True)
class _Said:
    """A warning replayed from the cache: printed as it was the first time."""

    text: str

    def __str__(self) -> str:
        return self.text
