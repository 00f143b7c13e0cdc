"""Draw the grid of a generated dashboard (panel titles at their gridPos) as SVG, for docs/outputs/grafana.md.

    python tools/dashboard_picture.py [OUT_DIR=.]   # writes docs/dashboards/<name>.svg

Drawn from the generated JSON, so the picture is what Grafana lays out; tests/test_docs_pictures.py
fails when a committed picture is no longer current (`make docs` regenerates them).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from xml.sax.saxutils import escape

COLUMN, UNIT, PAD = 40, 22, 3  # px per grid column, px per grid row unit, gap between panels
COLORS = {"row": "#d7dbe0", "text": "#eef1f4", "stat": "#cfe8d5", "state-timeline": "#f6d8c7",
          "timeseries": "#d2e2f7", "table": "#e6dcf3", "logs": "#f7efc6"}
METRIC = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{")
# (dashboard file, picture) pairs shown in docs/outputs/grafana.md
PICTURES = {"dashboards/checkout.json": "docs/dashboards/checkout.svg",
            "dashboards/_overview.json": "docs/dashboards/overview.svg"}


def svg(dashboard: dict) -> str:
    panels = dashboard.get("panels", [])
    height = max((p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels), default=0) * UNIT
    width = 24 * COLUMN
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 28}" '
           f'viewBox="0 0 {width} {height + 28}" font-family="sans-serif">',
           f'<text x="4" y="18" font-size="15" font-weight="bold">{escape(dashboard.get("title", ""))}'
           f' (uid {escape(dashboard.get("uid", ""))})</text>']
    for panel in panels:
        out.append(_panel(panel))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _panel(panel: dict) -> str:
    g = panel["gridPos"]
    x, y = g["x"] * COLUMN + PAD, 28 + g["y"] * UNIT + PAD
    w, h = g["w"] * COLUMN - 2 * PAD, g["h"] * UNIT - 2 * PAD
    kind = panel.get("type", "")
    title = panel.get("title", "")
    fill = COLORS.get(kind, "#ffffff")
    parts = [f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="3" fill="{fill}" stroke="#8a9099"/>']
    if kind == "row":
        parts.append(f'<text x="{x + 6}" y="{y + h - 4}" font-size="12" font-weight="bold">{escape(title)}</text>')
    else:
        parts.append(f'<text x="{x + 6}" y="{y + 15}" font-size="12">{escape(_fit(title, w))}</text>')
        parts.append(f'<text x="{x + 6}" y="{y + 29}" font-size="10" fill="#555">{escape(kind)}</text>')
        for i, series in enumerate(_series(panel)[: max(0, (h - 36) // 13)]):
            parts.append(f'<text x="{x + 6}" y="{y + 44 + 13 * i}" font-size="10" fill="#335">'
                         f'{escape(_fit(series, w, 6))}</text>')
    return "".join(parts)


def _series(panel: dict) -> list[str]:
    """What the panel reads: metric names of its PromQL, else its LogQL/TraceQL query."""
    found: list[str] = []
    for target in panel.get("targets", []):
        query = target.get("expr") or target.get("query") or ""
        kind = (target.get("datasource") or {}).get("type")
        names = METRIC.findall(query) if kind == "prometheus" else [query]
        found += [n for n in names if n not in found]
    return found


def _fit(text: str, width: int, px_per_char: int = 6) -> str:
    limit = max(4, width // px_per_char)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def pictures(out: Path) -> dict[str, str]:
    return {picture: svg(json.loads((out / source).read_text())) for source, picture in PICTURES.items()}


def main(argv: list[str]) -> None:
    out = Path(argv[1] if len(argv) > 1 else ".")
    for path, text in pictures(out).items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_text(text)
        print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv)
