"""Odd files in the output tree (a FIFO, a symbolic link, a device) where obsgen reads: every command
refuses them by name, exit 1, without opening or following them. Opening a FIFO blocks until a
writer comes, so a reader that does not check first hangs the command (`obsgen generate` did, in the
rerun cache's read-back; `obsgen test` did, in its verifiers)."""

from __future__ import annotations

import os

import pytest

from obsgen import pipeline
from obsgen.output.survey import read_regular, tree_files
from obsgen.output.writer import write_tree
from tests import builders
from tests.builders import Tripwire
from tests.conftest import EXAMPLES

RULES = "alerts/rules/checkout.rules.yaml"


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """The examples generated into tmp_path/out with the rerun cache on (in tmp_path/cache)."""
    monkeypatch.setenv("OBSGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("OBSGEN_NO_CACHE", raising=False)
    out = tmp_path / "out"
    done = builders.obsgen_cli("generate", str(EXAMPLES), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert (out / RULES).is_file()
    return out


@pytest.mark.parametrize("command", ["generate", "check"])
def test_a_fifo_where_a_cached_file_was_is_refused_unopened(tree, command):
    (tree / RULES).unlink()
    with Tripwire(tree / RULES) as fifo:
        done = builders.obsgen_cli(command, str(EXAMPLES), "--out", str(tree))
    assert not fifo.opened
    assert done.returncode == 1
    assert f"{tree / RULES}: is not a regular file" in done.stderr


def test_obsgen_test_refuses_a_fifo_unopened(tree):
    (tree / RULES).unlink()
    with Tripwire(tree / RULES) as fifo:
        done = builders.obsgen_cli("test", "--out", str(tree))
    assert not fifo.opened
    assert done.returncode == 1
    assert f"{tree / RULES}: is not a regular file" in done.stderr
    assert "ok:" not in done.stdout  # refused before any verifier ran


def test_obsgen_test_refuses_a_symbolic_link_unfollowed(tree, tmp_path):
    outside = tmp_path / "outside.json"
    outside.write_text("{}")
    (tree / "dashboards" / "extra.json").symlink_to(outside)
    done = builders.obsgen_cli("test", "--out", str(tree))
    assert done.returncode == 1
    assert f"{tree / 'dashboards' / 'extra.json'}: is a symbolic link" in done.stderr


def test_tree_files_lists_regular_files_and_names_every_odd_one(tmp_path):
    builders.write_files(tmp_path, {"a/b.yaml": "b\n", "a/c/d.json": "{}", "top": "x"})
    os.mkfifo(tmp_path / "a" / "fifo")
    (tmp_path / "a" / "link").symlink_to(tmp_path / "top")
    (tmp_path / "linked-dir").symlink_to(tmp_path / "a")
    files, problems = tree_files(tmp_path, ["a", "linked-dir", "missing"])
    assert files == ["a/b.yaml", "a/c/d.json"]
    assert [p.split(": ")[1] for p in problems] == ["is not a regular file", *["is a symbolic link; obsgen never "
                                                    "reads, writes or deletes through one below --out (replace it "
                                                    "by the real directory or file, or point --out at the real "
                                                    "directory)"] * 2]
    with Tripwire(tmp_path / "trip") as fifo:
        assert read_regular(tmp_path / "trip") is None
        assert read_regular(tmp_path / "a" / "link") is None
        assert read_regular(tmp_path / "a" / "b.yaml") == b"b\n"
    assert not fifo.opened


def test_the_written_tree_reads_back_whole(tmp_path):
    files = pipeline.run(EXAMPLES).files
    write_tree(tmp_path, files)
    found, problems = tree_files(tmp_path, sorted({p.split("/")[0] for p in files}))
    assert problems == [] and found == sorted(files)
