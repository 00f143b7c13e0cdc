import re

import pytest

from obsgen.plan import fixtures


@pytest.mark.parametrize("pattern", ["5..", "(5|4)..", "[^2].*", "OK|Canceled", "a+b?", r"\d{3}", "error"])
def test_regex_samples_match_in_full(pattern):
    samples = fixtures.regex_samples(pattern)
    assert samples
    assert all(re.fullmatch(pattern, s) for s in samples)


def test_events_pair_splits_errors_from_successes():
    series, note = fixtures.for_events(
        'sum(rate(http_requests_total{job="checkout",code=~"5.."}[5m]))',
        'sum(rate(http_requests_total{job="checkout"}[5m]))',
    )
    assert note == ""
    bad, good = series
    assert (bad.bad, bad.good, good.bad, good.good) == (1, 0, 0, 1)
    assert bad.series == 'http_requests_total{code="500",job="checkout"}'
    assert 'job="checkout"' in good.series and not re.search(r'code="5..', good.series)


def test_negative_matchers_get_a_value_that_is_not_excluded():
    (bad, good), _ = fixtures.for_events(
        'sum(rate(grpc_server_handled_total{grpc_code!~"OK|NotFound"}[5m]))',
        "sum(rate(grpc_server_handled_total[5m]))",
    )
    assert "grpc_code=" in bad.series and '"OK"' not in bad.series and "NotFound" not in bad.series
    assert good.series in ('grpc_server_handled_total{grpc_code="OK"}',
                           'grpc_server_handled_total{grpc_code="NotFound"}')


def test_separate_metrics_for_errors_and_total():
    (errors, total), _ = fixtures.for_events("sum(rate(errors_total[5m]))", "sum(rate(requests_total[5m]))")
    assert (errors.bad, errors.good, total.bad, total.good) == (1, 0, 1, 1)


def test_unsupported_shapes_say_why():
    series, note = fixtures.for_events("sum(rate(a[5m])) + sum(rate(b[5m]))", "sum(rate(c[5m]))")
    assert series is None and "one selector" in note


def test_contradictory_matchers_give_no_fixture():
    series, note = fixtures.for_events('sum(rate(x{a="1"}[5m]))', 'sum(rate(x{a="2"}[5m]))')
    assert series is None and note
