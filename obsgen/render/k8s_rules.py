"""One PrometheusRule per service (Prometheus Operator), holding exactly the groups of its
alerts/rules/<service>.rules.yaml: it reads them from that file's artifact (prometheus_rules.groups_of).

The operator writes each PrometheusRule as one rule file into a ConfigMap and refuses a rule file
over half a Secret's maximum size (512 KiB); a reconcile that fails on one object stalls every rule
update of that Prometheus. A service whose groups do not fit (about 50 paging SLOs) is split, whole
groups only, into `obsgen-<service>`, `obsgen-<service>.2`, ... (a dot: no service name has one).
"""

from __future__ import annotations

from obsgen import names
from obsgen import yamlio as yamlout  # YAML I/O's one home
from obsgen.artifacts import Artifact, K8sObject, RuleGroups
from obsgen.plan.model import Plan
from obsgen.render import k8s_objects, rule_groups
from obsgen.render.backend import Backend
from obsgen.render.prometheus_rules import groups_of

API_VERSION = "monitoring.coreos.com/v1"
KIND = "PrometheusRule"
DIRECTORY = "prometheus"  # k8s/base/prometheus/
MAX_RULES_BYTES = 400 * 1024  # below the operator's 512 KiB, leaving room for its own YAML encoding


def render(plan: Plan, rendered: dict[str, Artifact]) -> dict[str, K8sObject]:
    files = {}
    for service in plan.services:
        name = names.prometheus_rule_name(service.name)
        rules = groups_of(service, rendered)  # the rules file's own groups: dumped once, indented here
        whole = len(rule_groups.text(rules).encode()) <= MAX_RULES_BYTES
        for i, part in enumerate([rules] if whole else map(RuleGroups, _parts(rules.groups)), start=1):
            suffix = "" if i == 1 else f".{i}"
            path = names.k8s_base_file(DIRECTORY, service.name + suffix)
            body = {"apiVersion": API_VERSION, "kind": KIND, "metadata": k8s_objects.metadata(plan, name + suffix),
                    "spec": {"groups": part.groups}}
            files[path] = K8sObject(path, body, spec_rules=part)
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
                  uses=("kubernetes",), reads=("prometheus",))
