"""Renderers: one module per backend, each turning the plan into files (path -> text).

Adding a backend means adding a module with `render(plan) -> dict[str, str]` and listing it here.
Kubernetes objects go under k8s/ (see render/kustomize.py), which lists them once every renderer ran.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from obsgen import yamlio as yamlout  # YAML I/O's one home
from obsgen.errors import stage
from obsgen.plan.model import Plan
from obsgen.render import (
    alertmanager,
    apply_mode,
    grafana,
    health_tests,
    k8s_rules,
    kustomize,
    otel,
    prometheus_rules,
    promtool_tests,
    rulers,
)

Renderer = Callable[[Plan], dict[str, str]]

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


def _call(name: str, renderer: Renderer, plan: Plan) -> dict[str, str]:
    return renderer(plan)


def render_all(plan: Plan, on_render: Callable[[str], None] | None = None,
               skip: Collection[str] = (), call=_call) -> dict[str, str]:
    """Every renderer's files (but those named in skip), then the kustomizations. `call` runs one
    renderer (the rerun cache passes one that renders only what it does not hold)."""
    files: dict[str, str] = {}
    for name, renderer in RENDERERS.items():
        if name in skip:
            continue
        if on_render is not None:
            on_render(name)  # progress for people: rendering is most of a long run
        with stage(f"renderer {name}"):  # a renderer's exception is a bug: name it, write nothing
            _add(files, name, call(name, renderer, plan))
    if "alertmanager" not in skip:
        with stage("renderer alertmanager route tests"):  # after the rules files: it reads their alerts
            _add(files, "alertmanager-route-tests", alertmanager.route_tests(plan, files))
    with stage("renderer apply-mode"):  # objects too large for client-side apply say so
        files.update(apply_mode.mark(files, yamlout.dump))
    with stage("renderer kustomize"):
        _add(files, "kustomize", kustomize.render(plan, files))  # last: it lists what the others wrote
    return dict(sorted(files.items()))


def _add(files: dict[str, str], name: str, new: dict[str, str]) -> None:
    for path, text in new.items():
        if path in files:
            raise RuntimeError(f"renderer {name} writes {path}, which another renderer wrote")
        files[path] = text
