"""What `obsgen lint` and `obsgen status` do once their options are read: load the specs, ask the
server, print. They return the exit code."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from obsgen import durations, pipeline
from obsgen.live import lint as lint_module
from obsgen.live import selectors
from obsgen.live.client import Client


def lint(spec_dir: Path, client: Client, lookback: int, max_series: int, fmt: str,
         say: Callable[..., None]) -> int:
    done = pipeline.run(spec_dir, render=False)
    plan, specs = done.plan, done.specs
    env_label = plan.metrics.environment_label if plan.metrics.shared else None
    report = lint_module.lint(selectors.targets(plan, specs), client, time.time(), lookback, env_label, max_series)
    if fmt == "json":
        say(json.dumps({"url": client.base, "lookback": durations.format_seconds(lookback),
                        "mode": plan.metrics.mode, "slos": report.slos, "selectors": report.selectors,
                        "requests": report.requests, "series": report.series,
                        "errors": report.errors, "findings": [f.as_json() for f in report.findings]},
                       indent=2, sort_keys=True))
    else:
        for finding in report.findings:
            say(str(finding), err=finding.severity == "error" or None)
        warnings = len(report.findings) - report.errors
        say(f"{client.base}: {report.slos} SLOs, {report.selectors} selectors, "
            f"{sum(report.series.values())} series read; {report.errors} error(s), {warnings} warning(s) "
            f"({report.requests} requests, look-back {durations.format_seconds(lookback)}).",
            err=bool(report.errors) or None)
    return 1 if report.errors else 0


def status(spec_dir: Path, client: Client, teams, services, states, environments, sort: str, fmt: str,
           say: Callable[..., None]) -> int:
    from obsgen.live import status as status_module

    plan = pipeline.run(spec_dir, render=False).plan
    rows = status_module.rows(plan, status_module.fetch(plan, client))
    shown = status_module.select(rows, teams, services, states, environments, sort)
    if fmt == "json":
        say(json.dumps({"url": client.base, "mode": plan.metrics.mode, "rows": [r.as_json() for r in shown]},
                       indent=2, sort_keys=True))
    else:
        say(status_module.table(shown))
        counts = {s: sum(r.state == s for r in rows) for s in status_module.STATES}
        say(f"{client.base}: {len(shown)} of {len(rows)} rows shown; "
            + ", ".join(f"{n} {s}" for s, n in counts.items() if n) + ".")
    return 0
