"""PromQL is built, not glued: label values go through one escaping function, and every
generated expression is parsed (promql-parser, the Rust port of Prometheus' parser) before it is
written."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping

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


def _range_positions(text: str) -> list[bool]:
    """For each character: is it PromQL code inside `[...]` (a range or subquery), rather than
    in a string literal, a comment or anywhere else? `[` inside a string (a regex class) is text."""
    mask, depth, quote, i = [False] * len(text), 0, "", 0
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\" and quote != "`":  # Go escapes; backtick strings are raw
                i += 1
            elif char == quote:
                quote = ""
        elif char in "\"'`":
            quote = char
        elif char == "#":  # a comment runs to the end of the line
            i = text.find("\n", i)
            i = len(text) if i < 0 else i
            continue
        elif char == "[":
            depth += 1
        elif char == "]":
            depth = max(0, depth - 1)
        else:
            mask[i] = depth > 0
        i += 1
    return mask


def has_window(template: str) -> bool:
    """The placeholder is in a range position (`[{{window}}]`, `[{{window}}:1m]`)."""
    mask = _range_positions(template)
    return any(mask[m.start()] for m in WINDOW_PLACEHOLDER.finditer(template))


def with_window(template: str, window: str) -> str:
    """Substitute the placeholder where it is a range; inside a quoted label value or a comment
    it is the user's text and is kept as written."""
    mask = _range_positions(template)
    return WINDOW_PLACEHOLDER.sub(lambda m: window if mask[m.start()] else m.group(0), template)


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
