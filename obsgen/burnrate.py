"""The one home of the burn-rate math: windows, factors, budget and detection time.

Multi-window multi-burn-rate alerting (Google SRE Workbook, ch. 5). An alert fires when both its
long and its short window burn budget faster than its factor. Catalogs keep the windows fixed and
the share of the budget each alert may consume fixed, as Sloth's do, so factor = share x period /
long window.
"""

from __future__ import annotations

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


def detection_seconds(window: AlertWindow, budget: float, error_ratio: float) -> float:
    """Time for a sustained error ratio to push the long window over its threshold, from a clean
    window: factor x budget / error ratio x long window."""
    return window.factor * budget / error_ratio * window.long


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
