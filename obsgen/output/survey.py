"""A read-only look at an output directory against the files that should be there.

Nothing below the output directory is ever followed through a symbolic link: every path obsgen
reads, writes or deletes is checked component by component with lstat, and a symbolic link on the
way (even one pointing inside the tree) is a problem the caller refuses to work around. The output
directory itself may be a symbolic link: the user named it.
"""

from __future__ import annotations

import difflib
import os
import stat
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from obsgen.output import manifest

_LINK = "is a symbolic link; obsgen never reads, writes or deletes through one below --out " \
        "(replace it by the real directory or file, or point --out at the real directory)"


class OutputError(Exception):
    """The output directory cannot be written as asked; `problems` name a path each."""

    def __init__(self, problems: list[str], restored: bool = True):
        self.problems = list(problems)
        self.restored = restored  # False when a failed run could not put every file back
        super().__init__("\n".join(self.problems))


@dataclass
class Survey:
    out: Path
    files: dict[str, bytes]  # what should be there
    current: dict[str, bytes] = field(default_factory=dict)  # what is there, for produced and extra files
    owned: dict[str, str | None] = field(default_factory=dict)  # the manifest: path -> sha256
    manifest_now: bytes | None = None
    stale: list[str] = field(default_factory=list)  # produced, present, different
    missing: list[str] = field(default_factory=list)  # produced, absent
    unchanged: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)  # owned, present, no longer produced
    hand_edited: list[str] = field(default_factory=list)  # owned, present, not what obsgen wrote
    unowned: list[str] = field(default_factory=list)  # produced, present, not obsgen's, different
    problems: list[str] = field(default_factory=list)

    # the sha256 of `files`, when the caller has them: a shortcut, not part of what was found
    known_digests: dict[str, str] | None = field(default=None, compare=False, repr=False)

    @cached_property
    def digests(self) -> dict[str, str]:
        if self.known_digests is not None:
            return self.known_digests
        return {rel: manifest.sha256(data) for rel, data in self.files.items()}

    @cached_property
    def manifest_new(self) -> bytes:
        return manifest.render(self.digests)

    @property
    def manifest_changed(self) -> bool:
        return self.manifest_now != self.manifest_new

    @property
    def in_sync(self) -> bool:
        return not (self.problems or self.stale or self.missing or self.extra or self.manifest_changed)

    def conflicts(self) -> list[str]:
        """What generate refuses to overwrite or remove without --force."""
        changing = set(self.stale) | set(self.extra)
        edited = [f"{self.out / rel}: edited by hand since obsgen wrote it; `generate --force` overwrites it"
                  for rel in self.hand_edited if rel in changing]
        foreign = [f"{self.out / rel}: exists and was not written by obsgen; `generate --force` overwrites it"
                   for rel in self.unowned]
        return sorted(edited + foreign)

    def diffs(self) -> list[str]:
        """A unified diff per file that generate would change, the manifest last."""
        diffs = [_diff(rel, self.current.get(rel), self.files[rel]) for rel in sorted(self.stale + self.missing)]
        diffs += [_diff(rel, self.current[rel], None) for rel in self.extra]
        if self.manifest_changed:
            diffs.append(_diff(manifest.MANIFEST, self.manifest_now, self.manifest_new))
        return diffs


def _diff(rel: str, old: bytes | None, new: bytes | None) -> str:
    def lines(data):
        return data.decode("utf-8", "replace").splitlines(keepends=True) if data is not None else []

    text = "".join(difflib.unified_diff(lines(old), lines(new), fromfile=f"a/{rel}" if old is not None
                                        else "/dev/null", tofile=f"b/{rel}" if new is not None else "/dev/null"))
    return text if text.endswith("\n") or not text else text + "\n\\ No newline at end of file\n"


def survey(out: Path, files: dict[str, str], blobs: dict[str, bytes] | None = None,
           digests: dict[str, str] | None = None) -> Survey:
    """Compare the tree under `out` with `files` (relative path -> text); read only. `blobs` and
    `digests`, when given, must be the files' UTF-8 bytes and their sha256 (a rerun cache hit has
    just read and checked them): encoding and hashing the whole output again was a third of an
    unchanged rerun."""
    if blobs is None or blobs.keys() != files.keys():
        blobs, digests = {rel: text.encode("utf-8") for rel, text in files.items()}, None
    result = Survey(out, blobs, known_digests=digests if digests is not None and digests.keys() == files.keys()
                    else None)
    walker = _Walker(out)
    result.problems += walker.out_problems()
    if result.problems:
        return result
    result.manifest_now = walker.read(manifest.MANIFEST, result.problems, produced=True)
    if result.manifest_now is not None:
        result.owned = manifest.parse(result.manifest_now.decode("utf-8", "replace"))
    for rel, data in result.files.items():
        current = walker.read(rel, result.problems, produced=True)
        _classify(result, rel, data, current)
    for rel in sorted(set(result.owned) - set(result.files)):
        current = walker.read(rel, result.problems, produced=False)
        if current is not None:
            result.current[rel] = current
            result.extra.append(rel)
            _check_hand_edit(result, rel, current)
    for name in ("stale", "missing", "unchanged", "hand_edited", "unowned", "problems"):
        getattr(result, name).sort()
    return result


def _classify(result: Survey, rel: str, data: bytes, current: bytes | None) -> None:
    if current is None:
        result.missing.append(rel)  # a path with a problem lands here too; the problem is reported
        return
    result.current[rel] = current
    if rel in result.owned:
        _check_hand_edit(result, rel, current)
    elif current != data:
        result.unowned.append(rel)
    (result.unchanged if current == data else result.stale).append(rel)


def _check_hand_edit(result: Survey, rel: str, current: bytes) -> None:
    recorded = result.owned.get(rel)
    if recorded is None:
        return
    same_as_new = rel in result.files and current == result.files[rel]  # the usual case: hash once
    if (result.digests[rel] if same_as_new else manifest.sha256(current)) != recorded:
        result.hand_edited.append(rel)


class _Walker:
    """lstat every component below `out`, once per directory."""

    def __init__(self, out: Path):
        self.out = out
        self._dirs: dict[str, tuple[str | None, str]] = {"": (None, "")}  # rel dir -> (state, the dir to blame)
        self._told: set[tuple[str, str]] = set()

    def out_problems(self) -> list[str]:
        path = self.out
        while not path.exists() and path != path.parent and not path.is_symlink():
            path = path.parent  # the nearest existing ancestor must be a directory to create out
        if path.exists() and not path.is_dir():
            return [f"{path}: is a file, not a directory (--out names the directory obsgen writes into)"]
        if path.is_symlink() and not path.exists():
            return [f"{path}: is a dangling symbolic link"]
        return []

    def read(self, rel: str, problems: list[str], produced: bool) -> bytes | None:
        """The content of out/rel if it is a regular file reached without a symbolic link, else None.

        For a file obsgen writes (`produced`), anything in the way is a problem; for a stale file,
        only a symbolic link is: a directory or a missing parent just means there is nothing to delete.
        """
        state = self._dir(rel.rpartition("/")[0], problems, produced)
        if state is not None:
            return None
        path = self.out / rel
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            problems.append(f"{path}: cannot read: {exc.strerror}")
            return None
        if stat.S_ISLNK(info.st_mode):
            problems.append(f"{path}: {_LINK}")
        elif stat.S_ISDIR(info.st_mode):
            if produced:
                problems.append(f"{path}: is a directory where obsgen writes a file")
        elif not stat.S_ISREG(info.st_mode):
            if produced:
                problems.append(f"{path}: is not a regular file")
        else:
            return _read(path, problems)
        return None

    def _dir(self, rel: str, problems: list[str], produced: bool) -> str | None:
        """None when out/rel is a directory reached without a link, else "absent", "notdir", "link" or
        "unreadable"."""
        state, culprit = self._state(rel)
        told = {"link": _LINK, "unreadable": "cannot be examined (permission denied?)",
                "notdir": "is not a directory, and obsgen writes files under it" if produced else None}
        if told.get(state) and (state, culprit) not in self._told:
            self._told.add((state, culprit))
            problems.append(f"{self.out / culprit}: {told[state]}")
        return state

    def _state(self, rel: str) -> tuple[str | None, str]:
        if rel not in self._dirs:
            state, culprit = self._state(rel.rpartition("/")[0])
            if state is None:
                state, culprit = self._lstat_dir(rel), rel
            self._dirs[rel] = (state, culprit)
        return self._dirs[rel]

    def _lstat_dir(self, rel: str) -> str | None:
        try:
            info = os.lstat(self.out / rel)
        except (FileNotFoundError, NotADirectoryError):
            return "absent"
        except OSError:
            return "unreadable"
        if stat.S_ISLNK(info.st_mode):
            return "link"
        return None if stat.S_ISDIR(info.st_mode) else "notdir"


def _read(path: Path, problems: list[str]) -> bytes | None:
    try:
        with open(path, "rb", opener=_no_follow) as handle:
            return handle.read()
    except OSError as exc:
        problems.append(f"{path}: cannot read: {exc.strerror}")
        return None


def _no_follow(path, flags):
    return os.open(path, flags | getattr(os, "O_NOFOLLOW", 0))


def read_regular(path: Path) -> bytes | None:
    """path's bytes when it is a regular file reached as named, else None: never opens a symbolic
    link, a FIFO (opening one blocks until a writer comes) or a device."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        with open(path, "rb", opener=_no_follow) as handle:
            return handle.read()
    except OSError:
        return None


def tree_files(out: Path, dirs) -> tuple[list[str], list[str]]:
    """The regular files under out/<dir> for each dir (sorted relative paths), and a problem for each
    entry that is neither a directory nor a regular file (a symbolic link, a FIFO, a socket, a
    device): what reads a whole tree (`obsgen test`) refuses those rather than follow or open them."""
    files, problems = [], []
    pending = [d for d in dirs]
    while pending:
        rel = pending.pop()
        try:
            info = os.lstat(out / rel)
        except FileNotFoundError:
            continue
        except OSError as exc:
            problems.append(f"{out / rel}: cannot read: {exc.strerror}")
            continue
        if stat.S_ISLNK(info.st_mode):
            problems.append(f"{out / rel}: {_LINK}")
        elif stat.S_ISDIR(info.st_mode):
            try:
                pending.extend(f"{rel}/{name}" for name in os.listdir(out / rel))
            except OSError as exc:
                problems.append(f"{out / rel}: cannot read: {exc.strerror}")
        elif stat.S_ISREG(info.st_mode):
            files.append(rel)
        else:
            problems.append(f"{out / rel}: is not a regular file")
    return sorted(files), sorted(problems)
