"""Ruler layouts: the same groups as alerts/rules/ in Mimir's and Amazon Managed Prometheus' files,
only when the Platform asks, and a verifier that catches any drift."""

from __future__ import annotations

import shutil

import pytest
import yaml

from obsgen import pipeline
from obsgen.render.rollups import PERIOD_INTERVAL, ROLLUPS_INTERVAL
from obsgen.verify import rulers
from tests.conftest import EXAMPLES


def _build(tmp_path, metrics: str) -> dict[str, str]:
    spec_dir = tmp_path / "slos"
    shutil.copytree(EXAMPLES, spec_dir)
    platform = spec_dir / "platform.yaml"
    platform.write_text(platform.read_text() + f"  metrics: {metrics}\n")
    return pipeline.run(spec_dir).files


def _groups(files: dict[str, str], prefix: str) -> list[dict]:
    return [g for p, t in sorted(files.items()) if p.startswith(prefix) for g in yaml.safe_load(t)["groups"]]


@pytest.fixture(scope="module")
def layouts(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("rulers"), "{mode: shared, rulers: [mimir, amp], source_tenants: [a, b]}")


def test_no_layout_unless_asked(example_files):
    assert not [p for p in example_files if p.startswith(("alerts/mimir/", "alerts/amp/"))]


def test_groups_intervals_and_rules_are_identical_across_layouts(layouts):
    reference = _groups(layouts, "alerts/rules/")
    mimir = [rulers.strip(g) for g in _groups(layouts, "alerts/mimir/")]
    amp = _groups(layouts, "alerts/amp/")
    assert [g["name"] for g in reference] == [g["name"] for g in mimir] == [g["name"] for g in amp]
    assert reference == mimir == amp  # intervals and every rule, in order
    # 8 SLOs: an SLI, a roll-ups and a period group each
    assert len(reference) == 24
    assert {g.get("interval") for g in reference} == {None, ROLLUPS_INTERVAL, PERIOD_INTERVAL}


def test_mimir_namespaces_and_tenants(layouts, tmp_path):
    doc = yaml.safe_load(layouts["alerts/mimir/checkout.yaml"])
    assert doc["namespace"] == "checkout" and list(doc) == ["namespace", "groups"]
    assert all(g["source_tenants"] == ["a", "b"] for g in doc["groups"])
    by_team = _build(tmp_path, "{rulers: [mimir], namespace: team}")
    teams = sorted(p for p in by_team if p.startswith("alerts/mimir/"))
    assert teams == ["alerts/mimir/discovery.yaml", "alerts/mimir/fulfillment.yaml", "alerts/mimir/payments.yaml"]
    payments = yaml.safe_load(by_team["alerts/mimir/payments.yaml"])
    assert payments["namespace"] == "payments"
    assert {g["name"].split("-")[2] for g in payments["groups"]} >= {"checkout"}
    assert all("source_tenants" not in g for g in payments["groups"])
    assert sum(len(yaml.safe_load(by_team[p])["groups"]) for p in teams) == 24


def test_the_verifier_passes_the_layouts_and_catches_drift(layouts, tmp_path, promtool):
    for path, text in layouts.items():
        if path.startswith("alerts/"):
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).write_text(text)
    results = rulers.verify(tmp_path)
    assert results and all(r.ok for r in results), [r.output for r in results if not r.ok]
    assert len(results) == 4 + 4 + 1  # a result per file, then promtool on every stripped copy
    mimir = tmp_path / "alerts/mimir/checkout.yaml"
    mimir.write_text(mimir.read_text().replace("> 14.4", "> 14.5", 1).replace("source_tenants:", "tenants:", 1))
    amp = tmp_path / "alerts/amp/search.yaml"
    amp.write_text(amp.read_text().replace("  rules:\n", "  rules:\n  - record: bad\n    expr: sum(\n", 1))
    results = rulers.verify(tmp_path)
    failed = {r.command[-1]: r.output for r in results if not r.ok}
    assert "unknown keys ['tenants']" in failed["alerts/mimir/checkout.yaml"]
    assert "differs from alerts/rules/" in failed["alerts/mimir/checkout.yaml"]
    assert "differs from alerts/rules/" in failed["alerts/amp/search.yaml"]
    [checked] = [r for r in results if r.command[1:3] == ("check", "rules")]
    assert not checked.ok and "alerts/amp/search.yaml" in checked.output


def test_amp_name_limit():
    group = {"name": "g" * 700, "rules": []}
    assert rulers.amp_problems("n" * 21, {"groups": [group]}, {group["name"]: group}) == []
    problems = rulers.amp_problems("né" * 11, {"groups": [group]}, {group["name"]: group})
    assert problems and "733 UTF-8 bytes" in problems[0]
