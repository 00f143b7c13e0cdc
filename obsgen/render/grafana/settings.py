"""The Grafana backend's Platform settings (`spec.grafana`): the base URL dashboard links start
with, the datasource uids the panels name, and the credentials Grafana sends to each datasource.
Where a credential file may live is the k8s tree's rule (spec/cluster.py: the mounts it writes)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from obsgen.spec.fields import FilePath, Model, Url
from obsgen.spec.settings import Settings

# Grafana's own rule for uids; anything else fails provisioning (and `$` would be a variable).
DatasourceUid = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,40}$", description="a Grafana uid")]


class Datasources(Model):
    prometheus: DatasourceUid = "prometheus"
    loki: DatasourceUid = "loki"
    tempo: DatasourceUid = "tempo"


def _base_url(value: str) -> str:
    """Dashboard links are this URL + `/d/<uid>`: a query or fragment would swallow them."""
    if "?" in value or "#" in value:
        raise ValueError(f"must be Grafana's base URL, without a query or fragment, got {value!r}")
    return value


class BasicAuth(Model):
    username: str = Field(min_length=1, max_length=253, pattern=r"^[^\s]+$")
    password_file: FilePath


class DatasourceCredentials(Model):
    """How Grafana authenticates to one datasource: basic auth or a bearer token, each secret read
    from a file Grafana mounts (`/etc/grafana/secrets/<secret>/<key>`) by `$__file{}`, never copied."""

    basic_auth: BasicAuth | None = None
    bearer_token_file: FilePath | None = None

    @model_validator(mode="after")
    def _one(self):
        if (self.basic_auth is None) == (self.bearer_token_file is None):
            raise ValueError("give exactly one of basic_auth and bearer_token_file")
        return self


class DatasourcesCredentials(Model):
    prometheus: DatasourceCredentials | None = None
    loki: DatasourceCredentials | None = None
    tempo: DatasourceCredentials | None = None


class Grafana(Model):
    url: Annotated[Url, AfterValidator(_base_url)] = "https://grafana.example.com"
    datasources: Datasources = Datasources()
    credentials: DatasourcesCredentials = Field(
        DatasourcesCredentials(), description="credentials Grafana sends to each datasource, read from mounted files")


SETTINGS = Settings("grafana", Grafana)
