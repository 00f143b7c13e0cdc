"""External Secrets Operator: the ExternalSecret that fills one Secret from the Platform's secret
store, each key fetched as `property: <key>` of the remote secret (the Platform's `remote_keys`, by
default the Secret's own name). Used for the Alertmanager's receivers and Grafana's datasources."""

from __future__ import annotations

from obsgen.plan.kubernetes import ExternalSecretsPlan

API = "external-secrets.io/v1"


def external_secret(plan: ExternalSecretsPlan, labels: dict, secret: str, keys: list[str]) -> dict:
    remote = plan.remote_key(secret)
    return {
        "apiVersion": API, "kind": "ExternalSecret",
        "metadata": {"name": secret, "labels": labels},
        "spec": {
            "refreshInterval": plan.refresh_interval,
            "secretStoreRef": {"name": plan.store, "kind": plan.store_kind},
            "target": {"name": secret, "creationPolicy": "Owner"},
            "data": [{"secretKey": key, "remoteRef": {"key": remote, "property": key}} for key in keys],
        },
    }
