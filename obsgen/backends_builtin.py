"""The built-in backends, one line each, in rendering order: each line names the backend's folder.

A backend is a folder (docs/architecture.md#adding-a-backend): `descriptor.py` declares it
(`BACKEND`, or `BACKENDS` for several), beside its renderer; `settings.py`, if it has Platform
settings, holds them (`SETTINGS`). The registry (obsgen/backends.py) reads each folder's
descriptor; the spec layer reads each folder's settings (obsgen/spec/settings.builtin) to compose
the Platform model, and never the descriptor: a settings module imports only the spec layer and
below, and a folder's `__init__.py` imports nothing, so validating a Platform imports no renderer
(tests/test_layers.py holds both). A backend without settings may be a single module declaring
BACKEND. This module imports nothing of obsgen: both layers read it.
"""

from __future__ import annotations

from importlib.util import find_spec

FOLDERS: tuple[str, ...] = (
    "obsgen.render.prometheus",
    "obsgen.render.promtool_tests",
    "obsgen.render.health_tests",
    "obsgen.render.otel",
    "obsgen.render.alertmanager",
    "obsgen.render.grafana",
    "obsgen.render.k8s_rules",
    "obsgen.render.rulers",
)


def is_folder(name: str) -> bool:
    """A package (a folder), not a single module; finding it imports its parent's __init__ only."""
    spec = find_spec(name)
    if spec is None:
        raise ModuleNotFoundError(f"no backend {name}")
    return spec.submodule_search_locations is not None


def descriptor_module(name: str) -> str:
    """The module declaring the backend: a folder's descriptor.py, or the single module itself."""
    return f"{name}.descriptor" if is_folder(name) else name


def settings_module(name: str) -> str | None:
    """A folder's settings.py, if it has one (finding it imports the folder's __init__ only)."""
    return f"{name}.settings" if is_folder(name) and find_spec(f"{name}.settings") is not None else None
