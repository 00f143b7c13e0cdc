"""Small spec directories for the Alertmanager tests: one service per team, any receivers, any
Platform settings, written to a temporary directory and loaded the way the CLI loads them."""

from __future__ import annotations

from pathlib import Path

from obsgen import inputs, pipeline
from obsgen.spec.checks import check
from obsgen.spec.load import load_dir
from tests import builders

SERVICE = """\
apiVersion: obsgen/v1
kind: Service
metadata: {{name: {name}, team: {team}, tier: {tier}, runbook: https://runbooks.example.com/{name}}}
spec:
  environments: [{envs}]
  slos:
    - name: availability
      objective: 99.9
      sli:
        events:
          error_query: sum(rate(http_requests_total{{job="{name}",code=~"5.."}}[{{{{window}}}}]))
          total_query: sum(rate(http_requests_total{{job="{name}"}}[{{{{window}}}}]))
"""

SMTP = """\
    smtp:
      smarthost: smtp.example.com:587
      from: alertmanager@example.com
      auth_username: alertmanager
      auth_password_file: /etc/alertmanager/secrets/smtp/password
"""


def team(name: str, body: str = "") -> str:
    """A Team document; body is the text under `spec:` (indented two spaces)."""
    return f"apiVersion: obsgen/v1\nkind: Team\nmetadata: {{name: {name}}}\nspec:\n{body or '  {}'}\n"


def platform(alertmanager: str = "", extra: str = "", environments: str = "dev, staging, production") -> str:
    text = f"apiVersion: obsgen/v1\nkind: Platform\nspec:\n  environments: [{environments}]\n{extra}"
    if alertmanager:
        text += "  alertmanager:\n" + alertmanager
    return text


def service(name: str, team: str, tier: int = 1, envs: str = "staging, production") -> str:
    return SERVICE.format(name=name, team=team, tier=tier, envs=envs)


def write(root: Path, files: dict[str, str]) -> Path:
    return builders.write_specs(root, files, team_doc=None)  # the files name their own teams


def errors(root: Path, files: dict[str, str]) -> list[str]:
    """Every problem with the specs, as the CLI prints them (file:line: field: message)."""
    spec_dir = write(root, files)
    specs, found = load_dir(spec_dir, inputs.find(spec_dir).specs)
    if not found:
        found = check(specs)
    return [str(e) for e in sorted(found)]


def build(root: Path, files: dict[str, str]) -> dict[str, str]:
    return pipeline.run(write(root, files)).files


def run(root: Path, files: dict[str, str]) -> pipeline.Run:
    """The whole run: plan, files and the artifacts the renderers built."""
    return pipeline.run(write(root, files))


def plan(root: Path, files: dict[str, str]):
    return pipeline.run(write(root, files), render=False).plan
