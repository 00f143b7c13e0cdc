"""Kept for tests written against it: the builders are tests/builders.py's (service, write_specs)."""

from tests.builders import TEAM, service
from tests.builders import write_specs as write

__all__ = ["TEAM", "service", "write"]
