import pytest

from obsgen import promql
from obsgen.plan import sli
from obsgen.spec import models


@pytest.mark.parametrize(
    ("threshold", "matcher"),
    [("300ms", ("le", "=", "0.3")), ("250ms", ("le", "=", "0.25")), ("2500ms", ("le", "=", "2.5")),
     ("1s", ("le", "=~", "1|1\\.0")), ("10s", ("le", "=~", "10|10\\.0"))],
)
def test_le_is_written_as_prometheus_writes_bucket_bounds(threshold, matcher):
    assert sli.le_matcher(sli.bucket_bound(threshold)) == matcher


def test_latency_good_is_the_threshold_bucket_and_total_the_count():
    q = sli.queries(models.SLI(latency={"histogram": "http_server_request_duration_seconds",
                                        "selector": {"job": "checkout"}, "threshold": "300ms"}), "checkout")
    assert q.total == 'sum(rate(http_server_request_duration_seconds_count{job="checkout"}[{{window}}]))'
    assert q.error == (q.total + ' - sum(rate(http_server_request_duration_seconds_bucket'
                       '{job="checkout",le="0.3"}[{{window}}]))')


def test_spans_errors_count_status_code_error():
    q = sli.queries(models.SLI(spans={"span_name": "POST /orders", "kind": "server"}), "checkout")
    labels = 'service_name="checkout",span_name="POST /orders",span_kind="SPAN_KIND_SERVER"'
    assert q.total == f"sum(rate(traces_span_metrics_calls_total{{{labels}}}[{{{{window}}}}]))"
    assert 'status_code="STATUS_CODE_ERROR"' in q.error


def test_spans_with_a_threshold_read_the_duration_histogram():
    q = sli.queries(models.SLI(spans={"span_name": "GET /", "threshold": "500ms", "service_name": "web"}), "x")
    assert "traces_span_metrics_duration_seconds_bucket" in q.error and 'le="0.5"' in q.error
    assert 'service_name="web"' in q.total


def test_events_accept_sloths_placeholder():
    q = sli.queries(models.SLI(events={"error_query": "sum(rate(e[{{.window}}]))",
                                       "total_query": "sum(rate(t[{{.window}}]))"}), "x")
    assert q.error == "sum(rate(e[{{window}}]))"


def test_raw_ratio_has_no_event_count():
    q = sli.queries(models.SLI(raw={"error_ratio_query": "sum(rate(e[{{window}}])) / sum(rate(t[{{window}}]))"}), "x")
    assert q.total is None and q.fixture is not None


def test_latency_selector_values_are_kept_as_written():
    """A `{{window}}` in a label value is the user's text, not the range (issue 14, point 6)."""
    q = sli.queries(models.SLI(latency={"histogram": "h", "selector": {"route": "/reports/{{window}}"},
                                        "threshold": "1s"}), "x")
    assert q.total == 'sum(rate(h_count{route="/reports/{{window}}"}[{{window}}]))'
    assert promql.with_window(q.total, "5m") == 'sum(rate(h_count{route="/reports/{{window}}"}[5m]))'
    assert q.fixture[0].series == 'h_count{route="/reports/{{window}}"}'


def test_events_keep_a_placeholder_inside_a_label_value():
    q = sli.queries(models.SLI(events={"error_query": 'sum(rate(e{p="{{.window}}"}[{{.window}}]))',
                                       "total_query": 'sum(rate(e[{{.window}}]))'}), "x")
    assert q.error == 'sum(rate(e{p="{{.window}}"}[{{window}}]))'
