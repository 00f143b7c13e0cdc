"""The served preview follows the specs: edit a spec, reload the page, see the change.

Each request stats the spec directory's input files (obsgen/inputs.py: the same walk `generate`
makes, output trees skipped); when a path, size or modification time differs from the last build,
the pipeline runs again. Specs that no longer load give a page listing their errors, as
`obsgen validate` prints them, until they are fixed.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from pathlib import Path

from obsgen import inputs
from obsgen.errors import SpecErrors

Files = dict[str, str]


def fingerprint(spec_dir: Path, out: Path | None) -> tuple:
    """(relative path, size, mtime in ns) of every input file: what a rebuild depends on."""
    found = inputs.find(spec_dir, out)
    stamp = []
    for path in found.files:
        try:
            st = path.stat()
        except OSError:
            continue
        stamp.append((found.relative(path), st.st_size, st.st_mtime_ns))
    return tuple(stamp)


def error_page(errors: list) -> Files:
    items = "".join(f"<li><code>{html.escape(str(e))}</code></li>" for e in errors)
    text = ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>obsgen preview: errors</title>"
            "<link rel=\"icon\" href=\"data:,\"></head><body><h1>obsgen preview</h1>"
            f"<p id=\"spec-errors\">The specs have {len(errors)} error(s); fix them and reload.</p>"
            f"<ul>{items}</ul></body></html>\n")
    return {"index.html": text}


class Reloader:
    """Callable: the page's files, rebuilt by `build` when the spec directory's inputs change."""

    def __init__(self, build: Callable[[], Files], spec_dir: Path, out: Path | None = None, first: Files | None = None):
        self.build, self.spec_dir, self.out = build, spec_dir, out
        self.lock = threading.Lock()
        self.stamp = fingerprint(spec_dir, out) if first is not None else None
        self.files: Files = first or {}
        self.builds = 0  # how many times the pipeline ran for the page (the tests read it)

    def __call__(self) -> Files:
        stamp = fingerprint(self.spec_dir, self.out)
        with self.lock:
            if stamp != self.stamp:
                try:
                    self.files = self.build()
                except SpecErrors as failed:
                    self.files = error_page(failed.errors)
                self.stamp = stamp
                self.builds += 1
            return self.files
