"""Write rendered files under an output directory, all or nothing, and detect drift.

A manifest (.obsgen-manifest) lists every file obsgen wrote. A file obsgen no longer produces is
removed only if the manifest lists it; anything else in the tree is never touched.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from pathlib import Path

MANIFEST = ".obsgen-manifest"
_MANIFEST_HEADER = "# Files written by obsgen; it deletes only these. One path per line.\n"


def read_manifest(out: Path) -> list[str]:
    path = out / MANIFEST
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def _owned(out: Path, rel: str) -> Path | None:
    """The file behind a manifest entry, if it is a plain path inside the output directory."""
    if rel.startswith("/") or ".." in Path(rel).parts:
        return None
    path = out / rel
    return path if path.is_file() and not path.is_symlink() else None


def write_tree(out: Path, files: dict[str, str]) -> list[str]:
    """Write every file, then remove stale owned files; return the paths that changed.

    Every file is first written to a temporary sibling; only when all of them are on disk are they
    renamed into place, so a failure leaves the previous tree as it was.
    """
    out.mkdir(parents=True, exist_ok=True)
    changed = [rel for rel, text in files.items() if _read(out / rel) != text]
    staged: list[tuple[str, Path]] = []
    try:
        for rel in changed:
            target = out / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(files[rel])
            staged.append((rel, Path(tmp)))
    except BaseException:
        for _, tmp in staged:
            tmp.unlink(missing_ok=True)
        raise
    for rel, tmp in staged:
        os.replace(tmp, out / rel)
    stale = sorted(set(read_manifest(out)) - set(files))
    for rel in stale:
        path = _owned(out, rel)
        if path is not None:
            path.unlink()
            changed.append(rel)
    manifest = _MANIFEST_HEADER + "".join(f"{rel}\n" for rel in sorted(files))
    if _read(out / MANIFEST) != manifest:
        (out / MANIFEST).write_text(manifest, encoding="utf-8")
    return sorted(changed)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def drift(out: Path, files: dict[str, str]) -> list[str]:
    """A unified diff, one entry per file that differs from what would be generated."""
    diffs = []
    for rel, text in files.items():
        current = _read(out / rel)
        if current != text:
            diffs.append("".join(difflib.unified_diff(
                (current or "").splitlines(keepends=True), text.splitlines(keepends=True),
                fromfile=f"a/{rel}" if current is not None else "/dev/null", tofile=f"b/{rel}")))
    for rel in sorted(set(read_manifest(out)) - set(files)):
        if _owned(out, rel) is not None:
            diffs.append(f"--- a/{rel}\n+++ /dev/null\n(no longer generated: would be removed)\n")
    return diffs
