"""Alertmanager's descriptor (BACKEND) and renderer: what the folder's docstring lists, rendered
from the plan; `route_tests` runs once the rules files are rendered, since it reads their alerts."""

from __future__ import annotations

from collections.abc import Callable

from obsgen import names, yamlio
from obsgen.artifacts import AlertmanagerConfig, Artifact, K8sObject, RouteTests, Template, TextFile, kept_text
from obsgen.plan.model import Plan, ServicePlan
from obsgen.render.alertmanager import cases, secrets, templates
from obsgen.render.alertmanager import settings as alertmanager_settings
from obsgen.render.alertmanager.config import config
from obsgen.render.backend import Backend

# (service, its part computed) -> its part, maybe kept from an earlier run (obsgen/cache.py)
ServiceMemo = Callable[[ServicePlan, Callable[[], tuple[str, list]]], tuple[str, list]]

SECRET_FILE = f"k8s/base/alertmanager/{names.ALERTMANAGER_SECRET}.yaml"
ROUTE_TESTS_HEADER = (yamlio.HEADER + "# Route tests: `obsgen test` runs `amtool config routes test "
                      "--verify.receivers=...` for every label set below:\n# `alerts`, each generated alert "
                      "with the labels its rules file gives it; `synthetic`, the rest of the tree.\n")


TEMPLATE_FILE = f"{names.ALERTMANAGER_DIR}/{names.ALERTMANAGER_TEMPLATE}"


def render(plan: Plan) -> dict[str, Artifact]:
    routing = plan.routing
    if routing is None:
        return {}
    tree = config(routing)
    routes = AlertmanagerConfig(names.ALERTMANAGER_CONFIG, tree)
    template = Template(TEMPLATE_FILE, templates.render(routing.environment_label))
    # The Secret holds the config's text: made once, for the file too (obsgen/output/encode.py)
    config_text = kept_text(routes, lambda doc: yamlio.dump(doc.data))
    return {
        names.ALERTMANAGER_CONFIG: routes,
        TEMPLATE_FILE: template,
        SECRET_FILE: K8sObject(SECRET_FILE, _secret(config_text, template.text)),
        **secrets.render(tree, plan.kubernetes.external_secrets, dict(plan.kubernetes.labels),
                         plan.kubernetes.alertmanager_resource),
    }


def route_tests(plan: Plan, files: dict[str, Artifact], memo: ServiceMemo | None = None) -> dict[str, Artifact]:
    """routes.test.yaml, from the alert rules of the rules files in `files` (see cases.py): its data
    (RouteTests), or with the rerun cache's `memo` (obsgen/cache.py) its text, made of each service's
    part of `alerts` (a block sequence's items are written one after the other, nothing shared), so a
    one-service change dumps one service's cases. The two give the same bytes (tests/test_cache.py)."""
    if plan.routing is None:
        return {}
    head = {"config": "alertmanager.yaml", "alertmanager_version": plan.routing.version}
    if memo is None:
        tests = {**head, **cases.route_tests(plan, files)}
        return {names.ALERTMANAGER_ROUTE_TESTS: RouteTests(names.ALERTMANAGER_ROUTE_TESTS, tests, ROUTE_TESTS_HEADER)}
    parts = [memo(service, lambda s=service: _service_part(plan, s, files)) for service in plan.services]
    alerts = "".join(text for text, _ in parts)
    teams = {team for _, found in parts for team in found}
    text = (yamlio.dump(head, header=ROUTE_TESTS_HEADER)
            + (f"alerts:\n{alerts}" if alerts else yamlio.dump({"alerts": []}, header=""))
            + yamlio.dump({"synthetic": cases.synthetic_cases(plan, teams)}, header=""))
    return {names.ALERTMANAGER_ROUTE_TESTS: TextFile(names.ALERTMANAGER_ROUTE_TESTS, text)}


def _service_part(plan: Plan, service: ServicePlan, files: dict[str, Artifact]) -> tuple[str, list]:
    """One service's items of `alerts` as YAML, and the team labels they carry."""
    found = cases.service_cases(plan, service, files)
    teams = sorted({c["labels"].get(names.TEAM) for c in found}, key=lambda t: (t is None, t or ""))
    return (yamlio.dump(found, header="") if found else ""), teams


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
