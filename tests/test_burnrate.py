import math

import pytest

from obsgen import burnrate

DAY = burnrate.DAY


def factors(days: int) -> list[float]:
    return [w.factor for w in burnrate.catalog_for(days * DAY)]


@pytest.mark.parametrize(
    ("days", "expected"),
    [(30, [14.4, 6, 3, 1]), (28, [13.44, 5.6, 2.8, 0.9333333333]), (7, [13.44, 3.5, 1.4, 0.98])],
)
def test_builtin_catalogs_match_sloth(days, expected):
    assert factors(days) == pytest.approx(expected, abs=1e-9)


def test_windows_and_severities_of_the_default_catalog():
    pairs = [(w.severity, w.long, w.short) for w in burnrate.catalog_for(30 * DAY)]
    assert pairs == [("page", 3600, 300), ("page", 21600, 1800), ("ticket", 86400, 7200),
                     ("ticket", 259200, 21600)]


def test_other_periods_keep_the_30d_budget_shares():
    fourteen = burnrate.catalog_for(14 * DAY)
    assert [round(burnrate.consumed_fraction(w, 14 * DAY), 6) for w in fourteen] == [0.02, 0.05, 0.1, 0.1]
    assert fourteen[0].factor == pytest.approx(6.72)


def test_a_custom_catalog_wins():
    custom = {30: (burnrate.WindowSpec("page", "quick", 3600, 300, 4),)}
    (window,) = burnrate.catalog_for(30 * DAY, custom)
    assert window.factor == pytest.approx(28.8)


def test_reference_table_budget_and_detection():
    """The SRE Workbook (ch. 5): 99.9% over 30d; full outage detected after 52 s, 2.2 min, 4.3 min, 4.3 min."""
    windows = burnrate.catalog_for(30 * DAY)
    detect = [burnrate.workbook_seconds(w, 0.001, 1.0) for w in windows]
    assert detect == pytest.approx([51.84, 129.6, 259.2, 259.2])
    consumed = [burnrate.consumed_fraction(w, 30 * DAY) for w in windows]
    assert consumed == pytest.approx([0.02, 0.05, 0.10, 0.10])
    assert burnrate.budget_seconds(0.001, 30 * DAY) == pytest.approx(43.2 * 60)


def test_the_fastest_page_reads_its_long_window_raw():
    for days in (30, 28, 7, 14):
        assert burnrate.raw_windows(burnrate.catalog_for(days * DAY)) == (3600,)
    tickets_only = tuple(w for w in burnrate.catalog_for(30 * DAY) if w.severity == "ticket")
    assert burnrate.raw_windows(tickets_only) == ()
    five_minutes = (burnrate.AlertWindow("page", "quick", 300, 60, 2, 14.4),)
    assert burnrate.raw_windows(five_minutes) == ()  # the base window is raw already


def test_a_window_read_at_its_edge_is_tiled_by_5m_rates_up_to_an_hour():
    assert burnrate.tiles(3600) == tuple(range(0, 3600, 300))
    assert burnrate.tiles(1800) == (0, 300, 600, 900, 1200, 1500)
    assert burnrate.tiles(2 * 3600) == ()  # 24 selectors of one sample cost more than the raw read
    assert burnrate.tiles(3900) == ()  # not a whole number of 5m: read from the raw series
    # each tile may read 285 s of samples as its 300 s; a raw read, 3885 s as its 3900 s
    assert burnrate.edge_span(3600, 15) == pytest.approx(3600 * 285 / 300)
    assert burnrate.edge_span(3900, 15) == 3885


def test_detection_of_the_rules_a_raw_1h_and_the_5m_ramp_of_derived_windows():
    """A full outage at 99.9% over 30d: the raw 1h window pages after the Workbook's 52 s; a window
    summed from 5m rates fills along their ramp (x^2/600 over the first 5 minutes, then x - 150 s):
    the 1h window derived so would page after 176 s (issue 18 measured 167-181 s), the 6h page after
    279 s (measured 272 s), the tickets after 129.6 + ... 259.2 + 150 s."""
    windows = burnrate.catalog_for(30 * DAY)
    raw = burnrate.raw_windows(windows)
    ideal = [burnrate.detection_seconds(w, 0.001, 1.0, raw) for w in windows]
    assert ideal == pytest.approx([51.84, (600 * 129.6) ** 0.5, 259.2 + 150, 259.2 + 150], abs=1e-5)
    derived_1h = burnrate.detection_seconds(windows[0], 0.001, 1.0, raw=())
    assert derived_1h == pytest.approx((600 * 51.84) ** 0.5, abs=1e-5)
    assert 175 < derived_1h < 177


def test_scrape_and_evaluation_lag_bound_the_detection():
    page = burnrate.catalog_for(30 * DAY)[0]
    raw = (3600,)
    found = burnrate.detection(page, 0.001, 1.0, raw, scrape=15, evaluation=30, for_seconds=120)
    # the errors reach a sample within one scrape, the rule within one evaluation, then `for`
    assert found.ideal == pytest.approx(51.84 + 120)
    assert found.latest == pytest.approx(51.84 + 15 + 30 + 120)
    # the hour is 12 tiles of 5m rates, each of which may span one scrape interval less than its 5
    # minutes: 285 s of samples read as 300 s
    assert found.earliest == pytest.approx(51.84 * 285 / 300 + 120)
    assert burnrate.detection(page, 0.001, 0.0144, raw) is None  # at the threshold: never
    slow = burnrate.catalog_for(30 * DAY)[1]
    bounds = burnrate.detection(slow, 0.001, 1.0, raw, scrape=15, evaluation=30)
    assert bounds.earliest < bounds.ideal < bounds.latest
    # a sum of 5m-rate samples may run one evaluation ahead of the continuous model
    assert bounds.earliest == pytest.approx((2 * 285 * 129.6) ** 0.5 - 30, abs=1e-4)


def test_held_is_the_overlap_for_raw_windows_and_a_ramped_overlap_for_derived_ones():
    assert burnrate.held(1800, 3600, 0, 3600, raw=True) == 1800
    assert burnrate.held(7200, 3600, 0, 3600, raw=True) == 0
    assert burnrate.held(5400, 3600, 0, 3600, raw=True) == 1800
    assert burnrate.held(60, 3600, 0, math.inf, raw=False) == pytest.approx(6)  # 60^2 / 600
    assert burnrate.held(1800, 3600, 0, math.inf, raw=False) == pytest.approx(1650)
    # long after a 100 s outage a derived window holds all of it, as a raw one does
    assert burnrate.held(1000, 3600, 0, 100, raw=False) == pytest.approx(100)
    assert burnrate.held(3600 + 400, 3600, 0, 100, raw=False) == pytest.approx(0)


def test_detection_scales_inversely_with_the_error_ratio():
    page = burnrate.catalog_for(30 * DAY)[0]
    assert burnrate.workbook_seconds(page, 0.001, 0.0144) == pytest.approx(3600)
    assert burnrate.threshold(page, 0.001) == pytest.approx(0.0144)
    assert burnrate.detection_seconds(page, 0.001, 0.0288, (3600,)) == pytest.approx(1800)


def test_recorded_windows_include_every_alert_window_and_the_base():
    assert burnrate.windows_of(burnrate.catalog_for(30 * DAY)) == (
        300, 1800, 3600, 7200, 21600, 86400, 259200)
