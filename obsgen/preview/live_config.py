"""The configuration a live session loads: the generated rules and routes, connected to the sinks.

Alertmanager's receivers are the generated ones, untouched (protocols, templates, routes, matchers,
inhibitions); only where they post is local: each `*_file` secret a receiver names gets a value of
the sinks (a hook URL, a routing or API key), and PagerDuty, Opsgenie and SMTP notifications go to
the sinks' addresses. Two ways to get there:

- `connected` (the end-to-end test): the specs already name secret files under a directory the
  session owns and the sinks' addresses in the Platform (`alertmanager.pagerduty_url`,
  `opsgenie_api_url`, `smtp`), as a user with a proxy or a local relay would: the session only
  writes the secret files, and Alertmanager loads the generated file byte for byte.
- `redirected` (`obsgen preview --live` on any specs): the copy names secret files in the session's
  directory and the sinks' addresses in `global`; nothing else changes.

The clock: `REAL` keeps everything as generated (15 s scrape, 30 s evaluation, rule groups' own
intervals and the route timers as the Platform sets them). `PREVIEW` makes things move while an
SRE watches: scrape and evaluation every second (groups' own `interval` dropped) and route timers
of 1s / 5s / 1h.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

from obsgen import yamlio
from obsgen.artifacts import RuleFile, RuleGroups
from obsgen.output import encode
from obsgen.preview.live_procs import LiveError
from obsgen.preview.live_sinks import Sinks
from obsgen.render import rule_groups

HEADER = "# obsgen preview --live: a temporary copy, removed when the session stops.\n"
RULES = "rules"
ALERTMANAGER = "alertmanager"
# receiver config list -> (its secret-file field, the sink kind)
SECRET_FIELDS = {"pagerduty_configs": ("routing_key_file", "pagerduty"),
                 "opsgenie_configs": ("api_key_file", "opsgenie"),
                 "slack_configs": ("api_url_file", "slack"),
                 "webhook_configs": ("url_file", "webhook")}
SMTP_PASSWORD = "smtp_auth_password_file"


@dataclass(frozen=True)
class Clock:
    scrape: str
    evaluation: str
    timers: dict | None = None  # route timers replacing the generated ones; None keeps them
    group_intervals: bool = True  # rule groups keep their own `interval`


REAL = Clock("15s", "30s")
PREVIEW = Clock("1s", "1s", {"group_wait": "1s", "group_interval": "5s", "repeat_interval": "1h"}, False)


def prometheus(alertmanagers: list[str], traffic: str, environment_label: str, environment: str,
               clock: Clock = PREVIEW) -> str:
    """prometheus.yml: scrape the traffic generator, load rules/*.yaml, alert to every Alertmanager."""
    return yamlio.dump({
        "global": {"scrape_interval": clock.scrape, "scrape_timeout": clock.scrape,
                   "evaluation_interval": clock.evaluation,
                   "external_labels": {environment_label: environment}},
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": list(alertmanagers)}]}]},
        "rule_files": [f"{RULES}/*.yaml"],
        "scrape_configs": [{"job_name": "obsgen-live", "honor_labels": True,  # keep the fixtures' job labels
                            "static_configs": [{"targets": [traffic]}]}],
    }, HEADER)


def rules(found: RuleFile, clock: Clock = PREVIEW) -> str:
    """A generated rule file as the session loads it: its bytes, unless the clock drops the groups'
    own intervals (then its groups without them). Read from the artifact: the run's own, or the one
    output/committed.py reads back from a file given as text (one it cannot read stays as it is)."""
    if clock.group_intervals or not found.rules.complete:
        return encode.text(found)
    groups = [{key: value for key, value in group.items() if key != "interval"} for group in found.rules.groups]
    head = yamlio.dump(found.head, header="") if found.head else ""
    return HEADER + head + rule_groups.text(RuleGroups(groups))


def _secrets(doc: dict, sinks: Sinks) -> dict[str, str]:
    """Register every receiver with the sinks; {secret file path: the value it must hold}."""
    values: dict[str, str] = {}
    for receiver in doc.get("receivers") or []:
        name = receiver["name"]
        for key, (field, kind) in SECRET_FIELDS.items():
            for config in receiver.get(key) or []:
                path = config.get(field)
                if path is None:
                    continue
                value = values.setdefault(path, sinks.token(kind))
                sinks.register(kind, f"{value}#{config.get('channel', '')}" if kind == "slack" else value, name)
        for config in receiver.get("email_configs") or []:
            sinks.register("email", str(config.get("to", "")), name)
    password = (doc.get("global") or {}).get(SMTP_PASSWORD)
    if password:
        values.setdefault(password, "obsgen-live-unused")  # the sink offers no AUTH: never sent
    return values


def _needs(doc: dict, sinks: Sinks) -> dict[str, object]:
    """The `global` settings that send this config's notifications to the sinks."""
    kinds = {key for receiver in doc.get("receivers") or [] for key in receiver if key.endswith("_configs")}
    needed: dict[str, object] = {}
    if "pagerduty_configs" in kinds:
        needed["pagerduty_url"] = sinks.pagerduty_url
    if "opsgenie_configs" in kinds:
        needed["opsgenie_api_url"] = sinks.opsgenie_api_url
    if "email_configs" in kinds:
        needed.update(smtp_smarthost=sinks.smarthost, smtp_require_tls=False)
    return needed


# What a Platform document says to reach the sinks, for the error when a `connected` config does not.
PLATFORM_FIELD = {"pagerduty_url": "alertmanager.pagerduty_url", "opsgenie_api_url": "alertmanager.opsgenie_api_url",
                  "smtp_smarthost": "alertmanager.smtp.smarthost", "smtp_require_tls": "alertmanager.smtp.require_tls"}


def connected(doc: dict, sinks: Sinks, owned: Path) -> dict[str, str]:
    """The secret files to write for the generated config (its data: an AlertmanagerConfig's) to
    reach the sinks as it is; a LiveError when it names an address elsewhere or a secret file
    outside the directory the session owns."""
    settings = doc.get("global") or {}
    for key, value in _needs(doc, sinks).items():
        if settings.get(key) != value:
            raise LiveError(f"the generated config sends {key} to {settings.get(key)!r}, not to the local sink "
                            f"{value!r}: set the Platform's {PLATFORM_FIELD[key]} to it")
    values = _secrets(doc, sinks)
    for path in values:
        if not Path(path).resolve().is_relative_to(owned.resolve()):
            raise LiveError(f"secret file {path} is outside {owned}, where the session may write")
    return values


def redirected(config: dict, sinks: Sinks, secrets: Path, clock: Clock = PREVIEW) -> tuple[str, dict[str, str]]:
    """(a copy of the config (its data: an AlertmanagerConfig's) posting to the sinks, as text;
    {secret file path: value}): the copy names secret files under `secrets` and the sinks' addresses
    in `global`; routes, receivers and templates stay."""
    doc = copy.deepcopy(config)  # the artifact's data stays as generated
    values = _secrets(doc, sinks)
    moved = {path: str(secrets / f"secret-{i}") for i, path in enumerate(sorted(values))}
    for receiver in doc.get("receivers") or []:
        for key, (field, _) in SECRET_FIELDS.items():
            for config in receiver.get(key) or []:
                if field in config:
                    config[field] = moved[config[field]]
    settings = {**(doc.get("global") or {}), **_needs(doc, sinks)}
    if SMTP_PASSWORD in settings:
        settings[SMTP_PASSWORD] = moved[settings[SMTP_PASSWORD]]
    if settings:
        doc["global"] = settings
    if clock.timers is not None:
        doc["route"] = {**(doc.get("route") or {}), **clock.timers}  # children inherit the root's
        _timers(doc["route"], clock.timers)
    return yamlio.dump(doc, HEADER), {moved[path]: value for path, value in values.items()}


def receiver_names(doc: dict) -> list[str]:
    return [r["name"] for r in doc.get("receivers") or []]


def _timers(route: dict, timers: dict) -> None:
    for key, value in timers.items():
        if key in route:
            route[key] = value
    for child in route.get("routes") or []:
        _timers(child, timers)
