"""Judge the generated Grafana tree as Grafana and Prometheus would, from the files alone.

Checks (each a Result): the published JSON schemas (dashboard, each panel's options, each query);
PromQL parses once template variables are substituted; every recorded series and alert a panel
reads is generated; every link (alerts' dashboard_url, dashboard links, text panels) names a
generated dashboard, and `?var-slo=X` leaves data in X's row only; every datasource uid used is
provisioned, and provisioning files have no unintended `$` expansion; no two panels overlap.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import promql_parser

from obsgen import names, yamlio
from obsgen.errors import ToolError
from obsgen.verify import published, yaml_items
from obsgen.verify.result import Result, skipped

TOOL = "obsgen-grafana"
GRID_WIDTH = 24
PANEL_SCHEMAS = {"timeseries": "timeseries", "stat": "stat", "text": "text", "logs": "logs", "table": "table",
                 "state-timeline": "statetimeline", "gauge": "gauge", "bargauge": "bargauge",
                 "heatmap": "heatmap", "dashboardlist": "dashboardlist"}
QUERY_SCHEMAS = ("prometheus", "loki", "tempo")
BUILTINS = {"__rate_interval": "5m", "__interval": "1m", "__range": "1h", "__range_s": "3600",
            "__interval_ms": "60000", "__range_ms": "3600000"}
VARIABLE = re.compile(r"\$(\w+)|\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]")
DASHBOARD_LINK = re.compile(r"/d/([A-Za-z0-9_-]+)")
# Grafana's file expansion (the expanders' `$__file{<path>}`): the datasource credentials obsgen writes
FILE_REF = re.compile(r"\$__file\{([^}]+)\}")
SLO_LABELS = (names.SLOTH_SLO, names.SLO)


@dataclass
class Tree:
    dashboards: dict[str, dict]  # relative path -> dashboard JSON
    datasources: dict[str, str]  # uid -> type
    provisioning_text: dict[str, str]
    datasource_refs: list[tuple[str, str]] = field(default_factory=list)  # (where, uid) in jsonData
    records: set[str] = field(default_factory=set)
    alerts: list[dict] = field(default_factory=list)  # alerting rules
    dashboard_text: dict[str, str] = field(default_factory=dict)
    configmaps: dict[str, dict] = field(default_factory=dict)  # k8s/base/grafana/*.yaml


def schema_dir() -> Path | None:
    """The Grafana schema folder shipped in the package (or under $OBSGEN_SCHEMAS); None when absent."""
    folder = published.root() / "grafana"
    return folder if (folder / "dashboard.jsonschema.json").is_file() else None


def load(out: Path) -> Tree:
    root = out / "dashboards"
    if not root.is_dir():
        raise ToolError(f"no dashboards under {root}: run obsgen generate first")
    texts = {p.relative_to(out).as_posix(): p.read_text() for p in sorted(root.rglob("*.json"))}
    dashboards = {path: json.loads(text) for path, text in texts.items()}
    prov = {p.relative_to(out).as_posix(): p.read_text() for p in sorted((root / "provisioning").glob("*.yaml"))}
    tree = Tree(dashboards, {}, prov, dashboard_text=texts)
    for path in sorted((out / "k8s" / "base" / "grafana").glob("*.yaml")):
        tree.configmaps[path.relative_to(out).as_posix()] = yamlio.load(path.read_text()) or {}
    for path, text in prov.items():
        for ds in (yamlio.load(text) or {}).get("datasources", []) or []:
            tree.datasources[ds.get("uid", "")] = ds.get("type", "")
            for key_path, uid in _datasource_uids(ds.get("jsonData") or {}, f"{path}:{ds.get('name')}"):
                tree.datasource_refs.append((key_path, uid))
    for rules in sorted((out / "alerts" / "rules").glob("*.yaml")):
        for group in (yamlio.load(rules.read_text()) or {}).get("groups", []):
            for rule in group.get("rules", []):
                if "record" in rule:
                    tree.records.add(rule["record"])
                else:
                    tree.alerts.append(rule)
    return tree


def _datasource_uids(data, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "datasourceUid":
                yield f"{where}.{key}", value
            else:
                yield from _datasource_uids(value, f"{where}.{key}")
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from _datasource_uids(item, f"{where}[{i}]")


# --- walking dashboards ---------------------------------------------------------------------


def panels(dashboard: dict) -> list[dict]:
    """Every panel, rows' nested panels (collapsed rows) included, rows themselves included."""
    found = []
    for panel in dashboard.get("panels", []):
        found.append(panel)
        found.extend(panel.get("panels", []) if panel.get("type") == "row" else [])
    return found


def targets(panel: dict) -> Iterator[tuple[str, dict]]:
    """(datasource type, target) for every query of a panel."""
    panel_type = (panel.get("datasource") or {}).get("type", "")
    for target in panel.get("targets", []) or []:
        yield (target.get("datasource") or {}).get("type", panel_type), target


def variables(dashboard: dict) -> dict[str, dict]:
    return {v["name"]: v for v in dashboard.get("templating", {}).get("list", [])}


def variable_values(variable: dict) -> list[str]:
    return [o["value"] for o in variable.get("options", []) if o.get("value") != "$__all"]


def substitute(expr: str, dashboard: dict, chosen: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """The expression as Grafana would send it, and the variables it uses that are not defined."""
    defined, unknown = variables(dashboard), []

    def value(match: re.Match) -> str:
        name = next(g for g in match.groups() if g)
        if chosen and name in chosen:
            return chosen[name]
        if name in BUILTINS:
            return BUILTINS[name]
        if name in defined:
            return defined[name].get("allValue") or (variable_values(defined[name]) or [""])[0]
        unknown.append(name)
        return ""

    return VARIABLE.sub(value, expr), unknown


def _selectors(expr: str) -> list:
    found = []
    promql_parser.walk(promql_parser.parse(expr), lambda n: found.append(n)
                       if isinstance(n, promql_parser.VectorSelector) else None)
    return found


# --- checks ---------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _validators(base: Path):
    """Compiled once per run: (dashboard, {query kind: validator}, {panel type: {definition: validator}})."""
    import jsonschema

    def load_schema(name: str) -> dict:
        return json.loads((base / f"{name}.jsonschema.json").read_text())

    def sub(definitions: dict, name: str):
        return jsonschema.Draft7Validator({"$ref": f"#/definitions/{name}", "definitions": definitions})

    board = _valid_refs_remembered(jsonschema.Draft7Validator)(load_schema("dashboard"))
    queries = {k: jsonschema.Draft7Validator(load_schema(k)) for k in QUERY_SCHEMAS}
    panel_types = {}
    for panel_type, name in PANEL_SCHEMAS.items():
        defs = load_schema(name)["definitions"]
        panel_types[panel_type] = {d: sub(defs, d) for d in ("Options", "FieldConfig") if d in defs}
    return board, queries, panel_types


def _valid_refs_remembered(base):
    """A validator class (for one root schema) that remembers which values were valid under each
    `#/definitions/...` reference: a thousand service dashboards repeat the same field configs,
    grid positions and datasource references in panels that differ elsewhere, and a value's
    verdict under a definition of one document depends on nothing but the value. Values with an
    error are judged again each time (the errors, with their paths, are the library's own)."""
    import hashlib

    import jsonschema

    ref = base.VALIDATORS["$ref"]
    valid: set[tuple[str, bytes]] = set()

    def remembered(validator, target, instance, schema):
        if not str(target).startswith("#/definitions/"):
            yield from ref(validator, target, instance, schema)
            return
        # A digest, not the text: at 1,000 dashboards every panel's text would be held.
        key = (target, hashlib.blake2b(json.dumps(instance, sort_keys=True).encode(), digest_size=20).digest())
        if key in valid:
            return
        errors = list(ref(validator, target, instance, schema))
        if not errors:
            valid.add(key)
        yield from errors

    return jsonschema.validators.extend(base, {"$ref": remembered})


def check_schemas(tree: Tree) -> list[str]:
    base = schema_dir()
    if base is None:
        raise FileNotFoundError(f"Grafana JSON schemas not found under {published.root()}")
    board, queries, panel_types = _validators(base)
    problems = []
    for path, dashboard in tree.dashboards.items():
        problems += [f"{path}: {_where(e)}: {e.message}" for e in board.iter_errors(dashboard)]
        for panel in panels(dashboard):
            where = f"{path}: panel {panel.get('id')} {panel.get('title')!r}"
            if panel.get("type") == "row":
                continue
            validators = panel_types.get(panel.get("type"))
            if validators is None:
                problems.append(f"{where}: no schema for panel type {panel.get('type')!r}")
                continue
            problems += _errors(validators["Options"], panel.get("options", {}), f"{where}: options")
            custom = panel.get("fieldConfig", {}).get("defaults", {}).get("custom")
            if custom is not None and "FieldConfig" in validators:
                problems += _errors(validators["FieldConfig"], custom, f"{where}: fieldConfig.defaults.custom")
            for kind, target in targets(panel):
                if kind not in queries:
                    problems.append(f"{where}: target {target.get('refId')}: no schema for datasource {kind!r}")
                    continue
                problems += _errors(queries[kind], target, f"{where}: target {target.get('refId')}")
    return problems


def _errors(validator, value, where: str) -> list[str]:
    return [f"{where}: {found}" for found in _judged(validator, value)]


_JUDGED: dict[int, tuple[object, dict[str, tuple[str, ...]]]] = {}  # id -> (the validator, kept: no id reuse)


def _judged(validator, value) -> tuple[str, ...]:
    """The validator's errors for the value, once per distinct value (by its canonical JSON): a
    thousand service dashboards repeat the same panel options and field configs, and a schema's
    verdict depends on nothing but the value."""
    memo = _JUDGED.setdefault(id(validator), (validator, {}))[1]
    key = json.dumps(value, sort_keys=True)
    found = memo.get(key)
    if found is None:
        found = memo[key] = tuple(f"{_where(e)}: {e.message}" for e in validator.iter_errors(value))
    return found


def _where(error) -> str:
    return "/".join(str(p) for p in error.absolute_path) or "(root)"


def check_promql(tree: Tree) -> list[str]:
    problems = []
    for path, dashboard, panel, target in _prometheus_targets(tree):
        expr, unknown = substitute(target.get("expr", ""), dashboard)
        where = f"{path}: panel {panel.get('id')} {panel.get('title')!r} target {target.get('refId')}"
        if unknown:
            problems.append(f"{where}: undefined template variable(s) {', '.join(sorted(set(unknown)))}")
        try:
            promql_parser.parse(expr)
        except ValueError as exc:
            problems.append(f"{where}: does not parse as PromQL ({exc}): {expr}")
    return problems


def _prometheus_targets(tree: Tree) -> Iterator[tuple[str, dict, dict, dict]]:
    for path, dashboard in tree.dashboards.items():
        for panel in panels(dashboard):
            for kind, target in targets(panel):
                if kind == "prometheus":
                    yield path, dashboard, panel, target


def alert_keys(tree: Tree) -> set[tuple]:
    return {(dict(a.get("labels", {})).get(names.SERVICE), dict(a.get("labels", {})).get(names.SLO))
            for a in tree.alerts}


def check_series(tree: Tree, keys: set[tuple] | None = None) -> list[str]:
    """Recorded series (names with `:`) must be recorded; ALERTS{service,slo} must name an alert
    (`keys`: the tree's alert_keys, when the caller has them)."""
    alert_keys_ = alert_keys(tree) if keys is None else keys
    problems = []
    for path, dashboard, panel, target in _prometheus_targets(tree):
        where = f"{path}: panel {panel.get('id')} {panel.get('title')!r} target {target.get('refId')}"
        try:
            selectors = _selectors(substitute(target.get("expr", ""), dashboard)[0])
        except ValueError:
            continue  # check_promql reports it
        for sel in selectors:
            if sel.name and ":" in sel.name and sel.name not in tree.records:
                problems.append(f"{where}: reads {sel.name}, which no generated rule records")
            if sel.name == names.ALERTS:
                eq = _equalities(sel)
                key = (eq.get(names.SERVICE), eq.get(names.SLO))
                if key[0] and key[1] and key not in alert_keys_:
                    problems.append(f"{where}: reads {names.ALERTS} for service {key[0]} SLO {key[1]}, which has no "
                                    "alert")
    return problems


def _equalities(sel) -> dict[str, str]:
    return {m.name: m.value for m in sel.matchers.matchers if m.op == promql_parser.MatchOp.Equal}


def uids(tree: Tree) -> dict[str, str]:
    return {d.get("uid", ""): path for path, d in tree.dashboards.items()}


def check_uids(tree: Tree) -> list[str]:
    seen: dict[str, str] = {}
    problems = []
    for path, dashboard in tree.dashboards.items():
        uid = dashboard.get("uid", "")
        if not uid or len(uid) > 40 or not re.fullmatch(r"[A-Za-z0-9_-]+", uid):
            problems.append(f"{path}: uid {uid!r} is not a Grafana uid (1-40 of A-Z a-z 0-9 _ -)")
        if uid in seen:
            problems.append(f"{path}: uid {uid!r} is also the uid of {seen[uid]}")
        seen[uid] = path
    return problems


_ENV_PART = re.compile(r"\{\{ with [^}]*\}\}&var-([a-z_]+)=\{\{ \. \| urlquery \}\}\{\{ end \}\}$")


def fired_link(link: str) -> tuple[str, str | None]:
    """(the link as Prometheus renders it for an alert without an environment, the dashboard
    variable it sets to the alert's environment, if it does: names.alert_dashboard_link)."""
    found = _ENV_PART.search(link)
    text = link[: found.start()] if found else link
    return text.replace('{{ "{{" }}', "{{").replace('{{ "{" }}', "{"), found[1] if found else None


def check_links(tree: Tree) -> list[str]:
    """Every /d/<uid> in an alert's dashboard_url, a dashboard link or a text panel is generated."""
    known, problems = uids(tree), []
    for alert in tree.alerts:
        link = alert.get("annotations", {}).get("dashboard_url", "")
        for uid in DASHBOARD_LINK.findall(urlsplit(link).path) or ["(none)"]:
            if uid not in known:
                problems.append(f"alert {alert.get('alert')}: dashboard_url {link} names no generated dashboard")
    for path, dashboard in tree.dashboards.items():
        texts = [lk.get("url", "") for lk in dashboard.get("links", [])]
        texts += [p.get("options", {}).get("content", "") for p in panels(dashboard) if p.get("type") == "text"]
        for text in texts:
            problems += [f"{path}: links to /d/{uid}, which is not generated"
                         for uid in DASHBOARD_LINK.findall(text) if uid not in known]
    return problems


def check_slo_selection(tree: Tree) -> list[str]:
    """`?var-slo=X` (from every alert's dashboard_url) must leave data in X's row and no other.

    For each value of `slo`, each row's selectors are evaluated statically: a selector can match
    only when its `sloth_slo`/`slo` equality matchers are matched by the substituted regexes.
    """
    known, problems, seen = uids(tree), [], set()
    slo_rows: dict[str, dict[str, tuple[list[dict], set[str]]]] = {}  # path -> title -> (targets, SLOs)
    for alert in tree.alerts:
        link, env_var = fired_link(alert.get("annotations", {}).get("dashboard_url", ""))
        if link in seen:
            continue
        seen.add(link)
        parts = urlsplit(link)
        uid = next(iter(DASHBOARD_LINK.findall(parts.path)), None)
        chosen = parse_qs(parts.query).get("var-slo")
        if uid not in known or not chosen:
            continue
        dashboard = tree.dashboards[known[uid]]
        if env_var is not None and env_var not in variables(dashboard):
            problems.append(f"alert {alert.get('alert')}: {link}: sets var-{env_var}, a variable the dashboard "
                            "does not have")
        slo_var = variables(dashboard).get("slo")
        if slo_var is None or chosen[0] not in variable_values(slo_var):
            problems.append(f"alert {alert.get('alert')}: {link}: dashboard has no slo option {chosen[0]!r}")
            continue
        if known[uid] not in slo_rows:
            rows = {title: (row, _row_slos(row)) for title, row in _rows(dashboard).items()}
            slo_rows[known[uid]] = {title: row for title, row in rows.items() if row[1]}
        rows = slo_rows[known[uid]]
        with_data = [title for title, (row, _) in rows.items() if _row_matches(row, dashboard, chosen[0])]
        owners = [title for title, (_, slos) in rows.items() if chosen[0] in slos]
        if with_data != owners or len(owners) != 1:
            problems.append(f"alert {alert.get('alert')}: {link}: var-slo={chosen[0]} leaves data in rows "
                            f"{with_data}, expected exactly its own row {owners}")
    for path, dashboard in tree.dashboards.items():
        for title, row in _rows(dashboard).items():
            uses = ["$slo" in t.get("expr", "") for t in row]
            if any(uses) and not all(uses):
                problems.append(f"{path}: row {title!r}: some queries ignore $slo, so selecting another SLO "
                                "leaves data in this row")
    return problems


def _rows(dashboard: dict) -> dict[str, list[dict]]:
    """Row title -> the Prometheus targets of the panels under it (expanded rows: by position)."""
    rows: dict[str, list[dict]] = {}
    current = None
    for panel in sorted(dashboard.get("panels", []), key=lambda p: (p["gridPos"]["y"], p["gridPos"]["x"])):
        if panel.get("type") == "row":
            current = panel.get("title", "")
            rows[current] = [t for p in panel.get("panels", []) for k, t in targets(p) if k == "prometheus"]
        elif current is not None:
            rows[current] += [t for k, t in targets(panel) if k == "prometheus"]
    return rows


CHOICE = "OBSGENCHOSENSLO"  # stands for the chosen value while parsing, replaced when matching


def _row_slos(row: list[dict]) -> set[str]:
    """The SLOs a row's queries name by equality (`sloth_slo="x"`, `slo="x"`)."""
    return {value for t in row for selector in _slo_matchers(substitute(t.get("expr", ""), {"templating": {}})[0])
            for _, op, value in selector if op == "="}


def _row_matches(row: list[dict], dashboard: dict, slo: str) -> bool:
    """Whether any query of the row can return data when `$slo` is `slo`."""
    return any(_can_match(selector, slo) for t in row
               for selector in _slo_matchers(substitute(t.get("expr", ""), dashboard, {"slo": CHOICE})[0]))


@lru_cache(maxsize=65536)
def _slo_matchers(expr: str) -> tuple[tuple[tuple[str, str, str], ...], ...]:
    """Per vector selector, its matchers on the SLO labels as (label, op, value); each expression is
    parsed once whatever the number of choices tried."""
    try:
        selectors = _selectors(expr)
    except ValueError:
        return ()  # check_promql reports it
    return tuple(tuple((m.name, _op(m.op), m.value) for m in sel.matchers.matchers if m.name in SLO_LABELS)
                 for sel in selectors)


def _op(op) -> str:  # MatchOp is not hashable
    return next(text for member, text in ((promql_parser.MatchOp.Equal, "="), (promql_parser.MatchOp.Re, "=~"),
                                          (promql_parser.MatchOp.NotEqual, "!="), (promql_parser.MatchOp.NotRe, "!~"))
                if op == member)


def _can_match(matchers: tuple[tuple[str, str, str], ...], slo: str) -> bool:
    """A selector can match some series only if, per SLO label, its equality value (if any) is
    unique and matched by every regex (anchored, as PromQL anchors them)."""
    for label in SLO_LABELS:
        eq = {v for name, op, v in matchers if name == label and op == "="}
        if len(eq) > 1:
            return False
        value = next(iter(eq), None)
        for name, op, pattern in matchers:
            if name == label and op == "=~" and value is not None \
                    and not re.fullmatch(pattern.replace(CHOICE, slo), value):
                return False
    return True


def check_datasources(tree: Tree) -> list[str]:
    problems = []
    if not tree.datasources:
        problems.append("no datasource is provisioned under dashboards/provisioning/")
    for path, dashboard in tree.dashboards.items():
        problems += dashboard_datasources(path, dashboard, tree.datasources)
    problems += [f"{where}: datasource uid {uid!r} is not provisioned"
                 for where, uid in tree.datasource_refs if uid not in tree.datasources]
    for path, text in tree.provisioning_text.items():
        if "$" in FILE_REF.sub("", text.replace("$$", "")):
            problems.append(f"{path}: a single `$` is expanded from the environment by Grafana; write `$$`")
    return problems


def dashboard_datasources(path: str, dashboard: dict, datasources: dict[str, str]) -> list[str]:
    """Every datasource a dashboard's variables and panels use is provisioned (uid -> type)."""
    problems = []
    defined = variables(dashboard)
    for name, variable in defined.items():
        if variable.get("type") == "datasource":
            uid = (variable.get("current") or {}).get("value")
            if datasources.get(uid) != variable.get("query"):
                problems.append(f"{path}: datasource variable {name} defaults to {variable.get('query')}/{uid}, "
                                "which is not provisioned")
    for panel in panels(dashboard):
        refs = [panel.get("datasource")] + [t.get("datasource") for _, t in targets(panel)]
        for ds in filter(None, refs):
            uid, kind = _datasource_uid(ds, defined)
            if datasources.get(uid) != kind:
                problems.append(f"{path}: panel {panel.get('id')} {panel.get('title')!r}: datasource "
                                f"{ds.get('type')}/{ds.get('uid')} is not provisioned")
    return problems


def _datasource_uid(ref: dict, defined: dict[str, dict]) -> tuple[str, str]:
    """(uid, type) a panel's datasource reference resolves to: `${name}` reads the datasource
    variable `name`, which must be of the reference's type; its default is what Grafana opens with."""
    uid, kind = ref.get("uid", ""), ref.get("type", "")
    match = VARIABLE.fullmatch(uid)
    if not match:
        return uid, kind
    variable = defined.get(next(g for g in match.groups() if g), {})
    if variable.get("type") != "datasource" or variable.get("query") != kind:
        return "", kind  # an undefined variable, or one of another type: nothing to read from
    return (variable.get("current") or {}).get("value", ""), kind


def check_grid(tree: Tree) -> list[str]:
    problems = []
    for path, dashboard in tree.dashboards.items():
        boxes = []
        for panel in panels(dashboard):
            g = panel.get("gridPos") or {}
            x, y, w, h = (g.get(k, 0) for k in ("x", "y", "w", "h"))
            name = f"panel {panel.get('id')} {panel.get('title')!r}"
            if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > GRID_WIDTH:
                problems.append(f"{path}: {name} lies outside the 24-column grid: {g}")
            for other, (ox, oy, ow, oh) in boxes:
                if x < ox + ow and ox < x + w and y < oy + oh and oy < y + h:
                    problems.append(f"{path}: {name} overlaps {other}")
            boxes.append((name, (x, y, w, h)))
    return problems


def check_configmaps(tree: Tree) -> list[str]:
    """Each dashboard is deployed: a ConfigMap labelled for the Grafana sidecar holds the same JSON."""
    deployed: dict[str, list[str]] = {}
    for path, obj in tree.configmaps.items():
        if (obj.get("metadata", {}).get("labels") or {}).get("grafana_dashboard") == "1":
            for text in (obj.get("data") or {}).values():
                deployed.setdefault(text, []).append(path)
    return [f"{path}: no ConfigMap labelled grafana_dashboard: \"1\" holds this dashboard"
            for path, text in tree.dashboard_text.items() if text not in deployed]


CHECKS: dict[str, Callable[[Tree], list[str]]] = {
    "schemas": check_schemas,
    "promql": check_promql,
    "series": check_series,
    "uids": check_uids,
    "links": check_links,
    "slo-variable": check_slo_selection,
    "datasources": check_datasources,
    "grid": check_grid,
    "configmaps": check_configmaps,
}


def verify(out: Path) -> list[Result]:
    base = schema_dir()
    if base is not None:
        return verify_incremental(out, base)
    tree = load(out)
    results = []
    for name, check in CHECKS.items():
        command = (TOOL, name, "dashboards/")
        try:
            problems = check(tree)
        except FileNotFoundError as exc:  # the schemas: absent outside CI is a skip, in CI a failure
            results.append(Result(command, False, f"{exc} (CI must run every check)") if os.environ.get("CI")
                           else skipped(command, str(exc)))
            continue
        results.append(Result(command, not problems, "\n".join(problems)))
    return results


# --- per dashboard: each judged once per bytes (result_cache.Units) ---------------------------

# The checks each dashboard is a unit of: judged from its own JSON and the small context below. The
# rest (uids, links, configmaps, provisioning) are judged on every run from per-file facts: cheap.
PER_DASHBOARD = ("schemas", "promql", "series", "slo-variable", "datasources", "grid")


def _rules_facts(data: bytes) -> dict:
    """What this verifier reads of a rules file: the series it records, each alert's name, service,
    SLO and dashboard_url."""
    records, alerts = [], []
    for rule in _rules(data.decode("utf-8")):
        if "record" in rule:
            records.append(rule["record"])
        else:
            labels = dict(rule.get("labels") or {})
            alerts.append({"alert": rule.get("alert"),
                           "labels": {k: labels[k] for k in (names.SERVICE, names.SLO) if k in labels},
                           "annotations": {"dashboard_url": (rule.get("annotations") or {}).get("dashboard_url",
                                                                                                "")}})
    return {"records": records, "alerts": alerts}


def _rules(text: str) -> list[dict]:
    """Every rule of a rules file, in order; in obsgen's layout (yaml_items) a recording rule is
    only its name (all that is read of it) and only the alerts are parsed: the recording rules are
    most of the file. In any other layout, or when the cut is in doubt, the whole file is parsed."""
    cut = yaml_items.split(text, "groups")
    groups = None if cut is None else [yaml_items.rules(group) for group in cut[1]]
    if groups is not None and None not in groups:
        found: list[dict | None] = []
        alerts = []
        for _, rules in groups:
            for kind, name, rule_text in rules:
                if kind == "record" and ("\n    record:" in rule_text or "\n    alert:" in rule_text):
                    return _whole_rules(text)  # a key given twice, or a record that is an alert too
                found.append({"record": name} if kind == "record" else None)
                alerts += [rule_text] if kind == "alert" else []
        try:
            parsed = yamlio.load("".join(alerts)) if alerts else []
        except yamlio.YAMLError:
            parsed = None
        if (isinstance(parsed, list) and len(parsed) == len(alerts)
                and all(isinstance(r, dict) for r in parsed)):
            it = iter(parsed)
            return [rule if rule is not None else next(it) for rule in found]
    return _whole_rules(text)


def _whole_rules(text: str) -> list[dict]:
    return [rule for group in (yamlio.load(text) or {}).get("groups", []) or []
            for rule in group.get("rules", []) or []]


def _dashboard_facts(dashboard: dict) -> dict:
    """A dashboard's uid and the uids its links and text panels name, as a stand-in dashboard."""
    texts = [lk.get("url", "") for lk in dashboard.get("links", [])]
    texts += [p.get("options", {}).get("content", "") for p in panels(dashboard) if p.get("type") == "text"]
    return {"uid": dashboard.get("uid", ""), "links": [{"url": f"/d/{uid}"} for t in texts
                                                       for uid in DASHBOARD_LINK.findall(t)]}


def _deployed(data: bytes) -> list[str]:
    """The sha256 of each dashboard a grafana_dashboard ConfigMap file holds."""
    import hashlib

    obj = yamlio.load(data.decode("utf-8")) or {}
    if (obj.get("metadata", {}).get("labels") or {}).get("grafana_dashboard") != "1":
        return []
    return [hashlib.sha256(text.encode()).hexdigest() for text in (obj.get("data") or {}).values()]


def _context(out: Path, units, held: dict[str, dict]) -> tuple[Tree, dict[str, str], list[str]]:
    """The tree's context from per-file facts: alerts, records, provisioning (dashboards as stand-ins
    holding their uid and links), {path: sha256} of each dashboard, the deployed dashboards' sha256.
    A dashboard parsed for its facts is kept in `held` (its unit will read it)."""
    root = out / "dashboards"
    if not root.is_dir():
        raise ToolError(f"no dashboards under {root}: run obsgen generate first")
    rel = lambda p: p.relative_to(out).as_posix()  # noqa: E731
    prov = {rel(p): p.read_text() for p in sorted((root / "provisioning").glob("*.yaml"))}
    paths = [rel(p) for p in sorted(root.rglob("*.json"))]
    stubs = {path: units.fact(path, "dashboard", lambda data, at=path: _dashboard_facts(
        held.setdefault(at, json.loads(data)))) for path in paths}
    tree = Tree(stubs, {}, prov)
    for path, text in prov.items():
        for ds in (yamlio.load(text) or {}).get("datasources", []) or []:
            tree.datasources[ds.get("uid", "")] = ds.get("type", "")
            tree.datasource_refs += _datasource_uids(ds.get("jsonData") or {}, f"{path}:{ds.get('name')}")
    for rules in sorted((out / "alerts" / "rules").glob("*.yaml")):
        facts = units.fact(rel(rules), "rules", _rules_facts)
        tree.records.update(facts["records"])
        tree.alerts += facts["alerts"]
    deployed = [sha for p in sorted((out / "k8s" / "base" / "grafana").glob("*.yaml"))
                for sha in units.fact(rel(p), "deployed", _deployed)]
    return tree, {path: units.files.digest(path) for path in paths}, deployed


def _targeting(tree: Tree) -> dict[str, list[dict]]:
    """uid -> the alerts whose dashboard_url names it (what check_slo_selection reads of them)."""
    found: dict[str, list[dict]] = {}
    for alert in tree.alerts:
        link = fired_link(alert["annotations"]["dashboard_url"])[0]
        for uid in DASHBOARD_LINK.findall(urlsplit(link).path)[:1]:
            found.setdefault(uid, []).append(alert)
    return found


def _one(path: str, dashboard: dict, tree: Tree, keys: set[tuple], targeting: list[dict]) -> dict[str, list[str]]:
    """The per-dashboard checks of one dashboard against the tree's context (keys: its alert_keys)."""
    alone = Tree({path: dashboard}, tree.datasources, {}, records=tree.records)
    linked = Tree({path: dashboard}, tree.datasources, {}, alerts=targeting)
    found = {name: CHECKS[name](linked if name == "slo-variable" else alone) for name in PER_DASHBOARD
             if name not in ("datasources", "series")}
    return {**found, "series": check_series(alone, keys),
            "datasources": dashboard_datasources(path, dashboard, tree.datasources)}


def verify_incremental(out: Path, base: Path) -> list[Result]:
    """verify, each dashboard a unit: replayed while its bytes, the schemas and what it read of the
    rest of the tree (the series recorded, the alerts' service and SLO and those linking to it, the
    datasources provisioned) are unchanged; the other checks run on every run from facts."""
    from obsgen.verify.result_cache import Units, context

    schemas = sorted(p.relative_to(base).as_posix() + ":" + __import__("hashlib").sha256(p.read_bytes()).hexdigest()
                     for p in base.glob("*.json"))
    units = Units(out, "grafana", context(schemas))
    held: dict[str, dict] = {}
    tree, dashboards, deployed = _context(out, units, held)
    shared = context([sorted(tree.records), sorted({json.dumps(a["labels"], sort_keys=True) for a in tree.alerts}),
                      tree.datasources])
    targeting, keys = _targeting(tree), alert_keys(tree)
    found: dict[str, list[str]] = {name: [] for name in CHECKS}
    for path in dashboards:
        uid = tree.dashboards[path]["uid"]
        ctx = context([shared, targeting.get(uid, [])])
        if units.replayed(path, [path], ctx):
            continue
        dashboard = held.pop(path, None)
        problems = _one(path, json.loads(units.files.read(path)) if dashboard is None else dashboard, tree, keys,
                        targeting.get(uid, []))
        units.files.forget(path)
        for name, listed in problems.items():
            found[name] += listed
        if not any(problems.values()):
            units.passed(path, [path], ctx)
    found["uids"] = check_uids(tree)
    found["links"] = check_links(tree)
    found["datasources"] += check_datasources(Tree({}, tree.datasources, tree.provisioning_text,
                                                   tree.datasource_refs))
    shas = set(deployed)
    found["configmaps"] = [f"{path}: no ConfigMap labelled grafana_dashboard: \"1\" holds this dashboard"
                           for path, sha in dashboards.items() if sha not in shas]
    units.prune()
    return [Result((TOOL, name, "dashboards/"), not problems, "\n".join(problems)) for name, problems in found.items()]
