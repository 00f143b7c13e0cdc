"""The burn-rate simulator: when does each alert fire for an error ratio held for a while?

The page runs the same model in JavaScript (assets/preview.js); the browser test checks the two
agree, and tests/preview/test_simulate.py checks this one against burnrate.detection. Model
(burnrate.held): constant traffic, a clean history, then `error_ratio` from t=0 to t=duration and
clean again. A window's error ratio at t is the errors it holds as the rules read it (a window
derived from the 5m rates fills along their 5-minute ramp, a raw one at once) divided by its length;
an alert's condition holds when both its windows burn faster than its factor, it is evaluated every
STEP seconds on fresh data, and it fires after `for`.
"""

from __future__ import annotations

from dataclasses import dataclass

from obsgen import burnrate

STEP = 30  # seconds between simulated evaluations (the page plots the same grid)


@dataclass(frozen=True)
class Outcome:
    fires_at: float | None  # seconds after the errors started; None: never
    resolves_at: float | None  # first time the condition no longer holds after firing


def window_ratio(t: float, window: float, error_ratio: float, duration: float, raw: bool) -> float:
    """The error ratio a window of `window` seconds ending at t holds."""
    return error_ratio * burnrate.held(t, window, 0.0, duration, raw) / window


def condition(t: float, long: float, short: float, factor: float, budget: float,
              error_ratio: float, duration: float, raw: tuple[bool, bool]) -> bool:
    limit = factor * budget
    return (window_ratio(t, long, error_ratio, duration, raw[0]) > limit
            and window_ratio(t, short, error_ratio, duration, raw[1]) > limit)


def simulate(long: float, short: float, factor: float, budget: float, error_ratio: float,
             duration: float, for_seconds: float = 0, horizon: float | None = None, *,
             raw: tuple[bool, bool]) -> Outcome:
    """Step through time; the condition must hold for `for_seconds` before the alert fires.
    raw: whether the long and the short window are read from the raw series (burnrate.raw_windows)."""
    horizon = horizon if horizon is not None else duration + long + burnrate.BASE_WINDOW + STEP
    since, fired = None, None
    steps = int(horizon // STEP) + 1
    for i in range(1, steps + 1):
        t = i * STEP
        holds = condition(t, long, short, factor, budget, error_ratio, duration, raw)
        if fired is None:
            since = (since if since is not None else t) if holds else None
            if since is not None and t - since >= for_seconds:
                fired = t
        elif not holds:
            return Outcome(fired, t)
    return Outcome(fired, None)
