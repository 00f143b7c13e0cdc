"""What the live preview's tests need to see its processes: which run under a session's directory,
and whether a PID is gone; `obsgen preview --live` started in its own process."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLES, require_tool


def tools() -> None:
    require_tool("prometheus")
    require_tool("prometheus-alertmanager")


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def dead(pid: int) -> bool:
    """Gone, or a zombie nobody has reaped yet (orphans go to PID 1, which in a container may never reap)."""
    try:
        return gone(pid) or Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"
    except OSError:
        return True


def processes_under(path: Path) -> list[int]:
    """PIDs whose command line names path: what a session started there and left running."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and str(path) in (entry / "cmdline").read_bytes().decode(errors="replace"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found



def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextlib.contextmanager
def cli_session():
    """`obsgen preview --live` in a subprocess, ready: (process, its session directory); killed at
    the end if the test left it running."""
    tools()
    # SIGINT at its default in the child: a shell's background job (`pytest &`) ignores SIGINT, the
    # child inherits that, Python then installs no KeyboardInterrupt handler, and the Ctrl-C case
    # would wait PATIENCE for a process that never saw the signal.
    cli = subprocess.Popen([sys.executable, "-m", "obsgen", "preview", str(EXAMPLES), "--live", "--port", "0"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           preexec_fn=_default_sigint)
    try:
        lines = [cli.stdout.readline(), cli.stdout.readline()]
        assert "(Ctrl-C to stop)" in lines[1], (lines, cli.stderr.read() if cli.poll() is not None else "")
        tmp = Path(lines[0].rsplit(" in ", 1)[1].strip())
        assert tmp.is_dir() and len(processes_under(tmp)) == 2
        yield cli, tmp
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()


