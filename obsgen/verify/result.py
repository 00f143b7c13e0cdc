"""The outcome of one check by a real tool (or a validator applying a tool's own rules)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    command: tuple[str, ...]  # what ran, as a user would type it (first item: the tool)
    ok: bool
    output: str
