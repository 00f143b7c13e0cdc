"""Run promtool over generated rules and their unit tests, one process per file, in parallel."""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from obsgen.errors import ToolError
from obsgen.verify.result import Result

INSTALL_HINT = ("promtool not found: install it with "
                "`apt-get install --no-install-recommends prometheus` (Debian/Ubuntu) or put it on PATH")


def promtool() -> str:
    found = shutil.which("promtool")
    if not found:
        raise ToolError(INSTALL_HINT)
    return found


def _run(command: list[str], cwd: Path) -> Result:
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    return Result(tuple(command), proc.returncode == 0, (proc.stdout + proc.stderr).strip())


def check_rules(out: Path, files: list[str]) -> Result:
    """promtool check rules with every lint, lint findings fatal."""
    return _run([promtool(), "check", "rules", "--lint=all", "--lint-fatal", *files], out)


def test_rules(out: Path, files: list[str], jobs: int | None = None) -> list[Result]:
    """promtool test rules, a process per test file (each loads only its service's rules)."""
    tool = promtool()
    jobs = jobs or os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(lambda f: _run([tool, "test", "rules", f], out), files))


def verify(out: Path) -> list[Result]:
    rules = sorted(p.relative_to(out).as_posix() for p in (out / "alerts" / "rules").glob("*.yaml"))
    tests = sorted(p.relative_to(out).as_posix() for p in (out / "alerts" / "tests").glob("*.yaml"))
    if not rules:
        raise ToolError(f"no rule files under {out / 'alerts' / 'rules'}: run obsgen generate first")
    return [check_rules(out, rules), *test_rules(out, tests)]
