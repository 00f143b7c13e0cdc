"""docs/diff.md shows, for each change kind, exactly what `obsgen diff` prints for it: the page's
examples are the tests' real output and cannot drift. OBSGEN_UPDATE_DOCS=1 rewrites them."""

from __future__ import annotations

import os
import re

from tests.conftest import ROOT
from tests.preview.diff_cases import CASES
from tests.preview.test_semdiff import parsed

PAGE = ROOT / "docs" / "diff.md"
BLOCK = re.compile(r"(<!-- obsgen-diff-case: (?P<name>[a-z-]+) -->\n)(?P<body>.*?)(<!-- /obsgen-diff-case -->)", re.S)


def example(name: str, output: str) -> str:
    return f"{CASES[name][0]}\n\n````markdown\n{output}````\n\n"


def filled(page: str, outputs) -> str:
    return BLOCK.sub(lambda m: m.group(1) + example(m.group("name"), outputs(m.group("name"))) + m.group(4), page)


def test_the_page_shows_every_change_kind_as_obsgen_prints_it(outputs):
    page = PAGE.read_text(encoding="utf-8")
    assert [m.group("name") for m in BLOCK.finditer(page)] == list(CASES)
    expected = filled(page, outputs)
    if os.environ.get("OBSGEN_UPDATE_DOCS"):
        PAGE.write_text(expected, encoding="utf-8")
    assert page == expected, "docs/diff.md is out of date: OBSGEN_UPDATE_DOCS=1 pytest tests/preview/test_diff_docs.py"


def test_each_example_renders_as_tables_on_github(outputs):
    """Each example, as GitHub renders the comment: the tables parse with their columns."""
    for name in CASES:
        assert parsed(outputs(name))
