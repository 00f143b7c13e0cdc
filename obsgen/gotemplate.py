"""User text in places Prometheus expands as Go templates: alert labels and annotations.

Prometheus runs text/template over every alert label and annotation value at each evaluation, so
`{{ $value }}` in a label would change the label every time (an alert with `for` never fires) and
`{{docs}}` fails to load. Recorded series' labels are not templated and never need this.
"""

from __future__ import annotations

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
