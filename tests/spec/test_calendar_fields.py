"""obsgen/v1's calendar and budgeting fields: optional, located errors, in `obsgen schema`."""

from __future__ import annotations

import json

import pytest

from obsgen import pipeline
from obsgen.errors import SpecErrors
from obsgen.plan.model import Slices
from tests.conftest import EXAMPLES, run_obsgen

SERVICE = """\
apiVersion: obsgen/v1
kind: Service
metadata: {{name: ledger, team: payments, tier: 3}}
spec:
  slos:
    - name: monthly
      objective: 99.9
{fields}
      sli:
        raw: {{error_ratio_query: 'sum(rate(e[{{{{window}}}}])) / sum(rate(t[{{{{window}}}}]))'}}
"""


def _plan(tmp_path, fields: str):
    root = tmp_path / "slos"
    root.mkdir()
    for name in ("teams.yaml", "platform.yaml"):
        (root / name).write_text((EXAMPLES / name).read_text())
    (root / "ledger.yaml").write_text(SERVICE.format(fields=fields))
    return root, pipeline.run(root, render=False).plan


def test_without_the_fields_an_slo_is_rolling_and_counts_events(tmp_path):
    _, plan = _plan(tmp_path, "      period: 28d")
    slo = plan.services[0].slos[0]
    assert (slo.calendar, slo.slices, slo.period) == (None, None, 28 * 86400)


@pytest.mark.parametrize("fields", [
    "      calendar: {unit: month, time_zone: Asia/Kolkata}",
    "      calendar: {unit: month, time_zone: Asia/Kathmandu, start: '2024-01-31 10:30:00'}",
    "      calendar: {unit: week, time_zone: Australia/Lord_Howe, start: '2024-01-06 00:45:00'}",
])
def test_zones_and_anchors_off_whole_hours_and_after_the_28th_plan(tmp_path, fields):
    """Refused before issue 20's calendar zones: the rules split the hour a period starts in."""
    _, plan = _plan(tmp_path, fields)
    assert plan.services[0].slos[0].calendar is not None


def test_ratio_timeslices_plan_as_ratio_slices(tmp_path):
    _, plan = _plan(tmp_path, "      budgeting: {method: ratio_timeslices, slice: 5m}")
    assert plan.services[0].slos[0].slices == Slices(300, None, ratio=True)


def test_a_calendar_week_defaults_its_rolling_period_to_7d(tmp_path):
    _, plan = _plan(tmp_path, "      calendar: {unit: week, time_zone: Europe/Berlin}")
    slo = plan.services[0].slos[0]
    assert (slo.calendar.unit, slo.calendar.anchor.weekday(), slo.period) == ("week", 0, 7 * 86400)  # Monday


@pytest.mark.parametrize(("fields", "error"), [
    ("      calendar: {unit: week, start: '2024-01-01 00:30:10'}",
     "slos[0].calendar.start: must start on a whole minute, got '2024-01-01 00:30:10'"),
    ("      budgeting: {method: ratio_timeslices, slice_target: 0.9}",
     "slos[0].budgeting: slice_target: only with method timeslices (ratio_timeslices averages the slices' "
     "ratios: no slice is good or bad)"),
    ("      budgeting: {method: timeslices}",
     "slos[0].budgeting: slice_target: required with method timeslices (e.g. 0.95)"),
    ("      budgeting: {method: timeslices, slice: 90s, slice_target: 0.9}",
     "slos[0].budgeting.slice: must be whole minutes from 1m to 1h (a slice is one evaluation of its rule "
     "group), got '90s'"),
])
def test_errors_name_the_field(tmp_path, fields, error):
    with pytest.raises(SpecErrors) as exc:
        _plan(tmp_path, fields)
    assert [str(e).split(": ", 1)[1] for e in exc.value.errors] == [error]
    assert str(exc.value.errors[0]).split(":")[1] == "8"  # the line of the field's SLO entry


def test_obsgen_schema_shows_them():
    schema = json.loads(run_obsgen("schema").stdout)
    slo = schema["$defs"]["SLO"]["properties"]
    assert {"calendar", "budgeting"} <= set(slo)
    assert schema["$defs"]["CalendarSpec"]["properties"]["unit"]["enum"] == ["month", "week"]
    assert schema["$defs"]["BudgetingSpec"]["properties"]["method"]["enum"] == ["occurrences", "timeslices",
                                                                                 "ratio_timeslices"]
