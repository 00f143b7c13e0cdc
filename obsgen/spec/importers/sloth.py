"""Sloth specs: `version: prometheus/v1` files and `sloth.slok.dev/v1` PrometheusServiceLevel objects
(Sloth v0.16, pkg/prometheus/api/v1 and pkg/kubernetes/api/sloth/v1).

What maps to what:
- service -> metadata.name; labels -> metadata.labels, except `team` (or else `owner`) which names
  the owner team (`owner` stays a label too) and `tier` (1-3) which becomes the tier; every label
  (`team` and `tier` too) is on every recording rule, as Sloth writes them, and a YAML boolean label
  value is the string `true`/`false`, as Sloth's decoder reads it; without an owner, the Platform's
  default_team, else `unowned` (alerts reach the root receiver);
- each SLO keeps name, objective, description, labels and its events/raw SLI (queries unchanged:
  obsgen reads `{{.window}}`);
- alerting keeps Sloth's alert shape (`style: sloth`): name, labels and annotations merged into
  page_alert/ticket_alert as Sloth merges them, `disable` -> page/ticket false; a `runbook` or
  `runbook_url` annotation holding a URL is also the SLO's runbook;
- the period is Sloth's default, 30d.
- sloth_slo_info says the input's spec and Sloth's mode for it: prometheus/v1 and cli-gen-prom, or
  sloth.slok.dev/v1 and cli-gen-k8s;
- a key spelled as the other form spells it (`pageAlert` in a prometheus/v1 file, `page_alert` in a
  PrometheusServiceLevel) is ignored with a warning: Sloth's decoder ignores it too.
Refused: SLI plugins and SLO plugin chains (they run Go code obsgen does not have), AlertWindows
documents (their windows go into the Platform's alert_windows), other spec versions.
"""

from __future__ import annotations

from obsgen.spec.importers.common import (
    API,
    Builder,
    Context,
    Result,
    Source,
    check_keys,
    each_document,
    get,
    string_map,
)
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
# sloth_slo_info's sloth_spec and sloth_mode for each form (Sloth's pkg/lib/gen.go, CLI agent).
INFO = {False: (VERSION, "cli-gen-prom"), True: (K8S_API, "cli-gen-k8s")}


def recognizes(data: dict) -> bool:
    return data.get("version") == VERSION or (data.get("apiVersion") == K8S_API and data.get("kind") == K8S_KIND)


def refusal(data: dict) -> tuple[tuple, str] | None:
    """A Sloth document obsgen does not read: where, and why."""
    version = data.get("version")
    if "apiVersion" not in data and isinstance(version, str) and version.startswith("prometheus/"):
        return ("version",), f"the Sloth spec version obsgen reads (as Sloth does) is {VERSION}, got {version!r}"
    if data.get("apiVersion") != K8S_API:
        return None
    if data.get("kind") == "AlertWindows":
        return ("kind",), ("a Sloth AlertWindows document is not an SLO spec (Sloth reads it with "
                           "--slo-period-windows-path): write its windows as a catalog in the Platform's "
                           "alert_windows (period, page and ticket, each quick and slow with budget_percent, long "
                           "and short) and keep this file out of the spec directory")
    return ("kind",), f"the Sloth kind obsgen reads is {K8S_KIND}, got {data.get('kind')!r}"


def _keys(b: Builder, src: tuple, value, allowed: tuple[str, ...], other: tuple[str, ...], what: str) -> dict:
    """check_keys, except that a key the other form of the spec spells so (pageAlert in a prometheus/v1
    file, page_alert in a PrometheusServiceLevel) is left out with a warning: Sloth's decoder ignores
    it (Go's JSON decoding drops unknown keys), so the file means what it means to Sloth."""
    if not isinstance(value, dict):
        return check_keys(b, src, value, allowed, what)
    ignored = [k for k in value if k in other and k not in allowed]
    for key in ignored:
        b.warn((*src, key), f"ignored, as Sloth ignores it: this form of the spec spells it "
                            f"{allowed[other.index(key)]!r}")
    return check_keys(b, src, {k: v for k, v in value.items() if k not in ignored}, allowed, what)


def _service(doc: Document, ctx: Context, result: Result) -> None:
    b = Builder(doc, "sloth", result)
    k8s = doc.data.get("apiVersion") == K8S_API
    keys = _K8S if k8s else _PROM
    other = _PROM if k8s else _K8S
    if k8s:
        check_keys(b, (), doc.data, ("apiVersion", "kind", "metadata", "spec", "status"), "a PrometheusServiceLevel")
        base: tuple = ("spec",)
    else:
        base = ()
    spec = get(doc.data, *base, default={})
    what = "a Sloth spec"
    _keys(b, base, spec, ("version", "service", "labels", keys["slo_plugins"], "slos") if not k8s else
          ("service", "labels", keys["slo_plugins"], "slos"), ("", "", "", other["slo_plugins"], "") if not k8s else
          ("", "", other["slo_plugins"], ""), what)
    _plugins(b, (*base, keys["slo_plugins"]), get(spec, keys["slo_plugins"]))
    labels = string_map(b, (*base, "labels"), get(spec, "labels"), bools=True)
    meta: dict = {"name": get(spec, "service")}
    b.link(("metadata", "name"), (*base, "service"))
    team_key = "team" if "team" in labels else "owner" if "owner" in labels else None
    if team_key:
        meta["team"] = labels[team_key]
        b.link(("metadata", "team"), (*base, "labels", team_key))
    else:
        meta["team"] = b.owner((*base, "labels") if "labels" in spec else (*base, "service"), ctx)
    # Sloth writes every spec label on every recording rule; obsgen's own metadata.team/tier are not
    # labels there, so the Sloth labels they came from are kept for the rules.
    b.info = Source(*INFO[k8s], tuple((k, labels[k]) for k in ("team", "tier") if k in labels))
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
        slo = _slo(b, (*base, "slos", i), raw, keys, other, i)
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


def _slo(b: Builder, src: tuple, raw, keys: dict, other: dict, index: int) -> dict | None:
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
    labels = string_map(b, (*src, "labels"), raw.get("labels"), bools=True)
    if labels:
        slo["labels"] = labels
        for key in labels:
            b.link((*out, "labels", key), (*src, "labels", key))
    slo["sli"] = _sli(b, src, out, raw.get("sli"), keys, other)
    alerting = _alerting(b, (*src, "alerting"), (*out, "alerting"), raw.get("alerting"), keys, other)
    for key in ("runbook_url", "runbook"):
        for which in ("page_alert", "ticket_alert"):
            url = alerting.get(which, {}).get("annotations", {}).get(key, "")
            if url.startswith(("http://", "https://")) and " " not in url and "runbook" not in slo:
                slo["runbook"] = url
                b.link((*out, "runbook"), (*src, "alerting"))
    slo["alerting"] = alerting
    return slo


def _sli(b: Builder, src: tuple, out: tuple, raw, keys: dict, other: dict) -> dict:
    raw = check_keys(b, (*src, "sli"), raw, ("events", "raw", "plugin"), "a Sloth SLI")
    if "plugin" in raw:
        plugin = get(raw, "plugin", "id")
        b.error((*src, "sli", "plugin"), f"Sloth SLI plugins are not supported (obsgen cannot run "
                                         f"plugin {plugin!r}): write its query as an events or raw SLI")
        return {}
    if "events" in raw:
        events = _keys(b, (*src, "sli", "events"), raw["events"], (keys["error_query"], keys["total_query"]),
                       (other["error_query"], other["total_query"]), "Sloth events")
        for ours in ("error_query", "total_query"):
            b.link((*out, "sli", "events", ours), (*src, "sli", "events", keys[ours]))
        return {"events": {"error_query": events.get(keys["error_query"]),
                           "total_query": events.get(keys["total_query"])}}
    if "raw" in raw:
        ratio = _keys(b, (*src, "sli", "raw"), raw["raw"], (keys["error_ratio_query"],), (other["error_ratio_query"],),
                      "a Sloth raw SLI")
        b.link((*out, "sli", "raw", "error_ratio_query"), (*src, "sli", "raw", keys["error_ratio_query"]))
        return {"raw": {"error_ratio_query": ratio.get(keys["error_ratio_query"])}}
    return {}


def _alerting(b: Builder, src: tuple, out: tuple, raw, keys: dict, other: dict) -> dict:
    raw = _keys(b, src, raw, ("name", "labels", "annotations", keys["page_alert"], keys["ticket_alert"]),
                ("", "", "", other["page_alert"], other["ticket_alert"]), "Sloth alerting")
    alerting: dict = {"style": "sloth"}
    b.link(out, src)
    if raw.get("name") is not None:
        alerting["name"] = raw["name"]
        b.link((*out, "name"), (*src, "name"))
    common = {part: string_map(b, (*src, part), raw.get(part), bools=True) for part in ("labels", "annotations")}
    for ours, sev in (("page_alert", "page"), ("ticket_alert", "ticket")):
        alert = check_keys(b, (*src, keys[ours]), raw.get(keys[ours]), ("disable", "labels", "annotations"),
                           "a Sloth alert")
        if alert.get("disable") is True:
            alerting[sev] = False
            b.link((*out, sev), (*src, keys[ours], "disable"))
            continue
        extras: dict = {}
        for part in ("labels", "annotations"):
            own = string_map(b, (*src, keys[ours], part), alert.get(part), bools=True)
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
