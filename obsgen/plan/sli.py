"""Each SLI kind as PromQL templates: errors per second and events per second over {{window}}."""

from __future__ import annotations

from obsgen import durations, names, promql, promql_env
from obsgen.plan import environments, fixtures
from obsgen.plan.model import FixtureSeries, SLIQueries
from obsgen.promql import le_matcher
from obsgen.spec import models
from obsgen.spec.policy import EnvironmentScope

WINDOW = "{{window}}"
SPAN_KIND_PREFIX = "SPAN_KIND_"


def bucket_bound(threshold: str) -> float:
    return durations.seconds(threshold)


def _rate_sum(selector: str, scope: EnvironmentScope | None = None) -> str:
    return f"{environments.grouped(scope, 'sum')}(rate({selector}[{WINDOW}]))"


def _histogram(metric: str, matchers: list[tuple[str, str, str]], threshold: str,
               scope: EnvironmentScope | None = None) -> SLIQueries:
    le = le_matcher(bucket_bound(threshold))
    labels = dict((n, v) for n, op, v in matchers if op == "=")
    matchers = [*matchers, *environments.selector_matchers(scope)]
    count = promql.selector(f"{metric}_count", matchers)
    good = promql.selector(f"{metric}_bucket", [*matchers, le])
    bound = le[2].split("|")[0]
    fixture = fixtures.for_histogram(
        promql.selector(f"{metric}_count", labels),
        promql.selector(f"{metric}_bucket", {**labels, "le": bound}),
    )
    error = f"{_rate_sum(count, scope)} - {_rate_sum(good, scope)}"
    return SLIQueries("latency", error, _rate_sum(count, scope), fixture)


def _aware(query: str, scope: EnvironmentScope | None) -> str:
    """Shared mode: the environment label kept through the user's query (obsgen/promql_env.py)."""
    return query if scope is None else promql_env.aware(query, scope)


def _events(sli: models.EventsSLI, scope: EnvironmentScope | None = None) -> SLIQueries:
    error, total = (promql.with_window(q, WINDOW) for q in (sli.error_query, sli.total_query))
    fixture, note = fixtures.for_events(promql.with_window(error, "5m"), promql.with_window(total, "5m"))
    return SLIQueries("events", _aware(error, scope), _aware(total, scope), fixture, note)


def _raw(sli: models.RawSLI, scope: EnvironmentScope | None = None) -> SLIQueries:
    query = promql.with_window(sli.error_ratio_query, WINDOW)
    tree = promql.parse(promql.with_window(query, "5m"))
    fixture, note = None, "test inputs are synthesized only for a ratio written as errors / total"
    while type(tree).__name__ == "ParenExpr":
        tree = tree.expr
    if type(tree).__name__ == "BinaryExpr" and str(tree.op) == "/":
        fixture, note = fixtures.for_events(str(tree.lhs), str(tree.rhs))
    return SLIQueries("raw", _aware(query, scope), None, fixture, note)


def _spans(sli: models.SpansSLI, service: str, scope: EnvironmentScope | None = None) -> SLIQueries:
    matchers = [
        (names.SPAN_SERVICE, "=", sli.service_name or service),
        (names.SPAN_NAME, "=", sli.span_name),
        (names.SPAN_KIND, "=", SPAN_KIND_PREFIX + sli.kind.upper()),
    ]
    if sli.threshold:
        queries = _histogram(names.SPAN_DURATION, matchers, sli.threshold, scope)
        return SLIQueries("spans", queries.error, queries.total, queries.fixture)
    labels = {n: v for n, _, v in matchers}
    matchers = [*matchers, *environments.selector_matchers(scope)]
    total = promql.selector(names.SPAN_CALLS, matchers)
    errors = promql.selector(names.SPAN_CALLS, [*matchers, (names.SPAN_STATUS, "=", names.SPAN_STATUS_ERROR)])
    fixture = (
        FixtureSeries(promql.selector(names.SPAN_CALLS, {**labels, names.SPAN_STATUS: names.SPAN_STATUS_ERROR}), 1, 0),
        FixtureSeries(promql.selector(names.SPAN_CALLS, {**labels, names.SPAN_STATUS: names.SPAN_STATUS_OK}), 0, 1),
    )
    return SLIQueries("spans", _rate_sum(errors, scope), _rate_sum(total, scope), fixture)


def queries(sli: models.SLI, service: str, scope: EnvironmentScope | None = None) -> SLIQueries:
    """The SLI's queries; in shared mode (a scope) every one keeps the environment label."""
    if sli.events:
        return _events(sli.events, scope)
    if sli.raw:
        return _raw(sli.raw, scope)
    if sli.latency:
        matchers = [(k, "=", v) for k, v in sorted(sli.latency.selector.items())]
        return _histogram(sli.latency.histogram, matchers, sli.latency.threshold, scope)
    return _spans(sli.spans, service, scope)
