"""`obsgen k8s`: every Kubernetes object of the k8s/ tree as one YAML stream, built in memory.

It applies the kustomizations the kustomize step wrote (render/kustomize.py) the way
`kubectl kustomize` does, for the only fields they use: `resources` (files and directories),
`namespace` and `labels` without selectors. Anything else is refused rather than ignored, and
tests compare the result with the real kustomize. This is the output an ArgoCD config management
plugin prints; nothing is read from disk but the specs.

Only the top-level keys a kustomization changes or reads (apiVersion, kind, metadata, subjects) are
parsed; the rest of each object (a PrometheusRule's groups: most of the bytes) is passed through
as written. Parsing it all took 6 s of CPU at 3,000 SLOs. A file this cannot split safely into
top-level keys is parsed whole.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from obsgen import names, yamlio

_FIELDS = {"apiVersion", "kind", "namespace", "labels", "resources"}
_BINDINGS = {("rbac.authorization.k8s.io", "RoleBinding"), ("rbac.authorization.k8s.io", "ClusterRoleBinding")}
# Kinds without a namespace (kustomize knows them from the Kubernetes OpenAPI; custom kinds are
# namespaced, as kustomize assumes too).
_CLUSTER_SCOPED = {
    ("", "Namespace"), ("", "Node"), ("", "PersistentVolume"), ("", "ComponentStatus"),
    ("rbac.authorization.k8s.io", "ClusterRole"), ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"), ("apiregistration.k8s.io", "APIService"),
    ("storage.k8s.io", "StorageClass"), ("storage.k8s.io", "CSIDriver"), ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "VolumeAttachment"), ("scheduling.k8s.io", "PriorityClass"),
    ("node.k8s.io", "RuntimeClass"), ("networking.k8s.io", "IngressClass"),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"), ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
}
_HEAD = ("apiVersion", "kind", "metadata", "subjects")  # the keys a kustomization reads or changes
_KEY_LINE = re.compile(r"[A-Za-z_][\w.-]*:(?: |\n|$)")


# Renderers that write nothing under k8s/: `obsgen k8s` need not run them (the promtool tests are
# a third of the rendering time). A test checks that skipping them changes no k8s/ file.
WITHOUT_K8S = ("prometheus", "promtool-tests", "promtool-health-tests")


class StreamError(Exception):
    """The tree cannot be turned into objects (unknown environment, broken or duplicate object)."""


@dataclass
class _Object:
    head: dict  # the parsed _HEAD keys (or the whole object, when it could not be split)
    body: str = ""  # every other top-level key, as written


def render(files: dict[str, str], environment: str | None = None) -> str:
    """The YAML stream `kubectl kustomize k8s/` (or k8s/overlays/<environment>) would print."""
    return "---\n".join(yamlio.dump(o.head, header="") + o.body for o in _objects(files, environment))


def objects(files: dict[str, str], environment: str | None = None) -> list[dict]:
    """The same objects, parsed."""
    return list(yamlio.load_all(render(files, environment)))


def _objects(files: dict[str, str], environment: str | None) -> list[_Object]:
    root = "k8s" if environment is None else f"{names.K8S_OVERLAYS}/{environment}"
    if f"{root}/{names.KUSTOMIZATION}" not in files:
        known = sorted(p.split("/")[2] for p in files
                       if p.startswith(names.K8S_OVERLAYS + "/") and p.endswith("/" + names.KUSTOMIZATION))
        raise StreamError(f"unknown environment {environment!r}; the Platform's environments: "
                          + (", ".join(known) or "none"))
    return _build(files, root)


def _build(files: dict[str, str], directory: str) -> list[_Object]:
    path = f"{directory}/{names.KUSTOMIZATION}"
    spec = yamlio.load(files[path]) or {}
    if set(spec) - _FIELDS:
        raise StreamError(f"{path}: obsgen k8s does not apply {sorted(set(spec) - _FIELDS)}")
    objs: list[_Object] = []
    for resource in spec.get("resources", []):
        target = posixpath.normpath(posixpath.join(directory, resource))
        if f"{target}/{names.KUSTOMIZATION}" in files:
            objs += _build(files, target)
        elif target in files:
            objs += _load(files[target], target)
        else:
            raise StreamError(f"{path}: resource {resource!r} is not in the tree")
    if "namespace" in spec:
        _set_namespace(objs, spec["namespace"])
    for entry in spec.get("labels", []):
        if entry.get("includeSelectors") or entry.get("includeTemplates"):
            raise StreamError(f"{path}: obsgen k8s sets labels only in metadata")
        for obj in objs:
            meta = obj.head["metadata"]
            meta["labels"] = {**(meta.get("labels") or {}), **entry.get("pairs", {})}
    _check_unique(objs, path)
    return objs


def _load(text: str, path: str) -> list[_Object]:
    split = _split(text)
    objs = [split] if split is not None else [_Object(doc) for doc in yamlio.load_all(text) if doc is not None]
    for obj in objs:
        head = obj.head
        if not (isinstance(head, dict) and head.get("apiVersion") and head.get("kind")
                and isinstance(head.get("metadata"), dict) and head["metadata"].get("name")):
            raise StreamError(f"{path}: not a Kubernetes object (apiVersion, kind, metadata.name)")
    return objs


def _split(text: str) -> _Object | None:
    """One object whose top-level keys each start a line at column 0, else None (parse it whole).

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
    head_text = "".join("".join(b) for k, b in zip(keys, blocks, strict=True) if k in _HEAD)
    body = "".join("".join(b) for k, b in zip(keys, blocks, strict=True) if k not in _HEAD)
    head = yamlio.load(head_text)
    if not isinstance(head, dict):
        return None
    return _Object(head, body if body.endswith("\n") or not body else body + "\n")


def _gk(obj: _Object) -> tuple[str, str]:
    group = obj.head["apiVersion"].rpartition("/")[0]
    return group, obj.head["kind"]


def _set_namespace(objs: list[_Object], namespace: str) -> None:
    accounts = {o.head["metadata"]["name"] for o in objs if _gk(o) == ("", "ServiceAccount")}
    for obj in objs:
        gk, meta = _gk(obj), obj.head["metadata"]
        if gk == ("", "Namespace"):  # kustomize renames a Namespace object to the namespace it sets
            meta["name"] = namespace
        elif gk not in _CLUSTER_SCOPED:
            meta["namespace"] = namespace
        if gk in _BINDINGS:
            # As kustomize: subjects named "default", and service accounts the tree itself defines.
            for subject in obj.head.get("subjects") or []:
                if subject.get("name") == "default" or (
                        subject.get("kind") == "ServiceAccount" and subject.get("name") in accounts):
                    subject["namespace"] = namespace


def _check_unique(objs: list[_Object], path: str) -> None:
    seen = set()
    for obj in objs:
        meta = obj.head["metadata"]
        key = (*_gk(obj), meta.get("namespace", ""), meta["name"])
        if key in seen:
            raise StreamError(f"{path}: two objects are {key[1]} {key[3]!r}")
        seen.add(key)
