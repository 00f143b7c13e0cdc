"""Spec field types for Kubernetes names and labels, checked as the API server would check them."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

from obsgen.names import K8S_LABELS, is_dns1123_label

# A label key: an optional DNS subdomain prefix and `/`, then a name of at most 63 characters.
_LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                        r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")


def _namespace(value: str) -> str:
    if not is_dns1123_label(value):
        raise ValueError("must be a Kubernetes namespace name (DNS-1123 label: lower case, digits, "
                         f"dashes, at most 63 characters), got {value!r}")
    return value


def _label_key(key: str) -> str:
    prefix, _, name = key.rpartition("/")
    if not _LABEL_KEY.match(key) or len(name) > 63 or len(prefix) > 253:
        raise ValueError(f"{key!r} is not a valid Kubernetes label key")
    if key in dict(K8S_LABELS):
        raise ValueError(f"label {key!r} is set by obsgen and cannot be overridden")
    return key


def _label_value(value: str) -> str:
    if len(value) > 63 or not _LABEL_VALUE.match(value):
        raise ValueError(f"{value!r} is not a valid Kubernetes label value (at most 63 characters: "
                         "letters, digits, '-', '_', '.'; alphanumeric at both ends)")
    return value


Namespace = Annotated[str, AfterValidator(_namespace)]
K8sLabels = dict[Annotated[str, AfterValidator(_label_key)], Annotated[str, AfterValidator(_label_value)]]
