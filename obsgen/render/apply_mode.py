"""What the API server accepts, and how each object must be applied to get there.

- A ConfigMap's or Secret's data is at most 1 MiB (the API server's validation); obsgen refuses a
  dashboard that would not fit (render/grafana), located at its service.
- Client-side apply (`kubectl apply`, ArgoCD's default) stores the whole object as JSON in the
  `kubectl.kubernetes.io/last-applied-configuration` annotation, and an object's annotations are at
  most 256 KiB together. An object whose JSON would not fit must be applied server-side: obsgen
  annotates it `argocd.argoproj.io/sync-options: ServerSideApply=true`, which ArgoCD honours per
  object whatever the Application says (with kubectl: `kubectl apply --server-side`).
output/encode.py marks the objects as it encodes them; verify/k8s_sizes.py checks every object of
the k8s/ tree against both limits.
"""

from __future__ import annotations

import json

DATA_MAX = 1024 * 1024  # bytes of a ConfigMap's or Secret's data
ANNOTATIONS_MAX = 256 * 1024  # bytes of all of an object's annotations, keys included
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
# What kustomize adds before apply (the namespace) and the annotation's own key, with room to spare.
MARGIN = 1024
SYNC_OPTIONS = "argocd.argoproj.io/sync-options"
SERVER_SIDE = "ServerSideApply=true"
# Go's encoding/json escapes these (5 bytes more each for < > &, 3 more for U+2028/9 in UTF-8)
_GO_ESCAPES = {"<": 5, ">": 5, "&": 5, "\u2028": 3, "\u2029": 3}


def last_applied_bytes(obj: dict) -> int:
    """The size of the last-applied annotation client-side apply would write for `obj`: its compact
    JSON as Go's encoder writes it."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return len(text.encode()) + sum(text.count(c) * extra for c, extra in _GO_ESCAPES.items())


def client_side_fits(obj: dict) -> bool:
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    others = sum(len(k.encode()) + len(str(v).encode()) for k, v in annotations.items())
    return last_applied_bytes(obj) + others + MARGIN <= ANNOTATIONS_MAX


def server_side(obj: dict) -> bool:
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    return SERVER_SIDE in str(annotations.get(SYNC_OPTIONS, "")).split(",")


def data_bytes(obj: dict) -> int:
    """The bytes a ConfigMap or Secret holds (keys and values), as the API server counts them."""
    total = 0
    for key in ("data", "binaryData", "stringData"):
        total += sum(len(k.encode()) + len(str(v).encode()) for k, v in (obj.get(key) or {}).items())
    return total
