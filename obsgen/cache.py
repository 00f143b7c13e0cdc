"""A cache that makes reruns over unchanged specs nearly free, and partial changes cheaper.

It holds no output: its entries map content-hash keys to the sha256 of the files obsgen wrote, and
a hit reads those files back from the output tree, checking every byte against that sha256. So
filling it costs little more than hashing what is written anyway, it can never replay a file that
was edited, lost or not written (a mismatch is a miss, never an error), and it cannot drift from
the tree. Keys include obsgen's own code (its version and the bytes of every module), so an upgrade
or a local edit of obsgen invalidates everything. Two levels:

- **inputs**: the bytes of every input file under the spec directory (names included). When they are
  unchanged and the tree still holds what that run wrote, nothing is parsed, checked or rendered.
- **per spec file and per service**: when some input changed, a spec file whose bytes did not is
  neither parsed nor validated again, and a service in it is neither checked alone nor compiled
  again while the Platform document is unchanged (SpecMemo); the checks across documents (names,
  teams, ids, receivers) and the plan's non-service parts run on every document as usual. Then
  each backend that declares itself per_service (obsgen/backends.py) renders only the services
  whose plan changed, and the route tests dump only their parts; every service's key covers its
  ServicePlan and every Plan field that is not a service (teams, platform settings...), so a
  changed Team or Platform document re-renders what reads it. The other renderers read the whole
  plan and run again: their key would be the whole plan, which a change to any service changes.

The cache of an output tree lives outside it, under `$OBSGEN_CACHE_DIR` (default
`$XDG_CACHE_HOME/obsgen`, else `~/.cache/obsgen`), one folder per tree: the output tree holds only
what obsgen writes all or nothing. Entries are small JSON files (and the spec memo's pickles, each
signed with a key of the user's kept outside the cache: `_signing_key`) written atomically; anything
unreadable is a miss. Each successful build keeps only the entries it used.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import hmac
import json
import os
import pickle
import sys
import tempfile
from functools import cache
from pathlib import Path

import pydantic

import obsgen
from obsgen import artifacts, names
from obsgen.inputs import Inputs
from obsgen.output import encode
from obsgen.output.survey import read_regular
from obsgen.plan.model import Plan

ENV_DIR = "OBSGEN_CACHE_DIR"  # where caches live; default $XDG_CACHE_HOME/obsgen or ~/.cache/obsgen
FORMAT = "4"  # entries hold sha256 digests of files in the tree, not the files, and their artifacts' facts;
# the spec memo's pickles; the route tests' per-service parts


# What else a pickled entry (SpecMemo) depends on: the interpreter and pydantic, whose objects it holds.
_RUNTIME = f"{sys.version}\0{pydantic.VERSION}"


def _runtime() -> str:
    """_RUNTIME and the registered backends, whose settings make the Platform model a pickle holds."""
    from obsgen import backends

    return "\0".join([_RUNTIME, *backends.REGISTRY])


_SIGNATURE = 32  # bytes of HMAC-SHA256 before each pickle
KEY_ENV = "OBSGEN_CACHE_KEY_FILE"  # where the signing key lives; default $XDG_STATE_HOME/obsgen/cache.key


@cache
def _signing_key() -> bytes | None:
    """This user's key for the spec memo's pickles, kept apart from the cache directories (which CI
    may share or restore), created once with mode 0600; None (no pickles) where it cannot be kept."""
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    path = Path(os.environ.get(KEY_ENV) or os.path.join(state, "obsgen", "cache.key"))
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-key-")  # mode 0600
            with os.fdopen(fd, "wb") as out:
                out.write(os.urandom(32))
            try:
                os.link(tmp, path)  # whole or not at all; a concurrent run's key wins
            except FileExistsError:
                pass
            finally:
                os.unlink(tmp)
        if path.is_symlink() or path.stat().st_mode & 0o077:
            return None  # readable by others, or not ours to trust
        key = path.read_bytes()
    except OSError:
        return None
    return key if len(key) == 32 else None


_ALERTS = "\nalerts:\n"  # where routes.test.yaml's per-service parts begin (render/alertmanager)


def _route_block(store: Cache, layout) -> tuple[str, dict]:
    """The routes.test.yaml the tree holds, if it is the one the layout describes, and the parts."""
    if not isinstance(layout, dict) or not isinstance(layout.get("parts"), dict):
        return "", {}
    found = store._read({names.ALERTMANAGER_ROUTE_TESTS: layout.get("file")})
    if found is None:
        return "", {}
    parts = {k: v for k, v in layout["parts"].items() if isinstance(v, list) and len(v) == 3
             and isinstance(v[0], int) and isinstance(v[1], int) and isinstance(v[2], list)}
    return found[0][names.ALERTMANAGER_ROUTE_TESTS], parts


@cache
def code_digest() -> str:
    """obsgen's version and the bytes of every module of the package."""
    digest = hashlib.sha256(f"{FORMAT}\0{obsgen.__version__}".encode())
    root = Path(obsgen.__file__).parent
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def inputs_key(found: Inputs, each: dict[Path, str] | None = None) -> str:
    """Every input file under the spec directory, names and bytes (a superset of what the loader
    reads); obsgen's output kept there is not input (obsgen/inputs.py). With the backends registered:
    one registered from outside obsgen's package (a plugin, a test) is not in code_digest. `each`,
    when given, receives every file's own sha256 (the spec memo's keys)."""
    from obsgen import backends

    digest = hashlib.sha256("\0".join([code_digest(), *backends.REGISTRY]).encode())
    for path in found.files:
        own = hashlib.sha256(path.read_bytes()).digest()
        digest.update(found.relative(path).encode() + b"\0")
        digest.update(own)
        if each is not None:
            each[path] = own.hex()
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


def plain_json(value) -> bool:
    """Whether the value reads back equal from its JSON (an entry holds it as it is)."""
    try:
        return json.loads(json.dumps(value)) == value
    except (TypeError, ValueError):
        return False


def write_entry(directory: Path, key: str, value) -> None:
    """Write the entry atomically (a reader sees the old entry or the new one, never half of one)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(json.dumps(value, sort_keys=True))  # json.dump encodes in Python, dumps in C
        os.replace(tmp, directory / f"{key}.json")
    except OSError:
        return  # a cache that cannot be written is only slower

class Cache:
    """Entries of one output tree's cache; `tree` is where a hit reads its files from."""

    def __init__(self, directory: Path | None, tree: Path | None = None):
        self.directory = Path(directory) if directory is not None and tree is not None else None
        self.tree = Path(tree) if tree is not None else None
        self.used: set[str] = set()
        self.printed: dict[int, str] = {}  # id(ServicePlan) -> sha256 of its repr (SpecMemo fills some)
        self.shared: str | None = None  # sha256 of the plan's non-service part (one plan per run)
        # Files whose bytes this run already holds with their sha256: read back on a hit, or encoded
        # when put. The writer need not encode and hash them again.
        self.blobs: dict[str, bytes] = {}
        self.digests: dict[str, str] = {}

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
        self.blobs.update(found[1])
        self.digests.update(entry["files"])
        return replayed

    def put(self, key: str, produced: dict[str, artifacts.Artifact]) -> None:
        facts = {path: found for path, a in produced.items() if (found := artifacts.facts(a)) is not None}
        blobs = {path: encode.text(a).encode("utf-8") for path, a in produced.items()}
        digests = {path: hashlib.sha256(data).hexdigest() for path, data in blobs.items()}
        self.blobs.update(blobs)
        self.digests.update(digests)
        self._put(key, {"files": digests, "facts": facts})

    def known(self, files: dict[str, str]) -> tuple[dict[str, bytes], dict[str, str]]:
        """Every file's bytes and sha256: those this run already holds, the others encoded and hashed."""
        blobs = {path: self.blobs.get(path) or text.encode("utf-8") for path, text in files.items()}
        digests = {path: self.digests.get(path) or hashlib.sha256(blobs[path]).hexdigest() for path in files}
        return blobs, digests

    def service_key(self, plan: Plan, service) -> str:
        """What a service's per-service outputs read: its ServicePlan and the plan's non-service part."""
        if self.shared is None:
            self.shared = _sha(_shared(plan))
        if id(service) not in self.printed:
            self.printed[id(service)] = _sha(repr(service))
        return self.shared + self.printed[id(service)]

    def route_memo(self, plan: Plan):
        """A memo for the route tests' per-service parts (render/alertmanager/descriptor.ServiceMemo), or None.

        A part is a piece of routes.test.yaml, not a file: the entry `route-layout` holds that
        file's sha256 and, per service key, where its part lies in the file's `alerts` block (and
        the team labels it carries). A hit slices the part out of the file as the tree holds it,
        read once and checked against that sha256; record_routes writes the layout of this run's."""
        if self.directory is None:
            return None
        layout = self._entry(_key("route-layout"))
        text, parts = _route_block(self, layout)
        seen: list[tuple[str, int, list]] = []  # this run's parts in order: key, length, teams

        def memo(service, compute):
            key = self.service_key(plan, service)
            found = parts.get(key)
            if found is not None:
                part, teams = text[found[0]:found[1]], found[2]
            else:
                part, teams = compute()
            seen.append((key, len(part), teams))
            return part, teams

        memo.seen = seen
        return memo

    def record_routes(self, memo, files: dict[str, str]) -> None:
        """The layout of this run's routes.test.yaml, for the next run's route_memo."""
        text = files.get(names.ALERTMANAGER_ROUTE_TESTS)
        if memo is None or text is None or _ALERTS not in text:
            return
        at, parts = text.index(_ALERTS) + len(_ALERTS), {}
        for key, length, teams in memo.seen:
            parts[key] = [at, at + length, teams]
            at += length
        self._put(_key("route-layout"), {"file": _sha(text), "parts": parts})

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

    def put_run(self, key: str, digests: dict[str, str], services: int, slos: int, warnings) -> None:
        """Recorded before the tree is written: if the write fails or is refused, the tree does not
        hold these files and the entry is a miss. `digests`: every file's sha256."""
        self._put("run-" + key, {"files": dict(digests),
                                 "services": services, "slos": slos, "warnings": [str(w) for w in warnings]})

    def get_pickle(self, key: str):
        """A pickled entry, only when it carries this user's signature (`_signing_key`): loading a
        pickle runs code, so one planted in the cache directory (a shared or restored CI cache) is a
        miss, never loaded."""
        secret = _signing_key()
        if self.directory is None or secret is None:
            return None
        try:
            blob = (self.directory / f"{key}.pickle").read_bytes()
            signature, payload = blob[:_SIGNATURE], blob[_SIGNATURE:]
            if not hmac.compare_digest(signature, hmac.new(secret, payload, hashlib.sha256).digest()):
                return None
            found = pickle.loads(payload)
        except Exception:  # missing, truncated, from other code: a miss, whatever it raises
            return None
        self.used.add(key)
        return found

    def put_pickle(self, key: str, value) -> None:
        secret = _signing_key()
        if self.directory is None or secret is None:
            return
        self.used.add(key)
        try:
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
            with os.fdopen(fd, "wb") as out:
                out.write(hmac.new(secret, payload, hashlib.sha256).digest() + payload)
            os.replace(tmp, self.directory / f"{key}.pickle")
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            return  # a cache that cannot be written (or a value that cannot be pickled) is only slower

    def renderer_call(self):
        """A `call` for render.render_all that renders only the services this cache does not hold."""
        from obsgen import backends
        from obsgen.render import _call

        if self.directory is None:
            return _call
        per_service = backends.per_service()
        service_key = self.service_key

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
            if (path.suffix in (".json", ".pickle") and path.stem not in self.used) or path.name.startswith(".tmp-"):
                with contextlib.suppress(OSError):
                    path.unlink()


class SpecMemo:
    """What an earlier run made of spec files whose bytes are unchanged: each file's documents as
    loaded and validated (spec/load.FileMemo), and each of their services' own checks passed and
    its ServicePlan (plan/compile). Pickled: they are obsgen's objects, rebuilt without parsing or
    validating again. Keys hold the file's path as shown and sha256, the document's line, obsgen's
    code and the interpreter's and pydantic's versions, and for the checks and the plan the Platform
    document (the environments, catalogs and settings they read); the checks across documents (names,
    teams, ids, receivers) and the non-service parts of the plan run every time. An entry that cannot
    be read or unpickled is a miss. The cache directory is the user's own, as for every entry."""

    def __init__(self, store: Cache, spec_dir: Path, digests: dict[Path, str]):
        self.store = store
        self.spec_dir = Path(spec_dir)
        self.digests = digests
        self.native: dict[str, str] = {}  # shown path -> sha256, for files whose documents were all kept
        self.context = ""  # the Platform document, printed and hashed: set once the specs are loaded
        self.plans: dict[int, tuple] = {}  # id(Loaded) -> (ServicePlan, its printed digest), found by the checks

    def _shown(self, path: Path) -> str:
        return (self.spec_dir / path.relative_to(self.spec_dir)).as_posix()

    def _file_key(self, path: Path) -> str | None:
        digest = self.digests.get(path)
        return _key("spec-file", _runtime(), self._shown(path), digest) if digest else None

    def get(self, path: Path):
        key = self._file_key(path)
        found = self.store.get_pickle(key) if key else None
        if not isinstance(found, list) or not found:
            return None
        self.native[self._shown(path)] = self.digests[path]
        return found

    def keep(self, path: Path, loaded: list) -> None:
        key = self._file_key(path)
        if key:
            self.native[self._shown(path)] = self.digests[path]
            self.store.put_pickle(key, loaded)

    def set_context(self, specs) -> None:
        platform = specs.platform
        self.context = _sha(platform.model.model_dump_json() + platform.doc.file if platform else "")

    def _service_key(self, loaded) -> str | None:
        digest = self.native.get(loaded.doc.file)
        if digest is None:
            return None
        return _key("spec-service", _runtime(), loaded.doc.file, digest, str(loaded.doc.line), self.context)

    def checked(self, loaded, check):
        """A service's own checks: passed before (its plan kept) or run now."""
        key = self._service_key(loaded)
        found = self.store.get_pickle(key) if key else None
        if isinstance(found, tuple) and len(found) == 2 and isinstance(found[1], str):
            self.plans[id(loaded)] = found
            return []
        return check()

    def compiled(self, loaded, compile):
        """A service's ServicePlan: kept (the checks found it) or compiled now and kept."""
        found = self.plans.get(id(loaded))
        if found is None:
            plan = compile()
            found = (plan, _sha(repr(plan)))
            key = self._service_key(loaded)
            if key:
                self.store.put_pickle(key, found)
        self.store.printed[id(found[0])] = found[1]
        return found[0]


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
