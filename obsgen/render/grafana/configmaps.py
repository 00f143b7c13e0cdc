"""Each dashboard as a ConfigMap for the Grafana sidecar (label `grafana_dashboard: "1"`), and the
datasources for its datasource sidecar (`grafana_datasource: "1"`); one object per file."""

from __future__ import annotations

from obsgen import yamlio as yamlout  # YAML I/O's one home
from obsgen.artifacts import K8sObject

BASE = "k8s/base/grafana"
MANAGED = {"app.kubernetes.io/managed-by": "obsgen", "app.kubernetes.io/part-of": "obsgen"}


def dashboard(kind: str, name: str, file_name: str, text: str) -> tuple[str, K8sObject]:
    """`kind` (service, team, overview) keeps object names unique whatever the service is called."""
    object_name = f"obsgen-dashboard-{kind}" + (f"-{name}" if name else "")
    return _configmap(object_name, {"grafana_dashboard": "1"}, file_name, text)


def datasources(text: str) -> tuple[str, K8sObject]:
    return _configmap("obsgen-grafana-datasources", {"grafana_datasource": "1"}, "obsgen-datasources.yaml", text)


def _configmap(name: str, labels: dict[str, str], key: str, text: str) -> tuple[str, K8sObject]:
    head = {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "labels": {**MANAGED, **labels}, "annotations": {"grafana_folder": "obsgen"}},
    }
    path = f"{BASE}/{name}.yaml"
    body = {**head, "data": {key: text}}
    if _plain_block(text):
        # What yamlio.dump writes for this text, without its per-line checks (2.7 s at 1000 dashboards)
        block = "    " + text[:-1].replace("\n", "\n    ") + "\n"
        return path, K8sObject(path, body, encoded={"data": f"data:\n  {yamlout.scalar(key)}: |\n{block}"})
    return path, K8sObject(path, body)


def _plain_block(text: str) -> bool:
    """Text a YAML literal block (`|`) keeps unchanged: one final newline, printable lines, no line
    empty or ending in a space, the first not indented."""
    return (text.endswith("\n") and not text.endswith("\n\n") and not text.startswith(" ") and "\n\n" not in text
            and " \n" not in text and text.replace("\n", "").isprintable())
