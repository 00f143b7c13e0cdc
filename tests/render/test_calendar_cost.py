"""A calendar period's cost stays flat in history: what one evaluation of its rules can read.

Counted from the rules' own syntax trees: every range selector reads either minute series (the
copies and slices, over at most this hour) or hourly series (the hour sums, each recorded once an
hour), and no range, offset or subquery reaches further than the longest period plus a day. The
three tagged series of a kind hold one sample per hour between them (each hour's sum goes to one of
them), so the three fixed ranges read at most one sample per hour of that day-longer span: the same
count on the period's first day as on its last, and in the tenth year of history as in the first.
"""

from __future__ import annotations

import dataclasses

import pytest

from obsgen import burnrate, calendar, names, promql_ast
from obsgen.plan.model import Slices
from obsgen.render import calendar_rules

HOURLY = {*(names.hour_sum(k) for k in ("error", "total", *names.SLICE_KINDS)),
          *(names.calendar_hour_sum(k, r) for k in ("error", "total", *names.SLICE_KINDS)
            for r in range(calendar.RESIDUES))}


def _ranges(rules: list[dict]) -> list[tuple[str, float, float]]:
    """(series, range seconds, offset seconds) of every range selector; subqueries are refused."""
    found = []

    def walk(node, rule):
        assert not isinstance(node, promql_ast.Sub), f"{rule}: a subquery"
        if isinstance(node, promql_ast.Matrix):
            offset = node.sel.offset.total_seconds() if node.sel.offset else 0
            found.append((node.sel.name, node.range.total_seconds(), offset))
        elif dataclasses.is_dataclass(node):
            for f in dataclasses.fields(node):
                value = getattr(node, f.name)
                for child in value if isinstance(value, tuple) else (value,):
                    walk(child, rule)

    for rule in rules:
        walk(promql_ast.mirror(promql_ast.promql.parse(rule["expr"])), rule["record"])
    return found


def samples_bound(slo, rules: list[dict]) -> int:
    """At most how many samples one evaluation of `rules` reads through its ranges."""
    total, tagged = 0, set()
    for series, seconds, offset in _ranges(rules):
        if "_sum_hour_calendar" in series:  # the three residues of a kind share the hours: once per kind
            tagged.add((series.rsplit("_sum_hour_calendar", 1)[0], seconds))
            continue
        if series in HOURLY:  # hour sums: recorded once an hour
            assert seconds + offset <= slo.calendar.longest + 86400, (series, seconds)
            total += int(seconds // 3600) + 1
        else:  # copies and slices, every minute: this hour, or the hour just ended
            assert seconds <= 2 * 3600, (series, seconds)
            total += int(seconds // 60) + 1
    return total + sum(int(seconds // 3600) + 1 for _, seconds in tagged)


@pytest.fixture(scope="module")
def monthly(example_plan):
    base = next(s for svc in example_plan.services for s in svc.slos if s.id == "checkout-availability")
    cal = calendar.Calendar("month", 1, "Europe/Berlin", calendar.parse_anchor(None, "month"))
    return dataclasses.replace(base, calendar=cal)


def test_a_month_reads_a_bounded_number_of_samples(monthly):
    rules = calendar_rules.calendar_period_rules(monthly, monthly.calendar)
    ranges = _ranges(rules)
    tagged = [r for r in ranges if "_sum_hour_calendar" in r[0]]
    assert len(tagged) == 2 * calendar.RESIDUES  # error and total, each residue once
    assert {r[1] for r in tagged} == {monthly.calendar.longest + 86400}  # one fixed range: 32d1h
    bound = samples_bound(monthly, rules)
    # per kind: 770 hour sums (32d1h) + this hour's copies (one selector over both parities' series:
    # 61) + the hour sum just recorded, of either parity (one selector), read by each of the three
    # tagged rules (1s ranges, 3): 1,668 for both kinds, about what the rolling 30d period reads (its
    # docstring: about 1,800)
    assert bound == 2 * (770 + 61 + 3), bound


def test_timeslices_add_minute_slices_and_hour_sums_only(monthly):
    slo = dataclasses.replace(monthly, slices=Slices(60, 0.95))
    rules = calendar_rules.slice_rules(slo) + calendar_rules.period_rules(slo)
    longest = max(burnrate.windows_of(slo.catalog))
    for series, seconds, _ in _ranges(rules):
        if series == names.SLICE_BAD:  # the alert windows: the mean of the slices, at most 3d of 1m slices
            assert seconds < longest, series  # 4,320 samples of one series, the events' 3d reads two
        elif series not in HOURLY:
            assert seconds <= 2 * 3600, series  # copies: this hour (or the hour just ended, by parity)
        else:
            assert seconds <= max(slo.period, slo.calendar.longest + 86400), series
