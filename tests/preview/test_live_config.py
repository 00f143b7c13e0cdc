"""The live session's configs load in the real tools: amtool and promtool check them."""

from __future__ import annotations

import subprocess

import yaml

from obsgen.preview import live_config
from tests.conftest import require_tool


def _am(example_files, tmp_path) -> tuple[str, list[str]]:
    templates = tmp_path / "alertmanager"
    templates.mkdir()
    (templates / "obsgen.tmpl").write_text(example_files["alerts/alertmanager/obsgen.tmpl"])
    return live_config.alertmanager(example_files["alerts/alertmanager/alertmanager.yaml"],
                                    "http://127.0.0.1:9", templates)


def test_alertmanager_config_loads_with_every_receiver_a_webhook(example_files, tmp_path):
    amtool = require_tool("amtool")
    text, receivers = _am(example_files, tmp_path)
    (tmp_path / "alertmanager.yaml").write_text(text)
    check = subprocess.run([amtool, "check-config", str(tmp_path / "alertmanager.yaml")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    doc = yaml.safe_load(text)
    generated = yaml.safe_load(example_files["alerts/alertmanager/alertmanager.yaml"])
    assert receivers == [r["name"] for r in generated["receivers"]] and "payments-pager" in receivers
    for receiver in doc["receivers"]:
        assert set(receiver) == {"name", "webhook_configs"}
        assert receiver["webhook_configs"] == [{"url": f"http://127.0.0.1:9/{receiver['name']}", "send_resolved": True}]
    assert doc["inhibit_rules"] == generated["inhibit_rules"]

    def shape(route):  # the routing tree without its timers
        return {"receiver": route["receiver"], "matchers": route.get("matchers"),
                "continue": route.get("continue"), "routes": [shape(r) for r in route.get("routes", [])]}

    assert shape(doc["route"]) == shape(generated["route"])
    assert doc["route"]["group_wait"] == "1s"


def test_prometheus_config_and_rules_load(example_files, tmp_path):
    promtool = require_tool("promtool")
    rules = tmp_path / live_config.RULES
    rules.mkdir()
    for path, text in example_files.items():
        if path.startswith("alerts/rules/"):
            live = live_config.rules(text)
            assert "interval:" not in live  # every group at the live evaluation interval
            (rules / path.rsplit("/", 1)[1]).write_text(live)
    (tmp_path / "prometheus.yml").write_text(
        live_config.prometheus("127.0.0.1:9093", "127.0.0.1:9100", "environment", "production"))
    check = subprocess.run([promtool, "check", "config", str(tmp_path / "prometheus.yml")],
                           capture_output=True, text=True, cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count("rules found") == len(list(rules.iterdir())) == 4  # every rule file was read


def test_promtool_catches_a_broken_live_rule_file(example_files, tmp_path):
    """The check above can fail: a rule file that does not parse is reported."""
    promtool = require_tool("promtool")
    (tmp_path / live_config.RULES).mkdir()
    (tmp_path / live_config.RULES / "x.yaml").write_text(live_config.rules(
        "groups:\n- name: x\n  interval: 5m\n  rules:\n  - record: a\n    expr: sum(\n"))
    (tmp_path / "prometheus.yml").write_text(
        live_config.prometheus("127.0.0.1:9093", "127.0.0.1:9100", "environment", "production"))
    check = subprocess.run([promtool, "check", "config", str(tmp_path / "prometheus.yml")],
                           capture_output=True, text=True, cwd=tmp_path)
    assert check.returncode != 0
