"""Warnings on the command line: printed with their location, exit 0 unless --strict. One command
runs in its own process (the streams and exit code a user sees); the others in this process
(tests/builders.obsgen_cli: the same command, its stdout and stderr apart, without starting Python)."""

import pytest

from tests.builders import obsgen_cli
from tests.conftest import run_obsgen
from tests.spec.importers import test_pyrra, test_sloth
from tests.spec.importers.helpers import write

WARNINGS = [
    "warning: slos/getting-started.yml:4: labels.owner: team 'myteam' has no Team document: its alerts carry "
    "team=myteam but no receiver of its own (add a Team document to route them)",
    "warning: slos/getting-started.yml:9: slos[0]: SLO 'requests-availability' pages but has no runbook (a runbook "
    "or runbook_url alerting annotation holding a URL is read as one)",
]


@pytest.fixture
def cwd(tmp_path):
    write(tmp_path / "slos", {"getting-started.yml": test_sloth.GETTING_STARTED})
    return tmp_path


def messages(stderr: str) -> list[str]:
    """stderr without the progress lines (`[ 0.1s] loading ...`) generate and check print in a log."""
    return [line for line in stderr.splitlines() if not line.startswith("[")]


@pytest.mark.parametrize("command", [["validate", "slos"], ["generate", "slos", "--out", "out"]])
def test_warnings_are_printed_and_do_not_fail(cwd, command):
    result = obsgen_cli(*command, cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert messages(result.stderr) == WARNINGS


@pytest.mark.parametrize("command", [["validate", "slos"], ["generate", "slos", "--out", "out"],
                                     ["check", "slos", "--out", "out"]])
def test_strict_turns_warnings_into_failure(cwd, command):
    result = obsgen_cli(*command, "--strict", cwd=cwd)
    assert result.returncode == 1
    assert messages(result.stderr) == [*WARNINGS, "2 warning(s) with --strict; nothing was written."]
    assert not (cwd / "out").exists()


def test_import_prints_obsgen_yaml_and_refuses_other_formats(cwd):
    assert obsgen_cli("import", "--help").returncode == 0
    result = run_obsgen("import", "sloth", "slos/getting-started.yml", cwd=cwd)
    assert result.returncode == 0 and "apiVersion: obsgen/v1" in result.stdout and "style: sloth" in result.stdout
    assert "requires a runbook; pass --runbook URL or add one" in result.stderr
    assert obsgen_cli("import", "sloth", "slos/getting-started.yml", "--strict", cwd=cwd).returncode == 1
    wrong = obsgen_cli("import", "pyrra", "slos/getting-started.yml", cwd=cwd)
    assert wrong.returncode == 1 and "slos/getting-started.yml:1: not a pyrra document" in wrong.stderr
    assert obsgen_cli("import", "nagios", "slos/getting-started.yml", cwd=cwd).returncode == 2
    assert "Traceback" not in wrong.stderr


def test_import_errors_name_the_foreign_file(cwd):
    write(cwd / "more", {"p.yaml": test_pyrra.RATIO.replace('target: "99"', 'target: "lots"')})
    result = obsgen_cli("import", "pyrra", "more/p.yaml", cwd=cwd)
    assert result.returncode == 1
    assert "error: more/p.yaml:11: target: must be a percentage written as a string such as \"99.5\", got 'lots'" \
        in result.stderr
