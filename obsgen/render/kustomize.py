"""The kustomize step: run after every renderer, it lists the Kubernetes objects they wrote.

Renderers put one object per YAML file under k8s/base/<backend>/ (the same in every environment) or
k8s/overlays/<env>/<backend>/ (that environment's own). This step writes, for whatever is there:

  k8s/base/kustomization.yaml            every file under k8s/base/
  k8s/overlays/<env>/kustomization.yaml  ../../base plus that overlay's own files, one per environment
  k8s/kustomization.yaml                 the base: what every environment deploys

Each kustomization sets the namespace (Platform `kubernetes.namespace`) and obsgen's labels on every
object. output/k8s_stream.py applies the same kustomizations in memory for `obsgen k8s`. Objects are
read as the renderers built them (K8sObject, obsgen/artifacts.py): kind and name, never their YAML.

A patch of an object obsgen does not own (k8s/patches/: the chart's Alertmanager, applied
server-side) must not carry obsgen's labels: ArgoCD would take the chart's labels over, and the
chart take them back at its next sync. A kustomization's labels reach every object it includes,
sub-kustomizations too, whatever kind (kustomize has no exclusion), so the patches get a
kustomization of their own (namespace only), and the entry points include them beside the labelled
objects, with no labels of their own:

  k8s/patches/kustomization.yaml              the patches, namespace only
  k8s/kustomization.yaml                      base + patches
  k8s/overlays/<env>/kustomization.yaml       ../../base + ../../patches + <backend>/ (no labels)
  k8s/overlays/<env>/<backend>/kustomization.yaml  that environment's own files, labelled
"""

from __future__ import annotations

from obsgen import names
from obsgen.artifacts import Artifact, K8sObject
from obsgen.plan.model import Plan

API_VERSION = "kustomize.config.k8s.io/v1beta1"
KIND = "Kustomization"
_RESERVED = {"kustomization.yaml", "kustomization.yml", "Kustomization"}


def render(plan: Plan, files: dict[str, Artifact]) -> dict[str, K8sObject]:
    k8s = plan.kubernetes
    base: list[str] = []
    overlays: dict[str, list[str]] = {env: [] for env in k8s.environments}
    patches: list[str] = []
    for path in sorted(p for p in files if p.startswith("k8s/")):
        _check_file(path, files[path])
        if path.startswith(names.K8S_BASE + "/"):
            base.append(path.removeprefix(names.K8S_BASE + "/"))
            continue
        if path.startswith(names.K8S_PATCHES + "/"):
            patches.append(path.removeprefix(names.K8S_PATCHES + "/"))
            continue
        env, _, rest = path.removeprefix(names.K8S_OVERLAYS + "/").partition("/")
        if not path.startswith(names.K8S_OVERLAYS + "/") or not rest:
            raise RuntimeError(f"{path}: Kubernetes objects go under {names.K8S_BASE}/<backend>/ or "
                               f"{names.K8S_OVERLAYS}/<environment>/<backend>/")
        if env not in overlays:
            raise RuntimeError(f"{path}: {env!r} is not one of the Platform's environments")
        overlays[env].append(rest)
    _check_unique(files, k8s.environments)
    out = {f"{names.K8S_BASE}/{names.KUSTOMIZATION}": kustomization(plan, base),
           f"k8s/{names.KUSTOMIZATION}": _header(["base"])}
    if patches:
        return _objects(out) | _with_patches(plan, patches, overlays)
    for env, own in overlays.items():
        out[f"{names.K8S_OVERLAYS}/{env}/{names.KUSTOMIZATION}"] = kustomization(plan, ["../../base", *own])
    return _objects(out)


def _with_patches(plan: Plan, patches: list[str], overlays: dict[str, list[str]]) -> dict[str, K8sObject]:
    """The entry points of a tree with patches: labels only where the objects are obsgen's own."""
    patches_dir = names.K8S_PATCHES.removeprefix("k8s/")
    out = {f"{names.K8S_PATCHES}/{names.KUSTOMIZATION}": {
               "apiVersion": API_VERSION, "kind": KIND, "namespace": plan.kubernetes.namespace, "resources": patches},
           f"k8s/{names.KUSTOMIZATION}": _header(["base", patches_dir])}
    for env, own in overlays.items():
        backends: dict[str, list[str]] = {}
        for rest in own:
            backend, _, file = rest.partition("/")
            if not file:
                raise RuntimeError(f"{names.K8S_OVERLAYS}/{env}/{rest}: an environment's objects go under "
                                   f"{names.K8S_OVERLAYS}/{env}/<backend>/")
            backends.setdefault(backend, []).append(file)
        for backend, own_files in backends.items():
            out[f"{names.K8S_OVERLAYS}/{env}/{backend}/{names.KUSTOMIZATION}"] = kustomization(plan, own_files)
        out[f"{names.K8S_OVERLAYS}/{env}/{names.KUSTOMIZATION}"] = _header(["../../base", f"../../{patches_dir}",
                                                                           *backends])
    return _objects(out)


def _objects(bodies: dict[str, dict]) -> dict[str, K8sObject]:
    return {path: K8sObject(path, body) for path, body in bodies.items()}


def _check_file(path: str, artifact: Artifact) -> None:
    if path.rsplit("/", 1)[-1] in _RESERVED:
        raise RuntimeError(f"{path}: kustomizations are written by the kustomize step, not by renderers")
    if not path.endswith(".yaml") or not isinstance(artifact, K8sObject):
        raise RuntimeError(f"{path}: only Kubernetes objects (K8sObject artifacts, one per .yaml file) go under k8s/")


def _check_unique(files: dict[str, Artifact], environments) -> None:
    """Two renderers' objects with the same kind and name would make kustomize refuse the whole
    tree in ArgoCD; refuse it here instead, naming both files. Base objects are in every overlay."""
    seen: dict[tuple[str, str, str], str] = {}
    for path in sorted(p for p in files if p.startswith("k8s/")):
        obj = files[path]
        shared = path.startswith((names.K8S_BASE + "/", names.K8S_PATCHES + "/"))  # in every environment
        scopes = environments if shared else [path.split("/")[2]]
        for env in scopes:
            key = (env, obj.kind, obj.name)
            if key in seen:
                raise RuntimeError(f"{path} and {seen[key]} both define {key[1]} {key[2]}")
            seen[key] = path


def _header(resources: list[str]) -> dict:
    return {"apiVersion": API_VERSION, "kind": KIND, "resources": resources}


def kustomization(plan: Plan, resources: list[str]) -> dict:
    body = _header(resources)
    del body["resources"]
    body["namespace"] = plan.kubernetes.namespace
    # Selectors stay untouched: adding labels to a Deployment's selector would make it immutable.
    body["labels"] = [{"pairs": dict(plan.kubernetes.labels), "includeSelectors": False}]
    body["resources"] = resources
    return body
