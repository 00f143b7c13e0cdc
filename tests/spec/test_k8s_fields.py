"""Platform `kubernetes:` fields are checked as the Kubernetes API server checks them."""

import pytest

from obsgen import pipeline
from obsgen.errors import SpecErrors
from tests.k8s_specs import write_specs


def errors_for(tmp_path, kubernetes: str) -> list[str]:
    spec_dir = write_specs(tmp_path / "slos", ["checkout"], kubernetes=kubernetes)
    with pytest.raises(SpecErrors) as exc:
        pipeline.run(spec_dir, compile=False)
    return [str(e) for e in exc.value.errors]


@pytest.mark.parametrize(("kubernetes", "where", "phrase"), [
    ("{namespace: Monitoring}", "kubernetes.namespace", "DNS-1123"),
    ("{namespace: " + "a" * 64 + "}", "kubernetes.namespace", "at most 63"),
    ("{namespace: -monitoring}", "kubernetes.namespace", "DNS-1123"),
    ("{labels: {app.kubernetes.io/managed-by: me}}", "kubernetes.labels", "set by obsgen"),
    ("{labels: {'bad key': x}}", "kubernetes.labels", "not a valid Kubernetes label key"),
    ("{labels: {'Example.com/x': y}}", "kubernetes.labels", "not a valid Kubernetes label key"),
    ("{labels: {" + "k" * 64 + ": y}}", "kubernetes.labels", "not a valid Kubernetes label key"),
    ("{labels: {release: 'has space'}}", "kubernetes.labels.release", "not a valid Kubernetes label value"),
    ("{labels: {release: " + "v" * 64 + "}}", "kubernetes.labels.release", "at most 63"),
    ("{nmespace: x}", "kubernetes.nmespace", "unknown field"),
])
def test_invalid_kubernetes_fields_are_located_errors(tmp_path, kubernetes, where, phrase):
    [error] = errors_for(tmp_path, kubernetes)
    assert error.startswith(f"{tmp_path}/slos/platform.yaml:5: {where}"), error
    assert phrase in error


@pytest.mark.parametrize("kubernetes", [
    "{namespace: a}", "{namespace: " + "a" * 63 + "}",
    "{labels: {release: kube-prometheus-stack, example.com/team: a_b.c, k: ''}}",
])
def test_valid_kubernetes_fields(tmp_path, kubernetes):
    plan = pipeline.run(write_specs(tmp_path / "slos", ["checkout"], kubernetes=kubernetes), render=False).plan
    assert plan.kubernetes.labels[:2] == (("app.kubernetes.io/managed-by", "obsgen"),
                                          ("app.kubernetes.io/part-of", "obsgen"))
