"""Typed artifacts (obsgen/artifacts.py): steps read the objects renderers built, never their text.

The guard below lists every module of obsgen that parses YAML or JSON, each with what it parses.
Generated text is parsed only where it comes from outside this process (a committed tree, a tool's
or a server's answer) or by the preview modules still listed as remaining; a new parse anywhere
else fails here, so that it reads the artifacts instead."""

from __future__ import annotations

import ast

from obsgen import names, pipeline
from obsgen.artifacts import (
    AlertmanagerConfig,
    CollectorConfig,
    Dashboard,
    GrafanaProvisioning,
    K8sObject,
    PromtoolTests,
    RouteTests,
    RuleFile,
    Template,
)
from obsgen.output import committed, encode
from tests.conftest import EXAMPLES, ROOT

PARSERS = {("yaml", "load"), ("yaml", "safe_load"), ("yaml", "load_all"), ("yaml", "safe_load_all"),
           ("yaml", "full_load"), ("json", "loads"), ("json", "load"),
           ("yamlio", "load"), ("yamlio", "load_all")}  # YAML I/O's one home (obsgen/yamlio.py)

ALLOWED = {
    "obsgen/yamlio.py": "YAML I/O's one home: every other reader here calls it",
    # a committed tree, read back: the one reader of generated text for `obsgen k8s`/`obsgen test`
    # and for `obsgen diff --against DIR`: its rules files (their facts recovered by output/rule_facts.py),
    # dashboards, collector and Alertmanager configs and route tests
    "obsgen/output/committed.py": "committed trees: k8s/ objects, and what the diff compares",
    # the judges: `obsgen test` reads the tree on disk as the real tools would
    **{f"obsgen/verify/{m}.py": "the tree on disk, as its tool reads it" for m in (
        "amtool", "grafana", "kustomize", "kustomize_chunks", "otelcol", "otelcol_schema", "promtool",
        "promtool_plan", "route_cases", "rulers", "scenario_rules", "seams", "shapes", "yaml_items")},
    # answers from servers and the cache's own entries: not generated text
    "obsgen/backfill/server.py": "Prometheus' HTTP API answers",
    "obsgen/preview/live.py": "the browser's requests",
    "obsgen/preview/live_sinks.py": "notifications received by the preview's sinks",
    "obsgen/cache.py": "the cache's own JSON entries",
}


def _parses(path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                isinstance(node.func.value, ast.Name) and (node.func.value.id, node.func.attr) in PARSERS:
            return True
    return False


def test_only_the_listed_modules_parse_yaml_or_json():
    parsing = {p.relative_to(ROOT).as_posix() for p in (ROOT / "obsgen").rglob("*.py") if _parses(p)}
    assert parsing - set(ALLOWED) == set(), "parses text: read the artifacts (obsgen/artifacts.py) instead"
    assert set(ALLOWED) - parsing == set(), "listed but parses nothing: drop it from ALLOWED"


def test_the_artifacts_are_the_files(tmp_path):
    """Each k8s/ file is a K8sObject whose kind and name are the file's; each rules file is a
    RuleFile whose groups are the file's; the text is the encoder's, byte for byte."""
    import yaml

    run = pipeline.run(EXAMPLES)
    assert run.files == encode.texts(run.artifacts)
    for path, artifact in run.artifacts.items():
        if path.startswith("k8s/") and not path.endswith("/kustomization.yaml"):
            assert isinstance(artifact, K8sObject), path
            parsed = yaml.safe_load(run.files[path])
            assert (parsed["kind"], parsed["metadata"]["name"]) == (artifact.kind, artifact.name), path
            assert parsed == artifact.body, path
        if path.startswith("alerts/rules/"):
            assert isinstance(artifact, RuleFile), path
            assert yaml.safe_load(run.files[path])["groups"] == artifact.rules.groups, path


def test_the_typed_files_hold_their_data(tmp_path):
    """Each promtool and health test file is a PromtoolTests whose data is the file's (its notes in
    the header); the Alertmanager config, its route tests and templates, every dashboard (the JSON
    object Grafana's SDK built) and collector config are typed artifacts whose data is the file's.
    So are the Grafana provisioning files, the datasources' the text its ConfigMap holds. A
    committed tree's, read back by output/committed.py, are the same."""
    import json

    import yaml

    run = pipeline.run(EXAMPLES)
    kinds = {"alerts/tests/": PromtoolTests, "dashboards/": Dashboard, "otel/": CollectorConfig,
             names.ALERTMANAGER_CONFIG: AlertmanagerConfig, names.ALERTMANAGER_ROUTE_TESTS: RouteTests,
             f"{names.ALERTMANAGER_DIR}/{names.ALERTMANAGER_TEMPLATE}": Template,
             "dashboards/provisioning/": GrafanaProvisioning}
    seen = dict.fromkeys(kinds, 0)
    read_back = committed.documents(run.files)
    for path, artifact in run.artifacts.items():
        kind = max((k for k in kinds if path.startswith(k) and (k != "dashboards/" or path.endswith(".json"))),
                   key=len, default=None)
        if kind is None:
            continue
        seen[kind] += 1
        assert isinstance(artifact, kinds[kind]), path
        text = run.files[path]
        if isinstance(artifact, Template):
            assert artifact.text == text, path
            continue
        data = artifact.json() if isinstance(artifact, Dashboard) else artifact.data
        assert data == (json.loads(text) if path.endswith(".json") else yaml.safe_load(text)), path
        if isinstance(artifact, PromtoolTests):
            assert text.startswith(artifact.header) and "no tests" not in text[len(artifact.header):], path
        elif isinstance(artifact, GrafanaProvisioning):
            embedded = [cm.body["data"] for cm in run.artifacts.values() if isinstance(cm, K8sObject)
                        and cm.kind == "ConfigMap" and text in cm.body["data"].values()]
            assert embedded or path.endswith("/dashboards.yaml"), path
        else:
            assert type(read_back[path]) is type(artifact), path
            assert (read_back[path].json() if isinstance(artifact, Dashboard) else read_back[path].data) == data
    assert all(seen.values()), seen
    assert seen["alerts/tests/"] == 2 * len(run.plan.services)
