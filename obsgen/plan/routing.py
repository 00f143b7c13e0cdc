"""Who is notified of which alert: teams and their receivers, environments, timing (issue 5).

`receivers_for` is the routing policy in plain code. The Alertmanager renderer builds its tree from
the same plan, and the route tests it writes expect what `receivers_for` says, so a tree that
drifts from the policy fails `obsgen test`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from obsgen import names
from obsgen.spec.load import Specs
from obsgen.spec.models import PlatformSpec, TeamSpec
from obsgen.spec.policy import PAGING_ENVIRONMENT

CRITICAL, WARNING, INFO = "critical", "warning", "info"
# Alertmanager's own defaults are 30s / 5m / 4h; tickets can wait longer and repeat daily.
DEFAULT_TIMING = {CRITICAL: ("30s", "5m", "4h"), WARNING: ("2m", "30m", "24h")}
UNKNOWN_TEAM = "obsgen-unknown-team"  # what the route tests send as a team nobody owns
UNLISTED_ENVIRONMENT = "obsgen-unlisted"  # an environment label the Platform does not list

# How an alert says how urgent it is, as the tree matches it (one route per label set, `""` meaning
# the label is absent). obsgen-style alerts carry both labels; Sloth-style ones (`alerting.style:
# sloth`, every imported Sloth file) carry `sloth_severity` and perhaps a `severity` of the user's
# own (Sloth's examples: `pageteam`), which `sloth_severity` overrules; other alerts (the platform
# alert, hand-written rules) carry `severity` alone.
URGENCY: dict[str, tuple[tuple[tuple[str, str], ...], ...]] = {
    CRITICAL: (((names.SLOTH_SEVERITY, "page"),), ((names.SLOTH_SEVERITY, ""), (names.SEVERITY, CRITICAL))),
    WARNING: (((names.SLOTH_SEVERITY, "ticket"),), ((names.SLOTH_SEVERITY, ""), (names.SEVERITY, WARNING))),
    INFO: (((names.SLOTH_SEVERITY, ""), (names.SEVERITY, INFO)),),
}
# The urgency the spec gives each kind of generated alert.
URGENCY_OF_KIND = {"page": CRITICAL, "ticket": WARNING}


def urgency(labels: Mapping[str, str]) -> str | None:
    """critical, warning, info or None: which of URGENCY's label sets the alert's labels match."""
    for severity, label_sets in URGENCY.items():
        if any(all(labels.get(k, "") == v for k, v in label_set) for label_set in label_sets):
            return severity
    return None


@dataclass(frozen=True)
class TeamReceivers:
    team: str
    pagerduty_key_file: str | None = None
    opsgenie_key_file: str | None = None
    slack_channel: str | None = None
    slack_url_file: str | None = None
    webhook_url_file: str | None = None
    email_to: str | None = None
    pages_without_pager: bool = False  # the Team's opt-in: its pages may reach chat or e-mail alone

    @property
    def pager(self) -> str | None:
        return names.receiver(self.team, "pager") if self.pagerduty_key_file or self.opsgenie_key_file else None

    @property
    def chat(self) -> str | None:
        return names.receiver(self.team, "chat") if self.slack_url_file or self.webhook_url_file else None

    @property
    def email(self) -> str | None:
        return names.receiver(self.team, "email") if self.email_to else None

    @property
    def notify(self) -> str | None:
        """Where the team hears of what does not page (and of pages, after the pager): chat, else e-mail."""
        return self.chat or self.email

    @property
    def downgrades_pages(self) -> bool:
        """Its pages reach it, but no pager: only with the team's explicit opt-in (spec/checks)."""
        return self.pager is None and self.notify is not None

    @property
    def ticket(self) -> str | None:
        """Where production tickets go: e-mail when the team lists one, else chat."""
        return self.email or self.chat


@dataclass(frozen=True)
class Timing:
    group_wait: str
    group_interval: str
    repeat_interval: str


@dataclass(frozen=True)
class Smtp:
    smarthost: str
    sender: str
    auth_username: str | None
    auth_password_file: str | None
    require_tls: bool


@dataclass(frozen=True)
class RoutingPlan:
    version: str  # the Alertmanager the config must load in
    environment_label: str
    environments: tuple[str, ...]  # the Platform's, in its order
    paging_environment: str
    teams: tuple[TeamReceivers, ...]  # sorted by name
    default_team: str | None
    timing: tuple[tuple[str, Timing], ...]  # per severity
    smtp: Smtp | None
    platform_alert: str | None
    group_by: tuple[str, ...]
    pagerduty_url: str | None = None  # Alertmanager's own default when None
    opsgenie_api_url: str | None = None

    def team(self, name: str | None) -> TeamReceivers | None:
        return next((t for t in self.teams if t.team == name), None)

    @property
    def default_receiver(self) -> str:
        """Where alerts of unknown teams go: the default team's non-paging receiver, or nobody."""
        team = self.team(self.default_team)
        return (team.notify if team else None) or names.RECEIVER_NOBODY

    def timing_of(self, severity: str) -> Timing:
        return dict(self.timing)[severity]

    def is_production(self, environment: str | None) -> bool:
        """An alert without the environment label counts as production."""
        return environment in (None, "", self.paging_environment)


def receivers_for(routing: RoutingPlan, team: str | None, severity: str | None,
                  environment: str | None) -> tuple[str, ...]:
    """The routing policy: the receivers, in order, that an alert with these labels reaches."""
    owner = routing.team(team)
    if owner is None or not (owner.pager or owner.notify):
        return (routing.default_receiver,)
    if severity == INFO:
        return (names.RECEIVER_NOBODY,)
    production = routing.is_production(environment)
    if severity == CRITICAL and owner.pager and production:
        return (owner.pager, owner.notify) if owner.notify else (owner.pager,)
    if severity == WARNING and production:
        return (owner.ticket or routing.default_receiver,)
    return (owner.notify or routing.default_receiver,)  # non-production never pages; nor does the rest


def receivers_of(routing: RoutingPlan, labels: Mapping[str, str]) -> tuple[str, ...]:
    """What the policy does with an alert's own labels (its team, urgency and environment)."""
    return receivers_for(routing, labels.get(names.TEAM), urgency(labels), labels.get(routing.environment_label))


def pages_someone(routing: RoutingPlan, receivers: tuple[str, ...]) -> bool:
    return any(r == t.pager for t in routing.teams for r in receivers if t.pager)


def compile_routing(specs: Specs) -> RoutingPlan:
    platform = specs.platform.model.spec if specs.platform else PlatformSpec()
    settings = platform.alertmanager
    timing = []
    for severity, (wait, interval, repeat) in DEFAULT_TIMING.items():
        given = getattr(settings.timing, severity)
        timing.append((severity, Timing(given.group_wait or wait, given.group_interval or interval,
                                        given.repeat_interval or repeat)))
    smtp = settings.smtp
    teams = sorted((_team(t.model.metadata.name, t.model.spec) for t in specs.teams), key=lambda t: t.team)
    return RoutingPlan(
        version=settings.version,
        environment_label=platform.environment_label,
        environments=tuple(platform.environments),
        paging_environment=PAGING_ENVIRONMENT,
        teams=tuple(teams),
        default_team=settings.default_team,
        timing=tuple(timing),
        smtp=Smtp(smtp.smarthost, smtp.from_, smtp.auth_username, smtp.auth_password_file, smtp.require_tls)
        if smtp else None,
        platform_alert=settings.platform_alert,
        group_by=(names.ALERTNAME, names.SERVICE, names.SLO, platform.environment_label),
        pagerduty_url=settings.pagerduty_url,
        opsgenie_api_url=settings.opsgenie_api_url,
    )


def _team(name: str, spec: TeamSpec) -> TeamReceivers:
    return TeamReceivers(
        team=name,
        pagerduty_key_file=spec.pagerduty.routing_key_file if spec.pagerduty else None,
        opsgenie_key_file=spec.opsgenie.api_key_file if spec.opsgenie else None,
        slack_channel=spec.slack.channel if spec.slack else None,
        slack_url_file=spec.slack.api_url_file if spec.slack else None,
        webhook_url_file=spec.webhook.url_file if spec.webhook else None,
        email_to=spec.email.to if spec.email else None,
        pages_without_pager=spec.pages_without_pager,
    )
