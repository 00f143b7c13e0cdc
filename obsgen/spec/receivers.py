"""Checks for Alertmanager routing: receivers the pinned Alertmanager can load, the default team,
SMTP for e-mail receivers. Each error points at the file, line and field.

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

from obsgen import names
from obsgen.errors import SpecError
from obsgen.spec.load import Loaded, Specs
from obsgen.spec.policy import pages

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


def check(specs: Specs) -> list[SpecError]:
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
    env_label = platform.model.spec.environment_label if platform else names.ENVIRONMENT_LABEL
    for svc in specs.services:
        errors += _environment_label_kept(svc, env_label)
    return errors  # a page that reaches no pager: spec/checks.ownership (an error, or a warning if imported)


def downgraded_pages(specs: Specs) -> list[tuple]:
    """(service, where, message) for each paging service whose team
    hears of alerts but has no pager, unless the team opted in (`pages_without_pager: true`): its
    pages would reach chat or e-mail alone, which nobody would notice until the outage."""
    teams = {t.model.metadata.name: t for t in specs.teams}
    found = []
    for svc in specs.services:
        service, team = svc.model, teams.get(svc.model.metadata.team)
        if team is None or not _downgrades(team.model.spec):
            continue
        if any(pages(service, i) for i in range(len(service.spec.slos))):
            spec, where = team.model.spec, team.at("metadata", "name")
            heard = "chat" if spec.slack or spec.webhook else "e-mail"
            found.append((svc, svc.at("metadata", "team"),
                          f"service {service.metadata.name!r} pages (tier {service.metadata.tier}) but team "
                          f"{team.model.metadata.name!r} has no pager, so its pages would reach only its {heard}: "
                          f"add pagerduty or opsgenie to team {team.model.metadata.name!r} ({where.file}:"
                          f"{where.line}), or set `spec.pages_without_pager: true` there to page by {heard}"))
    return found


def _downgrades(spec) -> bool:
    notified = spec.slack or spec.webhook or spec.email
    return bool(notified) and not (spec.pagerduty or spec.opsgenie) and not spec.pages_without_pager


def _environment_label_kept(svc: Loaded, label: str) -> list[SpecError]:
    """The environment label comes from each Prometheus' external_labels. Written on the rules, it
    would win over them in every environment (staging alerts labelled production would page)."""
    service = svc.model
    places = [(("metadata", "labels", label), service.metadata.labels)]
    places += [(("spec", "slos", i, "alerting", "labels", label), slo.alerting.labels)
               for i, slo in enumerate(service.spec.slos)]
    # SLO labels go on its series and alerts too, Sloth-style extras on its alerts (a hole found by
    # the shared-mode work: there the label must come from the series themselves)
    places += [(("spec", "slos", i, *where, label), labels) for i, slo in enumerate(service.spec.slos)
               for where, labels in ((("labels",), slo.labels),
                                     (("alerting", "page_alert", "labels"), slo.alerting.page_alert.labels),
                                     (("alerting", "ticket_alert", "labels"), slo.alerting.ticket_alert.labels))]
    return [SpecError(svc.at(*path), f"{label!r} is the environment label (Platform environment_label): each "
                                     "Prometheus sets it in external_labels; set here it would label every "
                                     "environment's alerts alike, and non-production could page")
            for path, labels in places if label in labels]


def _too_old(where, what: str, first: tuple[int, int], pinned: tuple[int, int]) -> SpecError:
    return SpecError(where, f"{what} needs Alertmanager {shown(first)} or later; the Platform pins "
                            f"{shown(pinned)} (spec.alertmanager.version): raise it or use another receiver")
