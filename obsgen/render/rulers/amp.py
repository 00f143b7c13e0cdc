"""Amazon Managed Prometheus: one rule groups namespace per service, each a plain Prometheus rules
file (`aws amp create-rule-groups-namespace --data fileb://...`). AMP limits the namespace name plus
a group name to 721 UTF-8 bytes; obsgen's names stay far below it and verify/rulers.py checks."""

from __future__ import annotations

from obsgen import names
from obsgen.artifacts import Artifact, RuleFile
from obsgen.plan.model import Plan
from obsgen.render import prometheus_rules


def render(plan: Plan, rendered: dict[str, Artifact]) -> dict[str, RuleFile]:
    return {(path := names.amp_rules_file(s.name)): RuleFile(path, prometheus_rules.groups_of(s, rendered))
            for s in plan.services}
