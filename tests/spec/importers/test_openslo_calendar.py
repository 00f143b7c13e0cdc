"""OpenSLO calendar windows and Timeslices budgeting import (issue 20): what the rules then read."""

from __future__ import annotations

from datetime import datetime

import pytest

from obsgen import burnrate, names
from obsgen.errors import SpecErrors
from obsgen.plan.model import Slices
from obsgen.render import prometheus_rules
from tests.spec.importers.helpers import TEAM, plan, slo_plan, write
from tests.spec.importers.test_openslo import V1

CALENDAR = """\
  timeWindow:
    - duration: 1M
      isRolling: false
      calendar:
        startTime: 2024-01-01 00:00:00
        timeZone: Europe/Berlin
  budgetingMethod: Timeslices
  objectives:
    - displayName: Good requests
      target: 0.995
      timeSliceTarget: 0.95
      timeSliceWindow: 1m
"""
ROLLING = """\
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: Good requests
      target: 0.995
"""


def _dir(tmp_path, replacement: str):
    assert ROLLING in V1
    return write(tmp_path / "slos", {"checkout.openslo.yaml": V1.replace(ROLLING, replacement),
                                     "teams.yaml": TEAM % "payments"})


def test_a_calendar_month_of_timeslices_imports(tmp_path):
    slo = slo_plan(_dir(tmp_path, CALENDAR), "checkout", "availability")
    assert (slo.calendar.unit, slo.calendar.count, slo.calendar.time_zone) == ("month", 1, "Europe/Berlin")
    assert slo.calendar.anchor == datetime(2024, 1, 1)
    assert slo.slices == Slices(60, 0.95)
    assert slo.period == burnrate.nominal_period("month")  # the alerts' factors: docs/calendar.md
    records = {r.get("record") for g in prometheus_rules.groups_for(slo) for r in g["rules"]}
    assert {names.CALENDAR_BUDGET_REMAINING, names.SLICES_PERIOD_BUDGET_REMAINING,
            names.calendar_sum("good_slices")} <= records
    assert names.calendar_sum("error") not in records  # the calendar budget counts slices, not events


def test_a_week_from_its_start_time(tmp_path):
    text = CALENDAR.replace("1M", "2w").replace("2024-01-01 00:00:00", "2022-01-01 12:00:00")
    slo = slo_plan(_dir(tmp_path, text), "checkout", "availability")
    assert (slo.calendar.unit, slo.calendar.count, slo.calendar.anchor) == ("week", 2, datetime(2022, 1, 1, 12))
    assert slo.period == 14 * 86400


def test_ratio_timeslices_import_as_the_mean_of_the_slices_ratios(tmp_path):
    """A timeSliceTarget beside RatioTimeslices (OpenSLO requires it only for Timeslices) is read,
    and ignored with a warning: the method has no good or bad slice."""
    text = CALENDAR.replace("budgetingMethod: Timeslices", "budgetingMethod: RatioTimeslices")
    root = _dir(tmp_path, text)
    slo = slo_plan(root, "checkout", "availability")
    assert slo.slices == Slices(60, None, ratio=True)
    good = next(r["expr"] for g in prometheus_rules.groups_for(slo) for r in g["rules"]
                if r.get("record") == names.rate_in_hours("good_slices"))
    assert ">= bool" not in good  # the slice's good ratio itself, not good-or-bad
    without = _dir(tmp_path / "no-target", text.replace("      timeSliceTarget: 0.95\n", ""))
    assert slo_plan(without, "checkout", "availability").slices == Slices(60, None, ratio=True)


@pytest.mark.parametrize(("zone", "start", "anchor"), [
    ("Asia/Kolkata", "2024-01-01 00:00:00", datetime(2024, 1, 1)),
    ("Asia/Kathmandu", "2024-01-01 00:00:00", datetime(2024, 1, 1)),
    ("Australia/Lord_Howe", "2024-01-01 00:00:00", datetime(2024, 1, 1)),
    ("America/New_York", "2020-01-21 12:30:00", datetime(2020, 1, 21, 12, 30)),  # OpenSLO's README example
    ("Europe/Berlin", "2022-01-31 00:00:00", datetime(2022, 1, 31)),  # the last day of shorter months
])
def test_calendars_off_whole_hours_and_after_the_28th_import(tmp_path, zone, start, anchor):
    text = CALENDAR.replace("timeZone: Europe/Berlin", f"timeZone: {zone}").replace("2024-01-01 00:00:00", start)
    slo = slo_plan(_dir(tmp_path, text), "checkout", "availability")
    assert (slo.calendar.time_zone, slo.calendar.anchor) == (zone, anchor)


@pytest.mark.parametrize(("old", "new", "error"), [
    ("duration: 1M", "duration: 1m", "timeWindow[0].duration: a calendar window is whole "
     "months (1M), quarters (1Q), years (1Y) or weeks (1w to 4w) (1m is a minute: a month is 1M), got '1m'"),
    ("timeZone: Europe/Berlin", "timeZone: Mars/Olympus", "timeWindow[0].calendar."
     "timeZone: unknown time zone 'Mars/Olympus' (an IANA name such as Europe/Berlin or UTC)"),
    ("2024-01-01 00:00:00", "2024-01-31 00:00:30", "timeWindow[0].calendar.startTime: "
     "must start on a whole minute, got '2024-01-31 00:00:30'"),
    ("timeSliceTarget: 0.95", "timeSliceTarget: 95", "objectives[0].timeSliceTarget: "
     "Timeslices needs a timeSliceTarget between 0 and 1 such as 0.95, got 95"),
    ("timeSliceWindow: 1m", "timeSliceWindow: 30s", "objectives[0].timeSliceWindow: "
     "must be whole minutes from 1m to 1h (a slice is one evaluation of its rule group), got '30s'"),
])
def test_calendar_and_timeslice_errors_are_located(tmp_path, old, new, error):
    root = _dir(tmp_path, CALENDAR.replace(old, new))
    line = next(i for i, text in enumerate((root / "checkout.openslo.yaml").read_text().splitlines(), 1)
                if new in text)
    with pytest.raises(SpecErrors) as exc:
        plan(root)
    assert [str(e).replace(f"{root}/", "") for e in exc.value.errors] == [f"checkout.openslo.yaml:{line}: {error}"]
