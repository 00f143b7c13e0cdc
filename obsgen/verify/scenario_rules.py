"""The rules a promtool scenario needs: those its assertions read, directly or through the series
other rules record.

promtool evaluates every loaded rule at every evaluation step of every scenario (about 0.15 ms a
rule a step, measured), and an SLO's rule groups hold 30-40 rules, while most scenarios read a
few: the health scenarios one or two alerts (their SLI's raw selectors), the burn-rate wiring the
window ratios and the burn alerts, the window-length step the windows. So `obsgen test` runs each
scenario (verify/promtool.py) with only the rules it reads. A rule no assertion reads, nor any rule
it reads, cannot change what they read (a rule's value depends on the series it selects alone;
the kept rules keep their groups, order and intervals), so leaving it out changes no verdict; and
promtool's unit tests never fail on a rule no assertion reads, so no proof rests on evaluating it.
Every rule is still checked by `promtool check rules`.

What a text reads is taken from its words: every name a rule records that appears as a word of
the text (more words only keep more rules), and for `ALERTS`/`ALERTS_FOR_STATE` the alerting rules
named by an `alertname="..."` matcher, every alerting rule when a selector names none. A text
selecting by `__name__` or with a selector that names no metric (`{sloth_id="..."}`: a brace after
no name found in the text, then confirmed by the PromQL parser, as a brace may be inside a quoted
label value), or a rules file in another layout, keeps every rule.
"""

from __future__ import annotations

import re

from obsgen import names, promql, yamlio
from obsgen.verify import yaml_items

_WORD = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
# ALERTS and ALERTS_FOR_STATE (the series alerting rules write), with the start of their matchers
_ALERTS = re.compile(rf"\b{names.ALERTS}(?:_FOR_STATE)?\b(\{{[^}}]*)?")
_ALERTNAME = re.compile(rf"(?:^|[{{,\s]){names.ALERTNAME}\s*=\s*\"([^\"\\]*)\"")
_RULE_TEST = re.compile(rf"^\s*(?:- )?{names.ALERTNAME}: *(.+?)\s*$", re.MULTILINE)
ALL = None  # every alerting rule
_TEMPLATE = re.compile(r"\{\{.*?\}\}", re.DOTALL)  # Go templates of annotations: not selectors
_SAMPLE_LABELS = re.compile(r"^\s*(?:- )?labels: .*$", re.MULTILINE)  # expected samples' labels: results
# a selector with no metric name: a brace after no name, or right after a keyword (`and{job="x"}`)
_KEYWORDS = ("and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool")
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_:")


def _bare_brace(text: str) -> bool:
    """Whether a brace follows no name, or a keyword that is a word of its own. Found brace by
    brace: a regular expression trying the keywords at every character of every rule was a third
    of cutting the test files at 1,000 services."""
    at = text.find("{")
    while at != -1:
        start = at
        while start and text[start - 1] in _NAME_CHARS:
            start -= 1
        name = text[start:at]
        if not name or any(name.endswith(k) and _word_starts(text, at - len(k)) for k in _KEYWORDS):
            return True
        at = text.find("{", at + 1)
    return False


def _word_starts(text: str, at: int) -> bool:
    """Whether a word starts at `at` (a regular expression's \\b: no word character before it)."""
    return at == 0 or not (text[at - 1].isalnum() or text[at - 1] == "_")


def _reads_anything(text: str) -> bool:
    """Whether a text may select series by anything but their name: then no rule may be left out."""
    if "__name__" in text:
        return True
    if "{" not in text:
        return False
    return _bare_brace(_SAMPLE_LABELS.sub("", _TEMPLATE.sub("", text))) and _unnamed(text)


def _unnamed(text: str) -> bool:
    """Whether an expression of the text (a rule's or an assertion's `expr`, an input `series`)
    selects by no metric name, by the PromQL parser. _BARE's brace may be one inside a quoted label
    value (a team named `a{b` is in every selector of its SLO), which would keep every rule of that
    SLO's scenarios for nothing; the parser says. A text that does not parse keeps every rule."""
    try:
        return any(selector.name is None for expr in _expressions(yamlio.load(text))
                   for selector in promql.vector_selectors(expr))
    except (yamlio.YAMLError, ValueError):
        return True


def _expressions(node) -> list[str]:
    """Every `expr` and `series` string of a loaded rules or test text: where selectors are."""
    if isinstance(node, dict):
        return [text for key, value in node.items()
                for text in ([value] if key in ("expr", "series") and isinstance(value, str) else _expressions(value))]
    if isinstance(node, list):
        return [text for item in node for text in _expressions(item)]
    return []


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


class Rules:
    """An SLO's rule groups cut into rules once, with what each rule reads: every scenario of the
    SLO is then matched against them without cutting or scanning the rules again (at 1,000
    services, cutting and scanning the same rules once per scenario was most of `_split`'s time)."""

    def __init__(self, groups: list[str]) -> None:
        self.groups = groups
        cut = [yaml_items.rules(g) for g in groups]
        self.whole = any(c is None for c in cut)  # another layout: every scenario keeps every group
        self.heads = [] if self.whole else [head for head, _ in cut]
        self.rules = [] if self.whole else [(i, kind, name, text) for i, (_, found) in enumerate(cut)
                                            for kind, name, text in found]
        self._reads: dict[int, tuple[bool, set[str], set[str] | None]] = {}

    def reads(self, n: int) -> tuple[bool, set[str], set[str] | None]:
        """Whether rule n may read anything, its words and the alerts it reads (computed once)."""
        if n not in self._reads:
            text = self.rules[n][3]
            self._reads[n] = (_reads_anything(text), *_reads(text))
        return self._reads[n]

    def needed(self, scenarios: str) -> list[str]:
        """The groups reduced to the rules the scenarios' text reads, transitively; a group left
        with no rule is left out. Every group whole when anything is not in obsgen's layout."""
        if self.whole or _reads_anything(scenarios):
            return self.groups
        keep: set[int] = set()
        todo = [(set(), *_reads(scenarios))]
        while todo:
            words, alerts = todo.pop()[1:]
            for n, (_, kind, name, _) in enumerate(self.rules):
                wanted = name in words if kind == "record" else alerts is ALL or name in alerts
                if wanted and n not in keep:
                    keep.add(n)
                    found = self.reads(n)
                    if found[0]:
                        return self.groups
                    todo.append(found)
        kept = []
        for i, head in enumerate(self.heads):
            texts = [rule for n, (g, _, _, rule) in enumerate(self.rules) if g == i and n in keep]
            if texts:
                kept.append(head + "".join(texts))
        return kept


def needed(groups: list[str], scenarios: str) -> list[str]:
    """The rule groups (text) reduced to the rules the scenarios' text reads, transitively; a group
    left with no rule is left out. Every group whole when anything is not in obsgen's layout."""
    return Rules(groups).needed(scenarios)


def by_reads(groups: list[str], scenarios: list[str]) -> list[tuple[list[str], list[str]]]:
    """The scenarios gathered by the rules they need (in order of first use), each gathering with
    those rules: one test file each, so that no scenario evaluates rules it does not read."""
    rules = Rules(groups)
    found: dict[tuple[str, ...], list[str]] = {}
    for text in scenarios:
        found.setdefault(tuple(rules.needed(text)), []).append(text)
    return [(list(kept), texts) for kept, texts in found.items()]


# An alerting rule's annotations in obsgen's layout (a rule's keys indented 4, as yaml_items cuts
# them; a label named `annotations` is deeper): the key and every line indented deeper.
_ANNOTATIONS = re.compile(r"^    annotations:.*\n(?:     .*\n|\n)*", re.MULTILINE)


def without_annotations(groups: list[str], scenarios: list[str]) -> list[str]:
    """The rule groups without their alerts' annotations when no scenario reads them (none has an
    `alert_rule_test`, the only kind of check that sees annotations: ALERTS and every recorded
    series carry labels alone). promtool parses every annotation's template when it loads a rule
    and expands them at every evaluation of an active alert: 4-5 of the 25 CPU-ms of a burn-rate
    wiring scenario (measured, promtool 2.42). Their templates are still checked, whole, by
    `promtool check rules`."""
    if any("alert_rule_test" in text for text in scenarios):
        return groups
    return [_ANNOTATIONS.sub("", group) for group in groups]

