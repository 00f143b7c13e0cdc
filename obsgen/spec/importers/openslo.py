"""OpenSLO `openslo/v1` Service, SLO, SLI, DataSource, AlertPolicy and AlertCondition documents,
and `openslo/v1alpha` SLOs as Sloth reads them. References (indicatorRef, alertPolicyRef,
conditionRef, metricSourceRef) resolve across every OpenSLO document of the spec directory.

What maps to what (v1):
- a file may hold a top-level YAML list of objects (as the go-sdk and oslo read them); every object
  is checked (unknown fields, names), whether an SLO refers to it or not;
- SLOs are grouped into one obsgen Service per `spec.service`; the owner team is the `team` or
  `owner` label of the Service document, else of the SLO (the first of a list of values, with a
  warning), else the Platform's default_team, else `unowned` (alerts reach the root receiver);
- sloth_slo_info says sloth_spec openslo/v1 (or openslo/v1alpha) and sloth_mode cli-gen-openslo;
- each objective is one SLO (named after the SLO, `<slo>-<n>` when it has several);
  target/targetPercent -> objective; a rolling timeWindow in whole days -> period;
- ratioMetric good/bad + total -> events (errors = total - good, or bad); `counter: true` turns a
  metric selector (optionally in sum()) into `sum(rate(selector[w]))`, `counter: false` into
  `sum(avg_over_time(selector[w]))`; a query that already holds `{{window}}` / `{{.window}}` is kept;
  raw + rawType -> raw; thresholdMetric on a classic histogram with op lt/lte -> latency;
- AlertConditions of kind burnrate (op gt/gte) -> one alert window each: severity page/critical ->
  page, ticket/warning -> ticket, threshold -> factor, lookbackWindow -> long window, short window =
  long / 12 (the SRE workbook's ratio), alertAfter -> for. Without alert policies obsgen's catalog.
- a calendar window (isRolling: false; 1M, 1Q, 1Y or 1w-4w from calendar.startTime in its
  timeZone) -> calendar, and the nominal rolling period (30d a month, 7d a week) for the alerts;
  budgetingMethod Timeslices -> budgeting timeslices (timeSliceTarget, timeSliceWindow), RatioTimeslices ->
  budgeting ratio_timeslices (timeSliceWindow): docs/calendar.md.
Refused: non-Prometheus data sources, composite SLOs, anything else that
has no obsgen meaning.

v1alpha, as Sloth reads it: objectives named `<slo>-<index>`, ratioMetrics good/total with
`{{.window}}` queries (errors = total - good, the same ratio as Sloth's `1 - good/total`),
timeWindows in days, and no alerts (Sloth generates none for OpenSLO); Service documents are
checked and otherwise unused.
"""

from __future__ import annotations

import math
import re

from pydantic import ValidationError

from obsgen import burnrate, calendar, durations, promql
from obsgen.spec.importers.common import API, Builder, Context, Result, Source, check_keys, get
from obsgen.spec.models import CalendarSpec
from obsgen.spec.yamlsrc import Document

V1 = "openslo/v1"
V1ALPHA = "openslo/v1alpha"
KINDS_V1 = ("Service", "SLO", "SLI", "DataSource", "AlertPolicy", "AlertCondition", "AlertNotificationTarget")
WINDOW = "{{window}}"
_SHORTHAND = re.compile(r"^(\d+)([mhdwMQY])$")
PAGE = ("page", "critical")
TICKET = ("ticket", "warning")
MODE = "cli-gen-openslo"  # Sloth's mode for OpenSLO input (pkg/lib/gen.go)
NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")  # the go-sdk's metadata.name: a DNS label
# The fields of each kind's spec, but the SLO's (translated field by field): the go-sdk's JSON names.
SPEC_KEYS = {(V1, "Service"): ("description",), (V1, "DataSource"): ("description", "type", "connectionDetails"),
             (V1, "AlertNotificationTarget"): ("description", "target"),
             (V1, "AlertPolicy"): ("description", "alertWhenNoData", "alertWhenResolved", "alertWhenBreaching",
                                   "conditions", "notificationTargets"),
             (V1, "AlertCondition"): ("description", "severity", "condition"),
             (V1, "SLI"): ("description", "thresholdMetric", "ratioMetric"), (V1ALPHA, "Service"): ("description",)}
METADATA_KEYS = {V1: ("name", "displayName", "labels", "annotations"), V1ALPHA: ("name", "displayName")}


def recognizes(data: dict) -> bool:
    return data.get("apiVersion") in (V1, V1ALPHA)


def is_openslo(data: dict) -> bool:
    return str(data.get("apiVersion")).startswith(("openslo/", "openslo.com/"))


def refusal(data: dict) -> tuple[tuple, str] | None:
    """An OpenSLO document obsgen does not read: where, and why."""
    if is_openslo(data) and not recognizes(data):
        return ("apiVersion",), f"OpenSLO {data.get('apiVersion')} is not read: obsgen reads {V1} and {V1ALPHA}"
    return None


def _check(doc: Document, result: Result) -> None:
    """Every OpenSLO object's own fields and name, whether an SLO refers to it or not (the parts an SLO
    uses are checked again where they are translated: the same errors, reported once)."""
    b = Builder(doc, "openslo", result)
    api, kind = doc.data.get("apiVersion"), doc.data.get("kind")
    check_keys(b, (), doc.data, ("apiVersion", "kind", "metadata", "spec"), f"an OpenSLO {kind}")
    meta = check_keys(b, ("metadata",), doc.data.get("metadata"), METADATA_KEYS[api], "OpenSLO metadata")
    name = meta.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        b.error(("metadata", "name") if "name" in meta else ("metadata",),
                f"must be a DNS label (lowercase letters, digits and '-', at most 63), as OpenSLO requires; "
                f"got {name!r}")
    if (api, kind) in SPEC_KEYS:
        check_keys(b, ("spec",), doc.data.get("spec"), SPEC_KEYS[api, kind], f"an OpenSLO {kind}")


class Index:
    """Every v1 document by kind and name, for references."""

    def __init__(self, docs: list[Document], result: Result):
        self.by_kind: dict[str, dict[str, Document]] = {}
        for doc in docs:
            name, kind = get(doc.data, "metadata", "name"), str(doc.data.get("kind"))
            first = self.by_kind.setdefault(kind, {}).setdefault(str(name), doc)
            if first is not doc:
                Builder(doc, "openslo", result).error(("metadata", "name"), f"duplicate {kind} {name!r}; first "
                                                                            f"defined at {first.file}:{first.line}")

    def find(self, kind: str, name) -> Document | None:
        return self.by_kind.get(kind, {}).get(str(name))


def translate(docs: list[Document], ctx: Context) -> Result:
    result = Result()
    index = Index([d for d in docs if d.data.get("apiVersion") == V1], result)
    services: dict[str, tuple[Builder, dict, list]] = {}
    for doc in docs:
        kind = doc.data.get("kind")
        if doc.data.get("apiVersion") == V1ALPHA and kind not in ("SLO", "Service"):
            Builder(doc, "openslo", result).error(("kind",), f"openslo/v1alpha is read as Sloth reads it: SLO "
                                                            f"documents (and Service documents), got {kind!r}")
            continue
        if kind not in KINDS_V1:
            Builder(doc, "openslo", result).error(("kind",), f"must be one of {', '.join(KINDS_V1)}, got {kind!r}")
            continue
        _check(doc, result)
        if kind != "SLO":
            continue
        name = get(doc.data, "spec", "service")
        if not isinstance(name, str):
            Builder(doc, "openslo", result).error(("spec", "service"), "is required: the service the SLO belongs to")
            continue
        if name not in services:
            b = Builder(doc, "openslo", result)
            b.link(("metadata", "name"), ("spec", "service"))
            b.info = Source(doc.data["apiVersion"], MODE)
            services[name] = (b, {"name": name}, [])
        b, meta, slos = services[name]
        if doc.data.get("apiVersion") == V1ALPHA:
            slos += _slos_v1alpha(b, doc, len(slos))
        else:
            slos += _slos_v1(b, doc, index, len(slos))
    for name, (b, meta, slos) in services.items():
        _owner(b, meta, index.find("Service", name), ctx, [s for s in slos if s])
        b.document({"apiVersion": API, "kind": "Service", "metadata": meta, "spec": {"slos": slos}})
    return result


def _label(b: Builder, doc: Document | None, *keys: str):
    labels = get(doc.data, "metadata", "labels") if doc else None
    for key in keys:
        value = get(labels, key)
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):  # v1: a list of values
            if len(value) > 1:
                b.warn(("metadata", "labels", key), f"obsgen routes a service to one team: {value[0]!r}, the first "
                                                    f"of {', '.join(map(repr, value))}", doc)
            value = value[0]
        if isinstance(value, str):
            return key, value
    return None


def _owner(b: Builder, meta: dict, service: Document | None, ctx: Context, slos: list) -> None:
    found = _label(b, service, "team", "owner")
    if found:
        meta["team"] = found[1]
        b.link(("metadata", "team"), ("metadata", "labels", found[0]), service)
        return
    found = _label(b, b.source, "team", "owner")
    if found:
        meta["team"] = found[1]
        b.link(("metadata", "team"), ("metadata", "labels", found[0]))
    else:
        meta["team"] = b.owner(("spec", "service"), ctx)


# --- v1 ------------------------------------------------------------------------------------


def _slos_v1(b: Builder, doc: Document, index: Index, first: int) -> list[dict]:
    spec = check_keys(b, ("spec",), get(doc.data, "spec"),
                      ("description", "service", "indicator", "indicatorRef", "timeWindow", "budgetingMethod",
                       "objectives", "alertPolicies"), "an OpenSLO SLO", doc)
    period, cal = _time_window(b, doc, spec.get("timeWindow"))
    method = spec.get("budgetingMethod")
    if method not in METHODS:
        b.error(("spec", "budgetingMethod"), f"must be one of {', '.join(METHODS)} (OpenSLO v1), got {method!r}", doc)
    sli = _indicator(b, doc, ("spec",), spec, index)
    windows = _alert_policies(b, doc, spec.get("alertPolicies"), index)
    objectives = spec.get("objectives")
    if not isinstance(objectives, list) or not objectives:
        b.error(("spec", "objectives"), "at least one objective is required", doc)
        return []
    name = get(doc.data, "metadata", "name")
    slos = []
    for i, objective in enumerate(objectives):
        src = ("spec", "objectives", i)
        obj = check_keys(b, src, objective, ("displayName", "op", "value", "target", "targetPercent",
                                             "timeSliceTarget", "timeSliceWindow", "indicator", "indicatorRef",
                                             "compositeWeight"), "an OpenSLO objective", doc)
        if "indicator" in obj or "indicatorRef" in obj:
            b.error(src, "composite SLOs (an indicator per objective) are not supported: write one SLO each", doc)
            continue
        out = ("spec", "slos", first + len(slos))
        slo = {"name": name if len(objectives) == 1 else f"{name}-{i}",
               "objective": _objective(b, doc, src, obj), "period": period}
        if cal:
            slo["calendar"] = cal
            b.link((*out, "calendar"), ("spec", "timeWindow", 0, "calendar"), doc)
        budgeting = _budgeting(b, doc, src, obj, method)
        if budgeting:
            slo["budgeting"] = budgeting
            b.link((*out, "budgeting"), (*src, "timeSliceTarget"), doc)
        b.link(out, src, doc)
        b.link((*out, "name"), ("metadata", "name"), doc)
        b.link((*out, "objective"), (*src, "targetPercent" if "targetPercent" in obj else "target"), doc)
        b.link((*out, "period"), ("spec", "timeWindow"), doc)
        b.link((*out, "sli"), ("spec", "indicator") if "indicator" in spec else ("spec", "indicatorRef"), doc)
        if spec.get("description"):
            slo["description"] = spec["description"]
        for key in ("runbook_url", "runbook"):  # an SLO annotation holding the runbook's URL
            url = get(doc.data, "metadata", "annotations", key)
            if isinstance(url, str) and url.startswith(("http://", "https://")):
                slo["runbook"] = url
                b.link((*out, "runbook"), ("metadata", "annotations", key), doc)
                break
        slo["sli"] = _threshold(b, doc, src, obj, sli) if sli and "threshold" in sli else sli
        if slo["sli"] is None:
            b.settled(("spec", "indicator") if "indicator" in spec else ("spec", "indicatorRef"), doc)
        if windows is not None:
            slo["alerting"] = {"windows": windows} if windows else {"page": False, "ticket": False}
            b.link((*out, "alerting"), ("spec", "alertPolicies"), doc)
        slos.append(slo)
    return slos


METHODS = ("Occurrences", "Timeslices", "RatioTimeslices")


def _budgeting(b: Builder, doc: Document, src: tuple, obj: dict, method) -> dict | None:
    """Timeslices: a slice of timeSliceWindow is good when its good ratio meets timeSliceTarget.
    RatioTimeslices: the mean of the slices' good ratios (no target: OpenSLO requires one only for
    Timeslices, and one given is ignored with a warning)."""
    if method not in ("Timeslices", "RatioTimeslices"):
        if "timeSliceTarget" in obj or "timeSliceWindow" in obj:
            key = "timeSliceTarget" if "timeSliceTarget" in obj else "timeSliceWindow"
            b.error((*src, key), "time slices are read with budgetingMethod: Timeslices or RatioTimeslices only", doc)
        return None
    window = _slice_window(b, doc, src, obj)
    if method == "RatioTimeslices":
        if "timeSliceTarget" in obj:
            b.warn((*src, "timeSliceTarget"), "ignored: RatioTimeslices averages the slices' ratios, no slice is "
                                              "good or bad", doc)
        return {"method": "ratio_timeslices", "slice": window} if window else None
    target = obj.get("timeSliceTarget")
    if isinstance(target, bool) or not isinstance(target, int | float) or not 0 < target < 1:
        got = "none is set" if target is None else f"got {target!r}"
        b.error((*src, "timeSliceTarget"), f"Timeslices needs a timeSliceTarget between 0 and 1 such as 0.95, "
                                           f"{got}", doc)
        return None
    return {"method": "timeslices", "slice": window, "slice_target": target} if window else None


def _slice_window(b: Builder, doc: Document, src: tuple, obj: dict) -> str | None:
    window = str(obj.get("timeSliceWindow", "1m"))
    match = _SHORTHAND.match(window)
    seconds = int(match.group(1)) * {"m": 60, "h": 3600}.get(match.group(2), 0) if match else 0
    if not 60 <= seconds <= 3600:
        b.error((*src, "timeSliceWindow"), f"must be whole minutes from 1m to 1h (a slice is one evaluation of "
                                           f"its rule group), got {window!r}", doc)
        return None
    return window


def _objective(b: Builder, doc: Document, src: tuple, obj: dict):
    if "target" in obj:
        target = obj["target"]
        if isinstance(target, bool) or not isinstance(target, int | float) or not 0 < target < 1:
            b.error((*src, "target"), f"must be a ratio between 0 and 1 such as 0.995 (targetPercent takes a "
                                      f"percentage), got {target!r}", doc)
            return None
        return round(target * 100, 10)
    if "targetPercent" in obj:
        return obj["targetPercent"]
    b.error(src, "needs target or targetPercent", doc)
    return None


def _time_window(b: Builder, doc: Document, raw) -> tuple[str, dict | None]:
    """The rolling period, and the calendar of a calendar-aligned window (None if rolling)."""
    if raw is None:
        return "30d", None
    if not isinstance(raw, list) or len(raw) != 1:
        b.error(("spec", "timeWindow"), "must hold exactly one time window", doc)
        return "30d", None
    src = ("spec", "timeWindow", 0)
    window = check_keys(b, src, raw[0], ("duration", "isRolling", "calendar"), "an OpenSLO time window", doc)
    if "calendar" in window or window.get("isRolling") is False:
        return _calendar(b, doc, src, window)
    match = _SHORTHAND.match(str(window.get("duration")))
    if not match or match.group(2) in "mhMQY":
        b.error((*src, "duration"), f"must be a whole number of days or weeks (e.g. 28d, 4w), got "
                                    f"{window.get('duration')!r}", doc)
        return "30d", None
    return window["duration"], None


CALENDAR_UNITS = {"M": ("month", 1), "Q": ("month", 3), "Y": ("month", 12), "w": ("week", 1)}


def _calendar(b: Builder, doc: Document, src: tuple, window: dict) -> tuple[str, dict | None]:
    """isRolling: false: `count` months (M, Q, Y) or weeks (w) from calendar.startTime in its zone."""
    cal = check_keys(b, (*src, "calendar"), window.get("calendar"), ("startTime", "timeZone"),
                     "an OpenSLO calendar", doc)
    duration = str(window.get("duration"))
    match = _SHORTHAND.match(duration)
    if not match or match.group(2) not in CALENDAR_UNITS:
        hint = " (1m is a minute: a month is 1M)" if duration == "1m" else ""
        b.error((*src, "duration"), f"a calendar window is whole months (1M), quarters (1Q), years (1Y) or weeks "
                                    f"(1w to 4w){hint}, got {window.get('duration')!r}", doc)
        return "30d", None
    unit, per = CALENDAR_UNITS[match.group(2)]
    found = {"unit": unit, "count": int(match.group(1)) * per, "time_zone": str(cal.get("timeZone", "UTC"))}
    if cal.get("startTime") is not None:
        found["start"] = str(cal["startTime"])
    checks = (("count", lambda: CalendarSpec.model_validate({**found, "time_zone": "UTC", "start": None})),
              ("timeZone", lambda: calendar.transitions(found["time_zone"])),
              ("startTime", lambda: calendar.parse_anchor(found.get("start"), unit)))
    failed = False
    for where, check in checks:
        try:
            check()
        except (ValueError, ValidationError) as exc:
            message = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
            b.error((*src, "duration") if where == "count" else (*src, "calendar", where),
                    message.removeprefix("Value error, "), doc)
            failed = True
    if failed:
        return "30d", None
    return f"{burnrate.nominal_period(unit, found['count']) // 86400}d", found


def _indicator(b: Builder, doc: Document, src: tuple, spec: dict, index: Index) -> dict | None:
    """The SLI as obsgen events/raw (or a pending threshold), from an inline or referenced SLI."""
    sli_doc, sli_src = doc, (*src, "indicator")
    if "indicatorRef" in spec:
        sli_doc = index.find("SLI", spec["indicatorRef"])
        if sli_doc is None:
            b.error((*src, "indicatorRef"), f"no SLI document named {spec['indicatorRef']!r}", doc)
            return None
        sli_src = ()
    elif "indicator" not in spec:
        b.error(src, "needs indicator or indicatorRef", doc)
        return None
    body = check_keys(b, (*sli_src, "spec"), get(sli_doc.data, *sli_src, "spec"),
                      ("description", "thresholdMetric", "ratioMetric"), "an OpenSLO SLI", sli_doc)
    if "thresholdMetric" in body:
        query = _query(b, sli_doc, (*sli_src, "spec", "thresholdMetric"), body["thresholdMetric"], index)
        return {"threshold": query, "where": (sli_doc, (*sli_src, "spec", "thresholdMetric"))} if query else None
    if "ratioMetric" not in body:
        b.error((*sli_src, "spec"), "needs ratioMetric or thresholdMetric", sli_doc)
        return None
    return _ratio(b, sli_doc, (*sli_src, "spec", "ratioMetric"), body["ratioMetric"], index)


def _ratio(b: Builder, doc: Document, src: tuple, raw, index: Index) -> dict | None:
    ratio = check_keys(b, src, raw, ("counter", "good", "bad", "total", "raw", "rawType"), "an OpenSLO ratioMetric",
                       doc)
    counter = ratio.get("counter")
    if "raw" in ratio:
        query = _query(b, doc, (*src, "raw"), ratio["raw"], index)
        if query is None:
            return None
        series = query if promql.has_window(query) else _over_window(b, doc, (*src, "raw"), query, "avg_over_time")
        if series is None:
            return None
        kind = ratio.get("rawType")
        if kind not in ("success", "failure"):
            b.error((*src, "rawType"), f"must be success or failure, got {kind!r}", doc)
            return None
        return {"raw": {"error_ratio_query": series if kind == "failure" else f"1 - ({series})"}}
    if "total" not in ratio or ("good" in ratio) == ("bad" in ratio):
        b.error(src, "needs total and exactly one of good or bad", doc)
        return None
    part = "good" if "good" in ratio else "bad"
    queries = {}
    for key in (part, "total"):
        query = _query(b, doc, (*src, key), ratio[key], index)
        if query is None:
            return None
        if not promql.has_window(query):
            if counter not in (True, False):
                b.error((*src, "counter"), "must be true or false when the queries carry no {{window}}", doc)
                return None
            query = _over_window(b, doc, (*src, key), query, "rate" if counter else "avg_over_time")
            if query is None:
                return None
        queries[key] = query
    error = queries["bad"] if part == "bad" else f"({queries['total']}) - ({queries['good']})"
    return {"events": {"error_query": error, "total_query": queries["total"]}}


def _over_window(b: Builder, doc: Document, src: tuple, query: str, func: str) -> str | None:
    """`selector` or `sum(selector)` -> `sum(func(selector[{{window}}]))`."""
    try:
        tree = promql.parse(query)
    except ValueError as exc:
        b.error((*src, "metricSource", "spec", "query"), str(exc), doc)
        return None
    if type(tree).__name__ == "AggregateExpr" and str(tree.op) == "sum" and not tree.modifier:
        tree = tree.expr
    if type(tree).__name__ != "VectorSelector":
        b.error((*src, "metricSource", "spec", "query"), "must be a metric selector (optionally inside sum()) so "
                "obsgen can apply each window to it, or a query holding the {{window}} placeholder", doc)
        return None
    return f"sum({func}({tree}[{WINDOW}]))"


def _query(b: Builder, doc: Document, src: tuple, raw, index: Index) -> str | None:
    source = check_keys(b, (*src, "metricSource"), get(raw, "metricSource"), ("metricSourceRef", "type", "spec"),
                        "an OpenSLO metricSource", doc)
    kind = source.get("type")
    if "metricSourceRef" in source:
        ds = index.find("DataSource", source["metricSourceRef"])
        if ds is None:
            b.error((*src, "metricSource", "metricSourceRef"),
                    f"no DataSource document named {source['metricSourceRef']!r}", doc)
            return None
        kind = kind or get(ds.data, "spec", "type")
    if str(kind).lower() != "prometheus":
        b.error((*src, "metricSource", "type"), f"only Prometheus data sources are supported, got {kind!r}", doc)
        return None
    query = get(source, "spec", "query")
    if not isinstance(query, str) or not query.strip():
        b.error((*src, "metricSource", "spec", "query"), "is required: a PromQL query", doc)
        return None
    return query


def _is_duration(text: str) -> bool:
    try:
        durations.parse(text)
    except ValueError:  # longer than a Prometheus duration (about 292 years)
        return False
    return True


def _threshold(b: Builder, doc: Document, src: tuple, obj: dict, sli: dict) -> dict | None:
    """thresholdMetric over a classic histogram with op lt/lte and a value in seconds -> latency."""
    sli_doc, sli_src = sli["where"]
    if obj.get("op") not in ("lt", "lte"):
        b.error((*src, "op"), f"a thresholdMetric maps onto a latency SLI only with op lt or lte, got "
                              f"{obj.get('op')!r}", doc)
        return None
    value = obj.get("value")
    number = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    ms = value * 1000 if number else -1  # .inf and .nan are YAML floats too
    if ms <= 0 or not math.isfinite(ms) or ms != int(ms) or not _is_duration(f"{int(ms)}ms"):
        b.error((*src, "value"), f"must be a latency in seconds, in whole milliseconds, got {value!r}", doc)
        return None
    try:
        tree = promql.parse(sli["threshold"])
    except ValueError as exc:
        b.error((*sli_src, "metricSource", "spec", "query"), str(exc), sli_doc)
        return None
    if type(tree).__name__ != "VectorSelector":
        b.error((*sli_src, "metricSource", "spec", "query"), "a thresholdMetric maps onto a latency SLI only as a "
                "classic histogram's selector, e.g. http_request_duration_seconds_bucket{job=\"api\"}", sli_doc)
        return None
    metric, matchers = promql.matchers_of(tree)
    if any(op != "=" or n == "le" for n, op, _ in matchers):
        b.error((*sli_src, "metricSource", "spec", "query"), "a latency selector may only hold equality matchers "
                "(and no le)", sli_doc)
        return None
    return {"latency": {"histogram": metric.removesuffix("_bucket"), "selector": {n: v for n, _, v in matchers},
                        "threshold": f"{int(ms)}ms"}}


def _alert_policies(b: Builder, doc: Document, raw, index: Index) -> list[dict] | None:
    """Alert windows from the SLO's alert policies; None when it has none (obsgen's catalog)."""
    if not raw:
        return None
    if not isinstance(raw, list):
        b.error(("spec", "alertPolicies"), "must be a list", doc)
        return None
    windows = []
    for i, ref in enumerate(raw):
        pdoc, psrc = doc, ("spec", "alertPolicies", i)
        if isinstance(ref, dict) and "alertPolicyRef" in ref:
            pdoc, psrc = index.find("AlertPolicy", ref["alertPolicyRef"]), ()
            if pdoc is None:
                b.error(("spec", "alertPolicies", i, "alertPolicyRef"),
                        f"no AlertPolicy document named {ref['alertPolicyRef']!r}", doc)
                continue
        spec = check_keys(b, (*psrc, "spec"), get(pdoc.data, *psrc, "spec"),
                          ("description", "alertWhenNoData", "alertWhenResolved", "alertWhenBreaching",
                           "conditions", "notificationTargets"), "an OpenSLO AlertPolicy", pdoc)
        if spec.get("alertWhenNoData") is True:
            b.warn((*psrc, "spec", "alertWhenNoData"), "no alert is generated for missing data: obsgen records "
                                                       "errors as 0, never absent", pdoc)
        for j, cond in enumerate(spec.get("conditions") or []):
            cdoc, csrc = pdoc, (*psrc, "spec", "conditions", j)
            if isinstance(cond, dict) and "conditionRef" in cond:
                cdoc, csrc = index.find("AlertCondition", cond["conditionRef"]), ()
                if cdoc is None:
                    b.error((*psrc, "spec", "conditions", j, "conditionRef"),
                            f"no AlertCondition document named {cond['conditionRef']!r}", pdoc)
                    continue
            window = _condition(b, cdoc, csrc)
            if window:
                windows.append(window)
    return windows


def _condition(b: Builder, doc: Document, src: tuple) -> dict | None:
    spec = check_keys(b, (*src, "spec"), get(doc.data, *src, "spec"), ("description", "severity", "condition"),
                      "an OpenSLO AlertCondition", doc)
    cond = check_keys(b, (*src, "spec", "condition"), spec.get("condition"),
                      ("kind", "op", "threshold", "lookbackWindow", "alertAfter"), "an OpenSLO condition", doc)
    where = (*src, "spec", "condition")
    severity = str(spec.get("severity", "")).lower()
    sev = "page" if severity in PAGE else "ticket" if severity in TICKET else None
    if sev is None:
        b.error((*src, "spec", "severity"), f"must be page or critical (a page) or ticket or warning (a ticket), "
                                            f"got {spec.get('severity')!r}", doc)
        return None
    if cond.get("kind", "burnrate") != "burnrate" or cond.get("op") not in ("gt", "gte"):
        b.error(where, "only burnrate conditions with op gt or gte map onto obsgen alerts", doc)
        return None
    threshold = cond.get("threshold")
    try:
        long = durations.seconds(str(cond.get("lookbackWindow")))
    except ValueError as exc:
        b.error((*where, "lookbackWindow"), str(exc), doc)
        return None
    window = {"severity": sev, "long": cond["lookbackWindow"], "short": durations.format_seconds(long / 12),
              "factor": threshold}
    if cond.get("alertAfter") and cond["alertAfter"] != "0m":
        window["for"] = cond["alertAfter"]
    return window


# --- v1alpha, as Sloth reads it -------------------------------------------------------------


def _slos_v1alpha(b: Builder, doc: Document, first: int) -> list[dict]:
    spec = check_keys(b, ("spec",), get(doc.data, "spec"),
                      ("service", "description", "budgetingMethod", "objectives", "timeWindows"),
                      "an OpenSLO v1alpha SLO", doc)
    if spec.get("budgetingMethod", "Occurrences") != "Occurrences":
        b.error(("spec", "budgetingMethod"), f"only Occurrences budgeting maps onto obsgen, got "
                                             f"{spec['budgetingMethod']!r}", doc)
    period = "30d"
    windows = spec.get("timeWindows") or []
    if len(windows) > 1:
        b.error(("spec", "timeWindows"), "only one time window is supported (as in Sloth)", doc)
    elif windows:
        w = windows[0] if isinstance(windows[0], dict) else {}
        if str(w.get("unit", "")).lower() != "day" or w.get("isRolling") is False or "calendar" in w:
            b.error(("spec", "timeWindows", 0), "only rolling time windows counted in days are supported "
                                                "(as in Sloth)", doc)
        period = f"{w.get('count')}d"
    name = get(doc.data, "metadata", "name")
    slos = []
    for i, objective in enumerate(spec.get("objectives") or []):
        src = ("spec", "objectives", i)
        obj = check_keys(b, src, objective, ("displayName", "value", "target", "ratioMetrics", "op", "timeSliceTarget"),
                         "an OpenSLO v1alpha objective", doc)
        queries = {}
        for key in ("good", "total"):
            q = check_keys(b, (*src, "ratioMetrics", key), get(obj, "ratioMetrics", key),
                           ("source", "queryType", "query", "metadata"), "a v1alpha ratio query", doc)
            if q.get("source") not in ("prometheus", "sloth") or q.get("queryType") != "promql":
                b.error((*src, "ratioMetrics", key), "only prometheus (or sloth) sources with queryType promql "
                                                     "are supported (as in Sloth)", doc)
            queries[key] = q.get("query")
        out = ("spec", "slos", first + i)
        b.link(out, src, doc)
        b.link((*out, "objective"), (*src, "target"), doc)
        b.link((*out, "name"), ("metadata", "name"), doc)
        for ours, key in (("error_query", "good"), ("total_query", "total")):
            b.link((*out, "sli", "events", ours), (*src, "ratioMetrics", key, "query"), doc)
        target = obj.get("target")
        slo = {"name": f"{name}-{i}",
               "objective": round(target * 100, 10) if isinstance(target, int | float) else target,
               "period": period,
               "sli": {"events": {"error_query": f"({queries['total']}) - ({queries['good']})",
                                  "total_query": queries["total"]}},
               "alerting": {"page": False, "ticket": False}}
        if spec.get("description"):
            slo["description"] = spec["description"]
        slos.append(slo)
    if not slos:
        b.error(("spec", "objectives"), "at least one objective is required", doc)
    return slos
