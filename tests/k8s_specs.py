"""Small spec directories for Kubernetes tests: services by name, one team, a Platform."""

from __future__ import annotations

from pathlib import Path

from tests import builders

SERVICE = """\
apiVersion: obsgen/v1
kind: Service
metadata: {{name: {name}, team: payments, tier: 2, runbook: https://runbooks.example.com/x}}
spec:
  environments: [{environments}]
  slos:
"""
SLO = """\
    - name: {name}
      objective: 99.9
      sli:
        events:
          error_query: sum(rate(http_requests_total{{job="x",code=~"5.."}}[{{{{window}}}}]))
          total_query: sum(rate(http_requests_total{{job="x"}}[{{{{window}}}}]))
"""
TEAM = builders.team("payments")


def write_specs(spec_dir: Path, services: list[str], kubernetes: str = "",
                environments: str = "[dev, staging, production]", slos: int = 1) -> Path:
    assert not spec_dir.exists(), spec_dir
    files = {f"{name}.yaml": SERVICE.format(name=name, environments="staging, production")
             + "".join(SLO.format(name="availability" if i == 0 else f"slo-{i}") for i in range(slos))
             for name in services}
    platform = f"  environments: {environments}\n" + (f"  kubernetes: {kubernetes}\n" if kubernetes else "")
    return builders.write_files(spec_dir, {**files, "teams.yaml": TEAM, "platform.yaml": builders.platform(platform)})


def build(spec_dir: Path) -> dict[str, str]:
    from obsgen import pipeline

    return pipeline.run(spec_dir).files
