"""Pyrra ServiceLevelObjectives read unchanged: the SLI per window and the alert thresholds equal Pyrra's.

Source: pyrra-dev/pyrra (commit 1ba95af), slo/rules_test.go TestObjective_Burnrates cases "http-ratio"
and "http-latency" (objectives objectiveHTTPRatio / objectiveHTTPLatency in slo/promql_test.go,
written below as the ServiceLevelObjective objects they stand for), and slo/rules.go Windows().
"""

import re

import pytest

from obsgen import durations, names, promql
from obsgen.errors import SpecErrors
from obsgen.render import prometheus_rules
from obsgen.spec.importers import pyrra
from tests.spec.importers.helpers import PLATFORM, canonical, slo_plan, strip_parens, write

RATIO = """\
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  name: monitoring-http-errors
  namespace: monitoring
  labels:
    pyrra.dev/team: observability
  annotations:
    pyrra.dev/runbook_url: https://runbooks.example.com/http-errors
spec:
  target: "99"
  window: 4w
  indicator:
    ratio:
      errors:
        metric: http_requests_total{job="thanos-receive-default",code=~"5.."}
      total:
        metric: http_requests_total{job="thanos-receive-default"}
"""

LATENCY = """\
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  name: monitoring-http-latency
  namespace: monitoring
spec:
  target: "99.5"
  window: 4w
  alerting:
    absent: false
  indicator:
    latency:
      success:
        metric: http_request_duration_seconds_bucket{job="metrics-service-thanos-receive-default",code=~"2..",le="1"}
      total:
        metric: http_request_duration_seconds_count{job="metrics-service-thanos-receive-default",code=~"2.."}
"""

# rules_test.go "http-ratio": http_requests:burnrate<w> for each window, and four alerts.
RATIO_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "4d"]
RATIO_SLI = ('sum(rate(http_requests_total{code=~"5..",job="thanos-receive-default"}[{w}])) / '
             'sum(rate(http_requests_total{job="thanos-receive-default"}[{w}]))')
# (short, long, factor, target, for, severity), from `burnrate<short> > (f * (1-t)) and burnrate<long> > ...`
RATIO_ALERTS = [("5m", "1h", 14, 0.99, "2m", "critical"), ("30m", "6h", 7, 0.99, "15m", "critical"),
                ("2h", "1d", 2, 0.99, "1h", "warning"), ("6h", "4d", 1, 0.99, "3h", "warning")]
# rules_test.go "http-latency"
JOB = "metrics-service-thanos-receive-default"
LATENCY_SLI = (f'(sum(rate(http_request_duration_seconds_count{{code=~"2..",job="{JOB}"}}[{{w}}])) - '
               f'sum(rate(http_request_duration_seconds_bucket{{code=~"2..",job="{JOB}",le="1"}}[{{w}}]))) / '
               f'sum(rate(http_request_duration_seconds_count{{code=~"2..",job="{JOB}"}}[{{w}}]))')
LATENCY_ALERTS = [(s, lg, f, 0.995, fo, sev) for s, lg, f, _, fo, sev in RATIO_ALERTS]


@pytest.fixture
def pyrra_dir(tmp_path):
    return write(tmp_path / "slos", {"ratio.yaml": RATIO, "latency.yaml": LATENCY, "platform.yaml": PLATFORM % "sre",
                                     "teams.yaml": "apiVersion: obsgen/v1\nkind: Team\nmetadata: {name: sre}\n"})


def _rules(slo):
    return [r for g in prometheus_rules.groups_for(slo) for r in g["rules"]]


def _sli_at_5m(slo) -> str:
    """errors / total at 5m, from the two rules that read raw series."""
    rules = _rules(slo)
    error = next(r for r in rules if r.get("record") == names.SLI_ERROR_RATE)["expr"].split(" or on ()")[0]
    total = next(r for r in rules if r.get("record") == names.SLI_TOTAL_RATE)["expr"]
    return f"{error} / {total}"


@pytest.mark.parametrize(("name", "golden", "alerts"), [
    ("monitoring-http-errors", RATIO_SLI, RATIO_ALERTS),
    ("monitoring-http-latency", LATENCY_SLI, LATENCY_ALERTS),
])
def test_sli_and_alerts_are_pyrras(pyrra_dir, name, golden, alerts):
    slo = slo_plan(pyrra_dir, name, name)
    num, den = (strip_parens(x) for x in _sli_at_5m(slo).split(" / ", 1))
    golden_5m = canonical(golden.replace("{w}", "5m"))
    assert f"{num}/{den}" == golden_5m or f"({num})/{den}" == golden_5m
    # every window Pyrra records a burn rate for is recorded, as errors over total over that window
    windows = [durations.format_seconds(w) for w in slo.windows]
    assert windows == RATIO_WINDOWS
    got = [(durations.format_seconds(a.window.short), durations.format_seconds(a.window.long), a.window.factor,
            durations.format_seconds(a.for_seconds), dict(a.labels)[names.SEVERITY]) for a in slo.alerts]
    assert got == [(s, lg, f, fo, sev) for s, lg, f, _, fo, sev in alerts]
    for alert, (*_, factor, target, _, _) in zip(slo.alerts, alerts, strict=True):
        # Pyrra fires above error ratio factor * (1 - target); obsgen above burn rate factor, ratio / budget
        assert alert.window.factor * slo.budget == pytest.approx(factor * (1 - target), rel=1e-12)
        expr = prometheus_rules.alert_expr(slo, alert.window)
        assert re.findall(r"/ ([\d.]+)\) > ([\d.]+)", expr) == [(promql.number(1 - target), str(factor))] * 2
    assert {dict(a.labels)[names.SLO] for a in slo.alerts} == {name}  # Pyrra's `slo` label


def test_labels_and_annotations(pyrra_dir):
    slo = slo_plan(pyrra_dir, "monitoring-http-errors", "monitoring-http-errors")
    assert slo.team == "observability"  # pyrra.dev/team
    assert slo.runbook_url == "https://runbooks.example.com/http-errors"  # pyrra.dev/runbook_url
    assert slo_plan(pyrra_dir, "monitoring-http-latency", "monitoring-http-latency").team == "sre"  # default_team


def test_a_whole_second_threshold_reads_a_latency_sli(tmp_path):
    text = LATENCY.replace(',code=~"2.."', "")
    slo = slo_plan(write(tmp_path / "s", {"l.yaml": text, "p.yaml": PLATFORM % "sre"}),
                   "monitoring-http-latency", "monitoring-http-latency")
    assert slo.sli.kind == "latency" and slo.sli.fixture is not None
    assert 'le=~"1|1\\\\.0"' in slo.sli.error  # Pyrra's le="1", matching Prometheus 3's 1.0 too


@pytest.mark.parametrize(("window", "expected"), [
    # rules.go Windows(): durations scaled from 28d, rounded to the minute, half away from zero
    (28 * 86400, [("1h", "5m", 14, "2m"), ("6h", "30m", 7, "15m"), ("1d", "2h", 2, "1h"), ("4d", "6h", 1, "3h")]),
    (14 * 86400, [("30m", "3m", 14, "1m"), ("3h", "15m", 7, "8m"), ("12h", "1h", 2, "30m"), ("2d", "3h", 1, "1h30m")]),
    (7 * 86400, [("15m", "1m", 14, "1m"), ("1h30m", "8m", 7, "4m"), ("6h", "30m", 2, "15m"),
                 ("1d", "1h30m", 1, "45m")]),
])
def test_windows_scale_as_pyrras(window, expected):
    assert [(w["long"], w["short"], w["factor"], w["for"]) for w in pyrra.windows(window)] == expected


@pytest.mark.parametrize("le", ["+Inf", "1e400", "NaN", "-1", "0", "fast"])
def test_import_refuses_a_bucket_no_latency_objective_can_be(tmp_path, le):
    """`obsgen import pyrra` reads the file as `validate` does: a located error, never a crash."""
    from obsgen.spec.importers.convert import convert

    path = tmp_path / "l.yaml"
    path.write_text(LATENCY.replace('le="1"', f'le="{le}"'), encoding="utf-8")
    with pytest.raises(SpecErrors) as refused:
        convert("pyrra", [path], team="sre")
    assert [str(e).split(": ", 2)[:2] for e in refused.value.errors] == [
        [f"{path}:14", "indicator.latency.success.metric"]]
    assert f'le="{le}"' in str(refused.value)


@pytest.mark.parametrize("le", ["1e300", "0.30", "1e-7"])
def test_a_bound_obsgen_would_write_otherwise_keeps_pyrras_selector(tmp_path, le):
    """A latency SLI selects its bucket by the bound as Prometheus writes it (0.3, 1e+300): a bound
    written otherwise in the Pyrra file is kept as it is, in an events SLI (Pyrra's own query)."""
    text = LATENCY.replace(',code=~"2.."', "").replace('le="1"', f'le="{le}"')
    slo = slo_plan(write(tmp_path / "s", {"l.yaml": text, "p.yaml": PLATFORM % "sre"}),
                   "monitoring-http-latency", "monitoring-http-latency")
    assert slo.sli.kind == "events"
    assert f'le="{le}"' in slo.sli.error


def test_bool_gauge_and_native_latency(tmp_path):
    gauge = RATIO.replace("""    ratio:
      errors:
        metric: http_requests_total{job="thanos-receive-default",code=~"5.."}
      total:
        metric: http_requests_total{job="thanos-receive-default"}
""", "    bool_gauge:\n      metric: up{job=\"prometheus\"}\n")
    native = LATENCY.replace("""    latency:
      success:
        metric: http_request_duration_seconds_bucket{job="metrics-service-thanos-receive-default",code=~"2..",le="1"}
      total:
        metric: http_request_duration_seconds_count{job="metrics-service-thanos-receive-default",code=~"2.."}
""", "    latencyNative:\n      latency: 1s\n      total:\n        metric: http_request_duration_seconds{job=\"a\"}\n")
    root = write(tmp_path / "s", {"g.yaml": gauge, "n.yaml": native, "p.yaml": PLATFORM % "sre"})
    g = slo_plan(root, "monitoring-http-errors", "monitoring-http-errors")
    # rules.go BoolGauge: (count_over_time - sum_over_time) / count_over_time
    assert g.sli.error == ('sum(count_over_time(up{job="prometheus"}[{{window}}])) - '
                           'sum(sum_over_time(up{job="prometheus"}[{{window}}]))')
    assert g.sli.total == 'sum(count_over_time(up{job="prometheus"}[{{window}}]))'
    n = slo_plan(root, "monitoring-http-latency", "monitoring-http-latency")
    # rules.go LatencyNative: 1 - histogram_fraction(0, 1, sum(rate(metric[w]))), as errors over events
    rate = 'sum(rate(http_request_duration_seconds{job="a"}[{{window}}]))'
    assert n.sli.error == f"histogram_count({rate}) * (1 - histogram_fraction(0, 1, {rate}))"
    assert n.sli.total == f"histogram_count({rate})"


def test_alerting_disabled_writes_no_alerts(tmp_path):
    text = RATIO.replace("  window: 4w\n", "  window: 4w\n  alerting:\n    disabled: true\n")
    warnings: list = []
    slo = slo_plan(write(tmp_path / "s", {"r.yaml": text, "t.yaml": "apiVersion: obsgen/v1\nkind: Team\n"
                                          "metadata: {name: observability}\n"}),
                   "monitoring-http-errors", "monitoring-http-errors", warnings)
    assert slo.alerts == () and warnings == []
