"""The one home of the burn-rate math: windows, factors, budget and detection time.

Multi-window multi-burn-rate alerting (Google SRE Workbook, ch. 5). An alert fires when both its
long and its short window burn budget faster than its factor. Catalogs keep the windows fixed and
the share of the budget each alert may consume fixed, as Sloth's do, so factor = share x period /
long window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

DAY = 86400
HOUR = 3600
MINUTE = 60

# The window every other window and the period are derived from (recorded once from raw series).
BASE_WINDOW = 5 * MINUTE


@dataclass(frozen=True)
class WindowSpec:
    """One alert of a catalog: severity (page|ticket), speed (quick|slow), windows, budget share."""

    severity: str
    speed: str
    long: int  # seconds
    short: int  # seconds
    budget_percent: float


@dataclass(frozen=True)
class AlertWindow:
    """A catalog entry resolved for one SLO period."""

    severity: str
    speed: str
    long: int
    short: int
    budget_percent: float
    factor: float


def _standard(page_quick: float, page_slow: float, ticket_quick: float, ticket_slow: float):
    return (
        WindowSpec("page", "quick", HOUR, 5 * MINUTE, page_quick),
        WindowSpec("page", "slow", 6 * HOUR, 30 * MINUTE, page_slow),
        WindowSpec("ticket", "quick", DAY, 2 * HOUR, ticket_quick),
        WindowSpec("ticket", "slow", 3 * DAY, 6 * HOUR, ticket_slow),
    )


# Sloth v0.16 catalogs (internal/alert/windows/, examples/windows/7d.yaml), keyed by period days.
BUILTIN_CATALOGS: dict[int, tuple[WindowSpec, ...]] = {
    30: _standard(2, 5, 10, 10),
    28: _standard(2, 5, 10, 10),
    7: _standard(8, 12.5, 20, 42),
}
# Any other period without a Platform catalog: the same windows, and each alert consumes the same
# share of the budget as with 30 days, so the factors scale with the period.
DEFAULT_CATALOG = BUILTIN_CATALOGS[30]


def factor(spec: WindowSpec, period: int) -> float:
    """Burn-rate factor: the alert fires after consuming budget_percent of the period's budget."""
    return round(spec.budget_percent / 100 * period / spec.long, 10)


def resolve(specs: tuple[WindowSpec, ...], period: int) -> tuple[AlertWindow, ...]:
    return tuple(
        AlertWindow(s.severity, s.speed, s.long, s.short, s.budget_percent, factor(s, period))
        for s in specs
    )


def catalog_for(period: int, custom: dict[int, tuple[WindowSpec, ...]] | None = None):
    """The catalog for a period in seconds: a Platform catalog, else a built-in, else default."""
    days = period // DAY
    specs = (custom or {}).get(days) or BUILTIN_CATALOGS.get(days) or DEFAULT_CATALOG
    return resolve(specs, period)


def threshold(window: AlertWindow, budget: float) -> float:
    """The error ratio above which the window's condition holds."""
    return window.factor * budget


# --- detection time: what the generated rules really achieve ---------------------------------
#
# A window is read at its edge (the 5m base window from the raw series, and the long window of the
# fastest page, see raw_windows, from 5m tiles or the raw series) or derived from the recorded 5m
# rates (the sum of every sample over the window). A window read at its edge ("raw" below) holds an
# error the moment it happens; a derived one sees it through each 5m rate that holds it, so an
# outage fills it along a 5-minute ramp: a full outage at 99.9% over 30d trips a derived 1h window
# after 176 s, one read at its edge after the Workbook's 52 s.
#
# Model: constant traffic, a clean history, errors at `error_ratio` during [start, end). `held` is
# the seconds of errors a window holds at t, as the rules read it; the window's error ratio is
# error_ratio x held / window. Both the simulator (preview/simulate.py and its JavaScript) and every
# stated detection time (docs, preview, promtool tests, the end-to-end test) come from it.


def _raw_held(x: float) -> float:
    return max(x, 0.0)


def _derived_held(x: float, ramp: float) -> float:
    """The integral, over the window, of the share of each 5m rate's own window in error: the
    errors since x seconds ago convolved with a ramp of `ramp` seconds."""
    if x <= 0:
        return 0.0
    return x * x / (2 * ramp) if x <= ramp else x - ramp / 2


def held(t: float, window: float, start: float, end: float, raw: bool, ramp: float = BASE_WINDOW) -> float:
    """Seconds of the errors of [start, end) a window of `window` seconds ending at t holds."""
    if raw:
        def g(x):
            return _raw_held(x)
    else:
        def g(x):
            return _derived_held(x, ramp)
    return g(t - start) - g(t - window - start) - g(t - end) + g(t - window - end)


def raw_windows(catalog: tuple[AlertWindow, ...]) -> tuple[int, ...]:
    """Windows read at their edge besides the 5m base (no ramp: they hold an error the moment a 5m
    rate does): the long window of the fastest page (the shortest page long window), so that a full
    outage pages after the Workbook's time. Read from 5m tiles (tiles()) where the window allows,
    else from the raw series. Every other window keeps the cheap derivation from the 5m rates: its
    ramp adds at most 150 s to detection times of 4 minutes and more (docs/rule-cost.md has the
    cost of each choice)."""
    pages = [w.long for w in catalog if w.severity == "page"]
    return tuple(sorted({min(pages)} - {BASE_WINDOW})) if pages else ()


# A window read at its edge is the sum of the recorded 5m rates at t, t - 5m, ..., t - window + 5m:
# their ranges partition (t - window, t], so it holds what the raw series hold over the window (each
# 5m rate extrapolated as rate() does), for 2 x window / 5m selectors over one sample each instead
# of the raw series over the whole window. Beyond MAX_TILES the selectors would cost more than
# the raw read they replace, and the window is read from the raw series.
MAX_TILES = 12


def tiles(window: int) -> tuple[int, ...]:
    """The offsets (seconds, newest first) of the 5m rates whose sum is the window; () when the
    window is read from the raw series instead (not a whole number of 5m, or too many tiles)."""
    if window % BASE_WINDOW or window // BASE_WINDOW > MAX_TILES:
        return ()
    return tuple(range(0, window, BASE_WINDOW))


# A tiled window of whole runs of TILE_RUN tiles (the 1h window: four runs of three) is read as the
# sum of recorded runs at t, t - 15m, ...: each run, the sum of the 5m rates at t, t - 5m, t - 10m,
# is recorded every evaluation, so the window sums the same tiles through 8 selectors and the runs'
# two rules 6, where it read 24 (Prometheus 2 looks every selector up and parses the rule's text at
# every evaluation: cost is per selector far more than per sample).
TILE_RUN = 3


def tile_runs(window: int) -> tuple[int, ...]:
    """The offsets (seconds, newest first) of the recorded runs of TILE_RUN tiles whose sum is the
    window; () when the window reads its tiles one by one (or is not tiled)."""
    count = len(tiles(window))
    if count <= TILE_RUN or count % TILE_RUN:
        return ()
    return tuple(range(0, window, TILE_RUN * BASE_WINDOW))


def edge_span(window: int, scrape: float) -> float:
    """The shortest span of samples a window read at its edge may read as the whole window: a rate
    over a range with samples every `scrape` seconds may span one interval less than the range and
    is extrapolated to it, so a raw window spans window - scrape, and a tiled one 5m - scrape of
    every 5m tile."""
    if tiles(window):
        return window * (BASE_WINDOW - scrape) / BASE_WINDOW
    return window - scrape


def _first_holding(window: int, raw: bool, needed: float, ramp: float) -> float | None:
    """The first t after the onset of a sustained outage at which the window holds `needed` seconds
    of errors (held only grows then); None if it never does."""
    top = window + (0 if raw else ramp)
    if needed >= window:  # held reaches the whole window only at `top`, and never exceeds it
        return None
    lo, hi = 0.0, float(top)
    for _ in range(80):
        mid = (lo + hi) / 2
        if held(mid, window, 0.0, math.inf, raw, ramp) >= needed:
            hi = mid
        else:
            lo = mid
    return round(hi, 6)


@dataclass(frozen=True)
class Detection:
    """Seconds after the onset of a sustained error ratio at which an alert fires, `for` included.

    ideal: the model above, no lag (the docs' and the preview's time);
    earliest: it cannot fire before this. A rate over a range with samples every `scrape` seconds
      may span one interval less than the range (Prometheus 3's left-open ranges), so a window read
      at its edge reads up to window/edge_span() more and a 5m rate ramps in 5m - scrape; a window derived
      from 5m rates evaluated every `evaluation` seconds is a sum of samples, which may run up to one
      evaluation ahead of the model;
    latest: it fires by this, whatever the phase of scrapes and evaluations: the errors reach a
      sample at most one scrape later (a new error series needs two samples for a rate), the rule
      sees them at most one evaluation later; a derived window summed over a closed range (Prometheus
      2) holds one sample more than its length.
    """

    ideal: float
    earliest: float
    latest: float


def _pair_time(window: AlertWindow, budget: float, error_ratio: float, raw: tuple[int, ...], *,
               stretch=lambda seconds, is_raw: seconds, ramp: float = BASE_WINDOW,
               ahead: float = 0.0) -> float | None:
    """When both windows hold enough errors: each reads `needed` over stretch(window) seconds; a
    derived window fills along `ramp` and may run `ahead` of the model."""
    times = []
    for seconds in (window.long, window.short):
        is_raw = seconds in raw or seconds == BASE_WINDOW
        needed = threshold(window, budget) * stretch(seconds, is_raw) / error_ratio
        time = _first_holding(seconds, is_raw, needed, ramp)
        if time is None:
            return None
        times.append(time if is_raw else max(0.0, time - ahead))
    return max(times)


def detection(window: AlertWindow, budget: float, error_ratio: float, raw: tuple[int, ...], *,
              scrape: float = 0.0, evaluation: float = 0.0, for_seconds: float = 0.0) -> Detection | None:
    """When the generated rules fire an alert of this window pair for a sustained error ratio from a
    clean history; None if they never do. `raw`: the SLO's raw_windows(catalog)."""
    if error_ratio <= threshold(window, budget):
        return None
    ideal = _pair_time(window, budget, error_ratio, raw)
    if ideal is None:
        return None
    earliest = _pair_time(window, budget, error_ratio, raw, stretch=lambda s, r: edge_span(s, scrape) if r else s,
                          ramp=max(BASE_WINDOW - scrape, 1), ahead=evaluation) or 0.0
    late = _pair_time(window, budget, error_ratio, raw, stretch=lambda s, r: s if r else s + evaluation)
    # just above the threshold, a closed range's extra sample may keep a derived window under it
    latest = math.inf if late is None else max(late + scrape, 2 * scrape) + evaluation
    return Detection(round(ideal + for_seconds, 6), round(earliest + for_seconds, 6),
                     round(latest + for_seconds, 6))


def detection_seconds(window: AlertWindow, budget: float, error_ratio: float, raw: tuple[int, ...]) -> float | None:
    """The ideal time of detection(): what the docs' alert table and the preview state."""
    found = detection(window, budget, error_ratio, raw)
    return found.ideal if found else None


def workbook_seconds(window: AlertWindow, budget: float, error_ratio: float) -> float:
    """The Workbook's time, every window raw: factor x budget / error ratio x long window."""
    return window.factor * budget / error_ratio * window.long


def budget(objective_percent: float) -> float:
    """The error budget as a ratio, 1 - objective: the one home of that number for the plan, the
    spec's checks, the importers and the diff. Rounded to 12 places so that 99.9 gives 0.001, not
    0.0010000000000000009: a check reading the raw difference could judge a window's threshold
    (factor x budget) on one side of 1 and the rules on the other."""
    return round(1 - objective_percent / 100, 12)


def budget_seconds(budget: float, period: int) -> float:
    """The whole error budget as time at a total outage: (1 - objective) x period."""
    return budget * period


def consumed_fraction(window: AlertWindow, period: int) -> float:
    """Share of the period's budget consumed when the alert fires: factor x long / period."""
    return window.factor * window.long / period


def windows_of(catalog: tuple[AlertWindow, ...]) -> tuple[int, ...]:
    """Every window the rules must record for this catalog, the base window first."""
    found = {BASE_WINDOW}
    for w in catalog:
        found.update((w.long, w.short))
    return tuple(sorted(found))


# --- calendar periods ------------------------------------------------------------------------
#
# A calendar month is 28 to 31 days (a DST month an hour more or less), a quarter 90 to 92: each
# alert of a calendar SLO consumes its catalog share of the budget of the period as it is, so its
# factor is share x the period's hours / the long window's hours, computed in PromQL from the
# period's length the rules record (calendar.hours_expr): nothing to regenerate when a month ends.
# The catalog is that of the SLO's rolling `period` (by default the unit's nominal length: 30 days a
# month, 7 a week), which picks the windows and the shares.

NOMINAL_DAYS = {"month": 30, "week": 7}


def nominal_period(unit: str, count: int = 1) -> int:
    """The rolling period, in seconds, standing for `count` calendar months or weeks."""
    return NOMINAL_DAYS[unit] * count * DAY


def calendar_factor(window: AlertWindow, hours: int) -> float:
    """The factor of a calendar SLO's alert during a period of `hours` hours: the alert fires after
    consuming the window's budget_percent of that period's budget."""
    return round(window.budget_percent / 100 * hours * HOUR / window.long, 10)


def calendar_window(window: AlertWindow, hours: int) -> AlertWindow:
    """The window with its factor during a period of `hours` hours (detection times, tests)."""
    return AlertWindow(window.severity, window.speed, window.long, window.short, window.budget_percent,
                       calendar_factor(window, hours))


def calendar_factor_terms(window: AlertWindow) -> tuple[float, float]:
    """(a, b): the factor during a period of h hours is h x a / b (the PromQL form of calendar_factor,
    without rounding: a is the budget percent, b is 100 x the long window in hours)."""
    return window.budget_percent, 100 * window.long / HOUR


# --- timeslice SLOs --------------------------------------------------------------------------
#
# A timeslice SLO burns slices: over a window, its bad-slice ratio is the bad slices / the slices
# recorded in it (with ratio_timeslices, the mean of the slices' error ratios), and its burn rate is
# that ratio / (1 - objective), compared with the same catalog's factors as an events SLO's. Each
# window is the mean of the slices it holds, read at its edge: a new bad slice counts whole the
# moment it is recorded, so a burn rate over 5m of 1m slices moves in steps of 20%.


def slice_share(error_ratio: float, target: float | None) -> float:
    """The share of bad slices a sustained error ratio makes: every slice is bad when its good ratio
    misses the target, none when it meets it; with ratio_timeslices (`target` None) each slice
    spends its error ratio."""
    if target is None:
        return error_ratio
    return 0.0 if 1 - error_ratio >= target else 1.0


def slices_needed(window: AlertWindow, budget: float, seconds: int, slice_seconds: int,
                  share: float = 1.0) -> int | None:
    """The fewest slices, each spending `share`, that a window of `seconds` must hold for its burn
    rate to exceed the factor; None if even a window of such slices does not."""
    held = seconds // slice_seconds
    limit = threshold(window, budget) * held
    if share <= 0 or share * held <= limit:
        return None
    count = math.floor(limit / share) + 1
    while count > 1 and share * (count - 1) > limit:  # float safety: the smallest count that exceeds
        count -= 1
    return count


def slice_detection_seconds(window: AlertWindow, budget: float, error_ratio: float, slice_seconds: int,
                            target: float | None) -> float | None:
    """When a sustained error ratio from a clean history has recorded enough slices for both windows
    of the pair (the slice model of detection_seconds); None if it never does."""
    share = slice_share(error_ratio, target)
    counts = [slices_needed(window, budget, seconds, slice_seconds, share) for seconds in (window.long, window.short)]
    if None in counts:
        return None
    return float(max(counts) * slice_seconds)
