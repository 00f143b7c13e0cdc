"""The end-to-end test's spec set, its scenarios and the checker that judges what was delivered.

A small organisation, written as a user would (tier-1 services, 99.9% over 30d, staging and
production), generated with the `obsgen` CLI. Every secret file lies under the test's directory;
the Platform points PagerDuty, Opsgenie and SMTP at the sinks with the settings a user behind a
proxy or with a local relay sets, and shortens the route timers with its `timing` settings, so the
generated config loads in Alertmanager unchanged.

| service  | team      | style                  | what happens (production unless said)            |
|----------|-----------|------------------------|--------------------------------------------------|
| checkout | payments  | obsgen                 | full outage, from now; also in staging            |
| ledger   | payments  | obsgen                 | 2x burn for the whole history and on              |
| refunds  | payments  | obsgen                 | 16x for the last hour; healthy once it has paged   |
| search   | discovery | `alerting.style: sloth`| full outage, from now                             |
| catalog  | platform  | an imported Sloth file | full outage, from now (Opsgenie pager)            |
| ghost    | ghost     | an imported Sloth file, a team nobody defined | full outage, from now      |
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from obsgen.preview.live_sinks import Delivery, Sinks
from obsgen.preview.live_traffic import Segment

HISTORY = 6 * 3600 + 600  # every page window (1h, 6h) full; the ticket windows only 6h deep
GROUP_WAIT = 5  # seconds, the Platform's timing for both severities
GROUP_INTERVAL = 10
ROOT_GROUP_WAIT = 30  # the root route's (unknown teams): obsgen writes Alertmanager's default
OUTAGES = {"production": ("checkout", "search", "catalog", "ghost"), "staging": ("checkout",)}
# 2x: over the 1x of the 3d/6h ticket, under the 3x of the 1d/2h one, so exactly one alert fires and
# every e-mail carries that one (at 5x both fired, and whether the first e-mail held one or two was a race)
SLOW = ("production", "ledger", 2.0)
# refunds burns at 16x for the last hour of its history and on (its page fires at the first evaluation:
# 1h and 5m over 14.4x; the 6h window reads 2.7x, under its 6x: no page that would take 30 minutes to
# clear), until the test sees the page delivered and sets its traffic healthy: the 5m window then
# falls under 14.4x after 30 s of healthy traffic (16 (300 - t) + 0.1 t < 14.4 x 300), and the page
# resolves within about a minute of that, however late the busy machine started Prometheus. (A past
# outage that was to leave the 5m window by itself raced Prometheus' start, and took 3 minutes.)
PAST_BURN = ("production", "refunds", [Segment(-3600 - 60, 1, "slow", 16.0)])

SERVICE = """\
apiVersion: obsgen/v1
kind: Service
metadata: {{name: {name}, team: {team}, tier: 1, runbook: https://runbooks.example.com/{name}}}
spec:
  environments: [staging, production]
  slos:
    - name: availability
      objective: 99.9
      description: {name} requests succeed
      sli:
        events:
          error_query: sum(rate(http_requests_total{{job="{name}",code=~"5.."}}[{{{{window}}}}]))
          total_query: sum(rate(http_requests_total{{job="{name}"}}[{{{{window}}}}]))
{alerting}"""

SLOTH = """\
version: prometheus/v1
service: {name}
labels: {{team: {team}, tier: "1"}}
slos:
  - name: availability
    objective: 99.9
    description: {name} requests succeed
    sli:
      events:
        error_query: sum(rate(http_requests_total{{job="{name}",code=~"5.."}}[{{{{.window}}}}]))
        total_query: sum(rate(http_requests_total{{job="{name}"}}[{{{{.window}}}}]))
    alerting:
      name: {alert}
      annotations: {{runbook: https://runbooks.example.com/{name}}}
"""


def specs(root: Path, sinks: Sinks) -> Path:
    """Write the spec set under root/slos; its secret files are to be under root/secrets."""
    secrets = root / "secrets"
    spec = root / "slos"
    spec.mkdir(parents=True)
    timing = f"{{group_wait: {GROUP_WAIT}s, group_interval: {GROUP_INTERVAL}s}}"
    (spec / "platform.yaml").write_text(f"""\
apiVersion: obsgen/v1
kind: Platform
spec:
  environments: [staging, production]
  grafana: {{url: https://grafana.example.com}}
  alertmanager:
    default_team: platform
    smtp: {{smarthost: "{sinks.smarthost}", from: alertmanager@example.com, require_tls: false}}
    pagerduty_url: {sinks.pagerduty_url}
    opsgenie_api_url: {sinks.opsgenie_api_url}
    timing: {{critical: {timing}, warning: {timing}}}
""")
    slack = f"api_url_file: {secrets}/slack-webhook"
    (spec / "teams.yaml").write_text(f"""\
apiVersion: obsgen/v1
kind: Team
metadata: {{name: payments}}
spec:
  pagerduty: {{routing_key_file: {secrets}/payments-pagerduty}}
  slack: {{channel: "#payments", {slack}}}
  email: {{to: payments@example.com}}
---
apiVersion: obsgen/v1
kind: Team
metadata: {{name: discovery}}
spec:
  pagerduty: {{routing_key_file: {secrets}/discovery-pagerduty}}
  slack: {{channel: "#discovery", {slack}}}
---
apiVersion: obsgen/v1
kind: Team
metadata: {{name: platform}}
spec:
  opsgenie: {{api_key_file: {secrets}/platform-opsgenie}}
  slack: {{channel: "#platform", {slack}}}
""")
    for name in ("checkout", "ledger", "refunds"):
        (spec / f"{name}.yaml").write_text(SERVICE.format(name=name, team="payments", alerting=""))
    (spec / "search.yaml").write_text(SERVICE.format(name="search", team="discovery",
                                                     alerting="      alerting: {style: sloth}\n"))
    (spec / "catalog.sloth.yaml").write_text(SLOTH.format(name="catalog", team="platform", alert="CatalogBurn"))
    (spec / "ghost.sloth.yaml").write_text(SLOTH.format(name="ghost", team="ghost", alert="GhostBurn"))
    return spec


# --- reading deliveries -------------------------------------------------------------------------

# obsgen.title, the headline of every receiver: "[FIRING:1] checkout availability (critical) in staging"
TITLE = re.compile(r"^\[(?P<status>FIRING|RESOLVED)[^\]]*\] (?P<service>\S+) (?P<slo>\S+)"
                   r"(?: \((?P<severity>[^)]*)\))?(?: in (?P<environment>[^\s:]+))?")


@dataclass(frozen=True)
class Seen:
    """A delivery, read as on-call reads its headline."""

    delivery: Delivery
    status: str
    service: str
    severity: str
    environment: str

    @property
    def receiver(self) -> str:
        return self.delivery.receiver


def read(delivery: Delivery) -> Seen | None:
    found = TITLE.match(delivery.title)
    if not found:
        return None
    return Seen(delivery, found["status"].lower(), found["service"], found["severity"] or "",
                found["environment"] or "")


def seen(deliveries: list[Delivery]) -> list[Seen]:
    return [s for s in map(read, deliveries) if s is not None]


def first(items: list[Seen], **want) -> Seen | None:
    return next((s for s in items if all(getattr(s, k) == v for k, v in want.items())), None)


# --- the checker: what the specs imply, against what was delivered --------------------------------

PAGERS = {"payments": ("payments-pager", "pagerduty"), "discovery": ("discovery-pager", "pagerduty"),
          "platform": ("platform-pager", "opsgenie")}
OWNER = {"checkout": "payments", "ledger": "payments", "refunds": "payments", "search": "discovery",
         "catalog": "platform"}
ROOT = "platform-chat"  # the default team's chat: where alerts of unknown teams go


def violations(items: list[Seen]) -> list[str]:
    """Every way the deliveries of one Alertmanager differ from what the specs imply."""
    found = []
    for service in OUTAGES["production"]:
        if service == "ghost":
            if not first(items, service="ghost", receiver=ROOT, status="firing"):
                found.append(f"ghost (team nobody defined) did not reach the root receiver {ROOT}")
            continue
        pager, kind = PAGERS[OWNER[service]]
        if not any(s.delivery.kind == kind for s in items
                   if (s.service, s.receiver, s.status, s.environment) == (service, pager, "firing", "production")):
            found.append(f"{service}: the production outage did not page {pager} ({kind})")
    pagers = {p for p, _ in PAGERS.values()}
    for s in items:
        if s.environment == "staging" and s.receiver in pagers:
            found.append(f"{s.service}: a staging alert reached the pager {s.receiver}")
        if s.service == "ledger" and s.receiver in pagers:
            found.append(f"ledger: a 2x burn paged {s.receiver}")
        if s.service == "ghost" and s.receiver != ROOT:
            found.append(f"ghost: an unknown team's alert reached {s.receiver}, not {ROOT}")
    if not first(items, service="checkout", environment="staging", receiver="payments-chat", status="firing"):
        found.append("checkout: the staging outage did not reach payments-chat")
    if not first(items, service="ledger", receiver="payments-email", status="firing"):
        found.append("ledger: the 2x burn opened no ticket at payments-email")
    if not first(items, service="refunds", receiver="payments-pager", status="resolved"):
        found.append("refunds: the page's resolution was not notified to payments-pager")
    return found


def complete(items: list[Seen]) -> bool:
    """Everything the specs imply has been delivered (what must never come is judged at the end)."""
    return not [v for v in violations(items) if "did not" in v or "no ticket" in v or "not notified" in v]
