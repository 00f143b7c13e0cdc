"""Errors are values with a location (file, line, field path) until the CLI prints them."""

from __future__ import annotations

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
class SpecError:
    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass(frozen=True, order=True)
class SpecWarning:
    """A problem worth saying that does not stop generation (unless --strict): same shape as an error."""

    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class SpecErrors(Exception):
    """One or more problems with the input; the CLI prints them all and exits 1."""

    def __init__(self, errors: list[SpecError]):
        self.errors = sorted(set(errors))
        super().__init__("\n".join(str(e) for e in self.errors))


class ToolError(Exception):
    """An external tool (promtool, amtool) is missing or failed; the CLI exits 1."""
