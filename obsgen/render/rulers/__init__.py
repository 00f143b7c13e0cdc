"""Ruler layouts beside alerts/rules/, written only when the Platform lists them (metrics.rulers).

The groups are the rules file's own (read from its artifact: prometheus_rules.groups_of), so no layout adds
semantics: Mimir/Cortex get `mimirtool rules` namespace files, Amazon Managed Prometheus one plain
rules file per rule groups namespace. Thanos Ruler reads alerts/rules/ as it is.
"""

# A backend's folder (docs/architecture.md#adding-a-backend): descriptor.py declares it (BACKEND),
# settings.py holds its Platform settings, which the spec layer imports before any plan exists; so
# this file imports nothing, and importing the settings imports no renderer (tests/test_layers.py).
