"""`obsgen init`: a first spec directory that generates, validates strictly and passes `obsgen test`
with the real promtool and amtool; refuses to overwrite; refuses odd names where the flag is named."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from obsgen import scaffold
from tests.builders import obsgen_cli
from tests.conftest import PATIENCE, ROOT, require_tool

RECEIVERS = ("--pagerduty-key-file", "/etc/alertmanager/secrets/web-pagerduty/routing-key",
             "--slack-channel", "#web-alerts", "--slack-webhook-file", "/etc/alertmanager/secrets/slack/url")
SCAFFOLD = {"slos/platform.yaml", "slos/teams.yaml", "slos/shop.yaml", ".pre-commit-config.yaml"}


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


# The commands run in this process (tests.builders.obsgen_cli: the same CLI, its output and exit code,
# without starting Python each time); the one test of a real terminal starts the real process.
def init(root: Path, *args: str):
    return obsgen_cli("init", str(root), "--service", "shop", "--team", "web", *RECEIVERS, *args)


def test_init_writes_specs_that_generate_validate_strictly_and_pass_the_real_tools(tmp_path):
    require_tool("promtool"), require_tool("amtool")
    result = init(tmp_path / "repo", "--environments", "dev,staging,production")
    assert result.returncode == 0, result.stderr
    root = tmp_path / "repo"
    assert tree(root) == SCAFFOLD
    for args in (("validate", "--strict", "slos"), ("generate", "--strict", "slos", "--out", "."),
                 ("check", "slos", "--out", "."), ("test", "--out", ".")):
        ran = obsgen_cli(*args, cwd=root)
        assert ran.returncode == 0, (args, ran.stdout, ran.stderr)
    assert "2 SLOs" in obsgen_cli("validate", "slos", cwd=root).stdout
    rules = yaml.safe_load((root / "alerts/rules/shop.rules.yaml").read_text())
    alerts = [r for g in rules["groups"] for r in g["rules"] if "alert" in r]
    severities = {(r["labels"]["slo"], r["labels"].get("sloth_severity")) for r in alerts}
    assert ("availability", "page") in severities and ("latency", "ticket") in severities
    assert ("latency", "page") not in severities


def test_init_pre_commit_config_names_the_hooks_this_repository_ships_and_they_pass(tmp_path):
    from pre_commit.clientlib import load_config, load_manifest

    assert init(tmp_path).returncode == 0
    assert obsgen_cli("generate", "slos", "--out", ".", cwd=tmp_path).returncode == 0
    config = load_config(str(tmp_path / ".pre-commit-config.yaml"))
    shipped = {hook["id"]: hook for hook in load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))}
    ids = [hook["id"] for repo in config["repos"] for hook in repo["hooks"]]
    assert ids == ["obsgen-validate", "obsgen-check"]
    for hook_id in ids:  # each hook as pre-commit runs it: its entry and default args, in the new repo
        hook = shipped[hook_id]
        ran = obsgen_cli(*hook["entry"].split()[1:], *hook["args"], cwd=tmp_path)
        assert ran.returncode == 0, ran.stdout + ran.stderr


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path):
    (tmp_path / "slos").mkdir()
    (tmp_path / "slos/teams.yaml").write_text("mine\n")
    result = init(tmp_path)
    assert result.returncode == 1
    assert f"error: {tmp_path / 'slos/teams.yaml'}: already exists" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree(tmp_path) == {"slos/teams.yaml"} and (tmp_path / "slos/teams.yaml").read_text() == "mine\n"


def test_init_writes_nothing_when_one_file_cannot_be_written(tmp_path):
    """All or nothing: the last file cannot be written (its directory is a file), so the ones
    written before it and the directories made for them are removed."""
    (tmp_path / "blocked").write_text("a file\n")
    with pytest.raises(scaffold.InitError, match="nothing was written"):
        scaffold.write(tmp_path, {"slos/a.yaml": "a: 1\n", "slos/deeper/b.yaml": "b: 1\n", "blocked/c.yaml": "c\n"})
    assert tree(tmp_path) == {"blocked"} and sorted(p.name for p in tmp_path.iterdir()) == ["blocked"]


@pytest.mark.parametrize(("args", "message"), [
    (("--service", "Check Out!"), "error: --service: 'Check Out!' is not a name"),
    (("--team", "web_team"), "error: --team: 'web_team' is not a name"),
    (("--environments", "staging,prod uction,production"), "error: --environments: 'prod uction' is not a name"),
    (("--environments", "staging"), "error: --environments: must include production"),
    (("--pagerduty-key-file", "my-secret-key"), "error: --pagerduty-key-file: 'my-secret-key' is not an absolute"),
    (("--slack-channel", "#a\nb"), "error: --slack-channel: '#a\\nb' is not a Slack channel name"),
    (("--email", "ops@example.com"), "error: --email: e-mail needs an SMTP server"),
    # the spec's own check, located in the file init would have written
    (("--pagerduty-key-file", "/etc/alertmanager/secrets/pd"),
     "error: slos/teams.yaml:6: pagerduty.routing_key_file: the Prometheus Operator mounts each Secret"),
])
def test_init_refuses_odd_input_naming_the_flag(tmp_path, args, message):
    result = init(tmp_path, *args)  # the later flag wins in click
    assert result.returncode == 1, result.stdout
    assert message in result.stderr
    assert "Traceback" not in result.stderr and tree(tmp_path) == set()


def test_init_asks_on_a_terminal_for_what_the_flags_left_out(tmp_path):
    """stdin a real terminal (a pty): service, team and the pager's key file are asked for."""
    controller, terminal = os.openpty()
    os.write(controller, b"shop\nweb\n/etc/alertmanager/secrets/pd/key\nn\n")
    try:
        ran = subprocess.run([sys.executable, "-m", "obsgen", "init", str(tmp_path)], stdin=terminal,
                             capture_output=True, text=True, timeout=PATIENCE)
    finally:
        os.close(terminal), os.close(controller)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "Service name" in ran.stdout and "PagerDuty routing key" in ran.stdout
    assert tree(tmp_path) == SCAFFOLD
    team = yaml.safe_load((tmp_path / "slos/teams.yaml").read_text())
    assert team["spec"] == {"pagerduty": {"routing_key_file": "/etc/alertmanager/secrets/pd/key"}}
    assert obsgen_cli("validate", "--strict", "slos", cwd=tmp_path).returncode == 0


def test_the_docs_example_works_as_written(tmp_path):
    """docs/init.md's commands, run in an empty directory: init, then generate."""
    import shlex

    block = (ROOT / "docs/init.md").read_text().split("```sh\n")[1].split("```")[0].replace("\\\n", " ")
    commands = [shlex.split(line, comments=True) for line in block.splitlines() if line.startswith("obsgen ")]
    assert [c[1] for c in commands] == ["init", "generate", "test"]
    assert obsgen_cli(*commands[0][1:], cwd=tmp_path).returncode == 0
    assert obsgen_cli(*commands[1][1:], cwd=tmp_path / commands[0][2]).returncode == 0
