"""Renderers: one module per backend, each turning the plan into artifacts (obsgen/artifacts.py).

A renderer is `render(plan) -> dict[path, Artifact | str]` (text for files whose format is text).
Kubernetes objects go under k8s/ as K8sObject artifacts (see render/kustomize.py), which lists them
once every renderer ran. Their text is made by obsgen/output/encode.py.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from obsgen.artifacts import Artifact, TextFile, typed
from obsgen.errors import stage
from obsgen.plan.model import Plan
from obsgen.render import (
    alertmanager,
    grafana,
    health_tests,
    k8s_rules,
    kustomize,
    otel,
    prometheus_rules,
    promtool_tests,
    rulers,
)

Renderer = Callable[[Plan], dict[str, Artifact | str]]

RENDERERS: dict[str, Renderer] = {
    "prometheus": prometheus_rules.render,
    "promtool-tests": promtool_tests.render,
    "promtool-health-tests": health_tests.render,  # the SLI health alerts' (render/health_rules.py)
    "otel": otel.render,
    "alertmanager": alertmanager.render,
    "grafana-services": grafana.render_services,  # the service dashboards, cached per service
    "grafana": grafana.render,  # team and overview dashboards, provisioning
    "k8s-prometheus-rules": k8s_rules.render,
    "rulers": rulers.render,  # Mimir and AMP layouts, when the Platform's metrics.rulers lists them
}


def _call(name: str, renderer: Renderer, plan: Plan) -> dict[str, Artifact]:
    return {path: typed(path, value) for path, value in renderer(plan).items()}


def render_all(plan: Plan, on_render: Callable[[str], None] | None = None,
               skip: Collection[str] = (), call=_call) -> dict[str, Artifact]:
    """Every renderer's artifacts (but those named in skip), then the kustomizations. `call` runs
    one renderer (the rerun cache passes one that renders only what it does not hold)."""
    files: dict[str, Artifact] = {}
    for name, renderer in RENDERERS.items():
        if name in skip:
            continue
        if on_render is not None:
            on_render(name)  # progress for people: rendering is most of a long run
        with stage(f"renderer {name}"):  # a renderer's exception is a bug: name it, write nothing
            _add(files, name, call(name, renderer, plan))
    if "alertmanager" not in skip:
        with stage("renderer alertmanager route tests"):  # after the rules files: it reads their alerts
            rules = {p: a.text for p, a in files.items() if isinstance(a, TextFile)}
            _add(files, "alertmanager-route-tests", alertmanager.route_tests(plan, rules))
    with stage("renderer kustomize"):
        _add(files, "kustomize", kustomize.render(plan, files))  # last: it lists what the others wrote
    return dict(sorted(files.items()))


def _add(files: dict[str, Artifact], name: str, new: dict[str, Artifact | str]) -> None:
    for path, value in new.items():
        if path in files:
            raise RuntimeError(f"renderer {name} writes {path}, which another renderer wrote")
        files[path] = typed(path, value)
