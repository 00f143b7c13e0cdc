"""output/encode.py: what marks an object for server-side apply, and what it never marks."""

from __future__ import annotations

import yaml

from obsgen import names
from obsgen.artifacts import K8sObject
from obsgen.output import encode
from obsgen.render import apply_mode


def _annotations(text: str) -> dict:
    return (yaml.safe_load(text).get("metadata") or {}).get("annotations") or {}


def test_a_kustomization_over_the_client_side_limit_is_not_marked_an_object_is():
    """base's kustomization at 5,000 services lists 10,000 files (over 256 KiB as JSON): it is
    kustomize's input, never applied, and the annotation made the kustomize verifier render whole."""
    files = [f"prometheus/svc-{i:05d}-with-a-long-enough-name.yaml" for i in range(6000)]
    kustomization = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                     "namespace": "monitoring", "resources": files}
    assert not apply_mode.client_side_fits(kustomization)
    written = encode.texts({"k8s/base/kustomization.yaml": K8sObject("k8s/base/kustomization.yaml", kustomization)})
    assert _annotations(written["k8s/base/kustomization.yaml"]) == {}
    assert yaml.safe_load(written["k8s/base/kustomization.yaml"]) == kustomization
    configmap = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"},
                 "data": {"files": "\n".join(files)}}
    path = f"{names.K8S_BASE}/grafana/big.yaml"
    marked = encode.texts({path: K8sObject(path, configmap)})[path]
    assert _annotations(marked) == {apply_mode.SYNC_OPTIONS: apply_mode.SERVER_SIDE}
