"""Validate collector configs as the collector does at start-up (no collector binary is reachable
here): component and pipeline IDs, references, connectors, cycles, per-component config against
the published schemas, processor order, and component availability in the pinned distribution.

Every problem names the component and the pipeline(s) it sits in.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from obsgen import collector, yamlio
from obsgen.verify import otelcol_confmap, otelcol_keys, otelcol_ottl, otelcol_schema, published
from obsgen.verify.result import Result, skipped

TOOL, STEP = "obsgen", "otelcol-validate"  # what ran: obsgen itself, applying the collector's rules
KINDS = ("receivers", "processors", "exporters", "connectors", "extensions")
SIGNALS = ("traces", "metrics", "logs", "profiles")
# Connector type key -> (exporter-side signal, receiver-side signal) pairs it supports.
CONNECTOR_PAIRS = {
    "span_metrics": {("traces", "metrics")},
    "forward": {(s, s) for s in SIGNALS},
}
_TYPE = re.compile(r"^[a-zA-Z][0-9a-zA-Z_]{0,62}$")
_HEADER = re.compile(r"^# collector: (\S+) (\S+)$", re.M)


def _bad_name(name: str) -> bool:
    """The collector's name rule: no separators, control characters or symbols (\\pZ \\pC \\pS)."""
    return not name or any(unicodedata.category(c)[0] in "ZCS" for c in name)


def parse_id(ident) -> tuple[str, str, str]:
    """(type, name, problem) of a `type[/name]` ID."""
    if not isinstance(ident, str):
        return "", "", f"ID {ident!r} is not a string"
    type_, slash, name = ident.partition("/")
    if not _TYPE.match(type_):
        return type_, name, f"invalid ID {ident!r}: the type must match {_TYPE.pattern}"
    if slash and _bad_name(name):
        return type_, name, f"invalid ID {ident!r}: the name after '/' must be non-empty, without spaces or symbols"
    return type_, name, ""


class Validation:
    def __init__(self, config: dict, version: collector.Version, distribution: str):
        self.config, self.version, self.distribution = config, version, distribution
        self.problems: list[str] = []
        self.pipelines: dict = (config.get("service") or {}).get("pipelines") or {}
        self.keys: dict[tuple[str, str], str] = {}  # (kind, id) -> obsgen component key

    def error(self, message: str) -> None:
        self.problems.append(message)

    def where(self, kind: str, ident: str) -> str:
        """'in pipeline(s) a, b' or 'in no pipeline' for a component."""
        roles = {"receivers": ("receivers",), "processors": ("processors",), "exporters": ("exporters",),
                 "connectors": ("receivers", "exporters")}.get(kind, ())
        found = [p for p, body in self.pipelines.items() if isinstance(body, dict)
                 and any(ident in (body.get(r) or []) for r in roles)]
        return f"in pipeline {', '.join(found)}" if found else "in no pipeline"

    def run(self) -> list[str]:
        for key in self.config:
            if key not in (*KINDS, "service"):
                self.error(f"top-level key {key!r}: unknown section (known: {', '.join((*KINDS, 'service'))})")
        for kind in KINDS:
            for ident, body in (self.config.get(kind) or {}).items():
                self.component(kind, ident, body)
        self.wiring()
        return self.problems

    def component(self, kind: str, ident, body) -> None:
        type_, _, problem = parse_id(ident)
        where = self.where(kind, ident)
        label = f"{kind[:-1]} {ident!r} ({where})"
        if problem:
            self.error(f"{label}: {problem}")
            return
        if body is None:
            self.error(f"{label}: null body; write {{}} (the operator drops null components, operator #3543)")
            body = {}
        key, problem = collector.lookup(kind, type_, self.version)
        if problem:
            self.error(f"{label}: {problem} at collector {'.'.join(map(str, self.version))}")
        if key is None:
            return
        self.keys[(kind, ident)] = key
        if key not in collector.DISTRIBUTIONS[self.distribution]:
            self.error(f"{label}: {type_!r} is not in the {self.distribution} distribution")
        schema = otelcol_schema.component_schema(key)
        if schema is not None:
            for found in otelcol_schema.check(body, schema, ident):
                self.error(f"{label}: {found}")
        if key == "transform" and isinstance(body, dict):
            self.ottl(label, body)
        if key == "tail_sampling" and isinstance(body, dict):
            self.policies(label, body.get("policies") or [])
        if key == "filelog" and isinstance(body, dict):
            self.operators(label, ident, body.get("operators") or [])

    def operators(self, label: str, ident: str, operators: list) -> None:
        """Each stanza operator against its key list; ids unique (the receiver refuses duplicates)."""
        ids = [op.get("id", op.get("type")) for op in operators if isinstance(op, dict)]
        for dup in sorted({i for i in ids if ids.count(i) > 1}, key=str):
            self.error(f"{label}: operator id {dup!r} is used twice")
        for i, op in enumerate(operators):
            if not isinstance(op, dict) or not isinstance(op.get("type"), str):
                self.error(f"{label}: operators[{i}] needs a `type`")
                continue
            keys = otelcol_keys.OPERATORS.get(op["type"])
            if keys is not None:
                for found in otelcol_schema.check(op, otelcol_schema.from_keys(keys), f"{ident}.operators[{i}]"):
                    self.error(f"{label}: {found}")

    def ottl(self, label: str, body: dict) -> None:
        for section in otelcol_ottl.CONTEXTS:
            for i, statement in enumerate(body.get(section) or []):
                problem = otelcol_ottl.check(section, statement)
                if problem:
                    self.error(f"{label}: {section}[{i}] {statement!r}: {problem}")

    def policies(self, label: str, policies: list) -> None:
        names = [p.get("name") for p in policies if isinstance(p, dict)]
        for name in sorted({n for n in names if names.count(n) > 1}, key=str):
            self.error(f"{label}: policy name {name!r} is used twice")
        for policy in (p for p in policies if isinstance(p, dict)):
            for sub in [policy, *((policy.get("and") or {}).get("and_sub_policy") or [])]:
                if sub.get("type") not in otelcol_keys.POLICY_TYPES:
                    self.error(f"{label}: policy {sub.get('name')!r}: unknown type {sub.get('type')!r}")
                elif sub["type"] not in ("always_sample", "and") and sub["type"] not in sub:
                    self.error(f"{label}: policy {sub.get('name')!r}: type {sub['type']} needs a {sub['type']!r} block")

    # --- pipelines ------------------------------------------------------------------------

    def defined(self, kind: str) -> set:
        return set(self.config.get(kind) or {})

    def wiring(self) -> None:
        service = self.config.get("service") or {}
        if not self.pipelines:
            self.error("service.pipelines: no pipeline defined")
        for ident in service.get("extensions") or []:
            if ident not in self.defined("extensions"):
                self.error(f"extension {ident!r} (in service.extensions): not defined under extensions")
        connectors = self.defined("connectors")
        for name, body in self.pipelines.items():
            self.pipeline(name, body or {}, connectors)
        self.unused(service)
        self.connectors(connectors)
        self.cycles(connectors)
        telemetry = ((service.get("telemetry") or {}).get("metrics") or {})
        if "address" in telemetry:
            self.error("service.telemetry.metrics.address: removed; use readers with a pull prometheus exporter")

    def pipeline(self, name: str, body: dict, connectors: set) -> None:
        signal, _, problem = parse_id(name)
        if problem or signal not in SIGNALS:
            self.error(f"pipeline {name!r}: {problem or f'unknown signal {signal!r}'} (signals: {', '.join(SIGNALS)})")
        sources = {"receivers": self.defined("receivers") | connectors, "processors": self.defined("processors"),
                   "exporters": self.defined("exporters") | connectors}
        for role in ("receivers", "exporters"):
            if not body.get(role):
                self.error(f"pipeline {name!r}: has no {role[:-1]}; every pipeline needs at least one")
        for role, known in sources.items():
            listed = body.get(role) or []
            for ident in sorted({i for i in listed if listed.count(i) > 1}, key=str):
                self.error(f"{role[:-1]} {ident!r} in pipeline {name!r}: listed twice")
            for ident in listed:
                if ident not in known:
                    self.error(f"{role[:-1]} {ident!r} in pipeline {name!r}: not defined under "
                               + ("receivers or connectors" if role == "receivers" else
                                  "exporters or connectors" if role == "exporters" else "processors"))
        self.order(name, body.get("processors") or [])

    def order(self, name: str, processors: list) -> None:
        keys = [self.keys.get(("processors", p)) for p in processors]
        if "memory_limiter" not in keys:
            self.error(f"pipeline {name!r}: no memory_limiter; it must come first")
        elif keys[0] != "memory_limiter":
            self.error(f"processor {processors[keys.index('memory_limiter')]!r} in pipeline {name!r}: "
                       "memory_limiter must be the first processor")
        if "batch" not in keys:
            self.error(f"pipeline {name!r}: no batch processor; it must come last")
        elif keys[-1] != "batch":
            self.error(f"processor {processors[keys.index('batch')]!r} in pipeline {name!r}: "
                       "batch must be the last processor")
        if "k8s_attributes" in keys:
            at = keys.index("k8s_attributes")
            late = [processors[i] for i, k in enumerate(keys) if k in ("batch", "tail_sampling") and i < at]
            if late:
                self.error(f"processor {processors[at]!r} in pipeline {name!r}: k8s_attributes must come before "
                           f"{', '.join(late)} (batching and sampling lose the connection context)")

    def unused(self, service: dict) -> None:
        used = {role: {i for body in self.pipelines.values() if isinstance(body, dict) for i in body.get(role) or []}
                for role in ("receivers", "processors", "exporters")}
        for kind in ("receivers", "processors", "exporters"):
            for ident in sorted(self.defined(kind) - used[kind], key=str):
                self.error(f"{kind[:-1]} {ident!r} (in no pipeline): defined but not used in any pipeline")
        for ident in sorted(self.defined("extensions") - set(service.get("extensions") or []), key=str):
            self.error(f"extension {ident!r} (in no pipeline): defined but not listed in service.extensions")

    def _signal(self, pipeline: str) -> str:
        return str(pipeline).partition("/")[0]

    def connectors(self, connectors: set) -> None:
        for ident in sorted(connectors, key=str):
            as_exporter = [p for p, b in self.pipelines.items() if ident in ((b or {}).get("exporters") or [])]
            as_receiver = [p for p, b in self.pipelines.items() if ident in ((b or {}).get("receivers") or [])]
            label = f"connector {ident!r}"
            if not as_exporter or not as_receiver:
                missing = "an exporter" if not as_exporter else "a receiver"
                self.error(f"{label} ({self.where('connectors', ident)}): must be used as {missing} in some pipeline")
                continue
            pairs = CONNECTOR_PAIRS.get(self.keys.get(("connectors", ident)), set())
            for p in as_exporter:
                if not any((self._signal(p), self._signal(q)) in pairs for q in as_receiver):
                    self.error(f"{label} in pipeline {p!r}: exports {self._signal(p)} but no pipeline receives from it "
                               f"with a supported signal (supported: {_pairs(pairs)})")
            for q in as_receiver:
                if not any((self._signal(p), self._signal(q)) in pairs for p in as_exporter):
                    self.error(f"{label} in pipeline {q!r}: receives {self._signal(q)} but no pipeline exports to it "
                               f"with a supported signal (supported: {_pairs(pairs)})")

    def cycles(self, connectors: set) -> None:
        edges: dict[str, set[str]] = {p: set() for p in self.pipelines}
        for p, body in self.pipelines.items():
            for ident in set((body or {}).get("exporters") or []) & connectors:
                pairs = CONNECTOR_PAIRS.get(self.keys.get(("connectors", ident)), set())
                edges[p] |= {q for q, other in self.pipelines.items()
                             if ident in ((other or {}).get("receivers") or [])
                             and (self._signal(p), self._signal(q)) in pairs}
        state: dict[str, int] = {}

        def visit(node: str, path: list[str]) -> None:
            state[node] = 1
            for nxt in sorted(edges[node]):
                if state.get(nxt) == 1:
                    cycle = [*path[path.index(nxt):], nxt]
                    self.error(f"pipeline {nxt!r}: cycle through connectors: {' -> '.join(cycle)}")
                elif nxt not in state:
                    visit(nxt, [*path, nxt])
            state[node] = 2

        for start in sorted(edges):
            if start not in state:
                visit(start, [start])


def _pairs(pairs) -> str:
    return ", ".join(f"{a}->{b}" for a, b in sorted(pairs)) or "unknown connector"


def validate(config, version: str, distribution: str) -> list[str]:
    """Every problem with one collector config, for `distribution` at `version`."""
    if not isinstance(config, dict):
        return ["the config is not a mapping"]
    if distribution not in collector.DISTRIBUTIONS:
        return [f"unknown distribution {distribution!r} (known: {', '.join(collector.DISTRIBUTIONS)})"]
    try:
        parsed = collector.parse_version(version)
    except ValueError as exc:
        return [f"collector version: {exc}"]
    # the collector expands `${...}` and `$$` first; everything else judges the expanded config
    expansions = otelcol_confmap.problems(config)
    return expansions + Validation(otelcol_confmap.expand(config), parsed, distribution).run()


def _target(text: str) -> tuple[str, str] | None:
    """(version, distribution) from a config's `# collector: <binary> <version>` header."""
    match = _HEADER.search(text)
    if not match:
        return None
    binaries = {b: d for d, b in collector.BINARIES.items()}
    return match.group(2), binaries.get(match.group(1), match.group(1))


def _image_target(image: str) -> tuple[str, str] | None:
    repo, _, tag = image.rpartition(":")
    dists = {r: d for d, r in collector.IMAGES.items()}
    return (tag, dists[repo]) if repo in dists else None


def verify_file(out: Path, rel: str) -> Result:
    text = (out / rel).read_text()
    doc = yamlio.load(text)
    if isinstance(doc, dict) and doc.get("kind") == "OpenTelemetryCollector":
        spec = doc.get("spec") or {}
        target, config = _image_target(str(spec.get("image", ""))), spec.get("config")
        if target is None:
            return Result((TOOL, STEP, rel), False, f"spec.image {spec.get('image')!r} is not a known collector image")
    else:
        target, config = _target(text), doc
        if target is None:
            return Result((TOOL, STEP, rel), False, "no `# collector: <binary> <version>` header: unknown target")
    problems = validate(config, *target)
    return Result((TOOL, STEP, rel), not problems, "\n".join(problems))


def verify(out: Path) -> list[Result]:
    files = sorted(p.relative_to(out).as_posix() for p in (out / "otel").glob("*/*.yaml"))
    files += sorted(p.relative_to(out).as_posix() for p in (out / "k8s").glob("overlays/*/otel/obsgen-*.yaml")
                    if "kind: OpenTelemetryCollector" in p.read_text())
    results = [verify_file(out, rel) for rel in files]
    if files and otelcol_schema.schema_dir() is None:  # the start-up rules ran; the schemas could not
        results.append(skipped((TOOL, "otelcol-schemas", "otel/"), "per-component schema checks need "
                               f"{published.root() / 'otelcol'}, not found"))
    return results
