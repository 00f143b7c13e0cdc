"""Typed artifacts: what renderers return, one per output file, each with its path.

Renderers build objects, not text; the text of every file is made in one place,
obsgen/output/encode.py (with the YAML writer, so bytes are those the renderers wrote before).
Steps that read other renderers' output (the kustomize step, `obsgen k8s`, the server-side apply
marks) read these objects: a Kubernetes object's kind, name and fields, never its YAML.

- TextFile: a file whose format is text itself (Markdown, Mermaid); Template, Alertmanager's
  notification templates (Go templates).
- YamlDocument: a YAML document from data. Its kinds: CollectorConfig (otel/), AlertmanagerConfig,
  RouteTests, GrafanaProvisioning (dashboards/provisioning/).
- PromtoolTests: a promtool test file (alerts/tests/: the promtool and SLI health tests), built
  from the plan when its data is read.
- Dashboard: a Grafana dashboard as Grafana's SDK built it (its JSON object, `board`).
- RuleFile: Prometheus rule groups (alerts/rules/, the rulers' layouts), RuleGroups shared by every
  artifact that holds the same groups (a service's rules file, its PrometheusRule, its AMP file).
  A service's rules file also carries SLOFacts: what its rules encode about each SLO (objective,
  period, burn alerts...), as the renderer had them from the plan, for readers of the tree (the
  diff). They are not written: obsgen/output/committed.py recovers the same facts from a committed
  file's PromQL, and tests/output/test_rule_facts.py holds the two equal.
- K8sObject: one Kubernetes object (apiVersion, kind, metadata, then the rest in order).

An object replayed by the rerun cache (obsgen/cache.py) holds its bytes as read back from the tree
and the facts the cache kept beside them (`facts()`), never a parse of those bytes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(eq=False)
class Artifact:
    path: str


@dataclass(eq=False)
class TextFile(Artifact):
    text: str


@dataclass(eq=False)
class YamlDocument(Artifact):
    data: dict
    header: str | None = None  # None: the YAML writer's own header


@dataclass(eq=False)
class CollectorConfig(YamlDocument):
    """An OpenTelemetry Collector config (otel/<env>/<role>.yaml)."""


@dataclass(eq=False)
class PromtoolTests(Artifact):
    """A promtool test file (alerts/tests/): rule_files, evaluation_interval, tests; the header
    holds the notes on SLOs left untested.

    Like a Dashboard, it holds how to build its data, not the data: a run encodes each file once,
    and keeping every file's tests (many small dicts and strings) until the run ends beside their
    text added a tenth to its peak memory. A reader builds them again, from the same plan."""

    build: Callable[[], tuple[dict, str]]  # -> (data, header)

    @property
    def data(self) -> dict:
        return self.build()[0]

    @property
    def header(self) -> str:
        return self.build()[1]


@dataclass(eq=False)
class AlertmanagerConfig(YamlDocument):
    """Alertmanager's config (alerts/alertmanager/alertmanager.yaml): global, route, receivers..."""


@dataclass(eq=False)
class RouteTests(YamlDocument):
    """The route tests (alerts/alertmanager/routes.test.yaml): `alerts`, a case per generated alert
    (rule, kind, environment, labels, receivers...), and `synthetic`, the rest of the tree."""


@dataclass(eq=False)
class GrafanaProvisioning(YamlDocument):
    """A Grafana provisioning file (dashboards/provisioning/): the dashboard provider, or the
    datasources (whose ConfigMap holds its text)."""


@dataclass(eq=False)
class Template(TextFile):
    """Alertmanager's notification templates (Go templates: text is their format)."""


@dataclass(eq=False)
class Dashboard(Artifact):
    """A Grafana dashboard: `board` is the dashboard as Grafana's SDK builds it (its model object,
    whose to_json() is the dashboard's JSON object); the file is that JSON (obsgen/output/encode.py).

    It holds how to build the board, not the board: a run encodes each dashboard once, while it
    renders (its ConfigMap holds the text), and keeping every board's SDK objects until the run
    ends would add a seventh to its peak memory. A reader (the preview, the diff) builds it again,
    from the same plan, the same board."""

    build: Callable[[], object]

    @property
    def board(self):
        return self.build()

    def json(self) -> dict:
        """The dashboard's JSON object: keys and values as the file holds them."""
        return _plain(self.board)


def _plain(value):
    """An SDK object (to_json) or a container of them, as plain JSON values."""
    if hasattr(value, "to_json"):
        value = value.to_json()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(eq=False)
class RuleGroups:
    """Rule groups as Prometheus reads them. `complete` is False for groups replayed by the rerun
    cache: they then hold only their alerting rules (what the route tests read; the cache keeps
    them beside the file's digest), and readers that need every rule build them from the plan."""

    groups: list[dict]
    complete: bool = True


@dataclass(frozen=True)
class BurnAlert:
    """One window pair of a burn-rate alert, as its rule compares it: both windows' error ratios
    above factor x budget, held `for_seconds`. A Sloth-style rule ORs several pairs: one each."""

    name: str
    severity: str  # page | ticket
    long: int  # seconds
    short: int
    factor: float  # a calendar SLO's: during its longest period (its rules read the period's length)
    for_seconds: float


@dataclass(frozen=True)
class SLOFacts:
    """What one SLO's rules encode, as data (None: the rules do not say)."""

    service: str
    slo: str
    objective: float | None = None  # percent
    period_days: int | None = None
    team: str | None = None
    raw: tuple[int, ...] = ()  # windows besides the 5m base read at their edge (raw series or 5m tiles)
    hours: int | None = None  # a calendar SLO's longest period, in hours
    alerts: tuple[BurnAlert, ...] = ()

    def data(self) -> dict:
        """As JSON (what the rerun cache keeps)."""
        return {**dataclasses.asdict(self), "raw": list(self.raw),
                "alerts": [dataclasses.astuple(a) for a in self.alerts]}

    @classmethod
    def from_data(cls, data: dict) -> SLOFacts:
        return cls(**{**data, "raw": tuple(data["raw"]), "alerts": tuple(BurnAlert(*a) for a in data["alerts"])})


_ROUTED = ("alert", "expr", "labels")  # what the route tests read of an alerting rule


@dataclass(eq=False)
class RuleFile(Artifact):
    rules: RuleGroups
    head: dict = field(default_factory=dict)  # keys before `groups:` (a Mimir namespace file's)
    text: str | None = None  # the bytes, when replayed by the rerun cache or read from a committed tree
    slos: tuple[SLOFacts, ...] = ()  # a service's rules file's: what its rules say of each SLO

    def facts(self) -> dict:
        """Its alerting rules by group, what the route tests read: name, expression and labels; and
        its SLOs' facts, what the diff reads."""
        alerting = [[g["name"], [{k: r[k] for k in _ROUTED if k in r} for r in g.get("rules", []) if "alert" in r]]
                    for g in self.rules.groups]
        return {"rule_groups": [[name, rules] for name, rules in alerting if rules],
                "slos": [slo.data() for slo in self.slos]}

    @classmethod
    def replayed(cls, path: str, text: str, facts: dict) -> RuleFile:
        groups = [{"name": str(name), "rules": list(rules)} for name, rules in facts["rule_groups"]]
        slos = tuple(SLOFacts.from_data(slo) for slo in facts["slos"])
        return cls(path, RuleGroups(groups, complete=False), text=text, slos=slos)


@dataclass(eq=False)
class K8sObject(Artifact):
    body: dict  # the whole object, keys in the order written
    # Top-level keys whose YAML (`key:` and its value, as the writer prints `{key: value}`) the
    # renderer already holds: a PrometheusRule's spec is its rules file's groups, dumped once.
    encoded: dict[str, str] = field(default_factory=dict)
    # The bytes, for an object replayed by the rerun cache: body then holds only apiVersion, kind
    # and metadata.name (the facts the cache kept).
    text: str | None = None
    # A PrometheusRule's spec: these groups, encoded once with the rules file that holds them too.
    spec_rules: RuleGroups | None = None

    @property
    def api_version(self) -> str:
        return self.body["apiVersion"]

    @property
    def kind(self) -> str:
        return self.body["kind"]

    @property
    def name(self) -> str:
        return self.body["metadata"]["name"]

    def facts(self) -> dict:
        """What the rerun cache keeps beside the bytes: what the kustomize step reads."""
        return {"apiVersion": self.api_version, "kind": self.kind, "name": self.name}

    @classmethod
    def replayed(cls, path: str, text: str, facts: dict) -> K8sObject:
        body = {"apiVersion": facts["apiVersion"], "kind": facts["kind"], "metadata": {"name": facts["name"]}}
        return cls(path, body, text=text)


def kept_text(artifact: Artifact, make) -> str:
    """The artifact's text, made by `make(artifact)` once and kept on it. The encoder
    (obsgen/output/encode.py) asks for every file's text this way; a renderer that embeds a file's
    text in another object (a dashboard in its ConfigMap, the Alertmanager config in its Secret) or
    measures it asks the same, so the text is made once."""
    made = getattr(artifact, "_text", None)
    if made is None:
        made = make(artifact)
        object.__setattr__(artifact, "_text", made)
    return made


def facts(artifact: Artifact) -> dict | None:
    """The facts the rerun cache keeps for an artifact (None: its bytes alone say enough)."""
    return artifact.facts() if isinstance(artifact, K8sObject | RuleFile) else None


def replayed(path: str, text: str, kept: dict | None) -> Artifact:
    """An artifact the rerun cache read back from the tree, with the facts it kept."""
    if kept is None:
        return TextFile(path, text)
    if "rule_groups" in kept:
        return RuleFile.replayed(path, text, kept)
    return K8sObject.replayed(path, text, kept)


def typed(path: str, value: Artifact | str) -> Artifact:
    """A renderer's value for a path: an artifact, or text (a TextFile)."""
    if isinstance(value, Artifact):
        if value.path != path:
            raise RuntimeError(f"artifact {value.path} returned as {path}")
        return value
    return TextFile(path, value)
