"""A whole backend, as small as one can be: one text file per service, example/<service>.txt.

Adding it to obsgen is this package and one line in obsgen/backends.py's REGISTRY (the test
registers it the same way, for its own duration: tests/test_backends.py). Shown in docs/architecture.md.
"""

from __future__ import annotations

from obsgen.artifacts import TextFile
from obsgen.plan.model import Plan
from obsgen.render.backend import Backend

RENDERED: list[str] = []  # the services rendered, in order: what the test counts


def render(plan: Plan) -> dict[str, TextFile]:
    files = {}
    for service in plan.services:
        RENDERED.append(service.name)
        path = f"example/{service.name}.txt"
        files[path] = TextFile(path, f"{service.name}: {', '.join(slo.name for slo in service.slos)}\n")
    return files


BACKEND = Backend("example", render, output_dirs=("example",), per_service=True)
