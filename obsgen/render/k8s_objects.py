"""Helpers for renderers that write Kubernetes objects into the k8s/ tree (one object per file).

Objects carry obsgen's labels and the Platform's `kubernetes.labels` themselves, and no namespace:
the kustomize step (render/kustomize.py) sets it.
"""

from __future__ import annotations

from obsgen import yamlio
from obsgen.plan.model import Plan


def metadata(plan: Plan, name: str, labels: dict[str, str] | None = None) -> dict:
    return {"name": name, "labels": {**dict(plan.kubernetes.labels), **(labels or {})}}


def dump(api_version: str, kind: str, meta: dict, **body) -> str:
    return yamlio.dump({"apiVersion": api_version, "kind": kind, "metadata": meta, **body})
