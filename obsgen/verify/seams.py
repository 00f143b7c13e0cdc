"""Judge the generated files against each other, where each passes its own verifier alone: the seams.

Read from the files only (never the plan), each check a Result:
- metrics: every metric a dashboard or rule queries is recorded by a generated rule, produced by a
  generated collector pipeline (span metrics, named from the connector's config as the Prometheus
  exporters translate it), a raw metric a spec names (what the SLI rules, copied from the specs,
  read), a series of the platform's Kubernetes scrape (names.PLATFORM_SERIES) or Prometheus' ALERTS;
  a selector on the span metrics' dimensions must read a metric a pipeline produces;
- log-labels: every label a LogQL query filters on is one Loki stores for an attribute the SDK or a
  collector on the logs path sets (signal_path.loki_name);
- dashboard-urls: every alert's dashboard_url (rule files and PrometheusRule objects) names the uid
  of a dashboard a grafana_dashboard ConfigMap deploys;
- secrets: every file the Alertmanager config reads from the operator's secrets directory is mounted
  (the Alertmanager resource's spec.secrets) and fetched (an ExternalSecret, when the tree has any);
  every `$__file{}` of the datasource provisioning is a Secret the grafana chart values mount and,
  likewise, an ExternalSecret fetches;
- components: each OpenTelemetryCollector runs the distribution its otel/ file was written for, and
  that distribution ships every component of its config;
- endpoints: every endpoint an Instrumentation tells apps to use is a collector Service's fully
  qualified name (`<name>-collector.<namespace>.svc...`), resolvable from any namespace, on a port
  its OTLP receiver listens on.
Object sizes against the API server's limits are verify/k8s_sizes.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from obsgen import collector, names, promql_labels, signal_path, yamlio
from obsgen.promql_ast import Sel
from obsgen.render.alertmanager import secrets as alertmanager_secrets
from obsgen.render.grafana import secrets as grafana_secrets
from obsgen.verify import grafana
from obsgen.verify.result import Result

TOOL = "obsgen-seams"
_SPAN_DIMENSIONS = {signal_path.SPAN_NAME, signal_path.SPAN_KIND, signal_path.SPAN_STATUS}
_SPAN_METRICS_TYPES = set(collector.COMPONENTS["span_metrics"][1:3])  # its legacy and current type
_HEADER = re.compile(r"^# collector: (\S+) (\S+)$", re.MULTILINE)


@dataclass
class Files:
    grafana: grafana.Tree
    rules: list[tuple[str, dict]]  # (file, rule) of alerts/rules/
    collectors: dict[str, dict]  # otel/<env>/<role>.yaml -> config
    collector_text: dict[str, str]
    objects: list[tuple[str, str, dict]] = field(default_factory=list)  # (file, namespace, object) under k8s/
    grafana_mounts: dict = field(default_factory=dict)  # the grafana chart values obsgen writes (secret mounts)


def load(out: Path) -> Files:
    rules = []
    for path in sorted((out / "alerts" / "rules").glob("*.yaml")):
        for group in (_yaml(path.read_text()) or {}).get("groups", []) or []:
            rules += [(path.relative_to(out).as_posix(), r) for r in group.get("rules", []) or []]
    texts = {p.relative_to(out).as_posix(): p.read_text() for p in sorted((out / "otel").glob("*/*.yaml"))}
    files = Files(grafana.load(out), rules, {p: _yaml(t) or {} for p, t in texts.items()}, texts)
    files.objects = list(k8s_objects(out))
    mounts = out / grafana_secrets.MOUNTS_FILE
    files.grafana_mounts = (_yaml(mounts.read_text()) or {}) if mounts.is_file() else {}
    return files


def _yaml(text: str):
    return yamlio.load(text)


def k8s_objects(out: Path) -> Iterator[tuple[str, str, dict]]:
    """(file, namespace, object) for every object under k8s/: the namespace its own metadata or its
    directory's kustomization sets (a kustomization's `namespace:` overrides every object's)."""
    for path in sorted((out / "k8s").rglob("*.yaml")):
        if path.name == names.KUSTOMIZATION:
            continue
        namespace = _kustomize_namespace(path.parent, out / "k8s")
        for obj in yamlio.load_all(path.read_text()):
            if isinstance(obj, dict):
                own = (obj.get("metadata") or {}).get("namespace", "default")
                yield path.relative_to(out).as_posix(), namespace or own, obj


def objects_of(data: bytes) -> list[dict]:
    """The objects of one k8s/ file's bytes."""
    return [obj for obj in yamlio.load_all(data.decode("utf-8")) if isinstance(obj, dict)]


def _kustomize_namespace(folder: Path, root: Path) -> str:
    while True:
        kustomization = folder / names.KUSTOMIZATION
        if kustomization.is_file():
            return (_yaml(kustomization.read_text()) or {}).get("namespace", "")
        if folder == root or root not in folder.parents:
            return ""
        folder = folder.parent


# --- metrics --------------------------------------------------------------------------------


@lru_cache(maxsize=1 << 18)
def _tree(expr: str):
    """promql_labels.template, once per expression: the metrics and the labels checks read every
    rule and dashboard query, and parsing (then mirroring) them was most of this verifier's time.
    (the template's tree, its values): ask it with promql_labels.filled(known, values)."""
    return promql_labels.template(expr)


@lru_cache(maxsize=1 << 18)
def _selectors(expr: str) -> tuple[Sel, ...]:
    """Every vector selector of the expression, from its mirrored tree (the parser's own where
    obsgen cannot mirror it)."""
    tree, values = _tree(expr)
    if tree is not None:
        return tuple(promql_labels.fill(s, values) for s in _sels(tree))
    try:
        found = grafana._selectors(expr)
    except ValueError:
        return ()  # promtool and verify/grafana.py report expressions that do not parse
    return tuple(Sel(s.name, tuple((m.name, str(m.op), m.value) for m in s.matchers.matchers)) for s in found)


def _sels(node) -> Iterator[Sel]:
    if isinstance(node, Sel):
        yield node
        return
    for child in promql_labels.children(node):
        yield from _sels(child)


def _labels(selector: Sel) -> set[str]:
    return {name for name, _, _ in selector.matchers}


def produced_metrics(files: Files) -> set[str]:
    """The Prometheus names of what each collector pipeline exporting to Prometheus produces: the
    span metrics connector's calls and duration, as the exporter translates OTLP names (dots to
    `_`, the unit word on the histogram, `_total` on counters; the histogram's three series)."""
    return set(span_metric_labels(files))


def span_metric_labels(files: Files) -> dict[str, frozenset | None]:
    """Each span metric a pipeline produces -> the labels its series carry in every pipeline that
    produces it (None: open): the connector's dimensions as labels, `job` and `instance` from the
    resource (signal_path), the data point attributes a processor of that metrics pipeline sets, the
    remote write exporter's external labels; `le` on buckets."""
    found: dict[str, frozenset | None] = {}
    for config in _configs(files):
        for metric, labels in _span_metrics(config).items():
            before = found.get(metric, labels)
            found[metric] = None if before is None or labels is None else before & labels
    return found


def _configs(files: Files) -> list[dict]:
    return [*files.collectors.values(), *((o.get("spec") or {}).get("config") or {} for _, o in _collectors(files))]


def _span_metrics(config: dict) -> dict[str, frozenset | None]:
    produced: dict[str, frozenset | None] = {}
    for ident, body in (config.get("connectors") or {}).items():
        pipelines = _metrics_pipelines(config, ident)
        if str(ident).split("/")[0] not in _SPAN_METRICS_TYPES or not pipelines:
            continue
        body = body or {}
        base = str(body.get("namespace", "traces.span.metrics")).replace(".", "_")
        unit = names.UNIT_WORDS.get((body.get("histogram") or {}).get("unit", "ms"), "")
        dimensions = {signal_path.prometheus_label(str((d or {}).get("name", "")))
                      for d in body.get("dimensions") or []}
        excluded = {signal_path.prometheus_label(str(d)) for d in body.get("exclude_dimensions") or []}
        labels = (_SPAN_DEFAULT_LABELS - excluded) | dimensions
        added = [_pipeline_labels(config, p) for p in pipelines]
        labels = None if None in added else labels | frozenset.intersection(*added)
        produced[f"{base}_calls_total"] = labels
        duration = f"{base}_duration" + (f"_{unit}" if unit else "")
        for suffix in ("_bucket", "_sum", "_count"):
            produced[duration + suffix] = labels if labels is None or suffix != "_bucket" else labels | {"le"}
    return produced


_SPAN_DEFAULT_LABELS = frozenset({signal_path.SPAN_SERVICE, signal_path.SPAN_NAME, signal_path.SPAN_KIND,
                                  signal_path.SPAN_STATUS, signal_path.PROM_JOB, signal_path.PROM_INSTANCE})
_DATAPOINT_SET = re.compile(r'^\s*set\(\s*(?:datapoint\.)?attributes\["((?:[^"\\]|\\.)*)"\]')


def _pipeline_labels(config: dict, pipeline: dict) -> frozenset | None:
    """Labels one metrics pipeline adds to every series: its transform processors' data point
    attributes (set(datapoint.attributes["x"], ...)) and its remote write exporters' external labels."""
    labels = set()
    for ident in pipeline.get("processors", []) or []:
        if str(ident).split("/")[0] != "transform":
            continue
        for statement in _statements((config.get("processors") or {}).get(ident) or {}):
            match = _DATAPOINT_SET.match(statement)
            labels |= {signal_path.prometheus_label(match.group(1))} if match else set()
    for ident in pipeline.get("exporters", []) or []:
        body = (config.get("exporters") or {}).get(ident) or {}
        if str(ident).split("/")[0] in ("prometheusremotewrite", "prometheus_remote_write"):
            if (body.get("resource_to_telemetry_conversion") or {}).get("enabled"):
                return None  # every resource attribute becomes a label: open
            labels |= set(body.get("external_labels") or {})
    return frozenset(labels)


def _statements(body: dict) -> Iterator[str]:
    for entry in body.get("metric_statements", []) or []:
        if isinstance(entry, str):
            yield entry
        elif isinstance(entry, dict) and entry.get("context") in (None, "datapoint"):
            yield from (s for s in entry.get("statements", []) or [] if isinstance(s, str))


def _metrics_pipelines(config: dict, connector: str) -> list[dict]:
    pipelines = ((config.get("service") or {}).get("pipelines") or {})
    return [p or {} for name, p in pipelines.items()
            if name.split("/")[0] == "metrics" and connector in (p or {}).get("receivers", [])]


_SLI_RECORDS = (names.SLI_ERROR_RATE, names.SLI_TOTAL_RATE, names.SLI_ERROR_RATIO.split("{")[0])


def _is_source(rule: dict) -> bool:
    """An SLI rule: the spec's query, copied, so the raw metrics it reads are the ones a spec names."""
    return str(rule.get("record", "")).startswith(_SLI_RECORDS)


def spec_named(rules: list[dict]) -> set[str]:
    """The raw metrics the SLI rules among these read (not by span dimensions)."""
    return {s.name for r in rules if _is_source(r) for s in _selectors(str(r["expr"]))
            if not _SPAN_DIMENSIONS & _labels(s)}


def known_metrics(files: Files, named: set[str] | None = None) -> tuple[set[str], set[str]]:
    """(every metric a query may read, the span metrics pipelines produce)."""
    recorded = {r["record"] for _, r in files.rules if "record" in r}
    produced = produced_metrics(files)
    named = spec_named([r for _, r in files.rules]) if named is None else named
    return recorded | produced | named | set(names.PLATFORM_SERIES) | {names.ALERTS}, produced


def check_metrics(files: Files) -> list[str]:
    return metric_problems(_queries(files), *known_metrics(files))


def metric_problems(queries, known: set[str], produced: set[str]) -> list[str]:
    problems = []
    for where, expr in queries:
        for selector in _selectors(expr):
            if _SPAN_DIMENSIONS & _labels(selector) and selector.name not in produced:
                problems.append(f"{where}: reads {selector.name} by span dimensions, which no collector pipeline "
                                f"produces (span metrics here: {', '.join(sorted(produced)) or 'none'})")
            elif selector.name and selector.name not in known:
                problems.append(f"{where}: reads {selector.name}, which no rule records, no collector produces "
                                "and no spec names")
    return problems


def _queries(files: Files) -> Iterator[tuple[str, str]]:
    for path, rule in files.rules:
        yield f"{path}: {rule.get('record') or rule.get('alert')}", str(rule.get("expr", ""))
    for path, dashboard, panel, target in grafana._prometheus_targets(files.grafana):
        yield (f"{path}: panel {panel.get('title')!r} target {target.get('refId')}",
               grafana.substitute(target.get("expr", ""), dashboard)[0])


# --- labels ---------------------------------------------------------------------------------


class LabelSets:
    """The labels each series a query may read carries, from the generated files: span metrics as
    their pipelines write them, recorded series as their rules compute them (promql_labels), the
    platform's series as their exporters document them (names.PLATFORM_LABELS) plus the labels the
    store adds to everything; raw metrics a spec names and ALERTS are open (None)."""

    def __init__(self, files: Files):
        self.spans = span_metric_labels(files)
        self.store = store_labels(files)
        self.rules: dict[str, list[tuple[dict, str, str]]] = {}  # record -> (labels, expr, file)
        for path, rule in files.rules:
            if "record" in rule:
                self.rules.setdefault(rule["record"], []).append((rule.get("labels") or {},
                                                                  str(rule.get("expr", "")), path))
        self.memo: dict[tuple, tuple[frozenset | None, frozenset]] = {}  # -> (labels, the files read)
        self.read: set[str] = set()  # the files whose rules the answers so far were computed from
        self.index: dict[str, dict[str, dict[str | None, list[int]]]] = {}  # metric -> label -> value -> rules

    def __call__(self, selector) -> frozenset | None:
        metric = selector.name
        if metric in self.spans:
            return self.spans[metric]
        if metric in names.PLATFORM_LABELS:
            return frozenset((*names.PLATFORM_LABELS[metric], *names.SCRAPE_LABELS)) | self.store
        if metric not in self.rules:
            return None
        pinned = tuple(sorted((n, v) for n, op, v in selector.matchers if op == "="))
        key = (metric, pinned)
        if key not in self.memo:
            self.memo[key] = (None, frozenset())  # a rule reading its own output (none does): open, not a loop
            outer, self.read = self.read, set()
            labels = self._recorded(metric, dict(pinned))
            self.memo[key] = (labels, frozenset(self.read))
            self.read = outer
        self.read |= self.memo[key][1]
        return self.memo[key][0]

    def _recorded(self, metric: str, pinned: dict[str, str]) -> frozenset | None:
        """The union over the rules recording `metric` whose own labels do not contradict the
        selector's equality matchers (`{sloth_id="x"}` reads x's rules only)."""
        found: frozenset = frozenset()
        rules = self.rules[metric]
        for i in self._candidates(metric, pinned):
            labels, expr, path = rules[i]
            if any(str(labels[n]) != v for n, v in pinned.items() if n in labels):
                continue
            # The files of the rules an answer is made of are what it read (a unit's reads): a rule
            # elsewhere that joins them can only widen the union (or open it), never fail a selection
            # that passed, and a metric recorded for the first time changes the metrics known.
            self.read.add(path)
            tree, values = _tree(expr)
            computed = None if tree is None else promql_labels.labels_of(tree, promql_labels.filled(self, values))
            if computed is None:
                return None
            found |= computed | set(labels)
        return found

    def _candidates(self, metric: str, pinned: dict[str, str]) -> list[int]:
        """The rules of `metric` that may agree with one pinned label (those carrying its value or
        not carrying it), by index: 3,000 SLOs record each series 3,000 times, and each SLO's
        selectors pin its sloth_id, so scanning every rule per selector grew with the square."""
        index = self.index.get(metric)
        if index is None:
            index = self.index[metric] = {}
            rules = self.rules[metric]
            for name in {n for labels, _, _ in rules for n in labels}:
                by_value: dict[str, list[int]] = {}
                for i, (labels, _, _) in enumerate(rules):
                    by_value.setdefault(str(labels[name]) if name in labels else None, []).append(i)
                index[name] = by_value
        # The fewest candidates any one pinned label allows: the first pinned label by name may
        # split the rules in two (`obsgen_hour_parity`) where the next (`sloth_id`) picks one SLO's.
        best: list[int] | None = None
        for name, value in pinned.items():
            if name in index:
                found = index[name].get(value, []) + index[name].get(None, [])
                best = found if best is None or len(found) < len(best) else best
        return list(range(len(self.rules[metric]))) if best is None else sorted(best)


def store_labels(files: Files) -> frozenset:
    """Labels every metrics pipeline writing to Prometheus adds to every series (shared mode: the
    environment): in one store, the platform's own series carry them too (its Prometheus' external
    labels on remote write)."""
    added = [_pipeline_labels(config, pipeline or {}) or frozenset()
             for config in _configs(files)
             for name, pipeline in ((config.get("service") or {}).get("pipelines") or {}).items()
             if name.split("/")[0] == "metrics"
             and any(_to_prometheus(e) for e in (pipeline or {}).get("exporters", []))]
    return frozenset.intersection(*added) if added else frozenset()


def _to_prometheus(exporter: str) -> bool:
    type_, _, name = str(exporter).partition("/")
    return type_ in ("prometheusremotewrite", "prometheus_remote_write") or name == "prometheus"


def check_labels(files: Files) -> list[str]:
    return label_problems(_queries(files), LabelSets(files))


def label_problems(queries, known: LabelSets) -> list[str]:
    problems = []
    for where, expr in queries:
        tree, values = _tree(expr)
        if tree is None:
            continue
        for what, label, labels in promql_labels.selections(tree, promql_labels.filled(known, values)):
            if labels is not None and label not in labels:
                problems.append(f"{where}: {what} {label!r}, a label it does not carry (it has: "
                                f"{', '.join(sorted(labels)) or 'none'})")
    return sorted(set(problems), key=problems.index)


# --- log labels -----------------------------------------------------------------------------


def log_attributes(files: Files) -> set[str]:
    """Every attribute something on the logs path sets: the SDK (service.name always, and the
    Instrumentation's OTEL_RESOURCE_ATTRIBUTES), each collector's logs pipelines (resource
    processor keys, k8s_attributes' extracted metadata, filelog's container parser, the trace
    parser's ids)."""
    found = {signal_path.SERVICE_NAME}
    for _, _, obj in files.objects:
        if obj.get("kind") == "Instrumentation":
            for env in (obj.get("spec") or {}).get("env", []) or []:
                if env.get("name") == "OTEL_RESOURCE_ATTRIBUTES":
                    found |= {pair.split("=", 1)[0] for pair in str(env.get("value", "")).split(",") if pair}
    for config in files.collectors.values():
        for ident in _logs_components(config):
            found |= _sets(ident, config)
    return found


def _logs_components(config: dict) -> set[str]:
    used = set()
    for name, pipeline in ((config.get("service") or {}).get("pipelines") or {}).items():
        if name.split("/")[0] == "logs":
            used |= set((pipeline or {}).get("receivers", []) + (pipeline or {}).get("processors", []))
    return used


def _sets(ident: str, config: dict) -> set[str]:
    type_ = ident.split("/")[0]
    body = ((config.get("processors") or {}).get(ident) or (config.get("receivers") or {}).get(ident) or {})
    if type_ == "resource":
        return {a.get("key", "") for a in body.get("attributes", []) or [] if a.get("action") != "delete"}
    if type_ in ("k8s_attributes", "k8sattributes"):
        return set(((body.get("extract") or {}).get("metadata")) or [])
    if type_ == "filelog":
        kinds = {op.get("type") for op in body.get("operators", []) or []}
        found = set(signal_path.FILELOG_RESOURCE) if "container" in kinds else set()
        return found | ({signal_path.TRACE_ID, signal_path.SPAN_ID} if "trace_parser" in kinds else set())
    return set()


_STAGE_LABEL = re.compile(r"^\s*([a-zA-Z_]\w*)\s*(=~|!~|!=|==|=|>=|<=|>|<)")
_STREAM_LABEL = re.compile(r"([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)\s*\"")


# A LogQL string literal ("..." with escapes, or `...`), or a run of text holding none.
_LITERAL = r'"(?:\\.|[^"\\])*"|`[^`]*`'


def _selector(expr: str) -> tuple[str, str]:
    """(the stream selector with every string literal emptied, the pipeline after it): the selector
    ends at the first `}` outside a string, as a matcher's value may hold `}` (or `name="`)."""
    done = 0
    kept = []
    for token in re.finditer(_LITERAL + r'|[^"`}]+|}|["`]', expr):
        text = token.group()
        done = token.end()
        if text == "}":
            break
        kept.append('""' if text[0] in "\"`" and len(text) > 1 else text)
    return "".join(kept), expr[done:]


def logql_labels(expr: str) -> set[str]:
    """Labels a LogQL log query filters on: its stream selector's and its label filter stages'
    (`| name=~"..."`); line filters, parsers and formatting stages filter on none."""
    stream, rest = _selector(expr)
    labels = set(_STREAM_LABEL.findall(stream))
    for stage in _stages(rest):
        match = _STAGE_LABEL.match(stage)
        if match:
            labels.add(match.group(1))
    return labels


def _stages(pipeline: str) -> Iterator[str]:
    """The text of each `|` stage, string literals kept whole (a `|` inside one is not a stage)."""
    parts = re.findall(_LITERAL + r'|[^|"`]+|\|', pipeline)
    stage = ""
    for part in parts:
        if part == "|":
            yield stage
            stage = ""
        else:
            stage += part
    yield stage


def check_log_labels(files: Files) -> list[str]:
    """Every label a LogQL query filters on is stored; the stream selector's are index labels
    (signal_path.LOKI_INDEX_ATTRIBUTES): structured metadata inside it matches no stream."""
    return log_label_problems(files.grafana.dashboards, log_attributes(files))


def log_label_problems(dashboards: dict[str, dict], attributes: set[str]) -> list[str]:
    stored = {signal_path.loki_name(a) for a in attributes}
    streams = {signal_path.loki_name(a) for a in attributes if signal_path.loki_is_index_label(a)}
    problems = []
    for path, dashboard in dashboards.items():
        for panel in grafana.panels(dashboard):
            for kind, target in grafana.targets(panel):
                if kind != "loki":
                    continue
                expr = target.get("expr", "")
                where = f"{path}: panel {panel.get('title')!r}"
                for label in sorted(logql_labels(expr) - stored):
                    problems.append(f"{where}: filters logs on {label!r}, which nothing on the log path sets "
                                    f"(Loki stores: {', '.join(sorted(stored))})")
                for label in sorted((stream_labels(expr) & stored) - streams):
                    problems.append(f"{where}: selects streams on {label!r}, which Loki keeps as structured metadata, "
                                    f"not a stream label: filter it after the selector (| {label}=...)")
    return problems


def stream_labels(expr: str) -> set[str]:
    return set(_STREAM_LABEL.findall(_selector(expr)[0]))


# --- dashboard urls -------------------------------------------------------------------------


def check_dashboard_urls(files: Files) -> list[str]:
    deployed = set()
    for obj in files.grafana.configmaps.values():
        if ((obj.get("metadata") or {}).get("labels") or {}).get("grafana_dashboard") == "1":
            for text in (obj.get("data") or {}).values():
                deployed.add(_uid(text))
    problems = []
    for where, alert in _alerts(files):
        url = (alert.get("annotations") or {}).get("dashboard_url", "")
        uids = grafana.DASHBOARD_LINK.findall(urlsplit(url).path)
        if not uids or uids[0] not in deployed:
            problems.append(f"{where}: alert {alert.get('alert')}: dashboard_url {url!r} names no dashboard a "
                            "grafana_dashboard ConfigMap deploys")
    return problems


def _uid(text: str) -> str:
    """A dashboard's uid; dashboards are JSON (read as such: the YAML reader took 20 times longer),
    anything else as YAML, which Grafana's sidecar would not load but its uid is still its uid."""
    try:
        found = json.loads(text)
    except ValueError:
        try:
            found = yamlio.load(text)
        except yamlio.YAMLError:
            return ""
    return found.get("uid", "") if isinstance(found, dict) else ""


def _alerts(files: Files) -> Iterator[tuple[str, dict]]:
    yield from ((path, r) for path, r in files.rules if "alert" in r)
    for path, _, obj in files.objects:
        if obj.get("kind") == "PrometheusRule":
            for group in (obj.get("spec") or {}).get("groups", []) or []:
                yield from ((path, r) for r in group.get("rules", []) or [] if "alert" in r)


# --- secrets --------------------------------------------------------------------------------


def check_secrets(files: Files) -> list[str]:
    return _alertmanager_secrets(files) + _grafana_secrets(files)


def _alertmanager_secrets(files: Files) -> list[str]:
    """Every file the Alertmanager config (its k8s Secret) reads from the operator's secrets
    directory is mounted: its Secret listed in the tree's Alertmanager resource (when the tree has
    one) and, when the tree syncs secrets with External Secrets Operator, fetched by an ExternalSecret."""
    config = _alertmanager_config(files)
    if config is None:
        return []
    resources = [(p, o) for p, _, o in files.objects if o.get("kind") == "Alertmanager"]
    fetched = _fetched(files)
    problems = []
    for secret, keys in alertmanager_secrets.mounted(config).items():
        paths = [signal_path.alertmanager_secret_path(secret, k) for k in keys]
        for path, obj in resources:
            if secret not in ((obj.get("spec") or {}).get("secrets") or []):
                problems.append(f"{path}: Alertmanager {(obj.get('metadata') or {}).get('name')} does not list Secret "
                                f"{secret!r} in spec.secrets, so the operator mounts none of {', '.join(paths)}")
        for key, path in zip(keys, paths, strict=True) if fetched else ():
            if key not in fetched.get(secret, set()):
                problems.append(f"{names.ALERTMANAGER_SECRET}: reads {path}, which no ExternalSecret fetches "
                                f"(Secret {secret!r}, key {key!r})")
    return problems


def _grafana_secrets(files: Files) -> list[str]:
    """Every `$__file{}` the datasource provisioning (its ConfigMap) reads is a key of a Secret the
    grafana chart values mount at /etc/grafana/secrets/<secret>/ and, when the tree syncs secrets
    with External Secrets Operator, one an ExternalSecret writes."""
    mounted = {(m.get("secretName"), m.get("mountPath")) for m in files.grafana_mounts.get("extraSecretMounts") or []}
    fetched = _fetched(files)
    problems = []
    for where, path in _datasource_files(files):
        found = signal_path.grafana_secret_of(path)
        if found is None:
            problems.append(f"{where}: reads {path}, outside {signal_path.GRAFANA_SECRETS_DIR}/<secret>/<key> "
                            "where obsgen mounts Grafana's Secrets")
            continue
        secret, key = found
        if (secret, f"{signal_path.GRAFANA_SECRETS_DIR}/{secret}") not in mounted:
            problems.append(f"{where}: reads {path}, but {grafana_secrets.MOUNTS_FILE} mounts no Secret "
                            f"{secret!r} at {signal_path.GRAFANA_SECRETS_DIR}/{secret}")
        if fetched and key not in fetched.get(secret, set()):
            problems.append(f"{where}: reads {path}, which no ExternalSecret fetches (Secret {secret!r}, key {key!r})")
    return problems


def _datasource_files(files: Files) -> Iterator[tuple[str, str]]:
    """(file, path) of every `$__file{<path>}` in the datasource ConfigMaps of the k8s tree."""
    for path, _, obj in files.objects:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        if obj.get("kind") == "ConfigMap" and labels.get("grafana_datasource") == "1":
            for text in (obj.get("data") or {}).values():
                yield from ((path, ref) for ref in grafana.FILE_REF.findall(text.replace("$$", "")))


def _alertmanager_config(files: Files) -> dict | None:
    for _, _, obj in files.objects:
        if obj.get("kind") == "Secret" and (obj.get("metadata") or {}).get("name") == names.ALERTMANAGER_SECRET:
            return _yaml((obj.get("stringData") or {}).get(names.ALERTMANAGER_CONFIG.rsplit("/", 1)[-1], "")) or {}
    return None


def _fetched(files: Files) -> dict[str, set[str]]:
    """Secret -> the keys the ExternalSecrets of the tree write into it."""
    fetched: dict[str, set[str]] = {}
    for _, _, obj in files.objects:
        if obj.get("kind") != "ExternalSecret":
            continue
        spec = obj.get("spec") or {}
        target = (spec.get("target") or {}).get("name") or (obj.get("metadata") or {}).get("name")
        fetched.setdefault(target, set()).update(d.get("secretKey") for d in spec.get("data") or [])
    return fetched


# --- collector components -------------------------------------------------------------------


def _collectors(files: Files) -> Iterator[tuple[str, dict]]:
    yield from ((path, obj) for path, _, obj in files.objects if obj.get("kind") == "OpenTelemetryCollector")


def check_components(files: Files) -> list[str]:
    images = {repo: dist for dist, repo in collector.IMAGES.items()}
    binaries = {binary: dist for dist, binary in collector.BINARIES.items()}
    problems = []
    for path, obj in _collectors(files):
        spec = obj.get("spec") or {}
        repo, _, tag = str(spec.get("image", "")).rpartition(":")
        dist = images.get(repo)
        if dist is None:
            problems.append(f"{path}: image {spec.get('image')!r} is no known collector distribution")
            continue
        env, name = path.split("/")[2], (obj.get("metadata") or {}).get("name", "")
        role = "agent" if name == names.COLLECTOR_AGENT else "gateway"
        header = _HEADER.search(files.collector_text.get(names.otel_config_file(env, role), ""))
        if header and binaries.get(header.group(1)) != dist:
            problems.append(f"{path}: runs {dist} ({repo}), but {names.otel_config_file(env, role)} was written for "
                            f"{header.group(1)}")
        problems += [f"{path}: {p}" for p in _missing_components(spec.get("config") or {}, dist, tag)]
    return problems


def _missing_components(config: dict, dist: str, tag: str) -> list[str]:
    try:
        version = collector.parse_version(tag)
    except ValueError:
        return [f"image tag {tag!r} is no collector version"]
    problems = []
    for kind in ("receivers", "processors", "exporters", "connectors", "extensions"):
        for ident in config.get(kind) or {}:
            key, _ = collector.lookup(kind, str(ident).split("/")[0], version)
            if key is not None and key not in collector.DISTRIBUTIONS[dist]:
                problems.append(f"{kind[:-1]} {ident} is not in the {dist} distribution")
    return problems


# --- endpoints apps are told to use ---------------------------------------------------------


def collector_services(files: Files) -> dict[tuple[str, str], set[int]]:
    """(Service name, namespace) -> the ports its OTLP receivers listen on, for the Services the
    OpenTelemetry Operator creates from each collector (`<name>-collector`)."""
    services = {}
    for _, namespace, obj in files.objects:
        if obj.get("kind") != "OpenTelemetryCollector":
            continue
        config = (obj.get("spec") or {}).get("config") or {}
        ports = set()
        for body in (config.get("receivers") or {}).values():
            for protocol in ((body or {}).get("protocols") or {}).values():
                port = str((protocol or {}).get("endpoint", "")).rpartition(":")[2]
                ports |= {int(port)} if port.isdigit() else set()
        name = names.collector_service((obj.get("metadata") or {}).get("name", ""))
        services.setdefault((name, namespace), set()).update(ports)
    return services


def check_endpoints(files: Files) -> list[str]:
    services = collector_services(files)
    problems = []
    for path, _, obj in files.objects:
        if obj.get("kind") != "Instrumentation":
            continue
        for where, url in _instrumentation_endpoints(obj):
            problem = _resolves(url, services)
            if problem:
                problems.append(f"{path}: {where} {url!r}: {problem}")
    return problems


def _instrumentation_endpoints(obj: dict) -> Iterator[tuple[str, str]]:
    spec = obj.get("spec") or {}
    if (spec.get("exporter") or {}).get("endpoint"):
        yield "spec.exporter.endpoint", spec["exporter"]["endpoint"]
    for block in [spec, *(v for v in spec.values() if isinstance(v, dict))]:
        for env in block.get("env", []) or []:
            if str(env.get("name", "")).startswith("OTEL_EXPORTER_OTLP") and str(env.get("name")).endswith("ENDPOINT"):
                yield f"env {env['name']}", str(env.get("value", ""))


def _resolves(url: str, services: dict[tuple[str, str], set[int]]) -> str:
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port
    labels = host.split(".")
    if len(labels) < 3 or labels[2] != "svc" or ".".join(labels[3:]) not in ("", signal_path.CLUSTER_DOMAIN):
        return ("resolves only in the Instrumentation's own namespace, not in the apps'; use "
                "<service>.<namespace>.svc." + signal_path.CLUSTER_DOMAIN)
    ports = services.get((labels[0], labels[1]))
    if ports is None:
        return f"no collector Service {labels[0]} in namespace {labels[1]}"
    if port not in ports:
        return f"{labels[0]} listens for OTLP on {sorted(ports)}, not {port}"
    return ""


CHECKS: dict[str, Callable[[Files], list[str]]] = {
    "metrics": check_metrics,
    "labels": check_labels,
    "log-labels": check_log_labels,
    "dashboard-urls": check_dashboard_urls,
    "secrets": check_secrets,
    "components": check_components,
    "endpoints": check_endpoints,
}


def verify(out: Path) -> list[Result]:
    """Every check, each rules file and each dashboard a unit (result_cache.Units) of the checks on
    queries (metrics, labels, log-labels): replayed while its bytes, the bytes of every rules file
    whose rules it read (LabelSets), and the context it read (metrics known, span metrics' and the
    store's labels, the attributes on the log path) are unchanged. The checks across objects
    (dashboard-urls, secrets, components, endpoints) run every time, on facts taken from each file
    once per bytes: small where a file is large (a PrometheusRule's alerts, a dashboard's uid)."""
    from obsgen.verify.result_cache import Units, context

    units = Units(out, "seams")
    parsed: dict[str, list[dict]] = {}  # rules files parsed for their facts this run: not parsed again
    files, named = _from_facts(out, units, parsed)
    known, produced = known_metrics(files, named)
    labelsets = LabelSets(files)
    attributes = log_attributes(files)
    ctx = context([sorted(known), sorted(produced), sorted(labelsets.store), sorted(attributes),
                   {m: None if v is None else sorted(v) for m, v in sorted(labelsets.spans.items())}])
    found: dict[str, list[str]] = {name: [] for name in CHECKS}
    for rel, load_unit in _units(out, units, parsed):
        if units.replayed(rel, [rel], ctx):
            continue
        unit = load_unit()
        queries = list(_queries(unit))
        labelsets.read = set()
        problems = {"metrics": metric_problems(queries, known, produced),
                    "labels": label_problems(queries, labelsets),
                    "log-labels": log_label_problems(unit.grafana.dashboards, attributes)}
        units.files.forget(rel)
        for name, listed in problems.items():
            found[name] += listed
        if not any(problems.values()):
            units.passed(rel, [rel, *labelsets.read], ctx)
    for name in ("dashboard-urls", "secrets", "components", "endpoints"):
        found[name] = CHECKS[name](files)
    units.prune()
    return [Result((TOOL, name, "."), not problems, "\n".join(problems)) for name, problems in found.items()]


def _units(out: Path, units, parsed: dict[str, list[dict]]) -> Iterator[tuple[str, Callable[[], Files]]]:
    """(file, its queries as a tree of that file alone) for every rules file and dashboard."""
    def rules(rel: str) -> Files:
        found = parsed.pop(rel, None)
        found = _rules(units.files.read(rel)) if found is None else found
        return Files(grafana.Tree({}, {}, {}), [(rel, r) for r in found], {}, {})

    for path in sorted((out / "alerts" / "rules").glob("*.yaml")):
        rel = path.relative_to(out).as_posix()
        yield rel, lambda rel=rel: rules(rel)
    for path in sorted((out / "dashboards").rglob("*.json")):
        rel = path.relative_to(out).as_posix()
        yield rel, lambda rel=rel: Files(grafana.Tree({rel: json.loads(units.files.read(rel))}, {}, {}), [], {}, {})


def _rules(data: bytes) -> list[dict]:
    return [r for group in (_yaml(data.decode("utf-8")) or {}).get("groups", []) or []
            for r in group.get("rules", []) or []]


def _rules_facts(rules: list[dict]) -> dict:
    """What the checks across files read of a rules file: its recording rules, its alerts'
    dashboard_url, the raw metrics its SLI rules name."""
    return {"records": [{k: r[k] for k in ("record", "labels", "expr") if k in r} for r in rules if "record" in r],
            "alerts": [{"alert": r.get("alert"), "annotations": {"dashboard_url": (r.get("annotations") or {})
                                                                 .get("dashboard_url", "")}}
                       for r in rules if "alert" in r],
            "named": sorted(spec_named(rules))}


_RULE_ITEM = "    - "  # a rule of a PrometheusRule as obsgen writes it (k8s/base/prometheus/)


def _without_records(text: str) -> str | None:
    """A PrometheusRule file as obsgen writes it (one document, `kind: PrometheusRule`, each group's
    `    rules:` a list of items at four spaces), without its recording rules: the facts read only
    its alerts, and the recording rules are most of its YAML. None when the file is in another
    layout (the caller parses it whole). Under `    rules:` a line at four spaces or less is
    structure, never a string's text (the rules' keys are at six, their block strings deeper)."""
    if "\nkind: PrometheusRule\n" not in text or "\n---" in text or text.startswith("---"):
        return None
    kept: list[str] = []
    item: list[str] = []  # the recording rule being read: dropped unless it holds an `alert` key too
    in_rules = False
    for line in text.splitlines(keepends=True):
        bare = line.strip()
        structure = bool(bare) and not bare.startswith("#") and len(line) - len(line.lstrip(" ")) <= 4
        if item and not structure:
            item.append(line)
            continue
        if item and not any(held.startswith("      alert:") for held in item):
            item = []
        kept += item
        item = []
        if structure:
            in_rules = line.rstrip("\r\n") == "    rules:" or (in_rules and line.startswith(_RULE_ITEM))
        if in_rules and line.startswith(_RULE_ITEM + "record:"):
            item = [line]
        else:
            kept.append(line)
    if item and any(held.startswith("      alert:") for held in item):
        kept += item
    return "".join(kept)


def _k8s_facts(data: bytes) -> list[dict]:
    """A k8s file's objects as the checks across objects read them: a PrometheusRule's alerts'
    dashboard_url, a dashboard ConfigMap's uids, every other object whole. A PrometheusRule in
    obsgen's layout is parsed without its recording rules (`_without_records`)."""
    text = data.decode("utf-8")
    cut = _without_records(text)
    if cut is not None:
        try:
            return _objects_facts(yamlio.load_all(cut))
        except yamlio.YAMLError:
            pass  # an alias to a cut rule, or a layout the cut misread: the whole file
    return _objects_facts(yamlio.load_all(text))


def _objects_facts(objects: list) -> list[dict]:
    found = []
    for obj in objects:
        if not isinstance(obj, dict):
            continue
        labels = (obj.get("metadata") or {}).get("labels") or {}
        if obj.get("kind") == "PrometheusRule":
            alerts = [{"alert": r["alert"], "annotations": {"dashboard_url": (r.get("annotations") or {})
                                                            .get("dashboard_url", "")}}
                      for g in (obj.get("spec") or {}).get("groups", []) or [] for r in g.get("rules", []) or []
                      if "alert" in r]
            obj = {"kind": obj["kind"], "metadata": obj.get("metadata"), "spec": {"groups": [{"rules": alerts}]}}
        elif obj.get("kind") == "ConfigMap" and labels.get("grafana_dashboard") == "1":
            obj = {**obj, "data": {k: json.dumps({"uid": _uid(v)}) for k, v in (obj.get("data") or {}).items()}}
        found.append(obj)
    return found


def _from_facts(out: Path, units, parsed: dict[str, list[dict]]) -> tuple[Files, set[str]]:
    """The tree as the checks across files read it, from per-file facts, and the metrics specs name;
    a rules file parsed for its facts is kept in `parsed` (its unit will read it)."""
    rel = lambda p: p.relative_to(out).as_posix()  # noqa: E731
    rules, named = [], set()
    for path in sorted((out / "alerts" / "rules").glob("*.yaml")):
        at = rel(path)
        facts = units.fact(at, "rules", lambda data, at=at: _rules_facts(parsed.setdefault(at, _rules(data))))
        rules += [(at, r) for r in facts["records"] + facts["alerts"]]
        named.update(facts["named"])
    texts = {rel(p): p.read_text() for p in sorted((out / "otel").glob("*/*.yaml"))}
    collectors = {p: units.fact(p, "yaml", lambda data: _yaml(data.decode("utf-8")) or {}) for p in texts}
    files = Files(grafana.Tree({}, {}, {}), rules, collectors, texts)
    root = out / "k8s"
    for path in sorted(root.rglob("*.yaml")):
        if path.name == names.KUSTOMIZATION:
            continue
        folder = path.parent
        while not (folder / names.KUSTOMIZATION).is_file() and folder != root and root in folder.parents:
            folder = folder.parent
        kustomization = folder / names.KUSTOMIZATION
        namespace = ((units.fact(rel(kustomization), "yaml", lambda data: _yaml(data.decode("utf-8")) or {})
                      or {}).get("namespace", "") if kustomization.is_file() else "")
        objects = units.fact(rel(path), "k8s", _k8s_facts)
        files.objects += [(rel(path), namespace or (o.get("metadata") or {}).get("namespace", "default"), o)
                          for o in objects]
        if path.parent == root / "base" / "grafana" and objects:
            files.grafana.configmaps[rel(path)] = objects[0]
    mounts = out / grafana_secrets.MOUNTS_FILE
    files.grafana_mounts = (_yaml(mounts.read_text()) or {}) if mounts.is_file() else {}
    return files, named
