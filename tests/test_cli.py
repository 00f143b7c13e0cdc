import pytest

from tests.builders import obsgen_cli
from tests.conftest import EXAMPLES, run_obsgen


@pytest.mark.parametrize("command",
                         ["generate", "validate", "check", "test", "schema", "preview", "diff", "k8s", "init"])
def test_every_command_explains_itself(command):
    """In-process (the help text is click's, whatever the process); the name the usage line gives,
    which is the process's, is checked in a real process below and for one command here."""
    prog = obsgen_cli("--help").stdout.split()[1]  # click's name for the CLI in this process
    result = obsgen_cli(command, "--help")
    assert result.returncode == 0
    assert f"Usage: {prog} {command} [OPTIONS]" in result.stdout and len(result.stdout) > 200


def test_top_level_help_lists_commands():
    result = run_obsgen("--help")
    assert result.returncode == 0 and "Usage: python -m obsgen [OPTIONS] COMMAND" in result.stdout
    for command in ("generate", "validate", "check", "test", "schema", "k8s"):
        assert command in result.stdout
    one = run_obsgen("generate", "--help")
    assert one.returncode == 0 and "Usage: python -m obsgen generate [OPTIONS]" in one.stdout


def test_usage_errors_exit_2():
    assert run_obsgen("generate", "--bogus").returncode == 2
    assert run_obsgen("frobnicate").returncode == 2


def test_validate_reports_counts():
    result = run_obsgen("validate", str(EXAMPLES))
    assert result.returncode == 0 and "all valid" in result.stdout


def test_missing_spec_dir_is_an_error_not_a_traceback(tmp_path):
    result = run_obsgen("validate", str(tmp_path / "nope"))
    assert result.returncode == 1
    assert "spec directory not found" in result.stderr and "Traceback" not in result.stderr


def test_check_fails_with_a_diff_on_drift(generated):
    """The tree generated in this process (the `generated` fixture: starting Python to generate is
    not what is tested), checked clean in-process; the drift is caught by `obsgen check` in its own
    process, its exit code and streams as a user sees them."""
    assert obsgen_cli("check", str(EXAMPLES), "--out", str(generated)).returncode == 0
    rules = generated / "alerts/rules/checkout.rules.yaml"
    rules.write_text(rules.read_text().replace("vector(0.999)", "vector(0.99)"))
    result = run_obsgen("check", str(EXAMPLES), "--out", str(generated))
    assert result.returncode == 1
    assert "-    expr: vector(0.99)\n+    expr: vector(0.999)" in result.stdout
    assert "out of date" in result.stderr


def test_test_without_promtool_says_how_to_install_it(generated, tmp_path_factory):
    empty = tmp_path_factory.mktemp("empty-path")  # no promtool on PATH (nor anything else)
    result = run_obsgen("test", "--out", str(generated), env={"PATH": str(empty)})
    assert result.returncode == 1
    assert "promtool not found" in result.stderr and "apt-get install" in result.stderr
    assert "Traceback" not in result.stderr


def test_test_on_an_empty_tree_is_an_error(tmp_path):
    result = run_obsgen("test", "--out", str(tmp_path))
    assert result.returncode == 1 and "obsgen generate" in result.stderr


def test_schema_is_json(tmp_path):
    import json

    result = run_obsgen("schema")
    schema = json.loads(result.stdout)
    assert set(schema["$defs"]) >= {"Service", "Team", "Platform"}
