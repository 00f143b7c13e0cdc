"""PromQL is built, not glued: label values go through one escaping function, and every
generated expression is parsed (promql-parser, the Rust port of Prometheus' parser) before it is
written."""

from __future__ import annotations

import json
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


def quote(value: str) -> str:
    """A PromQL string literal for any value: JSON escaping is valid Go string escaping."""
    return json.dumps(value, ensure_ascii=False)


def selector(metric: str, matchers: Mapping[str, str] | Iterable[tuple[str, str, str]] = ()) -> str:
    """`metric{name="value",...}`; matchers is a mapping (equality) or (name, op, value) triples."""
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
    parsing each of them whole was a third of rendering. So the parser sees each distinct *shape*
    once, and each distinct value once. Why that is the same verdict as parsing expr:
    - `_shape` replaces only the value of an equality matcher (`name="v"`, `name!="v"`, inside
      `{...}`, name not `__name__`), a complete double-quoted string, by `"x"`, or keeps `""`. The
      lexer reads the replacement as one string token exactly where it read the value (a string
      ends at its first unescaped quote in both), so every other token is unchanged.
    - After lexing, what the parser asks of such a value is whether it is empty (a selector needs a
      matcher that does not match ""): kept. Values it reads further stay in the shape: regular
      expressions (`=~`, `!~`, compiled by the parser), `__name__` (clashes with a metric name),
      quoted label or metric names, strings in any other position.
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


_SHAPE_TOKENS = re.compile(r"""\b(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<op>\s*!?=\s*)(?P<value>"(?:\\.|[^"\\])*")"""
                           r"""|"(?:\\.|[^"\\])*"?|'(?:\\.|[^'\\])*'?|`[^`]*`?|#[^\n]*|[{}]""")


def _shape(expr: str) -> tuple[str, list[str]]:
    """expr with each equality matcher's value replaced by "x" ("" kept), and those values."""
    out, values, depth, last = [], [], 0, 0
    for token in _SHAPE_TOKENS.finditer(expr):
        text = token.group()
        if text == "{":
            depth += 1
        elif text == "}":
            depth = max(0, depth - 1)
        elif depth and token.group("value") is not None and token.group("name") != "__name__":
            value = token.group("value")
            values.append(value)
            out += [expr[last:token.start("value")], '""' if value == '""' else '"x"']
            last = token.end()
    return "".join([*out, expr[last:]]), values


@lru_cache(maxsize=16384)
def _check_shape(shape: str) -> None:
    parse(shape)


@lru_cache(maxsize=65536)
def _check_value(value: str) -> None:
    parse("x{a=" + value + "}")


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
