"""Who an Alertmanager config notifies of an alert: its routing tree walked with the alert's labels.

What `amtool config routes test` does, in Python, so that `obsgen diff` can say who is notified by a
tree of any commit without running a tool: a node matches when all its matchers do (a label that is
absent reads as ""); the first matching child wins unless it sets `continue`; a node no child of
which matches is where the alert goes; `receiver` is inherited. tests/preview/test_routetree.py
checks it against every route test `obsgen test` proves with amtool.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# `name op "value"` as obsgen/render/alertmanager/matchers.py writes it (and Alertmanager parses it)
_MATCHER = re.compile(r'^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$')
_UNESCAPE = re.compile(r"\\(.)")
PAGER_KINDS = ("pagerduty", "opsgenie")  # obsgen's pagers (plan/routing.py TeamReceivers.pager)


class UnknownMatcher(ValueError):
    pass


def _parse(text: str) -> tuple[str, str, str]:
    found = _MATCHER.match(str(text))
    if not found:
        raise UnknownMatcher(f"not a matcher obsgen writes: {text!r}")
    name, op, value = found.groups()
    return name, op, _UNESCAPE.sub(lambda m: "\n" if m.group(1) == "n" else m.group(1), value)


def _holds(op: str, value: str, actual: str) -> bool:
    if op == "=":
        return actual == value
    if op == "!=":
        return actual != value
    hit = re.fullmatch(value, actual) is not None  # Alertmanager anchors its regexes
    return hit if op == "=~" else not hit


def _matches(route: Mapping, labels: Mapping[str, str]) -> bool:
    checks = [_parse(m) for m in route.get("matchers") or []]
    checks += [(k, "=", str(v)) for k, v in (route.get("match") or {}).items()]  # the older forms
    checks += [(k, "=~", str(v)) for k, v in (route.get("match_re") or {}).items()]
    return all(_holds(op, value, labels.get(name, "")) for name, op, value in checks)


def _walk(route: Mapping, labels: Mapping[str, str], inherited: str | None) -> list[str]:
    receiver = route.get("receiver", inherited)
    found: list[str] = []
    for child in route.get("routes") or []:
        if _matches(child, labels):
            found += _walk(child, labels, receiver)
            if not child.get("continue"):
                break
    return found or [receiver]


def receivers(config: Mapping, labels: Mapping[str, str]) -> list[str]:
    """The receivers the tree sends an alert with these labels to, in order, each once."""
    return list(dict.fromkeys(r for r in _walk(config.get("route") or {}, labels, None) if r))


def kinds(config: Mapping) -> dict[str, tuple[str, ...]]:
    """receiver name -> how it notifies (pagerduty, slack, email...), from its `*_configs` keys."""
    return {str(r.get("name")): tuple(sorted(k.removesuffix("_configs") for k in r if k.endswith("_configs")))
            for r in config.get("receivers") or []}
