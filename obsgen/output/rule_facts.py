"""The facts of a committed rules file (artifacts.SLOFacts), recovered from its rules: what the
renderer attached to the file it wrote (render/prometheus_rules.slo_facts), read back by
obsgen/output/committed.py from a tree obsgen did not build in this process.

Numbers come out of the PromQL syntax tree (obsgen/promql_ast.py, promql-parser), never out of
its text: the period is `vector(N)`'s N, a calendar SLO's longest period the largest value of its
length table, each alert's pairs the two sides of an `and` that each compare one window's error
ratio with a threshold. tests/output/test_rule_facts.py holds what this recovers equal to what
the renderer attached, on the bundled examples, calendar and timeslice SLOs and Sloth imports.

What cannot be read (a query that does not parse, a shape no obsgen version writes) is left out,
never an error: any commit's tree can be compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from obsgen import burnrate, durations, names, promql
from obsgen import promql_ast as pq
from obsgen.artifacts import BurnAlert, SLOFacts

_RATIOS = (names.SLI_ERROR_RATIO.format(window=""), names.SLICES_ERROR_RATIO.format(window=""))
_CONSTANTS = (names.SLO_INFO, names.TIME_PERIOD_DAYS, names.CALENDAR_HOURS)
_SEVERITIES = ("page", "ticket")


@dataclass
class _SLO:
    """One SLO's facts as its rules are read (a rules file may list them in any order)."""

    key: tuple
    objective: float | None = None
    period_days: int | None = None
    team: str | None = None
    raw: set[int] = field(default_factory=set)
    hours: int | None = None
    alerts: list[BurnAlert] = field(default_factory=list)

    def facts(self) -> SLOFacts:
        return SLOFacts(*self.key, self.objective, self.period_days, self.team, tuple(sorted(self.raw)),
                        self.hours, tuple(self.alerts))


def _tree(expr):
    """The mirrored syntax tree of a rule's expression, None when it does not parse."""
    try:
        return pq.mirror(promql.parse(str(expr)))
    except (ValueError, TypeError):
        return None


def _unparen(node):
    while isinstance(node, pq.Paren):
        node = node.expr
    return node


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _seconds(window: str) -> int | None:
    try:
        return int(durations.seconds(window))
    except ValueError:
        return None


def _vector(tree):
    """The argument of `vector(...)`, None when the expression is something else."""
    if isinstance(tree, pq.Call) and tree.name == "vector" and len(tree.args) == 1:
        return _unparen(tree.args[0])
    return None


def _days(tree) -> int | None:
    found = _vector(tree)
    return int(found.val) if isinstance(found, pq.Num) and found.val == int(found.val) else None


def _longest(tree) -> int | None:
    """The longest period of calendar.hours_expr's table: `first ± step * (clock >= bool at) ...`,
    a left-nested chain (walked in a loop: a table holds hundreds of steps)."""
    node, steps = _vector(tree), []
    while isinstance(node, pq.Bin) and node.op in ("+", "-"):
        step = _unparen(node.rhs)
        if not (isinstance(step, pq.Bin) and step.op == "*" and isinstance(step.lhs, pq.Num)):
            return None
        steps.append(step.lhs.val if node.op == "+" else -step.lhs.val)
        node = _unparen(node.lhs)
    if not isinstance(node, pq.Num):
        return None
    value = longest = node.val
    for step in reversed(steps):
        value += step
        longest = max(longest, value)
    return int(longest)


# the recorded 5m error rate, its period sums and their ratio (the tiled windows read runs of tiles at
# offsets, the raw ones no recorded series)
_DERIVED = (names.SLI_ERROR_RATE, names.period_sum("error"), names.ROLLED_UP_RATIO)


def _read_at_edge(tree) -> bool:
    """A window's ratio read at its edge: from the raw series (no recorded 5m error rate) or from
    5m tiles (the recorded rates at offsets); a derived one sums the recorded rates (the period's,
    their period sums)."""
    found = pq.selectors_of(tree)
    return not any(s.name in _DERIVED for s in found) or any(s.offset is not None for s in found)


def _record(rule: dict, labels: dict, slos: dict) -> None:
    key = (labels.get(names.SLOTH_SERVICE), labels.get(names.SLOTH_SLO))
    slo = slos.setdefault(key, _SLO(key))
    record = rule["record"]
    if record == names.SLO_INFO:
        slo.objective, slo.team = _number(labels.get(names.SLOTH_OBJECTIVE)), labels.get(names.TEAM)
    elif record == names.TIME_PERIOD_DAYS:
        slo.period_days = _days(_tree(rule.get("expr")))
    elif record == names.CALENDAR_HOURS:
        slo.hours = _longest(_tree(rule.get("expr")))
    elif record.startswith(_RATIOS[0]):
        window, tree = _seconds(record.removeprefix(_RATIOS[0])), _tree(rule.get("expr"))
        if window is not None and tree is not None and _read_at_edge(tree):
            slo.raw.add(window)


# --- alerts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Condition:
    """One side of a pair: a window's ratio `>` a threshold, its factor or a calendar's terms."""

    window: int
    factor: float | None = None
    terms: tuple[float, float] | None = None  # (a, b): the factor is the period's hours x a / b


def _ratio_window(node) -> int | None:
    for sel in pq.selectors_of(node):
        for prefix in _RATIOS:
            if sel.name and sel.name.startswith(prefix):
                return _seconds(sel.name.removeprefix(prefix))
    return None


def _calendar_terms(node) -> tuple[float, float] | None:
    """`max(hours{...}) * a / b`, times the budget in Sloth's style: (a, b)."""
    node = _unparen(node)
    if isinstance(node, pq.Bin) and node.op == "*" and isinstance(node.rhs, pq.Num):
        node = node.lhs  # Sloth's style: the budget last
    if not (isinstance(node, pq.Bin) and node.op == "/" and isinstance(node.rhs, pq.Num)):
        return None
    share = node.lhs
    if not (isinstance(share, pq.Bin) and share.op == "*" and isinstance(share.rhs, pq.Num)):
        return None
    if not any(s.name == names.CALENDAR_HOURS for s in pq.selectors_of(share.lhs)):
        return None
    return share.rhs.val, node.rhs.val


def _condition(node) -> _Condition | None:
    """`ratio / budget > factor` (obsgen), `ratio > (factor * budget)` (Sloth), or either compared
    `on () group_left ()` with a calendar period's terms."""
    if not (isinstance(node, pq.Bin) and node.op == ">" and not node.bool_):
        return None
    window = _ratio_window(node.lhs)
    if window is None:
        return None
    threshold = _unparen(node.rhs)
    if node.group == "group_left":
        terms = _calendar_terms(threshold)
        return _Condition(window, terms=terms) if terms else None
    if isinstance(threshold, pq.Bin) and threshold.op == "*":  # Sloth's (factor * budget)
        threshold = threshold.lhs
    return _Condition(window, factor=threshold.val) if isinstance(threshold, pq.Num) else None


def _conditions(node) -> list[_Condition]:
    found, stack = [], [node]
    while stack:
        node = stack.pop()
        condition = _condition(node)
        if condition is not None:
            found.append(condition)
        elif isinstance(node, pq.Bin):
            stack += [node.rhs, node.lhs]
        elif isinstance(node, pq.Paren | pq.Agg | pq.Call | pq.Neg):
            stack += reversed(node.args) if isinstance(node, pq.Call) else [node.expr]
    return found


def _pairs(node) -> list[tuple[_Condition, _Condition]]:
    """(long, short) of each `and` whose two sides each compare one window, in the order written."""
    found, stack = [], [node]
    while stack:
        node = stack.pop()
        if isinstance(node, pq.Bin):
            sides = (_conditions(node.lhs), _conditions(node.rhs)) if node.op == "and" else ((), ())
            if len(sides[0]) == len(sides[1]) == 1:
                long, short = sorted((sides[0][0], sides[1][0]), key=lambda c: c.window, reverse=True)
                found.append((long, short))
            else:
                stack += [node.rhs, node.lhs]
        elif isinstance(node, pq.Paren | pq.Agg):
            stack.append(node.expr)
    return found


def _factor(long: _Condition, severity: str, short: int, hours: int | None) -> float | None:
    if long.terms is None:
        return long.factor
    if hours is None:
        return None
    share, per = long.terms
    if per == 100 * long.window / burnrate.HOUR:  # as the renderer writes it: burnrate's own rounding
        return burnrate.calendar_factor(burnrate.AlertWindow(severity, "", long.window, short, share, 0.0), hours)
    return round(share / per * hours, 10)


def _for(rule: dict) -> float:
    try:
        return float(durations.seconds(str(rule["for"]))) if rule.get("for") is not None else 0.0
    except ValueError:
        return 0.0


def _alert(rule: dict, labels: dict, slos: dict) -> None:
    key = (labels.get(names.SERVICE), labels.get(names.SLO))
    slo = slos.setdefault(key, _SLO(key))
    tree = _tree(rule.get("expr"))
    severity = labels[names.SLOTH_SEVERITY]
    for long, short in _pairs(tree) if tree is not None else ():
        factor = _factor(long, severity, short.window, slo.hours)
        if factor is not None:
            slo.alerts.append(BurnAlert(str(rule["alert"]), severity, long.window, short.window, factor, _for(rule)))


def recover(groups) -> tuple[SLOFacts, ...]:
    """The facts of each SLO whose rules these groups hold (as Prometheus reads them: parsed YAML)."""
    slos: dict[tuple, _SLO] = {}
    alerting = []
    for group in groups if isinstance(groups, list) else ():
        for rule in (group.get("rules") if isinstance(group, dict) else None) or ():
            if not isinstance(rule, dict):
                continue
            labels = rule.get("labels") if isinstance(rule.get("labels"), dict) else {}
            record = rule.get("record")
            if isinstance(record, str) and (record in _CONSTANTS or record.startswith(_RATIOS[0])):
                _record(rule, labels, slos)
            elif "alert" in rule and labels.get(names.SLOTH_SEVERITY) in _SEVERITIES:
                alerting.append((rule, labels))
    for rule, labels in alerting:  # after every record: a calendar SLO's factors need its hours
        _alert(rule, labels, slos)
    return tuple(slo.facts() for slo in slos.values())
