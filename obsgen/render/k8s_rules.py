"""One PrometheusRule per service (Prometheus Operator), holding exactly the groups of its
alerts/rules/<service>.rules.yaml: both are built by prometheus_rules.service_groups."""

from __future__ import annotations

from obsgen import names
from obsgen.plan.model import Plan
from obsgen.render import k8s_objects
from obsgen.render.prometheus_rules import service_groups

API_VERSION = "monitoring.coreos.com/v1"
KIND = "PrometheusRule"
BACKEND = "prometheus"


def render(plan: Plan) -> dict[str, str]:
    files = {}
    for service in plan.services:
        meta = k8s_objects.metadata(plan, names.prometheus_rule_name(service.name))
        text = k8s_objects.dump(API_VERSION, KIND, meta, spec={"groups": service_groups(service)})
        files[names.k8s_base_file(BACKEND, service.name)] = text
    return files
