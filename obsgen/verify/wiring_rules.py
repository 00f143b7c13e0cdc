"""The rules a wiring-only run needs: those its assertions read, directly or through the series
other rules record.

promtool evaluates every loaded rule at every evaluation step of every scenario (about 0.15 ms a
rule a step, measured), and an SLO's rule groups hold 30-40 rules. An SLO whose shape another SLO
already proved runs only its wiring scenarios (verify/promtool_plan.py), whose assertions read a
few series: the health wiring reads one alert (its SLI's raw selectors), the burn-rate wiring the
window ratios and the burn alerts. A rule no assertion reads, nor any rule it reads, cannot change
what they read, so leaving it out changes no verdict. Each left-out rule is still proven for this
SLO: `promtool check rules` checks every rule, and its shape (verify/shapes.py: the rules as
written but their identity and selectors) ran the full suite, which evaluates it.

What a text reads is taken from its words: every name a rule records that appears as a word of
the text (more words only keep more rules), and for `ALERTS`/`ALERTS_FOR_STATE` the alerting rules
named by an `alertname="..."` matcher, every alerting rule when a selector names none. A text
selecting by `__name__`, or a rules file in another layout, keeps every rule.
"""

from __future__ import annotations

import re

from obsgen import names
from obsgen.verify import yaml_items

_WORD = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
# ALERTS and ALERTS_FOR_STATE (the series alerting rules write), with the start of their matchers
_ALERTS = re.compile(rf"\b{names.ALERTS}(?:_FOR_STATE)?\b(\{{[^}}]*)?")
_ALERTNAME = re.compile(rf"(?:^|[{{,\s]){names.ALERTNAME}\s*=\s*\"([^\"\\]*)\"")
_RULE_TEST = re.compile(rf"^\s*(?:- )?{names.ALERTNAME}: *(.+?)\s*$", re.MULTILINE)
ALL = None  # every alerting rule


def _reads(text: str) -> tuple[set[str], set[str] | None]:
    """The words of a text, and the alert names it reads (ALL: any alert)."""
    alerts: set[str] | None = set()
    for found in _ALERTS.finditer(text):
        named = _ALERTNAME.findall(found[1] or "")
        if not named:
            alerts = ALL
            break
        alerts.update(named)
    if alerts is not None:  # alert_rule_test entries name the alert they read
        alerts.update(v.strip("'\"") for v in _RULE_TEST.findall(text))
    return set(_WORD.findall(text)), alerts


def needed(groups: list[str], scenarios: str) -> list[str]:
    """The rule groups (text) reduced to the rules the scenarios' text reads, transitively; a group
    left with no rule is left out. Every group whole when anything is not in obsgen's layout."""
    cut = [yaml_items.rules(g) for g in groups]
    if "__name__" in scenarios or any(c is None for c in cut):
        return groups
    rules = [(i, kind, name, text) for i, (_, found) in enumerate(cut) for kind, name, text in found]
    keep: set[int] = set()
    todo = [scenarios]
    while todo:
        text = todo.pop()
        if "__name__" in text:
            return groups
        words, alerts = _reads(text)
        for n, (_, kind, name, rule) in enumerate(rules):
            wanted = name in words if kind == "record" else alerts is ALL or name in alerts
            if wanted and n not in keep:
                keep.add(n)
                todo.append(rule)
    kept = []
    for i, (head, _) in enumerate(cut):
        texts = [rule for n, (g, _, _, rule) in enumerate(rules) if g == i and n in keep]
        if texts:
            kept.append(head + "".join(texts))
    return kept
