"""Grafana: a dashboard per service, one per team, an overview, provisioning, ConfigMaps.

One module per concern: `service`, `team`, `overview` (with `summary`, their shared panels),
`provisioning`, `configmaps`; `queries` escapes for PromQL/LogQL/TraceQL and for Grafana.
"""

# A backend's folder (docs/architecture.md#adding-a-backend): descriptor.py declares it (BACKEND),
# settings.py holds its Platform settings, which the spec layer imports before any plan exists; so
# this file imports nothing, and importing the settings imports no renderer (tests/test_layers.py).
