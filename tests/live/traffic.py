"""A real Prometheus scraping live synthetic traffic, with backfilled history behind it, running a
spec directory's generated rules: what `obsgen status` and the preview's status view read.

The traffic is `obsgen preview --live`'s (obsgen/preview/live_traffic.py): every SLO's fixture
series, served on loopback and scraped for as long as the server runs, at the error ratio the test
gives each SLO. Its history (the same series at the same ratios, 50 minutes of it) goes in first as
TSDB blocks, so the long windows hold data from the start; the scraped samples continue its series
(same labels, same counters, the same 10 s grid: see `Steady`). No window goes stale and no rate
wavers however slow the machine is: the states a test waits for hold until it stops the server, and
a wait ends on its condition, never on the clock.

`status_prometheus` (session scope) serves the bundled examples with checkout availability in total
outage and every other SLO at 1 error in 500; tests/live/test_status.py and
tests/preview/test_status_view.py share it.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest
import requests
import yaml

from obsgen import names
from obsgen.plan.model import Plan
from obsgen.preview.live_traffic import Traffic, TrafficServer, simulated_slos
from tests.conftest import PATIENCE
from tests.live.prom import prometheus

OUTAGE = "checkout-availability"  # every request fails
RATIO = 0.002  # every other SLO: 1 request in 500 fails (below every page threshold of the examples but one)
HISTORY = 50 * 60  # seconds of backfilled history
STEP = 10  # seconds between samples, in the history and live (see Steady)
# How many steps ahead of its time a scrape may publish a sample: a scrape may be late by that much.
# 2 (20 s) was too few at a load average of 20-30 on 2 cores: a 5m rate recorded while its window's
# last sample was not yet scraped read low, and the 1d window derived from the few recordings since
# the server started read 3.6 instead of 4.0, for good. A sample ahead of time costs nothing: every
# query reads only samples up to its own time; the lead builds up a step a scrape (Steady.collect).
LEAD = 6
JOB = "obsgen-test-traffic"  # the scrape job: dropped from the series, which keep the fixtures' labels
SCRAPE = "2s"


def ratio(slo_id: str) -> float:
    return 1.0 if slo_id == OUTAGE else RATIO


class Steady(Traffic):
    """The preview's traffic on a fixed grid of timestamps: every STEP seconds, each series' value
    for that instant, stamped with it, from the history's last sample on. Each scrape publishes the
    grid point LEAD steps ahead (Prometheus stores it now and reads it once its time comes), so the
    sample every window ends on is in the TSDB before any rule reads that window, and every sample
    lies on one straight line per counter.

    Why: rate() extrapolates a window's samples to its ends only when they are spaced evenly. With
    samples stamped at each scrape's start, as Prometheus does, a scrape a busy machine delays makes
    a 5m rate read low for an evaluation, and the period roll-up, which sums the 5m error and total
    rates recorded by another rule group (a pair can come from two evaluations), drifts from the SLI
    for good. On this grid every 5m rate is the same at every evaluation. Stamped samples are also
    never marked stale when a scrape fails."""

    since = 0.0  # the Unix time the counters' values are for: the last grid point published

    def history(self, start: float, end: float, step: float, profile=None) -> str:
        text = super().history(start, end, step, profile)
        self.since = start + (end - start) // step * step
        return text

    def collect(self):
        with self.lock:
            # One grid point a scrape at most, up to LEAD steps ahead: the first scrape publishes the
            # point due now (so the rules need not wait LEAD steps for a scraped sample, `scraping`),
            # the lead builds up over the next scrapes (every 2 s, a step is 10 s), and no point is
            # ever skipped, so the samples stay evenly spaced even after a scrape came late.
            stamp = min((time.time() // STEP + LEAD) * STEP, self.since + STEP)
            if stamp > self.since:
                self._advance(seconds=stamp - self.since)
                self.since = stamp
            families = self._families(self.since)  # a grid point published again: the same sample
        yield from families


def traffic(plan: Plan, ratios: dict[str, float], labels: dict[str, str] | None = None) -> Traffic:
    """Every simulated SLO's series (with `labels` added) at the error ratio given for it."""
    slos, _ = simulated_slos(plan)
    for sim in slos:
        for series, _, _ in sim.weights:
            series.labels.update(labels or {})
    found = Steady(slos)
    for slo_id, error_ratio in ratios.items():
        sim = found.slos[slo_id]
        # the preview's modes: an outage fails everything, a slow burn fails burn x budget of requests
        if error_ratio == 1.0:
            found.set_mode(slo_id, "outage")
        else:
            found.set_mode(slo_id, "slow", error_ratio / sim.slo.budget)
    return found


def expected_state(slo, ratio: float) -> str:
    burn = ratio / slo.budget
    fired = {a.window.severity for a in slo.alerts if burn > a.window.factor}
    return "page" if "page" in fired else "ticket" if "ticket" in fired else "ok"


def settled(row: dict) -> bool:
    """The period roll-ups, evaluated every second from the server's start, agree with the 5m ratio
    (at start-up they may lag the SLI group by an evaluation or an hour's first sum)."""
    if row["budget_remaining"] is None or row["sli_5m"] is None:
        return False
    burn = max(b for b in row["burn"].values() if b is not None)
    return abs(row["budget_remaining"] - (1 - burn)) <= 1e-6 * max(1.0, burn)


# The groups that read the SLI group's recordings: loaded once those exist (see `scraping`).
_READERS = tuple(f"-{suffix}" for suffix in (names.ROLLUPS_GROUP, names.PERIOD_GROUP, names.SLICES_GROUP))


def live(text: str, sli_only: bool = False) -> str:
    """A generated rules file evaluated every second (the live preview's change) and with no pending
    time, so that the alerts the traffic implies fire within seconds: what status reads is at stake
    here, not when alerts fire (the promtool tests prove that). `sli_only`: the SLI groups alone."""
    doc = yaml.safe_load(text)
    if sli_only:
        doc["groups"] = [g for g in doc["groups"] if not g["name"].endswith(_READERS)]
    for group in doc["groups"]:
        group.pop("interval", None)
        for rule in group["rules"]:
            rule.pop("for", None)
    return yaml.safe_dump(doc)


def _config(targets: list[tuple[str, dict[str, str]]]) -> str:
    """Scrape each traffic server (with its target labels, the environment in shared mode) and keep
    the series exactly as the history wrote them: the fixtures' own labels, no instance, and no job
    where the fixture names none (Prometheus would add the scrape job's)."""
    return yaml.safe_dump({
        "global": {"evaluation_interval": "1s", "scrape_interval": SCRAPE, "scrape_timeout": SCRAPE},
        "rule_files": ["rules/*.yaml"],
        "scrape_configs": [{
            "job_name": JOB, "honor_labels": True,
            "static_configs": [{"targets": [address], **({"labels": labels} if labels else {})}
                               for address, labels in targets],
            "metric_relabel_configs": [
                {"action": "labeldrop", "regex": "instance"},
                # an empty replacement removes the label
                {"source_labels": ["job"], "regex": JOB, "target_label": "job", "replacement": ""},
            ],
        }],
    })


@contextlib.contextmanager
def scraping(directory: Path, files: dict[str, str], traffics: list[tuple[Traffic, dict[str, str]]]):
    """A Prometheus scraping each traffic (with its target labels) after its history, running
    `files`' generated rules (see `live`); yield its URL.

    The rules are loaded once a scraped sample is due (a reload): until then the windows would end on
    the history's last sample, read low, and the roll-ups would keep those readings for the period."""
    servers = []
    try:
        for found, _ in traffics:
            servers.append(TrafficServer(found))
        # the history ends before the server starts: a later sample would bound its head in the future
        end = (time.time() // STEP - 1) * STEP
        history = "".join(found.history(end - HISTORY, end, STEP).removesuffix("# EOF\n") for found, _ in traffics)
        config = _config([(server.address, labels) for server, (_, labels) in zip(servers, traffics, strict=True)])
        with prometheus(directory, history + "# EOF\n", None, config, ("--web.enable-lifecycle",)) as url:
            metrics = sorted({s.metric for found, _ in traffics for s in found._series()})
            _wait_for(url, f'min(timestamp({{__name__=~"{"|".join(metrics)}"}})) > {end}')
            rules = {path.rsplit("/", 1)[1]: text for path, text in files.items() if path.startswith("alerts/rules/")}
            # The SLI groups first, until every SLO's 5m error rate is recorded: a period group
            # evaluated between the SLI group's first total and first error would copy the one
            # without the other, and the period would keep that hour's lower error ratio for good.
            _load_rules(url, directory, {name: live(text, sli_only=True) for name, text in rules.items()})
            _wait_for(url, f"count(count by ({names.SLOTH_ID}) ({names.SLI_ERROR_RATE})) >= {_slo_count(rules)}")
            _load_rules(url, directory, {name: live(text) for name, text in rules.items()})
            yield url
    finally:
        for server in servers:
            server.close()


def _load_rules(url: str, directory: Path, rules: dict[str, str]) -> None:
    (directory / "rules").mkdir(exist_ok=True)
    for name, text in rules.items():
        (directory / "rules" / name).write_text(text)
    requests.post(f"{url}/-/reload", timeout=PATIENCE).raise_for_status()


def _slo_count(rules: dict[str, str]) -> int:
    """How many SLOs the rules files record a 5m error rate for."""
    return len({rule["labels"][names.SLOTH_ID] for text in rules.values() for group in yaml.safe_load(text)["groups"]
                for rule in group["rules"] if rule.get("record") == names.SLI_ERROR_RATE})


def _wait_for(url: str, query: str) -> None:
    """Until the instant query returns a sample."""
    deadline = time.monotonic() + PATIENCE
    while not requests.get(f"{url}/api/v1/query", params={"query": query}, timeout=PATIENCE).json()["data"]["result"]:
        assert time.monotonic() < deadline, f"{query}: nothing within {PATIENCE} s"
        time.sleep(0.5)


# The session's status Prometheus, while it runs: {"url": ..., "stack": what stops it}. It evaluates
# every example rule each second (about 0.08 CPU-seconds a second), so it stops after the last test
# that reads it instead of running idle until the worker's session ends (minutes of other groups).
STATUS = "status_prometheus"
_status: dict = {}


@pytest.fixture(scope="module")
def status_prometheus(tmp_path_factory, example_plan, example_files):
    """The bundled examples' rules on live traffic: checkout availability down, the rest at RATIO.
    Started once for the modules that read it (one xdist group), stopped after the last of them."""
    if not _status:
        ratios = {slo.id: ratio(slo.id) for s in example_plan.services for slo in s.slos}
        stack = contextlib.ExitStack()
        url = stack.enter_context(scraping(tmp_path_factory.mktemp("status"), example_files,
                                           [(traffic(example_plan, ratios), {})]))
        _status.update(url=url, stack=stack)
    return _status["url"]


def _stop_status() -> None:
    if _status:
        _status.pop("url")
        _status.pop("stack").close()


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    """After the last test (in this run's order) that reads the status Prometheus: stop it. A later
    test asking again (never, in the collection's order) would start it anew."""
    if not _status or STATUS not in getattr(item, "fixturenames", ()):
        return
    items = item.session.items
    later = items[items.index(item) + 1:] if item in items else []
    if not any(STATUS in getattr(other, "fixturenames", ()) for other in later):
        _stop_status()


def pytest_sessionfinish(session):
    _stop_status()
