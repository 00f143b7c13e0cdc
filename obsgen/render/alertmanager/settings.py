"""The Alertmanager backend's Platform settings (`spec.alertmanager`): the Alertmanager version the
config must load in, the default team, SMTP, notification timing, API URLs and the Operator's
Alertmanager resource; and the checks that hold the Team documents' receivers to that version.
Each error points at the file, line and field.

Which Alertmanager first reads each secret-file field. Sources, checked against Debian's
Alertmanager 0.25 with `amtool check-config` (0.25 accepts every field below but webhook url_file:
"field url_file not found in type config.plain"):
- slack `api_url_file`: 0.22 (alertmanager PR #2534; prometheus-operator PR #4253 "since
  alertmanager v0.22.0").
- opsgenie `api_key_file`: 0.24 (prometheus-operator PR #4738 gates it on "lessThanV0_24").
- pagerduty `routing_key_file`: 0.25 (alertmanager PR #3107, merged 2022-10, released 0.25.0).
- email / global `auth_password_file`: 0.25 (alertmanager PR #3038, merged 2022-09).
- webhook `url_file`: 0.26 (alertmanager PR #3223, closing issue #3082; prometheus-operator
  issue #5857 "Since alertmanager v0.26.x").
- `matchers` / `source_matchers` / `target_matchers`, which every generated route uses: 0.22.
"""

from __future__ import annotations

from pydantic import Field

from obsgen.errors import SpecError
from obsgen.spec.fields import Dns1123, Duration, FilePath, Model, Name, Url
from obsgen.spec.settings import Settings


class Smtp(Model):
    smarthost: str = Field(pattern=r"^[^\s:]+:[0-9]+$", description="host:port")
    from_: str = Field(alias="from", pattern=r"^[^@\s]+@[^@\s]+$")
    auth_username: str | None = None
    auth_password_file: FilePath | None = None
    require_tls: bool = True


class Timing(Model):
    """Alertmanager's notification timing for one severity; unset fields keep obsgen's defaults."""

    group_wait: Duration | None = None
    group_interval: Duration | None = None
    repeat_interval: Duration | None = None


class Timings(Model):
    critical: Timing = Timing()
    warning: Timing = Timing()


class AlertmanagerSettings(Model):
    version: str = Field("0.25", pattern=r"^0\.[0-9]+(\.[0-9]+)?$",
                         description="the Alertmanager the config must load in (0.22 or later)")
    default_team: Name | None = None  # receives alerts of unknown teams; else nobody is notified
    smtp: Smtp | None = None
    timing: Timings = Timings()
    platform_alert: str | None = Field(None, pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$",
                                       description="a platform-wide alert that silences per-service alerts")
    # EU accounts, proxies and gateways send elsewhere than Alertmanager's defaults
    # (https://events.pagerduty.com/v2/enqueue, https://api.opsgenie.com/); unset keeps those.
    pagerduty_url: Url | None = Field(None, description="PagerDuty Events API v2 URL (global.pagerduty_url)")
    opsgenie_api_url: Url | None = Field(None, description="Opsgenie API base URL (global.opsgenie_api_url)")
    # The Prometheus Operator's Alertmanager resource (kube-prometheus-stack: <release>-alertmanager):
    # named, the k8s/ tree sets its configSecret and secrets by server-side apply; unset, merge
    # alerts/alertmanager/alertmanager-spec.yaml into it by hand.
    resource: Dns1123 | None = Field(
        None, description="the Alertmanager resource whose spec.configSecret and spec.secrets the k8s tree sets")


OLDEST = (0, 22)  # the modern matcher syntax obsgen writes
# (team spec field, its secret-file field) -> first Alertmanager version that loads it
FIRST_VERSION: dict[tuple[str, str], tuple[int, int]] = {
    ("slack", "api_url_file"): (0, 22),
    ("opsgenie", "api_key_file"): (0, 24),
    ("pagerduty", "routing_key_file"): (0, 25),
    ("webhook", "url_file"): (0, 26),
}
SMTP_PASSWORD_FILE = (0, 25)


def version(text: str) -> tuple[int, int]:
    major, minor = text.split(".")[:2]
    return int(major), int(minor)


def shown(ver: tuple[int, int]) -> str:
    return f"{ver[0]}.{ver[1]}"


def check(specs) -> list[SpecError]:
    platform = specs.platform
    settings = platform.model.spec.alertmanager if platform else None
    pinned = version(settings.version) if settings else version("0.25")
    errors = []
    if platform and pinned < OLDEST:
        errors.append(SpecError(platform.at("spec", "alertmanager", "version"),
                                f"Alertmanager {settings.version} is too old: obsgen writes `matchers`, "
                                f"which Alertmanager reads from {shown(OLDEST)} on"))
    teams = {t.model.metadata.name for t in specs.teams}
    if settings and settings.default_team and settings.default_team not in teams:
        errors.append(SpecError(platform.at("spec", "alertmanager", "default_team"),
                                f"unknown team {settings.default_team!r}; define it in a Team document"))
    smtp = settings.smtp if settings else None
    if smtp and smtp.auth_password_file and pinned < SMTP_PASSWORD_FILE:
        errors.append(_too_old(platform.at("spec", "alertmanager", "smtp", "auth_password_file"),
                               "auth_password_file", SMTP_PASSWORD_FILE, pinned))
    for team in specs.teams:
        spec = team.model.spec
        for (kind, field), first in FIRST_VERSION.items():
            if getattr(spec, kind) is not None and pinned < first:
                errors.append(_too_old(team.at("spec", kind, field), f"{kind} {field}", first, pinned))
        if spec.email is not None and smtp is None:
            where = platform.at("spec") if platform else None
            hint = f" (the Platform document is at {where.file}:{where.line})" if where else ""
            errors.append(SpecError(team.at("spec", "email"),
                                    "e-mail needs an SMTP server: set spec.alertmanager.smtp "
                                    f"(smarthost, from) in the Platform document{hint}"))
    return errors


def _too_old(where, what: str, first: tuple[int, int], pinned: tuple[int, int]) -> SpecError:
    return SpecError(where, f"{what} needs Alertmanager {shown(first)} or later; the Platform pins "
                            f"{shown(pinned)} (spec.alertmanager.version): raise it or use another receiver")


SETTINGS = Settings("alertmanager", AlertmanagerSettings, check)
