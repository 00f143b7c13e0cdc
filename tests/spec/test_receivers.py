"""Receivers in the spec: secrets only by file (a literal one is refused at file:line with a hint to
the *_file field, and never echoed), receiver types the pinned Alertmanager cannot load refused
naming the version that can, and the Platform's Alertmanager settings checked where they are."""

from __future__ import annotations

import pytest

from tests.amspec import SMTP, errors, platform, service, team

SECRET = "0123456789abcdef0123456789abcdef"


def _team_errors(tmp_path, body: str, alertmanager: str = SMTP) -> list[str]:
    return errors(tmp_path, {"teams.yaml": team("payments", body), "platform.yaml": platform(alertmanager),
                             "checkout.yaml": service("checkout", "payments", tier=3)})


@pytest.mark.parametrize(("body", "line", "field", "hint"), [
    ("  pagerduty:\n    routing_key: " + SECRET, 6, "pagerduty.routing_key", "routing_key_file"),
    ("  pagerduty:\n    service_key: " + SECRET, 6, "pagerduty.service_key", "routing_key_file"),
    ("  slack:\n    channel: '#a'\n    api_url: https://hooks.slack.com/services/T0/B0/" + SECRET, 7,
     "slack.api_url", "api_url_file"),
    ("  webhook:\n    url: https://hooks.example.com/" + SECRET, 6, "webhook.url", "url_file"),
    ("  opsgenie:\n    api_key: " + SECRET, 6, "opsgenie.api_key", "api_key_file"),
], ids=["pagerduty-routing-key", "pagerduty-service-key", "slack-api-url", "webhook-url", "opsgenie-api-key"])
def test_a_literal_secret_in_a_team_is_refused_at_its_line(tmp_path, body, line, field, hint):
    found = _team_errors(tmp_path, body)
    assert any(e.startswith(f"{tmp_path}/slos/teams.yaml:{line}: {field}: unknown field") and hint in e
               for e in found), found
    assert not any(SECRET in e for e in found), "an error message must never repeat the secret"


def test_a_literal_smtp_password_is_refused_at_its_line(tmp_path):
    smtp = SMTP.replace("auth_password_file: /etc/alertmanager/secrets/smtp/password", f"auth_password: {SECRET}")
    found = errors(tmp_path, {"platform.yaml": platform(smtp)})
    assert found == [f"{tmp_path}/slos/platform.yaml:10: alertmanager.smtp.auth_password: unknown field "
                     "(secrets are referenced by file: use auth_password_file)"]


def test_a_plain_url_field_elsewhere_gets_no_secret_hint(tmp_path):
    found = errors(tmp_path, {"platform.yaml": platform(extra="  endpoints: {url: http://x}\n")})
    assert len(found) == 1 and "secrets" not in found[0], found


@pytest.mark.parametrize(("body", "version", "line", "field", "first"), [
    ("  webhook:\n    url_file: /s/hook", "0.25", 6, "webhook.url_file", "0.26"),
    ("  opsgenie:\n    api_key_file: /s/key", "0.23", 6, "opsgenie.api_key_file", "0.24"),
    ("  pagerduty:\n    routing_key_file: /s/key", "0.24", 6, "pagerduty.routing_key_file", "0.25"),
], ids=["webhook-0.25", "opsgenie-0.23", "pagerduty-0.24"])
def test_a_receiver_the_pinned_alertmanager_cannot_load_is_refused(tmp_path, body, version, line, field, first):
    found = _team_errors(tmp_path, body, f'    version: "{version}"\n')
    assert found == [f"{tmp_path}/slos/teams.yaml:{line}: {field}: {field.replace('.', ' ')} needs Alertmanager "
                     f"{first} or later; the Platform pins {version} (spec.alertmanager.version): raise it or use "
                     "another receiver"]


def test_webhook_loads_from_0_26(tmp_path):
    assert _team_errors(tmp_path, "  webhook:\n    url_file: /s/hook", '    version: "0.26"\n') == []


def test_smtp_password_file_needs_0_25(tmp_path):
    found = errors(tmp_path, {"platform.yaml": platform('    version: "0.24"\n' + SMTP)})
    assert found == [f"{tmp_path}/slos/platform.yaml:11: alertmanager.smtp.auth_password_file: auth_password_file "
                     "needs Alertmanager 0.25 or later; the Platform pins 0.24 (spec.alertmanager.version): raise it "
                     "or use another receiver"]


def test_alertmanager_older_than_the_matcher_syntax_is_refused(tmp_path):
    found = errors(tmp_path, {"platform.yaml": platform('    version: "0.21"\n')})
    assert found == [f"{tmp_path}/slos/platform.yaml:6: alertmanager.version: Alertmanager 0.21 is too old: obsgen "
                     "writes `matchers`, which Alertmanager reads from 0.22 on"]


def test_email_needs_an_smtp_server(tmp_path):
    found = _team_errors(tmp_path, "  email: {to: oncall@example.com}", alertmanager="")
    assert found == [f"{tmp_path}/slos/teams.yaml:5: email: e-mail needs an SMTP server: set "
                     "spec.alertmanager.smtp (smarthost, from) in the Platform document "
                     f"(the Platform document is at {tmp_path}/slos/platform.yaml:3)"]


def test_the_default_team_must_exist(tmp_path):
    found = _team_errors(tmp_path, "  slack: {channel: '#a', api_url_file: /s/url}", "    default_team: platfrom\n")
    assert found == [f"{tmp_path}/slos/platform.yaml:6: alertmanager.default_team: unknown team 'platfrom'; "
                     "define it in a Team document"]


@pytest.mark.parametrize("label", ["team", "severity", "__name__", "sloth_x", "1env", "env-name"])
def test_the_environment_label_must_be_a_free_label_name(tmp_path, label):
    found = errors(tmp_path, {"platform.yaml": platform(extra=f"  environment_label: '{label}'\n")})
    assert len(found) == 1 and found[0].startswith(f"{tmp_path}/slos/platform.yaml:5: environment_label: "), found


@pytest.mark.parametrize(("text", "line", "field"), [
    ("    platform_alert: 'Up\"}'\n", 6, "alertmanager.platform_alert"),
    ("    timing: {critical: {group_wait: soon}}\n", 6, "alertmanager.timing.critical.group_wait"),
    ("    smtp: {smarthost: smtp.example.com, from: a@b.c}\n", 6, "alertmanager.smtp.smarthost"),
    ('    version: "1"\n', 6, "alertmanager.version"),
])
def test_platform_alertmanager_fields_are_checked_where_they_are(tmp_path, text, line, field):
    found = errors(tmp_path, {"platform.yaml": platform(text)})
    assert len(found) == 1 and found[0].startswith(f"{tmp_path}/slos/platform.yaml:{line}: {field}: "), found


def test_the_cli_prints_a_literal_secret_as_file_line_and_exits_1(tmp_path):
    from tests.amspec import write
    from tests.conftest import run_obsgen

    spec = write(tmp_path, {"teams.yaml": team("payments", "  opsgenie:\n    api_key: " + SECRET)})
    result = run_obsgen("validate", str(spec))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"error: {spec}/teams.yaml:6: opsgenie.api_key: unknown field (secrets are referenced by file: use " \
           "api_key_file)" in result.stderr
    assert SECRET not in result.stderr + result.stdout


def test_the_environment_label_cannot_be_set_by_a_service(tmp_path):
    svc = service("checkout", "payments", tier=3)
    svc = svc.replace("metadata: {", "metadata: {labels: {environment: production}, ")
    svc += "      alerting:\n        labels: {env: x}\n"
    found = errors(tmp_path, {"teams.yaml": team("payments", "  slack: {channel: '#a', api_url_file: /s/a}"),
                              "checkout.yaml": svc, "platform.yaml": platform()})
    assert found == [f"{tmp_path}/slos/checkout.yaml:3: metadata.labels.environment: 'environment' is the environment "
                     "label (Platform environment_label): each Prometheus sets it in external_labels; set here it "
                     "would label every environment's alerts alike, and non-production could page"]
    found = errors(tmp_path, {"platform.yaml": platform(extra="  environment_label: env\n")})
    assert len(found) == 1 and found[0].startswith(f"{tmp_path}/slos/checkout.yaml:14: slos[0].alerting.labels.env: ")


def test_the_hint_names_the_one_file_field_the_place_takes(tmp_path):
    smtp = SMTP.replace("auth_password_file: /etc/alertmanager/secrets/smtp/password", f"password: {SECRET}")
    found = errors(tmp_path, {"platform.yaml": platform(smtp)})
    assert found == [f"{tmp_path}/slos/platform.yaml:10: alertmanager.smtp.password: unknown field "
                     "(secrets are referenced by file: use auth_password_file)"]


CHAT = "  slack: {channel: '#a', api_url_file: /s/a}"
MAIL = "  email: {to: oncall@example.com}"


@pytest.mark.parametrize(("body", "heard"), [(CHAT, "chat"), (MAIL, "e-mail"), (CHAT + "\n" + MAIL, "chat")],
                         ids=["chat", "e-mail", "chat-and-e-mail"])
def test_a_paging_service_of_a_team_without_a_pager_is_refused_naming_the_fix(tmp_path, body, heard):
    found = errors(tmp_path, {"teams.yaml": team("payments", body), "platform.yaml": platform(SMTP),
                              "checkout.yaml": service("checkout", "payments", tier=1)})
    assert found == [f"{tmp_path}/slos/checkout.yaml:3: metadata.team: service 'checkout' pages (tier 1) but team "
                     f"'payments' has no pager, so its pages would reach only its {heard}: add pagerduty or opsgenie "
                     f"to team 'payments' ({tmp_path}/slos/teams.yaml:3), or set `spec.pages_without_pager: true` "
                     f"there to page by {heard}"]


@pytest.mark.parametrize(("body", "tier"), [
    (CHAT + "\n  pages_without_pager: true", 1),  # the team's explicit opt-in
    (CHAT + "\n  pagerduty: {routing_key_file: /s/pd}", 2),
    (CHAT, 3),  # tier 3 never pages
    ("  {}", 1),  # a team with no receiver at all: its alerts go to the default receiver, as unknown teams'
])
def test_a_pager_the_opt_in_or_no_page_is_accepted(tmp_path, body, tier):
    assert errors(tmp_path, {"teams.yaml": team("payments", body), "platform.yaml": platform(SMTP),
                             "checkout.yaml": service("checkout", "payments", tier=tier)}) == []


def test_a_service_that_turns_its_pages_off_is_accepted(tmp_path):
    svc = service("checkout", "payments", tier=1) + "      alerting: {page: false}\n"
    assert errors(tmp_path, {"teams.yaml": team("payments", CHAT), "checkout.yaml": svc}) == []


def test_an_imported_paging_file_of_a_chat_only_team_loads_with_a_warning(tmp_path):
    from obsgen import pipeline
    from tests.amspec import write

    sloth = ('version: "prometheus/v1"\nservice: "myservice"\nlabels: {team: payments, tier: "1"}\nslos:\n'
             '  - name: "availability"\n    objective: 99.9\n    sli:\n      raw:\n'
             '        error_ratio_query: sum(rate(errors_total[{{.window}}]))'
             ' / sum(rate(requests_total[{{.window}}]))\n'
             '    alerting: {name: MyServiceDown, annotations: {runbook: "https://runbooks.example.com/x"}}\n')
    warnings: list = []
    spec_dir = write(tmp_path, {"teams.yaml": team("payments", CHAT), "myservice.yaml": sloth})
    plan = pipeline.run(spec_dir, warnings=warnings, render=False).plan
    assert [s.name for s in plan.services] == ["myservice"]
    assert [str(w) for w in warnings] == [
        f"{tmp_path}/slos/myservice.yaml:3: labels.team: service 'myservice' pages (tier 1) but team 'payments' has "
        f"no pager, so its pages would reach only its chat: add pagerduty or opsgenie to team 'payments' "
        f"({tmp_path}/slos/teams.yaml:3), or set `spec.pages_without_pager: true` there to page by chat"]
