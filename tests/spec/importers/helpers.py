"""Shared by the importer tests: spec directories on disk, plans and PromQL compared as text."""

from __future__ import annotations

import re
from pathlib import Path

from obsgen import pipeline
from tests import builders

TEAM = "apiVersion: obsgen/v1\nkind: Team\nmetadata: {name: %s}\n"
PLATFORM = "apiVersion: obsgen/v1\nkind: Platform\nspec: {default_team: %s}\n"


def write(root: Path, files: dict[str, str]) -> Path:
    """The files in root itself (an importer's directory is any directory, not only slos/)."""
    return builders.write_files(root, files)


def plan(root: Path, warnings: list | None = None):
    return pipeline.run(root, warnings=warnings, render=False).plan


def slo_plan(root: Path, service: str, slo: str, warnings: list | None = None):
    found = next(s for s in plan(root, warnings).services if s.name == service)
    return next(s for s in found.slos if s.name == slo)


def canonical(expr: str) -> str:
    """PromQL without layout and with each selector's matchers sorted, for comparing expressions
    written by different tools (Pyrra and Sloth order matchers differently)."""
    text = re.sub(r"\s+", "", expr)
    return re.sub(r"\{([^{}]*)\}", lambda m: "{" + ",".join(sorted(m.group(1).split(","))) + "}", text)


def strip_parens(expr: str) -> str:
    expr = canonical(expr)
    while expr.startswith("(") and expr.endswith(")") and _balanced(expr[1:-1]):
        expr = expr[1:-1]
    return expr


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0
