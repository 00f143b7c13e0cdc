"""Kubernetes' own rules for what obsgen deploys: object names, namespaces, label keys and values,
annotation keys and ConfigMap/Secret keys, as the API server checks them
(k8s.io/apimachinery/pkg/util/validation, and the kinds' name validators in pkg/apis/core).

`kubectl kustomize` renders without asking the API server, so a name it would refuse passes there;
`obsgen test` applies these rules to every object kustomize prints (verify/kustomize.py), and the
spec refuses names that would break them (spec/models.py, spec/k8s_fields.py).
"""

from __future__ import annotations

import re

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL = re.compile(rf"^{_LABEL}$")
_DNS1123_SUBDOMAIN = re.compile(rf"^{_LABEL}(\.{_LABEL})*$")
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
LABEL_MAX = 63
SUBDOMAIN_MAX = 253

DNS1123_LABEL = "a DNS-1123 label (lower case letters, digits and '-', a letter or digit at both ends, at most 63)"
DNS1123_SUBDOMAIN = ("a DNS-1123 subdomain (lower case letters, digits, '-' and '.', a letter or digit at both "
                     "ends of each part, at most 253)")
DNS1035_LABEL = "a DNS-1035 label (a DNS-1123 label starting with a letter)"


def is_dns1123_label(value: str) -> bool:
    return len(value) <= LABEL_MAX and bool(_DNS1123_LABEL.match(value))


def is_dns1123_subdomain(value: str) -> bool:
    return len(value) <= SUBDOMAIN_MAX and bool(_DNS1123_SUBDOMAIN.match(value))


def is_dns1035_label(value: str) -> bool:
    return len(value) <= LABEL_MAX and bool(_DNS1035_LABEL.match(value))


def is_qualified_name(key: str) -> bool:
    """A label or annotation key: an optional DNS subdomain prefix and `/`, then a name of at most 63."""
    prefix, slash, name = key.rpartition("/")
    if slash and not is_dns1123_subdomain(prefix):
        return False
    return len(name) <= LABEL_MAX and bool(_QUALIFIED_NAME.match(name))


def is_label_value(value: str) -> bool:
    return len(value) <= LABEL_MAX and bool(_LABEL_VALUE.match(value))


def is_config_key(key: str) -> bool:
    """A ConfigMap or Secret data key (a file name when mounted)."""
    return (len(key) <= SUBDOMAIN_MAX and bool(_CONFIG_KEY.match(key)) and key not in (".", "..")
            and not key.startswith(".."))


# kind -> (check, what it must be); every other kind (ConfigMap, Secret, custom resources such as
# PrometheusRule and OpenTelemetryCollector) takes a DNS-1123 subdomain.
_NAME_RULES = {
    "Namespace": (is_dns1123_label, DNS1123_LABEL),
    "Service": (is_dns1035_label, DNS1035_LABEL),
}


def object_problems(obj: object) -> list[str]:
    """What the API server would refuse in one object's names, each as `Kind/name: field: problem`."""
    if not isinstance(obj, dict):
        return [f"not an object: {obj!r:.80}"]
    kind, meta = str(obj.get("kind", "")), obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    name = str(meta.get("name", ""))
    where = f"{kind}/{name}"
    check, what = _NAME_RULES.get(kind, (is_dns1123_subdomain, DNS1123_SUBDOMAIN))
    problems = [] if check(name) else [f"{where}: metadata.name: must be {what}, got {name!r}"]
    namespace = meta.get("namespace")
    if namespace is not None and not is_dns1123_label(str(namespace)):
        problems.append(f"{where}: metadata.namespace: must be {DNS1123_LABEL}, got {namespace!r}")
    for key, value in (meta.get("labels") or {}).items():
        if not is_qualified_name(str(key)):
            problems.append(f"{where}: metadata.labels: {key!r} is not a valid label key")
        if not is_label_value(str(value)):
            problems.append(f"{where}: metadata.labels.{key}: {value!r} is not a valid label value (at most 63 "
                            "letters, digits, '-', '_' or '.', a letter or digit at both ends)")
    problems += [f"{where}: metadata.annotations: {key!r} is not a valid annotation key"
                 for key in (meta.get("annotations") or {}) if not is_qualified_name(str(key))]
    if kind in ("ConfigMap", "Secret"):
        for field in ("data", "binaryData", "stringData"):
            problems += [f"{where}: {field}: {key!r} is not a valid key (letters, digits, '-', '_', '.', at most 253)"
                         for key in (obj.get(field) or {}) if not is_config_key(str(key))]
    return problems
