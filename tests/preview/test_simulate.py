"""The simulator agrees with the burn-rate module it illustrates."""

from __future__ import annotations

import pytest

from obsgen import burnrate
from obsgen.preview.simulate import STEP, simulate, window_ratio

CATALOG = burnrate.catalog_for(30 * burnrate.DAY)
BUDGET = 0.001


@pytest.mark.parametrize("window", CATALOG, ids=lambda w: f"{w.severity}-{w.long}")
@pytest.mark.parametrize("error_ratio", [1.0, 0.1, 0.02])
def test_sustained_errors_fire_at_the_detection_time(window, error_ratio):
    if error_ratio <= burnrate.threshold(window, BUDGET):
        pytest.skip("below this window's threshold")
    expected = burnrate.detection_seconds(window, BUDGET, error_ratio)
    expected = max(expected, burnrate.detection_seconds(
        burnrate.AlertWindow("x", "x", window.short, window.short, 0, window.factor), BUDGET, error_ratio))
    outcome = simulate(window.long, window.short, window.factor, BUDGET, error_ratio, duration=30 * burnrate.DAY,
                       horizon=window.long * 2)
    assert outcome.fires_at is not None
    assert expected <= outcome.fires_at <= expected + STEP


@pytest.mark.parametrize("window", CATALOG, ids=lambda w: f"{w.severity}-{w.long}")
def test_just_below_the_threshold_never_fires(window):
    ratio = burnrate.threshold(window, BUDGET) * 0.99
    outcome = simulate(window.long, window.short, window.factor, BUDGET, ratio, duration=10 * burnrate.DAY)
    assert outcome.fires_at is None


def test_a_short_outage_resolves_once_the_short_window_is_clean():
    page = CATALOG[0]  # 1h / 5m at 14.4x
    outcome = simulate(page.long, page.short, page.factor, BUDGET, 1.0, duration=600)
    assert outcome.fires_at is not None and outcome.fires_at <= 120
    assert outcome.resolves_at is not None and 600 < outcome.resolves_at <= 600 + page.short + STEP


def test_for_delays_firing():
    page = CATALOG[0]
    plain = simulate(page.long, page.short, page.factor, BUDGET, 1.0, duration=3600)
    delayed = simulate(page.long, page.short, page.factor, BUDGET, 1.0, duration=3600, for_seconds=300)
    assert delayed.fires_at == plain.fires_at + 300


def test_window_ratio_is_the_share_of_the_window_in_error():
    assert window_ratio(1800, 3600, 1.0, 3600) == 0.5
    assert window_ratio(7200, 3600, 1.0, 3600) == 0.0
    assert window_ratio(5400, 3600, 0.5, 3600) == 0.25
