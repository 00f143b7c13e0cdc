"""The error budget has one home (burnrate.budget): the spec's check that an alert can fire reads the
same number as the rules it judges."""

from __future__ import annotations

import pytest

from obsgen import burnrate, pipeline
from obsgen.errors import SpecErrors
from obsgen.output import encode
from obsgen.render import prometheus_rules
from tests import specdir

WINDOW = "        windows:\n          - {severity: page, long: 1h, short: 5m, factor: %s}\n"


def _slo(objective: str, factor: str) -> str:
    return ("    - name: avail\n      objective: " + objective + "\n"
            "      sli: {events: {error_query: 'sum(rate(e[{{window}}]))', total_query: 'sum(rate(t[{{window}}]))'}}\n"
            "      alerting:\n" + WINDOW % factor)


def test_a_window_whose_rules_could_never_fire_is_refused(tmp_path):
    """At 90% a 10x burn needs an error ratio of exactly 1; the rules compare `> 1`, which no ratio
    is. 1 - 90/100 is 0.09999999999999998 in floating point: a check reading that raw difference
    found 0.9999999999999998 < 1 and let the SLO through, while the rules used 0.1."""
    spec_dir = specdir.write(tmp_path, {"s.yaml": specdir.service("s", _slo("90", "10"))})
    with pytest.raises(SpecErrors) as raised:
        pipeline.run(spec_dir, render=False)
    [error] = raised.value.errors
    assert "objective 90 is too low for page alerts: a 10x burn rate needs an error ratio of 100%" in error.message


def test_the_rules_divide_by_the_budget_the_check_reads(tmp_path):
    """Just inside the boundary the SLO is accepted, and its rules divide by burnrate.budget(90)."""
    spec_dir = specdir.write(tmp_path, {"s.yaml": specdir.service("s", _slo("90", "9.99"))})
    plan = pipeline.run(spec_dir, render=False).plan
    [rules] = encode.texts(prometheus_rules.render(plan)).values()
    assert plan.services[0].slos[0].budget == burnrate.budget(90) == 0.1
    assert 'slo:sli_error:ratio_rate1h{sloth_id="s-avail"} / 0.1) > 9.99' in rules
