"""Getting started works as written: its spec files, from an empty directory, validate and generate
what it says, `check` agrees, and its sample error is what obsgen prints for that typo."""

from __future__ import annotations

import re

from tests.conftest import ROOT, run_obsgen

PAGE = (ROOT / "docs" / "getting-started.md").read_text()
FILE = re.compile(r'^```yaml title="([^"]+)"\n(.*?)^```$', re.M | re.S)


def _write_files(directory):
    files = FILE.findall(PAGE)
    assert {name for name, _ in files} == {"slos/platform.yaml", "slos/team.yaml", "slos/cart.yaml"}
    for name, text in files:
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(text)


def test_the_first_service_generates_from_an_empty_directory(tmp_path):
    _write_files(tmp_path)
    validated = run_obsgen("validate", "slos", cwd=tmp_path)
    assert validated.returncode == 0, validated.stderr
    assert validated.stdout.strip() in PAGE
    generated = run_obsgen("generate", "slos", "--out", ".", cwd=tmp_path)
    assert generated.returncode == 0, generated.stderr
    written = int(re.search(r"(\d+) files under \.: (\d+) written", generated.stdout)[2])
    assert f"writes, for this one service, {written} files" in PAGE
    for directory in ("alerts/rules", "alerts/tests", "alerts/alertmanager", "dashboards", "otel", "k8s"):
        assert (tmp_path / directory).is_dir() and f"`{directory}/" in PAGE
    checked = run_obsgen("check", "slos", "--out", ".", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_sample_error_is_what_obsgen_prints(tmp_path):
    _write_files(tmp_path)
    cart = tmp_path / "slos" / "cart.yaml"
    cart.write_text(cart.read_text().replace("objective: 99.9", "objectve: 99.9", 1))
    validated = run_obsgen("validate", "slos", cwd=tmp_path)
    assert validated.returncode == 1
    assert validated.stderr.strip() and validated.stderr.strip() in PAGE
