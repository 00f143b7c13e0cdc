"""The text of rule groups, made once per RuleGroups (obsgen/artifacts.py) whoever asks first:
the encoder, for the rules file, its PrometheusRule and the AMP layout that all hold the same
groups, or render/k8s_rules.py, which measures it to split a PrometheusRule the operator would refuse.
"""

from __future__ import annotations

from obsgen import yamlio as yamlout  # YAML I/O's one home
from obsgen.artifacts import RuleGroups


def text(rules: RuleGroups) -> str:
    """`yamlout.dump({"groups": rules.groups}, header="")`, dumped once."""
    made = getattr(rules, "_text", None)
    if made is None:
        made = yamlout.dump({"groups": rules.groups}, header="")
        object.__setattr__(rules, "_text", made)
    return made
