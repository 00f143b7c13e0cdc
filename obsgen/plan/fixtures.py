r"""Synthetic input series for promtool tests, derived from an SLI's own selectors.

For a query pair such as errors = rate(x{job="a",code=~"5.."}) and total = rate(x{job="a"}), one
series must match both selectors (it carries the errors) and one the total only (it carries the
successes). Label values are found by trying values that satisfy each matcher: regex samples
generated from the regex itself, then common values. When no such pair exists, the SLO's tests say
so instead of guessing.

Prometheus regexes are RE2 (Go's regexp), not Python's: `[[:digit:]]` is a POSIX class, `\d` is
ASCII only, `\Q..\E` quotes. A pattern is translated to a Python regex with the same meaning
first; syntax whose meaning Python cannot reproduce (`\pL`, `\C`, `\x{..}`, `a{,2}`, octal
escapes) gives no samples and no verdict, so the SLO's tests say no input could be synthesized.
"""

from __future__ import annotations

import re

# The regex parser Python's `re` uses (Python 3.11+ names): it turns a pattern into a tree that
# sample strings are generated from. A private module, but stable since 3.11 and used read-only.
import re._parser as sre_parse  # type: ignore[import-not-found]
import warnings
from functools import lru_cache
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
from obsgen.promql import matchers_of

_COMMON = ("obsgen", "200", "500", "503", "OK", "Error", "ERROR", "error", "true", "false", "0", "1",
           "GET", "POST", "x", "")
_NEGATE = {"=": "!=", "!=": "=", "=~": "!~", "!~": "=~"}

Matcher = tuple[str, str, str]


# RE2's POSIX classes as Python class contents (ASCII, as in RE2).
_POSIX = {"alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": "\\x00-\\x7f", "blank": "\\t ",
          "cntrl": "\\x00-\\x1f\\x7f", "digit": "0-9", "graph": "!-~", "lower": "a-z", "print": " -~",
          "punct": "!-/:-@\\[-`{-~", "space": "\\t\\n\\v\\f\\r ", "upper": "A-Z", "word": "0-9A-Za-z_",
          "xdigit": "0-9A-Fa-f"}
# Escapes Python reads differently from RE2, or not at all: no verdict rather than a wrong one.
_UNTRANSLATABLE_ESCAPES = set("pPC123456789")


def _re2_to_python(pattern: str) -> str | None:
    """A Python regex (to compile with re.ASCII) with the RE2 pattern's meaning, or None."""
    if "(?i" in pattern and not pattern.isascii():
        return None  # RE2 folds case over Unicode, Python's ASCII mode does not
    out, i, in_class = [], 0, False
    while i < len(pattern):
        char, nxt = pattern[i], pattern[i + 1:i + 2]
        if char == "\\":
            if nxt in _UNTRANSLATABLE_ESCAPES or pattern.startswith("x{", i + 1) or (nxt == "Q" and in_class):
                return None
            if nxt == "Q":
                end = pattern.find("\\E", i + 2)
                out.append(re.escape(pattern[i + 2:] if end < 0 else pattern[i + 2:end]))
                i = len(pattern) if end < 0 else end + 2
                continue
            out.append("\\Z" if nxt == "z" else char + nxt)
            i += 2
        elif in_class and pattern.startswith("[:", i):
            end = pattern.find(":]", i + 2)
            name = pattern[i + 2:end] if end > 0 else ""
            if name not in _POSIX:  # negated ([:^alpha:]) or unknown
                return None
            out.append(_POSIX[name])
            i = end + 2
        elif in_class:
            in_class = char != "]"
            out.append("\\" + char if char in "[&~|" else char)  # literal in RE2; Python warns
            i += 1
        elif char == "[":
            start = i + 1 + (nxt == "^")
            out.append(pattern[i:start])
            if pattern[start:start + 1] == "]":  # a `]` first in a class is a literal
                out.append("\\]")
                start += 1
            in_class, i = True, start
        elif char == "{" and nxt == ",":
            return None  # RE2 reads `{,2}` literally, Python as a repetition
        else:
            out.append(char)
            i += 1
    return "".join(out)


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern | None:
    translated = _re2_to_python(pattern)
    if translated is None:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "possible nested set": RE2 has none, the text is literal
            return re.compile(translated, re.ASCII)
    except re.error:
        return None


def re2_fullmatch(pattern: str, text: str) -> bool | None:
    """Does a Prometheus (RE2, anchored) regex match text in full? None: no confident verdict."""
    compiled = _compiled(pattern)
    return None if compiled is None else compiled.fullmatch(text) is not None


def regex_samples(pattern: str, limit: int = 6) -> list[str]:
    """A few strings the regex matches in full (Prometheus regexes are anchored)."""
    compiled = _compiled(pattern)
    if compiled is None:
        return []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = sre_parse.parse(compiled.pattern, re.ASCII)
    samples = []
    for variant in range(limit):
        text = _gen(list(parsed), variant)
        if text is not None and re2_fullmatch(pattern, text) and text not in samples:
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
            out.append(_class_char([(CATEGORY, av)]))
        else:
            return None
    return "".join(out)


# Characters tried for a class, most readable first, then the rest of printable ASCII.
_CLASS_CANDIDATES = "0axA_ -.1zZ9" + "".join(chr(c) for c in range(33, 127))
_CATEGORIES = {"DIGIT": str.isdigit, "SPACE": str.isspace, "WORD": lambda c: c.isalnum() or c == "_"}


def _class_char(items) -> str:
    """A character of a class (IN items of Python's parser); "\0" when none is found, which the
    final full-match check then rejects."""
    negate = bool(items) and items[0][0] is NEGATE
    members = items[1:] if negate else items

    def member(char: str) -> bool:
        for op, av in members:
            if (op is LITERAL and char == chr(av)) or (op is RANGE and av[0] <= ord(char) <= av[1]):
                return True
            if op is CATEGORY:
                name = str(av).removeprefix("CATEGORY_")
                test = _CATEGORIES.get(name.removeprefix("NOT_"), lambda c: False)
                if test(char) != name.startswith("NOT_"):
                    return True
        return False

    return next((c for c in _CLASS_CANDIDATES if member(c) != negate), "\0")


def _holds(op: str, expected: str, value: str) -> bool:
    """Does the value satisfy the matcher? A regex without a confident verdict never does."""
    if op == "=":
        return value == expected
    if op == "!=":
        return value != expected
    matched = re2_fullmatch(expected, value)
    if matched is None:
        return False
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

