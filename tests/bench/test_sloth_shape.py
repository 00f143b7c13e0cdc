"""The side-by-side bench's Sloth-shaped rules: Sloth v0.16's documented shape, valid for promtool, out
of obsgen's way in a shared Prometheus, and computing what Sloth computes (the period as a mean of
5m ratios). Fast: two SLOs, one promtool check and one promtool test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from obsgen import names
from obsgen.render import prometheus_rules
from tests.conftest import PATIENCE

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))
import bench_side_by_side as side  # noqa: E402
import sloth_shape  # noqa: E402

WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]


@pytest.fixture(scope="module")
def slos(tmp_path_factory):
    plan = side.make_plan(tmp_path_factory.mktemp("slos"), 2)
    return [slo for service in plan.services for slo in service.slos]


def records(groups: list[dict]) -> list[str]:
    return [r["record"] for g in groups for r in g["rules"] if "record" in r]


def test_three_groups_per_slo_without_interval(slos):
    groups = sloth_shape.groups(slos[0])
    assert [g["name"] for g in groups] == [f"sloth-slo-{k}-svc-00000-availability"
                                           for k in ("sli-recordings", "meta-recordings", "alerts")]
    assert not any("interval" in g for g in groups)


def test_every_window_from_raw_series_and_the_period_as_a_mean(slos):
    sli = sloth_shape.groups(slos[0])[0]["rules"]
    assert [r["record"] for r in sli] == [sloth_shape.name(f"slo:sli_error:ratio_rate{w}") for w in [*WINDOWS, "30d"]]
    for rule, window in zip(sli, WINDOWS, strict=False):
        assert rule["labels"][names.SLOTH_WINDOW] == window
        assert rule["expr"].count("http_requests_total{") == 2 and rule["expr"].count(f"[{window}]") == 2
    period = sli[-1]["expr"]
    ratio5m = sloth_shape.name("slo:sli_error:ratio_rate5m")
    assert period.startswith(f"sum_over_time({ratio5m}{{") and "/ ignoring (sloth_window)" in period
    assert f"count_over_time({ratio5m}{{" in period and period.count("[30d]") == 2


def test_meta_and_two_multiwindow_alerts(slos):
    _, meta, alerts = sloth_shape.groups(slos[0])
    assert [r["record"] for r in meta["rules"]] == [sloth_shape.name(n) for n in (
        names.OBJECTIVE, names.ERROR_BUDGET, names.TIME_PERIOD_DAYS, names.CURRENT_BURN_RATE,
        names.PERIOD_BURN_RATE, names.PERIOD_BUDGET_REMAINING, names.SLO_INFO)]
    assert [a["labels"] for a in alerts["rules"]] == [{"sloth_severity": "page"}, {"sloth_severity": "ticket"}]
    budget = repr((100 - 99.5) / 100)
    page, ticket = (a["expr"] for a in alerts["rules"])
    expected = {page: [("5m", "1h", "14.4"), ("30m", "6h", "6")], ticket: [("2h", "1d", "3"), ("6h", "3d", "1")]}
    for expr, pairs in expected.items():
        assert expr.count("\nor\n") == 1 and "for" not in alerts["rules"][0]
        for short, long, factor in pairs:
            for w in (short, long):
                assert f"ratio_rate{w}{{" in expr
            assert expr.count(f"> ({factor} * {budget})) without (sloth_window)") == 2


def test_promtool_accepts_both_sides_in_one_prometheus_without_collisions(slos, tmp_path, promtool):
    ours = [g for slo in slos for g in prometheus_rules.groups_for(slo)]
    sloth = [g for slo in slos for g in sloth_shape.groups(slo)]
    assert not set(records(ours)) & set(records(sloth))
    assert all(r.startswith(sloth_shape.PREFIX) for r in records(sloth))
    files = []
    for name, groups in (("obsgen", ours), ("sloth", sloth)):
        files.append(tmp_path / f"{name}.yaml")
        files[-1].write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
    done = subprocess.run([promtool, "check", "rules", "--lint=all", "--lint-fatal", *map(str, files)],
                          capture_output=True, text=True, timeout=PATIENCE, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_sloth_period_is_the_mean_of_5m_ratios_not_errors_over_requests(slos, tmp_path, promtool):
    """Hour 1: 10 req/s, no errors; hour 2: 1 req/s, 10% errors. Over both hours Sloth's period ratio is
    the mean of 5m ratios, about 5%; errors over requests would be 360 / 39,600 = 0.9%."""
    raw = side.RawCounters([slos[0]], 0, 60, 1, stop=60)
    rules = tmp_path / "sloth.yaml"
    rules.write_text(yaml.safe_dump({"groups": sloth_shape.groups(slos[0])}, sort_keys=False))
    period = sloth_shape.name("slo:sli_error:ratio_rate30d")
    hour = sloth_shape.name("slo:sli_error:ratio_rate1h")

    def labels(window: str) -> str:
        return "{" + ",".join(f'{k}="{v}"' for k, v in [*slos[0].labels, ("sloth_window", window)]) + "}"

    test = {"rule_files": [str(rules)], "evaluation_interval": "1m", "tests": [{
        "interval": "1m",
        "input_series": [
            {"series": raw.labels(slos[0], 0, "200"), "values": "0+600x60 36054+54x59"},
            {"series": raw.labels(slos[0], 0, "500"), "values": "0x60 6+6x59"},
        ],
        "promql_expr_test": [
            {"expr": f"abs({period} - 0.05) < bool 0.005", "eval_time": "120m", "exp_samples": [
                {"labels": labels("30d"), "value": 1}]},
            {"expr": f"abs({hour} - 0.1) < bool 1e-9", "eval_time": "120m", "exp_samples": [
                {"labels": labels("1h"), "value": 1}]},
        ],
    }]}
    path = tmp_path / "sloth.test.yaml"
    path.write_text(yaml.safe_dump(test, sort_keys=False))
    done = subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, text=True, timeout=PATIENCE,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_raw_counters_continue_from_the_backfill_into_the_live_exporter(slos, tmp_path):
    raw = side.RawCounters(slos, 1_000_020, 60, 3, stop=1_000_020 + 600)
    with (tmp_path / "h.om").open("w") as out:
        written = raw.write(out, 1_000_020, 1_000_020 + 300)
    lines = (tmp_path / "h.om").read_text().splitlines()
    assert written == 5 * 3 * 2 * 2 and len(lines) == written + 1
    last = {line.rsplit(" ", 2)[0]: int(line.rsplit(" ", 2)[1]) for line in lines[1:]}
    live = dict(line.rsplit(" ", 1) for line in raw.exposition(1_000_020 + 300 + 59).decode().splitlines()[1:])
    assert last.keys() == live.keys()
    assert all(int(live[k]) >= last[k] for k in last) and any(int(live[k]) > last[k] for k in last)
