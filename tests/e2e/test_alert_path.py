"""End to end: the generated rules in real Prometheus servers, the generated routes and templates in a
real Alertmanager, every receiver posting with its own protocol to a loopback stand-in.

One run, every scenario at once (scenario.py has the spec set): a Prometheus for production and one
for staging (as each cluster has its own, labelled by external_labels), with 6 h of backfilled
history (healthy, or the stretch a scenario needs), 15 s scrape and 30 s evaluation, alerting to
the Alertmanager loaded with the generated config byte for byte, and to four more, each loaded
with a copy broken by hand at one routing seam (or without its inhibition). The same harness
(obsgen/preview/live.py) runs `obsgen preview --live`. The checker (scenario.violations) says what the specs imply; the
generated config must satisfy it, and every mutant must be caught by it.

Times are judged against the burn-rate math (obsgen/burnrate.py), never against a stopwatch race:
the run waits (overall timeout: TIMEOUT) until everything expected has arrived, and the recorded
onset-to-delivery times must lie between what the math allows at best and the math plus every lag
the pipeline adds by design (scrape, evaluation, `for`, group_wait), plus slack for a busy machine.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import yaml

from obsgen import burnrate, durations, pipeline
from obsgen.preview.live import AM_CONFIG, GENERATED, LiveSession, Options
from obsgen.preview.live_config import REAL
from obsgen.preview.live_sinks import Sinks
from tests.builders import obsgen_cli
from tests.conftest import PATIENCE, ROOT, require_tool
from tests.e2e import scenario
from tests.e2e.scenario import GROUP_WAIT, Seen, first, seen

TIMEOUT = 600  # seconds for every expected delivery; they take about 2 minutes
POLL = 1  # seconds between looks at the stand-ins and Alertmanager: each wait ends within one
# After the last expected delivery: what the generated config would deliver late, and must not, arrives
# by then. The last alert to reach the Alertmanagers is checkout's ticket, and the last expected
# delivery is that ticket e-mailed by UNINHIBITED, which got it in the same batch from Prometheus and
# holds it as long (the teams' group_wait, 5 s): were the generated config's inhibition broken, its
# e-mail would go out at the same moment. Every other alert reached them more than the root route's
# 30 s group_wait earlier (its timeline is printed): nothing else is in flight.
SETTLE = 2 * GROUP_WAIT
UNINHIBITED = "inhibition-dropped"  # the generated config without its inhibit_rules
LOAD_SLACK = 45  # seconds a busy machine may add to a delivery (Alertmanager dispatch, HTTP, scheduling)
PAYLOADS = ROOT / "docs" / "payloads"


def _mutants(text: str) -> dict[str, dict]:
    """The generated config broken by hand at each routing seam (the session takes a config's data)."""
    doc = yaml.safe_load(text)
    for receiver in doc["receivers"]:
        if receiver["name"] == "payments-pager":
            receiver.pop("pagerduty_configs")
    uninhibited = yaml.safe_load(text)
    uninhibited.pop("inhibit_rules")
    return {
        "severity-renamed": yaml.safe_load(text.replace('severity="', 'level="')),
        "receiver-dropped": doc,
        "environment-renamed": yaml.safe_load(text.replace("- environment!=", "- env!=")),
        UNINHIBITED: uninhibited,
    }


def _ticket_emailed(items: list[Seen]) -> Seen | None:
    """checkout's production ticket e-mailed: what a page of the same SLO must prevent."""
    return first(items, service="checkout", environment="production", receiver="payments-email")


@dataclass
class Run:
    plan: object
    files: dict[str, str]
    onset: float
    deliveries: dict[str, list] = field(default_factory=dict)  # Alertmanager name -> deliveries
    inhibited: dict | None = None  # checkout's ticket while its page fired, from Alertmanager's API
    history_end: float = 0.0
    duration: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # phase -> seconds since the fixture started


def _inhibition(url: str) -> dict | None:
    """checkout's production ticket, suppressed by its page, when Alertmanager says so."""
    alerts = requests.get(f"{url}/api/v2/alerts", timeout=PATIENCE).json()
    mine = [a for a in alerts if a["labels"].get("service") == "checkout"
            and a["labels"].get("environment") == "production"]
    pages = {a["fingerprint"]: a for a in mine if a["labels"].get("sloth_severity") == "page"}
    for ticket in mine:
        if ticket["labels"].get("sloth_severity") == "ticket" and set(ticket["status"]["inhibitedBy"]) & set(pages):
            return {"ticket": ticket, "pages": [pages[f] for f in ticket["status"]["inhibitedBy"] if f in pages]}
    return None


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Run:
    for tool in ("prometheus", "prometheus-alertmanager", "promtool"):
        require_tool(tool)
    started = time.monotonic()
    phases = {}

    def phase(name: str) -> None:
        phases[name] = time.monotonic() - started

    root = tmp_path_factory.mktemp("e2e")
    sinks = Sinks()
    try:
        spec = scenario.specs(root, sinks)
        # in this process: the CLI's output, not its process start, is what the servers are to load
        generated = obsgen_cli("generate", str(spec), "--out", str(root / "out"))
        assert generated.returncode == 0, generated.stderr
        files = {str(p.relative_to(root / "out")): p.read_text() for p in (root / "out").rglob("*") if p.is_file()}
        done = pipeline.run(spec)
        plan = done.plan
        phase("generated")
        assert {p: files.get(p) for p in done.files} == done.files  # the session reads the tree written
        options = Options(clock=REAL, environments=("production", "staging"), history=scenario.HISTORY,
                          profile={(scenario.SLOW[0], f"{scenario.SLOW[1]}-availability"):
                                   [scenario.Segment(-scenario.HISTORY - 60, 1, "slow", scenario.SLOW[2])],
                                   (scenario.PAST_BURN[0], f"{scenario.PAST_BURN[1]}-availability"):
                                   scenario.PAST_BURN[2]},
                          secrets=root / "secrets", mutants=_mutants(files[AM_CONFIG]), sinks=sinks)
        with LiveSession(plan, done.artifacts, options) as session:
            phase("session up")
            assert session.alertmanagers[GENERATED].config.read_text() == files[AM_CONFIG]  # byte for byte
            # ledger and refunds go on live in their profiles' last mode (Traffic.history)
            onset = time.time()
            for env, services in scenario.OUTAGES.items():
                for service in services:
                    session.clusters[env].traffic.set_mode(f"{service}-availability", "outage")
            phase("onset")
            result = Run(plan, files, onset, history_end=session.clusters["production"].history_end, phases=phases)
            deadline = time.monotonic() + TIMEOUT
            while time.monotonic() < deadline:
                session.check()
                if result.inhibited is None and (found := _inhibition(session.alertmanagers[GENERATED].url)):
                    result.inhibited = found
                    phase("ticket seen inhibited")
                _heal_once_paged(session, sinks)
                if scenario.complete(seen(sinks.deliveries())) and result.inhibited and \
                        _ticket_emailed(seen(session.alertmanagers[UNINHIBITED].sinks.deliveries())):
                    break
                time.sleep(POLL)
            phase("everything expected")
            _until_quiet(session)
            phase("quiet")
            result.deliveries = {name: am.sinks.deliveries() for name, am in session.alertmanagers.items()}
    finally:
        sinks.close()
    result.duration = time.monotonic() - started
    print(_timeline(result))
    return result


def _timeline(run: Run) -> str:
    """The fixture's phases and each first delivery (receiver, status), in seconds: where its time goes."""
    onset = run.phases["onset"]
    lines = [f"{t:6.1f} s  {name}" for name, t in run.phases.items()]
    firsts: dict[tuple, float] = {}
    for s in _seen(run):
        firsts.setdefault((s.service, s.environment, s.receiver, s.status), s.delivery.at - run.onset + onset)
    lines += [f"{t:6.1f} s  {' '.join(filter(None, key))} (onset + {t - onset:.0f} s)" for key, t in firsts.items()]
    lines.sort(key=lambda line: float(line.split()[0]))
    return f"\nend-to-end run: {run.duration:.0f} s\n" + "\n".join(lines)


def _heal_once_paged(session: LiveSession, sinks: Sinks) -> None:
    """refunds' page delivered: its traffic turns healthy, so that the page resolves (scenario.PAST_BURN)."""
    env, service, _segments = scenario.PAST_BURN
    slo = f"{service}-availability"
    traffic = session.clusters[env].traffic
    paged = first(seen(sinks.deliveries()), service=service, receiver="payments-pager", status="firing")
    if paged and traffic.slos[slo].mode != "ok":
        traffic.set_mode(slo, "ok")


def _until_quiet(session: LiveSession) -> None:
    """Wait until no stand-in has received anything for SETTLE seconds (see SETTLE for why that is
    enough: the last alert's expected delivery has been seen before this starts)."""
    def count() -> int:
        return sum(len(am.sinks.deliveries()) for am in session.alertmanagers.values())

    last, since, deadline = count(), time.monotonic(), time.monotonic() + PATIENCE
    while time.monotonic() < deadline and time.monotonic() - since < SETTLE:
        if count() != last:
            last, since = count(), time.monotonic()
        time.sleep(1)


def _seen(run: Run, name: str = GENERATED) -> list[Seen]:
    return seen(run.deliveries[name])


def _slo(run: Run, service: str):
    return next(slo for s in run.plan.services if s.name == service for slo in s.slos)


def _rule_annotations(run: Run, service: str) -> dict[str, str]:
    """The annotations of the service's first page rule, as generated."""
    doc = yaml.safe_load(run.files[f"alerts/rules/{service}.rules.yaml"])
    rule = next(r for g in doc["groups"] for r in g["rules"]
                if r.get("labels", {}).get("sloth_severity") == "page")
    return rule["annotations"]


# --- what the generated config delivers --------------------------------------------------------


def test_the_generated_config_satisfies_the_checker(run):
    assert scenario.violations(_seen(run)) == []


def test_a_production_outage_pages_the_owning_team_with_summary_severity_and_links(run):
    page = first(_seen(run), service="checkout", receiver="payments-pager", status="firing")
    assert page is not None, [d.title for d in run.deliveries[GENERATED]]
    body = page.delivery.payload
    annotations = _rule_annotations(run, "checkout")
    assert body["event_action"] == "trigger" and body["payload"]["severity"] == "critical"
    assert "checkout availability: error budget burning at" in body["payload"]["summary"]
    links = {link["text"]: link["href"] for link in body["links"]}
    assert links["Runbook"] == annotations["runbook_url"] == "https://runbooks.example.com/checkout"
    # the generated annotation, as Prometheus renders it for a production alert
    dashboard = annotations["dashboard_url"].split("{{")[0]
    assert links["Dashboard"].startswith(dashboard) and dashboard.startswith("https://grafana.example.com/d/")
    assert links["Dashboard"].endswith("var-environment=production")
    details = body["payload"]["custom_details"]
    assert (details["service"], details["slo"], details["severity"]) == ("checkout", "availability", "critical")
    chat = first(_seen(run), service="checkout", environment="production", receiver="payments-chat")
    assert chat is not None and chat.delivery.kind == "slack"  # the page continues to chat


def test_the_same_outage_in_staging_reaches_chat_only(run):
    staging = [s for s in _seen(run) if s.service == "checkout" and s.environment == "staging"]
    assert staging and {s.receiver for s in staging} == {"payments-chat"}
    assert "(critical)" in staging[0].delivery.title


def test_a_2x_burn_opens_one_ticket_and_never_pages(run):
    ledger = [s for s in _seen(run) if s.service == "ledger"]
    assert ledger and {(s.receiver, s.delivery.kind, s.severity) for s in ledger} == \
        {("payments-email", "email", "warning")}
    assert all(s.delivery.title.startswith("[FIRING:1]") and "over 1x for 3d and 6h" in s.delivery.text
               for s in ledger if s.status == "firing"), [s.delivery.title for s in ledger]


def test_sloth_style_and_imported_sloth_slos_page(run):
    search = first(_seen(run), service="search", receiver="discovery-pager", status="firing")
    catalog = first(_seen(run), service="catalog", receiver="platform-pager", status="firing")
    assert search is not None and search.delivery.kind == "pagerduty", \
        [(s.service, s.receiver) for s in _seen(run) if s.service == "search"]
    assert catalog is not None and catalog.delivery.kind == "opsgenie", \
        [(s.service, s.receiver) for s in _seen(run) if s.service == "catalog"]


def test_a_page_inhibits_the_ticket_of_the_same_slo(run):
    """checkout's outage fires its page, then its tickets: Alertmanager holds them, inhibited by the
    page of the same SLO and environment, and no ticket reaches payments-email (the outage lasts)."""
    assert run.inhibited is not None, "Alertmanager never showed checkout's ticket inhibited by its page"
    ticket, pages = run.inhibited["ticket"], run.inhibited["pages"]
    assert ticket["status"]["state"] == "suppressed" and pages
    assert all((p["labels"]["slo"], p["labels"]["environment"]) == (ticket["labels"]["slo"], "production")
               for p in pages)
    assert not [s for s in _seen(run) if s.service == "checkout" and s.environment == "production"
                and s.receiver == "payments-email"]


def test_the_resolution_is_notified(run):
    resolved = first(_seen(run), service="refunds", receiver="payments-pager", status="resolved")
    assert resolved is not None
    assert resolved.delivery.payload["event_action"] == "resolve"
    chat = first(_seen(run), service="refunds", receiver="payments-chat", status="resolved")
    assert chat is not None and chat.delivery.payload["attachments"][0]["color"] == "good"


def test_an_alert_of_an_unknown_team_reaches_the_root_receiver(run):
    ghost = [s for s in _seen(run) if s.service == "ghost"]
    assert ghost and {s.receiver for s in ghost} == {scenario.ROOT}


# --- the seams, broken by hand -----------------------------------------------------------------


def test_without_the_inhibition_the_ticket_is_emailed(run):
    """The inhibition test's last check is not vacuous, and the run waited long enough to see it fail:
    without inhibit_rules, checkout's ticket reaches payments-email while its page fires."""
    emailed = _ticket_emailed(_seen(run, UNINHIBITED))
    assert emailed is not None and emailed.severity == "warning"
    paged = first(_seen(run, UNINHIBITED), service="checkout", environment="production", receiver="payments-pager")
    assert paged is not None and paged.delivery.at < emailed.delivery.at
    assert not _ticket_emailed(_seen(run))


@pytest.mark.parametrize(("mutant", "caught"), [
    ("severity-renamed", "checkout: the production outage did not page payments-pager"),
    ("receiver-dropped", "checkout: the production outage did not page payments-pager"),
    ("environment-renamed", "checkout: a staging alert reached the pager payments-pager"),
])
def test_the_checker_catches_a_seam_broken_by_hand(run, mutant, caught):
    found = scenario.violations(_seen(run, mutant))
    assert any(v.startswith(caught) for v in found), found


# --- detection times against the math ----------------------------------------------------------


def _page_bounds(run: Run, service: str) -> tuple[float, float, float]:
    """(earliest, stated, latest) seconds from onset to the delivered page, from burnrate.detection()
    for the fastest page at this scrape and evaluation, `for` included. It cannot arrive before the
    alert can fire; at the latest it arrives group_wait after (Alertmanager holds a new group's first
    notification that long, less when the alert reaches it late), plus the load slack."""
    slo = _slo(run, service)
    scrape, evaluation = durations.seconds(REAL.scrape), durations.seconds(REAL.evaluation)
    raw = burnrate.raw_windows(slo.catalog)
    found = [burnrate.detection(a.window, slo.budget, 1.0, raw, scrape=scrape, evaluation=evaluation,
                                for_seconds=a.for_seconds) for a in slo.alerts if a.window.severity == "page"]
    fastest = min((d for d in found if d), key=lambda d: d.ideal)
    return fastest.earliest, fastest.ideal, fastest.latest + scenario.GROUP_WAIT + LOAD_SLACK


@pytest.mark.parametrize("service", ["checkout", "search", "catalog"])
def test_pages_arrive_when_the_burn_rate_math_says(run, service):
    pager, _kind = scenario.PAGERS[scenario.OWNER[service]]
    page = first(_seen(run), service=service, receiver=pager, status="firing")
    assert page is not None, f"{service} never paged {pager}"
    took = page.delivery.at - run.onset
    earliest, stated, latest = _page_bounds(run, service)
    print(f"\n{service}: paged after {took:.0f} s (burnrate.py: fires after {stated:.0f} s; "
          f"bounds {earliest:.0f}-{latest:.0f} s)")
    assert earliest <= took <= latest


# --- one delivered payload per receiver kind, for the README -----------------------------------

STABLE = [  # what changes from run to run: ports, tokens, times, burn rates, keys
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:PORT"),
    (re.compile(r"http://[A-Za-z0-9.-]+:\d+"), "http://<host>:<port>"),  # Alertmanager's, Prometheus' own URL
    (re.compile(r"obsgen-live-(\w+)-\d+"), r"<\1 key>"),
    (re.compile(r"(burning at |burn rate over \w+: )[0-9.]+x"), r"\1<burn>x"),
    (re.compile(r'"dedup_key": "[^"]*"'), '"dedup_key": "<group key hash>"'),
]


def payload_text(kind: str, payload: dict) -> str:
    text = json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False)
    for pattern, replacement in STABLE:
        text = pattern.sub(replacement, text)
    return text + "\n"


def test_docs_show_one_delivered_payload_per_receiver_kind(run, request):
    """docs/payloads/<kind>.json: the first firing checkout page (PagerDuty), its chat message (Slack),
    ledger's ticket (e-mail) and catalog's page (Opsgenie), as received. OBSGEN_WRITE_PAYLOADS=1
    rewrites them."""
    import os

    picks = {"pagerduty": first(_seen(run), service="checkout", receiver="payments-pager", status="firing"),
             "slack": first(_seen(run), service="checkout", environment="production", receiver="payments-chat"),
             "email": first(_seen(run), service="ledger", receiver="payments-email"),
             "opsgenie": first(_seen(run), service="catalog", receiver="platform-pager", status="firing")}
    missing = [kind for kind, pick in picks.items() if pick is None]
    texts = {kind: payload_text(kind, pick.delivery.payload) for kind, pick in picks.items() if pick}
    if os.environ.get("OBSGEN_WRITE_PAYLOADS"):
        PAYLOADS.mkdir(parents=True, exist_ok=True)
        for kind, text in texts.items():
            (PAYLOADS / f"{kind}.json").write_text(text)
    assert not missing, f"no delivery of kind {missing}"
    for kind, text in texts.items():
        committed = Path(PAYLOADS / f"{kind}.json")
        assert committed.exists() and committed.read_text() == text, f"{committed} is not what was delivered"
