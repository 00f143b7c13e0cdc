"""`obsgen test` renders the k8s/ tree and every overlay (kubectl kustomize, or in process)."""

import pytest

from obsgen.verify import kustomize as verifier


@pytest.fixture(params=["kubectl", "in-process"])
def mode(request, monkeypatch, kubectl):
    if request.param == "in-process":
        monkeypatch.setattr(verifier, "kubectl", lambda: None)
    return request.param


def test_generated_tree_passes(generated, mode):
    results = verifier.verify(generated)
    assert [r.command[1:] for r in results] == [("kustomize", d) for d in (
        "k8s", "k8s/overlays/dev", "k8s/overlays/production", "k8s/overlays/staging")]
    assert all(r.ok for r in results), results
    assert results[0].command[0] == ("kubectl" if mode == "kubectl" else "obsgen")


@pytest.mark.parametrize(("breakage", "where"), [
    (lambda out: (out / "k8s/base/prometheus/search.yaml").unlink(), "k8s"),
    (lambda out: (out / "k8s/base/prometheus/search.yaml").write_text(
        (out / "k8s/base/prometheus/checkout.yaml").read_text()), "k8s"),
    (lambda out: (out / "k8s/base/prometheus/search.yaml").write_text("spec: [unclosed\n"), "k8s"),
    (lambda out: (out / "k8s/overlays/dev/kustomization.yaml").write_text(
        "resources: [../../base, missing.yaml]\n"), "k8s/overlays/dev"),
])
def test_a_broken_tree_fails(generated, mode, breakage, where):
    breakage(generated)
    failed = [r for r in verifier.verify(generated) if not r.ok]
    assert where in [r.command[2] for r in failed], failed
    assert all(r.output for r in failed)


def test_a_tree_without_k8s_has_nothing_to_render(tmp_path):
    assert verifier.verify(tmp_path) == []
