"""The configuration a live session loads: the generated rules and routes, made to move in seconds.

What changes from the generated files, and why:
- Prometheus scrapes the synthetic traffic every second and evaluates every rule group every
  second (groups' own `interval`, e.g. the period roll-ups' 5m, is dropped) so burn rates move
  while the SRE watches; its external label names the paging environment, as a production
  Prometheus' would, so the routes that page are the ones exercised.
- Every Alertmanager receiver becomes one webhook to the in-process receiver, at a path naming the
  receiver it replaces; route timers become 1s / 5s / 1h so a notification follows an alert in
  seconds. Routes, matchers, inhibitions and templates are the generated ones, untouched.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import yaml

from obsgen.render import yamlout

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
HEADER = "# obsgen preview --live: a temporary copy, removed when the session stops.\n"
INTERVAL = "1s"  # scrape and rule evaluation
TIMERS = {"group_wait": "1s", "group_interval": "5s", "repeat_interval": "1h"}
RULES = "rules"
ALERTMANAGER = "alertmanager"


def prometheus(alertmanager: str, traffic: str, environment_label: str, environment: str) -> str:
    """prometheus.yml: scrape the traffic generator, load rules/*.yaml, alert to Alertmanager."""
    return yamlout.dump({
        "global": {"scrape_interval": INTERVAL, "scrape_timeout": INTERVAL, "evaluation_interval": INTERVAL,
                   "external_labels": {environment_label: environment}},
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]},
        "rule_files": [f"{RULES}/*.yaml"],
        "scrape_configs": [{"job_name": "obsgen-live", "honor_labels": True,  # keep the fixtures' job labels
                            "static_configs": [{"targets": [traffic]}]}],
    }, HEADER)


def rules(text: str) -> str:
    """A generated rule file with every group evaluated at the global (live) interval."""
    doc = yaml.load(text, Loader=Loader) or {}
    for group in doc.get("groups") or []:
        group.pop("interval", None)
    return yamlout.dump(doc, HEADER)


def webhook_url(base: str, receiver: str) -> str:
    return f"{base.rstrip('/')}/{quote(receiver, safe='')}"


def alertmanager(text: str, webhook: str, template_dir: Path) -> tuple[str, list[str]]:
    """(alertmanager.yaml, receiver names): every receiver a webhook to `webhook`/<name>."""
    doc = yaml.load(text, Loader=Loader) or {}
    names = [r["name"] for r in doc.get("receivers") or []]
    doc["receivers"] = [{"name": name, "webhook_configs": [{"url": webhook_url(webhook, name), "send_resolved": True}]}
                        for name in names]
    doc["route"] = {**(doc.get("route") or {}), **TIMERS}  # children inherit the root's
    _timers(doc["route"])
    # Only the copied templates: the generated config also names where a cluster mounts them.
    doc["templates"] = [str(template_dir / "*.tmpl")]
    return yamlout.dump(doc, HEADER), names


def _timers(route: dict) -> None:
    for key, value in TIMERS.items():
        if key in route:
            route[key] = value
    for child in route.get("routes") or []:
        _timers(child)
