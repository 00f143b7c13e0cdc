"""What the k8s/ tree needs from the Platform: namespace, common labels, one overlay per environment,
and where External Secrets Operator fetches the receivers' secrets from (when asked)."""

from __future__ import annotations

from dataclasses import dataclass

from obsgen import names
from obsgen.spec.models import PlatformSpec


@dataclass(frozen=True)
class ExternalSecretsPlan:
    store: str
    store_kind: str  # SecretStore | ClusterSecretStore
    refresh_interval: str
    remote_keys: tuple[tuple[str, str], ...]  # Secret name -> remote secret (default: the name)

    def remote_key(self, secret: str) -> str:
        return dict(self.remote_keys).get(secret, secret)


@dataclass(frozen=True)
class KubernetesPlan:
    namespace: str = "monitoring"
    labels: tuple[tuple[str, str], ...] = names.K8S_LABELS  # on every object: obsgen's, then the user's
    environments: tuple[str, ...] = ("dev", "staging", "production")  # one overlay each
    external_secrets: ExternalSecretsPlan | None = None
    alertmanager_resource: str | None = None  # the operator's Alertmanager object the tree patches


def compile_kubernetes(platform: PlatformSpec) -> KubernetesPlan:
    k8s = platform.kubernetes
    external = k8s.external_secrets
    return KubernetesPlan(
        namespace=k8s.namespace,
        labels=names.K8S_LABELS + tuple(sorted(k8s.labels.items())),
        environments=tuple(platform.environments),
        external_secrets=ExternalSecretsPlan(
            store=external.store.name, store_kind=external.store.kind, refresh_interval=external.refresh_interval,
            remote_keys=tuple(sorted(external.remote_keys.items()))) if external else None,
        alertmanager_resource=platform.alertmanager.resource,
    )
