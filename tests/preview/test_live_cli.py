"""`obsgen preview --live` started and stopped: a session that fails to start stops what it had
started; the CLI says clearly when the tools are missing, stops everything on SIGTERM and Ctrl-C
and when a process dies, and its processes die with it when it is killed.

Apart from tests/preview/test_live.py, whose module session (a Prometheus evaluating every example
rule each second) need not run while these start sessions of their own; a file is an xdist group,
so the two also run side by side.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from obsgen.artifacts import TextFile
from obsgen.preview.live import LiveError, LiveSession
from tests.builders import obsgen_cli
from tests.conftest import EXAMPLES, PATIENCE
from tests.preview.procs import cli_session, dead, gone, processes_under, tools


def test_a_failed_start_stops_what_it_started(example_plan, example_artifacts):
    """Prometheus refuses a broken rule file: the error quotes its log, Alertmanager (already
    running) is stopped, and the temporary directory is gone."""
    tools()
    broken = "groups:\n- name: x\n  rules:\n  - record: a\n    expr: sum(\n"
    path = "alerts/rules/broken.yaml"
    session = LiveSession(example_plan, {**example_artifacts, path: TextFile(path, broken)})
    with pytest.raises(LiveError, match="prometheus exited") as failed, session:
        pass
    assert "broken.yaml" in str(failed.value)
    assert [p.name for p in session.processes] == ["alertmanager", "prometheus"]
    assert all(gone(p.pid) for p in session.processes)
    assert not session.tmp.exists()



def test_the_processes_die_with_a_killedcli_session():
    """SIGKILL leaves obsgen no chance to stop anything: the kernel's parent-death signal does it."""
    with cli_session() as (cli, tmp):
        children = processes_under(tmp)
        cli.kill()
        cli.communicate(timeout=PATIENCE)
    deadline = time.monotonic() + PATIENCE
    while not all(dead(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    try:
        assert all(dead(pid) for pid in children), children
    finally:
        for pid in children:
            if not gone(pid):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(tmp, ignore_errors=True)  # nobody was left to remove it


def test_cli_stops_everything_when_a_process_dies():
    """Prometheus killed from outside: obsgen says so, stops Alertmanager and cleans up."""
    with cli_session() as (cli, tmp):
        prometheus = next(pid for pid in processes_under(tmp)
                          if b"prometheus.yml" in Path(f"/proc/{pid}/cmdline").read_bytes())
        os.kill(prometheus, signal.SIGKILL)
        _, err = cli.communicate(timeout=PATIENCE)
    assert cli.returncode == 1 and "error: prometheus exited with code -9" in err
    assert not tmp.exists() and processes_under(tmp) == []


def test_cli_says_when_the_tools_are_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # in this process: the same CLI, its message and exit code
    result = obsgen_cli("preview", str(EXAMPLES), "--live", "--port", "0")
    assert result.returncode == 1
    assert "error: prometheus not found on PATH" in result.stderr and "apt-get install" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])  # SIGINT: Ctrl-C
def test_cli_stops_everything_on_a_signal(signum):
    with cli_session() as (cli, tmp):
        cli.send_signal(signum)
        out, _ = cli.communicate(timeout=PATIENCE)
    assert cli.returncode == 0 and "stopped" in out
    assert not tmp.exists() and processes_under(tmp) == []
