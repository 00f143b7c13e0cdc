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
    detect = [burnrate.detection_seconds(w, 0.001, 1.0) for w in windows]
    assert detect == pytest.approx([51.84, 129.6, 259.2, 259.2])
    consumed = [burnrate.consumed_fraction(w, 30 * DAY) for w in windows]
    assert consumed == pytest.approx([0.02, 0.05, 0.10, 0.10])
    assert burnrate.budget_seconds(0.001, 30 * DAY) == pytest.approx(43.2 * 60)


def test_detection_scales_inversely_with_the_error_ratio():
    page = burnrate.catalog_for(30 * DAY)[0]
    assert burnrate.detection_seconds(page, 0.001, 0.0144) == pytest.approx(3600)
    assert burnrate.threshold(page, 0.001) == pytest.approx(0.0144)


def test_recorded_windows_include_every_alert_window_and_the_base():
    assert burnrate.windows_of(burnrate.catalog_for(30 * DAY)) == (
        300, 1800, 3600, 7200, 21600, 86400, 259200)
