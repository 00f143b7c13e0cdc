"""`obsgen init`: a first spec directory (Platform, one team, one service with an availability and a
latency SLO) that `obsgen generate`, `obsgen test` and the pre-commit hooks accept as written.

Every answer is checked here, where the flag that gave it can be named, and the texts are then
loaded by the real pipeline before anything is written: a scaffold that does not generate is a bug,
never a file left for the user to debug. Secrets are taken only as file paths (`*_file`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from obsgen import names
from obsgen.spec.policy import PAGING_ENVIRONMENT

_NAME = re.compile(names.NAME_PATTERN)
_FILE = re.compile(r"^/[^\s]*$")  # as the spec's FilePath: an absolute path, no whitespace
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_CHANNEL = re.compile(r"^[#@]?[a-z0-9][a-z0-9._-]{0,79}$")


class InitError(Exception):
    """A bad answer or an existing file: one located line per problem, nothing written."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class Answers:
    service: str
    team: str
    tier: int = 2
    environments: list[str] = field(default_factory=lambda: ["staging", PAGING_ENVIRONMENT])
    runbook: str | None = None
    pagerduty_key_file: str | None = None
    opsgenie_key_file: str | None = None
    slack_channel: str | None = None
    slack_webhook_file: str | None = None
    email: str | None = None
    smtp_smarthost: str | None = None
    smtp_from: str | None = None
    smtp_password_file: str | None = None

    def problems(self) -> list[str]:
        """Each problem as `--flag: what is wrong (the value)`."""
        found = [f"--{flag}: {value!r} is not a name: lower-case letters, digits and '-', starting with a letter "
                 "and not ending with '-', at most 63 characters"
                 for flag, value in (("service", self.service), ("team", self.team),
                                     *(("environments", e) for e in self.environments))
                 if not _NAME.match(value or "")]
        if self.tier not in (1, 2, 3):
            found.append(f"--tier: {self.tier!r} is not 1, 2 or 3")
        if PAGING_ENVIRONMENT not in self.environments:
            found.append(f"--environments: must include {PAGING_ENVIRONMENT} (pages reach the pager only there), "
                         f"got {','.join(self.environments)!r}")
        for flag, value in (("pagerduty-key-file", self.pagerduty_key_file),
                            ("opsgenie-key-file", self.opsgenie_key_file),
                            ("slack-webhook-file", self.slack_webhook_file)):
            if value is not None and not _FILE.match(value):
                found.append(f"--{flag}: {value!r} is not an absolute path without spaces (the file holding the "
                             "secret, as Alertmanager reads it; never the secret itself)")
        for flag, value in (("email", self.email), ("smtp-from", self.smtp_from)):
            if value is not None and not _EMAIL.match(value):
                found.append(f"--{flag}: {value!r} is not an e-mail address")
        if self.email and not (self.smtp_smarthost and self.smtp_from):
            found.append("--email: e-mail needs an SMTP server: give --smtp-smarthost HOST:PORT and --smtp-from")
        if self.smtp_smarthost is not None and not re.match(r"^[A-Za-z0-9.-]+:[0-9]{1,5}$", self.smtp_smarthost):
            found.append(f"--smtp-smarthost: {self.smtp_smarthost!r} is not HOST:PORT")
        if self.smtp_password_file is not None and not _FILE.match(self.smtp_password_file):
            found.append(f"--smtp-password-file: {self.smtp_password_file!r} is not an absolute path without spaces")
        if self.slack_channel is not None and not _CHANNEL.match(self.slack_channel):
            found.append(f"--slack-channel: {self.slack_channel!r} is not a Slack channel name (#name)")
        if (self.slack_channel is None) != (self.slack_webhook_file is None):
            found.append("--slack-channel and --slack-webhook-file: give both or neither")
        if self.runbook is not None and not re.match(r"^https?://[^\s\"'\\]+$", self.runbook):
            found.append(f"--runbook: {self.runbook!r} is not an http(s) URL")
        if not (self.pagerduty_key_file or self.opsgenie_key_file):
            found.append("--pagerduty-key-file or --opsgenie-key-file: the service pages on fast burns in "
                         f"{PAGING_ENVIRONMENT}, so its team needs a pager (give the path of the file holding the key)")
        return found


def _q(value) -> str:
    """A YAML scalar: JSON's quoting is valid YAML and escapes anything odd."""
    return json.dumps(value)


def platform(answers: Answers) -> str:
    return (
        "# The platform every service runs on: one per spec directory.\n"
        "apiVersion: obsgen/v1\nkind: Platform\nspec:\n"
        f"  environments: [{', '.join(answers.environments)}]\n"
        "  environment_label: environment      # set by each Prometheus' external_labels\n"
        "  alertmanager:\n"
        f"    default_team: {answers.team}    # alerts of a team nobody defined reach it\n"
        + _smtp(answers)
    )


def _smtp(answers: Answers) -> str:
    if not answers.smtp_smarthost:
        return ""
    text = f"    smtp:\n      smarthost: {_q(answers.smtp_smarthost)}\n      from: {_q(answers.smtp_from)}\n"
    if answers.smtp_password_file:
        text += f"      auth_password_file: {_q(answers.smtp_password_file)}\n"
    return text


def team(answers: Answers) -> str:
    lines = ["# Who is notified: secrets only as the path of a file Alertmanager reads (*_file).\n",
             f"apiVersion: obsgen/v1\nkind: Team\nmetadata: {{name: {answers.team}}}\nspec:\n"]
    if answers.pagerduty_key_file:
        lines.append(f"  pagerduty: {{routing_key_file: {_q(answers.pagerduty_key_file)}}}\n")
    if answers.opsgenie_key_file:
        lines.append(f"  opsgenie: {{api_key_file: {_q(answers.opsgenie_key_file)}}}\n")
    if answers.slack_channel:
        lines.append(f"  slack: {{channel: {_q(answers.slack_channel)}, "
                     f"api_url_file: {_q(answers.slack_webhook_file)}}}\n")
    if answers.email:
        lines.append(f"  email: {{to: {_q(answers.email)}}}\n")
    return "".join(lines)


def service(answers: Answers) -> str:
    name = answers.service
    runbook = answers.runbook or f"https://runbooks.example.com/{name}"
    return (
        f"# {name}: edit the SLI queries to your metrics, then `obsgen generate slos --out .`.\n"
        f"apiVersion: obsgen/v1\nkind: Service\nmetadata:\n  name: {name}\n  team: {answers.team}\n"
        f"  tier: {answers.tier}\n  runbook: {_q(runbook)}\nspec:\n"
        f"  environments: [{', '.join(answers.environments)}]\n"
        "  slos:\n"
        "    - name: availability\n"
        "      objective: 99.9\n"
        "      description: Requests succeed (no 5xx)\n"
        "      sli:\n"
        "        events:\n"
        f"          error_query: sum(rate(http_requests_total{{job=\"{name}\",code=~\"5..\"}}[{{{{window}}}}]))\n"
        f"          total_query: sum(rate(http_requests_total{{job=\"{name}\"}}[{{{{window}}}}]))\n"
        "    - name: latency\n"
        "      objective: 99\n"
        "      description: Requests are answered within 300ms\n"
        "      sli:\n"
        "        latency:\n"
        "          histogram: http_request_duration_seconds\n"
        f"          selector: {{job: {name}}}\n"
        "          threshold: 300ms\n"
        "      alerting:\n"
        "        page: false                  # tickets only: a slow service is not a 3 a.m. emergency\n"
    )


PRE_COMMIT = (
    "# pre-commit (https://pre-commit.com): `pre-commit install`, then every commit checks the specs and\n"
    "# that the committed output is what they generate.\n"
    "repos:\n"
    "  - repo: https://github.com/example/obsgen\n"
    "    rev: v0.1.0\n"
    "    hooks:\n"
    "      - id: obsgen-validate\n"
    "      - id: obsgen-check\n"
)


def checked(texts: dict[str, str]) -> None:
    """Load the scaffold with the real pipeline, warnings as errors: what init writes must generate."""
    import tempfile

    from obsgen import pipeline
    from obsgen.errors import InternalError, SpecErrors

    with tempfile.TemporaryDirectory(prefix="obsgen-init-") as scratch:
        for rel, text in texts.items():
            (Path(scratch) / rel).parent.mkdir(parents=True, exist_ok=True)
            (Path(scratch) / rel).write_text(text, encoding="utf-8")
        warnings: list = []
        try:
            pipeline.run(Path(scratch) / "slos", warnings=warnings, render=False)
        except SpecErrors as exc:  # an answer the flags' checks let through: say it as the spec does
            raise InitError([str(e).replace(scratch + "/", "") for e in exc.errors]) from None
        except Exception as exc:
            raise InternalError("init", exc) from exc
        if warnings:
            raise InitError([str(w).replace(scratch + "/", "") for w in warnings])


def files(answers: Answers) -> dict[str, str]:
    """The scaffold, relative path -> text."""
    return {
        "slos/platform.yaml": platform(answers),
        "slos/teams.yaml": team(answers),
        f"slos/{answers.service}.yaml": service(answers),
        ".pre-commit-config.yaml": PRE_COMMIT,
    }


def write(root: Path, texts: dict[str, str]) -> list[Path]:
    """Write every file or none: refuse if any exists; undo what was written if one write fails."""
    targets = [root / rel for rel in texts]
    existing = [str(p) for p in targets if p.exists() or p.is_symlink()]
    if existing:
        raise InitError([f"{p}: already exists; obsgen init never overwrites a file (nothing was written)"
                         for p in existing])
    made_dirs, written = [], []
    try:
        for rel, text in texts.items():
            path = root / rel
            for directory in reversed(path.parents):  # from the top: remember only what this run made
                if not directory.exists():
                    directory.mkdir()
                    made_dirs.append(directory)
            with open(path, "x", encoding="utf-8") as handle:
                written.append(path)
                handle.write(text)
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        for directory in reversed(made_dirs):
            directory.rmdir()
        raise InitError([f"{exc.filename or root}: {exc.strerror or exc}; nothing was written"]) from None
    return targets
