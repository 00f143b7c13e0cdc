"""User text in places Prometheus expands as Go templates: alert labels and annotations.

Prometheus runs text/template over every alert label and annotation value at each evaluation, so
`{{ $value }}` in a label would change the label every time (an alert with `for` never fires) and
`{{docs}}` fails to load. Recorded series' labels are not templated and never need this.
"""

from __future__ import annotations

import re

_OPEN = '{{ "{{" }}'  # an action that prints `{{`


def literal(text: str) -> str:
    """Template source that renders exactly `text`.

    Only `{{` starts an action (`{{-` too: it is `{{` followed by `-`), so each one is replaced
    by an action printing it; `}}` outside an action is plain text. A trailing `{` is printed by
    an action as well, so that generated template text appended after it cannot form a `{{`.
    """
    out = text.replace("{{", _OPEN)
    if out.endswith("{"):
        out = out[:-1] + '{{ "{" }}'
    return out


def unliteral(source: str) -> str:
    """What Prometheus renders `literal(text)` to: `text`. Other template source is returned as it
    is (its value depends on the alert)."""
    return source.replace(_OPEN, "{{").replace('{{ "{" }}', "{")


# What a template may call by name in Prometheus: Go's builtins, Prometheus' template functions
# (template/template.go) and the keywords. Anything else fails when Prometheus loads the rule.
_NAMES = """
    and call html index slice js len not or print printf println urlquery eq ge gt le lt ne
    query first label value strvalue args reReplaceAll safeHtml match title toUpper toLower graphLink
    tableLink sortByLabel humanize humanize1024 humanizeDuration humanizePercentage humanizeTimestamp
    toTime toDuration pathPrefix externalURL parseDuration stripPort stripDomain now
    if else end range with define template block nil break continue true false
"""
_FUNCTIONS = frozenset(_NAMES.split())
_OPENERS = frozenset({"if", "range", "with", "define", "block"})
_ACTION_TOKEN = re.compile(r'"(?:\\.|[^"\\\n])*"|`[^`]*`|\'(?:\\.|[^\'\\\n])+\'|[$.]?[^\W\d]\w*(?:\.\w+)*'
                           r'|[-+]?\d[\w.+-]*|:=|[\s=|(),.$]')


def problem(text: str) -> str | None:
    """Why Prometheus would refuse `text` as an alert label or annotation template, or None.

    A lexical check with Go's rules (unclosed actions, characters no action may hold, unknown
    function names, unbalanced if/range/with ... end): it catches what user text gets wrong, not
    every error Go's parser knows."""
    depth, pos = 0, 0
    while (start := text.find("{{", pos)) >= 0:
        end = text.find("}}", start + 2)
        if end < 0:
            return f"unclosed action at {text[start:start + 20]!r}"
        body = text[start + 2:end].removeprefix("- ").removesuffix(" -").strip()
        pos = end + 2
        if body.startswith("/*") and body.endswith("*/"):
            continue
        words, at = [], 0
        while at < len(body):
            token = _ACTION_TOKEN.match(body, at)
            if token is None:
                return f"{body[at]!r} cannot appear in the action {{{{{body}}}}}"
            if token.group()[0].isalpha():
                words.append(token.group())
            at = token.end()
        for word in words:
            if word.split(".")[0] not in _FUNCTIONS:
                return f"function {word!r} is not defined (in {{{{{body}}}}})"
        first = words[0] if words else ""
        depth += (first in _OPENERS) - (first == "end")
        if depth < 0:
            return "{{ end }} without an {{ if }}, {{ range }} or {{ with }}"
    return "an {{ if }}, {{ range }} or {{ with }} without its {{ end }}" if depth > 0 else None
