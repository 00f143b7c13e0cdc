"""The suite's own settings: no test may depend on how busy the machine is (README: no timed tests)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import PATIENCE, ROOT

PROBE = """
import tests.conftest
from hypothesis import settings
from tests.render import test_yamlout as t
used = [f._hypothesis_internal_use_settings for f in (t.test_round_trips_through_pyyaml, t.test_tricky_strings)]
print(settings.default.deadline, [s.deadline for s in used], settings.default.derandomize)
"""


@pytest.mark.parametrize("ci", [None, "1"], ids=["no-CI", "CI"])
def test_hypothesis_has_no_deadline_with_or_without_ci(ci):
    """A deadline fails an example that a busy machine made slow; only CI derandomizes."""
    env = {k: v for k, v in os.environ.items() if k != "CI"} | ({"CI": ci} if ci else {})
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=PATIENCE, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["None", "[None,", "None]", str(bool(ci))]


def _test_sources() -> dict[str, str]:
    return {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted((ROOT / "tests").rglob("*.py")) if p.name != "test_suite_settings.py"}


@pytest.mark.parametrize(("what", "pattern"), [
    ("a Hypothesis deadline", r"deadline=(?!None\b)"),
    ("a literal timeout (use PATIENCE)", r"timeout\s*=\s*\d"),
    ("a literal wait bound (use PATIENCE)", r"monotonic\(\)\s*\+\s*\d"),
    # a sleep is the last statement of a polling loop; one followed by more of the same block
    # stands in for a condition it hopes will hold by then
    ("a sleep standing in for a condition", r"\n( *)time\.sleep\([^)]*\)[^\n]*\n\1\S"),
])
def test_no_load_dependent_waits(what, pattern):
    """Every wait in the suite ends on its condition and bounds only a hang, with one generous
    PATIENCE: a bound tight enough to catch slowness fails on a loaded machine."""
    found = [f"{path}:{text[:m.start()].count(chr(10)) + 1}" for path, text in _test_sources().items()
             for m in re.finditer(pattern, text)]
    assert found == [], f"{what} at {found}"
