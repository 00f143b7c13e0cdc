"""Errors are values with a location (file, line, field path) until the CLI prints them."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Location:
    file: str
    line: int = 0
    field: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}" if self.field else where


@dataclass(frozen=True, order=True)
class _Located:
    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class SpecError(_Located):
    """A problem that stops generation."""


class SpecWarning(_Located):
    """A problem worth saying that does not stop generation (unless --strict): same shape as an error."""


class SpecErrors(Exception):
    """One or more problems with the input; the CLI prints them all and exits 1."""

    def __init__(self, errors: list[SpecError]):
        self.errors = sorted(set(errors))
        super().__init__("\n".join(str(e) for e in self.errors))


class ToolError(Exception):
    """An external tool (promtool, amtool) is missing or failed; the CLI exits 1."""


class InternalError(RuntimeError):
    """An unexpected exception in a stage (loading, checking, compiling, a renderer): a bug in
    obsgen, not in the input. The CLI prints one line naming the stage, writes nothing and exits 1
    (with OBSGEN_DEBUG=1 it shows the traceback)."""

    def __init__(self, stage: str, cause: BaseException):
        self.stage = stage
        self.cause = cause
        lines = str(cause).strip().splitlines()
        super().__init__(f"internal error in {stage}: {type(cause).__name__}" + (f": {lines[0]}" if lines else ""))


@contextmanager
def stage(name: str):
    """Turn any unexpected exception raised inside into an InternalError naming the stage; input
    errors and tool errors pass through as they are."""
    try:
        yield
    except (SpecErrors, ToolError, InternalError):
        raise
    except Exception as exc:
        raise InternalError(name, exc) from exc
