"""Specs that attack the dashboards: names that collide with obsgen's own dashboards, the longest
names allowed, and user text full of Grafana, PromQL, Markdown and Go-template metacharacters."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES

LONG = "a" + "b" * 62  # the longest service/team name allowed
NASTY = 'Costs $slo ${environment} [[slo]] $__all <b>x</b> *y* `z` {{ .w }} "q" \\ back | pipe [l](http://e)'

HOSTILE = f"""\
apiVersion: obsgen/v1
kind: Service
metadata:
  name: overview
  team: payments
  tier: 2
  runbook: https://runbooks.example.com/$slo/[[environment]]/(x)
spec:
  environments: [staging]
  kubernetes: {{namespace: shop, workloads: [overview-api, overview-worker]}}
  slos:
    - name: team-payments
      objective: 99.99
      description: '{NASTY.replace("'", "''")}'
      sli:
        spans: {{span_name: 'GET /$slo', service_name: 'shop $slo "front" \\ end [[x]]'}}
---
apiVersion: obsgen/v1
kind: Service
metadata:
  name: team-payments
  team: {LONG}
  tier: 3
spec:
  slos:
    - name: availability
      objective: 99
      sli:
        raw: {{error_ratio_query: 'sum(rate(x_errors[{{{{window}}}}])) / sum(rate(x_total[{{{{window}}}}]))'}}
---
apiVersion: obsgen/v1
kind: Service
metadata:
  name: {LONG}
  team: {LONG}
  tier: 3
spec:
  slos:
    - name: {LONG}
      objective: 90
      sli:
        raw: {{error_ratio_query: 'sum(rate(x_errors[{{{{window}}}}])) / sum(rate(x_total[{{{{window}}}}]))'}}
---
apiVersion: obsgen/v1
kind: Team
metadata: {{name: {LONG}}}
"""


def hostile_specs(root: Path) -> Path:
    specs = root / "specs"
    shutil.copytree(EXAMPLES, specs)
    (specs / "hostile.yaml").write_text(HOSTILE)
    return specs


@pytest.fixture(scope="session")
def hostile_files(tmp_path_factory) -> dict[str, str]:
    from obsgen import pipeline

    return pipeline.run(hostile_specs(tmp_path_factory.mktemp("hostile"))).files
