"""The rule *shape* of each SLO in a generated rules file, read from its bytes.

Two SLOs have the same shape when their rules are the same once what is the SLO's own is set
aside: its identity (sloth_id, sloth_service, sloth_slo values, group names), the series its SLI
queries select (every selector of a series obsgen does not record becomes a placeholder numbered by
first use: the queries' structure, and which rules read the same series, stay) and the values of
labels that only label (team, tier, alert names...). What stays is what the full promtool scenario suite proves:
the recording chain, the windows, objective and thresholds, `for`, severities, the period roll-ups.

`obsgen test` runs that full suite once per shape and, for every SLO, the short wiring scenario that
checks what was set aside (render/promtool_tests.wiring). A rule changed by hand in one service
changes that SLO's shape, so its own full suite runs: the proof stays complete, its cost grows with
the number of shapes, not of services.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from functools import lru_cache

from obsgen import names, promql, promql_ast, yamlio

IDENTITY = {names.SLOTH_ID: "<id>", names.SLOTH_SERVICE: "<service>", names.SLOTH_SLO: "<slo>"}
# Label values that are part of the shape (the suite selects alerts and series by them).
SHAPE_LABELS = frozenset({names.SLOTH_WINDOW, names.SLOTH_SEVERITY, names.LONG_WINDOW, names.SHORT_WINDOW,
                          names.SEVERITY, names.SLOTH_MODE, names.SLOTH_SPEC, names.SLOTH_OBJECTIVE})
_ID = '"<obsgen-sloth-id>"'  # what the SLO's quoted sloth_id becomes in an expression


def _recorded(sel: promql_ast.Sel) -> bool:
    """A series the generated rules record (all of obsgen's are slo:* or sloth_*)."""
    return bool(sel.name) and (sel.name.startswith("slo:") or sel.name.startswith("sloth_"))


def _mask(node, found: list[str]):
    """The tree with every selector of a series obsgen does not record (an SLI's) replaced by a
    numbered placeholder, its text appended to `found`: ranges, functions and operators stay, so
    the structure of an SLI query is part of the shape (a query written differently is a shape of
    its own), and its series are not."""
    if isinstance(node, promql_ast.Sel):
        if _recorded(node):
            return node
        found.append(promql_ast.text(node))
        return promql_ast.Sel(f"obsgen_sli_{len(found) - 1}", ())
    if not dataclasses.is_dataclass(node):
        return node
    changes = {}
    for field in dataclasses.fields(node):
        value = getattr(node, field.name)
        if isinstance(value, tuple):
            changes[field.name] = tuple(_mask(v, found) for v in value)
        elif dataclasses.is_dataclass(value):
            changes[field.name] = _mask(value, found)
    return dataclasses.replace(node, **changes)


@lru_cache(maxsize=8192)
def _expr_shape(expr: str) -> tuple[str, tuple[str, ...]]:
    found: list[str] = []
    try:
        return promql_ast.text(_mask(promql_ast.mirror(promql.parse(expr)), found)), tuple(found)
    except Exception:  # unparsable or unsupported: the text itself is the shape
        return expr, ()


class _Selectors:
    """Numbers an SLO's SLI selectors in order of first use: which rules read the same series is
    part of the shape, so one rule of one service changed to read other series is a shape of its own."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def shape(self, expr: str, sloth_id: str | None) -> list:
        if sloth_id:
            expr = expr.replace(promql.quote(sloth_id), _ID)
        text, sels = _expr_shape(expr)
        return [text, [self.seen.setdefault(s, len(self.seen)) for s in sels]]


def _labels(labels: dict, identity: dict[str, str]) -> list:
    out = []
    for key, value in sorted((labels or {}).items()):
        if key in IDENTITY:
            value = IDENTITY[key] if identity.get(key) == value else value
        elif key not in SHAPE_LABELS:
            value = "<wired>"  # checked for each SLO by its wiring scenario
        out.append([key, value])
    return out


def _rule_shape(rule: dict, identity: dict[str, str], sels: _Selectors) -> list:
    kind = "alert" if "alert" in rule else "record"
    name = "<wired>" if kind == "alert" else rule.get("record")
    rest = sorted((k, str(v)) for k, v in rule.items() if k not in ("alert", "record", "expr", "labels", "annotations"))
    return [kind, name, sels.shape(str(rule.get("expr", "")), identity.get(names.SLOTH_ID)),
            _labels(rule.get("labels"), identity), rest]


def identity(group: dict) -> dict[str, str]:
    """The sloth_id, sloth_service and sloth_slo of a rule group's SLO ({} for a group of none)."""
    for rule in group.get("rules") or []:
        labels = rule.get("labels") or {}
        if names.SLOTH_ID in labels:
            return {k: str(labels[k]) for k in IDENTITY if k in labels}
    return {}


def of_rules(text: str) -> dict[str, str]:
    """sloth_id -> shape key (a sha256) for every SLO of a rules file, in file order."""
    doc = yamlio.load(text) or {}
    parts: dict[str, list] = {}
    numbering: dict[str, _Selectors] = {}
    for group in doc.get("groups") or []:
        own = identity(group)
        sloth_id = own.get(names.SLOTH_ID)
        if not sloth_id:
            continue
        rest = sorted((k, str(v)) for k, v in group.items() if k not in ("name", "rules"))
        name = str(group.get("name", "")).replace(sloth_id, "<id>")
        sels = numbering.setdefault(sloth_id, _Selectors())
        rules = [_rule_shape(r, own, sels) for r in group.get("rules") or []]
        parts.setdefault(sloth_id, []).append([name, rest, rules])
    return {sid: hashlib.sha256(json.dumps(p, sort_keys=True).encode()).hexdigest() for sid, p in parts.items()}
