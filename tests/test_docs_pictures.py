"""The Grafana page's dashboard pictures are drawn from the committed dashboards and are current."""

from __future__ import annotations

import importlib.util

from tests.conftest import ROOT


def _tool():
    spec = importlib.util.spec_from_file_location("dashboard_picture", ROOT / "tools" / "dashboard_picture.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pictures_are_current(generated):
    for path, text in _tool().pictures(generated).items():
        assert (ROOT / path).read_text() == text, f"{path} is stale: run `make docs`"


def test_pictures_show_every_panel_title(example_files):
    import json

    tool = _tool()
    dashboard = json.loads(example_files["dashboards/checkout.json"])
    picture = tool.svg(dashboard)
    for panel in dashboard["panels"]:
        assert tool._fit(panel["title"], panel["gridPos"]["w"] * tool.COLUMN - 2 * tool.PAD).split("…")[0] in picture
