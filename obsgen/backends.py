"""The registry of backends, in rendering order. Each backend declares itself in its own folder
(descriptor.py: render/backend.Backend: renderer, per-service rendering, Kubernetes kinds, output
directories, verifier, Platform settings model); the rerun cache (obsgen/cache.py), the output
directories (obsgen/inputs.py, `obsgen test`'s tree digest), `obsgen k8s`, `obsgen test` and the
diff ask this module rather than keeping lists of their own.

Adding a backend: a folder and a line naming it in obsgen/backends_builtin.py (the spec layer reads
its settings from the same line; docs/architecture.md shows a whole example); a backend from
outside obsgen calls register(its folder) instead, which also adds its settings to the Platform
model. Order matters only where a backend reads another's artifacts.
"""

from __future__ import annotations

import importlib

from obsgen import backends_builtin
from obsgen.render.backend import Backend
from obsgen.spec import models, settings


def declared(folder: str) -> tuple[Backend, ...]:
    """The backends a folder declares (its descriptor's BACKEND, or BACKENDS in order)."""
    descriptor = importlib.import_module(backends_builtin.descriptor_module(folder))
    found = getattr(descriptor, "BACKENDS", None) or (descriptor.BACKEND,)
    own = settings.of_folder(folder)
    stray = [b.name for b in found if b.settings is not None and b.settings is not own]
    if stray:  # the spec layer finds a backend's settings in its folder's settings.py only
        raise ValueError(f"{folder}: backends {stray} declare settings that are not {folder}.settings.SETTINGS")
    return tuple(found)


REGISTRY: dict[str, Backend] = {b.name: b for folder in backends_builtin.FOLDERS for b in declared(folder)}

# Written whatever the backends: the kustomize step's kustomizations (render/kustomize.py).
K8S_DIR = "k8s"


def registered() -> list[Backend]:
    return list(REGISTRY.values())


def register(backend: Backend | str) -> None:
    """Add a backend from outside obsgen, or every backend its folder declares (named as a registry
    line names one); its settings, if any, become a field of the Platform."""
    if isinstance(backend, str):
        for each in declared(backend):
            register(each)
        return
    if backend.name in REGISTRY:
        raise ValueError(f"backend {backend.name} is already registered")
    if backend.settings is not None and backend.settings not in models.BUILTIN_SETTINGS:
        models.register_settings(backend.settings)
    REGISTRY[backend.name] = backend


def unregister(name: str) -> None:
    backend = REGISTRY.pop(name)
    if backend.settings is not None and backend.settings not in models.BUILTIN_SETTINGS:
        settings.unregister(backend.settings.field)


def per_service() -> frozenset[str]:
    """Backends whose output for a plan is the union of their outputs for each service alone."""
    return frozenset(b.name for b in REGISTRY.values() if b.per_service)


def without_k8s() -> tuple[str, ...]:
    """Backends that write nothing under k8s/: `obsgen k8s` need not run them."""
    return tuple(b.name for b in REGISTRY.values() if not b.in_k8s_stream)


def output_dirs() -> tuple[str, ...]:
    """Every top-level directory of the output tree, sorted: the backends' and k8s/."""
    return tuple(sorted({K8S_DIR, *(d for b in REGISTRY.values() for d in b.output_dirs)}))


def verifiers() -> dict[str, str]:
    """verifier name -> its module under obsgen/verify/, in registry order (each once)."""
    return {b.verifier: b.verifier for b in REGISTRY.values() if b.verifier}

