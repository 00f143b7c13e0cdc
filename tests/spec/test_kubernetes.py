"""The optional `kubernetes` block of a Service: located errors for every mistake."""

from __future__ import annotations

import pytest

from obsgen import pipeline
from obsgen.errors import SpecErrors
from tests.conftest import run_obsgen
from tests.spec.importers.helpers import write

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


NAMED = """\
apiVersion: obsgen/v1
kind: Service
metadata: {{name: {service}, team: {team}, tier: 3}}
spec:
  environments: [{environment}]
  slos:
    - name: {slo}
      objective: 99
      sli: {{raw: {{error_ratio_query: 'sum(rate(x_errors[{{{{window}}}}])) / sum(rate(x_total[{{{{window}}}}]))'}}}}
"""
PLATFORM = "apiVersion: obsgen/v1\nkind: Platform\nspec: {{environments: [{environment}]}}\n"


@pytest.mark.parametrize(("field", "where", "bad", "fixed"), [
    ("service", "s.yaml:3: metadata.name", "web-", "web"),
    ("team", "t.yaml:4: metadata.name", "ops--", "ops"),
    ("environment", "p.yaml:3: environments[0]", "prod-", "prod"),
    ("slo", "s.yaml:7: slos[0].name", "availability-", "availability"),
])
def test_a_name_ending_in_a_dash_is_refused_at_its_line(tmp_path, field, where, bad, fixed):
    """Such names make objects the API server refuses (ConfigMap/obsgen-dashboard-service-web-,
    PrometheusRule/obsgen-web-) or label values it refuses; kustomize would not notice."""
    names = {"service": "web", "team": "ops", "environment": "prod", "slo": "availability", field: bad}
    files = {"s.yaml": NAMED.format(**names), "p.yaml": PLATFORM.format(**names),
             "t.yaml": f"apiVersion: obsgen/v1\nkind: Team\nmetadata:\n  name: {names['team']}\n"}
    root = write(tmp_path / "slos", files)
    with pytest.raises(SpecErrors) as refused:
        pipeline.run(root, compile=False)
    messages = [str(e).removeprefix(f"{root}/") for e in refused.value.errors]
    expected = (f"{where}: must end with a letter or digit, got {bad!r}: Kubernetes refuses object names and "
                f"label values made from it (such as obsgen-{bad}); use {fixed!r}")
    assert expected in messages, messages
