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


@pytest.mark.parametrize(("old", "new", "error"), [
    ("duration: 1M", "duration: 1m", "timeWindow[0].duration: a calendar window is whole "
     "months (1M), quarters (1Q), years (1Y) or weeks (1w to 4w) (1m is a minute: a month is 1M), got '1m'"),
    ("timeZone: Europe/Berlin", "timeZone: Asia/Kolkata", "timeWindow[0].calendar."
     "timeZone: time zone 'Asia/Kolkata' has a UTC offset of 330 minutes in 2024: calendar periods need "
     "whole-hour offsets (their starts fall on whole UTC hours)"),
    ("timeZone: Europe/Berlin", "timeZone: Mars/Olympus", "timeWindow[0].calendar."
     "timeZone: unknown time zone 'Mars/Olympus' (an IANA name such as Europe/Berlin or UTC)"),
    ("2024-01-01 00:00:00", "2024-01-31 00:00:00", "timeWindow[0].calendar.startTime: "
     "a monthly period must start on day 1 to 28 (day 31 is missing in some months), got '2024-01-31 00:00:00'"),
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
