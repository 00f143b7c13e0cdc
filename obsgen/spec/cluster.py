"""Checks that the specs fit the cluster they deploy to: every secret file under the Prometheus
Operator's secrets directory is one the operator mounts (`/etc/alertmanager/secrets/<secret>/<key>`),
and every Grafana datasource credential file is one the generated mounts provide
(`/etc/grafana/secrets/<secret>/<key>`). Each error points at the file, line and field. (That the
collector distribution ships what the configs use is the collector settings' check:
render/otel/settings.py.)"""

from __future__ import annotations

import re

from obsgen import signal_path
from obsgen.errors import SpecError
from obsgen.k8s_validation import is_dns1123_label
from obsgen.spec.load import Specs

_SECRET_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")  # a Secret's data key
RECEIVER_FILES = {"pagerduty": "routing_key_file", "slack": "api_url_file", "webhook": "url_file",
                  "opsgenie": "api_key_file"}


def check(specs: Specs) -> list[SpecError]:
    return _secret_files(specs) + _grafana_files(specs) + _remote_keys(specs)


def secret_files(specs: Specs):
    """(where, field, path) of every secret file the Alertmanager config reads."""
    platform = specs.platform
    smtp = platform.model.spec.alertmanager.smtp if platform else None
    if smtp and smtp.auth_password_file:
        yield (platform.at("spec", "alertmanager", "smtp", "auth_password_file"), "auth_password_file",
               smtp.auth_password_file)
    for team in specs.teams:
        for kind, field in RECEIVER_FILES.items():
            receiver = getattr(team.model.spec, kind)
            if receiver is not None:
                yield team.at("spec", kind, field), field, getattr(receiver, field)


def _secret_files(specs: Specs) -> list[SpecError]:
    errors = []
    for where, _, path in secret_files(specs):
        if not path.startswith(signal_path.ALERTMANAGER_SECRETS_DIR + "/"):
            continue  # mounted some other way: the user's to say
        found = signal_path.alertmanager_secret_of(path)
        if found is None or not _SECRET_KEY.match(found[1]) or len(found[0]) > 253:
            errors.append(SpecError(where, (
                f"the Prometheus Operator mounts each Secret of the Alertmanager's spec.secrets as a directory "
                f"of files, one per key: write {signal_path.ALERTMANAGER_SECRETS_DIR}/<secret>/<key>, "
                f"got {path!r}")))
    return errors


def grafana_secret_files(specs: Specs):
    """(where, field, path) of every file a Grafana datasource's credentials are read from."""
    platform = specs.platform
    if platform is None:
        return
    credentials = platform.model.spec.grafana.credentials
    for kind in ("prometheus", "loki", "tempo"):
        given = getattr(credentials, kind)
        if given is None:
            continue
        at = ("spec", "grafana", "credentials", kind)
        if given.basic_auth is not None:
            yield platform.at(*at, "basic_auth", "password_file"), "password_file", given.basic_auth.password_file
        if given.bearer_token_file is not None:
            yield platform.at(*at, "bearer_token_file"), "bearer_token_file", given.bearer_token_file


def _grafana_files(specs: Specs) -> list[SpecError]:
    """A credential file must be one obsgen mounts into Grafana: a key of a Secret (a volume name:
    a DNS-1123 label) under the Grafana secrets directory; and a Secret of its own, not one the
    Alertmanager reads (each gets its own ExternalSecret)."""
    alertmanager = {found[0] for _, _, path in secret_files(specs)
                    if (found := signal_path.alertmanager_secret_of(path))}
    errors = []
    for where, _, path in grafana_secret_files(specs):
        found = signal_path.grafana_secret_of(path)
        if found is None or not is_dns1123_label(found[0]) or not _SECRET_KEY.match(found[1]):
            errors.append(SpecError(where, (
                f"Grafana reads a datasource credential from a Secret mounted at "
                f"{signal_path.GRAFANA_SECRETS_DIR}/<secret>/ (one file per key, the grafana chart's "
                f"extraSecretMounts obsgen writes): write {signal_path.GRAFANA_SECRETS_DIR}/<secret>/<key>, "
                f"got {path!r}")))
        elif found[0] in alertmanager:
            errors.append(SpecError(where, (
                f"Secret {found[0]!r} is also one the Alertmanager reads: give Grafana's credentials a "
                "Secret of their own")))
    return errors


def _remote_keys(specs: Specs) -> list[SpecError]:
    platform = specs.platform
    external = platform.model.spec.kubernetes.external_secrets if platform else None
    if external is None:
        return []
    mounted = {found[0] for _, _, path in secret_files(specs)
               if (found := signal_path.alertmanager_secret_of(path))}
    mounted |= {found[0] for _, _, path in grafana_secret_files(specs)
                if (found := signal_path.grafana_secret_of(path))}
    return [SpecError(platform.at("spec", "kubernetes", "external_secrets", "remote_keys", name),
                      f"no secret file reads Secret {name!r} (secrets read: {', '.join(sorted(mounted)) or 'none'})")
            for name in sorted(external.remote_keys) if name not in mounted]
