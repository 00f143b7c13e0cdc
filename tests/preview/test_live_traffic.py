"""The live session's synthetic traffic: the fixture series, growing at each SLO's error ratio."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from obsgen.preview.live_traffic import Traffic, simulated_slos


def _values(traffic: Traffic) -> dict[tuple, float]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(traffic)
    text = generate_latest(registry).decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def _grow(traffic: Traffic, seconds: float = 60) -> dict[tuple, float]:
    """What every series gains when `seconds` of traffic are collected (no sleeping)."""
    before = _values(traffic)
    traffic.last -= seconds
    after = _values(traffic)
    return {key: after[key] - before.get(key, 0.0) for key in after}


def _ratio(traffic: Traffic, slo_id: str, growth: dict[tuple, float]) -> float:
    """errors / events of one SLO, solved from its two fixture series (each gains bad*E + good*S)."""
    (s1, b1, g1), (s2, b2, g2) = traffic.slos[slo_id].weights
    y1, y2 = (growth[(s.metric, tuple(sorted(s.labels.items())))] for s in (s1, s2))
    det = b1 * g2 - b2 * g1
    errors, successes = (y1 * g2 - y2 * g1) / det, (b1 * y2 - b2 * y1) / det
    return errors / (errors + successes)


def test_every_sli_kind_of_the_examples_is_simulated(example_plan):
    slos, skipped = simulated_slos(example_plan)
    kinds = {s.slo.sli.kind for s in slos}
    assert kinds == {"events", "raw", "latency", "spans"} and skipped == []


@pytest.mark.parametrize(("mode", "burn"), [("ok", None), ("outage", None), ("slow", 2.0), ("slow", 5000.0)])
def test_series_grow_at_the_injected_error_ratio(example_plan, mode, burn):
    slos, _ = simulated_slos(example_plan)
    traffic = Traffic(slos)
    for slo_id in traffic.slos:
        traffic.set_mode(slo_id, mode, burn or 2.0)
    growth = _grow(traffic)
    assert all(v >= 0 for v in growth.values())  # counters never go down
    for slo_id, sim in traffic.slos.items():
        assert _ratio(traffic, slo_id, growth) == pytest.approx(sim.error_ratio, rel=1e-6)
        expected = {"ok": 0.1 * sim.slo.budget, "outage": 1.0, "slow": min(1.0, (burn or 0) * sim.slo.budget)}[mode]
        assert sim.error_ratio == pytest.approx(expected)


def test_a_mode_change_keeps_what_was_sent(example_plan):
    slos, _ = simulated_slos(example_plan)
    traffic = Traffic(slos)
    before = _grow(traffic)
    traffic.last -= 30  # 30 s of healthy traffic not yet collected
    traffic.set_mode("checkout-availability", "outage")
    after = _values(traffic)
    assert all(after[key] >= value for key, value in before.items())


def test_shared_series_are_owned_once(example_plan):
    """Two SLOs reading one counter do not count its events twice."""
    from dataclasses import replace

    service = example_plan.services[1]
    twin = replace(service.slos[0], name="twin", id=service.slos[0].id + "-twin")
    plan = replace(example_plan, services=(replace(service, slos=(service.slos[0], twin)),))
    slos, _ = simulated_slos(plan)
    assert [w[1:] for w in slos[1].weights] == [(0, 0)] * len(slos[1].weights)
    growth = _grow(Traffic(slos))
    assert sum(growth.values()) == pytest.approx(60 * 50, rel=1e-3)


def test_controls_refuse_unknown_slos_and_modes(example_plan):
    traffic = Traffic(simulated_slos(example_plan)[0])
    with pytest.raises(KeyError):
        traffic.set_mode("nope", "outage")
    with pytest.raises(ValueError):
        traffic.set_mode("checkout-availability", "explode")
    with pytest.raises(ValueError):
        traffic.set_mode("checkout-availability", "slow", 0)
