"""Synthetic traffic for a live session: every simulated SLO's series, served for Prometheus.

Which series and labels an SLI reads comes from the plan's synthetic fixture (`SLOPlan.sli.fixture`,
the same series the promtool tests feed): each series grows by `bad` per error and `good` per
success. Counters are integrated at scrape time from each SLO's current error ratio, so changing
the mode takes effect from that instant and no thread ticks in the background. A series two SLOs
share belongs to the first; the other SLO's traffic follows it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from obsgen import promql
from obsgen.plan.model import Plan, SLOPlan
from obsgen.preview.serve import LoopbackServer

EVENTS_PER_SECOND = 50.0
BASELINE_BURN = 0.1  # healthy traffic still spends a little budget: burn rates read 0.1x
SLOW_BURN = 2.0  # the default slow burn: the budget lasts half the period
MODES = ("ok", "outage", "slow")


@dataclass(frozen=True)
class Segment:
    """A stretch of a simulated SLO's history, in seconds before the history's end (start < end). One
    that reaches past the end (end > 0) goes on live: the SLO's traffic starts in its mode."""

    start: float
    end: float
    mode: str
    burn: float = SLOW_BURN


@dataclass
class Series:
    metric: str
    labels: dict[str, str]
    value: float = 0.0


@dataclass
class Simulated:
    slo: SLOPlan
    weights: list[tuple[Series, int, int]]  # (series, bad, good) this SLO drives
    mode: str = "ok"
    burn: float = SLOW_BURN

    @property
    def error_ratio(self) -> float:
        return _error_ratio(self.slo, self.mode, self.burn)


def _error_ratio(slo: SLOPlan, mode: str, burn: float) -> float:
    if mode == "outage":
        return 1.0
    return min(1.0, (burn if mode == "slow" else BASELINE_BURN) * slo.budget)


def _labels(labels: dict[str, str]) -> str:
    escaped = (f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34)).replace(chr(10), "")}"'
               for k, v in sorted(labels.items()))
    return "{" + ",".join(escaped) + "}"


def _parse(series: str) -> tuple[str, dict[str, str]]:
    (node,) = promql.vector_selectors(series)
    metric, matchers = promql.matchers_of(node)
    return metric, {name: value for name, _, value in matchers}


def simulated_slos(plan: Plan) -> tuple[list[Simulated], list[dict]]:
    """(the SLOs with traffic, the others with the reason they have none)."""
    owned: dict[tuple, Series] = {}
    found, skipped = [], []
    for service in plan.services:
        for slo in service.slos:
            if not slo.sli.fixture:
                skipped.append({"id": slo.id, "reason": slo.sli.fixture_note or "no synthetic series"})
                continue
            weights = []
            for fixture in slo.sli.fixture:
                metric, labels = _parse(fixture.series)
                key = (metric, tuple(sorted(labels.items())))
                mine = key not in owned
                series = owned.setdefault(key, Series(metric, labels))
                weights.append((series, fixture.bad, fixture.good) if mine else (series, 0, 0))
            found.append(Simulated(slo, weights))
    return found, skipped


class Traffic:
    """The synthetic series and the controls that change them; a prometheus-client collector."""

    def __init__(self, slos: list[Simulated]):
        self.slos = {s.slo.id: s for s in slos}
        self.lock = threading.Lock()
        self.last = time.monotonic()

    def _advance(self, ratios: dict[str, float] | None = None, seconds: float | None = None) -> None:
        now = time.monotonic()
        events = EVENTS_PER_SECOND * (now - self.last if seconds is None else seconds)
        self.last = now
        for sim in self.slos.values():
            errors = events * (sim.error_ratio if ratios is None else ratios[sim.slo.id])
            for series, bad, good in sim.weights:
                series.value += bad * errors + good * (events - errors)

    def history(self, start: float, end: float, step: float, profile: dict[str, list[Segment]] | None = None) -> str:
        """The traffic from Unix time `start` to `end`, one sample per series every `step` seconds,
        as OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`: healthy unless the
        profile gives an SLO other stretches. The live series then continue from its last values, in
        the mode of a stretch that reaches past the end (set here, under the lock: no live second
        between the history and the first scrape runs in another mode)."""
        profile = profile or {}
        samples: dict[int, list[str]] = {}
        with self.lock:
            for series in self._series():
                series.value = 0.0
            t = start
            while t <= end:
                ratios = {}
                for slo_id, sim in self.slos.items():
                    seg = next((g for g in profile.get(slo_id, ()) if end + g.start <= t < end + g.end), None)
                    ratios[slo_id] = _error_ratio(sim.slo, seg.mode, seg.burn) if seg else sim.error_ratio
                self._advance(ratios, step if t > start else 0.0)
                for series in self._series():
                    samples.setdefault(id(series), []).append(f"{series.metric}{_labels(series.labels)} "
                                                              f"{series.value:.6f} {t:.3f}")
                t += step
            for slo_id, segments in profile.items():
                for seg in segments:
                    if seg.end > 0 and slo_id in self.slos:
                        self.slos[slo_id].mode, self.slos[slo_id].burn = seg.mode, float(seg.burn)
        return "\n".join(line for lines in samples.values() for line in lines) + "\n# EOF\n"

    def _series(self) -> list[Series]:
        seen: dict[int, Series] = {}
        for sim in self.slos.values():
            for series, _, _ in sim.weights:
                seen.setdefault(id(series), series)
        return list(seen.values())

    def set_mode(self, slo_id: str, mode: str, burn: float = SLOW_BURN) -> None:
        if slo_id not in self.slos:
            raise KeyError(slo_id)
        if mode not in MODES or not burn > 0:
            raise ValueError(f"mode must be one of {', '.join(MODES)} with a positive burn rate")
        with self.lock:
            self._advance()  # what was sent so far keeps its old error ratio
            self.slos[slo_id].mode, self.slos[slo_id].burn = mode, float(burn)

    def state(self) -> list[dict]:
        with self.lock:
            return [{"id": sim.slo.id, "mode": sim.mode, "burn": sim.burn, "error_ratio": sim.error_ratio}
                    for sim in self.slos.values()]

    def collect(self):  # prometheus-client's collector protocol
        with self.lock:
            self._advance()
            families = self._families()
        yield from families

    def _families(self, timestamp: float | None = None) -> list[Metric]:
        """The series' current values (stamped with `timestamp` when given; else Prometheus stamps
        them with the scrape's start)."""
        families: dict[str, Metric] = {}
        for series in self._series():
            family = families.setdefault(series.metric, Metric(series.metric, "obsgen synthetic", "unknown"))
            family.add_sample(series.metric, series.labels, series.value, timestamp)
        return list(families.values())


class TrafficServer:
    """Serves the traffic's /metrics on 127.0.0.1 in a background thread."""

    def __init__(self, traffic: Traffic):
        registry = CollectorRegistry(auto_describe=False)
        registry.register(traffic)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # http.server's naming
                body = generate_latest(registry)
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", CONTENT_TYPE_LATEST)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = LoopbackServer(Handler)
        self.server.start()

    @property
    def address(self) -> str:
        return self.server.address

    def close(self) -> None:
        self.server.close()
