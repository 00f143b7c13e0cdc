"""What a change does, in words a reviewer can approve from: a comparison of two generated trees.

Per SLO and alert, before → after: objective, period, error budget in minutes, each alert's burn
factor, windows and time to detect a full outage, who is notified in each environment (receiver
names and kinds), receivers' settings field by field. Risky changes come first, under their own
heading. Facts are read from each tree's artifacts (difffacts.py): the renderers' own, or those
obsgen/output/committed.py reads back from a committed tree, so any commit's tree compares.

Secrets never appear: of a receiver's settings only `*_file` paths and plain addressing fields
(channel, to...) are printed; any other changed field is named, its values withheld.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from obsgen import durations, names
from obsgen.artifacts import Artifact, CollectorConfig, Dashboard
from obsgen.output import encode
from obsgen.preview import difffacts
from obsgen.preview.difffacts import SLO, Alert, Tree
from obsgen.preview.routetree import PAGER_KINDS
from obsgen.spec.policy import PAGING_ENVIRONMENT

ROUTES_FILE = names.ALERTMANAGER_CONFIG
RISKY = "⚠ Risky changes"
# Fields of a receiver whose values are addresses, not secrets: printed when they change.
PLAIN_FIELDS = frozenset({"channel", "to", "from", "smarthost", "send_resolved", "require_tls", "hello",
                          "auth_username", "smtp_smarthost", "smtp_from", "smtp_auth_username",
                          "smtp_require_tls", "smtp_hello", "resolve_timeout"})
NONE = "—"
TABLES = {  # section -> column titles after the first
    "SLOs": ("SLO", "What changes", "Before", "After"),
    "Alerts": ("Alert", "What changes", "Before", "After"),
    "Who is notified": ("Alerts", "Environment", "Before", "After"),
    "Receivers": ("Receiver", "What changes", "Before", "After"),
}


@dataclass
class Summary:
    sections: dict[str, list] = field(default_factory=dict)  # title -> lines (str) or table rows (tuple)
    files_changed: list[str] = field(default_factory=list)

    def add(self, section: str, line) -> None:
        self.sections.setdefault(section, []).append(line)

    @property
    def changed(self) -> bool:
        return bool(self.files_changed)

    def markdown(self) -> str:
        if not self.changed:
            return "### obsgen: no change\n\nThe generated output is identical.\n"
        out = [f"### obsgen: {len(self.files_changed)} generated file(s) change\n"]
        order = [RISKY, *TABLES, *(s for s in self.sections if s != RISKY and s not in TABLES)]
        for title in order:
            lines = self.sections.get(title)
            if not lines:
                continue
            out.append(f"\n#### {title}\n\n")
            if title in TABLES:
                out.append(_table(TABLES[title], lines))
            else:
                out.append("".join(f"- {line}\n" for line in lines))
        out.append("\n<details><summary>Files</summary>\n\n"
                   + "".join(f"- {_code(path)}\n" for path in self.files_changed) + "\n</details>\n")
        return "".join(out)


# --- Markdown that renders as GitHub renders it ------------------------------------------------


def _code(text: str) -> str:
    """An inline code span of any text (a longer fence when the text holds backticks)."""
    text = str(text).replace("\n", " ")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _cell(text: str) -> str:
    """A table cell: GFM splits cells at every unescaped `|`, code spans included."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(columns: tuple[str, ...], rows: list[tuple]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


# --- words ------------------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "?" if value is None else f"{value:g}%"


def _minutes(value: float | None) -> str:
    return "?" if value is None else f"{value:.1f} min"


def _budget(slo: SLO) -> str:
    return f"{_minutes(slo.budget_minutes)} of full outage per {slo.period_days}d"


def _threshold(alert: Alert, slo: SLO) -> str:
    ratio = f" (error ratio above {alert.factor * slo.budget * 100:.3g}%)" if slo.budget else ""
    held = f", for {durations.human(alert.for_seconds)}" if alert.for_seconds else ""
    return f"burn rate above {alert.factor:.4g}x{ratio} over {alert.long} and {alert.short}{held}"


def _detected(alert: Alert) -> str:
    return "never" if alert.detection is None else durations.human(alert.detection)


def _alert_name(slo: SLO, alert: Alert) -> str:
    return f"{_code(slo.key)} {alert.severity} {alert.long}/{alert.short} ({_code(alert.name)})"


def _who(tree: Tree, receivers: list[str] | None) -> str:
    if receivers is None:
        return NONE
    return ", ".join(f"{r} ({', '.join(tree.kinds.get(r, ())) or 'nobody'})" for r in receivers) or "nobody"


def _pager(tree: Tree, receivers: list[str] | None) -> bool:
    return any(k in PAGER_KINDS for r in receivers or () for k in tree.kinds.get(r, ()))


# --- SLOs and alerts --------------------------------------------------------------------------


def _slo_rows(a: SLO | None, b: SLO | None, summary: Summary) -> None:
    if a is None:
        summary.add("SLOs", (_code(b.key), "added", NONE,
                             f"{_percent(b.objective)} over {b.period_days}d, budget {_budget(b)}"))
        return
    if b is None:
        summary.add("SLOs", (_code(a.key), "removed", f"{_percent(a.objective)} over {a.period_days}d", NONE))
        summary.add(RISKY, f"**{_code(a.key)}** is removed, with its {len(a.alerts)} alert(s).")
        return
    if a.objective != b.objective:
        summary.add("SLOs", (_code(b.key), "objective", _percent(a.objective), _percent(b.objective)))
    if a.period_days != b.period_days:
        summary.add("SLOs", (_code(b.key), "period", f"{a.period_days}d", f"{b.period_days}d"))
    if a.budget_minutes != b.budget_minutes:
        summary.add("SLOs", (_code(b.key), "error budget", _budget(a), _budget(b)))
        if a.budget_minutes and b.budget_minutes is not None and b.budget_minutes < a.budget_minutes / 2:
            summary.add(RISKY, f"**{_code(b.key)}**: error budget cut by more than half, {_budget(a)} → "
                               f"{_budget(b)}.")
    if a.team != b.team:
        summary.add("SLOs", (_code(b.key), "team", a.team or "?", b.team or "?"))
    if a.alerts and not b.alerts:
        summary.add(RISKY, f"**{_code(b.key)}** loses all its alerts ({len(a.alerts)} before): its budget can "
                           "burn with nobody told.")
    elif any(k[0] == "page" for k in a.alerts) and not any(k[0] == "page" for k in b.alerts):
        summary.add(RISKY, f"**{_code(b.key)}** no longer pages: a fast burn now only opens a ticket.")


def _alert_rows(a: SLO | None, b: SLO | None, summary: Summary) -> None:
    before, after = (a.alerts if a else {}), (b.alerts if b else {})
    for key in sorted(set(before) | set(after), key=lambda k: (k[0], durations.seconds(k[1]))):
        old, new = before.get(key), after.get(key)
        if old is None:
            summary.add("Alerts", (_alert_name(b, new), "added", NONE,
                                   f"{_threshold(new, b)}; full outage detected after {_detected(new)}"))
        elif new is None:
            summary.add("Alerts", (_alert_name(a, old), "removed",
                                   f"{_threshold(old, a)}; full outage detected after {_detected(old)}", NONE))
        else:
            if (_threshold(old, a), old.name) != (_threshold(new, b), new.name):
                summary.add("Alerts", (_alert_name(b, new), "threshold", _threshold(old, a), _threshold(new, b)))
            if old.detection != new.detection:
                summary.add("Alerts", (_alert_name(b, new), "full outage detected after", _detected(old),
                                       _detected(new)))


def _rules(old: Tree, new: Tree, summary: Summary) -> None:
    for key in sorted(set(old.slos) | set(new.slos), key=str):
        a, b = old.slos.get(key), new.slos.get(key)
        _slo_rows(a, b, summary)
        _alert_rows(a, b, summary)


# --- who is notified, receivers ------------------------------------------------------------------


def _notified(old: Tree, new: Tree, summary: Summary) -> None:
    if old.notified is None or new.notified is None:  # a tree from before route tests: who is unknown
        return
    for key in sorted(set(old.notified) | set(new.notified)):
        service, slo, kind, env = key
        a, b = old.notified.get(key), new.notified.get(key)
        if (_who(old, a), a is None) == (_who(new, b), b is None):
            continue
        summary.add("Who is notified", (f"{_code(f'{service}/{slo}')} {kind}s", env, _who(old, a), _who(new, b)))
        lost = b is not None and not _pager(new, b) and (a is None or _pager(old, a))
        if kind == "page" and env == PAGING_ENVIRONMENT and lost:
            summary.add(RISKY, f"**{_code(f'{service}/{slo}')}**: pages in {env} now reach only "
                               f"{_who(new, b)}: no pager (before: {_who(old, a)}).")


def _flatten(value, path: str = "") -> dict[str, object]:
    """A receiver's settings as field path -> leaf value (`pagerduty_configs[0].routing_key_file`)."""
    if isinstance(value, dict):
        found = {}
        for key, item in value.items():
            found.update(_flatten(item, f"{path}.{key}" if path else str(key)))
        return found
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        found = {}
        for i, item in enumerate(value):
            found.update(_flatten(item, f"{path}[{i}]" if len(value) > 1 else path))
        return found
    return {path: value}


def _shown(path: str, value) -> str:
    """The value of a receiver field if it can be shown: a file path or a plain address; never a secret."""
    if value is None:
        return NONE
    leaf = path.rsplit(".", 1)[-1]
    if leaf.endswith("_file") or leaf in PLAIN_FIELDS:
        return _code(value if isinstance(value, str) else json.dumps(value))
    return "(set, not shown)"


def _readable(path: str) -> str:
    return path.replace("_configs", "").replace(".", " ")


def _settings(name: str, a: dict, b: dict, summary: Summary) -> None:
    fa = _flatten({k: v for k, v in a.items() if k != "name"})
    fb = _flatten({k: v for k, v in b.items() if k != "name"})
    for path in sorted(set(fa) | set(fb)):
        if fa.get(path) != fb.get(path):
            summary.add("Receivers", (_code(name), _readable(path), _shown(path, fa.get(path)),
                                      _shown(path, fb.get(path))))


def _receivers(old: Tree, new: Tree, summary: Summary) -> None:
    for name in sorted(set(old.receivers) | set(new.receivers)):
        a, b = old.receivers.get(name), new.receivers.get(name)
        if a is None:
            summary.add("Receivers", (_code(name), "added", NONE, ", ".join(new.kinds[name]) or "nobody"))
        elif b is None:
            summary.add("Receivers", (_code(name), "removed", ", ".join(old.kinds[name]) or "nobody", NONE))
        elif a != b:
            _settings(name, a, b, summary)
    ga, gb = old.alertmanager.get("global") or {}, new.alertmanager.get("global") or {}
    if ga != gb:
        _settings("(global)", ga, gb, summary)


# --- dashboards, collectors ---------------------------------------------------------------------


def _titles(dashboard: Artifact | None) -> set[str]:
    board = dashboard.json() if isinstance(dashboard, Dashboard) else {}
    panels = list(board.get("panels") or [])
    for panel in list(panels):
        panels += panel.get("panels") or []
    return {str(p.get("title", "")) for p in panels}


def _dashboards(old: dict, new: dict, built: tuple[dict, dict], changed: list[str], summary: Summary) -> None:
    for path in changed:
        if not (path.startswith("dashboards/") and path.endswith(".json")):
            continue
        if path not in old:
            summary.add("Dashboards", f"added {_code(path)}")
        elif path not in new:
            summary.add("Dashboards", f"removed {_code(path)}")
        else:
            a, b = _titles(built[0].get(path)), _titles(built[1].get(path))
            detail = "; ".join(filter(None, [
                f"panels added: {', '.join(sorted(b - a))}" if b - a else "",
                f"panels removed: {', '.join(sorted(a - b))}" if a - b else ""])) or "queries or layout changed"
            summary.add("Dashboards", f"{_code(path)}: {detail}")


def _pipelines(config: Artifact | None) -> dict:
    data = config.data if isinstance(config, CollectorConfig) else {}
    return ((data.get("service") or {}).get("pipelines")) or {}


def _collectors(old: dict, new: dict, built: tuple[dict, dict], changed: list[str], summary: Summary) -> None:
    for path in changed:
        if not (path.startswith("otel/") and path.endswith(".yaml")):
            continue
        a, b = _pipelines(built[0].get(path)), _pipelines(built[1].get(path))
        touched = sorted(p for p in set(a) | set(b) if a.get(p) != b.get(p))
        what = f"pipelines {', '.join(touched)}" if touched else "component settings"
        state = "added" if path not in old else "removed" if path not in new else "changed"
        summary.add("Collector", f"{_code(path)} {state}: {what}")


def summarize(base: dict[str, Artifact], head: dict[str, Artifact]) -> Summary:
    """base: the base tree's artifacts (a committed tree's as output/committed.py reads them, or
    those generated from a git ref); head: what the specs generate now."""
    old, new = encode.texts(base), encode.texts(head)
    summary = Summary()
    summary.files_changed = sorted(p for p in set(old) | set(new) if old.get(p) != new.get(p))
    if not summary.changed:
        return summary
    built = (base, head)
    before, after = difffacts.read(base), difffacts.read(head)
    _rules(before, after, summary)
    _notified(before, after, summary)
    _receivers(before, after, summary)
    _dashboards(old, new, built, summary.files_changed, summary)
    _collectors(old, new, built, summary.files_changed, summary)
    return summary
