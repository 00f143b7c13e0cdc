"""What a generated tree says about each SLO and alert: objective, period, error budget, each
alert's windows, burn factor and time to detect a full outage, and who each kind of alert notifies
in each environment.

A tree is read from its artifacts (obsgen/artifacts.py): the head tree's are the renderers' own, a
base tree's those this obsgen builds from the specs at a git ref, or, for a committed directory (any
commit's), the artifacts obsgen/output/committed.py reads back from its files. Each service's rules
file carries its SLOs' facts (artifacts.SLOFacts) as data; no PromQL is read here. Times come from
obsgen/burnrate.py's detection(), fed with what the rules really do: their factors, windows, `for`,
and which windows they read at their edge (from the raw series or 5m tiles).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from obsgen import burnrate, durations, names
from obsgen.artifacts import AlertmanagerConfig, Artifact, RouteTests, RuleFile, SLOFacts
from obsgen.preview import routetree


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


def _slo(facts: SLOFacts, slos: dict) -> None:
    slo = slos.setdefault((facts.service, facts.slo), SLO(facts.service, facts.slo))
    for name in ("objective", "period_days", "team", "hours"):  # None: that file does not say
        if getattr(facts, name) is not None:
            setattr(slo, name, getattr(facts, name))
    slo.raw.update(facts.raw)


def _alerts(facts: SLOFacts, slo: SLO) -> None:
    raw = tuple(sorted(slo.raw - {burnrate.BASE_WINDOW}))
    for alert in facts.alerts:
        window = burnrate.AlertWindow(alert.severity, "", alert.long, alert.short, 0.0, alert.factor)
        found = None
        if slo.budget:
            found = burnrate.detection(window, slo.budget, 1.0, raw, for_seconds=alert.for_seconds)
        long = durations.format_seconds(alert.long)
        slo.alerts[(alert.severity, long)] = Alert(alert.name, alert.severity, long,
                                                   durations.format_seconds(alert.short), alert.factor,
                                                   alert.for_seconds, found.ideal if found else None)


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


def read(artifacts: dict[str, Artifact]) -> Tree:
    """The facts of one generated tree (path -> artifact: built in this process, or a committed tree
    as obsgen/output/committed.py reads it back)."""
    every = [facts for path, found in sorted(artifacts.items()) if isinstance(found, RuleFile)
             and names.is_rules_file(path) for facts in found.slos]
    slos: dict = {}
    for facts in every:
        _slo(facts, slos)
    for facts in every:  # once every SLO's budget and windows are known
        _alerts(facts, slos[(facts.service, facts.slo)])
    found_config = artifacts.get(names.ALERTMANAGER_CONFIG)
    config = found_config.data if isinstance(found_config, AlertmanagerConfig) else {}
    receivers = {str(r.get("name")): r for r in config.get("receivers") or []}
    return Tree(slos, _notified(artifacts, config), routetree.kinds(config), receivers, config)
