"""Grafana Mimir / Cortex ruler: `mimirtool rules load` namespace files.

One file per namespace (`namespace:` plus Prometheus' `groups:`); the namespace is the service, or
its team when the Platform says `namespace: team`. Each group may carry `source_tenants` (Mimir's
federated rule groups) when the Platform lists tenants.
"""

from __future__ import annotations

from obsgen import names
from obsgen.artifacts import Artifact, RuleFile, RuleGroups
from obsgen.plan.model import Plan
from obsgen.render import prometheus_rules


def namespaces(plan: Plan) -> dict[str, list]:
    """namespace -> its services, in plan (name) order."""
    found: dict[str, list] = {}
    for service in plan.services:
        key = service.team if plan.metrics.namespace == "team" else service.name
        found.setdefault(key, []).append(service)
    return found


def _group(group: dict, tenants: tuple[str, ...]) -> dict:
    if not tenants:
        return group
    head = {k: group[k] for k in ("name", "interval") if k in group}
    return {**head, "source_tenants": list(tenants), "rules": group["rules"]}


def render(plan: Plan, rendered: dict[str, Artifact]) -> dict[str, RuleFile]:
    tenants = plan.metrics.source_tenants
    files = {}
    for namespace, services in namespaces(plan).items():
        groups = [_group(g, tenants) for s in services for g in prometheus_rules.groups_of(s, rendered).groups]
        path = names.mimir_rules_file(namespace)
        files[path] = RuleFile(path, RuleGroups(groups), head={"namespace": namespace})
    return files
