"""Alertmanager: the routing tree, notification templates, route tests and a Kubernetes Secret.

Files: alerts/alertmanager/alertmanager.yaml and obsgen.tmpl side by side (the config names the
template by a relative path, which Alertmanager resolves against the config's own directory: the
same in this tree, under `amtool check-config`, and in a pod that mounts the Secret's two keys into
one directory); alerts/alertmanager/routes.test.yaml, the label sets `obsgen test` sends through
`amtool config routes test` with the receivers each must reach (written by `route_tests` once
the rules files are, since it reads their alerts); k8s/base/alertmanager/ the Secret.
"""

from __future__ import annotations

from obsgen import names, yamlio
from obsgen.artifacts import Artifact, K8sObject
from obsgen.plan.model import Plan
from obsgen.render.alertmanager import cases, secrets, templates
from obsgen.render.alertmanager.config import config
from obsgen.render.backend import Backend
from obsgen.spec.settings import alertmanager as alertmanager_settings

SECRET_FILE = f"k8s/base/alertmanager/{names.ALERTMANAGER_SECRET}.yaml"
ROUTE_TESTS_HEADER = (yamlio.HEADER + "# Route tests: `obsgen test` runs `amtool config routes test "
                      "--verify.receivers=...` for every label set below:\n# `alerts`, each generated alert "
                      "with the labels its rules file gives it; `synthetic`, the rest of the tree.\n")


def render(plan: Plan) -> dict[str, str | K8sObject]:
    routing = plan.routing
    if routing is None:
        return {}
    tree = config(routing)
    config_text = yamlio.dump(tree)
    template_text = templates.render(routing.environment_label)
    return {
        names.ALERTMANAGER_CONFIG: config_text,
        f"{names.ALERTMANAGER_DIR}/{names.ALERTMANAGER_TEMPLATE}": template_text,
        SECRET_FILE: K8sObject(SECRET_FILE, _secret(config_text, template_text)),
        **secrets.render(tree, plan.kubernetes.external_secrets, dict(plan.kubernetes.labels),
                         plan.kubernetes.alertmanager_resource),
    }


def route_tests(plan: Plan, files: dict[str, Artifact]) -> dict[str, str]:
    """routes.test.yaml, from the alert rules of the rules files in `files` (see cases.py)."""
    if plan.routing is None:
        return {}
    tests = {"config": "alertmanager.yaml", "alertmanager_version": plan.routing.version,
             **cases.route_tests(plan, files)}
    return {names.ALERTMANAGER_ROUTE_TESTS: yamlio.dump(tests, header=ROUTE_TESTS_HEADER)}


def _secret(config_text: str, template_text: str) -> dict:
    """The config as Alertmanager (and the Prometheus Operator) takes it: a Secret holding
    `alertmanager.yaml`; it holds no secret itself, only paths of files mounted from others."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": names.ALERTMANAGER_SECRET,
            "labels": {"app.kubernetes.io/managed-by": "obsgen", "app.kubernetes.io/part-of": "obsgen",
                       "app.kubernetes.io/component": "alertmanager"},
        },
        "type": "Opaque",
        "stringData": {"alertmanager.yaml": config_text, names.ALERTMANAGER_TEMPLATE: template_text},
    }


BACKEND = Backend("alertmanager", render, output_dirs=("alerts", "k8s"), verifier="amtool",
                  k8s_kinds=("Secret", "ExternalSecret", "Alertmanager"), settings=alertmanager_settings.SETTINGS,
                  uses=("kubernetes",))
