"""What a generated tree says about each SLO and alert, read from its files alone: objective, period,
error budget, each alert's windows, burn factor and time to detect a full outage, and who each kind
of alert notifies in each environment.

Only generated files are read, so any committed tree (of any commit) can be compared. Times come
from obsgen/burnrate.py's detection(), fed with what the rules really do: their factors, windows,
`for`, and which windows they read at their edge (from the raw series or 5m tiles).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from obsgen import burnrate, durations, names, yamlio
from obsgen.artifacts import AlertmanagerConfig, Artifact, RouteTests
from obsgen.output import committed
from obsgen.preview import routetree

# `ratio_rate1h{...} / 0.005) > 14.4` (obsgen style) or `ratio_rate5m{...} > (14.4 * 0.005)` (Sloth style)
# (a timeslice SLO's: `slo:slices_error:ratio_1h{...}`, its share of bad slices)
_WINDOW = r"(?:ratio_rate|slices_error:ratio_)(\w+)"
_CONDITION = re.compile(_WINDOW + r"\{[^}]*\}(?:\s*/\s*[0-9.eE+-]+\))?\s*>\s*\(?\s*([0-9.eE+-]+)")
# a calendar SLO's: `ratio_rate1h{...} / 0.005) > on () group_left () (max(slo:calendar_period:hours{...}) * 2 / 100`
_CALENDAR = re.compile(_WINDOW + r"\{[^}]*\}(?:\s*/\s*[0-9.eE+-]+\))?\s*>\s*on \(\) group_left \(\) \(max\("
                       + re.escape(names.CALENDAR_HOURS) + r"\{[^}]*\}\) \* ([0-9.eE+-]+) / ([0-9.eE+-]+)")
_LENGTH_STEP = re.compile(r"([+-]) (\d+) \* \(")  # calendar.hours_expr's terms
_RATIO = names.SLI_ERROR_RATIO.format(window="")
_RULES_PREFIX, _RULES_SUFFIX = names.rules_file("\0").split("\0")
_DERIVED = names.SLI_ERROR_RATE  # a window summed from the recorded 5m rates (or their period sums) reads them
_TILED = " offset "  # ... but one read at its edge from 5m tiles reads them at offsets (burnrate.tiles)


@dataclass(frozen=True)
class Alert:
    name: str
    severity: str  # page | ticket
    long: str
    short: str
    factor: float
    for_seconds: float
    detection: float | None  # seconds to fire at a full outage (error ratio 1), `for` included


@dataclass
class SLO:
    service: str
    name: str
    objective: float | None = None
    period_days: int | None = None
    team: str | None = None
    raw: set[int] = field(default_factory=set)  # windows read from the raw series
    hours: int | None = None  # a calendar SLO's longest period (its factors are the period's own)
    alerts: dict[tuple[str, str], Alert] = field(default_factory=dict)  # (severity, long window) -> alert

    @property
    def key(self) -> str:
        return f"{self.service}/{self.name}"

    @property
    def budget(self) -> float | None:
        return None if self.objective is None else burnrate.budget(self.objective)

    @property
    def budget_minutes(self) -> float | None:
        if self.budget is None or self.period_days is None:
            return None
        return burnrate.budget_seconds(self.budget, self.period_days * burnrate.DAY) / 60


@dataclass
class Tree:
    slos: dict[tuple[str, str], SLO]
    # (service, slo, severity, environment) -> receivers; None when the tree has no route tests
    notified: dict[tuple[str, str, str, str], list[str]] | None
    kinds: dict[str, tuple[str, ...]]
    receivers: dict[str, dict]
    alertmanager: dict


def load(text: str | None):
    if text is None:
        return None
    try:
        return yamlio.load(text)
    except yamlio.YAMLError:
        return None


def _number(text) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _days(expr) -> int | None:
    found = re.search(r"vector\((\d+)\)", str(expr or ""))
    return int(found.group(1)) if found else None


def _longest(expr) -> int | None:
    """The longest period of calendar.hours_expr's table."""
    first = re.search(r"vector\(\((\d+)", str(expr or ""))
    if not first:
        return None
    value = longest = int(first.group(1))
    for sign, step in _LENGTH_STEP.findall(str(expr)):
        value += int(step) if sign == "+" else -int(step)
        longest = max(longest, value)
    return longest


def _pairs(expr: str, hours: int | None = None) -> list[tuple[str, str, float]]:
    """(long, short, factor) of each window pair the expression ANDs, in either order; a calendar
    SLO's factor is its longest period's (the later detection, as the preview shows it)."""
    found = [(w, float(f)) for w, f in _CONDITION.findall(expr)]
    if hours is not None and not found:
        found = [(w, round(float(a) / float(b) * hours, 10)) for w, a, b in _CALENDAR.findall(expr)]
    pairs = []
    for (a, fa), (b, _) in zip(found[::2], found[1::2], strict=False):
        long, short = sorted((a, b), key=durations.seconds, reverse=True)
        pairs.append((long, short, fa))
    return pairs


def _rule(rule: dict, slos: dict, pending: list) -> None:
    labels = rule.get("labels") or {}
    record = rule.get("record")
    if record in (names.SLO_INFO, names.TIME_PERIOD_DAYS, names.CALENDAR_HOURS) or str(record or "").startswith(_RATIO):
        key = (labels.get(names.SLOTH_SERVICE), labels.get(names.SLOTH_SLO))
        slo = slos.setdefault(key, SLO(*key))
        if record == names.SLO_INFO:
            slo.objective, slo.team = _number(labels.get("sloth_objective")), labels.get(names.TEAM)
        elif record == names.TIME_PERIOD_DAYS:
            slo.period_days = _days(rule.get("expr"))
        elif record == names.CALENDAR_HOURS:
            slo.hours = _longest(rule.get("expr"))
        elif _DERIVED not in str(rule.get("expr")) or _TILED in str(rule.get("expr")):
            window = record.removeprefix(_RATIO)
            slo.raw.add(int(durations.seconds(window)))
    elif "alert" in rule and labels.get(names.SLOTH_SEVERITY) in ("page", "ticket"):
        pending.append(rule)


def _alerts(rule: dict, slo: SLO) -> None:
    labels = rule["labels"]
    for_seconds = durations.seconds(str(rule["for"])) if rule.get("for") not in (None, "0s", "0") else 0.0
    for long, short, factor in _pairs(str(rule.get("expr", "")), slo.hours):
        window = burnrate.AlertWindow(labels[names.SLOTH_SEVERITY], "", int(durations.seconds(long)),
                                      int(durations.seconds(short)), 0.0, factor)
        found = None
        if slo.budget:
            raw = tuple(sorted(slo.raw - {burnrate.BASE_WINDOW}))
            found = burnrate.detection(window, slo.budget, 1.0, raw, for_seconds=for_seconds)
        slo.alerts[(window.severity, long)] = Alert(rule["alert"], window.severity, long, short, factor,
                                                   for_seconds, found.ideal if found else None)


def _notified(built: dict[str, Artifact], config: dict) -> dict | None:
    found_tests = built.get(names.ALERTMANAGER_ROUTE_TESTS)
    tests = found_tests.data if isinstance(found_tests, RouteTests) else {}
    if "alerts" not in tests or not config:
        return None
    found = {}
    for case in tests["alerts"] or []:
        labels = case.get("labels") or {}
        if case.get("kind") in ("page", "ticket"):
            key = (labels.get(names.SERVICE), labels.get(names.SLO), case["kind"], str(case.get("environment")))
            found[key] = routetree.receivers(config, labels)
    return found


def read(files: dict[str, str], built: dict[str, Artifact] | None = None) -> Tree:
    """The facts of one generated tree: its rules from `files` (path -> text), its Alertmanager config
    and route tests from `built`, the artifacts of a tree built in this process (or, for a committed
    tree, the ones obsgen/output/committed.py reads back; None: read from `files` there)."""
    if built is None:
        built = committed.documents(files)
    slos: dict = {}
    pending: list = []
    for path in sorted(files):
        if path.startswith(_RULES_PREFIX) and path.endswith(_RULES_SUFFIX):
            for group in (load(files[path]) or {}).get("groups") or []:
                for rule in group.get("rules") or []:
                    _rule(rule, slos, pending)
    for rule in pending:
        labels = rule["labels"]
        slo = slos.setdefault((labels.get(names.SERVICE), labels.get(names.SLO)),
                              SLO(labels.get(names.SERVICE), labels.get(names.SLO)))
        _alerts(rule, slo)
    found_config = built.get(names.ALERTMANAGER_CONFIG)
    config = found_config.data if isinstance(found_config, AlertmanagerConfig) else {}
    receivers = {str(r.get("name")): r for r in config.get("receivers") or []}
    return Tree(slos, _notified(built, config), routetree.kinds(config), receivers, config)
