"""Datasource credentials (Platform grafana.credentials): the provisioning reads each secret with
Grafana's own `$__file{<path>}`, from a Secret the grafana chart values mount and, with an external
secret store, an ExternalSecret creates; no secret value is ever written anywhere."""

from __future__ import annotations

import builtins
import io
import os
import re

import pytest
import yaml

from obsgen import signal_path
from obsgen.output.writer import write_tree
from obsgen.render.grafana import secrets
from tests.amspec import build, platform, service, team
from tests.conftest import kustomize

SENTINEL = "sentinel-7f3a9c-do-not-copy"
CREDENTIALS = """\
  grafana:
    credentials:
      prometheus: {basic_auth: {username: grafana-reader, password_file: /etc/grafana/secrets/mimir/password}}
      loki: {bearer_token_file: /etc/grafana/secrets/loki-token/token}
"""
EXTERNAL = "  kubernetes: {external_secrets: {store: {name: vault}, remote_keys: {mimir: observability/mimir}}}\n"
# Grafana's expander pattern (pkg/setting/expanders.go): `$<provider>{<argument>}`
GRAFANA_EXPANSION = re.compile(r"\$(|__\w+){([^}]+)}")


@pytest.fixture
def secret_files(tmp_path, monkeypatch):
    """Every file under Grafana's secrets directory holds SENTINEL, for whatever in this process
    opens it: a renderer that read a credential file would copy the sentinel into the output."""
    store = tmp_path / "mounted"
    for secret, key in (("mimir", "password"), ("loki-token", "token")):
        (store / secret).mkdir(parents=True)
        (store / secret / key).write_text(SENTINEL + "\n")
    prefix = signal_path.GRAFANA_SECRETS_DIR + "/"

    def redirect(opener):
        def open_(file, *args, **kwargs):
            if isinstance(file, str | os.PathLike) and os.fspath(file).startswith(prefix):
                file = store / os.fspath(file)[len(prefix):]
            return opener(file, *args, **kwargs)
        return open_

    for module, name in ((builtins, "open"), (io, "open"), (os, "open")):
        monkeypatch.setattr(module, name, redirect(getattr(module, name)))
    assert open(signal_path.grafana_secret_path("mimir", "password")).read().strip() == SENTINEL  # noqa: SIM115
    return store


def _build(tmp_path, extra: str) -> dict[str, str]:
    return build(tmp_path, {"platform.yaml": platform(extra=extra), "teams.yaml": team("payments"),
                            "checkout.yaml": service("checkout", "payments")})


def _datasources(files) -> dict[str, dict]:
    doc = yaml.safe_load(files["dashboards/provisioning/datasources.yaml"])
    return {d["type"]: d for d in doc["datasources"]}


def test_credentials_are_file_references_grafana_expands(tmp_path, secret_files):
    ds = _datasources(_build(tmp_path, CREDENTIALS))
    prom, loki, tempo = ds["prometheus"], ds["loki"], ds["tempo"]
    assert prom["basicAuth"] is True and prom["basicAuthUser"] == "grafana-reader"
    assert prom["secureJsonData"] == {"basicAuthPassword": "$__file{/etc/grafana/secrets/mimir/password}"}
    assert loki["jsonData"]["httpHeaderName1"] == "Authorization"
    assert loki["secureJsonData"] == {"httpHeaderValue1": "Bearer $__file{/etc/grafana/secrets/loki-token/token}"}
    assert "secureJsonData" not in tempo and "basicAuth" not in tempo
    # Grafana's expander reads exactly the files the Platform names, and nothing else is expanded
    refs = [(m.group(1), m.group(2)) for d in (prom, loki)
            for m in GRAFANA_EXPANSION.finditer(yaml.safe_dump(d["secureJsonData"]))]
    assert refs == [("__file", "/etc/grafana/secrets/mimir/password"),
                    ("__file", "/etc/grafana/secrets/loki-token/token")]


def test_no_secret_value_reaches_any_output_file(tmp_path, secret_files):
    files = _build(tmp_path, CREDENTIALS + EXTERNAL)
    assert any("$__file{" in text for text in files.values())
    write_tree(tmp_path / "out", files)
    leaked = [p for p in (tmp_path / "out").rglob("*") if p.is_file() and SENTINEL in p.read_text(errors="replace")]
    assert not leaked


def test_each_secret_is_mounted_where_the_provisioning_reads_it(tmp_path, secret_files):
    files = _build(tmp_path, CREDENTIALS)
    mounts = yaml.safe_load(files[secrets.MOUNTS_FILE])["extraSecretMounts"]
    assert {(m["secretName"], m["mountPath"]) for m in mounts} == {
        ("mimir", "/etc/grafana/secrets/mimir"), ("loki-token", "/etc/grafana/secrets/loki-token")}
    assert all(m["readOnly"] and len(m["name"]) <= 63 for m in mounts)
    # Grafana first splits a value on `$$` (a literal `$`), then expands each part
    provisioning = files["dashboards/provisioning/datasources.yaml"].replace("$$", "")
    read = [path for provider, path in GRAFANA_EXPANSION.findall(provisioning)]
    assert len(read) == 2 and all(provider == "__file" for provider, _ in GRAFANA_EXPANSION.findall(provisioning))
    for path in read:
        secret, _ = signal_path.grafana_secret_of(path)
        assert any(path.startswith(m["mountPath"] + "/") and m["secretName"] == secret for m in mounts)
    assert not [p for p in files if p.startswith("k8s/") and "ExternalSecret" in files[p]]  # no store named


def test_external_secrets_create_the_mounted_secrets_and_pass_kustomize(tmp_path, kubectl):
    files = _build(tmp_path, CREDENTIALS + EXTERNAL)
    write_tree(tmp_path / "out", files)
    objs = kustomize(kubectl, tmp_path / "out" / "k8s" / "overlays" / "production")
    external = {o["metadata"]["name"]: o for o in objs if o["kind"] == "ExternalSecret"}
    assert set(external) == {"mimir", "loki-token"}
    mimir = external["mimir"]
    assert mimir["metadata"]["namespace"] == "monitoring"
    assert mimir["spec"]["target"]["name"] == "mimir"
    assert mimir["spec"]["data"] == [{"secretKey": "password",
                                      "remoteRef": {"key": "observability/mimir", "property": "password"}}]
    assert external["loki-token"]["spec"]["data"][0]["remoteRef"] == {"key": "loki-token", "property": "token"}
    mounted = {m["secretName"] for m in yaml.safe_load(files[secrets.MOUNTS_FILE])["extraSecretMounts"]}
    assert mounted == set(external)


def test_no_credentials_no_mounts(example_files):
    assert secrets.MOUNTS_FILE not in example_files
    assert "$__file{" not in example_files["dashboards/provisioning/datasources.yaml"]
