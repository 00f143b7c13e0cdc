"""The manifest (.obsgen-manifest): every file obsgen wrote under an output directory, with the sha256
of what it wrote, so that it deletes only its own files and notices a file edited by hand.

One `<sha256>  <path>` line per file, sorted by path (the format of `sha256sum`, so
`grep -v '^#' .obsgen-manifest | sha256sum -c` checks a tree by hand). The older format, one path
per line, is still read: its files are owned, with no hash to compare.
"""

from __future__ import annotations

import hashlib
import re

MANIFEST = ".obsgen-manifest"
HEADER = ("# Files written by obsgen and the sha256 of what it wrote. obsgen deletes only these, and\n"
          "# refuses to overwrite one edited by hand unless run with --force. Check by hand with:\n"
          "#   grep -v '^#' .obsgen-manifest | sha256sum -c\n")
_LINE = re.compile(r"([0-9a-f]{64})  (.+)")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse(text: str) -> dict[str, str | None]:
    """path -> recorded sha256 (None in the old path-only format). Entries that are not plain
    relative paths inside the output directory (a tampered manifest) are dropped."""
    owned: dict[str, str | None] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = _LINE.fullmatch(line)
        rel, digest = (match.group(2), match.group(1)) if match else (line, None)
        if is_plain(rel) and rel != MANIFEST:
            owned[rel] = digest
    return owned


def is_plain(rel: str) -> bool:
    """A normalized relative path: no leading /, no `..`, `.` or empty component, no backslash."""
    return "\\" not in rel and all(part not in ("", ".", "..") for part in rel.split("/"))


def render(digests: dict[str, str]) -> bytes:
    """The manifest for files given as path -> sha256."""
    lines = "".join(f"{digest}  {rel}\n" for rel, digest in sorted(digests.items()))
    return (HEADER + lines).encode("utf-8")
