"""PromQL is built, not glued: label values go through one escaping function, and every
generated expression is parsed (promql-parser, the Rust port of Prometheus' parser) before it is
written."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

import promql_parser

from obsgen.names import LABEL_NAME_PATTERN

_LABEL_NAME = re.compile(LABEL_NAME_PATTERN)
_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
# Sloth writes {{.window}}; obsgen's own form is {{window}}.
WINDOW_PLACEHOLDER = re.compile(r"\{\{\s*\.?window\s*\}\}")
MATCH_OPS = ("=", "!=", "=~", "!~")


# What json.dumps(ensure_ascii=False) escapes (json.encoder.ESCAPE): text without any of it is
# written as it is, between quotes.
_ESCAPED = re.compile(r'[\x00-\x1f\\"]')


def quote(value: str) -> str:
    """A PromQL string literal for any value: JSON escaping is valid Go string escaping."""
    if type(value) is str and _ESCAPED.search(value) is None:
        return f'"{value}"'  # what json.dumps writes for it, without its call (a tenth of rendering)
    return json.dumps(value, ensure_ascii=False)


def selector(metric: str, matchers: Mapping[str, str] | Iterable[tuple[str, str, str]] = ()) -> str:
    """`metric{name="value",...}`; matchers is a mapping (equality) or (name, op, value) triples."""
    if isinstance(matchers, Mapping) and len(matchers) == 1:  # an SLO's own selector: most calls
        ((name, value),) = matchers.items()
        if type(name) is str and type(value) is str:
            return _one_matcher(metric, name, value)
    return _selector(metric, matchers)


@lru_cache(maxsize=65536)
def _one_matcher(metric: str, name: str, value: str) -> str:
    return _selector(metric, {name: value})


def _selector(metric: str, matchers: Mapping[str, str] | Iterable[tuple[str, str, str]]) -> str:
    if not _METRIC_NAME.match(metric):
        raise ValueError(f"not a valid metric name: {metric!r}")
    triples = [(k, "=", v) for k, v in matchers.items()] if isinstance(matchers, Mapping) else matchers
    parts = []
    for name, op, value in triples:
        if not _LABEL_NAME.match(name) or op not in MATCH_OPS:
            raise ValueError(f"not a valid label matcher: {name}{op}{value!r}")
        parts.append(f"{name}{op}{quote(value)}")
    return metric + ("{" + ",".join(parts) + "}" if parts else "")


# What matters for finding ranges: string literals (Go escapes; backticks are raw) and comments
# are skipped whole, brackets open and close ranges, and the placeholder itself.
_TOKENS = re.compile(r'"(?:\\.|[^"\\])*"?|\'(?:\\.|[^\'\\])*\'?|`[^`]*`?|#[^\n]*|\[|\]|'
                     + WINDOW_PLACEHOLDER.pattern)


@lru_cache(maxsize=8192)  # checks, compile and render substitute the same templates
def _ranged(template: str, window: str | None) -> tuple[str, bool]:
    """The template with each placeholder in a range position (inside `[...]` of a range or a
    subquery, not in a quoted label value or a comment) replaced by window, and whether any was."""
    out, depth, last, found = [], 0, 0, False
    for token in _TOKENS.finditer(template):
        text = token.group()
        if text == "[":
            depth += 1
        elif text == "]":
            depth = max(0, depth - 1)
        elif text.startswith("{") and depth:
            found = True
            if window is not None:
                out += [template[last:token.start()], window]
                last = token.end()
    return "".join([*out, template[last:]]), found


def has_window(template: str) -> bool:
    """The placeholder is in a range position (`[{{window}}]`, `[{{window}}:1m]`)."""
    return _ranged(template, None)[1]


def with_window(template: str, window: str) -> str:
    """Substitute the placeholder where it is a range; inside a quoted label value or a comment
    it is the user's text and is kept as written."""
    return _ranged(template, window)[0]


def parse(expr: str):
    """Parse an expression; raise ValueError naming the expression when it does not parse."""
    try:
        return promql_parser.parse(expr)
    except ValueError as exc:
        raise ValueError(f"does not parse as PromQL ({exc}): {expr}") from None


def check(expr: str) -> str:
    """expr, once it is known to parse; raise ValueError (naming expr) when it does not.

    Generated expressions mostly differ only in label values (`sloth_id="svc-00042-latency"`):
    parsing each of them whole was a third of rendering (300 services: 61,850 expressions, 137
    shapes, 1,422 values). So the parser sees each distinct *shape* once, and each distinct value
    once. Why that is the same verdict as parsing expr:
    - `_shape` replaces only the value of an equality matcher (`name="v"`, `name!="v"`, name not
      `__name__`), a complete double-quoted string, by `"x"`, or keeps `""`. The lexer reads the
      replacement as one string token exactly where it read the value (a string ends at its first
      unescaped quote in both), so every other token is unchanged.
    - Inside `{...}` what the parser asks of such a value, once lexed, is whether it is empty (a
      selector needs a matcher that does not match ""): kept. Anywhere else `name="v"` and
      `name!="v"` are errors whatever v is (a lone `=` is no operator; a string is no operand of
      `!=`). Values the parser reads further stay in the shape: regular expressions (`=~`, `!~`,
      compiled by the parser), `__name__` (it clashes with a metric name), quoted label or metric
      names, strings in any other position.
    - Whether the value is a valid string literal at all (escapes, newlines, Unicode) is checked
      by the parser on its own, in a selector of its own.
    Strings, comments and raw strings are skipped whole, as the lexer does, so nothing inside them
    is taken for a matcher. tests/test_promql.py holds bad expressions the cache must still reject.
    """
    shape, values = _shape(expr)
    try:
        _check_shape(shape)
        for value in values:
            _check_value(value)
    except ValueError:
        parse(expr)  # the parser's own message about expr (it fails: the argument above)
        raise RuntimeError(f"obsgen bug: the shape of {expr!r} does not parse, but the expression does") from None
    return expr


@lru_cache(maxsize=16384)
def _check_shape(shape: str) -> None:
    parse(shape)


@lru_cache(maxsize=65536)
def _check_value(value: str) -> None:
    parse("x{a=" + value + "}")


def _shape(expr: str) -> tuple[str, list[str]]:
    """expr with each equality matcher's value replaced by "x" ("" kept), and those values."""
    if _NOT_SIMPLE.search(expr):
        return _shape_by_tokens(expr)
    # No escapes, no other quotes, no comments: every `"` opens or closes a string, so splitting on
    # it alternates between text outside strings (even parts) and string contents (odd parts).
    parts = expr.split('"')
    if not len(parts) % 2:
        return _shape_by_tokens(expr)  # an unterminated string: let the tokens decide
    values = []
    for i in range(1, len(parts), 2):
        before = _MATCHER_BEFORE.get(parts[i - 1])  # the text between strings is mostly template
        if before is None:
            before = _matcher_before(parts[i - 1])
            if len(_MATCHER_BEFORE) < 65536:
                _MATCHER_BEFORE[parts[i - 1]] = before
        if before:
            values.append(f'"{parts[i]}"')
            if parts[i]:
                parts[i] = "x"
    return '"'.join(parts), values


_MATCHER_BEFORE: dict[str, bool] = {}
_NOT_SIMPLE = re.compile(r"[\\'`#]")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _matcher_before(text: str) -> bool:
    """text (outside any string) ends with `name =` or `name !=`, name an identifier but __name__."""
    text = text.rstrip(_SPACE)
    if text.endswith("!="):
        text = text[:-2]
    elif text.endswith("=") and not text.endswith(("==", "<=", ">=")):
        text = text[:-1]
    else:
        return False
    text = text.rstrip(_SPACE)
    start = len(text)
    while start and text[start - 1] in _NAME_CHARS:
        start -= 1
    name = text[start:]
    return bool(name) and not name[0].isdigit() and name != "__name__"


_SPACE = " \t\n\r\f\v"
_SHAPE_TOKENS = re.compile(r"(?<![A-Za-z0-9_])(?!__name__(?![A-Za-z0-9_]))[A-Za-z_][A-Za-z0-9_]*[ \t\n\r\f\v]*!?="
                           r"""[ \t\n\r\f\v]*(?P<value>"(?:\\.|[^"\\])*")"""
                           r"""|"(?:\\.|[^"\\])*"?|'(?:\\.|[^'\\])*'?|`[^`]*`?|#[^\n]*""")


def _shape_by_tokens(expr: str) -> tuple[str, list[str]]:
    """_shape for any text: strings, raw strings and comments are skipped whole, as the lexer does."""
    out, values, last = [], [], 0
    for token in _SHAPE_TOKENS.finditer(expr):
        value = token.group("value")
        if value is not None:
            values.append(value)
            out += [expr[last:token.start("value")], '""' if value == '""' else '"x"']
            last = token.end()
    return "".join([*out, expr[last:]]), values


_MATCH_OPS = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}


def matchers_of(vector_selector) -> tuple[str, list[tuple[str, str, str]]]:
    """A parsed vector selector's metric name and its matchers as (name, op, value)."""
    metric = vector_selector.name
    found = []
    for m in vector_selector.matchers.matchers:
        if m.name == "__name__":
            metric = metric or m.value
            continue
        found.append((m.name, _MATCH_OPS[str(m.op)], m.value))
    return metric, found


def vector_selectors(expr: str) -> list:
    """Every vector selector of an expression, in order of appearance."""
    found = []

    def visit(node):
        if isinstance(node, promql_parser.VectorSelector):
            found.append(node)

    promql_parser.walk(parse(expr), visit)
    return found


def number(value: float) -> str:
    """A float literal without representation noise (0.9333333333 rather than 0.93333333333334)."""
    return f"{value:.10g}"


def le_matcher(bound: float) -> tuple[str, str, str]:
    """The `le` matcher for a histogram bucket bound, written as Prometheus writes bounds (0.3 for
    300ms). Whole numbers are written `1` by Prometheus 2 and `1.0` by Prometheus 3 (which
    normalizes classic histogram bounds), so those match either form."""
    if bound == math.floor(bound):
        whole = str(int(bound))
        return ("le", "=~", f"{whole}|{whole}\\.0")
    return ("le", "=", repr(bound))
