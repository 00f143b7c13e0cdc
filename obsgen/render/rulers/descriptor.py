"""Ruler layouts beside alerts/rules/, written only when the Platform lists them (metrics.rulers).

The groups are the rules file's own (read from its artifact: prometheus_rules.groups_of), so no layout adds
semantics: Mimir/Cortex get `mimirtool rules` namespace files, Amazon Managed Prometheus one plain
rules file per rule groups namespace. Thanos Ruler reads alerts/rules/ as it is.
"""

from __future__ import annotations

from obsgen.artifacts import Artifact, RuleFile
from obsgen.plan.model import Plan
from obsgen.render.backend import Backend
from obsgen.render.rulers import amp, mimir

LAYOUTS = {"mimir": mimir.render, "amp": amp.render}


def render(plan: Plan, rendered: dict[str, Artifact]) -> dict[str, RuleFile]:
    files: dict[str, RuleFile] = {}
    for ruler in plan.metrics.rulers:
        files.update(LAYOUTS[ruler](plan, rendered))
    return files


# Mimir and AMP layouts, when the Platform's metrics.rulers lists them
BACKEND = Backend("rulers", render, output_dirs=("alerts",), verifier="rulers", uses=("metrics",),
                  reads=("prometheus",))
