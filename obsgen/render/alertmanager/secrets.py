"""The Secrets the Alertmanager config reads files from, as the Prometheus Operator mounts them.

The operator mounts each Secret listed in the Alertmanager resource's `spec.secrets` at
/etc/alertmanager/secrets/<secret>/ (one file per key; spec/cluster.py holds every path to that
form). obsgen does not own the Alertmanager resource (kube-prometheus-stack does), so it writes the
fields to merge into it (alerts/alertmanager/alertmanager-spec.yaml) and, when the Platform names a
secret store, one ExternalSecret per Secret (k8s/base/secrets/), so no secret is kept in git.
When the Platform names the Alertmanager resource, the k8s/ tree also holds those fields as a
partial Alertmanager object (k8s/patches/alertmanager-resource.yaml): ArgoCD applies it
server-side, which sets exactly these fields of the chart's object (ArgoCD's documented way to
patch a resource it does not own), and never prunes or deletes it.
"""

from __future__ import annotations

from obsgen import names, signal_path, yamlio
from obsgen.artifacts import K8sObject
from obsgen.plan.kubernetes import ExternalSecretsPlan
from obsgen.render import apply_mode
from obsgen.render.external_secrets import external_secret

SPEC_FILE = f"{names.ALERTMANAGER_DIR}/alertmanager-spec.yaml"
SPEC_HEADER = (yamlio.HEADER + "# Merge into the Alertmanager resource's spec (kube-prometheus-stack: "
               "alertmanager.alertmanagerSpec):\n# the config Secret, and every Secret whose files it reads.\n")
RESOURCE_FILE = f"{names.K8S_PATCHES}/alertmanager-resource.yaml"
# Server-side: only these fields, owned by ArgoCD's field manager; Validate=false: a partial object
# (ArgoCD's docs ask for it); never pruned nor deleted with the Application: the chart owns it.
PATCH_SYNC_OPTIONS = "ServerSideApply=true,Validate=false,Prune=false,Delete=false"


def mounted(config) -> dict[str, list[str]]:
    """Secret -> its keys, for every `*_file` of the config under the operator's secrets directory."""
    found: dict[str, set[str]] = {}
    for path in _files(config):
        where = signal_path.alertmanager_secret_of(path)
        if where:
            found.setdefault(where[0], set()).add(where[1])
    return {secret: sorted(keys) for secret, keys in sorted(found.items())}


def _files(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and key.endswith("_file") and isinstance(value, str):
                yield value
            else:
                yield from _files(value)
    elif isinstance(node, list):
        for item in node:
            yield from _files(item)


def _spec(secrets: dict[str, list[str]]) -> dict:
    return {"configSecret": names.ALERTMANAGER_SECRET, "secrets": list(secrets)}


def spec_fragment(secrets: dict[str, list[str]]) -> str:
    return yamlio.dump(_spec(secrets), header=SPEC_HEADER)


def resource_patch(name: str, secrets: dict[str, list[str]]) -> dict:
    """The Alertmanager resource with only the fields obsgen owns, and no labels: the chart owns
    them (render/kustomize.py keeps the common labels off k8s/patches/)."""
    return {"apiVersion": "monitoring.coreos.com/v1", "kind": "Alertmanager",
            "metadata": {"name": name, "annotations": {apply_mode.SYNC_OPTIONS: PATCH_SYNC_OPTIONS}},
            "spec": _spec(secrets)}


def render(config: dict, external: ExternalSecretsPlan | None, labels: dict,
           resource: str | None = None) -> dict[str, str | K8sObject]:
    secrets = mounted(config)
    files = {SPEC_FILE: spec_fragment(secrets)}
    if resource is not None:
        files[RESOURCE_FILE] = K8sObject(RESOURCE_FILE, resource_patch(resource, secrets))
    if external is not None:
        for secret, keys in secrets.items():
            obj = external_secret(external, labels, secret, keys)
            path = names.k8s_base_file("secrets", secret)
            files[path] = K8sObject(path, obj)
    return files
