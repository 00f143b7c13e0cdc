"""Renderers: one folder per backend, each turning the plan into artifacts (obsgen/artifacts.py).

A backend is a folder here (descriptor.py declares it: render/backend.Backend; settings.py holds
its Platform settings) and one line of obsgen/backends_builtin.py; render_all runs the registered
backends in order. A renderer is `render(plan) -> dict[path, Artifact | str]` (text for files
whose format is text). Kubernetes
objects go under k8s/ as K8sObject artifacts (see render/kustomize.py), which lists them once every
renderer ran. Their text is made by obsgen/output/encode.py.

Importing a backend's settings (the spec layer does, before any plan exists) runs this file first:
it imports only shared modules, the rest when render_all runs (tests/test_layers.py).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

from obsgen.artifacts import Artifact, typed
from obsgen.errors import stage

if TYPE_CHECKING:
    from obsgen.plan.model import Plan
    from obsgen.render.backend import Backend


def _registry() -> dict[str, Backend]:
    from obsgen import backends  # imports every backend's descriptor, this package's modules included

    return backends.REGISTRY


def _call(backend: Backend, plan: Plan, files: dict[str, Artifact]) -> dict[str, Artifact]:
    produced = backend.render(plan, files) if backend.reads else backend.render(plan)
    return {path: typed(path, value) for path, value in produced.items()}


def render_all(plan: Plan, on_render: Callable[[str], None] | None = None,
               skip: Collection[str] = (), call=_call, route_memo=None) -> dict[str, Artifact]:
    """Every renderer's artifacts (but those named in skip), then the kustomizations. `call` runs
    one renderer (the rerun cache passes one that renders only what it does not hold), route_memo
    each service's part of the route tests (alertmanager/descriptor.ServiceMemo)."""
    from obsgen.render import kustomize
    from obsgen.render.alertmanager import descriptor as alertmanager

    files: dict[str, Artifact] = {}
    for backend in list(_registry().values()):
        if backend.name in skip:
            continue
        if on_render is not None:
            on_render(backend.name)  # progress for people: rendering is most of a long run
        with stage(f"renderer {backend.name}"):  # a renderer's exception is a bug: name it, write nothing
            _add(files, backend.name, call(backend, plan, files))
    if "alertmanager" not in skip:
        with stage("renderer alertmanager route tests"):  # after the rules files: it reads their alerts
            _add(files, "alertmanager-route-tests", alertmanager.route_tests(plan, files, route_memo))
    with stage("renderer kustomize"):
        _add(files, "kustomize", kustomize.render(plan, files))  # last: it lists what the others wrote
    return dict(sorted(files.items()))


def _add(files: dict[str, Artifact], name: str, new: dict[str, Artifact | str]) -> None:
    for path, value in new.items():
        if path in files:
            raise RuntimeError(f"renderer {name} writes {path}, which another renderer wrote")
        files[path] = typed(path, value)
