"""OpenTelemetry Collector configs per environment (otel/<env>/{agent,gateway}.yaml) and the
operator's objects (k8s/overlays/<env>/otel/): one agent DaemonSet and one gateway Deployment."""

# A backend's folder (docs/architecture.md#adding-a-backend): descriptor.py declares it (BACKEND),
# settings.py holds its Platform settings, which the spec layer imports before any plan exists; so
# this file imports nothing, and importing the settings imports no renderer (tests/test_layers.py).
