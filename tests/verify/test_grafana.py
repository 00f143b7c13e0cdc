"""verify/grafana.py: the generated dashboards pass every check, and each check catches a broken one."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from obsgen.verify import grafana
from tests.render.grafana.conftest import hostile_specs

CHECKOUT = "dashboards/checkout.json"


def _require_schemas() -> None:
    """The schemas ship in the package: a clone without them is broken, never a reason to skip."""
    assert grafana.schema_dir() is not None, "obsgen/verify/schemas/grafana is missing"


def _results(out: Path) -> dict[str, object]:
    return {r.command[1]: r for r in grafana.verify(out)}


def _edit(out: Path, path: str, change: Callable[[dict], None]) -> None:
    file = out / path
    data = json.loads(file.read_text())
    change(data)
    file.write_text(json.dumps(data))


def _panel(data: dict, title_start: str) -> dict:
    return next(p for p in data["panels"] if p.get("title", "").startswith(title_start))


def test_the_examples_pass_every_check(generated):
    _require_schemas()
    results = _results(generated)
    assert set(results) == set(grafana.CHECKS)
    assert all(r.ok for r in results.values()), "\n".join(r.output for r in results.values())
    assert not any(r.skipped for r in results.values())


def test_hostile_specs_pass_every_check(tmp_path):
    from obsgen import pipeline
    from obsgen.output.writer import write_tree

    _require_schemas()
    write_tree(tmp_path / "out", pipeline.run(hostile_specs(tmp_path)).files)
    tmp_path = tmp_path / "out"
    results = _results(tmp_path)
    assert all(r.ok for r in results.values()), "\n".join(r.output for r in results.values())


def _broken(out: Path, check: str) -> str:
    problems = grafana.CHECKS[check](grafana.load(out))
    assert problems, f"{check} did not catch the broken dashboard"
    return "\n".join(problems)


def _latency_panel(data: dict) -> dict:
    """The first panel of the second SLO's row (a check that looked at the first row only would miss it)."""
    return next(p for p in data["panels"] if any('sloth_slo="latency"' in t["expr"] for t in p.get("targets", [])))


# Each case breaks the generated tree in one way; the named check must fail and say where.
CASES = {
    "unknown dashboard key": ("schemas", lambda d: d.update(colour="red"), "colour"),
    "panel option of the wrong type": (
        "schemas", lambda d: _panel(d, "Burn rate")["options"].update(colorMode=3), "options"),
    "unknown key in a prometheus target": (
        "schemas", lambda d: _panel(d, "Burn rate")["targets"][0].update(exprr="up"), "target A"),
    "grid position missing a size": ("schemas", lambda d: _panel(d, "Alerts")["gridPos"].pop("h"), "gridPos"),
    "a panel type without schema": ("schemas", lambda d: _panel(d, "Alerts").update(type="graph"), "graph"),
    "broken PromQL": ("promql", lambda d: _panel(d, "Burn rate")["targets"][0].update(expr="sum(rate(x[5m])"),
                      "does not parse"),
    "undefined variable": ("promql", lambda d: _panel(d, "Burn rate")["targets"][0].update(
        expr='slo:current_burn_rate:ratio{sloth_slo=~"$sloo"}'), "undefined template variable(s) sloo"),
    "a series no rule records": ("series", lambda d: _panel(d, "Burn rate")["targets"][0].update(
        expr="slo:current_burn_rate:ratio_typo"), "no generated rule records"),
    "alerts of an SLO that has none": ("series", lambda d: _panel(d, "Alerts")["targets"][0].update(
        expr='ALERTS{service="checkout",slo="nope"}'), "has no alert"),
    "a link to a dashboard that does not exist": (
        "links", lambda d: d["links"][0].update(url="https://grafana.example.com/d/obsgen-nope"), "obsgen-nope"),
    "a row query that ignores $slo": ("slo-variable", lambda d: _panel(d, "Burn rate")["targets"][0].update(
        expr=_panel(d, "Burn rate")["targets"][0]["expr"].replace(',sloth_slo=~"$slo"', "")), "ignore $slo"),
    "an slo variable without the alert's SLO": ("slo-variable", lambda d: grafana.variables(d)["slo"].update(
        options=[o for o in grafana.variables(d)["slo"]["options"] if o["value"] != "latency"]), "no slo option"),
    "a row showing another SLO": ("slo-variable", lambda d: [t.update(expr=t["expr"].replace(
        'sloth_slo="latency"', 'sloth_slo="availability"')) for t in _latency_panel(d)["targets"]],
        "leaves data in rows"),
    "an unprovisioned datasource": ("datasources", lambda d: _panel(d, "Alerts").update(
        datasource={"type": "prometheus", "uid": "other"}), "prometheus/other"),
    "a datasource of the wrong type": ("datasources", lambda d: _panel(d, "Alerts").update(
        datasource={"type": "loki", "uid": "prometheus"}), "loki/prometheus"),
    "overlapping panels": ("grid", lambda d: _panel(d, "Alerts")["gridPos"].update(x=10), "overlaps"),
    "a panel wider than the grid": ("grid", lambda d: _panel(d, "Alerts")["gridPos"].update(w=9), "outside"),
    "a uid too long": ("uids", lambda d: d.update(uid="x" * 41), "not a Grafana uid"),
    "a uid used twice": ("uids", lambda d: d.update(uid="obsgen-search"), "also the uid"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_each_check_catches_a_broken_dashboard(generated, case):
    check, change, expected = CASES[case]
    if check == "schemas":
        _require_schemas()
    _edit(generated, CHECKOUT, change)
    assert expected in _broken(generated, check)


def test_an_alert_linking_to_a_missing_dashboard_is_caught(generated):
    rules = generated / "alerts/rules/checkout.rules.yaml"
    rules.write_text(rules.read_text().replace("/d/obsgen-checkout/", "/d/obsgen-checkou/"))
    assert "names no generated dashboard" in _broken(generated, "links")


def test_a_correlation_to_an_unprovisioned_datasource_is_caught(generated):
    path = generated / "dashboards/provisioning/datasources.yaml"
    path.write_text(path.read_text().replace("datasourceUid: loki", "datasourceUid: logs"))
    assert "datasource uid 'logs' is not provisioned" in _broken(generated, "datasources")


def test_a_single_dollar_in_provisioning_is_caught(generated):
    path = generated / "dashboards/provisioning/datasources.yaml"
    path.write_text(path.read_text().replace("$${__value.raw}", "${__value.raw}", 1))
    assert "write `$$`" in _broken(generated, "datasources")


def test_a_dashboard_without_its_configmap_is_caught(generated):
    (generated / "k8s/base/grafana/obsgen-dashboard-service-search.yaml").unlink()
    assert "dashboards/search.json: no ConfigMap" in _broken(generated, "configmaps")


def test_a_stale_configmap_is_caught(generated):
    path = generated / "k8s/base/grafana/obsgen-dashboard-overview.yaml"
    path.write_text(path.read_text().replace("SLO overview", "SLO overview (old)"))
    assert "dashboards/_overview.json: no ConfigMap" in _broken(generated, "configmaps")


def test_missing_schemas_skip_outside_ci_and_fail_in_ci(generated, monkeypatch):
    monkeypatch.setattr(grafana, "schema_dir", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    result = _results(generated)["schemas"]
    assert result.ok and result.status == "skipped" and "schemas not found" in result.skipped
    monkeypatch.setenv("CI", "1")
    assert _results(generated)["schemas"].status == "failed"


def test_no_dashboards_is_an_error(tmp_path):
    from obsgen.errors import ToolError

    with pytest.raises(ToolError, match="obsgen generate"):
        grafana.verify(tmp_path)


def test_datasources_catches_a_variable_defaulting_to_an_unprovisioned_datasource(generated):
    def change(data):
        variable = next(v for v in data["templating"]["list"] if v["name"] == "loki")
        variable["current"]["value"] = "logs-elsewhere"

    _edit(generated, CHECKOUT, change)
    assert "datasource variable loki defaults to loki/logs-elsewhere, which is not provisioned" \
        in _broken(generated, "datasources")


def test_datasources_catches_a_panel_reading_a_variable_of_another_type(generated):
    def change(data):
        panel = _panel(data, "Logs (")
        panel["datasource"]["uid"] = "${prometheus}"

    _edit(generated, CHECKOUT, change)
    assert "datasource loki/${prometheus} is not provisioned" in _broken(generated, "datasources")
