"""Whatever cannot be mapped is an error naming the file, line and field, never silently dropped."""

import pytest

from obsgen import pipeline
from obsgen.errors import SpecErrors
from tests.spec.importers import test_openslo, test_pyrra, test_sloth
from tests.spec.importers.helpers import write

SLOTH, V1, V1ALPHA, PYRRA = test_sloth.GETTING_STARTED, test_openslo.V1, test_openslo.V1ALPHA, test_pyrra.RATIO
EVENTS = """      events:
        error_query: sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{.window}}]))
        total_query: sum(rate(http_request_duration_seconds_count{job="myservice"}[{{.window}}]))
"""
PLATFORM = "apiVersion: obsgen/v1\nkind: Platform\nspec: {default_team: sre}\n"


def sub(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)


# V1 with a thresholdMetric SLI (a latency): {op} and {value} of its objective filled in per case
THRESHOLD = sub(V1, """  ratioMetric:
    counter: true
    good:
      metricSource:
        metricSourceRef: prometheus
        spec:
          query: sum(http_requests_total{job="checkout",code!~"5.."})
    total:
      metricSource:""", """  thresholdMetric:
      metricSource:""")


def threshold(op: str, value: str) -> str:
    return sub(THRESHOLD, "      target: 0.995", f"      target: 0.995\n      op: {op}\n      value: {value}")


CASES = [
    # --- Sloth ------------------------------------------------------------------------------
    ("sloth-sli-plugin", SLOTH and sub(SLOTH, EVENTS, "      plugin:\n        id: sloth-common/availability\n"),
     "s.yaml:13: slos[0].sli.plugin: Sloth SLI plugins are not supported (obsgen cannot run plugin "
     "'sloth-common/availability'): write its query as an events or raw SLI"),
    ("sloth-slo-plugins", sub(SLOTH, "slos:\n", "slo_plugins:\n  chain:\n    - id: sloth.dev/contrib/validate\n"
                                               "slos:\n"),
     "s.yaml:8: slo_plugins.chain: Sloth SLO plugins are not supported (obsgen cannot run them): "
     "sloth.dev/contrib/validate"),
    ("sloth-tier", sub(SLOTH, 'tier: "2"', 'tier: "gold"'),
     "s.yaml:6: labels.tier: tier 'gold' is not an obsgen tier (1, 2 or 3); obsgen sets the tier label itself"),
    ("sloth-unknown-field", sub(SLOTH, "    objective: 99.9", "    objectiv: 99.9"),
     "s.yaml:10: slos[0].objectiv: unknown field in a Sloth SLO (did you mean 'objective'?)"),
    ("sloth-reserved-label", sub(SLOTH, "        category: \"availability\"\n", "        team: \"x\"\n"),
     "s.yaml:16: slos[0].alerting: page_alert.labels: label 'team' is set by obsgen and cannot be overridden"),
    # --- OpenSLO ----------------------------------------------------------------------------
    ("openslo-calendar", sub(V1, "    - duration: 28d\n      isRolling: true",
                             "    - duration: 1M\n      isRolling: false\n"
                             "      calendar: {startTime: 2020-01-21 12:30:30, timeZone: UTC}"),
     "s.yaml:45: timeWindow[0].calendar.startTime: must start on a whole minute, got '2020-01-21 12:30:30'"),
    ("openslo-calendar-days", sub(V1, "      isRolling: true", "      isRolling: false"),
     "s.yaml:43: timeWindow[0].duration: a calendar window is whole months (1M), quarters (1Q), years (1Y) or "
     "weeks (1w to 4w), got '28d'"),
    ("openslo-month", sub(V1, "duration: 28d", "duration: 1M"),
     "s.yaml:43: timeWindow[0].duration: must be a whole number of days or weeks (e.g. 28d, 4w), got '1M'"),
    ("openslo-timeslices", sub(V1, "budgetingMethod: Occurrences", "budgetingMethod: Timeslices"),
     "s.yaml:47: objectives[0].timeSliceTarget: Timeslices needs a timeSliceTarget between 0 and 1 such as 0.95, "
     "none is set"),
    ("openslo-unknown-budgeting", sub(V1, "budgetingMethod: Occurrences", "budgetingMethod: Ratio"),
     "s.yaml:45: budgetingMethod: must be one of Occurrences, Timeslices, RatioTimeslices (OpenSLO v1), got 'Ratio'"),
    ("openslo-datadog", sub(V1, "  type: Prometheus\n  connectionDetails", "  type: Datadog\n  connectionDetails"),
     "s.yaml:23: ratioMetric.good.metricSource.type: only Prometheus data sources are supported, got 'Datadog'"),
    ("openslo-composite", sub(V1, "      target: 0.995", "      target: 0.995\n      indicatorRef: other"),
     "s.yaml:47: objectives[0]: composite SLOs (an indicator per objective) are not supported: write one SLO each"),
    ("openslo-threshold-op", threshold("gte", "0.3"),
     "s.yaml:42: objectives[0].op: a thresholdMetric maps onto a latency SLI only with op lt or lte, got 'gte'"),
    *[(f"openslo-threshold-{value}", threshold("lt", value),
       f"s.yaml:43: objectives[0].value: must be a latency in seconds, in whole milliseconds, got {shown}")
      for value, shown in [(".inf", "inf"), (".nan", "nan"), ("-.inf", "-inf"), ("1.0e+400", "inf"), ("-1", "-1"),
                           ("0", "0"), ("0.0001", "0.0001"), ("fast", "'fast'"),
                           ("1.0e+300", "1e+300")]],
    ("openslo-alert-op", sub(V1, "    op: gte\n    threshold: 14.4", "    op: lte\n    threshold: 14.4"),
     "s.yaml:72: condition: only burnrate conditions with op gt or gte map onto obsgen alerts"),
    ("openslo-severity", sub(V1, "  severity: page", "  severity: sev1"),
     "s.yaml:71: severity: must be page or critical (a page) or ticket or warning (a ticket), got 'sev1'"),
    ("openslo-counter-query", sub(V1, 'query: http_requests_total{job="checkout"}',
                                  'query: sum by (code) (http_requests_total{job="checkout"})'),
     "s.yaml:31: ratioMetric.total.metricSource.spec.query: must be a metric selector (optionally inside sum()) "
     "so obsgen can apply each window to it, or a query holding the {{window}} placeholder"),
    ("openslo-missing-ref", sub(V1, "indicatorRef: checkout-good-requests", "indicatorRef: nope"),
     "s.yaml:41: indicatorRef: no SLI document named 'nope'"),
    ("openslo-duplicate", V1 + "---\n" + V1.split("---\n")[2],
     "s.yaml:81: metadata.name: duplicate SLI 'checkout-good-requests'; first defined at {root}/s.yaml:16"),
    ("openslo-v1alpha-weeks", sub(V1ALPHA, "unit: Day", "unit: Week"),
     "s.yaml:22: timeWindows[0]: only rolling time windows counted in days are supported (as in Sloth)"),
    # --- Pyrra ------------------------------------------------------------------------------
    ("pyrra-grouping", sub(PYRRA, '        metric: http_requests_total{job="thanos-receive-default"}\n',
                           '        metric: http_requests_total{job="thanos-receive-default"}\n'
                           '      grouping: [handler]\n'),
     "s.yaml:19: indicator.ratio.grouping: grouping is not supported: obsgen records one series per SLO; write one "
     "SLO per group (a selector each)"),
    ("pyrra-severities", sub(PYRRA, "  window: 4w\n", "  window: 4w\n  alerting:\n    severities: {fastBurn: page}\n"),
     "s.yaml:14: alerting.severities: custom severities are not supported: obsgen labels pages severity=critical "
     "and tickets severity=warning (and sloth_severity=page|ticket)"),
    ("pyrra-not-a-selector", sub(PYRRA, 'metric: http_requests_total{job="thanos-receive-default"}\n',
                                 'metric: sum(http_requests_total{job="thanos-receive-default"})\n'),
     "s.yaml:18: indicator.ratio.total.metric: must be a metric selector, as Pyrra requires"),
    ("pyrra-hours", sub(PYRRA, "window: 4w", "window: 12h"),
     "s.yaml:12: window: must be a whole number of days, at least 1d, got '12h'"),
    *[(f"pyrra-le-{le}", sub(test_pyrra.LATENCY, 'le="1"', f'le="{le}"'),
       f"s.yaml:14: indicator.latency.success.metric: {message}") for le, message in [
        ("+Inf", 'le="+Inf" counts every request as fast enough, so the SLO could never burn: select the '
                 'bucket of the latency objective, e.g. le="0.3" for 300ms'),
        ("1e400", 'le="1e400" counts every request as fast enough, so the SLO could never burn: select the '
                  'bucket of the latency objective, e.g. le="0.3" for 300ms'),
        ("NaN", 'le="NaN" is not a bucket bound: write the latency objective in seconds, e.g. le="0.3" for 300ms'),
        ("fast", 'le="fast" is not a bucket bound: write the latency objective in seconds, e.g. le="0.3" for 300ms'),
        ("-1", 'le="-1" counts no request as fast enough (a latency is never below 0): write the latency '
               'objective in seconds, e.g. le="0.3" for 300ms'),
        ("0", 'le="0" counts no request as fast enough (a latency is never below 0): write the latency '
              'objective in seconds, e.g. le="0.3" for 300ms'),
    ]],
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_refused_with_file_line_and_field(tmp_path, text, expected):
    root = write(tmp_path / "slos", {"s.yaml": text, "platform.yaml": PLATFORM}
                 if "no-owner" not in expected and "no default_team" not in expected else {"s.yaml": text})
    with pytest.raises(SpecErrors) as exc:
        pipeline.run(root, render=False)
    messages = [str(e).removeprefix(f"{root}/") for e in exc.value.errors]
    assert expected.replace("{root}", str(root)) in messages, "\n".join(messages)
