"""The whole flow in one place: load -> check -> compile -> render (writing is the CLI's)."""

from __future__ import annotations

from pathlib import Path

from obsgen.errors import SpecErrors
from obsgen.plan.compile import compile_plan
from obsgen.plan.model import Plan
from obsgen.render import render_all
from obsgen.spec.checks import check
from obsgen.spec.load import Specs, load_dir


def load(spec_dir: Path | str) -> Specs:
    """Load and check every spec; raise SpecErrors listing every problem found."""
    specs, errors = load_dir(spec_dir)
    if not errors:
        errors = check(specs)
    if errors:
        raise SpecErrors(errors)
    return specs


def plan(spec_dir: Path | str) -> Plan:
    return compile_plan(load(spec_dir))


def build(spec_dir: Path | str) -> dict[str, str]:
    """Every output file (relative path -> text) for a spec directory."""
    return render_all(plan(spec_dir))
