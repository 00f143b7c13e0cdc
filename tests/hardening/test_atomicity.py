"""Atomicity per stage (issue 12): a failure injected into each stage in turn (load, check,
compile, every renderer, the kustomize step, the writer midway, a full disk) leaves the output tree
and its manifest byte for byte as they were, exits 1 and prints one line, never a traceback.

`generate` runs in this process through click's CliRunner with catch_exceptions=False, so an
exception escaping the CLI fails the test instead of being printed."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from obsgen import backends, pipeline
from obsgen.cli import main
from obsgen.errors import InternalError
from obsgen.render import kustomize
from tests import builders
from tests.conftest import EXAMPLES


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under root (hidden ones, temporaries and backups included) with its mode."""
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mode)
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def before(tmp_path):
    """A generated tree, and a spec change that makes the next run rewrite files."""
    specs = Path(shutil.copytree(EXAMPLES, tmp_path / "specs"))
    out = tmp_path / "out"
    assert run(specs, out).exit_code == 0
    checkout = specs / "checkout.yaml"
    checkout.write_text(checkout.read_text().replace("objective: 99.9\n", "objective: 99.95\n", 1))
    return specs, out, snapshot(out)


def run(specs: Path, out: Path):
    return CliRunner().invoke(main, ["generate", str(specs), "--out", str(out)], catch_exceptions=False)


def refused(result, *needles: str) -> list[str]:
    assert result.exit_code == 1, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith("[")]
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert any(needle in line for line in lines), lines
    return lines


def boom(*_args, **_kwargs):
    raise RuntimeError("boom\nsecond line")


STAGES = {
    "loading": (pipeline, "load_dir"),
    "checking": (pipeline, "check"),
    "compiling": (pipeline, "compile_plan"),
    **{f"renderer {name}": (backends, name) for name in backends.REGISTRY},
    "renderer kustomize": (kustomize, "render"),
}


@pytest.mark.parametrize("stage", STAGES)
def test_a_bug_in_any_stage_writes_nothing_and_says_where(before, monkeypatch, stage):
    specs, out, old = before
    target, name = STAGES[stage]
    if target is backends:  # a registered backend's renderer
        builders.replace_renderer(monkeypatch, name, boom)
    else:
        monkeypatch.setattr(target, name, boom)
    lines = refused(run(specs, out))
    assert lines == [f"error: internal error in {stage}: RuntimeError: boom; nothing was written "
                     "(a bug in obsgen: OBSGEN_DEBUG=1 shows the traceback)"]
    assert snapshot(out) == old


def test_obsgen_debug_shows_the_traceback(before, monkeypatch):
    specs, out, old = before
    builders.replace_renderer(monkeypatch, "grafana", boom)
    monkeypatch.setenv("OBSGEN_DEBUG", "1")
    result = CliRunner().invoke(main, ["generate", str(specs), "--out", str(out)])
    assert isinstance(result.exception, InternalError) and isinstance(result.exception.cause, RuntimeError)
    assert snapshot(out) == old


def test_an_invalid_spec_writes_nothing(before):
    specs, out, old = before
    checkout = specs / "checkout.yaml"
    checkout.write_text(checkout.read_text().replace("objective: 99.95", "objective: 100"))
    refused(run(specs, out), "checkout.yaml:", "nothing was written")
    assert snapshot(out) == old


def _nth_call_fails(monkeypatch, module, name: str, n: int, error: OSError):
    real, calls = getattr(module, name), []

    def failing(*args, **kwargs):
        calls.append(args)
        if len(calls) == n:
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, failing)
    return calls


def test_the_writer_failing_midway_restores_everything(before, monkeypatch):
    specs, out, old = before
    calls = _nth_call_fails(monkeypatch, os, "replace", 3, OSError(errno.EIO, "Input/output error"))
    refused(run(specs, out), "Input/output error", "nothing was written")
    monkeypatch.undo()
    assert len(calls) > 3, "the failure must come after some files were renamed into place"
    assert snapshot(out) == old


class _FullDisk:
    """A file object whose writes fail as on a full disk (the descriptor is still closed)."""

    def __init__(self, handle):
        self.handle = handle

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.handle.close()

    def write(self, _data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_midway_restores_everything(before, monkeypatch):
    specs, out, old = before
    real, opened = os.fdopen, []

    def fdopen(fd, *args, **kwargs):
        handle = real(fd, *args, **kwargs)
        opened.append(fd)
        return _FullDisk(handle) if len(opened) == 3 else handle

    monkeypatch.setattr(os, "fdopen", fdopen)
    refused(run(specs, out), os.strerror(errno.ENOSPC), "nothing was written")
    monkeypatch.undo()
    assert len(opened) == 3, "the run stops at the first failed write"
    assert snapshot(out) == old
