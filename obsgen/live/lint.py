"""`obsgen lint --url`: every SLI checked against a live server, so an SLO that can never go red is
found before it is trusted.

A wrong selector does not fail anything by itself: errors are recorded as 0 while no error series
exists (so that a service without errors is not "no data"), so a misspelled metric, label or value
in an error query, or a latency threshold that is not a bucket bound, leaves the SLO green forever.

One batched query counts the series every selector of every SLI read in the look-back (per
environment in shared mode): that is existence and cardinality at once. Only a selector that selects
nothing costs more requests, to say why: the metric is missing (did you mean...), a label is not on
its series, no series has the value, or the histogram has no bucket at the threshold (listing the
buckets it has). An error selector that selects nothing while the total has traffic is an error when
the cause is certain (a name or value close to an existing one, a label the metric never has), else
a warning: there may simply have been no errors in the look-back.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass

from obsgen import durations
from obsgen.errors import Location
from obsgen.live.client import Client
from obsgen.live.selectors import Target
from obsgen.plan.reads import BUCKET, ERROR, LE, TOTAL, Selector

DEFAULT_LOOKBACK = 3600
DEFAULT_MAX_SERIES = 10_000
BATCH = 40  # selectors per counting query: short enough for any server's query length limit
SHOWN = 12  # values listed in a message at most
CLOSE = 0.75  # difflib ratio for a did-you-mean that makes a finding certain
PROBE = "obsgen_lint"  # the label that tells the batched query's parts apart


@dataclass(frozen=True, order=True)
class Finding:
    file: str
    line: int
    slo: str
    severity: str  # error | warning
    check: str  # missing-metric, missing-label, no-matching-value, no-bucket, no-error-series, ...
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {Location(self.file, self.line)}: {self.slo}: {self.message}"

    def as_json(self) -> dict:
        return asdict(self)


# --- counting every selector at once ---------------------------------------------------------------


def count_expr(parts: list[tuple[int, str]], lookback: str, env: str | None) -> str:
    by = f" by ({env})" if env else ""
    return " or ".join(f'label_replace(count{by} (last_over_time({text}[{lookback}])), "{PROBE}", "{i}", "", "")'
                       for i, text in parts)


def count_series(client: Client, texts: list[str], lookback: int, env: str | None) -> dict[str, dict[str, int]]:
    """selector text -> {environment (or ""): series with a sample in the look-back}; {} for none."""
    window = durations.format_seconds(lookback)
    counts: dict[str, dict[str, int]] = {t: {} for t in texts}
    for first in range(0, len(texts), BATCH):
        batch = list(enumerate(texts[first:first + BATCH], start=first))
        for sample in client.query(count_expr(batch, window, env)):
            text = texts[int(sample["metric"][PROBE])]
            counts[text][sample["metric"].get(env, "") if env else ""] = int(float(sample["value"][1]))
    return counts


# --- why a selector selects nothing -----------------------------------------------------------------


class Server:
    """Look-ups on the look-back range, each asked once."""

    def __init__(self, client: Client, start: float, end: float):
        self.client, self.start, self.end = client, start, end
        self._cache: dict = {}

    def _once(self, key, call):
        if key not in self._cache:
            self._cache[key] = call()
        return self._cache[key]

    def metrics(self) -> list[str]:
        return self._once("names", lambda: self.client.label_values("__name__", None, self.start, self.end))

    def labels(self, match: str) -> list[str]:
        return self._once(("labels", match), lambda: self.client.label_names(match, self.start, self.end))

    def values(self, label: str, match: str) -> list[str]:
        return self._once((label, match), lambda: self.client.label_values(label, match, self.start, self.end))


def _close(word: str, candidates: list[str]) -> str | None:
    found = difflib.get_close_matches(word, candidates, n=1, cutoff=CLOSE)
    return found[0] if found else None


def _listed(values: list[str]) -> str:
    shown = ", ".join(values[:SHOWN]) + (f", ... ({len(values)} in all)" if len(values) > SHOWN else "")
    return shown or "none"


def _matches(op: str, pattern: str, value: str) -> bool | None:
    """Prometheus' matcher on one value (regexes fully anchored); None when Python cannot read the RE2."""
    if op == "=":
        return value == pattern
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return None


def diagnose(sel: Selector, server: Server) -> tuple[str, str, bool]:
    """(check, message, certain) for a selector that selects no series."""
    if sel.metric not in server.metrics():
        close = _close(sel.metric, server.metrics())
        hint = f" (did you mean {close!r}?)" if close else ""
        return "missing-metric", f"no series named {sel.metric} in the look-back{hint}", close is not None
    labels = server.labels(sel.metric)
    for name, op, value in sel.matchers:
        if op not in ("=", "=~") or name == LE:
            continue
        if name not in labels:
            close = _close(name, labels)
            hint = f" (did you mean {close!r}?)" if close else ""
            return ("missing-label", f"label {name!r} is on no series of {sel.metric}{hint}; its labels: "
                    f"{_listed([x for x in labels if x != '__name__'])}", close is not None)
        values = server.values(name, sel.metric)
        if not any(_matches(op, value, v) is not False for v in values):
            close = _close(value, values) if op == "=" else None
            hint = f" (did you mean {close!r}?)" if close else ""
            return ("no-matching-value", f"no series of {sel.metric} has {name}{op}{value!r}{hint}; "
                    f"values of {name}: {_listed(values)}", close is not None)
    return "no-series", f"{sel.text} selects no series: each matcher alone matches some, not all together", False


def bucket_problem(sel: Selector, server: Server) -> tuple[str, str]:
    bounds = server.values(LE, sel.without_le())
    if not bounds:
        return "no-bucket", (f"no {sel.metric} series for {sel.without_le()}: the histogram has no classic buckets "
                             "(a native histogram has no _bucket series)")
    ordered = sorted(bounds, key=lambda b: float(b))
    return "no-bucket", (f"no bucket at le=\"{sel.threshold}\" in {sel.without_le()}, so every request counts as "
                         f"fast or none does: the threshold must be a bucket bound; buckets: {_listed(ordered)}")


# --- one SLI ------------------------------------------------------------------------------------------


def check_target(target: Target, counts: dict[str, dict[str, int]], server: Server, envs: tuple[str, ...],
                 max_series: int) -> list[Finding]:
    def finding(severity: str, check: str, message: str) -> Finding:
        return Finding(target.where.file, target.where.line, target.slo.id, severity, check, message)

    found = []
    totals = [s for s in target.selectors if s.role == TOTAL]
    traffic = any(counts[s.text] for s in totals)
    for sel in target.selectors:
        have = counts[sel.text]
        if sel.role == TOTAL and not have:
            check, message, _ = diagnose(sel, server)
            found.append(finding("error", check, f"{sel.text} selects no series: {message}"))
        elif sel.role == TOTAL and envs and set(envs) - set(have):
            missing = sorted(set(envs) - set(have))
            found.append(finding("error", "missing-environment", f"{sel.text} selects no series in environment(s) "
                                 f"{', '.join(missing)} (it does in {', '.join(sorted(have)) or 'none'})"))
        elif sel.role == BUCKET and not have and traffic:
            found.append(finding("error", *bucket_problem(sel, server)))
        elif sel.role == ERROR and not have and traffic:
            found.append(_error_selector(sel, server, finding))
    read = sum(n for s in target.selectors for n in counts[s.text].values())
    if read > max_series:
        found.append(finding("warning", "cardinality", f"the SLI's queries read {read} series (over --max-series "
                             f"{max_series}): each evaluation of its 5m rates reads them all"))
    return found


def _error_selector(sel: Selector, server: Server, finding) -> Finding:
    check, message, certain = diagnose(sel, server)
    if certain:
        return finding("error", check, f"error selector {sel.text} selects no series while the total does: {message}")
    return finding("warning", "no-error-series", f"error selector {sel.text} selects no series while the total does: "
                   f"no errors in the look-back, or a typo obsgen cannot tell ({message})")


@dataclass
class Report:
    findings: list[Finding]
    slos: int
    selectors: int
    series: dict[str, int]  # SLO id -> series its SLI reads
    requests: int

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)


def lint(targets: list[Target], client: Client, now: float, lookback: int = DEFAULT_LOOKBACK,
         env_label: str | None = None, max_series: int = DEFAULT_MAX_SERIES) -> Report:
    """Every target's findings. env_label: shared mode, counted and checked per environment."""
    texts = sorted({s.text for t in targets for s in t.selectors})
    counts = count_series(client, texts, lookback, env_label)
    server = Server(client, now - lookback, now)
    findings = []
    for target in targets:
        envs = target.slo.environment.environments if env_label and target.slo.environment else ()
        findings += check_target(target, counts, server, envs, max_series)
    series = {t.slo.id: sum(n for s in t.selectors for n in counts[s.text].values()) for t in targets}
    return Report(sorted(findings), len(targets), len(texts), series, client.requests_made)
