"""Pyrra `pyrra.dev/v1alpha1` ServiceLevelObjective objects (kubernetes/api/v1alpha1, slo/rules.go).

What maps to what:
- metadata.name -> the service and SLO name (Pyrra's `slo` label); `pyrra.dev/`-prefixed labels ->
  service labels with the prefix stripped, `pyrra.dev/team` -> the owner team;
- target (a string percentage) -> objective; window -> period (whole days);
- ratio -> events (`sum(rate(errors[w]))` / `sum(rate(total[w]))`, as Pyrra writes them);
  latency -> a latency SLI when both selectors are plain equality matchers on H_bucket{le} and
  H_count, else events (`total - success`); latencyNative -> events over the native histogram
  (`histogram_count` x `1 - histogram_fraction(0, latency, ...)`); bool_gauge -> events counting
  samples that are 0 (`count_over_time - sum_over_time`), as Pyrra does;
- alerting: Pyrra's four windows and factors (14, 7, 2, 1, windows scaled from 28d as Pyrra scales
  them) and `for` per window; disabled / burnrates: false -> no alerts; name kept.
Refused: grouping (obsgen records one series per SLO), custom severities. Pyrra's absent alert is
not generated (obsgen records errors as 0, not absent): a warning says so.
"""

from __future__ import annotations

import math
import re

from obsgen import burnrate, durations, names, promql
from obsgen.spec.importers.common import API, Builder, Context, Result, check_keys, each_document, get, string_map
from obsgen.spec.yamlsrc import Document

API_VERSION = "pyrra.dev/v1alpha1"
KIND = "ServiceLevelObjective"
PREFIX = "pyrra.dev/"
WINDOW = "{{window}}"
NS = 1_000_000_000
MINUTE_NS = 60 * NS

# slo/rules.go Windows(): (severity, divisors of the SLO window for `for`, long, short; factor).
# For 28d: 1h/5m x14 for 2m, 6h/30m x7 for 15m, 1d/2h x2 for 1h, 4d/6h x1 for 3h.
_WINDOWS = (
    ("page", 28 * 24 * 30, 28 * 24, 28 * 24 * 12, 14),
    ("page", 28 * 24 * 4, 28 * 4, 28 * 24 * 2, 7),
    ("ticket", 28 * 24, 28, 28 * 12, 2),
    ("ticket", 28 * 8, 7, 28 * 4, 1),
)


def recognizes(data: dict) -> bool:
    return data.get("apiVersion") == API_VERSION and data.get("kind") == KIND


def refusal(data: dict) -> tuple[tuple, str] | None:
    """A Pyrra document obsgen does not read: where, and why."""
    if str(data.get("apiVersion")).startswith("pyrra.dev/"):
        return ("kind",), f"the Pyrra object obsgen reads is {API_VERSION} {KIND}, got {data.get('kind')!r}"
    return None


def _round_minute(ns: int) -> int:
    """Go's Duration.Round(time.Minute): halves away from zero."""
    return (ns + MINUTE_NS // 2) // MINUTE_NS * MINUTE_NS


def windows(period_seconds: int) -> list[dict]:
    """Pyrra's alert windows for an SLO window, in obsgen's per-SLO `alerting.windows` shape."""
    period_ns = period_seconds * NS
    out = []
    for severity, for_div, long_div, short_div, factor in _WINDOWS:
        fmt = [durations.format_seconds(_round_minute(period_ns // d) // NS) for d in (long_div, short_div, for_div)]
        out.append({"severity": severity, "long": fmt[0], "short": fmt[1], "factor": factor, "for": fmt[2]})
    return out


def _service(doc: Document, ctx: Context, result: Result) -> None:
    b = Builder(doc, "pyrra", result)
    data = check_keys(b, (), doc.data, ("apiVersion", "kind", "metadata", "spec", "status"), "a Pyrra SLO")
    meta_in = check_keys(b, ("metadata",), data.get("metadata"),
                         ("name", "namespace", "labels", "annotations", "uid", "resourceVersion", "generation",
                          "creationTimestamp", "managedFields"), "Kubernetes metadata")
    name = meta_in.get("name")
    labels = string_map(b, ("metadata", "labels"), meta_in.get("labels"))
    meta: dict = {"name": name}
    b.link(("metadata", "name"), ("metadata", "name"))
    if f"{PREFIX}team" in labels:
        meta["team"] = labels[f"{PREFIX}team"]
        b.link(("metadata", "team"), ("metadata", "labels", f"{PREFIX}team"))
    else:
        meta["team"] = b.owner(("metadata", "labels") if "labels" in meta_in else ("metadata", "name"), ctx)
    own = {k.removeprefix(PREFIX): v for k, v in labels.items() if k.startswith(PREFIX) and k != f"{PREFIX}team"}
    if own:
        meta["labels"] = own
        for key in own:
            b.link(("metadata", "labels", key), ("metadata", "labels", PREFIX + key))
    spec = check_keys(b, ("spec",), data.get("spec"),
                      ("description", "target", "window", "indicator", "alerting", "partial_response_strategy",
                       "performanceOverAccuracy", "ruleOutput"), "a Pyrra SLO spec")
    for key in ("performanceOverAccuracy", "ruleOutput", "partial_response_strategy"):
        if spec.get(key):
            b.warn(("spec", key), "has no effect in obsgen (its windows are always derived from recorded 5m "
                                  "rates, and it writes plain Prometheus rule files)")
    out = ("spec", "slos", 0)
    slo: dict = {"name": name}
    b.link(out, ("spec",))
    b.link((*out, "name"), ("metadata", "name"))
    slo["objective"] = _target(b, spec.get("target"))
    b.link((*out, "objective"), ("spec", "target"))
    window = spec.get("window")
    slo["period"] = window
    b.link((*out, "period"), ("spec", "window"))
    if spec.get("description"):
        slo["description"] = spec["description"]
    b.link((*out, "sli"), ("spec", "indicator"))
    slo["sli"] = _indicator(b, spec.get("indicator"))
    slo["alerting"] = _alerting(b, spec.get("alerting"), window, slo["objective"])
    _annotations(b, slo, string_map(b, ("metadata", "annotations"), meta_in.get("annotations")))
    b.link((*out, "alerting"), ("spec", "alerting"))
    b.document({"apiVersion": API, "kind": "Service", "metadata": meta, "spec": {"slos": [slo]}})


def _annotations(b: Builder, slo: dict, annotations: dict[str, str]) -> None:
    """`pyrra.dev/`-prefixed annotations go onto the alerts, as Pyrra copies them; a runbook URL
    (runbook_url or runbook) is the SLO's runbook, which obsgen writes as runbook_url itself."""
    out = ("spec", "slos", 0)
    own = {k.removeprefix(PREFIX): v for k, v in annotations.items() if k.startswith(PREFIX)}
    for key in ("runbook_url", "runbook"):
        if own.get(key, "").startswith(("http://", "https://")):
            slo["runbook"] = own.pop(key)
            b.link((*out, "runbook"), ("metadata", "annotations", PREFIX + key))
            break
    if own:
        slo["alerting"]["annotations"] = own
        for key in own:
            b.link((*out, "alerting", "annotations", key), ("metadata", "annotations", PREFIX + key))


def _target(b: Builder, value):
    try:
        number = float(value)
        return int(number) if number.is_integer() else number
    except (TypeError, ValueError):
        b.error(("spec", "target"), f"must be a percentage written as a string such as \"99.5\", got {value!r}")
        return None


def _alerting(b: Builder, raw, window, objective) -> dict:
    raw = check_keys(b, ("spec", "alerting"), raw, ("disabled", "burnrates", "absent", "name", "absentName",
                                                    "severities"), "Pyrra alerting")
    if raw.get("severities"):
        b.error(("spec", "alerting", "severities"), "custom severities are not supported: obsgen labels pages "
                f"severity=critical and tickets severity=warning (and {names.SLOTH_SEVERITY}=page|ticket)")
    alerting: dict = {}
    if raw.get("name"):
        alerting["name"] = raw["name"]
    if raw.get("disabled") is True or raw.get("burnrates") is False:
        return {**alerting, "page": False, "ticket": False}
    if raw.get("absent") is not False:
        b.warn(("spec", "alerting") if raw else ("spec",),
               "Pyrra's absent alert (SLOMetricAbsent) is not generated: obsgen records errors as 0, never "
               "absent; set alerting.absent: false to silence this")
    try:
        period = int(durations.seconds(window))
    except (ValueError, TypeError):
        return alerting  # the period's own error says what is wrong
    alerting["windows"] = []
    for w in windows(period):
        if objective is not None and w["factor"] * burnrate.budget(objective) >= 1:
            b.warn(("spec", "target"), f"the {w['long']}/{w['short']} window's {w['factor']}x burn rate needs an "
                                       f"error ratio above 100% at target {objective:g}: it can never fire, so "
                                       "obsgen does not write it (Pyrra writes it anyway)")
            continue
        alerting["windows"].append(w)
    if not any(w["severity"] == "page" for w in alerting["windows"]):
        alerting["page"] = False
    if not any(w["severity"] == "ticket" for w in alerting["windows"]):
        alerting["ticket"] = False
    return alerting


def _selector(b: Builder, src: tuple, raw):
    """A Pyrra metric: a vector selector. Returns (metric, [(name, op, value)])."""
    text = get(raw, "metric")
    if not isinstance(text, str):
        b.error((*src, "metric"), "is required: a metric selector such as http_requests_total{job=\"api\"}")
        return None
    try:
        tree = promql.parse(text)
    except ValueError as exc:
        b.error((*src, "metric"), str(exc))
        return None
    if type(tree).__name__ != "VectorSelector":
        b.error((*src, "metric"), "must be a metric selector, as Pyrra requires")
        return None
    return promql.matchers_of(tree)


def _rate(metric: str, matchers) -> str:
    return f"sum(rate({promql.selector(metric, matchers)}[{WINDOW}]))"


def _indicator(b: Builder, raw) -> dict:
    src = ("spec", "indicator")
    raw = check_keys(b, src, raw, ("ratio", "latency", "latencyNative", "bool_gauge"), "a Pyrra indicator")
    kinds = [k for k in ("ratio", "latency", "latencyNative", "bool_gauge") if k in raw]
    if len(kinds) != 1:
        b.error(src, "needs exactly one of ratio, latency, latencyNative, bool_gauge")
        return {}
    kind = kinds[0]
    body = check_keys(b, (*src, kind), raw[kind], {
        "ratio": ("errors", "total", "grouping"), "latency": ("success", "total", "grouping"),
        "latencyNative": ("total", "latency", "grouping"), "bool_gauge": ("metric", "grouping")}[kind],
        f"a Pyrra {kind} indicator")
    if body.get("grouping"):
        b.error((*src, kind, "grouping"), "grouping is not supported: obsgen records one series per SLO; "
                                          "write one SLO per group (a selector each)")
        return {}
    if kind == "ratio":
        errors, total = _selector(b, (*src, kind, "errors"), body.get("errors")), \
            _selector(b, (*src, kind, "total"), body.get("total"))
        if not (errors and total):
            return {}
        return {"events": {"error_query": _rate(*errors), "total_query": _rate(*total)}}
    if kind == "latency":
        return _latency(b, (*src, kind), body)
    if kind == "latencyNative":
        total = _selector(b, (*src, kind, "total"), body.get("total"))
        try:
            bound = durations.seconds(str(body.get("latency")))
        except ValueError as exc:
            b.error((*src, kind, "latency"), str(exc))
            return {}
        if not total:
            return {}
        rate = f"sum(rate({promql.selector(*total)}[{WINDOW}]))"
        return {"events": {"error_query": f"histogram_count({rate}) * (1 - histogram_fraction(0, "
                                          f"{promql.number(bound)}, {rate}))",
                           "total_query": f"histogram_count({rate})"}}
    gauge = _selector(b, (*src, kind), body)
    if not gauge:
        return {}
    sel = promql.selector(*gauge)
    return {"events": {"error_query": f"sum(count_over_time({sel}[{WINDOW}])) - sum(sum_over_time({sel}[{WINDOW}]))",
                       "total_query": f"sum(count_over_time({sel}[{WINDOW}]))"}}


def _latency(b: Builder, src: tuple, body: dict) -> dict:
    success = _selector(b, (*src, "success"), body.get("success"))
    total = _selector(b, (*src, "total"), body.get("total"))
    if not (success and total):
        return {}
    (s_metric, s_matchers), (t_metric, t_matchers) = success, total
    le = [v for n, op, v in s_matchers if n == "le" and op == "="]
    if not s_metric.endswith("_bucket") or not le:
        b.error((*src, "success", "metric"), "must be a histogram bucket with an le matcher, e.g. "
                                              "http_request_duration_seconds_bucket{le=\"0.3\"}")
        return {}
    problem = _bucket_problem(le[0])
    if problem:
        b.error((*src, "success", "metric"), f'le="{le[0]}" {problem}')
        return {}
    histogram = s_metric.removesuffix("_bucket")
    rest = [m for m in s_matchers if m[0] != "le"]
    plain = all(op == "=" for _, op, _ in rest)
    threshold = _threshold(le[0])
    if (plain and threshold and t_metric == f"{histogram}_count" and sorted(rest) == sorted(t_matchers)):
        return {"latency": {"histogram": histogram, "selector": {n: v for n, _, v in rest},
                            "threshold": threshold}}
    return {"events": {"error_query": f"{_rate(t_metric, t_matchers)} - {_rate(s_metric, s_matchers)}",
                       "total_query": _rate(t_metric, t_matchers)}}


_BUCKET_EXAMPLE = 'e.g. le="0.3" for 300ms'


def _bucket_problem(le: str) -> str:
    """Why a success bucket bound cannot be a latency objective, or "" when it can. Pyrra takes
    any text; the bounds below make an SLO that can never burn or never be met."""
    try:
        bound = float(le)
    except ValueError:
        bound = math.nan
    if math.isnan(bound):
        return f"is not a bucket bound: write the latency objective in seconds, {_BUCKET_EXAMPLE}"
    if bound == math.inf:  # +Inf (or a number too large for a float): every request is in it
        return ("counts every request as fast enough, so the SLO could never burn: select the bucket of "
                f"the latency objective, {_BUCKET_EXAMPLE}")
    if bound <= 0:
        return ("counts no request as fast enough (a latency is never below 0): write the latency "
                f"objective in seconds, {_BUCKET_EXAMPLE}")
    return ""


def _threshold(le: str) -> str | None:
    """The latency SLI threshold (whole milliseconds) whose bucket selector matches exactly the
    bound written in the Pyrra file, or None (then Pyrra's own selector is kept, in an events SLI):
    a latency SLI selects the bound as Prometheus writes it, and `le` is matched as text."""
    milliseconds = float(le) * 1000
    if milliseconds != int(milliseconds):
        return None
    threshold = f"{int(milliseconds)}ms"
    try:
        _, op, value = promql.le_matcher(durations.seconds(threshold))
    except ValueError:  # longer than any duration obsgen reads (1e300)
        return None
    return threshold if (re.fullmatch(value, le) if op == "=~" else value == le) else None


translate = each_document(_service)
