"""Write rendered files under an output directory, all or nothing.

The manifest (.obsgen-manifest, see manifest.py) lists every file obsgen wrote with its sha256.
A file obsgen no longer produces is removed only if the manifest lists it; a listed file whose
content is no longer what obsgen wrote (edited by hand), or a file obsgen did not write standing
where it writes one, is overwritten or removed only with `force`; anything else is never touched.

A run is a transaction. Everything that can be checked is checked first (survey.py: symbolic links,
directories and files in the way, hand edits). Then every new file is written to a temporary
sibling and every file to be replaced or removed gets a hard-linked backup; this also proves every
directory involved is writable, before the first rename. Then the renames, the removals and, last,
the manifest. If any of them fails, what was done is undone from the backups, every temporary and
every directory created is removed, and the tree (manifest included) is as it was.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from obsgen.output.manifest import MANIFEST
from obsgen.output.survey import OutputError, Survey, survey


@dataclass
class Written:
    written: list[str] = field(default_factory=list)  # new or changed
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    forced: list[str] = field(default_factory=list)  # hand-edited or foreign files overwritten or removed
    manifest_updated: bool = False


def read_manifest(out: Path) -> dict[str, str | None]:
    """path -> sha256 recorded (None for the old path-only format); {} without a manifest."""
    return survey(out, {}).owned


def drift(out: Path, files: dict[str, str]) -> list[str]:
    """A unified diff per file that differs from what would be generated (the manifest included)."""
    found = survey(out, files)
    if found.problems:
        raise OutputError(found.problems)
    return found.diffs()


def write_tree(out: Path, files: dict[str, str], force: bool = False) -> list[str]:
    """Write `files` (relative path -> text) under `out`; return the paths written or removed."""
    result = write(out, files, force)
    return sorted(result.written + result.removed)


def write(out: Path, files: dict[str, str], force: bool = False, blobs: dict[str, bytes] | None = None,
          digests: dict[str, str] | None = None) -> Written:
    """Write `files` under `out` all or nothing; raise OutputError (tree untouched) on any problem.
    blobs and digests, when given, are the files' UTF-8 bytes and their sha256 (see survey)."""
    found = survey(out, files, blobs, digests)
    conflicts = found.conflicts()
    if found.problems or (conflicts and not force):
        raise OutputError(found.problems + ([] if force else conflicts))
    changing = set(found.stale) | set(found.extra)
    result = Written(written=sorted(found.stale + found.missing), unchanged=found.unchanged, removed=found.extra,
                     forced=sorted(changing & (set(found.hand_edited) | set(found.unowned))))
    if result.written or result.removed or found.manifest_changed:
        _Transaction(out).run(found, result)
        result.manifest_updated = True
    return result


class _Transaction:
    """One run's changes: stage (temporaries, backups, directories), commit (renames, removals, the
    manifest last), or roll back; temporaries and unused backups are removed either way."""

    def __init__(self, out: Path):
        self.out = out
        self.staged: list[tuple[Path, Path]] = []  # (temporary, target), the manifest last
        self.backups: dict[Path, Path] = {}  # target -> hard-linked copy of what it held
        self.temporaries: list[Path] = []  # every file this run created beside its target
        self.keep: set[Path] = set()  # backups of files that could not be restored: never removed
        self.created: list[Path] = []  # directories created, parents first
        self.done: list[Path] = []  # targets renamed or removed, in order
        umask = os.umask(0)
        os.umask(umask)
        self.new_mode = 0o666 & ~umask

    def run(self, found: Survey, result: Written) -> None:
        committed = False
        try:
            self._stage(found, result)
            self._commit(result)
            committed = True
        except OSError as exc:
            lost = self._rollback()
            raise OutputError([_describe(exc), *lost], restored=not lost) from None
        except BaseException:
            self._rollback()
            raise
        finally:
            self._remove_temporaries()
            if not committed:
                for directory in reversed(self.created):
                    with contextlib.suppress(OSError):
                        os.rmdir(directory)

    def _stage(self, found: Survey, result: Written) -> None:
        for rel in result.written:
            self._stage_file(self.out / rel, found.files[rel], exists=rel in found.current)
        for rel in result.removed:
            self._backup(self.out / rel)
        self._stage_file(self.out / MANIFEST, found.manifest_new, exists=found.manifest_now is not None)

    def _stage_file(self, target: Path, data: bytes, exists: bool) -> None:
        self._makedirs(target.parent)
        try:
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".obsgen-tmp", dir=target.parent)
        except OSError as exc:
            raise _at(exc, target.parent) from None
        tmp = Path(name)
        self.temporaries.append(tmp)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, os.stat(target).st_mode & 0o7777 if exists else self.new_mode)
        if exists:
            self._backup(target)
        self.staged.append((tmp, target))

    def _backup(self, target: Path) -> None:
        backup = target.with_name(f".{target.name}.{secrets.token_hex(4)}.obsgen-bak")
        try:
            os.link(target, backup, follow_symlinks=False)
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP):
                raise _at(exc, target.parent) from None
            shutil.copy2(target, backup, follow_symlinks=False)  # a file system without hard links
        self.temporaries.append(backup)
        self.backups[target] = backup

    def _makedirs(self, path: Path) -> None:
        if path.is_dir():
            return
        self._makedirs(path.parent)
        try:
            os.mkdir(path)
        except OSError as exc:
            raise _at(exc, path) from None
        self.created.append(path)

    def _commit(self, result: Written) -> None:
        *files, last = self.staged
        for tmp, target in files:
            os.replace(tmp, target)
            self.done.append(target)
        for rel in result.removed:
            os.unlink(self.out / rel)
            self.done.append(self.out / rel)
        os.replace(*last)  # the manifest: only once every file is in place
        self.done.append(last[1])

    def _rollback(self) -> list[str]:
        """Undo what was done; return what could not be restored (with where its content is)."""
        lost = []
        for target in reversed(self.done):
            backup = self.backups.get(target)
            try:
                if backup is not None:
                    os.replace(backup, target)
                else:
                    os.unlink(target)
            except OSError as exc:
                self.keep.add(backup)
                lost.append(f"{target}: could not be restored ({exc.strerror})"
                            + (f"; its previous content is in {backup}" if backup else ""))
        self.done.clear()
        return lost

    def _remove_temporaries(self) -> None:
        for tmp in self.temporaries:
            if tmp not in self.keep:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)


def _at(exc: OSError, path: Path) -> OSError:
    return OSError(exc.errno, exc.strerror, str(path))


def _describe(exc: OSError) -> str:
    where = exc.filename if exc.filename is not None else "output"
    return f"{where}: {exc.strerror or exc}"


__all__ = ["MANIFEST", "OutputError", "Survey", "Written", "drift", "read_manifest", "survey", "write",
           "write_tree"]
