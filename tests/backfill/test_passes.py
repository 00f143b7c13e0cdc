"""The passes: every rule's inputs come from earlier passes; alerting rules are left out."""

from __future__ import annotations

from obsgen import backfill, names


def assert_each_rule_reads_earlier_passes(steps) -> set[str]:
    """Every series a pass's rule reads of its own SLO was written by an earlier pass; the names recorded."""
    written: set[tuple[str, str]] = set()
    for step in steps:
        for group in step.groups:
            for rule in group["rules"]:
                own = rule["labels"][names.SLOTH_ID]
                for name, sloth_id in backfill.reads(rule["expr"]):
                    if name.startswith("slo:") and sloth_id == own:
                        assert (name, sloth_id) in written, f"pass {step.number}: {rule['record']} reads {name}"
        written |= {(r["record"], r["labels"][names.SLOTH_ID]) for g in step.groups for r in g["rules"]}
    return {record for record, _ in written}


def test_passes_follow_the_dependencies(example_plan):
    steps = backfill.passes(example_plan)
    assert_each_rule_reads_earlier_passes(steps)
    assert not any("alert" in r for s in steps for g in s.groups for r in g["rules"])
    first = {r["record"] for g in steps[0].groups for r in g["rules"]}
    assert names.SLI_TOTAL_RATE in first and names.PERIOD_BUDGET_REMAINING not in first


def test_the_hand_over_sums_are_in_the_pass_of_the_hour_sums(example_plan):
    """Each hour sum's tail (--end's hour, summed from the backfilled copies only) is written with the
    pass that writes the hour sums, and adds up the copies that hour sum reads."""
    for step in backfill.passes(example_plan):
        sums = {(r["record"], r["labels"][names.SLOTH_ID]) for g in step.groups for r in g["rules"]
                if r["record"] in backfill.passes_module.HOUR_SUMS}
        assert {(t.record, dict(t.labels)[names.SLOTH_ID]) for t in step.tails} == sums
        for tail in step.tails:
            kind = backfill.passes_module.HOUR_SUMS[tail.record]
            (rule,) = [r for g in step.groups for r in g["rules"]
                       if r["record"] == tail.record and tuple(sorted(r["labels"].items())) == tail.labels]
            assert [p for p, _ in tail.copies] == list(names.HOUR_PARITIES)  # the rule records both
            for parity, copies in tail.copies:
                read = copies.replace(f',{names.HOUR_PARITY}="{parity}"', "")
                assert read != copies and read.startswith(names.rate_in_hours(kind) + "{")
                assert f"{read}[2h]" in rule["expr"]
