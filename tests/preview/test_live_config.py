"""The live session's configs load in the real tools: amtool and promtool check them; what the session
changes in the generated Alertmanager config is only where the receivers post."""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path

import pytest
import yaml

from obsgen import pipeline
from obsgen.output import committed
from obsgen.preview import live_config
from obsgen.preview.live_procs import LiveError
from obsgen.preview.live_sinks import Sinks
from tests.conftest import EXAMPLES, require_tool


@pytest.fixture
def sinks():
    with contextlib.closing(Sinks()) as running:
        yield running


def test_redirected_config_loads_and_changes_only_where_receivers_post(example_files, example_artifacts, tmp_path,
                                                                      sinks):
    amtool = require_tool("amtool")
    (tmp_path / "obsgen.tmpl").write_text(example_files["alerts/alertmanager/obsgen.tmpl"])
    config = example_artifacts["alerts/alertmanager/alertmanager.yaml"]
    text, secrets = live_config.redirected(config.data, sinks, tmp_path / "secrets")
    (tmp_path / "alertmanager.yaml").write_text(text)
    for path, value in secrets.items():
        Path(path).parent.mkdir(exist_ok=True)
        Path(path).write_text(value)
    check = subprocess.run([amtool, "check-config", str(tmp_path / "alertmanager.yaml")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    doc = yaml.safe_load(text)
    generated = yaml.safe_load(example_files["alerts/alertmanager/alertmanager.yaml"])
    assert config.data == generated  # the session's copy left the artifact as generated
    assert doc["global"] == {**generated["global"], "smtp_smarthost": sinks.smarthost, "smtp_require_tls": False,
                             "smtp_auth_password_file": doc["global"]["smtp_auth_password_file"],
                             "pagerduty_url": sinks.pagerduty_url, "opsgenie_api_url": sinks.opsgenie_api_url}

    def unfiled(receiver):  # a receiver without its secret file paths
        return {k: [{f: v for f, v in c.items() if not f.endswith("_file")} for c in cs] if isinstance(cs, list)
                else cs for k, cs in receiver.items()}

    assert [unfiled(r) for r in doc["receivers"]] == [unfiled(r) for r in generated["receivers"]]
    assert all(Path(path).is_relative_to(tmp_path / "secrets") for path in secrets)
    assert doc["inhibit_rules"] == generated["inhibit_rules"] and doc["templates"] == generated["templates"]

    def shape(route):  # the routing tree without its timers
        return {"receiver": route["receiver"], "matchers": route.get("matchers"),
                "continue": route.get("continue"), "routes": [shape(r) for r in route.get("routes", [])]}

    assert shape(doc["route"]) == shape(generated["route"])
    assert doc["route"]["group_wait"] == "1s"


def test_prometheus_config_and_rules_load(example_files, tmp_path):
    """The rules the session loads are the run's rule groups without their own intervals (read from
    its artifacts, or from the files read back: the same bytes), and promtool loads them all."""
    promtool = require_tool("promtool")
    rules = tmp_path / live_config.RULES
    rules.mkdir()
    for path, found in pipeline.run(EXAMPLES).artifacts.items():
        if path.startswith("alerts/rules/"):
            live = live_config.rules(found, live_config.PREVIEW)
            assert live == live_config.rules(committed.rule_file(path, example_files[path]), live_config.PREVIEW)
            generated = yaml.safe_load(example_files[path])["groups"]
            assert any("interval" in group for group in generated)
            assert yaml.safe_load(live)["groups"] == [{k: v for k, v in group.items() if k != "interval"}
                                                      for group in generated]  # every group at the live interval
            (rules / path.rsplit("/", 1)[1]).write_text(live)
    (tmp_path / "prometheus.yml").write_text(
        live_config.prometheus(["127.0.0.1:9093"], "127.0.0.1:9100", "environment", "production"))
    check = subprocess.run([promtool, "check", "config", str(tmp_path / "prometheus.yml")],
                           capture_output=True, text=True, cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count("rules found") == len(list(rules.iterdir())) == 4  # every rule file was read


def test_promtool_catches_a_broken_live_rule_file(example_files, tmp_path):
    """The check above can fail: a rule file that does not parse is reported."""
    promtool = require_tool("promtool")
    (tmp_path / live_config.RULES).mkdir()
    broken = committed.rule_file("alerts/rules/x.yaml",
                                 "groups:\n- name: x\n  interval: 5m\n  rules:\n  - record: a\n    expr: sum(\n")
    (tmp_path / live_config.RULES / "x.yaml").write_text(live_config.rules(broken, live_config.PREVIEW))
    (tmp_path / "prometheus.yml").write_text(
        live_config.prometheus(["127.0.0.1:9093"], "127.0.0.1:9100", "environment", "production"))
    check = subprocess.run([promtool, "check", "config", str(tmp_path / "prometheus.yml")],
                           capture_output=True, text=True, cwd=tmp_path)
    assert check.returncode != 0


def test_the_real_clock_loads_the_generated_rules_byte_for_byte(example_files):
    path = "alerts/rules/checkout.rules.yaml"
    built = pipeline.run(EXAMPLES).artifacts[path]
    assert live_config.rules(built, live_config.REAL) == example_files[path]
    assert live_config.rules(committed.rule_file(path, example_files[path]), live_config.REAL) == example_files[path]


def test_connected_config_is_refused_when_it_posts_elsewhere(example_artifacts, tmp_path, sinks):
    """The unchanged config of the examples posts to the real PagerDuty: the error names the setting."""
    with pytest.raises(LiveError, match=r"pagerduty_url.*set the Platform's alertmanager\.pagerduty_url"):
        live_config.connected(example_artifacts["alerts/alertmanager/alertmanager.yaml"].data, sinks, tmp_path)
