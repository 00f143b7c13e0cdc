"""Synthetic input series for promtool tests, derived from an SLI's own selectors.

For a query pair such as errors = rate(x{job="a",code=~"5.."}) and total = rate(x{job="a"}), one
series must match both selectors (it carries the errors) and one the total only (it carries the
successes). Label values are found by trying values that satisfy each matcher: regex samples
generated from the regex itself, then common values. When no such pair exists, the SLO's tests say
so instead of guessing.
"""

from __future__ import annotations

import re

# The regex parser Python's `re` uses (Python 3.11+ names): it turns a pattern into a tree that
# sample strings are generated from. A private module, but stable since 3.11 and used read-only.
import re._parser as sre_parse  # type: ignore[import-not-found]
from re._constants import (  # type: ignore[import-not-found]
    ANY,
    AT,
    BRANCH,
    CATEGORY,
    IN,
    LITERAL,
    MAX_REPEAT,
    MIN_REPEAT,
    NEGATE,
    NOT_LITERAL,
    RANGE,
    SUBPATTERN,
)

from obsgen import promql
from obsgen.plan.model import FixtureSeries

_COMMON = ("obsgen", "200", "500", "503", "OK", "Error", "ERROR", "error", "true", "false", "0", "1",
           "GET", "POST", "x", "")
_NEGATE = {"=": "!=", "!=": "=", "=~": "!~", "!~": "=~"}
_OPS = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}

Matcher = tuple[str, str, str]


def regex_samples(pattern: str, limit: int = 6) -> list[str]:
    """A few strings the regex matches in full (Prometheus regexes are anchored)."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error:
        return []
    samples = []
    for variant in range(limit):
        text = _gen(list(parsed), variant)
        if text is not None and _full(pattern, text) and text not in samples:
            samples.append(text)
    return samples


def _gen(items, variant: int) -> str | None:
    out = []
    for op, av in items:
        if op is LITERAL:
            out.append(chr(av))
        elif op is NOT_LITERAL:
            out.append("a" if chr(av) != "a" else "b")
        elif op is ANY:
            out.append("0")
        elif op is IN:
            out.append(_class_char(av))
        elif op in (MAX_REPEAT, MIN_REPEAT):
            low, _high, sub = av
            count = max(low, 1) if variant % 2 else low
            part = _gen(list(sub), variant)
            if part is None:
                return None
            out.append(part * count)
        elif op is SUBPATTERN:
            part = _gen(list(av[-1]), variant)
            if part is None:
                return None
            out.append(part)
        elif op is BRANCH:
            branches = av[1]
            part = _gen(list(branches[(variant // 2) % len(branches)]), variant)
            if part is None:
                return None
            out.append(part)
        elif op is AT:
            continue
        elif op is CATEGORY:
            out.append({"CATEGORY_DIGIT": "0", "CATEGORY_SPACE": " "}.get(str(av), "a"))
        else:
            return None
    return "".join(out)


def _class_char(items) -> str:
    if items and items[0][0] is NEGATE:
        banned = {chr(v) for op, v in items[1:] if op is LITERAL}
        return next(c for c in "xyz0_" if c not in banned)
    op, av = items[0]
    if op is LITERAL:
        return chr(av)
    if op is RANGE:
        return chr(av[0])
    if op is CATEGORY:
        return "0" if "DIGIT" in str(av) else "a"
    return "a"


def _full(pattern: str, text: str) -> bool:
    try:
        return re.fullmatch(pattern, text) is not None
    except re.error:
        return False


def _holds(op: str, expected: str, value: str) -> bool:
    if op == "=":
        return value == expected
    if op == "!=":
        return value != expected
    matched = _full(expected, value)
    return matched if op == "=~" else not matched


def satisfy(matchers: list[Matcher]) -> dict[str, str] | None:
    """Label values meeting every matcher (an empty value means the label is absent)."""
    labels = {}
    for name in sorted({m[0] for m in matchers}):
        own = [m for m in matchers if m[0] == name]
        candidates = [v for _, op, v in own if op == "="]
        for _, op, v in own:
            if op == "=~":
                candidates += regex_samples(v)
        candidates += _COMMON
        value = next((c for c in candidates if all(_holds(op, v, c) for _, op, v in own)), None)
        if value is None:
            return None
        if value:
            labels[name] = value
    return labels


def matchers_of(vector_selector) -> tuple[str, list[Matcher]]:
    metric = vector_selector.name
    found = []
    for m in vector_selector.matchers.matchers:
        if m.name == "__name__":
            metric = metric or m.value
            continue
        found.append((m.name, _OPS[str(m.op)], m.value))
    return metric, found


def _one_selector(expr: str):
    selectors = {str(s): s for s in promql.vector_selectors(expr)}
    if len(selectors) != 1:
        return None
    return matchers_of(next(iter(selectors.values())))


def _series(metric: str, labels: dict[str, str]) -> str:
    return promql.selector(metric, dict(sorted(labels.items())))


def for_events(error_expr: str, total_expr: str) -> tuple[tuple[FixtureSeries, ...] | None, str]:
    """A pair of counters for errors and successes, or None and why not."""
    err, tot = _one_selector(error_expr), _one_selector(total_expr)
    if err is None or tot is None:
        return None, "test inputs are synthesized only when each query reads one selector"
    (err_metric, err_m), (tot_metric, tot_m) = err, tot
    if err_metric != tot_metric:
        bad, total = satisfy(err_m), satisfy(tot_m)
        if bad is None or total is None:
            return None, "no label values satisfy the queries' matchers"
        return (FixtureSeries(_series(err_metric, bad), 1, 0),
                FixtureSeries(_series(tot_metric, total), 1, 1)), ""
    bad = satisfy(err_m + tot_m)
    good = None
    for extra in (m for m in err_m if m not in tot_m):
        good = satisfy([*tot_m, (extra[0], _NEGATE[extra[1]], extra[2])])
        if good is not None:
            break
    if bad is None or good is None:
        return None, "no label values give one series counted as an error and one counted as a success"
    return (FixtureSeries(_series(err_metric, bad), 1, 0),
            FixtureSeries(_series(err_metric, good), 0, 1)), ""


def for_histogram(count_series: str, good_bucket_series: str) -> tuple[FixtureSeries, ...]:
    """A histogram: every event lands in _count, the good ones in the threshold bucket too."""
    return (FixtureSeries(count_series, 1, 1), FixtureSeries(good_bucket_series, 0, 1))

