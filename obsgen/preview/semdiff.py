"""What a change does, in words: a semantic summary of two generated trees, as Markdown.

It reads generated files only (rules, routes, dashboards, collector configs), so it works against
any committed tree, including one written by an older obsgen.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import yaml

from obsgen import names
from obsgen.spec.policy import PAGING_ENVIRONMENT

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FACTOR = re.compile(r">\s*([0-9.eE+-]+)")
ROUTES_FILE = names.ALERTMANAGER_CONFIG


@dataclass
class Summary:
    sections: dict[str, list[str]] = field(default_factory=dict)
    files_changed: list[str] = field(default_factory=list)

    def add(self, section: str, line: str) -> None:
        self.sections.setdefault(section, []).append(line)

    @property
    def changed(self) -> bool:
        return bool(self.files_changed)

    def markdown(self) -> str:
        if not self.changed:
            return "### obsgen: no change\n\nThe generated output is identical.\n"
        out = [f"### obsgen: {len(self.files_changed)} generated file(s) change\n"]
        for title, lines in self.sections.items():
            out.append(f"\n**{title}**\n\n" + "".join(f"- {line}\n" for line in lines))
        out.append("\n<details><summary>Files</summary>\n\n"
                   + "".join(f"- `{path}`\n" for path in self.files_changed) + "\n</details>\n")
        return "".join(out)


def _yaml(text: str | None):
    if text is None:
        return None
    try:
        return yaml.load(text, Loader=Loader)
    except yaml.YAMLError:
        return None


# --- rules ----------------------------------------------------------------------------------


def _slos(files: dict[str, str]) -> tuple[dict, dict]:
    """(service, slo) -> facts, and (service, slo, severity, long window) -> alert facts."""
    slos, alerts = {}, {}
    for path, text in files.items():
        if not (path.startswith("alerts/rules/") and path.endswith(".yaml")):
            continue
        for group in (_yaml(text) or {}).get("groups") or []:
            for rule in group.get("rules") or []:
                labels = rule.get("labels") or {}
                if rule.get("record") == names.SLO_INFO:
                    key = (labels.get(names.SLOTH_SERVICE), labels.get(names.SLOTH_SLO))
                    slos.setdefault(key, {}).update(objective=labels.get("sloth_objective"),
                                                    team=labels.get(names.TEAM))
                elif rule.get("record") == names.TIME_PERIOD_DAYS:
                    key = (labels.get(names.SLOTH_SERVICE), labels.get(names.SLOTH_SLO))
                    slos.setdefault(key, {})["period"] = str(rule.get("expr", "")).strip()
                elif "alert" in rule:
                    key = (labels.get(names.SERVICE), labels.get(names.SLO), labels.get(names.SLOTH_SEVERITY),
                           labels.get(names.LONG_WINDOW))
                    alerts[key] = {"name": rule["alert"], "severity": labels.get(names.SEVERITY),
                                   "factor": ", ".join(_FACTOR.findall(str(rule.get("expr", "")))),
                                   "for": rule.get("for", "0s"), "short": labels.get(names.SHORT_WINDOW)}
    for key, alert in alerts.items():
        alert["threshold"] = _threshold(alert["factor"], slos.get(key[:2], {}).get("objective"))
    return slos, alerts


def _threshold(factors: str, objective: str | None) -> str:
    """The error ratio an alert fires above: factor x (1 - objective)."""
    try:
        return f"{float(factors.split(',')[0]) * (1 - float(objective) / 100) * 100:.4g}%"
    except (TypeError, ValueError):
        return "?"


def _period(expr: str) -> str:
    match = re.search(r"vector\((\d+)\)", expr or "")
    return f"{match.group(1)}d" if match else "?"


def _rules(old: dict, new: dict, summary: Summary) -> None:
    (old_slos, old_alerts), (new_slos, new_alerts) = _slos(old), _slos(new)
    for key in sorted(set(new_slos) - set(old_slos)):
        s = new_slos[key]
        summary.add("SLOs", f"added `{key[0]}/{key[1]}`: {s.get('objective')}% over {_period(s.get('period'))}")
    for key in sorted(set(old_slos) - set(new_slos)):
        summary.add("SLOs", f"removed `{key[0]}/{key[1]}`")
    for key in sorted(set(old_slos) & set(new_slos)):
        a, b = old_slos[key], new_slos[key]
        if a.get("objective") != b.get("objective"):
            summary.add("SLOs", f"`{key[0]}/{key[1]}` objective {a.get('objective')}% → {b.get('objective')}%")
        if a.get("period") != b.get("period"):
            summary.add("SLOs", f"`{key[0]}/{key[1]}` period {_period(a.get('period'))} → {_period(b.get('period'))}")
        if a.get("team") != b.get("team"):
            summary.add("Ownership", f"`{key[0]}/{key[1]}` team {a.get('team')} → {b.get('team')}")
    _pages(old, new, (old_alerts, new_alerts), set(old_slos) & set(new_slos), summary)
    _alerts(old_alerts, new_alerts, summary)


def _paging(files: dict[str, str], alerts: dict) -> tuple[set, set]:
    """(SLOs whose alerts reach a pager, SLOs whose production pages reach no pager): as the route
    tests say, the results `obsgen test` proves with amtool; from the rules for older trees."""
    tests = _yaml(files.get(names.ALERTMANAGER_ROUTE_TESTS)) or {}
    if "alerts" not in tests:
        return {k[:2] for k in alerts if k[2] == "page"}, set()
    paging, by_chat = set(), set()
    for case in tests["alerts"] or []:
        key = (case["labels"].get(names.SERVICE), case["labels"].get(names.SLO))
        if case.get("pages"):
            paging.add(key)
        elif case.get("kind") == "page" and case.get("environment") == PAGING_ENVIRONMENT:
            by_chat.add(key)
    return paging, by_chat


def _pages(old: dict, new: dict, alerts: tuple[dict, dict], kept: set, summary: Summary) -> None:
    (before, old_chat), (after, new_chat) = _paging(old, alerts[0]), _paging(new, alerts[1])
    for key in sorted((after - before) & kept):
        summary.add("Paging", f"`{key[0]}/{key[1]}` now pages")
    for key in sorted((before - after) & kept):
        summary.add("Paging", f"`{key[0]}/{key[1]}` no longer pages")
    for key in sorted(new_chat - old_chat):  # the team opted in (pages_without_pager): say so where it changes
        summary.add("Paging", f"warning: `{key[0]}/{key[1]}` pages, but its production pages reach no pager "
                              "(its team sets pages_without_pager: they reach chat or e-mail alone)")


def _alerts(old_alerts: dict, new_alerts: dict, summary: Summary) -> None:
    def label(key, alert):
        return f"`{alert['name']}` ({key[2]}, {key[3]}/{alert['short']})"

    for key in sorted(set(new_alerts) - set(old_alerts), key=str):
        summary.add("Alerts", f"added {label(key, new_alerts[key])}, factor {new_alerts[key]['factor']}")
    for key in sorted(set(old_alerts) - set(new_alerts), key=str):
        summary.add("Alerts", f"removed {label(key, old_alerts[key])}")
    for key in sorted(set(old_alerts) & set(new_alerts), key=str):
        a, b = old_alerts[key], new_alerts[key]
        compared = ("name", "severity", "factor", "threshold", "for", "short")
        changes = [f"{what} {a[what]} → {b[what]}" for what in compared if a[what] != b[what]]
        if changes:
            summary.add("Alerts", f"{label(key, b)}: " + "; ".join(changes))


# --- routes, dashboards, collectors -----------------------------------------------------------


def _flatten(route: dict, chain: tuple = ()) -> dict[tuple, str]:
    found = {}
    for child in route.get("routes") or []:
        here = (*chain, tuple(sorted(map(str, child.get("matchers") or []))))
        found[here] = str(child.get("receiver", "(inherited)"))
        found.update(_flatten(child, here))
    return found


def _routes(old: dict, new: dict, summary: Summary) -> None:
    a, b = _yaml(old.get(ROUTES_FILE)), _yaml(new.get(ROUTES_FILE))
    if a == b:
        return
    ra, rb = _flatten((a or {}).get("route") or {}), _flatten((b or {}).get("route") or {})

    def where(chain):
        return " / ".join(", ".join(m) or "*" for m in chain)

    for chain in sorted(set(ra) | set(rb)):
        if ra.get(chain) != rb.get(chain):
            summary.add("Routes", f"{where(chain)}: {ra.get(chain, '(none)')} → {rb.get(chain, '(none)')}")
    if (a or {}).get("route", {}).get("receiver") != (b or {}).get("route", {}).get("receiver"):
        summary.add("Routes", "default receiver changed")
    if (a or {}).get("receivers") != (b or {}).get("receivers"):
        summary.add("Routes", "receivers' settings changed")


def _titles(text: str | None) -> set[str]:
    try:
        board = json.loads(text) if text else {}
    except ValueError:
        return set()
    panels = list(board.get("panels") or [])
    for panel in list(panels):
        panels += panel.get("panels") or []
    return {str(p.get("title", "")) for p in panels}


def _dashboards(old: dict, new: dict, changed: list[str], summary: Summary) -> None:
    for path in changed:
        if not (path.startswith("dashboards/") and path.endswith(".json")):
            continue
        if path not in old:
            summary.add("Dashboards", f"added `{path}`")
        elif path not in new:
            summary.add("Dashboards", f"removed `{path}`")
        else:
            a, b = _titles(old[path]), _titles(new[path])
            detail = "; ".join(filter(None, [
                f"panels added: {', '.join(sorted(b - a))}" if b - a else "",
                f"panels removed: {', '.join(sorted(a - b))}" if a - b else ""])) or "queries or layout changed"
            summary.add("Dashboards", f"`{path}`: {detail}")


def _pipelines(text: str | None) -> dict:
    return (((_yaml(text) or {}).get("service") or {}).get("pipelines")) or {}


def _collectors(old: dict, new: dict, changed: list[str], summary: Summary) -> None:
    for path in changed:
        if not (path.startswith("otel/") and path.endswith(".yaml")):
            continue
        a, b = _pipelines(old.get(path)), _pipelines(new.get(path))
        touched = sorted(p for p in set(a) | set(b) if a.get(p) != b.get(p))
        what = f"pipelines {', '.join(touched)}" if touched else "component settings"
        state = "added" if path not in old else "removed" if path not in new else "changed"
        summary.add("Collector", f"`{path}` {state}: {what}")


def summarize(old: dict[str, str], new: dict[str, str]) -> Summary:
    """old: the committed tree's files; new: what the specs generate now."""
    summary = Summary()
    summary.files_changed = sorted(p for p in set(old) | set(new) if old.get(p) != new.get(p))
    if not summary.changed:
        return summary
    _rules(old, new, summary)
    _routes(old, new, summary)
    _dashboards(old, new, summary.files_changed, summary)
    _collectors(old, new, summary.files_changed, summary)
    return summary
