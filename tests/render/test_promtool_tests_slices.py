"""The generated promtool tests of timeslice SLOs pass on their rules, and fail on rules that alert
on events instead of slices: a promtool process per file.

A timeslices SLO (99.9%, 1m slices good at 95%) and a calendar ratio_timeslices one (99.5%), each in
a service of its own (a test file loads only its service's rules, as `obsgen test` splits them):
the scenarios count bad slices (a full outage, a burst one slice short of and at each page's count,
errors just either side of the slice target); the mutant's alerts read the events' error ratios
over the same windows, as they did before. Each scenario runs with only the rules it reads.
"""

from __future__ import annotations

from obsgen import names, pipeline
from obsgen.output.writer import write_tree
from tests.builders import promtool_scenarios
from tests.specdir import service, write

SLI = """      sli:
        events:
          error_query: sum(rate(http_requests_total{job="ledger",code=~"5.."}[{{window}}]))
          total_query: sum(rate(http_requests_total{job="ledger"}[{{window}}]))
"""
SPECS = {"ledger.yaml": service("ledger", "    - name: slices\n      objective: 99.9\n"
                                 "      budgeting: {method: timeslices, slice: 1m, slice_target: 0.95}\n" + SLI),
         "billing.yaml": service("billing", "    - name: ratios\n      objective: 99.5\n"
                                 "      calendar: {unit: month, time_zone: Europe/Berlin}\n"
                                 "      budgeting: {method: ratio_timeslices, slice: 1m}\n" + SLI)}
MUTANT = "alerts/tests/mutant.test.yaml"
CATCHERS = ("ledger-slices: 3 bad slice(s) in a clean 6h trip the 6h page window",
            "ledger-slices: error ratio 4.8500% (under 5.0000%, the slice target's) leaves every slice")


def test_timeslice_scenarios_pass_and_catch_alerts_on_events(tmp_path, promtool):
    files = pipeline.run(write(tmp_path, SPECS)).files
    tests, rules = files[names.tests_file("ledger")], files[names.rules_file("ledger")]
    ratios = files[names.tests_file("billing")]
    for scenario in ("ledger-slices: a total outage pages once 1 bad slice(s) are recorded",
                     "ledger-slices: 2 bad slice(s) in a clean 6h do not trip the 6h page window",
                     "ledger-slices: 3 bad slice(s) in a clean 6h trip the 6h page window",
                     "leaves every slice good: nothing fires, the slice budget is whole"):
        assert scenario in tests, scenario
    for scenario in ("billing-ratios: a total outage pages once 5 bad slice(s) are recorded",
                     "billing-ratios: error ratio 7.2170% (below 7.4400%) does not trip the 1h page window"):
        assert scenario in ratios, scenario
    out = tmp_path / "out"
    write_tree(out, files)
    # the alerts as they were: the events' error ratios over the same windows
    on_events = rules.replace("max without (sloth_window) (slo:slices_error:ratio_",
                              "max without (sloth_window) (slo:sli_error:ratio_rate")
    assert on_events != rules
    (out / "alerts/rules/mutant.rules.yaml").write_text(on_events)
    (out / MUTANT).write_text(tests.replace("../rules/ledger.rules.yaml", "../rules/mutant.rules.yaml"))
    good = [names.tests_file("ledger"), names.tests_file("billing")]
    # each scenario with only the rules it reads (builders.promtool_scenarios: the same verdicts; the
    # month-long calendar runs cost their steps times the rule text loaded), a promtool process per file
    passed = promtool_scenarios(out, good)
    for result in passed:
        assert result.ok and "FAILED" not in result.output, result.output[-4000:]
    # the mutant against the two scenarios whose failures are asserted below (the others pass on it:
    # they prove nothing about it, and were 2/3 of its run)
    [mutant] = promtool_scenarios(out, [MUTANT], keep=lambda name: name.startswith(CATCHERS))
    failed = mutant.output
    assert not mutant.ok and "FAILED" in failed
    # 4.85% errors leave every slice good; the events burn at 48.5x and page
    assert 'count(ALERTS{alertstate=\\"firing\\",sloth_id=\\"ledger-slices\\"}) or vector(0)", time: 20m' in failed
    assert 'sloth_id=\\"ledger-slices\\",long_window=\\"6h\\",sloth_severity=\\"page\\"' in failed
