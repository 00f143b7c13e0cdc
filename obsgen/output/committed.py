"""The one reader of generated text: a committed tree (a directory on disk, as `obsgen test` and
`obsgen diff` against a directory see it) read back into artifacts (obsgen/artifacts.py).

Every other step reads the artifacts the renderers built. Only a tree obsgen did not build in this
process (committed, edited, or written by an older obsgen) must be parsed, and it is parsed here:
its Kubernetes objects (`obsgen k8s`, `obsgen test`) and what the diff reads of it (`documents`).

A service's rules file becomes the RuleFile the renderer returns, its bytes kept, with the facts the
renderer attached to it (artifacts.SLOFacts) recovered from its PromQL by output/rule_facts.py.

A Kubernetes object is split into its top-level keys: the keys a kustomization reads or changes
(HEAD) are parsed, every other key is kept as written (a PrometheusRule's groups are most of the
bytes: parsing them all took 6 s of CPU at 3,000 SLOs). A file this cannot split safely into
top-level keys is parsed whole.
"""

from __future__ import annotations

import json
import re

from obsgen import names, yamlio
from obsgen.artifacts import (
    AlertmanagerConfig,
    Artifact,
    CollectorConfig,
    Dashboard,
    K8sObject,
    RouteTests,
    RuleFile,
    RuleGroups,
    TextFile,
    kept_text,
)
from obsgen.output import rule_facts

HEAD = ("apiVersion", "kind", "metadata", "subjects")  # the keys a kustomization reads or changes
_KEY_LINE = re.compile(r"[A-Za-z_][\w.-]*:(?: |\n|$)")


def artifacts(files: dict[str, str]) -> dict[str, Artifact]:
    """A committed tree (path -> text) as artifacts: each service's rules file a RuleFile with its
    SLOs' facts (what `obsgen diff` compares), its dashboards, collector configs, Alertmanager config
    and route tests as a build makes them (`documents`), every other file a TextFile holding its text."""
    typed = documents(files)
    return {path: rule_file(path, text) if names.is_rules_file(path)
            else typed.get(path) or TextFile(path, text) for path, text in files.items()}


def rule_file(path: str, text: str) -> RuleFile:
    """A committed rules file: its groups, its bytes as they are, and its SLOs' facts. A file that
    holds no rule groups (not YAML, not a mapping of `groups`) is kept as bytes with no groups
    (RuleGroups.complete False: nothing can be read from it)."""
    try:
        doc = yamlio.load(text)
    except yamlio.YAMLError:
        doc = None
    groups = doc.get("groups") if isinstance(doc, dict) else None
    if not isinstance(groups, list):
        return RuleFile(path, RuleGroups([], complete=False), text=text)
    head = {key: value for key, value in doc.items() if key != "groups"}
    return RuleFile(path, RuleGroups(groups), head=head, text=text, slos=rule_facts.recover(groups))


def k8s_objects(files: dict[str, str]) -> dict[str, list[K8sObject]]:
    """Every k8s/ file's objects (a kustomization is one too), by path."""
    return {path: _objects(path, text) for path, text in files.items() if path.startswith("k8s/")}


def _objects(path: str, text: str) -> list[K8sObject]:
    split = None if path.endswith("/" + names.KUSTOMIZATION) else _split(path, text)  # read whole
    if split is not None:
        return [split]
    return [K8sObject(path, doc) for doc in yamlio.load_all(text) if doc is not None]


def _split(path: str, text: str) -> K8sObject | None:
    """One object whose top-level keys each start a line at column 0, else None (parse it whole).
    Its head keys are parsed; each other key is held as written (`encoded`, None in body).

    Within a key's value every line is indented, blank, or a `- ` item at column 0 (a sequence
    under the key, as yamlout and kubectl write them); column-0 comments are dropped.
    """
    blocks: list[list[str]] = []
    for line in text.splitlines(keepends=True):
        if line.startswith("#"):
            continue
        if line[:1] in (" ", "\n", "\r") or line.startswith("- ") or line.rstrip("\r\n") == "-":
            if not blocks:
                return None
            blocks[-1].append(line)
        elif _KEY_LINE.match(line):
            blocks.append([line])
        else:  # `---`, a flow mapping, a quoted or complex key...: let the YAML parser decide
            return None
    keys = [block[0].split(":", 1)[0] for block in blocks]
    if not blocks or len(set(keys)) != len(keys):
        return None
    head_text = "".join("".join(b) for k, b in zip(keys, blocks, strict=True) if k in HEAD)
    head = yamlio.load(head_text)
    if not isinstance(head, dict):
        return None
    encoded = {k: "".join(b) for k, b in zip(keys, blocks, strict=True) if k not in HEAD}
    if encoded and not list(encoded.values())[-1].endswith("\n"):
        last = list(encoded)[-1]
        encoded[last] += "\n"
    return K8sObject(path, {k: head[k] if k in HEAD else None for k in keys}, encoded=encoded)


def documents(files: dict[str, str]) -> dict[str, Artifact]:
    """The dashboards, collector configs, Alertmanager config and route tests of a committed tree, as
    the artifacts a build makes (what `obsgen diff` and `preview` read of either tree). A file that
    does not parse as what its path says is left out: the diff then reads nothing from it."""
    found: dict[str, Artifact] = {}
    for path, text in files.items():
        parts = path.split("/")
        if parts[0] == "dashboards" and path.endswith(".json"):
            board = _parsed(json.loads, text)
            if isinstance(board, dict):
                found[path] = Dashboard(path, lambda board=board: board)  # its JSON object, as to_json() gives it
        elif (parts[0] == "otel" and len(parts) == 3 and path.endswith(".yaml")) \
                or path in (names.ALERTMANAGER_CONFIG, names.ALERTMANAGER_ROUTE_TESTS):
            data = _parsed(yamlio.load, text)
            kind = CollectorConfig if parts[0] == "otel" else AlertmanagerConfig \
                if path == names.ALERTMANAGER_CONFIG else RouteTests
            if isinstance(data, dict):
                found[path] = kind(path, data)
    for path, artifact in found.items():  # its text is the file's bytes, not what encoding the data gives
        kept_text(artifact, lambda _, text=files[path]: text)
    return found


def _parsed(parse, text: str):
    try:
        return parse(text)
    except (ValueError, yamlio.YAMLError):
        return None
