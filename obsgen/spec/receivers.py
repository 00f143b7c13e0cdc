"""Checks for Alertmanager routing that are the services' and teams' own rules: the environment
label no service may set, and the pages that would reach no pager. Each error points at the
file, line and field. What the pinned Alertmanager can load (receivers, SMTP, the default team) is
the Alertmanager settings' check (render/alertmanager/settings.py).
"""

from __future__ import annotations

from obsgen import names
from obsgen.errors import SpecError
from obsgen.spec.load import Loaded, Specs
from obsgen.spec.policy import pages


def check(specs: Specs) -> list[SpecError]:
    platform = specs.platform
    env_label = platform.model.spec.environment_label if platform else names.ENVIRONMENT_LABEL
    errors = []
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
