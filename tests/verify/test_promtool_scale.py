"""verify/promtool.py at scale: the full scenario suite once per rule shape, the wiring scenarios
for every SLO, results cached by the bytes they read. The proof stays complete: a rule broken by
hand in any one service among many fails `obsgen test`, before and after a cached run."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from obsgen import cache as generate_cache
from obsgen import names, pipeline
from obsgen.output import writer
from obsgen.render.promtool_tests import WIRING
from obsgen.verify import promtool as verify_promtool
from obsgen.verify import promtool_plan, shapes
from obsgen.verify.result_cache import ResultCache
from tests import builders

SERVICES = ("alpha", "bravo", "charlie", "delta")
SLOS = """    - name: availability
      objective: 99.9
      sli:
        events:
          error_query: sum(rate(http_requests_total{{job="{name}",code=~"5.."}}[{{{{window}}}}]))
          total_query: sum(rate(http_requests_total{{job="{name}"}}[{{{{window}}}}]))
"""


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """Four services of one shape (only their names and SLI selectors differ), generated."""
    root = tmp_path_factory.mktemp("scale")
    spec_dir = builders.write_specs(root, {f"{n}.yaml": builders.service(n, SLOS.format(name=n)) for n in SERVICES})
    out = root / "out"
    writer.write(out, pipeline.run(spec_dir).files, force=False)
    return out


@pytest.fixture(scope="module")
def warm(tree, tmp_path_factory) -> Path:
    """The result cache of one uncached `verify` of the tree as generated, which passed. Each test
    with promtool starts from a copy of it: its first `verify` of the unchanged tree reads what this
    run proved on the same bytes (as a second `obsgen test` does) instead of proving it again. What
    a test changes misses the cache and runs; the tests of the cache itself still see both."""
    root = tmp_path_factory.mktemp("warm")
    copy = root / "out"
    subprocess.run(["cp", "-r", str(tree), str(copy)], check=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("OBSGEN_NO_CACHE", raising=False)
        patch.setenv("OBSGEN_CACHE_DIR", str(root / "cache"))
        results = verify_promtool.verify(copy)
        assert not _failed(results) and "cached" not in _notes(results).values()
        return generate_cache.location(copy)


@pytest.fixture
def out(tree, tmp_path, monkeypatch, request) -> Path:
    """A fresh copy of the tree, with the result cache on (in tmp_path); for a test with promtool,
    the cache holds the passing run of the tree as generated (warm)."""
    copy = tmp_path / "out"
    subprocess.run(["cp", "-r", str(tree), str(copy)], check=True)
    monkeypatch.delenv("OBSGEN_NO_CACHE", raising=False)
    monkeypatch.setenv("OBSGEN_CACHE_DIR", str(tmp_path / "cache"))
    if "promtool" in request.fixturenames:
        shutil.copytree(request.getfixturevalue("warm"), generate_cache.location(copy))
    return copy


def _failed(results) -> list[str]:
    return [r.command[-1] for r in results if not r.ok]


def _notes(results) -> dict[str, str]:
    return {r.command[-1]: r.note for r in results}


def _break(out: Path, service: str, old: str, new: str, count: int = 1) -> None:
    path = out / names.rules_file(service)
    text = path.read_text()
    assert text.count(old) >= max(count, 1), old
    path.write_text(text.replace(old, new, count))


def test_one_shape_runs_its_full_suite_once_and_every_slo_its_wiring(out, promtool):
    jobs = {j.test: j for j in promtool_plan.plan(out, _tests(out), ResultCache(None), 1)}
    first, others = jobs[names.tests_file("alpha")], [jobs[names.tests_file(s)] for s in SERVICES[1:]]
    assert first.keep is None and first.proves == 1
    for job in others:
        assert job.proves == 0 and job.wired == 1
        assert job.keep and all(f": {WIRING}" in name for name in job.keep)
    results = verify_promtool.verify(out)
    assert not _failed(results)


def _tests(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in (out / "alerts" / "tests").glob("*.yaml"))


@pytest.mark.parametrize("old, new, count, shape_changed", [
    # the 5m ratio divides by zero without traffic: its shape is its own, its full suite runs, and
    # the zero-traffic scenario finds the NaN (the wiring scenario alone has traffic: it would pass)
    (", 1e-12)", ", 0)", 1, True),
    # a page threshold moved
    ("> 14.4", "> 41.4", 1, True),
    # every SLI selector of the service reads another job: same shape, the wiring scenario fails
    ('job="delta"', 'job="delta-old"', -1, False),
    # one alert's team label (a label that only labels: same shape): the wiring scenario, which
    # loads only the rules it reads (verify/scenario_rules.py), still loads that alert and fails
    ("sloth_severity: page\n      team: t\n", "sloth_severity: page\n      team: u\n", 1, False),
    # one page alert renamed (its name only labels: same shape): the wiring scenario finds no such alert
    ("alert: DeltaAvailabilityErrorBudgetBurn\n", "alert: DeltaAvailabilityBudgetBurn\n", 1, False),
    # one page alert waits an hour before it fires: the wiring checks alerts only active (pending or
    # firing), but `for` is part of the shape: its full suite runs and the outage pages too late
    ("    labels:\n      long_window: 1h\n", "    for: 1h\n    labels:\n      long_window: 1h\n", 1, True),
])
def test_a_broken_rule_in_one_service_fails_also_after_a_cached_run(out, promtool, old, new, count, shape_changed):
    assert not _failed(verify_promtool.verify(out))  # every result now cached
    assert set(_notes(verify_promtool.verify(out)).values()) >= {"cached"}
    _break(out, "delta", old, new, count=count)
    results = verify_promtool.verify(out)
    failed = _failed(results)  # the health tests read the same selectors: they fail too
    assert names.tests_file("delta") in failed and set(failed) <= {names.tests_file("delta"),
                                                                   names.health_tests_file("delta")}
    assert ("proves 1 shape" in _notes(results)[names.tests_file("delta")]) == shape_changed


def test_a_health_alert_reading_other_series_is_a_shape_of_its_own(out, promtool):
    """One selector of one health alert changed: which rules read the same series changed, so the
    service's full suite (the day-long no-error-series scenario) runs, and fails."""
    rules = (out / names.rules_file("charlie")).read_text()
    alert = re.search(r"SLINoErrorSeries\n    expr: .*\n", rules).group(0)
    broken = alert.replace('code=~"5.."', 'code=~"4.."')
    assert broken != alert
    (out / names.rules_file("charlie")).write_text(rules.replace(alert, broken))
    assert _failed(verify_promtool.verify(out)) == [names.health_tests_file("charlie")]


def test_cached_results_are_invalidated_by_rules_and_test_bytes(out, promtool):
    verify_promtool.verify(out)
    path = out / names.rules_file("bravo")
    path.write_text(path.read_text() + "# a comment\n")
    test = out / names.tests_file("charlie")
    test.write_text(test.read_text() + "# a comment\n")
    notes = _notes(verify_promtool.verify(out))
    assert notes[names.tests_file("bravo")] != "cached" and notes[names.health_tests_file("bravo")] != "cached"
    assert notes[names.tests_file("charlie")] != "cached"
    assert notes[names.tests_file("delta")] == "cached"
    assert "files cached" in next(n for k, n in notes.items() if k.endswith(".rules.yaml"))


def test_another_promtool_version_tests_again(out, promtool, tmp_path, monkeypatch):
    verify_promtool.verify(out)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "promtool"
    wrapper.write_text(f'#!/bin/sh\nif [ "$1" = --version ]; then echo "promtool, version 9.9.9"; exit 0; fi\n'
                       f'exec {promtool} "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    from obsgen.verify import result_cache

    result_cache.tool_version.cache_clear()
    try:
        results = verify_promtool.verify(out)
    finally:
        result_cache.tool_version.cache_clear()
    assert not _failed(results)
    assert "cached" not in _notes(results).values()


def test_shapes_and_plan_are_deterministic(out):
    code = ("import sys, json; from pathlib import Path; from obsgen.verify import promtool_plan, result_cache;"
            "out = Path(sys.argv[1]); tests = sorted(p.relative_to(out).as_posix() for p in"
            " (out / 'alerts' / 'tests').glob('*.yaml'));"
            "print(json.dumps([list(map(str, j.__dict__.values())) for j in"
            " promtool_plan.plan(out, tests, result_cache.ResultCache(None), 1)]))")
    seen = {subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("0", "1", "4242")}
    assert len(seen) == 1


def test_a_shape_sets_aside_identity_and_selectors_only(tree):
    alpha = shapes.of_rules((tree / names.rules_file("alpha")).read_text())
    delta = shapes.of_rules((tree / names.rules_file("delta")).read_text())
    assert list(alpha.values()) == list(delta.values())
    text = (tree / names.rules_file("delta")).read_text()
    changes = [("vector(0.999)", "vector(0.99)"), ("for: 1d", "for: 2d"), ("sloth_window: 6h", "sloth_window: 7h")]
    for old, new in changes:
        assert old in text
        assert shapes.of_rules(text.replace(old, new, 1)) != delta, old


def test_every_other_verifier_is_replayed_only_on_the_same_tree(out):
    from obsgen.verify import cached, tree_digest

    first = cached("seams", out, tree_digest(out))
    assert first and all(r.ok and r.note != "cached" for r in first)
    again = cached("seams", out, tree_digest(out))
    assert [r.command for r in again] == [r.command for r in first] and {r.note for r in again} == {"cached"}
    dashboard = next((out / "dashboards").glob("*.json"))
    dashboard.write_text(dashboard.read_text() + "\n")
    assert "cached" not in {r.note for r in cached("seams", out, tree_digest(out))}


def test_a_test_file_in_another_layout_is_parsed_not_cut(out, promtool):
    """JSON is YAML too: a file obsgen did not lay out is split after parsing it, and still judged."""
    import json

    import yaml

    from obsgen.verify import yaml_items

    path = out / names.tests_file("delta")
    text = json.dumps(yaml.safe_load(path.read_text()), indent=1)
    assert yaml_items.split(text, "tests") is None
    path.write_text(text)
    assert not _failed(verify_promtool.verify(out))
    _break(out, "delta", 'job="delta"', 'job="delta-old"', count=-1)
    assert names.tests_file("delta") in _failed(verify_promtool.verify(out))


def test_route_tests_rerun_only_the_cases_that_changed(out):
    from obsgen.verify import amtool
    from tests.conftest import require_tool

    require_tool("amtool")
    config, tests = out / names.ALERTMANAGER_CONFIG, out / names.ALERTMANAGER_ROUTE_TESTS
    store = ResultCache.of(out, amtool.amtool())
    groups = len(amtool.route_classes(config, amtool.route_cases(tests)))  # one amtool call each
    first = amtool.route_tests(config, tests, 2, store)
    assert first.ok and first.note == f"{groups} amtool calls"
    assert amtool.route_tests(config, tests, 2, store).note == f"{groups} amtool calls, {groups} cached"
    text = tests.read_text()
    rule = f"rule: {names.rules_file('delta')}:"
    assert rule in text
    head, _, tail = text.partition(rule)
    broken = head + rule + tail.replace("receivers:\n  - ", "receivers:\n  - nobody-", 1)
    tests.write_text(broken)
    again = amtool.route_tests(config, tests, 2, store)
    assert not again.ok and "\n1 of" in again.output
    assert again.note == f"{groups + 1} amtool calls, {groups} cached"  # only the changed case ran


def _shorten_window(out: Path, service: str, window: str, shorter: str) -> None:
    """A window rule's range changed by hand (both sums of the ratio), nothing else."""
    path = out / names.rules_file(service)
    text = path.read_text()
    rule = re.search(rf"- record: {re.escape(names.sli_error_ratio(window))}\n    expr: .*\n", text).group(0)
    broken = rule.replace(f"[{window}])", f"[{shorter}])")
    assert broken.count(f"[{shorter}])") == 2, rule
    path.write_text(text.replace(rule, broken))


def test_a_window_shortened_by_hand_in_one_service_fails(out, promtool):
    """Every scenario but one has a single error ratio from its first sample, which a window of any
    length records alike: the step scenario (render/promtool_tests.window_lengths) pins each range.
    Two services, two windows: the 1d ticket window at 12h, the 3d one at 2d."""
    assert not _failed(verify_promtool.verify(out))  # the step scenario passes on the rules as generated
    _shorten_window(out, "delta", "1d", "12h")
    _shorten_window(out, "bravo", "3d", "2d")
    results = verify_promtool.verify(out)
    assert sorted(_failed(results)) == sorted([names.health_tests_file("bravo"), names.health_tests_file("delta")])
    failed = {r.command[-1]: r.output for r in results if not r.ok}
    assert names.sli_error_ratio("1d") in failed[names.health_tests_file("delta")]
    assert names.sli_error_ratio("3d") in failed[names.health_tests_file("bravo")]


def test_promtool_keeps_a_tmpdir_of_the_users_own(monkeypatch):
    """promtool's per-group TSDBs go to a memory file system only when the user named no TMPDIR."""
    monkeypatch.setenv("TMPDIR", "/somewhere/of/mine")
    assert verify_promtool._tool_env() is None
    monkeypatch.delenv("TMPDIR")
    env = verify_promtool._tool_env()
    assert env is None or (env["TMPDIR"] == verify_promtool._SHM and os.access(env["TMPDIR"], os.W_OK))
    monkeypatch.setattr(verify_promtool, "_SHM", "/no/such/directory")
    assert verify_promtool._tool_env() is None
