"""`obsgen k8s`: every Kubernetes object of the k8s/ tree as one YAML stream, built in memory.

It applies the kustomizations the kustomize step wrote (render/kustomize.py) the way
`kubectl kustomize` does, for the only fields they use: `resources` (files and directories),
`namespace` and `labels` without selectors. Anything else is refused rather than ignored, and
tests compare the result with the real kustomize. This is the output an ArgoCD config management
plugin prints; nothing is read from disk but the specs.
"""

from __future__ import annotations

import posixpath

import yaml

from obsgen import names
from obsgen.render import yamlout

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


class StreamError(Exception):
    """The tree cannot be turned into objects (unknown environment, broken or duplicate object)."""


def objects(files: dict[str, str], environment: str | None = None) -> list[dict]:
    """The objects `kubectl kustomize k8s/` (or k8s/overlays/<environment>) would print."""
    root = "k8s" if environment is None else f"{names.K8S_OVERLAYS}/{environment}"
    if f"{root}/{names.KUSTOMIZATION}" not in files:
        known = sorted(p.split("/")[2] for p in files
                       if p.startswith(names.K8S_OVERLAYS + "/") and p.endswith("/" + names.KUSTOMIZATION))
        raise StreamError(f"unknown environment {environment!r}; the Platform's environments: "
                          + (", ".join(known) or "none"))
    return _build(files, root)


def stream(objs: list[dict]) -> str:
    return "---\n".join(yamlout.dump(obj, header="") for obj in objs)


def _build(files: dict[str, str], directory: str) -> list[dict]:
    path = f"{directory}/{names.KUSTOMIZATION}"
    spec = yaml.load(files[path], Loader=yaml.CSafeLoader) or {}
    if set(spec) - _FIELDS:
        raise StreamError(f"{path}: obsgen k8s does not apply {sorted(set(spec) - _FIELDS)}")
    objs: list[dict] = []
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
            obj["metadata"].setdefault("labels", {}).update(entry.get("pairs", {}))
    _check_unique(objs, path)
    return objs


def _load(text: str, path: str) -> list[dict]:
    objs = [doc for doc in yaml.load_all(text, Loader=yaml.CSafeLoader) if doc is not None]
    for obj in objs:
        if not (isinstance(obj, dict) and obj.get("apiVersion") and obj.get("kind")
                and isinstance(obj.get("metadata"), dict) and obj["metadata"].get("name")):
            raise StreamError(f"{path}: not a Kubernetes object (apiVersion, kind, metadata.name)")
    return objs


def _gk(obj: dict) -> tuple[str, str]:
    group = obj["apiVersion"].rpartition("/")[0]
    return group, obj["kind"]


def _set_namespace(objs: list[dict], namespace: str) -> None:
    accounts = {o["metadata"]["name"] for o in objs if _gk(o) == ("", "ServiceAccount")}
    for obj in objs:
        gk = _gk(obj)
        if gk == ("", "Namespace"):  # kustomize renames a Namespace object to the namespace it sets
            obj["metadata"]["name"] = namespace
        elif gk not in _CLUSTER_SCOPED:
            obj["metadata"]["namespace"] = namespace
        if gk in _BINDINGS:
            # As kustomize: subjects named "default", and service accounts the tree itself defines.
            for subject in obj.get("subjects") or []:
                if subject.get("name") == "default" or (
                        subject.get("kind") == "ServiceAccount" and subject.get("name") in accounts):
                    subject["namespace"] = namespace


def _check_unique(objs: list[dict], path: str) -> None:
    seen = set()
    for obj in objs:
        key = (*_gk(obj), obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
        if key in seen:
            raise StreamError(f"{path}: two objects are {key[1]} {key[3]!r}")
        seen.add(key)
