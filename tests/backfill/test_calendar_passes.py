"""`obsgen backfill`'s passes on calendar and time-slice rules: every rule's inputs come from earlier
passes, for a month starting inside a UTC hour (Kathmandu, anchored on the 31st at 10:30: the split
hour's local times, flag and before-start copies) and a RatioTimeslices month in Kolkata. Their
output is not yet compared with a live server's (tests/backfill/test_history.py does that for the
rolling rules): docs/calendar.md, Limits."""

from __future__ import annotations

import functools
import shutil

from obsgen import backfill, names, pipeline
from tests.backfill.test_passes import assert_each_rule_reads_earlier_passes
from tests.conftest import EXAMPLES


def test_calendar_and_slice_rules_read_only_earlier_passes(tmp_path, monkeypatch):
    # `reads` is a pure function of an expression's text, and walking a calendar rule's tables is most of
    # this test's time: passes() and the check below read the same expressions, so each is walked once.
    once = functools.cache(backfill.reads)
    monkeypatch.setattr(backfill.passes_module, "reads", once)
    monkeypatch.setattr(backfill, "reads", once)
    root = tmp_path / "slos"
    shutil.copytree(EXAMPLES, root)
    text = (root / "checkout.yaml").read_text()
    for old, new in (("    - name: latency\n      objective: 99\n",
                      "      calendar: {unit: month, time_zone: Asia/Kolkata}\n"
                      "      budgeting: {method: ratio_timeslices}\n"),
                     ("    - name: availability\n      objective: 99.9\n",
                      "      calendar: {unit: month, time_zone: Asia/Kathmandu, start: '2024-01-31 10:30:00'}\n")):
        assert old in text
        text = text.replace(old, old + new)
    (root / "checkout.yaml").write_text(text)
    steps = backfill.passes(pipeline.run(root, render=False).plan)
    records = assert_each_rule_reads_earlier_passes(steps)
    assert {names.CALENDAR_BEFORE_START, names.calendar_before_start("error", "even"),
            names.calendar_before_start("good_slices", "odd"), names.CALENDAR_BUDGET_REMAINING} <= records
