"""The processes `obsgen preview --live` starts: found on PATH, bound to loopback, always stopped.

Each process logs to a file in the session's temporary directory; when one fails to become ready,
the error quotes the end of its log. Stopping is terminate, then kill after a timeout, then wait,
so no process outlives the session (and none is left a zombie).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from obsgen.preview.serve import LOOPBACK

PR_SET_PDEATHSIG = 1  # linux/prctl.h
STOP_TIMEOUT = 5.0  # seconds between terminate and kill
# The wait ends as soon as the server answers: the bound only tells a hung start from a slow one
# (a machine busy with other work), so it is generous.
READY_TIMEOUT = 180.0
INSTALL_HINT = "install it (Debian: apt-get install prometheus prometheus-alertmanager) or put it on PATH"


class LiveError(Exception):
    """A live session cannot start: a tool is missing or a process failed; the message says which."""


def find_tool(*candidates: str) -> str:
    """The first of the candidate executables found on PATH."""
    for name in candidates:
        found = shutil.which(name)
        if found:
            return found
    raise LiveError(f"{' or '.join(candidates)} not found on PATH: {INSTALL_HINT}")


def free_port() -> int:
    """A port free on 127.0.0.1 right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def _dies_with(parent: int):
    """A preexec_fn: the child gets SIGTERM when obsgen dies, even by SIGKILL, where no `finally`
    runs (Linux only; elsewhere the normal stop path is all there is). Linux sends it when the thread
    that started the child exits, so sessions start their processes from the thread that runs them."""
    if not sys.platform.startswith("linux"):
        return None

    def arm() -> None:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # obsgen died before the signal was armed
            os._exit(1)
    return arm


class Process:
    """One child process with its log file; `stop()` is idempotent."""

    def __init__(self, name: str, argv: list[str], log: Path, cwd: Path):
        self.name, self.argv, self.log_path = name, argv, log
        self.log = log.open("wb")
        # Its own session: Ctrl-C in the terminal reaches obsgen only, which then stops the
        # children in order (Alertmanager after Prometheus has stopped sending to it).
        self.popen = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=self.log,
                                      stderr=subprocess.STDOUT, start_new_session=True,
                                      preexec_fn=_dies_with(os.getpid()))

    @property
    def pid(self) -> int:
        return self.popen.pid

    def tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text("utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def wait_ready(self, url: str, timeout: float = READY_TIMEOUT) -> None:
        """Poll url until it answers 200; fail early, quoting the log, if the process exits."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise LiveError(f"{self.name} exited with code {self.popen.returncode}:\n{self.tail()}")
            try:
                if requests.get(url, timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise LiveError(f"{self.name} not ready after {timeout:.0f}s ({url}):\n{self.tail()}")

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Terminate, then kill: even when the wait is cut short (a second Ctrl-C), it is killed."""
        try:
            if self.popen.poll() is None:
                self.popen.terminate()
                self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        finally:
            if self.popen.poll() is None:
                self.popen.kill()
                self.popen.wait()
            self.log.close()
