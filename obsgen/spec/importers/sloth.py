"""Sloth specs: `version: prometheus/v1` files and `sloth.slok.dev/v1` PrometheusServiceLevel objects
(Sloth v0.16, pkg/prometheus/api/v1 and pkg/kubernetes/api/sloth/v1).

What maps to what:
- service -> metadata.name; labels -> metadata.labels, except `team` (or else `owner`) which names
  the owner team (`owner` stays a label too) and `tier` (1-3) which becomes the tier;
- each SLO keeps name, objective, description, labels and its events/raw SLI (queries unchanged:
  obsgen reads `{{.window}}`);
- alerting keeps Sloth's alert shape (`style: sloth`): name, labels and annotations merged into
  page_alert/ticket_alert as Sloth merges them, `disable` -> page/ticket false; a `runbook` or
  `runbook_url` annotation holding a URL is also the SLO's runbook;
- the period is Sloth's default, 30d.
Refused: SLI plugins and SLO plugin chains (they run Go code obsgen does not have).
"""

from __future__ import annotations

from obsgen.spec.importers import API, Builder, Context, Result, check_keys, each_document, get, string_map
from obsgen.spec.yamlsrc import Document

VERSION = "prometheus/v1"
K8S_API = "sloth.slok.dev/v1"
K8S_KIND = "PrometheusServiceLevel"

# Field names: the CLI spec uses snake_case, the Kubernetes CRD camelCase.
_PROM = {"error_query": "error_query", "total_query": "total_query", "error_ratio_query": "error_ratio_query",
         "page_alert": "page_alert", "ticket_alert": "ticket_alert", "slo_plugins": "slo_plugins"}
_K8S = {"error_query": "errorQuery", "total_query": "totalQuery", "error_ratio_query": "errorRatioQuery",
        "page_alert": "pageAlert", "ticket_alert": "ticketAlert", "slo_plugins": "sloPlugins"}
TIERS = ("1", "2", "3")


def recognizes(data: dict) -> bool:
    return data.get("version") == VERSION or (data.get("apiVersion") == K8S_API and data.get("kind") == K8S_KIND)


def _service(doc: Document, ctx: Context, result: Result) -> None:
    b = Builder(doc, "sloth", result)
    k8s = doc.data.get("apiVersion") == K8S_API
    keys = _K8S if k8s else _PROM
    if k8s:
        check_keys(b, (), doc.data, ("apiVersion", "kind", "metadata", "spec", "status"), "a PrometheusServiceLevel")
        base: tuple = ("spec",)
    else:
        base = ()
    spec = get(doc.data, *base, default={})
    what = "a Sloth spec"
    check_keys(b, base, spec, ("version", "service", "labels", keys["slo_plugins"], "slos") if not k8s else
               ("service", "labels", keys["slo_plugins"], "slos"), what)
    _plugins(b, (*base, keys["slo_plugins"]), get(spec, keys["slo_plugins"]))
    labels = string_map(b, (*base, "labels"), get(spec, "labels"))
    meta: dict = {"name": get(spec, "service")}
    b.link(("metadata", "name"), (*base, "service"))
    team_key = "team" if "team" in labels else "owner" if "owner" in labels else None
    if team_key:
        meta["team"] = labels[team_key]
        b.link(("metadata", "team"), (*base, "labels", team_key))
    elif ctx.default_team:
        meta["team"] = ctx.default_team
    else:
        b.error((*base, "labels"), "names no owner (labels.team or labels.owner) and the Platform has no "
                                   "default_team: set one of them")
    if "tier" in labels:
        if labels["tier"] in TIERS:
            meta["tier"] = int(labels["tier"])
            b.link(("metadata", "tier"), (*base, "labels", "tier"))
        else:
            b.error((*base, "labels", "tier"), f"tier {labels['tier']!r} is not an obsgen tier (1, 2 or 3); "
                                               "obsgen sets the tier label itself")
    rest = {k: v for k, v in labels.items() if k not in ("team", "tier")}
    if rest:
        meta["labels"] = rest
        for key in rest:
            b.link(("metadata", "labels", key), (*base, "labels", key))
    slos = []
    raw_slos = get(spec, "slos")
    if not isinstance(raw_slos, list) or not raw_slos:
        b.error((*base, "slos"), "at least one SLO is required (Sloth requires it too)")
        raw_slos = []
    for i, raw in enumerate(raw_slos):
        slo = _slo(b, (*base, "slos", i), raw, keys, i)
        if slo is not None:
            slos.append(slo)
    if meta.get("tier") == 3 and any(s.get("alerting", {}).get("page") is not False for s in slos):
        b.warn((*base, "labels", "tier"), "tier 3: obsgen never pages tier 3 services, so Sloth's page "
                                          "alerts are not generated (tickets are)")
    b.document({"apiVersion": API, "kind": "Service", "metadata": meta, "spec": {"slos": slos}})


def _plugins(b: Builder, src: tuple, value) -> None:
    chain = get(value, "chain") or []
    ids = [str(get(p, "id")) for p in chain if isinstance(p, dict)]
    if ids:
        b.error((*src, "chain"), "Sloth SLO plugins are not supported (obsgen cannot run them): "
                + ", ".join(ids))


def _slo(b: Builder, src: tuple, raw, keys: dict, index: int) -> dict | None:
    out = ("spec", "slos", index)
    raw = check_keys(b, src, raw, ("name", "description", "objective", "plugins", "labels", "sli", "alerting"),
                     "a Sloth SLO")
    _plugins(b, (*src, "plugins"), raw.get("plugins"))
    slo: dict = {"name": raw.get("name"), "objective": raw.get("objective")}
    b.link(out, src)
    for key in ("name", "objective", "description", "labels", "sli"):
        b.link((*out, key), (*src, key))
    if raw.get("description"):
        slo["description"] = raw["description"]
    labels = string_map(b, (*src, "labels"), raw.get("labels"))
    if labels:
        slo["labels"] = labels
        for key in labels:
            b.link((*out, "labels", key), (*src, "labels", key))
    slo["sli"] = _sli(b, src, out, raw.get("sli"), keys)
    alerting = _alerting(b, (*src, "alerting"), (*out, "alerting"), raw.get("alerting"), keys)
    for key in ("runbook_url", "runbook"):
        for which in ("page_alert", "ticket_alert"):
            url = alerting.get(which, {}).get("annotations", {}).get(key, "")
            if url.startswith(("http://", "https://")) and " " not in url and "runbook" not in slo:
                slo["runbook"] = url
                b.link((*out, "runbook"), (*src, "alerting"))
    slo["alerting"] = alerting
    return slo


def _sli(b: Builder, src: tuple, out: tuple, raw, keys: dict) -> dict:
    raw = check_keys(b, (*src, "sli"), raw, ("events", "raw", "plugin"), "a Sloth SLI")
    if "plugin" in raw:
        plugin = get(raw, "plugin", "id")
        b.error((*src, "sli", "plugin"), f"Sloth SLI plugins are not supported (obsgen cannot run "
                                         f"plugin {plugin!r}): write its query as an events or raw SLI")
        return {}
    if "events" in raw:
        events = check_keys(b, (*src, "sli", "events"), raw["events"], (keys["error_query"], keys["total_query"]),
                            "Sloth events")
        for ours in ("error_query", "total_query"):
            b.link((*out, "sli", "events", ours), (*src, "sli", "events", keys[ours]))
        return {"events": {"error_query": events.get(keys["error_query"]),
                           "total_query": events.get(keys["total_query"])}}
    if "raw" in raw:
        ratio = check_keys(b, (*src, "sli", "raw"), raw["raw"], (keys["error_ratio_query"],), "a Sloth raw SLI")
        b.link((*out, "sli", "raw", "error_ratio_query"), (*src, "sli", "raw", keys["error_ratio_query"]))
        return {"raw": {"error_ratio_query": ratio.get(keys["error_ratio_query"])}}
    return {}


def _alerting(b: Builder, src: tuple, out: tuple, raw, keys: dict) -> dict:
    raw = check_keys(b, src, raw, ("name", "labels", "annotations", keys["page_alert"], keys["ticket_alert"]),
                     "Sloth alerting")
    alerting: dict = {"style": "sloth"}
    b.link(out, src)
    if raw.get("name") is not None:
        alerting["name"] = raw["name"]
        b.link((*out, "name"), (*src, "name"))
    common = {part: string_map(b, (*src, part), raw.get(part)) for part in ("labels", "annotations")}
    for ours, sev in (("page_alert", "page"), ("ticket_alert", "ticket")):
        alert = check_keys(b, (*src, keys[ours]), raw.get(keys[ours]), ("disable", "labels", "annotations"),
                           "a Sloth alert")
        if alert.get("disable") is True:
            alerting[sev] = False
            b.link((*out, sev), (*src, keys[ours], "disable"))
            continue
        extras: dict = {}
        for part in ("labels", "annotations"):
            own = string_map(b, (*src, keys[ours], part), alert.get(part))
            merged = {**common[part], **own}  # Sloth: the alert's own win over alerting's
            if merged:
                extras[part] = merged
            for key in merged:
                where = (*src, keys[ours], part, key) if key in own else (*src, part, key)
                b.link((*out, ours, part, key), where)
        if extras:
            alerting[ours] = extras
    return alerting


translate = each_document(_service)
