"""The Alertmanager renderer's structure: tree, inhibitions, receivers, matchers, the Secret."""

from __future__ import annotations

import re

import pytest
import yaml

from obsgen.render.alertmanager.descriptor import SECRET_FILE
from obsgen.render.alertmanager.matchers import equals, matcher, quote
from tests.amspec import SMTP, build, platform, service, team

CONFIG = "alerts/alertmanager/alertmanager.yaml"


@pytest.fixture(scope="module")
def example_config(example_files):
    return yaml.safe_load(example_files[CONFIG])


def test_root_groups_by_alert_service_slo_and_environment(example_config):
    route = example_config["route"]
    assert route["receiver"] == "platform-chat"  # the Platform's default team
    assert route["group_by"] == ["alertname", "service", "slo", "environment"]
    assert [r["matchers"] for r in route["routes"]] == [[f'team="{t}"'] for t in
                                                        ("discovery", "fulfillment", "payments", "platform")]


def test_a_team_route_in_order_info_non_production_page_ticket(example_config):
    payments = next(r for r in example_config["route"]["routes"] if r["matchers"] == ['team="payments"'])
    children = payments["routes"]
    page, page_by_severity = ['sloth_severity="page"'], ['sloth_severity=""', 'severity="critical"']
    ticket, ticket_by_severity = ['sloth_severity="ticket"'], ['sloth_severity=""', 'severity="warning"']
    assert [(c["receiver"], c["matchers"], c.get("continue", False)) for c in children] == [
        ("obsgen-nobody", ['sloth_severity=""', 'severity="info"'], False),
        ("payments-chat", ['environment!=""', 'environment!="production"'], False),
        ("payments-pager", page, True),
        ("payments-pager", page_by_severity, True),
        ("payments-chat", page, False),
        ("payments-chat", page_by_severity, False),
        ("payments-email", ticket, False),
        ("payments-email", ticket_by_severity, False),
    ]
    assert all(c["group_wait"] == "30s" and c["repeat_interval"] == "4h" for c in children[2:6])
    assert all(c["group_wait"] == "2m" and c["repeat_interval"] == "24h" for c in children[6:])
    assert {r["receiver"] for r in children[1]["routes"]} == {"payments-chat"}  # never the pager
    assert [r["matchers"] for r in children[1]["routes"]] == [page, page_by_severity, ticket, ticket_by_severity]


def test_inhibitions(example_config):
    page_silences_ticket, platform_wide = example_config["inhibit_rules"]
    assert page_silences_ticket == {"source_matchers": ['sloth_severity="page"'],
                                    "target_matchers": ['sloth_severity="ticket"'],
                                    "equal": ["service", "slo", "environment"]}
    assert platform_wide == {"source_matchers": ['alertname="PlatformPrometheusDown"'],
                             "target_matchers": ['service!=""'], "equal": ["environment"]}


def test_without_a_platform_alert_there_is_one_inhibition(tmp_path):
    files = build(tmp_path, {"teams.yaml": team("a", "  slack: {channel: '#a', api_url_file: /s/a}"),
                             "platform.yaml": platform(extra="  environment_label: env\n")})
    config = yaml.safe_load(files[CONFIG])
    assert config["inhibit_rules"] == [{"source_matchers": ['sloth_severity="page"'],
                                        "target_matchers": ['sloth_severity="ticket"'],
                                        "equal": ["service", "slo", "env"]}]
    assert config["route"]["receiver"] == "obsgen-nobody" and "global" not in config
    assert config["route"]["routes"][0]["routes"][1]["matchers"] == ['env!=""', 'env!="production"']


def test_timing_overrides_reach_the_routes(tmp_path):
    timing = "    timing: {critical: {group_wait: 10s, repeat_interval: 1h}}\n"
    files = build(tmp_path, {"teams.yaml": team("a", "  pagerduty: {routing_key_file: /s/pd}"),
                             "platform.yaml": platform(timing)})
    pager = yaml.safe_load(files[CONFIG])["route"]["routes"][0]["routes"][2]
    assert (pager["receiver"], pager["group_wait"], pager["group_interval"], pager["repeat_interval"]) == \
        ("a-pager", "10s", "5m", "1h")


def test_receivers_hold_secret_file_paths_and_never_read_them(tmp_path):
    secret = tmp_path / "pd-key"
    secret.write_text("TOPSECRET-ROUTING-KEY")
    files = build(tmp_path, {
        "teams.yaml": team("a", f"  pagerduty: {{routing_key_file: {secret}}}\n  opsgenie: {{api_key_file: {secret}}}\n"
                                f"  slack: {{channel: '#a', api_url_file: {secret}}}\n  email: {{to: a@example.com}}"),
        "platform.yaml": platform(SMTP.replace("/etc/alertmanager/secrets/smtp/password", str(secret))),
        "svc.yaml": service("svc", "a"),
    })
    assert not any("TOPSECRET" in text for text in files.values())
    config = yaml.safe_load(files[CONFIG])
    receivers = {r["name"]: r for r in config["receivers"]}
    assert set(receivers) == {"obsgen-nobody", "a-pager", "a-chat", "a-email"}
    assert receivers["obsgen-nobody"] == {"name": "obsgen-nobody"}
    assert receivers["a-pager"]["pagerduty_configs"][0]["routing_key_file"] == str(secret)
    assert receivers["a-pager"]["opsgenie_configs"][0]["api_key_file"] == str(secret)
    assert receivers["a-chat"]["slack_configs"][0]["api_url_file"] == str(secret)
    assert receivers["a-email"]["email_configs"][0]["to"] == "a@example.com"
    assert config["global"]["smtp_auth_password_file"] == str(secret)
    secret_keys = re.compile(
        r"^\s*-?\s*(routing_key|service_key|api_url|api_key|url|auth_password|smtp_auth_password):", re.M)
    assert not secret_keys.search(files[CONFIG])


def test_every_template_a_receiver_names_is_defined(example_files):
    defined = set(re.findall(r'define "([^"]+)"', example_files["alerts/alertmanager/obsgen.tmpl"]))
    used = set(re.findall(r'template "([^"]+)"', example_files[CONFIG]))
    assert used and used <= defined


def test_the_secret_holds_config_and_template_as_kubernetes_wants(example_files):
    secret = yaml.safe_load(example_files[SECRET_FILE])
    assert SECRET_FILE == "k8s/base/alertmanager/obsgen-alertmanager.yaml"
    assert secret["apiVersion"] == "v1" and secret["kind"] == "Secret" and secret["type"] == "Opaque"
    assert "namespace" not in secret["metadata"]
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", secret["metadata"]["name"])
    labels = secret["metadata"]["labels"]
    assert labels["app.kubernetes.io/managed-by"] == "obsgen" and labels["app.kubernetes.io/part-of"] == "obsgen"
    assert secret["stringData"] == {"alertmanager.yaml": example_files[CONFIG],
                                    "obsgen.tmpl": example_files["alerts/alertmanager/obsgen.tmpl"]}
    assert yaml.safe_load(example_files[CONFIG])["templates"] == [  # beside the config, or the Operator's
        "obsgen.tmpl", "/etc/alertmanager/config/obsgen.tmpl"]


def test_no_teams_no_routes_but_a_loadable_tree(tmp_path):
    files = build(tmp_path, {"platform.yaml": platform()})
    config = yaml.safe_load(files[CONFIG])
    assert config["route"] == {"receiver": "obsgen-nobody", "group_by": ["alertname", "service", "slo", "environment"],
                               "group_wait": "30s", "group_interval": "5m", "repeat_interval": "4h", "routes": []}


@pytest.mark.parametrize(("value", "quoted"), [
    ("plain", '"plain"'), ('a"b', '"a\\"b"'), ("a\\b", '"a\\\\b"'), ("a\nb", '"a\\nb"'), ("", '""'),
    ('\\"', '"\\\\\\""'),
])
def test_quote(value, quoted):
    assert quote(value) == quoted


def test_matcher_refuses_bad_names_and_operators():
    assert equals("team", "x") == 'team="x"' and matcher("env", "!=", "") == 'env!=""'
    with pytest.raises(ValueError):
        matcher("bad-name", "=", "x")
    with pytest.raises(ValueError):
        matcher("env", "==", "x")


def test_pagerduty_and_opsgenie_endpoints_from_the_platform(tmp_path):
    """EU accounts and proxies post elsewhere than Alertmanager's defaults: the Platform's URLs
    become global.pagerduty_url / opsgenie_api_url, and the real amtool loads them. (The end-to-end
    test, tests/e2e/, delivers through them to a loopback PagerDuty and Opsgenie.)"""
    import subprocess

    from tests.conftest import require_tool

    endpoints = ("    pagerduty_url: https://events.eu.pagerduty.com/v2/enqueue\n"
                 "    opsgenie_api_url: https://api.eu.opsgenie.com/\n")
    teams = team("a", "  pagerduty: {routing_key_file: /s/pd}\n  opsgenie: {api_key_file: /s/og}")
    files = build(tmp_path, {"teams.yaml": teams, "platform.yaml": platform(endpoints)})
    config = yaml.safe_load(files[CONFIG])
    assert config["global"] == {"pagerduty_url": "https://events.eu.pagerduty.com/v2/enqueue",
                                "opsgenie_api_url": "https://api.eu.opsgenie.com/"}
    (tmp_path / "am.yaml").write_text(files[CONFIG])
    check = subprocess.run([require_tool("amtool"), "check-config", str(tmp_path / "am.yaml")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    unset = build(tmp_path / "unset", {"teams.yaml": teams, "platform.yaml": platform()})
    assert "global" not in yaml.safe_load(unset[CONFIG])  # Alertmanager's defaults stay in force


def test_endpoint_urls_must_be_http(tmp_path):
    from tests.amspec import errors

    found = errors(tmp_path, {"platform.yaml": platform("    pagerduty_url: events.pagerduty.com\n")})
    assert len(found) == 1 and "platform.yaml:6: alertmanager.pagerduty_url:" in found[0], found
    assert "http(s) URL" in found[0]
