"""The one way a label value reaches Alertmanager: a quoted matcher, escaped as Alertmanager's
parser unescapes it (pkg/labels/parse.go: `\\"`, `\\\\` and `\\n`; any other byte is literal).

Used for the config's `matchers`, `source_matchers` and `target_matchers`, and for the label
arguments of `amtool config routes test`, which amtool parses with the same parser.
"""

from __future__ import annotations

import re

_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
OPERATORS = ("=", "!=", "=~", "!~")


def quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def matcher(name: str, op: str, value: str) -> str:
    """`name op "value"`; regex operators get the value as written (callers escape regexes)."""
    if not _LABEL_NAME.match(name):
        raise ValueError(f"not a label name: {name!r}")
    if op not in OPERATORS:
        raise ValueError(f"not a matcher operator: {op!r}")
    return f"{name}{op}{quote(value)}"


def equals(name: str, value: str) -> str:
    return matcher(name, "=", value)
