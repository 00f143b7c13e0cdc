"""The kustomize step lists whatever the renderers put under k8s/; the real kustomize renders it."""

import re
from dataclasses import replace

import pytest
import yaml

from obsgen import render
from obsgen import yamlio as yamlout
from obsgen.artifacts import K8sObject, TextFile
from obsgen.output.writer import write_tree
from obsgen.render import kustomize as kustomize_step
from tests import builders
from tests.conftest import kustomize, object_key
from tests.k8s_specs import build, write_specs

LABELS = {"app.kubernetes.io/managed-by": "obsgen", "app.kubernetes.io/part-of": "obsgen"}


def obj(api_version, kind, name, **body):
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": name, "labels": LABELS}, **body}


def fake_renderer(plan):
    """What the Grafana, Alertmanager and collector renderers will add: base and overlay objects."""
    files = {
        "k8s/base/grafana/obsgen-checkout.yaml": obj(
            "v1", "ConfigMap", "obsgen-dashboard-checkout", data={"checkout.json": "{}"}),
        "k8s/base/alertmanager/alertmanager.yaml": obj(
            "v1", "Secret", "alertmanager-obsgen", stringData={"alertmanager.yaml": "route: {}\n"}),
    }
    for env in ("staging", "production"):
        files[f"k8s/overlays/{env}/otel/fake-gateway.yaml"] = obj(
            "opentelemetry.io/v1beta1", "OpenTelemetryCollector", "fake-gateway", spec={"config": {}})
    files["k8s/overlays/production/otel/rbac.yaml"] = obj(
        "rbac.authorization.k8s.io/v1", "ClusterRole", "obsgen-collector", rules=[])
    return {path: K8sObject(path, body) for path, body in files.items()}


@pytest.fixture
def with_fake_renderer(monkeypatch):
    builders.fake_backend(monkeypatch, "fake", fake_renderer)


def test_examples_render_in_kustomize(generated, kubectl, example_plan):
    base = kustomize(kubectl, generated / "k8s")
    assert sorted(o["metadata"]["name"] for o in base if o["kind"] == "PrometheusRule") == sorted(
        f"obsgen-{s.name}" for s in example_plan.services)
    for o in base:
        assert o["metadata"]["namespace"] == "monitoring"
        assert o["kind"] == "Alertmanager" or LABELS.items() <= o["metadata"]["labels"].items()
    for env in ("dev", "staging", "production"):
        overlay = kustomize(kubectl, generated / "k8s/overlays" / env)
        assert set(map(object_key, base)) < set(map(object_key, overlay))  # the base plus its own
        own = [p for p in (generated / "k8s/overlays" / env).rglob("*.yaml") if p.name != "kustomization.yaml"]
        assert len(overlay) == len(base) + len(own)  # each file one object


@pytest.mark.parametrize("root", ["k8s", "k8s/overlays/dev", "k8s/overlays/production"])
def test_the_alertmanager_patch_carries_none_of_the_common_labels(generated, kubectl, root):
    """The chart owns the Alertmanager object's labels (kube-prometheus-stack: managed-by Helm,
    part-of kube-prometheus-stack): a patch applied server-side with obsgen's labels would take them
    over, and the chart's sync would take them back, forever. Every other object keeps them."""
    objs = kustomize(kubectl, generated / root)
    patch = [o for o in objs if o["kind"] == "Alertmanager"]
    assert len(patch) == 1
    assert "labels" not in patch[0]["metadata"], patch[0]["metadata"]
    assert patch[0]["metadata"]["namespace"] == "monitoring"
    others = [o for o in objs if o["kind"] != "Alertmanager"]
    assert len(others) > 10 and all(LABELS.items() <= o["metadata"]["labels"].items() for o in others)


def test_prometheus_rule_groups_equal_the_rule_files_after_kustomize(generated, kubectl):
    for rule in (o for o in kustomize(kubectl, generated / "k8s") if o["kind"] == "PrometheusRule"):
        service = rule["metadata"]["name"].removeprefix("obsgen-")
        rules_file = yaml.safe_load((generated / f"alerts/rules/{service}.rules.yaml").read_text())
        assert rule["spec"]["groups"] == rules_file["groups"]


def test_other_renderers_objects_are_picked_up(with_fake_renderer, tmp_path, kubectl):
    files = build(write_specs(tmp_path / "slos", ["checkout"]))
    base = yaml.safe_load(files["k8s/base/kustomization.yaml"])
    assert {"alertmanager/alertmanager.yaml", "grafana/obsgen-checkout.yaml", "prometheus/checkout.yaml"} <= set(
        base["resources"])
    assert base["resources"] == sorted(p.removeprefix("k8s/base/") for p in files
                                       if p.startswith("k8s/base/") and not p.endswith("/kustomization.yaml"))
    assert base["namespace"] == "monitoring"
    assert base["labels"] == [{"pairs": LABELS, "includeSelectors": False}]
    production = yaml.safe_load(files["k8s/overlays/production/kustomization.yaml"])
    assert {"otel/fake-gateway.yaml", "otel/rbac.yaml"} <= set(production["resources"])
    assert production["resources"][0] == "../../base"
    assert "otel/fake-gateway.yaml" not in yaml.safe_load(files["k8s/overlays/dev/kustomization.yaml"])["resources"]
    assert yaml.safe_load(files["k8s/kustomization.yaml"])["resources"] == ["base"]

    write_tree(tmp_path / "out", files)
    objs = {(o["kind"], o["metadata"]["name"]): o for o in kustomize(kubectl, tmp_path / "out/k8s/overlays/production")}
    assert set(objs) >= {("ConfigMap", "obsgen-dashboard-checkout"), ("Secret", "alertmanager-obsgen"),
                         ("PrometheusRule", "obsgen-checkout"), ("OpenTelemetryCollector", "fake-gateway"),
                         ("ClusterRole", "obsgen-collector")}
    for key, o in objs.items():
        cluster_scoped = key[0] in ("ClusterRole", "ClusterRoleBinding")
        assert o["metadata"].get("namespace") == (None if cluster_scoped else "monitoring"), key
        assert LABELS.items() <= o["metadata"]["labels"].items()
    dev = {(o["kind"], o["metadata"]["name"]) for o in kustomize(kubectl, tmp_path / "out/k8s/overlays/dev")}
    assert ("ConfigMap", "obsgen-dashboard-checkout") in dev and ("OpenTelemetryCollector", "fake-gateway") not in dev


def test_every_environment_has_an_overlay_even_without_services(tmp_path, kubectl):
    files = build(write_specs(tmp_path / "slos", [], environments="[qa, prod]"))
    assert sorted(p for p in files if p.endswith("kustomization.yaml")) == [
        "k8s/base/kustomization.yaml", "k8s/kustomization.yaml",
        "k8s/overlays/prod/kustomization.yaml", "k8s/overlays/qa/kustomization.yaml"]
    write_tree(tmp_path / "out", files)
    assert not [o for o in kustomize(kubectl, tmp_path / "out/k8s/overlays/qa") if o["kind"] == "PrometheusRule"]


@pytest.mark.parametrize(("path", "message"), [
    ("k8s/rule.yaml", "go under k8s/base/<backend>/"),
    ("k8s/overlays/production.yaml", "go under k8s/base/<backend>/"),
    ("k8s/overlays/qa/otel/x.yaml", "'qa' is not one of the Platform's environments"),
    ("k8s/base/grafana/kustomization.yaml", "written by the kustomize step"),
    ("k8s/base/grafana/dashboard.json", "one per .yaml file"),
])
def test_misplaced_kubernetes_files_are_renderer_bugs(example_plan, path, message):
    with pytest.raises(RuntimeError, match=re.escape(message)):
        kustomize_step.render(example_plan, {path: _object(path, "x")})


def test_text_under_k8s_is_a_renderer_bug(example_plan):
    """The kustomize step reads objects, never YAML: a renderer must hand it K8sObject artifacts."""
    path = "k8s/base/grafana/a.yaml"
    with pytest.raises(RuntimeError, match=re.escape("only Kubernetes objects (K8sObject artifacts")):
        kustomize_step.render(example_plan, {path: TextFile(path, yamlout.dump(_object(path, "x").body))})


def _object(path: str, name: str) -> K8sObject:
    return K8sObject(path, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"labels": {"a": "b"}, "name": name},
                            "data": {}})


@pytest.mark.parametrize(("first", "second"), [
    ("k8s/base/grafana/a.yaml", "k8s/base/otel/b.yaml"),
    ("k8s/base/grafana/a.yaml", "k8s/overlays/production/otel/b.yaml"),
    ("k8s/overlays/dev/grafana/a.yaml", "k8s/overlays/dev/otel/b.yaml"),
])
def test_two_objects_with_one_name_are_renderer_bugs(example_plan, first, second):
    files = {first: _object(first, "obsgen-x"), second: _object(second, "obsgen-x")}
    with pytest.raises(RuntimeError, match=re.escape(f"{second} and {first} both define ConfigMap obsgen-x")):
        kustomize_step.render(example_plan, files)
    files[second] = _object(second, "obsgen-y")
    kustomize_step.render(example_plan, files)


def test_one_name_in_two_environments_is_fine(example_plan):
    paths = [f"k8s/overlays/{env}/otel/a.yaml" for env in example_plan.kubernetes.environments]
    kustomize_step.render(example_plan, {path: _object(path, "obsgen-x") for path in paths})


def test_a_renderer_cannot_overwrite_a_kustomization(example_plan, monkeypatch):
    builders.fake_backend(monkeypatch, "fake", lambda plan: {"k8s/kustomization.yaml": "x"})
    with pytest.raises(RuntimeError):
        render.render_all(example_plan)


def test_kustomizations_use_the_platform_namespace(example_plan):
    plan = replace(example_plan, kubernetes=replace(example_plan.kubernetes, namespace="obs"))
    out = kustomize_step.render(plan, {})
    assert out["k8s/base/kustomization.yaml"].body["namespace"] == "obs"
