"""Secrets in-cluster (issue 19): credentials in an endpoint URL are refused at their line (and never
echoed); `*_file` paths under the Prometheus Operator's secrets directory name a file the operator
mounts (`<secret>/<key>`); the generated tree lists those secrets for the Alertmanager resource and,
when the Platform asks, syncs each from a secret store with an ExternalSecret."""

from __future__ import annotations

import pytest
import yaml

from obsgen import signal_path
from tests.amspec import SMTP, build, errors, platform, service, team
from tests.conftest import EXAMPLES

PASSWORD = "s3cr3t-pa55"


@pytest.mark.parametrize(("extra", "line", "field"), [
    (f"  endpoints: {{loki: 'https://obsgen:{PASSWORD}@loki.example.com'}}\n", 5, "endpoints.loki"),
    (f"  endpoints:\n    prometheus: 'http://u:{PASSWORD}@prom:9090'\n", 6, "endpoints.prometheus"),
    (f"  endpoints: {{tempo: 'http://:{PASSWORD}@tempo:4317'}}\n", 5, "endpoints.tempo"),
    (f"  grafana: {{url: 'https://admin:{PASSWORD}@grafana.example.com'}}\n", 5, "grafana.url"),
], ids=["loki", "prometheus", "tempo", "grafana"])
def test_credentials_in_a_url_are_refused_at_their_line(tmp_path, extra, line, field):
    found = errors(tmp_path, {"platform.yaml": platform(extra=extra)})
    assert len(found) == 1, found
    assert found[0].startswith(f"{tmp_path}/slos/platform.yaml:{line}: {field}:"), found
    assert "_file" in found[0] and "credentials" in found[0]
    assert PASSWORD not in found[0], "an error message must never repeat the secret"


def test_a_user_without_password_in_a_url_is_refused_too(tmp_path):
    found = errors(tmp_path, {"platform.yaml": platform(extra="  endpoints: {loki: 'https://token@loki'}\n")})
    assert len(found) == 1 and "endpoints.loki" in found[0] and "token" not in found[0], found


def test_an_operator_secret_path_must_name_a_key(tmp_path):
    body = "  slack:\n    channel: '#a'\n    api_url_file: /etc/alertmanager/secrets/slack-webhook\n"
    found = errors(tmp_path, {"teams.yaml": team("payments", body), "platform.yaml": platform(SMTP),
                              "checkout.yaml": service("checkout", "payments")})
    assert any(e.startswith(f"{tmp_path}/slos/teams.yaml:7: slack.api_url_file:")
               and "/etc/alertmanager/secrets/<secret>/<key>" in e for e in found), found


def test_the_bundled_examples_name_files_the_operator_mounts():
    for doc in yaml.safe_load_all((EXAMPLES / "teams.yaml").read_text()):
        for receiver in (doc.get("spec") or {}).values():
            for field, value in receiver.items():
                if field.endswith("_file"):
                    assert signal_path.alertmanager_secret_of(value), value


def test_the_alertmanager_resource_lists_every_secret_the_config_reads(example_files):
    config = example_files["alerts/alertmanager/alertmanager.yaml"]
    read = {signal_path.alertmanager_secret_of(v)[0] for v in _file_values(yaml.safe_load(config))}
    assert read  # the examples use secrets
    fragment = yaml.safe_load(example_files["alerts/alertmanager/alertmanager-spec.yaml"])
    assert set(fragment["secrets"]) == read
    assert fragment["configSecret"] == "obsgen-alertmanager"


def _file_values(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and key.endswith("_file") and isinstance(value, str):
                yield value
            else:
                yield from _file_values(value)
    elif isinstance(node, list):
        for item in node:
            yield from _file_values(item)


EXTERNAL = """\
  kubernetes:
    external_secrets:
      store: {name: vault, kind: ClusterSecretStore}
      remote_keys: {payments-pagerduty: alerting/payments/pagerduty}
"""


def test_external_secrets_sync_every_receiver_secret(tmp_path):
    body = ("  pagerduty: {routing_key_file: /etc/alertmanager/secrets/payments-pagerduty/routing-key}\n"
            "  slack: {channel: '#a', api_url_file: /etc/alertmanager/secrets/slack-webhook/url}\n")
    files = build(tmp_path, {"teams.yaml": team("payments", body), "platform.yaml": platform(SMTP, EXTERNAL),
                             "checkout.yaml": service("checkout", "payments")})
    objs = [yaml.safe_load(t) for p, t in files.items() if p.startswith("k8s/base/")]
    external = {o["metadata"]["name"]: o for o in objs if o["kind"] == "ExternalSecret"}
    assert set(external) == {"payments-pagerduty", "slack-webhook", "smtp"}
    pd = external["payments-pagerduty"]
    assert pd["apiVersion"] == "external-secrets.io/v1"
    assert pd["spec"]["secretStoreRef"] == {"name": "vault", "kind": "ClusterSecretStore"}
    assert pd["spec"]["target"]["name"] == "payments-pagerduty"
    assert pd["spec"]["data"] == [{"secretKey": "routing-key",
                                   "remoteRef": {"key": "alerting/payments/pagerduty", "property": "routing-key"}}]
    assert external["slack-webhook"]["spec"]["data"][0]["remoteRef"]["key"] == "slack-webhook"  # default
    assert not [p for p in files if "external" in p and p.startswith("k8s/")] or external
    fragment = yaml.safe_load(files["alerts/alertmanager/alertmanager-spec.yaml"])
    assert set(fragment["secrets"]) == set(external)


def test_no_external_secrets_unless_asked(example_files):
    assert not [t for p, t in example_files.items() if p.startswith("k8s/") and "kind: ExternalSecret" in t]


RESOURCE = "    resource: kube-prometheus-stack-alertmanager\n"


def test_the_k8s_tree_patches_the_alertmanager_resource_with_the_synced_secrets(tmp_path, kubectl):
    """What ArgoCD syncs (kubectl kustomize of an overlay) holds the Alertmanager resource's
    spec.secrets, the same Secrets the ExternalSecrets create and the config reads files from; a
    partial object, applied server-side and never pruned (kube-prometheus-stack owns the rest)."""
    from obsgen.output.writer import write_tree
    from tests.conftest import kustomize

    body = ("  pagerduty: {routing_key_file: /etc/alertmanager/secrets/payments-pagerduty/routing-key}\n"
            "  slack: {channel: '#a', api_url_file: /etc/alertmanager/secrets/slack-webhook/url}\n")
    files = build(tmp_path, {"teams.yaml": team("payments", body),
                             "platform.yaml": platform(SMTP + RESOURCE, EXTERNAL),
                             "checkout.yaml": service("checkout", "payments")})
    write_tree(tmp_path / "out", files)
    objs = kustomize(kubectl, tmp_path / "out" / "k8s" / "overlays" / "production")
    resource = [o for o in objs if o["kind"] == "Alertmanager"]
    assert len(resource) == 1
    am = resource[0]
    assert am["apiVersion"] == "monitoring.coreos.com/v1"
    assert am["metadata"]["name"] == "kube-prometheus-stack-alertmanager"
    assert am["metadata"]["namespace"] == "monitoring"
    options = am["metadata"]["annotations"]["argocd.argoproj.io/sync-options"].split(",")
    assert {"ServerSideApply=true", "Prune=false", "Delete=false"} <= set(options)
    synced = {o["spec"]["target"]["name"] for o in objs if o["kind"] == "ExternalSecret"}
    read = {signal_path.alertmanager_secret_of(v)[0]
            for v in _file_values(yaml.safe_load(files["alerts/alertmanager/alertmanager.yaml"]))}
    assert am["spec"]["secrets"] == sorted(read) and set(am["spec"]["secrets"]) == synced
    assert am["spec"]["configSecret"] == "obsgen-alertmanager"
    assert set(am["spec"]) == {"configSecret", "secrets"}  # nothing else: the chart owns the rest


def test_no_alertmanager_resource_unless_named(example_files, tmp_path):
    files = build(tmp_path, {"platform.yaml": platform(SMTP), "teams.yaml": team("payments"),
                             "checkout.yaml": service("checkout", "payments")})
    assert not [p for p, t in files.items() if p.startswith("k8s/") and "kind: Alertmanager\n" in t]


# --- Grafana datasource credentials -------------------------------------------------------------


def _grafana(credentials: str) -> str:
    return f"  grafana:\n    credentials:\n{credentials}"


@pytest.mark.parametrize(("credentials", "line", "field", "path"), [
    ("      loki: {bearer_token_file: /etc/grafana/secrets/loki-token}\n", 7,
     "grafana.credentials.loki.bearer_token_file", "/etc/grafana/secrets/loki-token"),
    ("      tempo: {bearer_token_file: /var/run/secrets/tempo/token}\n", 7,
     "grafana.credentials.tempo.bearer_token_file", "/var/run/secrets/tempo/token"),
    ("      prometheus:\n        basic_auth:\n          username: grafana\n"
     "          password_file: /etc/grafana/secrets/Mimir_Secret/password\n", 10,
     "grafana.credentials.prometheus.basic_auth.password_file", "/etc/grafana/secrets/Mimir_Secret/password"),
], ids=["a-directory", "elsewhere", "not-a-secret-name"])
def test_a_grafana_credential_file_obsgen_does_not_mount_is_refused_at_its_line(tmp_path, credentials, line, field,
                                                                                path):
    found = errors(tmp_path, {"platform.yaml": platform(extra=_grafana(credentials))})
    assert len(found) == 1, found
    assert found[0].startswith(f"{tmp_path}/slos/platform.yaml:{line}: {field}:"), found
    assert "/etc/grafana/secrets/<secret>/<key>" in found[0] and repr(path) in found[0]


def test_a_grafana_secret_shared_with_the_alertmanager_is_refused(tmp_path):
    found = errors(tmp_path, {"platform.yaml": platform(
        SMTP, _grafana("      loki: {bearer_token_file: /etc/grafana/secrets/smtp/token}\n"))})
    assert len(found) == 1 and "platform.yaml:7: grafana.credentials.loki.bearer_token_file:" in found[0], found
    assert "'smtp'" in found[0] and "of their own" in found[0]


def test_one_kind_of_credentials_per_datasource(tmp_path):
    both = ("      loki:\n        bearer_token_file: /etc/grafana/secrets/loki/token\n"
            "        basic_auth: {username: u, password_file: /etc/grafana/secrets/loki/password}\n")
    found = errors(tmp_path, {"platform.yaml": platform(extra=_grafana(both))})
    assert len(found) == 1 and "grafana.credentials.loki" in found[0] and "exactly one" in found[0], found


def test_remote_keys_may_name_a_grafana_secret(tmp_path):
    extra = _grafana("      loki: {bearer_token_file: /etc/grafana/secrets/loki/token}\n") + (
        "  kubernetes: {external_secrets: {store: {name: vault}, remote_keys: {loki: grafana/loki, nope: x}}}\n")
    found = errors(tmp_path, {"platform.yaml": platform(extra=extra)})
    assert len(found) == 1 and "remote_keys.nope" in found[0] and "loki" in found[0], found
