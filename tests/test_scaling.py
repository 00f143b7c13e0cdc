"""How the work of a run grows with the number of services, counted, never timed: every Python and
C function call a command makes (a profile hook counts them; the same input makes the same calls on
any machine, busy or not). Linear work on 4x the services is about 4x the calls; work that compares
every spec file with every generated file (issue 21: an unchanged rerun of 1,000 services took 124 s
when its output tree, listed in the manifest, lived in the spec directory) is about 16x."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from bench.bench_generate import synthesize
from tests.builders import obsgen_cli

SMALL, LARGE = 20, 80  # services
LINEAR = 5.0  # calls(LARGE) / calls(SMALL) at most: 4 for purely linear work, less with fixed costs


def calls(command: list[str]) -> int:
    """The function calls one in-process run of the CLI makes; it must succeed."""
    count = 0

    def hook(_frame, event, _arg):
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(hook)
    try:
        done = obsgen_cli(*command)
    finally:
        sys.setprofile(None)
    assert done.returncode == 0, done.stderr
    return count


def tree(root: Path, services: int) -> Path:
    """A spec directory holding its own output tree (`obsgen generate . --out .`), generated twice:
    the second run is the first with the manifest in place, so a third changes nothing."""
    specs = root / f"specs-{services}"
    synthesize(specs, services)
    for _ in range(2):
        assert obsgen_cli("generate", str(specs), "--out", str(specs)).returncode == 0
    return specs


def _snapshot(specs: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(specs.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def trees(tmp_path_factory) -> tuple[dict[int, Path], Path]:
    """({services: its tree}, the cache those generations filled), built once for the module: the
    commands below only read the trees (an unchanged rerun writes nothing), and each test starts
    from its own copy of the cache, as each once built its own."""
    root = tmp_path_factory.mktemp("scaling")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("OBSGEN_CACHE_DIR", str(root / "cache"))
        env.delenv("OBSGEN_NO_CACHE", raising=False)
        return {services: tree(root, services) for services in (SMALL, LARGE)}, root / "cache"


@pytest.fixture
def cache_on(monkeypatch, tmp_path, trees):
    shutil.copytree(trees[1], tmp_path / "cache")
    monkeypatch.setenv("OBSGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("OBSGEN_NO_CACHE", raising=False)
    return trees[0]


@pytest.mark.parametrize("command", [
    pytest.param(["generate", "{specs}", "--out", "{specs}"], id="generate-rerun"),
    pytest.param(["check", "{specs}", "--out", "{specs}"], id="check"),
    pytest.param(["validate", "{specs}"], id="validate"),
])
def test_an_unchanged_rerun_grows_linearly_with_the_output_tree_in_the_spec_directory(
        tmp_path, cache_on, command):
    counted = {}
    for services, specs in cache_on.items():
        before = _snapshot(specs)
        assert len(list(specs.rglob("*.yaml"))) > 4 * services  # the output files are there to skip
        counted[services] = calls([part.format(specs=specs) for part in command])
        assert _snapshot(specs) == before  # the tree the next test reads is the one built
    ratio = counted[LARGE] / counted[SMALL]
    assert ratio < LINEAR, f"{LARGE / SMALL:.0f}x the services made {ratio:.1f}x the calls: {counted}"
    assert os.environ["OBSGEN_CACHE_DIR"]  # the reruns used the cache, as the CLI does
