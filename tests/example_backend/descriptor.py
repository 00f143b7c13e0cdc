"""The example backend's declaration and renderer: one text file per service, example/<service>.txt."""

from __future__ import annotations

from obsgen.artifacts import TextFile
from obsgen.plan.model import Plan
from obsgen.render.backend import Backend
from tests.example_backend import settings

RENDERED: list[str] = []  # the services rendered, in order: what the test counts


def render(plan: Plan) -> dict[str, TextFile]:
    own = plan.setting(settings.SETTINGS.field)  # what the Platform's spec.example says, else defaults
    heading = f"{own.heading}\n" if own.heading else ""
    files = {}
    for service in plan.services:
        if service.name in own.skip:
            continue
        RENDERED.append(service.name)
        path = f"example/{service.name}.txt"
        files[path] = TextFile(path, f"{heading}{service.name}: {', '.join(slo.name for slo in service.slos)}\n")
    return files


BACKEND = Backend("example", render, output_dirs=("example",), per_service=True, settings=settings.SETTINGS)
