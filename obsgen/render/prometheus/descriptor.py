"""The Prometheus rules backend's declaration: its renderer is render/prometheus_rules.py."""

from __future__ import annotations

from obsgen.render.backend import Backend
from obsgen.render.prometheus import settings
from obsgen.render.prometheus_rules import render

BACKEND = Backend("prometheus", render, output_dirs=("alerts",), per_service=True, verifier="promtool",
                  settings=settings.SETTINGS, uses=("alert_windows", "alert_style"))
