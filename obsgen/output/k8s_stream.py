"""`obsgen k8s`: every Kubernetes object of the k8s/ tree as one YAML stream, built in memory.

It applies the kustomizations the kustomize step wrote (render/kustomize.py) the way
`kubectl kustomize` does, for the only fields they use: `resources` (files and directories),
`namespace` and `labels` without selectors. Anything else is refused rather than ignored, and
tests compare the result with the real kustomize. This is the output an ArgoCD config management
plugin prints; nothing is read from disk but the specs.

It reads the artifacts the renderers built (obsgen/artifacts.py): a kustomization's fields and each
object's apiVersion, kind, metadata and subjects from their data; every other top-level key (a
PrometheusRule's groups: most of the bytes) is printed as the encoder writes it. A committed tree
(`obsgen test` without kubectl) comes through output/committed.py, its one reader of text.
"""

from __future__ import annotations

import copy
import posixpath
from dataclasses import dataclass

from obsgen import names, yamlio
from obsgen.artifacts import Artifact, K8sObject
from obsgen.output import committed

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
_HEAD = committed.HEAD




class StreamError(Exception):
    """The tree cannot be turned into objects (unknown environment, broken or duplicate object)."""


@dataclass
class _Object:
    head: dict  # the _HEAD keys, copied: the kustomizations change them
    body: str = ""  # every other top-level key, as written


Objects = dict[str, Artifact | list[K8sObject]]


def render(files: Objects, environment: str | None = None) -> str:
    """The YAML stream `kubectl kustomize k8s/` (or k8s/overlays/<environment>) would print."""
    return "---\n".join(yamlio.dump(o.head, header="") + o.body for o in _objects(files, environment))


def render_committed(files: dict[str, str], environment: str | None = None) -> str:
    """The same for a tree read from disk (path -> text)."""
    return render(committed.k8s_objects(files), environment)


def _objects(files: Objects, environment: str | None) -> list[_Object]:
    root = "k8s" if environment is None else f"{names.K8S_OVERLAYS}/{environment}"
    if f"{root}/{names.KUSTOMIZATION}" not in files:
        known = sorted(p.split("/")[2] for p in files
                       if p.startswith(names.K8S_OVERLAYS + "/") and p.endswith("/" + names.KUSTOMIZATION))
        raise StreamError(f"unknown environment {environment!r}; the Platform's environments: "
                          + (", ".join(known) or "none"))
    return _build(files, root)


def _listed(value) -> list[K8sObject]:
    return value if isinstance(value, list) else [value]


def _build(files: Objects, directory: str) -> list[_Object]:
    path = f"{directory}/{names.KUSTOMIZATION}"
    found = _listed(files[path])
    spec = found[0].body if len(found) == 1 and isinstance(found[0], K8sObject) else None
    if not isinstance(spec, dict):
        raise StreamError(f"{path}: not a kustomization")
    if set(spec) - _FIELDS:
        raise StreamError(f"{path}: obsgen k8s does not apply {sorted(set(spec) - _FIELDS)}")
    objs: list[_Object] = []
    for resource in spec.get("resources", []):
        target = posixpath.normpath(posixpath.join(directory, resource))
        if f"{target}/{names.KUSTOMIZATION}" in files:
            objs += _build(files, target)
        elif target in files:
            objs += _load(_listed(files[target]), target)
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


def _load(found: list, path: str) -> list[_Object]:
    objs = []
    for artifact in found:
        head = artifact.body if isinstance(artifact, K8sObject) else None
        if not (isinstance(head, dict) and head.get("apiVersion") and head.get("kind")
                and isinstance(head.get("metadata"), dict) and head["metadata"].get("name")):
            raise StreamError(f"{path}: not a Kubernetes object (apiVersion, kind, metadata.name)")
        objs.append(_object(artifact))
    return objs


def _object(obj: K8sObject) -> _Object:
    """The head keys copied (the kustomizations change them), the rest as the encoder writes it."""
    head = {k: copy.deepcopy(v) for k, v in obj.body.items() if k in _HEAD}
    rest = "".join(obj.encoded[k] if k in obj.encoded else yamlio.dump({k: v}, header="")
                   for k, v in obj.body.items() if k not in _HEAD)
    return _Object(head, rest)


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
