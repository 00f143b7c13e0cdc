"""OpenSLO documents read unchanged: the SLI per window and the alert thresholds are what OpenSLO
(and, for v1alpha, Sloth) say they are for the same input.

Sources: OpenSLO/OpenSLO README (commit on main as stored), sections "Ratio Metric" (indicator =
good / total, so the error ratio is 1 - good / total over each window) and "AlertCondition" (a
burnrate condition fires when the burn rate over lookbackWindow crosses threshold, after alertAfter);
slok/sloth v0.16 examples/openslo-getting-started.yml and examples/_gen/openslo-getting-started.yml.
"""

import pytest

from obsgen import durations
from obsgen.errors import SpecErrors
from tests.spec.importers.helpers import TEAM, canonical, plan, slo_plan, write

V1 = """\
apiVersion: openslo/v1
kind: Service
metadata:
  name: checkout
  labels: {team: payments}
spec:
  description: The storefront's checkout
---
apiVersion: openslo/v1
kind: DataSource
metadata: {name: prometheus}
spec:
  type: Prometheus
  connectionDetails: {url: http://prometheus:9090}
---
apiVersion: openslo/v1
kind: SLI
metadata: {name: checkout-good-requests}
spec:
  ratioMetric:
    counter: true
    good:
      metricSource:
        metricSourceRef: prometheus
        spec:
          query: sum(http_requests_total{job="checkout",code!~"5.."})
    total:
      metricSource:
        type: Prometheus
        spec:
          query: http_requests_total{job="checkout"}
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: availability
  annotations: {runbook_url: "https://runbooks.example.com/checkout"}
spec:
  service: checkout
  description: Checkout requests succeed
  indicatorRef: checkout-good-requests
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: Good requests
      target: 0.995
  alertPolicies:
    - alertPolicyRef: burn-rate
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: {name: burn-rate}
spec:
  alertWhenBreaching: true
  conditions:
    - conditionRef: fast-burn
    - kind: AlertCondition
      metadata: {name: slow-burn}
      spec:
        severity: ticket
        condition: {kind: burnrate, op: gte, threshold: 1, lookbackWindow: 3d}
  notificationTargets:
    - targetRef: payments-oncall
---
apiVersion: openslo/v1
kind: AlertCondition
metadata: {name: fast-burn}
spec:
  severity: page
  condition:
    kind: burnrate
    op: gte
    threshold: 14.4
    lookbackWindow: 1h
    alertAfter: 2m
"""

# OpenSLO "Ratio Metric": error ratio over a window w = 1 - good(w) / total(w) = (total(w) - good(w)) / total(w),
# with counter: true meaning good(w) and total(w) are the counters' increases (per-second rates) over w.
GOOD = 'sum(rate(http_requests_total{job="checkout",code!~"5.."}[{{window}}]))'
TOTAL = 'sum(rate(http_requests_total{job="checkout"}[{{window}}]))'
# AlertCondition: burn rate = error ratio / (1 - target) >= threshold over lookbackWindow, after alertAfter.
# (severity, lookbackWindow, threshold, alertAfter); the short window is lookbackWindow / 12 (SRE workbook).
CONDITIONS = [("page", "1h", 14.4, "2m"), ("ticket", "3d", 1, "0s")]
TARGET = 0.995

V1ALPHA = """\
apiVersion: openslo/v1alpha
kind: SLO
metadata:
  name: sloth-slo-my-service
  displayName: Requests Availability
spec:
  service: my-service
  description: "Common SLO based on availability for HTTP request responses."
  budgetingMethod: Occurrences
  objectives:
    - ratioMetrics:
        good:
          source: prometheus
          queryType: promql
          query: sum(rate(http_request_duration_seconds_count{job="myservice",code!~"(5..|429)"}[{{.window}}]))
        total:
          source: prometheus
          queryType: promql
          query: sum(rate(http_request_duration_seconds_count{job="myservice"}[{{.window}}]))
      target: 0.999
  timeWindows:
    - count: 30
      unit: Day
"""
# examples/_gen/openslo-getting-started.yml: SLO sloth-slo-my-service-0 (id my-service-sloth-slo-my-service-0),
# slo:sli_error:ratio_rate<w> = 1 - (good / total) at each window, objective 0.999, 30d, no alert rules.
SLOTH_GOOD = 'sum(rate(http_request_duration_seconds_count{job="myservice",code!~"(5..|429)"}[{{window}}]))'
SLOTH_TOTAL = 'sum(rate(http_request_duration_seconds_count{job="myservice"}[{{window}}]))'


@pytest.fixture
def v1_dir(tmp_path):
    return write(tmp_path / "slos", {"checkout.openslo.yaml": V1, "teams.yaml": TEAM % "payments"})


def test_v1_ratio_sli_is_one_minus_good_over_total(v1_dir):
    warnings: list = []
    slo = slo_plan(v1_dir, "checkout", "availability", warnings)
    assert warnings == []
    assert canonical(slo.sli.error) == canonical(f"({TOTAL}) - ({GOOD})")
    assert canonical(slo.sli.total) == canonical(TOTAL)
    assert slo.period == 28 * 86400 and slo.objective == TARGET and slo.team == "payments"
    assert slo.runbook_url == "https://runbooks.example.com/checkout"
    # every window the alerts read is recorded (errors over total over that window, see test_sloth)
    assert {durations.format_seconds(w) for w in slo.windows} == {"5m", "1h", "6h", "3d"}


def test_v1_alert_conditions_are_the_alert_windows(v1_dir):
    slo = slo_plan(v1_dir, "checkout", "availability")
    got = [(a.window.severity, durations.format_seconds(a.window.long), a.window.factor,
            durations.format_seconds(a.for_seconds)) for a in slo.alerts]
    assert got == CONDITIONS
    assert [durations.format_seconds(a.window.short) for a in slo.alerts] == ["5m", "6h"]
    for alert, (_, _, threshold, _) in zip(slo.alerts, CONDITIONS, strict=True):
        # the error ratio threshold: burn rate threshold x (1 - target)
        assert alert.window.factor * slo.budget == pytest.approx(threshold * (1 - TARGET), rel=1e-12)


def test_v1alpha_is_read_as_sloth_reads_it(tmp_path):
    root = write(tmp_path / "slos", {"o.yml": V1ALPHA, "p.yaml": "apiVersion: obsgen/v1\nkind: Platform\n"
                                                                 "spec: {default_team: sre}\n", "t.yaml": TEAM % "sre"})
    slo = slo_plan(root, "my-service", "sloth-slo-my-service-0")
    assert slo.id == "my-service-sloth-slo-my-service-0"
    # Sloth's 1 - good / total, as errors over total: the same ratio at every window
    assert canonical(slo.sli.error) == canonical(f"({SLOTH_TOTAL}) - ({SLOTH_GOOD})")
    assert canonical(slo.sli.total) == canonical(SLOTH_TOTAL)
    assert (slo.objective, slo.period, slo.alerts) == (0.999, 30 * 86400, ())


def test_errors_point_at_the_openslo_file(v1_dir):
    (v1_dir / "checkout.openslo.yaml").write_text(V1.replace("target: 0.995", "target: 1.2"))
    with pytest.raises(SpecErrors) as exc:
        plan(v1_dir)
    assert [str(e) for e in exc.value.errors] == [
        f"{v1_dir}/checkout.openslo.yaml:48: objectives[0].target: must be a ratio between 0 and 1 such as 0.995 "
        "(targetPercent takes a percentage), got 1.2"]
    (v1_dir / "checkout.openslo.yaml").write_text(V1.replace("target: 0.995", "targetPercent: 100"))
    with pytest.raises(SpecErrors) as exc:
        plan(v1_dir)
    assert [str(e) for e in exc.value.errors] == [
        f"{v1_dir}/checkout.openslo.yaml:48: objectives[0].targetPercent: must be below 100, got 100"]


INLINE = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: latency
  labels: {owner: [payments]}
spec:
  service: checkout
  indicator:
    metadata: {name: checkout-latency}
    spec:
      thresholdMetric:
        metricSource:
          type: Prometheus
          spec:
            query: http_request_duration_seconds_bucket{job="checkout"}
  timeWindow: [{duration: 4w, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{op: lte, value: 0.3, targetPercent: 99}]
  alertPolicies:
    - kind: AlertPolicy
      metadata: {name: inline}
      spec:
        conditions:
          - kind: AlertCondition
            metadata: {name: fast}
            spec:
              severity: critical
              condition: {kind: burnrate, op: gt, threshold: 10, lookbackWindow: 2h}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: errors}
spec:
  service: checkout
  indicator:
    metadata: {name: checkout-errors}
    spec:
      ratioMetric:
        counter: false
        bad: {metricSource: {type: prometheus, spec: {query: 'checkout:errors:rate1m{job="checkout"}'}}}
        total: {metricSource: {type: prometheus, spec: {query: 'checkout:requests:rate1m{job="checkout"}'}}}
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
"""


def test_v1_inline_indicators_threshold_latency_and_gauges(tmp_path):
    root = write(tmp_path / "slos", {"inline.yaml": INLINE, "teams.yaml": TEAM % "payments"})
    latency = slo_plan(root, "checkout", "latency")
    # objective `lte 0.3` on a histogram: the share of requests within 300ms, as a latency SLI
    assert latency.sli.kind == "latency" and latency.team == "payments" and latency.period == 28 * 86400
    assert canonical(latency.sli.total) == canonical('sum(rate(http_request_duration_seconds_count{job="checkout"}'
                                                     '[{{window}}]))')
    assert 'le="0.3"' in latency.sli.error
    assert [(a.window.severity, a.window.long, a.window.short, a.window.factor) for a in latency.alerts] == [
        ("page", 7200, 600, 10)]
    errors = slo_plan(root, "checkout", "errors")
    # counter: false: the values are rates already; each window averages them
    assert errors.sli.error == 'sum(avg_over_time(checkout:errors:rate1m{job="checkout"}[{{window}}]))'
    assert errors.sli.total == 'sum(avg_over_time(checkout:requests:rate1m{job="checkout"}[{{window}}]))'
    assert errors.period == 30 * 86400 and len(errors.alerts) == 4  # no policy: obsgen's catalog
