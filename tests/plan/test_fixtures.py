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


@pytest.mark.parametrize(("pattern", "good", "bad"), [
    ("5[[:digit:]]+", "500", "5[]"),
    ("[[:alpha:]_]+", "a", "1"),
    ("[^[:space:]]+x", "ax", " x"),
    (r"\d\d\d", "200", "٣٣٣"),  # RE2's \d is ASCII only
    (r"\Q5.x\E", "5.x", "5ax"),
    ("(?i)error", "ERROR", "err"),
])
def test_regex_samples_follow_re2(pattern, good, bad):
    samples = fixtures.regex_samples(pattern)
    assert samples, pattern
    assert all(fixtures.re2_fullmatch(pattern, s) for s in samples)
    assert fixtures.re2_fullmatch(pattern, good) and not fixtures.re2_fullmatch(pattern, bad)


@pytest.mark.parametrize("pattern", [r"\pL+", r"\p{Greek}", r"\x{41}", r"[[:^alpha:][:digit:]]", r"a{,2}", r"\C",
                                     r"(?<n>x)"])
def test_re2_syntax_python_cannot_match_like_re2_gives_no_samples(pattern):
    assert fixtures.regex_samples(pattern) == []
    assert fixtures.re2_fullmatch(pattern, "x") is None


def test_a_posix_class_selector_gets_a_real_fixture():
    (bad, good), note = fixtures.for_events('sum(rate(http_requests_total{code=~"5[[:digit:]]+"}[5m]))',
                                            "sum(rate(http_requests_total[5m]))")
    assert note == ""
    assert re.fullmatch(r'http_requests_total\{code="5[0-9]+"\}', bad.series)
    assert not re.fullmatch("5[0-9]+", good.series.split('"')[1])


def test_an_unknown_re2_class_says_no_input_could_be_synthesized():
    series, note = fixtures.for_events(r'sum(rate(x{code=~"\\pN+"}[5m]))', "sum(rate(x[5m]))")
    assert series is None and "no label values" in note
