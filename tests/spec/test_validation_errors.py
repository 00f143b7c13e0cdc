"""Every spec mistake is reported as `file:line: field: message` on stderr, exit code 1, and never
a Python traceback.

Each case is a valid Team + Service baseline with one mutation, checked by running the CLI in this
process (click's CliRunner: a subprocess costs ~0.4 s, and there are ~80 cases); the tests of
several errors and of nothing written run it in its own process, for the real streams and exit code.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests import builders
from tests.builders import obsgen_cli
from tests.conftest import PATIENCE

# Line numbers are pinned in the cases below; keep these texts in sync with them.
SERVICE = """\
apiVersion: obsgen/v1
kind: Service
metadata:
  name: checkout
  team: payments
  tier: 1
  runbook: https://runbooks.example.com/checkout
spec:
  environments: [staging, production]
  slos:
    - name: availability
      objective: 99.9
      sli:
        events:
          error_query: sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{window}}]))
          total_query: sum(rate(http_requests_total{job="checkout"}[{{window}}]))
      alerting:
        for: 2m
"""
#  1 apiVersion    5 team        9 environments  13 sli           17 alerting
#  2 kind          6 tier       10 slos          14 events        18 for
#  3 metadata      7 runbook    11 - name        15 error_query
#  4 name          8 spec       12 objective     16 total_query

TEAM = """\
apiVersion: obsgen/v1
kind: Team
metadata:
  name: payments
spec:
  pagerduty:
    routing_key_file: /etc/alertmanager/secrets/payments-pagerduty/routing-key
  slack:
    channel: "#payments-alerts"
    api_url_file: /etc/alertmanager/secrets/slack-webhook/url
"""

EVENTS_SLI = """\
        events:
          error_query: sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{window}}]))
          total_query: sum(rate(http_requests_total{job="checkout"}[{{window}}]))
"""

PLATFORM = """\
apiVersion: obsgen/v1
kind: Platform
"""

CATALOG_2D = """\
apiVersion: obsgen/v1
kind: Platform
spec:
  alert_windows:
    - period: 2d
      page:
        quick: {budget_percent: 10, long: 1h, short: 5m}
        slow: {budget_percent: 20, long: 6h, short: 30m}
      ticket:
        quick: {budget_percent: 20, long: 12h, short: 1h}
        slow: {budget_percent: 40, long: 1d, short: 2h}
"""


def edit(text: str, old: str, new: str) -> str:
    """Replace the one occurrence of old; fail loudly when the baseline no longer has it."""
    assert text.count(old) == 1, f"baseline does not contain exactly one {old!r}"
    return text.replace(old, new)


def svc(*edits: tuple[str, str]) -> str:
    text = SERVICE
    for old, new in edits:
        text = edit(text, old, new)
    return text


@dataclass(frozen=True)
class Case:
    id: str
    files: dict[str, str] = field(hash=False)  # name under slos/ -> text
    where: str | None  # expected `slos/<file>:<line>: <field>: ` prefix; None: the spec is valid
    phrase: str = ""  # a key phrase of the message, on the same line as the prefix
    alone: bool = False  # the only error printed


def write_specs(root: Path, files: dict[str, str]) -> None:
    builders.write_files(root / "slos", files)


def obsgen(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "obsgen", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=PATIENCE, check=False)


def case(id_: str, where: str | None, phrase: str = "", *, service: str | None = SERVICE,
         team: str | None = TEAM, extra: dict[str, str] | None = None, alone: bool = False):
    files = {"checkout.yaml": service, "teams.yaml": team, **(extra or {})}
    files = {name: text for name, text in files.items() if text is not None}
    return pytest.param(Case(id_, files, where, phrase, alone), id=id_)


INVALID = [
    # --- unknown fields, secrets ---------------------------------------------------------------
    case("unknown-field-hint", "slos/checkout.yaml:12: slos[0].objectve: ",
         "unknown field (did you mean 'objective'?)",  # alone: no `objective: is required` beside it
         service=svc(("objective: 99.9", "objectve: 99.9")), alone=True),
    case("unknown-field-alias-hint", "slos/checkout.yaml:18: slos[0].alerting.fro: ",
         "unknown field (did you mean 'for'?)", service=svc(("for: 2m", "fro: 2m"))),
    case("unknown-top-level-field", "slos/checkout.yaml:3: metdata: ",
         "unknown field (did you mean 'metadata'?)", service=svc(("metadata:", "metdata:"))),
    case("secret-routing-key", "slos/teams.yaml:7: pagerduty.routing_key: ",
         "secrets are referenced by file: use routing_key_file",
         team=edit(TEAM, "routing_key_file: /etc/alertmanager/secrets/payments-pagerduty/routing-key",
                   "routing_key: 0123456789abcdef0123456789abcdef")),
    case("secret-slack-url", "slos/teams.yaml:10: slack.api_url: ",
         "secrets are referenced by file: use api_url_file",
         team=edit(TEAM, "api_url_file: /etc/alertmanager/secrets/slack-webhook/url",
                   "api_url: https://hooks.slack.com/services/T0/B0/XXXX")),
    case("missing-field", "slos/checkout.yaml:3: metadata.team: ", "is required",
         service=svc(("  team: payments\n", ""))),
    case("missing-spec", "slos/checkout.yaml:1: spec: ", "is required",
         service=SERVICE[:SERVICE.index("spec:\n")]),
    # --- values --------------------------------------------------------------------------------
    case("objective-100", "slos/checkout.yaml:12: slos[0].objective: ", "must be below 100, got 100",
         service=svc(("objective: 99.9", "objective: 100"))),
    case("objective-0", "slos/checkout.yaml:12: slos[0].objective: ", "must be above 0, got 0",
         service=svc(("objective: 99.9", "objective: 0"))),
    case("objective-not-a-number", "slos/checkout.yaml:12: slos[0].objective: ",
         "must be a number such as 99.9, got '99.9%'",
         service=svc(("objective: 99.9", "objective: 99.9%"))),
    case("objective-budget-too-small", "slos/checkout.yaml:12: slos[0].objective: ",
         "must leave an error budget of at least 1e-10 (at most 99.99999999), got 99.9999999999999",
         service=svc(("objective: 99.9", "objective: 99.9999999999999"))),
    case("objective-inf", "slos/checkout.yaml:12: slos[0].objective: ", "must be a number between 0 and 100, got inf",
         service=svc(("objective: 99.9", "objective: .inf"))),
    case("tier-out-of-range", "slos/checkout.yaml:6: metadata.tier: ", "Input should be 1, 2 or 3, got 4",
         service=svc(("tier: 1", "tier: 4"))),
    case("bad-duration", "slos/checkout.yaml:18: slos[0].alerting.for: ",
         "must be a duration such as 300ms, 5m or 1h30m, got '5 minutes'",
         service=svc(("for: 2m", "for: 5 minutes"))),
    case("for-below-a-second", "slos/checkout.yaml:18: slos[0].alerting.for: ",
         "must be a whole number of seconds, got '1m500ms'",
         service=svc(("for: 2m", "for: 1m500ms"))),
    case("period-not-whole-days", "slos/checkout.yaml:13: slos[0].period: ",
         "must be a whole number of days, at least 1d, got '36h'",
         service=svc(("objective: 99.9\n", "objective: 99.9\n      period: 36h\n"))),
    case("period-shorter-than-ticket-window", "slos/checkout.yaml:13: slos[0].period: ",
         "period 2d is shorter than the 3d alert window; add an alert_windows catalog",
         service=svc(("objective: 99.9\n", "objective: 99.9\n      period: 2d\n"))),
    case("period-2d-platform-without-its-catalog", "slos/checkout.yaml:13: slos[0].period: ",
         "period 2d is shorter than the 3d alert window",
         service=svc(("objective: 99.9\n", "objective: 99.9\n      period: 2d\n")),
         extra={"platform.yaml": PLATFORM}),
    case("objective-too-low-to-page", "slos/checkout.yaml:12: slos[0].objective: ",
         "objective 90 is too low for page alerts: a 14.4x burn rate needs an error ratio of 144%",
         service=svc(("objective: 99.9", "objective: 90"))),
    # --- names, labels -------------------------------------------------------------------------
    case("service-name-not-label-safe", "slos/checkout.yaml:4: metadata.name: ",
         "must be a label-safe name (^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$: lower case, digits, dashes; a letter "
         "first, a letter or digit last), got 'Checkout_API'",
         service=svc(("name: checkout", "name: Checkout_API"))),
    case("label-name-invalid", "slos/checkout.yaml:7: metadata.labels.bad-key: ",
         "label name 'bad-key' is not a valid Prometheus label name",
         service=svc(("  tier: 1\n", "  tier: 1\n  labels: {bad-key: x}\n"))),
    case("label-name-invalid-block", "slos/checkout.yaml:9: metadata.labels.bad-key: ",
         "label name 'bad-key' is not a valid Prometheus label name",
         service=svc(("  tier: 1\n", "  tier: 1\n  labels:\n    ok: x\n    bad-key: x\n"))),
    case("label-reserved", "slos/checkout.yaml:7: metadata.labels.severity: ",
         "label 'severity' is set by obsgen and cannot be overridden",
         service=svc(("  tier: 1\n", "  tier: 1\n  labels: {severity: high}\n"))),
    case("duplicate-service", "slos/storefront.yaml:4: metadata.name: ",
         "duplicate service 'checkout'; first defined at slos/checkout.yaml:4",
         extra={"storefront.yaml": SERVICE}),
    case("duplicate-team", "slos/teams.yaml:4: metadata.name: ",
         "duplicate team 'payments'; first defined at slos/more-teams.yaml:4",
         extra={"more-teams.yaml": TEAM}),
    case("duplicate-slo", "slos/checkout.yaml:19: slos[1].name: ", "duplicate SLO 'availability'",
         service=SERVICE + "    - name: availability\n      objective: 99\n      sli:\n" + EVENTS_SLI),
    case("unknown-team-hint", "slos/checkout.yaml:5: metadata.team: ",
         "unknown team 'paymnets' (did you mean 'payments'?); define it in a Team document",
         service=svc(("team: payments", "team: paymnets"))),
    case("unknown-environment-hint", "slos/checkout.yaml:9: environments[1]: ",
         "unknown environment 'prodution' (did you mean 'production'?); the platform has dev, staging, production",
         service=svc(("[staging, production]", "[staging, prodution]"))),
    # --- derived ids (issue 14: 1, 4) -----------------------------------------------------------
    case("sloth-id-collision", "slos/eu.yaml:11: slos[0].name: ",
         "sloth_id 'checkout-eu-availability' of service 'checkout-eu' SLO 'availability' is also the "
         "sloth_id of service 'checkout' SLO 'eu-availability' (slos/checkout.yaml:11)",
         service=svc(("name: availability", "name: eu-availability")),
         extra={"eu.yaml": svc(("name: checkout", "name: checkout-eu"))}),
    case("rule-group-collision", "slos/checkout.yaml:19: slos[1].name: ",
         "rule group 'obsgen-slo-checkout-availability-period' of service 'checkout' SLO "
         "'availability-period' is also the period rule group of service 'checkout' SLO 'availability' "
         "(slos/checkout.yaml:11)",
         service=SERVICE + "    - name: availability-period\n      objective: 99\n      sli:\n" + EVENTS_SLI),
    case("rollups-group-collision", "slos/checkout.yaml:19: slos[1].name: ",
         "rule group 'obsgen-slo-checkout-availability-rollups' of service 'checkout' SLO "
         "'availability-rollups' is also the roll-ups rule group of service 'checkout' SLO 'availability' "
         "(slos/checkout.yaml:11)",
         service=SERVICE + "    - name: availability-rollups\n      objective: 99\n      sli:\n" + EVENTS_SLI),
    case("dashboard-uid-collision", "slos/short.yaml:4: metadata.name: ",
         "dashboard uid 'obsgen-checkout-with-a-very-lon-cd85bbee' of service "
         "'checkout-with-a-very-lon-cd85bbee' is also the dashboard uid of service "
         "'checkout-with-a-very-long-name-for-a-dashboard' (slos/checkout.yaml:4)",
         service=svc(("name: checkout", "name: checkout-with-a-very-long-name-for-a-dashboard")),
         extra={"short.yaml": svc(("name: checkout", "name: checkout-with-a-very-lon-cd85bbee"))}),
    # --- annotations, keys (issue 14: 5, 14) ------------------------------------------------------
    case("annotation-key-invalid", "slos/checkout.yaml:19: slos[0].alerting.annotations.playbook-url: ",
         "annotation name 'playbook-url' is not a valid Prometheus label name",
         service=svc(("for: 2m\n", "for: 2m\n        annotations: {playbook-url: x}\n"))),
    case("annotation-key-too-long", "slos/checkout.yaml:19: slos[0].alerting.annotations." + "k" * 129 + ": ",
         "is 129 characters long; at most 128",
         service=svc(("for: 2m\n", "for: 2m\n        annotations: {" + "k" * 129 + ": x}\n"))),
    case("label-key-too-long", "slos/checkout.yaml:8: metadata.labels." + "k" * 1100 + ": ",
         "is 1100 characters long; at most 128",  # YAML needs the explicit `? key` form past 1024
         service=svc(("  tier: 1\n", "  tier: 1\n  labels:\n    ? " + "k" * 1100 + "\n    : x\n"))),
    # --- catalogs, selectors (issue 14: 13) -----------------------------------------------------
    case("catalog-window-subsecond", "slos/platform.yaml:7: alert_windows[0].page.quick.short: ",
         "must be whole seconds, at least 1m, got '500ms'",
         extra={"platform.yaml": edit(CATALOG_2D, "long: 1h, short: 5m", "long: 1h, short: 500ms")}),
    case("catalog-window-below-one-evaluation", "slos/platform.yaml:7: alert_windows[0].page.quick.short: ",
         "must be whole seconds, at least 1m, got '30s'",
         extra={"platform.yaml": edit(CATALOG_2D, "long: 1h, short: 5m", "long: 1h, short: 30s")}),
    case("latency-selector-name-label", "slos/checkout.yaml:16: slos[0].sli.latency.selector.__name__: ",
         "'__name__' cannot be a selector label",
         service=svc((EVENTS_SLI, "        latency:\n          histogram: http_server_request_duration_seconds\n"
                                  "          selector: {__name__: foo}\n          threshold: 300ms\n"))),
    case("latency-selector-reserved-label", "slos/checkout.yaml:16: slos[0].sli.latency.selector.__x: ",
         "'__x' cannot be a selector label",
         service=svc((EVENTS_SLI, "        latency:\n          histogram: http_server_request_duration_seconds\n"
                                  "          selector: {__x: foo}\n          threshold: 300ms\n"))),
    # --- {{window}} only in range positions (issue 14: 6) ----------------------------------------
    case("window-only-in-a-string", "slos/checkout.yaml:15: slos[0].sli.events.error_query: ",
         "lacks the {{window}} placeholder",
         service=svc(('code=~"5.."}[{{window}}]', 'code=~"5..",route="/{{window}}"}[5m]'))),
    # --- paging --------------------------------------------------------------------------------
    case("runbook-missing-when-paging", "slos/checkout.yaml:10: slos[0].runbook: ",
         "is required: this SLO pages; set it here or metadata.runbook",
         service=svc(("  runbook: https://runbooks.example.com/checkout\n", ""))),
    case("tier-3-page-true", "slos/checkout.yaml:18: slos[0].alerting.page: ",
         "tier 3 services never page; remove page: true or raise the tier",
         service=svc(("tier: 1", "tier: 3"), ("for: 2m", "page: true"))),
    # --- SLIs ----------------------------------------------------------------------------------
    case("query-without-window", "slos/checkout.yaml:15: slos[0].sli.events.error_query: ",
         "lacks the {{window}} placeholder (Sloth's {{.window}} works too)",
         service=svc(('code=~"5.."}[{{window}}]', 'code=~"5.."}[5m]'))),
    case("query-not-promql", "slos/checkout.yaml:16: slos[0].sli.events.total_query: ",
         'does not parse as PromQL (unclosed left parenthesis): sum(rate(http_requests_total{job="checkout"}[5m])',
         service=svc(('{job="checkout"}[{{window}}]))', '{job="checkout"}[{{window}}])'))),
    case("raw-query-not-promql", "slos/checkout.yaml:15: slos[0].sli.raw.error_ratio_query: ",
         "does not parse as PromQL",
         service=svc((EVENTS_SLI, "        raw:\n          error_ratio_query: rate(errors[{{window}}]) /\n"))),
    case("latency-threshold-not-duration", "slos/checkout.yaml:16: slos[0].sli.latency.threshold: ",
         "must be a duration such as 300ms, 5m or 1h30m, got 'fast'",
         service=svc((EVENTS_SLI, "        latency:\n          histogram: http_server_request_duration_seconds\n"
                                  "          threshold: fast\n"))),
    case("latency-histogram-bucket", "slos/checkout.yaml:15: slos[0].sli.latency.histogram: ",
         "name the histogram without _bucket, got 'http_server_request_duration_seconds_bucket'",
         service=svc((EVENTS_SLI, "        latency:\n          histogram: http_server_request_duration_seconds_bucket\n"
                                  "          threshold: 300ms\n"))),
    case("sli-two-kinds", "slos/checkout.yaml:13: slos[0].sli: ",
         "needs exactly one of events, raw, latency, spans; got events, spans",
         service=svc((EVENTS_SLI, EVENTS_SLI + '        spans: {span_name: "POST /orders"}\n'))),
    case("sli-no-kind", "slos/checkout.yaml:13: slos[0].sli: ",
         "needs exactly one of events, raw, latency, spans; got none",
         service=svc(("      sli:\n" + EVENTS_SLI, "      sli: {}\n"))),
    # --- documents -----------------------------------------------------------------------------
    case("wrong-api-version", "slos/checkout.yaml:1: apiVersion: ", "must be obsgen/v1, got 'obsgen/v2'",
         service=svc(("obsgen/v1", "obsgen/v2"))),
    case("unknown-kind-hint", "slos/checkout.yaml:2: kind: ",
         "must be one of Service, Team, Platform, got 'Servce' (did you mean 'Service'?)",
         service=svc(("kind: Service", "kind: Servce"))),
    case("document-not-a-mapping", "slos/notes.yaml:1: ", "a document must be a mapping with apiVersion and kind",
         extra={"notes.yaml": "- just\n- a list\n"}),
    case("two-platforms", "slos/platform.yaml:5: kind: ",
         "there can be only one Platform document; another is at slos/platform.yaml:1",
         extra={"platform.yaml": PLATFORM + "---\n" + PLATFORM}),
    # --- YAML ----------------------------------------------------------------------------------
    # the parser's own words differ between libyaml and pure-Python PyYAML; the line does not
    case("invalid-yaml", "slos/checkout.yaml:7: invalid YAML: ", "invalid YAML",
         service=svc(("  runbook: https://", " runbook: https://"))),
    case("invalid-yaml-tab", "slos/checkout.yaml:6: invalid YAML: ", "invalid YAML",
         service=svc(("  tier: 1", "\ttier: 1"))),
    case("duplicate-key", "slos/checkout.yaml:7: metadata.tier: ", "duplicate key",
         service=svc(("  tier: 1\n", "  tier: 1\n  tier: 2\n"))),
    case("yaml-unknown-tag", "slos/checkout.yaml:4: metadata.name: ", "invalid YAML value !Ref",
         service=svc(("name: checkout", "name: !Ref checkout"))),
    case("yaml-unknown-tag-alone", "slos/checkout.yaml:4: metadata.name: ", "invalid YAML value !Ref",
         service=svc(("name: checkout", "name: !Ref checkout")), alone=True),
    case("yaml-bad-typed-scalar", "slos/checkout.yaml:6: metadata.tier: ", "'abc'",
         service=svc(("tier: 1", "tier: !!int abc"))),
    case("yaml-bad-bool", "slos/checkout.yaml:18: slos[0].alerting.page: ", "maybe",
         service=svc(("for: 2m", "page: !!bool maybe"))),
    case("yaml-control-character", "slos/checkout.yaml:4: invalid YAML: ", "control characters are not allowed",
         service=svc(("name: checkout", "name: check\x07out"))),
    case("yaml-control-character-after-non-ascii", "slos/checkout.yaml:5: invalid YAML: ",
         "control characters are not allowed",
         service="# Kasse: Bestellungen für Kundinnen und Kunden: schnell, zuverlässig, überall ✓✓✓✓✓✓✓✓✓✓\n"
                 + svc(("name: checkout", "name: check\x07out"))),
    case("yaml-complex-key", "slos/checkout.yaml:7: metadata: ", "a mapping key must be a plain value",
         service=svc(("  tier: 1\n", "  tier: 1\n  [a, b]: x\n"))),
    case("yaml-recursive-alias", "slos/checkout.yaml:7: metadata.labels.a: ",
         "an alias refers to a node that contains it",
         service=svc(("  tier: 1\n", "  tier: 1\n  labels: &x {a: *x}\n"))),
]

VALID = [
    case("baseline", None),
    case("sloth-window-placeholder", None, service=SERVICE.replace("{{window}}", "{{.window}}")),
    case("both-window-placeholders", None, service=svc(('code=~"5.."}[{{window}}]', 'code=~"5.."}[{{.window}}]'))),
    case("tier-3-without-runbook", None,
         service=svc(("tier: 1", "tier: 3"), ("  runbook: https://runbooks.example.com/checkout\n", ""))),
    case("runbook-on-the-slo", None,
         service=svc(("  runbook: https://runbooks.example.com/checkout\n", ""),
                     ("objective: 99.9\n", "objective: 99.9\n      runbook: https://runbooks.example.com/x\n"))),
    case("staging-only-does-not-page", None,
         service=svc(("  runbook: https://runbooks.example.com/checkout\n", ""),
                     ("[staging, production]", "[staging]"))),
    case("objective-90-without-paging", None,
         service=svc(("objective: 99.9", "objective: 90"), ("for: 2m", "page: false"))),
    case("period-2d-with-platform-catalog", None,
         service=svc(("objective: 99.9\n", "objective: 99.9\n      period: 2d\n")),
         extra={"platform.yaml": CATALOG_2D}),
    case("trailing-document-separator", None, team=TEAM + "---\n"),
    case("objective-ten-nines", None, service=svc(("objective: 99.9", "objective: 99.99999999"))),
    case("annotation-overrides-summary", None,
         service=svc(("for: 2m\n", "for: 2m\n        annotations: {summary: mine, description: also mine}\n"))),
    case("names-that-almost-collide", None,
         service=svc(("name: availability", "name: eu")),
         extra={"eu.yaml": svc(("name: checkout", "name: checkout-eu"))}),
    case("window-in-a-string-and-a-range", None,
         service=svc(('code=~"5.."}[{{window}}]', 'code=~"5..",route="/{{window}}"}[{{window}}]'))),
    case("catalog-windows-whole-seconds", None,
         service=svc(("objective: 99.9\n", "objective: 99.9\n      period: 2d\n")),
         extra={"platform.yaml": edit(CATALOG_2D, "long: 1h, short: 5m", "long: 1h, short: 90s")}),
    case("merge-key-override", None,
         service=svc(("      alerting:\n        for: 2m\n", "      alerting: &alerting {for: 2m, ticket: true}\n"))
         + "    - name: availability-eu\n      objective: 99.5\n      sli:\n" + EVENTS_SLI
         + "      alerting:\n        <<: *alerting\n        ticket: false\n"),
]


@pytest.fixture
def cli_runs(tmp_path):
    """`obsgen validate slos` on a case's files in its own directory, in this process (click's
    CliRunner): the messages and exit code the CLI gives. The real process's stream format and exit
    code are test_every_error_is_printed_sorted_one_per_line's and the writer test's below."""
    def run(c: Case) -> subprocess.CompletedProcess:
        write_specs(tmp_path, c.files)
        return obsgen_cli("validate", "slos", cwd=tmp_path)
    return run


@pytest.mark.parametrize("case", INVALID)
def test_invalid_spec_is_reported(case: Case, cli_runs):
    result = cli_runs(case)
    output = result.stderr + result.stdout
    assert "Traceback" not in output, output
    assert result.returncode == 1, output
    assert result.stdout == "", "errors go to stderr"
    lines = [line for line in result.stderr.splitlines() if line.startswith(f"error: {case.where}")]
    assert lines, f"no line starts with {'error: ' + case.where!r}:\n{result.stderr}"
    assert any(case.phrase in line for line in lines), f"{case.phrase!r} not in:\n" + "\n".join(lines)
    assert result.stderr.splitlines()[-1].endswith("error(s); nothing was written.")
    if case.alone:
        assert result.stderr.splitlines()[-1] == "1 error(s); nothing was written.", result.stderr


@pytest.mark.parametrize("case", VALID)
def test_valid_spec_is_accepted(case: Case, cli_runs):
    result = cli_runs(case)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert result.stdout.endswith("all valid.\n")


def test_case_ids_are_unique():
    ids = [p.values[0].id for p in INVALID + VALID]
    assert len(ids) == len(set(ids))


# --- several errors, and nothing written ---------------------------------------------------------

LOAD_ERRORS = {
    "checkout.yaml": svc(("tier: 1", "tier: 4"), ("objective: 99.9", "objective: 100"), ("for: 2m", "for: 5 minutes")),
    "teams.yaml": edit(TEAM, "routing_key_file: /etc", "routing_key: /etc"),
}
LOAD_EXPECTED = """\
error: slos/checkout.yaml:6: metadata.tier: Input should be 1, 2 or 3, got 4
error: slos/checkout.yaml:12: slos[0].objective: must be below 100, got 100
error: slos/checkout.yaml:18: slos[0].alerting.for: must be a duration such as 300ms, 5m or 1h30m, got '5 minutes'
error: slos/teams.yaml:7: pagerduty.routing_key: unknown field (secrets are referenced by file: use routing_key_file)
4 error(s); nothing was written.
"""

CHECK_ERRORS = {
    "checkout.yaml": svc(("team: payments", "team: nobody"), ("[staging, production]", "[staging, qa]"))
    + "    - name: availability\n      objective: 99\n      sli:\n" + EVENTS_SLI,
    "teams.yaml": TEAM,
    "storefront.yaml": edit(SERVICE, "tier: 1", "tier: 2"),
}
CHECK_EXPECTED = """\
error: slos/checkout.yaml:5: metadata.team: unknown team 'nobody'; define it in a Team document
error: slos/checkout.yaml:9: environments[1]: unknown environment 'qa'; the platform has dev, staging, production
error: slos/checkout.yaml:19: slos[1].name: duplicate SLO 'availability'
error: slos/storefront.yaml:4: metadata.name: duplicate service 'checkout'; first defined at slos/checkout.yaml:4
4 error(s); nothing was written.
"""


@pytest.mark.parametrize(("files", "expected"), [(LOAD_ERRORS, LOAD_EXPECTED), (CHECK_ERRORS, CHECK_EXPECTED)],
                         ids=["load", "check"])
def test_every_error_is_printed_sorted_one_per_line(tmp_path: Path, files, expected):
    write_specs(tmp_path, files)
    result = obsgen(tmp_path, "validate", "slos")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == expected
    # sorted by file, then by line as a number (6 before 12), not as text
    keys = [(f, int(n)) for f, n, *_ in (line.removeprefix("error: ").split(":") for line in
                                         result.stderr.splitlines()[:-1])]
    assert keys == sorted(keys)


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_generate_on_invalid_spec_writes_nothing(tmp_path: Path):
    write_specs(tmp_path, {"checkout.yaml": SERVICE, "teams.yaml": TEAM})
    existing, empty = tmp_path / "existing", tmp_path / "empty"
    empty.mkdir()

    result = obsgen(tmp_path, "generate", "slos", "--out", "existing")
    assert result.returncode == 0, result.stderr
    before = _snapshot(existing)
    assert "alerts/rules/checkout.rules.yaml" in before and ".obsgen-manifest" in before

    # break the spec in a way that would change the output if anything got through
    (tmp_path / "slos" / "checkout.yaml").write_text(
        svc(("objective: 99.9", "objective: 100"), ("name: availability", "name: renamed")), encoding="utf-8")
    for out in ("existing", "empty"):
        result = obsgen(tmp_path, "generate", "slos", "--out", out)
        output = result.stderr + result.stdout
        assert result.returncode == 1, output
        assert "Traceback" not in output
        assert "error: slos/checkout.yaml:12: slos[0].objective: must be below 100, got 100" in result.stderr
        assert "nothing was written" in result.stderr
    assert list(empty.iterdir()) == []
    assert _snapshot(existing) == before
