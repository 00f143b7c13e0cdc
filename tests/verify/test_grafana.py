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


def _whole(text: str) -> list[dict]:
    from obsgen import yamlio

    return _read([r for g in (yamlio.load(text) or {}).get("groups", []) or [] for r in g.get("rules", []) or []])


def _read(rules: list[dict]) -> list[dict]:
    """The rules as the facts read them: a recording rule's name, an alert whole."""
    return [{"record": r["record"]} if "record" in r else r for r in rules]


def test_a_rules_file_s_facts_read_what_a_whole_parse_reads(generated):
    """Rules files in obsgen's layout are read with only their alerts parsed (grafana._rules): what
    the facts are made of equals a whole parse's on every generated rules file, and on one edited
    by hand (an alert that is also a record, an alias into a cut rule, a comment after a name)."""
    from obsgen import yamlio
    from obsgen.verify import yaml_items

    paths = sorted((generated / "alerts" / "rules").glob("*.yaml"))
    assert paths
    for path in paths:
        assert _read(grafana._rules(path.read_text())) == _whole(path.read_text()), path
    text = paths[0].read_text()
    first_alert = text.index("\n  - alert: ")
    end = text.index("\n", first_alert + 1)
    both = text[:end] + "\n    record: also_a_record" + text[end:]  # an alert that records too
    twice = text.replace("\n    expr: ", "\n    record: also_a_record\n    expr: ", 1)  # a record named twice
    aliased = text.replace("\n    labels:\n", "\n    labels: &cut\n", 1).replace(
        "\n    annotations:\n", "\n    annotations: *cut\n    x-annotations:\n", 1)
    commented = text.replace("\n  - alert: ", "\n  - alert: # why\n      ", 1)
    for edited in (both, twice, aliased, commented):
        assert edited != text
        assert _read(grafana._rules(edited)) == _whole(edited)
    assert {"record": "also_a_record"} in _read(grafana._rules(both))
    assert {"record": "also_a_record"} in _read(grafana._rules(twice))
    with pytest.raises(yamlio.YAMLError):  # what passed with the alias was the whole parse
        yamlio.load("".join(r[2] for g in yaml_items.split(aliased, "groups")[1]
                            for r in yaml_items.rules(g)[1] if r[0] == "alert"))


def test_the_dashboard_schema_remembers_only_valid_values(generated):
    """The dashboard validator remembers values valid under a definition
    (grafana._valid_refs_remembered): after the same dashboard passed, one with a broken field
    config and grid position gets the errors of the library's plain validator, path and message."""
    import copy

    import jsonschema

    board = grafana._validators(grafana.schema_dir())[0]
    plain = jsonschema.Draft7Validator(board.schema)
    dashboard = json.loads((generated / "dashboards" / "checkout.json").read_text())
    assert list(board.iter_errors(dashboard)) == []
    broken = copy.deepcopy(dashboard)
    panel = next(p for p in broken["panels"] if p.get("fieldConfig", {}).get("defaults") is not None)
    panel["fieldConfig"]["defaults"]["unit"] = 5
    panel["gridPos"]["h"] = "tall"

    def errors(validator):
        return [("/".join(map(str, e.absolute_path)), e.message, [c.message for c in e.context])
                for e in validator.iter_errors(broken)]

    assert errors(board) and errors(board) == errors(plain)
    assert any("5 is not of type 'string'" in m for _, _, ctx in errors(board) for m in ctx)
