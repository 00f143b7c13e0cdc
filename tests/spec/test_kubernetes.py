"""The optional `kubernetes` block of a Service: located errors for every mistake."""

from __future__ import annotations

from tests.conftest import run_obsgen

SERVICE = """\
apiVersion: obsgen/v1
kind: Service
metadata: {{name: {name}, team: payments, tier: 3}}
spec:
  kubernetes: {kubernetes}
  slos:
    - name: availability
      objective: 99
      sli: {{raw: {{error_ratio_query: 'sum(rate(x_errors[{{{{window}}}}])) / sum(rate(x_total[{{{{window}}}}]))'}}}}
"""
TEAM = "apiVersion: obsgen/v1\nkind: Team\nmetadata: {name: payments}\n"


def test_kubernetes_mistakes_are_located(tmp_path):
    specs = tmp_path / "slos"
    specs.mkdir()
    (specs / "team.yaml").write_text(TEAM)
    cases = {
        "a": "{namespace: shop, workloads: [api, api]}",
        "b": "{namespace: shop, workloads: []}",
        "c": "{namespace: Shop_1, workloads: [api]}",
        "d": "{namespace: shop, workloads: [api], replicas: 2}",
        "ok": "{namespace: shop, workloads: [api, worker]}",
    }
    for name, block in cases.items():
        (specs / f"{name}.yaml").write_text(SERVICE.format(name=name, kubernetes=block))
    result = run_obsgen("validate", str(specs))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    errors = result.stderr
    assert "a.yaml:5: kubernetes.workloads: " in errors and "lists api more than once" in errors
    assert "b.yaml:5: kubernetes.workloads: " in errors
    assert "c.yaml:5: kubernetes.namespace: " in errors
    assert "d.yaml:5: kubernetes.replicas: unknown field" in errors
    assert "ok.yaml" not in errors
