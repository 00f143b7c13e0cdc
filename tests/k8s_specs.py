"""Small spec directories for Kubernetes tests: services by name, one team, a Platform."""

from __future__ import annotations

from pathlib import Path

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
TEAM = "apiVersion: obsgen/v1\nkind: Team\nmetadata: {name: payments}\n"


def write_specs(spec_dir: Path, services: list[str], kubernetes: str = "",
                environments: str = "[dev, staging, production]", slos: int = 1) -> Path:
    spec_dir.mkdir(parents=True)
    for name in services:
        text = SERVICE.format(name=name, environments="staging, production")
        text += "".join(SLO.format(name="availability" if i == 0 else f"slo-{i}") for i in range(slos))
        (spec_dir / f"{name}.yaml").write_text(text)
    (spec_dir / "teams.yaml").write_text(TEAM)
    platform = f"apiVersion: obsgen/v1\nkind: Platform\nspec:\n  environments: {environments}\n"
    if kubernetes:
        platform += f"  kubernetes: {kubernetes}\n"
    (spec_dir / "platform.yaml").write_text(platform)
    return spec_dir


def build(spec_dir: Path) -> dict[str, str]:
    from obsgen import pipeline

    return pipeline.build(spec_dir)
