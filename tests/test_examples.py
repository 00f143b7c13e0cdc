"""The committed output (this repository is its own GitOps example) is what slos/ generates, and it
passes the real tools."""

from tests.builders import obsgen_cli
from tests.conftest import ROOT, kustomize


def test_committed_output_is_up_to_date():
    result = obsgen_cli("check", "slos", "--out", ".", cwd=ROOT)  # in this process: the check, not Python's start
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr


def test_obsgen_test_passes_on_the_committed_output(examples_tested):
    result = examples_tested.result  # `obsgen test --out .` in the repository, its cache empty at the start
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok: check rules --lint=all --lint-fatal" in result.stdout
    assert result.stdout.count("ok: test rules") == len(list((ROOT / "alerts/tests").glob("*.yaml")))
    assert "ok: check-config alertmanager.yaml" in result.stdout and "label sets of routes.test.yaml" in result.stdout
    assert "ok: kustomize k8s/overlays/production" in result.stdout
    assert "ok: object-names k8s/overlays/production" in result.stdout
    *checks, last = result.stdout.splitlines()
    assert last == (f"{sum(c.startswith('ok: ') for c in checks)} passed, 0 failed, "
                    f"{sum(c.startswith('skipped: ') for c in checks)} skipped")


def test_kustomize_renders_the_committed_k8s_tree(kubectl):
    services = sorted(p.stem.removesuffix(".rules") for p in (ROOT / "alerts/rules").glob("*.yaml"))
    for path in [ROOT / "k8s", *sorted((ROOT / "k8s/overlays").iterdir())]:
        objs = kustomize(kubectl, path)
        assert sorted(o["metadata"]["name"] for o in objs if o["kind"] == "PrometheusRule") == [
            f"obsgen-{s}" for s in services], path
        namespaced = [o for o in objs if not o["kind"].startswith("Cluster")]  # ClusterRole(Binding): none
        assert {o["metadata"]["namespace"] for o in namespaced} == {"monitoring"}
