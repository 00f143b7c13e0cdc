"""Rewrite the "Collector pipelines" section of docs/outputs/otel-collector.md from the specs.

Usage: `python tools/otel_diagram.py [SPEC_DIR] [PAGE]` (defaults: slos, docs/outputs/otel-collector.md).
tests/render/otel/test_otel.py holds the committed section equal to what this draws. It lives here,
not in obsgen/render/otel/diagram.py, because it runs the whole pipeline, which sits above the
renderers (docs/architecture.md#layers).
"""

from __future__ import annotations

import sys
from pathlib import Path

from obsgen import pipeline
from obsgen.render.otel import diagram


def main(args: list[str]) -> None:
    page = Path(args[1] if len(args) > 1 else diagram.PAGE)
    changed = diagram.update_page(page, pipeline.run(args[0] if args else "slos", render=False).plan)
    print(f"{page} updated" if changed else f"{page} already current")


if __name__ == "__main__":
    main(sys.argv[1:])
