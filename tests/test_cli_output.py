"""generate and check as users run them: the output directory's safety (symlinks, all or nothing,
hand edits), the spec directory's edge cases, the check report and the closing summary."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, run_obsgen

MANIFEST = ".obsgen-manifest"


def tree(root: Path) -> dict[str, str]:
    found = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[rel] = f"-> {os.readlink(path)}"
        elif path.is_file():
            found[rel] = path.read_text()
    return found


def generate(spec_dir: Path, out: Path, *args: str):
    return run_obsgen("generate", str(spec_dir), "--out", str(out), *args)


def check(spec_dir: Path, out: Path):
    return run_obsgen("check", str(spec_dir), "--out", str(out))


def refused(result, *needles: str):
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr


@pytest.fixture
def specs(tmp_path) -> Path:
    """A copy of the bundled examples that tests may change."""
    return Path(shutil.copytree(EXAMPLES, tmp_path / "specs"))


@pytest.fixture
def out(tmp_path, specs) -> Path:
    out = tmp_path / "out"
    assert generate(specs, out).returncode == 0
    return out


# --- issue 14 point 9: symlinks ---

def test_a_symlinked_directory_in_the_manifest_is_not_followed(tmp_path, specs, out):
    (tmp_path / "outside/precious").mkdir(parents=True)
    (tmp_path / "outside/precious/notes.txt").write_text("precious\n")
    (out / "link").symlink_to("../outside")
    with (out / MANIFEST).open("a") as manifest:
        manifest.write("link/precious/notes.txt\n")
    result = generate(specs, out)
    refused(result, f"{out / 'link'}: is a symbolic link")
    assert (tmp_path / "outside/precious/notes.txt").read_text() == "precious\n"


def test_a_symlinked_manifest_is_not_read_or_overwritten(tmp_path, specs):
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "precious.txt").write_text("precious\n")
    (out / MANIFEST).symlink_to(tmp_path / "precious.txt")
    refused(generate(specs, out), f"{out / MANIFEST}: is a symbolic link")
    assert (tmp_path / "precious.txt").read_text() == "precious\n"
    assert tree(out) == {MANIFEST: f"-> {tmp_path / 'precious.txt'}"}


def test_a_symlinked_alerts_directory_is_refused(tmp_path, specs):
    out = tmp_path / "out"
    (tmp_path / "elsewhere").mkdir()
    out.mkdir()
    (out / "alerts").symlink_to(tmp_path / "elsewhere")
    refused(generate(specs, out), f"{out / 'alerts'}: is a symbolic link")
    refused(check(specs, out), f"{out / 'alerts'}: is a symbolic link")
    assert list((tmp_path / "elsewhere").iterdir()) == []


# --- issue 14 point 10: all or nothing ---

def test_a_directory_where_an_owned_file_goes_changes_nothing(specs, out):
    rules = out / "alerts/rules/checkout.rules.yaml"
    rules.unlink()
    rules.mkdir()
    (specs / "checkout.yaml").write_text((specs / "checkout.yaml").read_text().replace("99.9", "99.95", 1))
    before = tree(out)
    refused(generate(specs, out), f"{rules}: is a directory", "nothing was written")
    assert tree(out) == before


def test_alerts_rules_being_a_file_changes_nothing(tmp_path, specs):
    out = tmp_path / "out"
    (out / "alerts").mkdir(parents=True)
    (out / "alerts/rules").write_text("x\n")
    refused(generate(specs, out), f"{out / 'alerts/rules'}: is not a directory")
    assert tree(out) == {"alerts/rules": "x\n"}


def test_out_naming_a_file_is_an_error(tmp_path, specs):
    (tmp_path / "file").write_text("x\n")
    refused(generate(specs, tmp_path / "file"), "is a file, not a directory")
    refused(check(specs, tmp_path / "file"), "is a file, not a directory")


# --- issue 14 point 11: the spec directory ---

@pytest.mark.parametrize("command", ["generate", "validate", "check"])
def test_a_spec_directory_without_documents_is_an_error(tmp_path, out, command):
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    (empty / "sub/comments.yaml").write_text("# nothing yet\n---\n")
    before = tree(out)
    args = [command, str(empty)] + (["--out", str(out)] if command != "validate" else [])
    refused(run_obsgen(*args), f"{empty}: no spec documents")
    assert tree(out) == before


def test_a_file_given_as_spec_dir_says_so(specs):
    result = run_obsgen("validate", str(specs / "checkout.yaml"))
    refused(result, "is a file, not a directory")
    assert "not found" not in result.stderr


# --- issue 14 point 12: --out inside the spec directory ---

@pytest.mark.parametrize("where", [".", "generated"])
def test_out_inside_the_spec_directory_runs_again_and_again(specs, where):
    out = specs / where
    for _ in range(3):
        result = generate(specs, out)
        assert result.returncode == 0, result.stderr
    assert "0 written" in result.stdout
    assert check(specs, out).returncode == 0
    assert run_obsgen("validate", str(specs)).returncode == 0  # no --out: it skips trees with a manifest
