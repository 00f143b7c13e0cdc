"""Platform settings, one model per backend: each backend's fields of the Platform document
(`spec.<field>`), with the checks that need more than the model (another document, a pinned
version), declared as a `Settings` and pointed at by the backend's descriptor
(obsgen/render/backend.Backend.settings).

The built-in backends' settings are modules of this package, listed in obsgen/spec/models.py's
BUILTIN_SETTINGS: the spec layer validates a Platform document without importing any renderer
(render/ sits above spec, and importing it would import the spec back: docs/architecture.md#backends).
A backend from outside obsgen declares its settings in its own package; registering the backend
(obsgen/backends.register) registers them here, and the Platform model then takes their field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from obsgen.errors import SpecError

# (specs: spec/load.Specs) -> located errors; typed loosely, as spec/load imports the models that
# compose these settings.
Check = Callable[[Any], list[SpecError]]


@dataclass(frozen=True)
class Settings:
    field: str  # the Platform's `spec.<field>` that holds them
    model: type  # a spec/fields.Model whose every field has a default: a Platform may omit it
    check: Check | None = None  # the located errors the model alone cannot find

    def default(self) -> Any:
        return self.model()


_REGISTERED: dict[str, Settings] = {}  # settings of backends from outside obsgen, by field


def register(settings: Settings, taken: tuple[str, ...]) -> None:
    """Add a backend's settings to the Platform model; `taken`: the Platform's fields so far."""
    if settings.field in taken or settings.field in _REGISTERED:
        raise ValueError(f"Platform field {settings.field!r} is already taken")
    settings.default()  # every field has a default: a Platform document may leave them out
    _REGISTERED[settings.field] = settings


def unregister(field: str) -> None:
    _REGISTERED.pop(field, None)


def registered() -> tuple[Settings, ...]:
    """The settings registered from outside obsgen, in registration order."""
    return tuple(_REGISTERED.values())
