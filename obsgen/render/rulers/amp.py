"""Amazon Managed Prometheus: one rule groups namespace per service, each a plain Prometheus rules
file (`aws amp create-rule-groups-namespace --data fileb://...`). AMP limits the namespace name plus
a group name to 721 UTF-8 bytes; obsgen's names stay far below it and verify/rulers.py checks."""

from __future__ import annotations

from obsgen import names
from obsgen import yamlio as yamlout  # YAML I/O's one home
from obsgen.plan.model import Plan
from obsgen.render import prometheus_rules


def render(plan: Plan) -> dict[str, str]:
    return {names.amp_rules_file(s.name): yamlout.HEADER + prometheus_rules.groups_text(s) for s in plan.services}
