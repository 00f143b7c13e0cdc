"""What `obsgen test` already proved, so that an unchanged service is never tested again.

An entry records that a check passed (or what obsgen read from a file: a rules file's shapes, a
test file's groups), keyed by the sha256 of every byte the check read (the rules files, the test
file), the tool's `--version` output and obsgen's code (cache.code_digest: its version and every
module). So a changed byte, another promtool or another obsgen is a miss; a failure is never
recorded. It lives beside the generate cache of the same output tree (obsgen/cache.py: under
$OBSGEN_CACHE_DIR, else $XDG_CACHE_HOME/obsgen or ~/.cache/obsgen), in a folder of its own;
OBSGEN_NO_CACHE=1 turns it off. Entries are small JSON files written atomically; anything
unreadable is a miss. A run that tested everything keeps only the entries it used.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import ClassVar

from obsgen import cache as generate_cache

FOLDER = "verify"


@cache
def tool_version(tool: str, *args: str) -> str:
    """The tool's own version output (`--version` unless args say how): another build is another key."""
    try:
        proc = subprocess.run([tool, *(args or ("--version",))], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return ""
    return (proc.stdout + proc.stderr).strip()


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ResultCache:
    """The entries of one output tree; disabled (every lookup a miss) when directory is None."""

    def __init__(self, directory: Path | None, tool: str = ""):
        self.directory = directory
        self.salt = generate_cache.code_digest() + "\0" + (tool_version(tool) if tool else "")
        self.used: set[str] = set()

    @classmethod
    def of(cls, out: Path, tool: str = "") -> ResultCache:
        if os.environ.get("OBSGEN_NO_CACHE"):
            return cls(None, tool)
        return cls(generate_cache.location(out) / FOLDER, tool)

    def key(self, kind: str, *parts: str) -> str:
        return kind + "-" + digest("\0".join((self.salt, kind, *parts)).encode())

    def get(self, key: str):
        value = generate_cache.read_entry(self.directory, key)
        if value is not None:
            self.used.add(key)
        return value

    def put(self, key: str, value) -> None:
        if self.directory is None:
            return
        self.used.add(key)
        generate_cache.write_entry(self.directory, key, value)

    def prune(self, kinds: tuple[str, ...]) -> None:
        """Drop the entries of these kinds this run did not use (call only after a run that looked
        at everything of theirs): what an older tree or obsgen needed."""
        if self.directory is None or not self.directory.is_dir():
            return
        prefixes = tuple(f"{kind}-" for kind in kinds)
        for path in self.directory.iterdir():
            stale = path.suffix == ".json" and path.stem.startswith(prefixes) and path.stem not in self.used
            if stale or path.name.startswith(".tmp-"):
                with contextlib.suppress(OSError):
                    path.unlink()


# --- per item: what a verifier read, and which of its items passed ----------------------------


class Files:
    """The bytes and sha256 of the tree's files, each read once per run; what a unit read is named
    by these digests. An absent file reads as b"" under the digest "absent"."""

    def __init__(self, out: Path):
        self.out = Path(out)
        self.digests: dict[str, str] = {}
        self.held: dict[str, bytes] = {}

    def read(self, rel: str) -> bytes:
        """The file's bytes; its digest is the one of exactly these bytes."""
        if rel not in self.held:
            try:
                data = (self.out / rel).read_bytes()
                self.digests[rel] = digest(data)
            except OSError:
                data, self.digests[rel] = b"", "absent"
            self.held[rel] = data
        return self.held[rel]

    def digest(self, rel: str) -> str:
        if rel not in self.digests:
            self.read(rel)
            self.held.pop(rel, None)  # only its digest was asked for: do not hold the bytes
        return self.digests[rel]

    def text(self, rel: str) -> str:
        return self.read(rel).decode("utf-8")

    def forget(self, rel: str) -> None:
        self.held.pop(rel, None)


def context(value) -> str:
    """A digest of what a unit read that is not a file's bytes (a set of names taken from many
    files): canonical JSON, so equal values are equal digests."""
    import json

    return digest(json.dumps(value, sort_keys=True, default=sorted).encode())


class Units:
    """Which units of one verifier passed, each recorded with the sha256 of every file it read and
    the digest of any other input (a context digest): a unit is replayed only when every one of
    them is unchanged, so a byte changed in any file a unit read reruns it. The key of an entry is
    the unit's name with obsgen's code digest and the tools' versions (ResultCache.key): another
    obsgen is a miss. A failure is never recorded (`passed` is only called for units that passed).

    Facts (`fact`) are what a verifier takes from one file (its parsed YAML, the names it
    records...), recorded under the file's sha256: an unchanged file is not parsed again."""

    def __init__(self, out: Path, verifier: str, *tools: str, files: Files | None = None):
        self.store = ResultCache.of(out)
        self.verifier = verifier
        self.tools = tools
        self.files = files or Files(out)
        self.ran: list[str] = []  # units run this time (the rest were replayed)

    # verifier -> the units its last run in this process ran (what the tests read)
    RAN: ClassVar[dict[str, list[str]]] = {}

    def _key(self, unit: str) -> str:
        return self.store.key(f"unit.{self.verifier}", unit, *self.tools)

    def replayed(self, unit: str, reads: list[str] | None = None, ctx: str = "") -> bool:
        """Whether the unit passed before on these bytes: every file it read then (and `reads`, the
        files it is known to read now) has the same sha256, with the same context digest."""
        entry = self.store.get(self._key(unit))
        hit = (isinstance(entry, dict) and entry.get("context") == ctx and isinstance(entry.get("reads"), dict)
               and all(rel in entry["reads"] for rel in reads or ())
               and all(self.files.digest(rel) == sha for rel, sha in entry["reads"].items()))
        if not hit:
            self.ran.append(unit)
        return hit

    def passed(self, unit: str, reads: list[str], ctx: str = "") -> None:
        """Record that the unit passed, having read these files (their digests as read this run)."""
        self.store.put(self._key(unit), {"reads": {rel: self.files.digest(rel) for rel in sorted(set(reads))},
                                         "context": ctx})

    def run(self, unit: str, reads: list[str], check: Callable[[], list[str]], ctx: str = "") -> list[str]:
        """The unit's problems: none when it is replayed, else check()'s (recorded when none)."""
        if self.replayed(unit, reads, ctx):
            return []
        problems = check()
        if not problems:
            self.passed(unit, reads, ctx)
        return problems

    def fact(self, rel: str, name: str, extract: Callable[[bytes], object]):
        """extract(bytes of rel), recorded under the file's sha256 when its value is plain JSON (one
        that reads back equal: a YAML date or integer key is extracted again every time)."""
        key = self.store.key(f"fact.{self.verifier}", name, rel, self.files.digest(rel))
        hit = self.store.get(key)
        if isinstance(hit, dict) and "value" in hit:
            return hit["value"]
        value = extract(self.files.read(rel))
        if generate_cache.plain_json(value):
            self.store.put(key, {"value": value})
        return value

    def prune(self) -> None:
        """Drop this verifier's entries the run did not use (call after a run that saw every unit)."""
        Units.RAN[self.verifier] = list(self.ran)
        self.store.prune((f"unit.{self.verifier}", f"fact.{self.verifier}"))
