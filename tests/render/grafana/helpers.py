"""Reading generated dashboards in tests."""

from __future__ import annotations

import json

from obsgen.verify import grafana


def board(files: dict[str, str], path: str) -> dict:
    return json.loads(files[path])


def exprs(dashboard: dict, kind: str = "prometheus") -> list[str]:
    return [t.get("expr") or t.get("query") for p in grafana.panels(dashboard)
            for k, t in grafana.targets(p) if k == kind]


def panel_titles(dashboard: dict) -> list[str]:
    return [p.get("title", "") for p in dashboard["panels"]]
