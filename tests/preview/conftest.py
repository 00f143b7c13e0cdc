"""Fixtures of the preview tests (the browser is tests/conftest.py's, shared by the session)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def outputs(tmp_path_factory):
    """name -> what `obsgen diff` prints for that change kind (tests/preview/diff_cases.py), run once."""
    from tests.preview import diff_cases

    root = tmp_path_factory.mktemp("diff-cases")
    return lambda name: diff_cases.output(name, root)
