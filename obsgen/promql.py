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
    parse(expr)
    return expr


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
