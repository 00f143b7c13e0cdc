"""The routing policy (who hears of what) and what the plan compiles from the spec."""

from __future__ import annotations

import pytest

from obsgen import inputs
from obsgen.plan.routing import (
    RoutingPlan,
    TeamReceivers,
    Timing,
    compile_routing,
    receivers_for,
)
from obsgen.spec.load import load_dir
from tests.amspec import SMTP, platform, team, write

TEAMS = (
    TeamReceivers("full", pagerduty_key_file="/s/pd", slack_channel="#f", slack_url_file="/s/slack",
                  email_to="full@example.com"),
    TeamReceivers("pager-only", opsgenie_key_file="/s/og"),
    TeamReceivers("mail-only", email_to="mail@example.com"),
    TeamReceivers("hook", webhook_url_file="/s/hook", pagerduty_key_file="/s/pd"),
    TeamReceivers("silent"),
)


def _routing(default_team: str | None = "full") -> RoutingPlan:
    timing = Timing("30s", "5m", "4h")
    return RoutingPlan(version="0.25", environment_label="environment", environments=("dev", "staging", "production"),
                       paging_environment="production", teams=TEAMS, default_team=default_team,
                       timing=(("critical", timing), ("warning", timing)), smtp=None, platform_alert=None,
                       group_by=("alertname",))


@pytest.mark.parametrize(("team", "severity", "env", "expected"), [
    # a page in production reaches the pager, then chat; no environment label counts as production
    ("full", "critical", "production", ("full-pager", "full-chat")),
    ("full", "critical", None, ("full-pager", "full-chat")),
    ("full", "critical", "", ("full-pager", "full-chat")),
    # non-production never pages: chat only, whatever the severity
    ("full", "critical", "staging", ("full-chat",)),
    ("full", "critical", "dev", ("full-chat",)),
    ("full", "critical", "Production", ("full-chat",)),  # label values are case-sensitive
    ("full", "warning", "staging", ("full-chat",)),
    # tickets in production: e-mail when the team has it, else chat
    ("full", "warning", "production", ("full-email",)),
    ("hook", "warning", None, ("hook-chat",)),
    ("hook", "critical", None, ("hook-pager", "hook-chat")),
    # info reaches nobody; an alert without severity reaches the team's chat
    ("full", "info", "production", ("obsgen-nobody",)),
    ("full", None, "production", ("full-chat",)),
    # a pager-only team: pages page; the rest falls back to the default receiver, never the pager
    ("pager-only", "critical", "production", ("pager-only-pager",)),
    ("pager-only", "warning", "production", ("full-chat",)),
    ("pager-only", "critical", "staging", ("full-chat",)),
    # an e-mail-only team pages nobody but mails everything
    ("mail-only", "critical", "production", ("mail-only-email",)),
    ("mail-only", "critical", "dev", ("mail-only-email",)),
    # unknown teams and teams without receivers reach the default receiver
    ("nobody-owns-this", "critical", "production", ("full-chat",)),
    ("silent", "critical", "production", ("full-chat",)),
    (None, "warning", None, ("full-chat",)),
])
def test_receivers_for(team, severity, env, expected):
    assert receivers_for(_routing(), team, severity, env) == expected


def test_without_a_default_team_unknown_teams_reach_a_receiver_that_notifies_nobody():
    assert receivers_for(_routing(None), "nobody-owns-this", "critical", None) == ("obsgen-nobody",)
    assert receivers_for(_routing(None), "pager-only", "warning", None) == ("obsgen-nobody",)


def test_compile_reads_receivers_timing_and_labels(tmp_path):
    spec = write(tmp_path, {
        "teams.yaml": team("b-team", "  opsgenie: {api_key_file: /s/og}\n  email: {to: b@example.com}") + "---\n"
        + team("a-team", "  slack: {channel: '#a', api_url_file: /s/slack}"),
        "platform.yaml": platform(SMTP + "    default_team: a-team\n    platform_alert: ClusterDown\n"
                                  "    timing: {warning: {repeat_interval: 3d}}\n",
                                  extra="  environment_label: env\n"),
    })
    specs, errors = load_dir(spec, inputs.find(spec).specs)
    assert not errors
    routing = compile_routing(specs)
    assert [t.team for t in routing.teams] == ["a-team", "b-team"]
    assert routing.team("b-team").pager == "b-team-pager" and routing.team("b-team").chat is None
    assert routing.default_receiver == "a-team-chat"
    assert routing.environment_label == "env" and routing.group_by[-1] == "env"
    assert routing.timing_of("warning") == Timing("2m", "30m", "3d")
    assert routing.timing_of("critical") == Timing("30s", "5m", "4h")
    assert routing.smtp.auth_password_file == "/etc/alertmanager/secrets/smtp/password"
    assert routing.platform_alert == "ClusterDown"


def test_defaults_without_a_platform(tmp_path):
    spec = write(tmp_path, {"teams.yaml": team("a")})
    specs, _ = load_dir(spec, inputs.find(spec).specs)
    routing = compile_routing(specs)
    assert routing.version == "0.25" and routing.environment_label == "environment"
    assert routing.default_receiver == "obsgen-nobody" and routing.smtp is None
