"""The whole flow in one place: load -> check -> compile -> render (writing is the CLI's)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from obsgen.errors import SpecErrors, SpecWarning, stage
from obsgen.plan.compile import compile_plan
from obsgen.plan.model import Plan
from obsgen.render import render_all
from obsgen.spec import importers
from obsgen.spec.checks import check
from obsgen.spec.load import Specs, load_dir


def load(spec_dir: Path | str, warnings: list[SpecWarning] | None = None, skip: Iterable[Path] = ()) -> Specs:
    """Load and check every spec (except files in `skip`); raise SpecErrors listing every problem
    found. Warnings (see spec/importers) are appended to `warnings` when given."""
    with stage("loading"):
        specs, errors = load_dir(spec_dir, skip)
        errors += importers.finish(specs)  # Sloth, OpenSLO and Pyrra documents, once all are loaded
    if not errors:
        with stage("checking"):
            errors = check(specs)
            specs.warnings += importers.check_warnings(specs)
    if errors:
        raise SpecErrors(errors)
    if warnings is not None:
        warnings += sorted(set(specs.warnings))
    return specs


def plan(spec_dir: Path | str, warnings: list[SpecWarning] | None = None) -> Plan:
    return compile_specs(load(spec_dir, warnings))


def compile_specs(specs: Specs) -> Plan:
    with stage("compiling"):
        return compile_plan(specs)


def build(spec_dir: Path | str, warnings: list[SpecWarning] | None = None) -> dict[str, str]:
    """Every output file (relative path -> text) for a spec directory."""
    return render_all(plan(spec_dir, warnings))


def run(spec_dir: Path | str, skip: Iterable[Path] = (), step: Callable[[str], None] = lambda _: None,
        warnings: list[SpecWarning] | None = None) -> tuple[Plan, dict[str, str]]:
    """The plan and every output file, announcing each stage to `step` (progress for people)."""
    step(f"loading {spec_dir}")
    specs = load(spec_dir, warnings, skip)
    step("compiling")
    plan = compile_specs(specs)
    return plan, render_all(plan, on_render=lambda name: step(f"rendering {name}"))
