"""The alert math table of the Prometheus page is the burn-rate module's."""

import re

import pytest

from obsgen import burnrate, durations
from tests.conftest import ROOT

PAGE = (ROOT / "docs" / "outputs" / "prometheus.md").read_text()
ROW = re.compile(r"^\| (\d+)d \| (page|ticket) \| (\w+) \| (\w+) \| ([\d.]+) \| ([\d.]+)% \| ([\d.]+)% "
                 r"\| ([^|]+) \| ([^|]+) \| ([^|]+) \|$", re.M)


@pytest.mark.parametrize("row", ROW.findall(PAGE), ids=lambda r: "-".join(r[:4]))
def test_alert_table_matches_the_burn_rate_module(row):
    days, severity, long, short, factor, consumed, threshold, workbook, rules, fires_by = row
    period = int(days) * burnrate.DAY
    catalog = burnrate.catalog_for(period)
    window = next(w for w in catalog if w.severity == severity and durations.format_seconds(w.long) == long)
    assert durations.format_seconds(window.short) == short
    assert window.factor == pytest.approx(float(factor), rel=1e-3)
    assert burnrate.consumed_fraction(window, period) * 100 == pytest.approx(float(consumed), rel=1e-3)
    assert burnrate.threshold(window, 0.001) * 100 == pytest.approx(float(threshold), rel=1e-3)
    assert durations.human(burnrate.workbook_seconds(window, 0.001, 1.0)) == workbook.strip()
    found = burnrate.detection(window, 0.001, 1.0, burnrate.raw_windows(catalog), scrape=15, evaluation=30)
    assert durations.human(found.ideal) == rules.strip()
    assert durations.human(found.latest) == fires_by.strip()


def test_the_table_has_every_builtin_catalog():
    assert len(ROW.findall(PAGE)) == 12
