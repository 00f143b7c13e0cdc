"""The outcome of one check by a real tool (or a validator applying a tool's own rules)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    command: tuple[str, ...]  # what ran, as a user would type it (first item: the tool)
    ok: bool
    output: str
    skipped: str = ""  # why the check did not run ("" when it ran); a skipped check is ok, never "passed"
    note: str = ""  # how it ran, for people (`cached`, `wiring only`...), printed after the command

    @property
    def status(self) -> str:
        """passed, failed or skipped: what `obsgen test` counts."""
        if not self.ok:
            return "failed"
        return "skipped" if self.skipped else "passed"


def skipped(command: tuple[str, ...], reason: str) -> Result:
    return Result(command, True, "", reason)
