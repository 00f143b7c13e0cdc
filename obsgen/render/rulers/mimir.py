"""Grafana Mimir / Cortex ruler: `mimirtool rules load` namespace files.

One file per namespace (`namespace:` plus Prometheus' `groups:`); the namespace is the service, or
its team when the Platform says `namespace: team`. Each group may carry `source_tenants` (Mimir's
federated rule groups) when the Platform lists tenants.
"""

from __future__ import annotations

from obsgen import names
from obsgen import yamlio as yamlout  # YAML I/O's one home
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


def render(plan: Plan) -> dict[str, str]:
    tenants = plan.metrics.source_tenants
    files = {}
    for namespace, services in namespaces(plan).items():
        groups = [_group(g, tenants) for s in services for g in prometheus_rules.service_groups(s)]
        files[names.mimir_rules_file(namespace)] = yamlout.dump({"namespace": namespace, "groups": groups})
    return files
