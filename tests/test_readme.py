"""The README is short, opens with the two real set-up commands, and links only to what exists."""

import re

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def test_readme_opens_with_the_two_commands():
    head = README[:600]
    assert "make generate" in head and "make test" in head
    assert "make test" in (ROOT / ".ci/run").read_text()


def test_readme_is_at_most_250_lines():
    """The reference lives in docs/ (the MkDocs site); the README says what obsgen is and where to go."""
    assert len(README.splitlines()) <= 250


def test_readme_links_point_at_files_in_the_repository():
    """GitHub renders the README outside the site, so mkdocs' strict build does not check its links."""
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README)
    assert links
    missing = [link for link in links if "://" not in link and not (ROOT / link).exists()]
    assert not missing, missing
