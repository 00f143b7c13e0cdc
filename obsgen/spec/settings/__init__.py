"""Platform settings, one model per backend: each backend's fields of the Platform document
(`spec.<field>`), with the checks that need more than the model (another document, a pinned
version), declared as a `Settings` and pointed at by the backend's descriptor
(obsgen/render/backend.Backend.settings).

A built-in backend's settings are its folder's settings.py (obsgen/render/<backend>/settings.py),
found through the folder's registry line (obsgen/backends_builtin.py) by `builtin`. They count as
this layer: they import only it and the shared modules, and importing one runs no renderer (the
folder's __init__.py imports nothing), so the spec layer validates a Platform document without
any plan (tests/test_layers.py). A backend from outside obsgen declares its settings in its own
folder the same way; registering it (obsgen/backends.register) registers them here, and the
Platform model then takes their field.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from obsgen import backends_builtin
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


def of_folder(name: str) -> Settings | None:
    """A backend folder's settings (its settings.py's SETTINGS), if it has any."""
    module = backends_builtin.settings_module(name)
    return None if module is None else importlib.import_module(module).SETTINGS


def builtin() -> tuple[Settings, ...]:
    """The built-in backends' settings, in registry order (obsgen/backends_builtin.FOLDERS)."""
    return tuple(s for name in backends_builtin.FOLDERS if (s := of_folder(name)) is not None)
