"""The files under a spec directory that are input, told from obsgen's own output kept there.

The output tree may live inside the spec directory (`obsgen generate . --out .`, or `--out
slos/generated`). Its files are not specs: the top-level output directories (alerts/, dashboards/,
otel/, k8s/) of --out and of every directory under the spec directory that holds an .obsgen-manifest
(so that commands without --out skip them too), every file such a manifest lists, and the manifest.
The loader reads the YAML files among the inputs and the rerun cache hashes all of them, so both
see the same specs whatever the command.

One walk finds them. It never descends into an output directory and tells a listed file by a set
lookup, so its cost is linear in the files under the spec directory: checking every file against
every listed path cost a rerun of 1,000 services two minutes (issue 21).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from obsgen.output import manifest
from obsgen.output.manifest import MANIFEST

SPEC_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Inputs:
    spec_dir: Path
    files: tuple[Path, ...]  # spec_dir / relative path, in the order of the relative paths (as POSIX text)

    @property
    def specs(self) -> list[Path]:
        """What the loader reads: the YAML files."""
        return [path for path in self.files if path.suffix in SPEC_SUFFIXES]

    def relative(self, path: Path) -> str:
        return path.relative_to(self.spec_dir).as_posix()


@dataclass
class _Output:
    """Real (resolved) paths of what is output: directories not to enter, files not to read."""

    dirs: set[Path] = field(default_factory=set)
    files: set[Path] = field(default_factory=set)

    def add_tree(self, real: Path) -> None:
        """An output tree at this real path: its directories, its manifest and what that lists."""
        from obsgen import backends  # the top-level directories of the output tree (docs/output-tree.md)

        self.dirs.update(real / name for name in backends.output_dirs())
        listing = real / MANIFEST
        self.files.add(listing)
        if listing.is_file() and not listing.is_symlink():
            with contextlib.suppress(OSError, UnicodeDecodeError):
                self.files.update(real / rel for rel in manifest.parse(listing.read_text(encoding="utf-8")))

    def holds(self, real: Path) -> bool:
        return real in self.files or any(parent in self.dirs for parent in real.parents)


def find(spec_dir: Path | str, out: Path | str | None = None) -> Inputs:
    """Every input file under spec_dir (none when it is not a directory); `out` is the output tree the
    command writes or compares with, if any."""
    spec_dir = Path(spec_dir)
    real_root = spec_dir.resolve()
    output = _Output()
    if out is not None:
        output.add_tree(Path(out).resolve())
    files: list[Path] = []
    # os.walk does not enter symbolic links to directories (nor did the rglob before it), so every
    # directory it enters is real_root / its relative path, and no path needs resolving but links.
    for here, dirs, names in os.walk(spec_dir):
        rel = Path(here).relative_to(spec_dir)
        real = real_root / rel
        if MANIFEST in names:
            output.add_tree(real)
        dirs[:] = sorted(d for d in dirs if real / d not in output.dirs)
        for name in names:
            path = Path(here, name)
            if real / name in output.files or not path.is_file():
                continue
            if path.is_symlink() and output.holds(path.resolve()):
                continue
            files.append(path)
    files.sort(key=lambda p: p.relative_to(spec_dir).as_posix())
    return Inputs(spec_dir, tuple(files))
