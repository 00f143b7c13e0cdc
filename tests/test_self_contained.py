"""A fresh clone holds everything its code, tests and docs need: nothing cites a file outside the
repository (the private design notes the project started from stay private)."""

from __future__ import annotations

import re
import subprocess

from tests.conftest import ROOT

OUTSIDE = re.compile(r"DESIGN\.md|REFERENCE\.md|\.\./shared/|/work/shared")


def test_no_tracked_file_cites_a_file_outside_the_repository():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    citing = []
    for rel in tracked.split():
        path = ROOT / rel
        if path.suffix not in {".py", ".md", ".yaml", ".yml", ".toml", ".txt", ".cfg", ""} or not path.is_file():
            continue
        if rel == "tests/test_self_contained.py":
            continue
        text = path.read_text(errors="replace")
        citing += [f"{rel}: {m.group(0)}" for m in OUTSIDE.finditer(text)]
    assert citing == []
