"""SLI health alerts: an SLO whose SLI reads nothing is green forever, so say so (never a page).

Errors are recorded as 0 while no error series exists (a service without errors is not "no data"),
so a misspelled metric, a threshold that is not a bucket bound, or a typo in an error matcher leaves
every burn rate at 0. Per SLO, last in its roll-ups group (every 5m; in its period group, every 2m30s,
where it has none: prometheus_rules.groups_for):

- `<Service><Slo>SLINoData` (warning, routed as a ticket): the SLI's total selects no series while the
  service is up (its scrape `up{job=...} == 1` when a total selector names the job; the service's
  span metrics for a spans SLI; else any scrape of the server or environment, `up == 1`);
- `<Service><Slo>SLIThresholdNotABucket` (warning): the histogram's count series exist but the
  bucket at the threshold does not;
- `<Service><Slo>SLINoErrorSeries` (info: reaches no one, shown in the preview, dashboards and
  `obsgen status`): an `events` or `raw` SLI's error selector has matched no series for a day while its total
  did. It may be a service without a single error, or a typo: it cannot tell, so it only informs.

Each reads the last sample of the selected series only (`group`), as cheap as a rule gets: no range
is scanned. In shared mode each compares environment by environment.
"""

from __future__ import annotations

from obsgen import durations, gotemplate, names, promql
from obsgen.plan.model import SLOPlan
from obsgen.plan.reads import BUCKET, ERROR, LE, TOTAL, Selector, selectors
from obsgen.plan.routing import INFO, WARNING

# Long enough that a scrape hiccup or a rollout does not notify; short next to an SLO's period.
ABSENT_FOR = 10 * 60
# A day without one error series is rare for a service with traffic; shorter would inform about
# every quiet service that restarted (error series appear only once an error is counted).
NO_ERRORS_FOR = 24 * 3600
PROBLEMS = {  # alert name suffix -> (severity, summary)
    "SLINoData": (WARNING, "the SLI reads no data"),
    "SLIThresholdNotABucket": (WARNING, "the latency threshold is not a bucket bound"),
    "SLINoErrorSeries": (INFO, "the error selector has matched nothing for a day"),
}


def alert_names(slo: SLOPlan) -> set[str]:
    return {names.camel(slo.service, slo.name) + suffix for suffix in PROBLEMS}


def _label(slo: SLOPlan) -> str | None:
    return slo.environment.label if slo.environment is not None else None


def _group(slo: SLOPlan, text: str) -> str:
    label = _label(slo)
    return f"group by ({label}) ({text})" if label else f"group ({text})"


def _on(slo: SLOPlan) -> str:
    return f"on ({_label(slo) or ''})"


def _all(slo: SLOPlan, sels: list[Selector]) -> str:
    return "(" + f" and {_on(slo)} ".join(_group(slo, s.text) for s in sels) + ")"


def _any(slo: SLOPlan, sels: list[Selector]) -> str:
    return "(" + " or ".join(_group(slo, s.text) for s in sels) + ")"


def _env(slo: SLOPlan) -> list[tuple[str, str, str]]:
    return [slo.environment.matcher()] if slo.environment is not None else []


def anchor(slo: SLOPlan, totals: list[Selector]) -> tuple[str, dict[str, str]]:
    """(metric, labels) of the series that says the service is up: its scrape when a total selector
    names the job, its span metrics for a spans SLI, else any scrape of the server (of the
    environment, in shared mode): with nothing scraped, absent totals are no news."""
    if slo.sli.kind == "spans":
        service = next(v for s in totals for n, _, v in s.matchers if n == names.SPAN_SERVICE)
        return names.SPAN_CALLS, {names.SPAN_SERVICE: service}
    job = next((v for s in totals for n, op, v in s.matchers if n == "job" and op == "="), None)
    return (names.SCRAPE_UP, {"job": job} if job is not None else {})  # no job named: the server scrapes anything


def _anchor(slo: SLOPlan, totals: list[Selector]) -> tuple[str, str]:
    """(the anchor's expression, how the description names it)."""
    metric, labels = anchor(slo, totals)
    sel = promql.selector(metric, [*((k, "=", v) for k, v in labels.items()), *_env(slo)])
    if metric != names.SCRAPE_UP:
        return sel, f"the service's span metrics ({sel})"
    return f"{sel} == 1", f"its scrape ({sel})" if labels else f"the server scrapes targets ({sel})"


def expressions(slo: SLOPlan) -> dict[str, tuple[str, str]]:
    """alert name suffix -> (expression, what it means) for the problems this SLI can have."""
    reads = selectors(slo)
    totals = [s for s in reads if s.role == TOTAL]
    found = {}
    up, named = _anchor(slo, totals)
    present = _all(slo, totals)
    what = ", ".join(s.text for s in totals)
    found["SLINoData"] = (f"{_group(slo, up)} unless {_on(slo)} {present}",
                          f"the SLI's total ({what}) selects no series while {named} is up")
    for bucket in (s for s in reads if s.role == BUCKET):
        count = promql.selector(bucket.metric.removesuffix("_bucket") + "_count",
                                [m for m in bucket.matchers if m[0] != LE])
        found["SLIThresholdNotABucket"] = (
            f"{_group(slo, count)} unless {_on(slo)} {_group(slo, bucket.text)}",
            f"{count} exists but the bucket at the threshold (le=\"{bucket.threshold}\") does not: the threshold "
            "must be one of the histogram's bucket bounds")
    errors = [s for s in reads if s.role == ERROR]
    if slo.sli.kind in ("events", "raw") and errors:
        found["SLINoErrorSeries"] = (
            f"{present} unless {_on(slo)} {_any(slo, errors)}",
            f"the error selector ({', '.join(s.text for s in errors)}) has matched no series for "
            f"{durations.format_seconds(NO_ERRORS_FOR)} while the total did: no errors at all, or a typo in "
            "an error matcher")
    return found


def rules(slo: SLOPlan) -> list[dict]:
    """The SLO's health alerts (prometheus_rules.groups_for places them)."""
    out = []
    for suffix, (expr, meaning) in expressions(slo).items():
        severity, summary = PROBLEMS[suffix]
        wait = NO_ERRORS_FOR if suffix == "SLINoErrorSeries" else ABSENT_FOR
        labels = {**{k: gotemplate.literal(v) for k, v in slo.labels if k not in names.SLO_LABELS},
                  names.SERVICE: slo.service, names.SLO: slo.name, names.TEAM: slo.team,
                  names.TIER: str(slo.tier), names.SEVERITY: severity}
        annotations = {
            "summary": f"{slo.service} {slo.name}: {summary}",
            "description": gotemplate.literal(
                f"{meaning[0].upper()}{meaning[1:]}. While this lasts, the SLO records no errors and cannot burn "
                "its budget. `obsgen lint --url <prometheus>` says which selector, label or value is wrong."),
            **({"runbook_url": gotemplate.literal(slo.runbook_url)} if slo.runbook_url else {}),
            **({"dashboard_url": slo.alert_dashboard_url} if slo.alert_dashboard_url else {}),
        }
        out.append({"alert": names.camel(slo.service, slo.name) + suffix, "expr": promql.check(expr),
                    "for": durations.format_seconds(wait), "labels": dict(sorted(labels.items())),
                    "annotations": annotations})
    return out
