"""The Prometheus rules backend: a rules file per service (alerts/rules/), rendered by
render/prometheus_rules.py, which the promtool tests, the PrometheusRule objects, the ruler layouts
and backfill read too, so it stays beside them; this folder holds the backend's declaration and
its Platform settings (`spec.metrics`)."""

# A backend's folder (docs/architecture.md#adding-a-backend): descriptor.py declares it (BACKEND),
# settings.py holds its Platform settings, which the spec layer imports before any plan exists; so
# this file imports nothing, and importing the settings imports no renderer (tests/test_layers.py).
