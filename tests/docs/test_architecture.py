"""The series names the Architecture page lists are the ones the generated rules record."""

import re

from tests.conftest import ROOT

PAGE = (ROOT / "docs" / "architecture.md").read_text()


def test_every_series_named_is_recorded(example_files):
    recorded = {name for path, text in example_files.items() if path.startswith("alerts/rules/")
                for name in re.findall(r"^\s*- record: (\S+)$", text, re.M)}
    named = set(re.findall(r"`((?:slo:|sloth_slo_info)[^`<]*)`", PAGE))
    assert len(named) >= 15
    assert named - recorded == set(), "named on the page but recorded by no generated rule"


def test_every_series_recorded_is_named(example_files):
    recorded = {name for path, text in example_files.items() if path.startswith("alerts/rules/")
                for name in re.findall(r"^\s*- record: (\S+)$", text, re.M)}
    # windows and periods are one entry on the page: slo:sli_error:ratio_rate<window>
    shapes = {re.sub(r"ratio_rate(?!5m$)\w+$", "ratio_rate<window>", name) for name in recorded}
    assert {shape for shape in shapes if f"`{shape}`" not in PAGE} == set()
