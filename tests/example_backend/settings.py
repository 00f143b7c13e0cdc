"""The example backend's Platform settings, `spec.example` of the Platform document: a model with
its own field checks, and a check that needs the other documents. Nothing here is in obsgen:
registering the backend's folder (obsgen/backends.register) adds the field to the Platform model.
It imports only the spec layer and below, as a built-in backend's settings must."""

from __future__ import annotations

from pydantic import Field

from obsgen.errors import SpecError
from obsgen.spec.fields import Model, Name
from obsgen.spec.settings import Settings


class ExampleSettings(Model):
    heading: str = Field("", max_length=40, pattern=r"^[A-Za-z0-9 ]*$", description="a line before each file's")
    skip: tuple[Name, ...] = Field((), description="services it writes no file for")


def check(specs) -> list[SpecError]:
    """Every service skipped is one of the spec set's: a name that is not is a mistake."""
    platform = specs.platform
    if platform is None:
        return []
    services = {s.model.metadata.name for s in specs.services}
    return [SpecError(platform.at("spec", "example", "skip", i), f"unknown service {name!r}")
            for i, name in enumerate(platform.model.spec.example.skip) if name not in services]


SETTINGS = Settings("example", ExampleSettings, check)
