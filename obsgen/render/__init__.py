"""Renderers: one module per backend, each turning the plan into files (path -> text).

Adding a backend means adding a module with `render(plan) -> dict[str, str]` and listing it here.
"""

from __future__ import annotations

from collections.abc import Callable

from obsgen.plan.model import Plan
from obsgen.render import alertmanager, grafana, otel, prometheus_rules, promtool_tests

Renderer = Callable[[Plan], dict[str, str]]

RENDERERS: dict[str, Renderer] = {
    "prometheus": prometheus_rules.render,
    "promtool-tests": promtool_tests.render,
    "otel": otel.render,
    "alertmanager": alertmanager.render,
    "grafana": grafana.render,
}


def render_all(plan: Plan, on_render: Callable[[str], None] | None = None) -> dict[str, str]:
    files: dict[str, str] = {}
    for name, renderer in RENDERERS.items():
        if on_render is not None:
            on_render(name)  # progress for people: rendering is most of a long run
        for path, text in renderer(plan).items():
            if path in files:
                raise RuntimeError(f"renderer {name} writes {path}, which another renderer wrote")
            files[path] = text
    return dict(sorted(files.items()))
