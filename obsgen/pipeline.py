"""The whole flow in one place: load -> check -> compile -> render (writing is the CLI's)."""

from __future__ import annotations

from pathlib import Path

from obsgen.errors import SpecErrors, SpecWarning
from obsgen.plan.compile import compile_plan
from obsgen.plan.model import Plan
from obsgen.render import render_all
from obsgen.spec import importers
from obsgen.spec.checks import check
from obsgen.spec.load import Specs, load_dir


def load(spec_dir: Path | str, warnings: list[SpecWarning] | None = None) -> Specs:
    """Load and check every spec; raise SpecErrors listing every problem found. Warnings (see
    spec/importers) are appended to `warnings` when given."""
    specs, errors = load_dir(spec_dir)
    errors += importers.finish(specs)  # Sloth, OpenSLO and Pyrra documents, once all are loaded
    if not errors:
        errors = check(specs)
        specs.warnings += importers.check_warnings(specs)
    if errors:
        raise SpecErrors(errors)
    if warnings is not None:
        warnings += sorted(set(specs.warnings))
    return specs


def plan(spec_dir: Path | str, warnings: list[SpecWarning] | None = None) -> Plan:
    return compile_plan(load(spec_dir, warnings))


def build(spec_dir: Path | str, warnings: list[SpecWarning] | None = None) -> dict[str, str]:
    """Every output file (relative path -> text) for a spec directory."""
    return render_all(plan(spec_dir, warnings))
