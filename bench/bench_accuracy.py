"""How far each period ratio is from the truth under uneven traffic: obsgen vs Sloth vs exact.

For 30 days of synthetic per-minute request and error counts (three shapes), it computes:

- exact:  errors / requests over the period, from the synthetic counts;
- obsgen: what obsgen's period rule records: the sum of the copied 5m error rates over the sum of
  the copied 5m request rates, one copy every 5 minutes (the roll-ups group's interval), at each of
  the five phases the group may have against the minute grid; the worst is shown.
  tests/render/test_period_rollups.py proves with promtool that the generated roll-ups equal
  exactly this sum;
- sloth:  Sloth's period rule, the mean of the 5m error ratios (NaN as soon as one 5m window had no
  traffic, as in Prometheus: 0/0 poisons the mean); in brackets the mean of the defined ratios.

    python bench/bench_accuracy.py
"""

from __future__ import annotations

import math
import sys

DAY = 1440  # minutes
PERIOD = 30 * DAY


def diurnal() -> list[tuple[int, int]]:
    """A daily cycle: 200 to 1800 requests a minute; errors 0.2% at the peak, 2% in the trough."""
    out = []
    for m in range(PERIOD):
        phase = math.sin(2 * math.pi * m / DAY)
        requests = round(1000 * (1 + 0.8 * phase))
        ratio = 0.011 - 0.009 * phase
        out.append((requests, round(requests * ratio)))
    return out


def burst() -> list[tuple[int, int]]:
    """1000 requests a minute at 0.1% errors, and one 30-minute incident at 10x traffic, 20% errors."""
    out = []
    for m in range(PERIOD):
        if 12 * DAY <= m < 12 * DAY + 30:
            out.append((10_000, 2_000))
        else:
            out.append((1000, 1))
    return out


def quiet() -> list[tuple[int, int]]:
    """A quiet service: 3 requests a minute by day, none from 01:00 to 05:00, 1 error in 200; one
    quiet evening hour a week with 2 requests a minute, half of them failing."""
    out = []
    for m in range(PERIOD):
        minute_of_day = m % DAY
        if 60 <= minute_of_day < 300:
            out.append((0, 0))
        elif m % (7 * DAY) // 60 == 22:  # 22:00 to 23:00 on the first day of each week
            out.append((2, 1))
        else:
            out.append((3, 1 if m % 67 == 0 else 0))
    return out


def rates5m(counts: list[tuple[int, int]]) -> list[tuple[float, float]]:
    """rate(x[5m]) each minute: the increase over the last 5 minutes over 300 s."""
    req = err = 0
    window: list[tuple[int, int]] = []
    out = []
    for requests, errors in counts:
        window.append((requests, errors))
        req += requests
        err += errors
        if len(window) > 5:
            old = window.pop(0)
            req -= old[0]
            err -= old[1]
        out.append((err / 300, req / 300))
    return out


def ratios(counts: list[tuple[int, int]]) -> tuple[float, float, float, float]:
    exact = sum(e for _, e in counts) / sum(r for r, _ in counts)
    rates = rates5m(counts)
    # the copies of the period's last evaluation: the 5m rates of every fifth minute, whose windows
    # tile the period; at phase 4 exactly, at the others shifted by 1 to 4 minutes at both ends
    phases = []
    for phase in range(5):
        copies = rates[phase::5]
        phases.append(sum(e for e, _ in copies) / sum(t for _, t in copies))
    obsgen = max(phases, key=lambda r: abs(r / exact - 1))
    per_window = [e / t if t else math.nan for e, t in rates5m(counts)]
    sloth = sum(per_window) / len(per_window)
    defined = [r for r in per_window if not math.isnan(r)]
    return exact, obsgen, sloth, sum(defined) / len(defined)


def main() -> int:
    print(f"{'traffic':<10}{'exact':>10}{'obsgen':>10}{'off by':>9}{'sloth':>10}{'(defined)':>11}{'off by':>9}")
    for name, shape in (("diurnal", diurnal), ("burst", burst), ("quiet", quiet)):
        exact, obsgen, sloth, defined = ratios(shape())
        sloth_shown = "NaN" if math.isnan(sloth) else f"{sloth:.4%}"
        print(f"{name:<10}{exact:>10.4%}{obsgen:>10.4%}{obsgen / exact - 1:>+9.0e}{sloth_shown:>10}"
              f"{f'({defined:.4%})':>11}{defined / exact - 1:>+9.0%}")
    print("\noff by: relative to exact. obsgen sums the 5m rates copied every 5 minutes: their windows tile the"
          " period, each event counted once; shown is the worst of the five phases the roll-ups group may have"
          " against the minute grid (at four of them the period's edges move by 1 to 4 minutes).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
