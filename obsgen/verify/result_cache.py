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
from functools import cache
from pathlib import Path

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
