"""A rules file's facts (artifacts.SLOFacts) are what its text encodes: the facts the renderer
attached from the plan equal the facts obsgen/output/committed.py recovers from the encoded file
with the PromQL parser (obsgen/output/rule_facts.py). So `obsgen diff` reads the same numbers from
a tree built in this process and from the same tree committed, and the two paths cannot drift.

On the bundled examples (events, latency, raw ratios, tiled and raw edge windows, `for`), calendar
and timeslice SLOs (their factors read the period's length table) and a Sloth import (Sloth-style
rules: one alert per severity ORing its window pairs)."""

from __future__ import annotations

import pytest

from obsgen import burnrate, calendar, pipeline
from obsgen.artifacts import RuleFile
from obsgen.output import committed, encode
from tests.conftest import EXAMPLES
from tests.render.test_calendar_alerts import SLOS as CALENDAR_SLOS
from tests.spec.importers import helpers as importers
from tests.spec.importers.test_sloth import GETTING_STARTED
from tests.specdir import service, write


def _specs(case: str, root):
    if case == "examples":
        return EXAMPLES
    if case == "calendar":
        return write(root, {"ledger.yaml": service("ledger", CALENDAR_SLOS)})
    team = importers.TEAM % "myteam"
    return importers.write(root / "slos", {"getting-started.yml": GETTING_STARTED, "teams.yaml": team})


@pytest.mark.parametrize("case", ["examples", "calendar", "sloth"])
def test_the_facts_recovered_from_the_text_are_the_facts_attached(tmp_path, case):
    run = pipeline.run(_specs(case, tmp_path))
    slos = {(s.service, s.name): s for svc in run.plan.services for s in svc.slos}
    attached = {path: a for path, a in run.artifacts.items() if isinstance(a, RuleFile) and a.slos}
    assert {(f.service, f.slo) for a in attached.values() for f in a.slos} == set(slos)
    for path, built in attached.items():
        read = committed.rule_file(path, encode.text(built))
        assert read.slos == built.slos, path
        assert encode.text(read) == run.files[path]  # read back, the file keeps its bytes
    # ... and they are the plan's, not two empty records that agree
    for facts in (f for a in attached.values() for f in a.slos):
        slo = slos[(facts.service, facts.slo)]
        assert (facts.objective, facts.period_days * burnrate.DAY, facts.team) == (
            slo.objective_percent, slo.period, slo.team)
        assert facts.raw == tuple(w for w in burnrate.raw_windows(slo.catalog) if w in slo.windows)
        assert facts.hours == (calendar.hours_range(slo.calendar)[1] if slo.calendar else None)
        assert {(a.severity, a.long, a.short) for a in facts.alerts} == {
            (a.window.severity, a.window.long, a.window.short) for a in slo.alerts}
    every = [f for a in attached.values() for f in a.slos]
    assert any(f.alerts for f in every) and any(f.raw for f in every)
    if case == "calendar":
        assert sum(f.hours is not None for f in every) == 3  # two calendar SLOs of events, one of slices
    if case == "sloth":
        assert slos[("myservice", "requests-availability")].alert_style == "sloth"


def test_odd_rules_files_recover_what_they_say_and_never_fail():
    """A file that is not YAML, not rule groups, or holds queries that do not parse is kept as it
    is; what can be read of it is read."""
    good = ("groups:\n- name: g\n  rules:\n  - record: slo:time_period:days\n    expr: vector(7)\n"
            "    labels: {sloth_service: s, sloth_slo: a}\n"
            "  - alert: A\n    expr: 'slo:sli_error:ratio_rate1h{x=\"y\"} > ('\n"
            "    labels: {service: s, slo: a, sloth_severity: page}\n")
    read = committed.rule_file("alerts/rules/s.rules.yaml", good)
    assert [(f.service, f.slo, f.period_days, f.alerts) for f in read.slos] == [("s", "a", 7, ())]
    for text in ("groups: [", "- a list\n", "groups: {a: 1}\n", ""):
        odd = committed.rule_file("alerts/rules/s.rules.yaml", text)
        assert (odd.slos, encode.text(odd)) == ((), text)
