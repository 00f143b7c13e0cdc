"""Alertmanager: the routing tree, notification templates, route tests and a Kubernetes Secret.

Files: alerts/alertmanager/alertmanager.yaml and obsgen.tmpl side by side (the config names the
template by a relative path, which Alertmanager resolves against the config's own directory: the
same in this tree, under `amtool check-config`, and in a pod that mounts the Secret's two keys into
one directory); alerts/alertmanager/routes.test.yaml, the label sets `obsgen test` sends through
`amtool config routes test` with the receivers each must reach (written by `route_tests` once
the rules files are, since it reads their alerts); k8s/base/alertmanager/ the Secret.
"""

# A backend's folder (docs/architecture.md#adding-a-backend): descriptor.py declares it (BACKEND),
# settings.py holds its Platform settings, which the spec layer imports before any plan exists; so
# this file imports nothing, and importing the settings imports no renderer (tests/test_layers.py).
