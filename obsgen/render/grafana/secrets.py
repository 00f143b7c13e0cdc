"""The Secrets Grafana reads datasource credentials from, mounted where the provisioning reads them.

The provisioning names each file as `$__file{/etc/grafana/secrets/<secret>/<key>}` (Grafana reads
the file when it provisions; no secret value is ever written). obsgen does not own Grafana's
Deployment (the grafana chart, or kube-prometheus-stack's `grafana:`), so it writes the values to
merge into the chart (MOUNTS_FILE: `extraSecretMounts`, one read-only directory per Secret) and,
when the Platform names a secret store, one ExternalSecret per Secret (k8s/base/secrets/), so the
Secrets exist without a secret in git. Grafana runs in the Platform's Kubernetes namespace, where
the ExternalSecrets create them.
"""

from __future__ import annotations

from obsgen import names, signal_path, yamlio
from obsgen.artifacts import K8sObject
from obsgen.plan.dashboards import DashboardsPlan
from obsgen.plan.kubernetes import ExternalSecretsPlan
from obsgen.render.external_secrets import external_secret

MOUNTS_FILE = "dashboards/grafana-secret-mounts.yaml"
MOUNTS_HEADER = (yamlio.HEADER + "# Merge into the grafana chart's values (kube-prometheus-stack: "
                 "grafana.extraSecretMounts):\n"
                 "# every Secret the datasource provisioning reads a credential file from.\n")


def mounted(dash: DashboardsPlan) -> dict[str, list[str]]:
    """Secret -> its keys, for every credential file of the datasources."""
    found: dict[str, set[str]] = {}
    for ds in dash.datasources:
        for path in ds.secret_files:
            where = signal_path.grafana_secret_of(path)
            if where:  # spec/cluster.py refuses any other path
                found.setdefault(where[0], set()).add(where[1])
    return {secret: sorted(keys) for secret, keys in sorted(found.items())}


def mounts(secrets: dict[str, list[str]]) -> str:
    return yamlio.dump({"extraSecretMounts": [
        {"name": f"secret-{secret}"[:63].rstrip("-"), "secretName": secret,
         "mountPath": f"{signal_path.GRAFANA_SECRETS_DIR}/{secret}", "readOnly": True}
        for secret in secrets]}, header=MOUNTS_HEADER)


def render(dash: DashboardsPlan, external: ExternalSecretsPlan | None, labels: dict) -> dict[str, str | K8sObject]:
    secrets = mounted(dash)
    if not secrets:
        return {}
    files = {MOUNTS_FILE: mounts(secrets)}
    for secret, keys in (secrets.items() if external is not None else ()):
        path = names.k8s_base_file("secrets", secret)
        files[path] = K8sObject(path, external_secret(external, labels, secret, keys))
    return files
