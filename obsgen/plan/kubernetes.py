"""What the k8s/ tree needs from the Platform: namespace, common labels, one overlay per environment."""

from __future__ import annotations

from dataclasses import dataclass

from obsgen import names
from obsgen.spec.models import PlatformSpec


@dataclass(frozen=True)
class KubernetesPlan:
    namespace: str = "monitoring"
    labels: tuple[tuple[str, str], ...] = names.K8S_LABELS  # on every object: obsgen's, then the user's
    environments: tuple[str, ...] = ("dev", "staging", "production")  # one overlay each


def compile_kubernetes(platform: PlatformSpec) -> KubernetesPlan:
    k8s = platform.kubernetes
    return KubernetesPlan(
        namespace=k8s.namespace,
        labels=names.K8S_LABELS + tuple(sorted(k8s.labels.items())),
        environments=tuple(platform.environments),
    )
