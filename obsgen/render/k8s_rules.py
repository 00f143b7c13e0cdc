"""One PrometheusRule per service (Prometheus Operator), holding exactly the groups of its
alerts/rules/<service>.rules.yaml: both are built by prometheus_rules.service_groups.

The operator writes each PrometheusRule as one rule file into a ConfigMap and refuses a rule file
over half a Secret's maximum size (512 KiB); a reconcile that fails on one object stalls every rule
update of that Prometheus. A service whose groups do not fit (about 50 paging SLOs) is split, whole
groups only, into `obsgen-<service>`, `obsgen-<service>.2`, ... (a dot: no service name has one).
"""

from __future__ import annotations

from obsgen import names
from obsgen.artifacts import K8sObject
from obsgen.plan.model import Plan
from obsgen.render import k8s_objects, yamlout
from obsgen.render.backend import Backend
from obsgen.render.prometheus_rules import groups_text, service_groups

API_VERSION = "monitoring.coreos.com/v1"
KIND = "PrometheusRule"
DIRECTORY = "prometheus"  # k8s/base/prometheus/
MAX_RULES_BYTES = 400 * 1024  # below the operator's 512 KiB, leaving room for its own YAML encoding


def render(plan: Plan) -> dict[str, K8sObject]:
    files = {}
    for service in plan.services:
        name = names.prometheus_rule_name(service.name)
        text = groups_text(service)  # the rules file's own text: dumped once, indented here
        whole = len(text.encode()) <= MAX_RULES_BYTES
        parts = [service_groups(service)] if whole else _parts(service_groups(service))
        for i, groups in enumerate(parts, start=1):
            suffix = "" if i == 1 else f".{i}"
            path = names.k8s_base_file(DIRECTORY, service.name + suffix)
            body = {"apiVersion": API_VERSION, "kind": KIND, "metadata": k8s_objects.metadata(plan, name + suffix),
                    "spec": {"groups": groups}}
            spec = text if whole else yamlout.dump({"groups": groups}, header="")
            files[path] = K8sObject(path, body, encoded={"spec": yamlout.under("spec", spec)})
    return files


def _size(groups: list[dict]) -> int:
    return len(yamlout.dump({"groups": groups}, header="").encode())


def _parts(groups: list[dict], limit: int = MAX_RULES_BYTES) -> list[list[dict]]:
    """The groups in order, cut into runs that each fit within the limit (one part almost always)."""
    if _size(groups) <= limit:
        return [groups]
    parts: list[list[dict]] = [[]]
    used = 0
    for group in groups:
        size = _size([group])
        if parts[-1] and used + size > limit:
            parts.append([])
            used = 0
        parts[-1].append(group)
        used += size
    return parts


BACKEND = Backend("k8s-prometheus-rules", render, output_dirs=("k8s",), per_service=True, k8s_kinds=(KIND,),
                  settings=("kubernetes",))
