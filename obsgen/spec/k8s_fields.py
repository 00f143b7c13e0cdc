"""Spec field types for Kubernetes names and labels, checked as the API server would check them."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from obsgen.k8s_validation import is_dns1123_label, is_label_value, is_qualified_name
from obsgen.names import K8S_LABELS


def _namespace(value: str) -> str:
    if not is_dns1123_label(value):
        raise ValueError("must be a Kubernetes namespace name (DNS-1123 label: lower case, digits, "
                         f"dashes, at most 63 characters), got {value!r}")
    return value


def _label_key(key: str) -> str:
    if not is_qualified_name(key):
        raise ValueError(f"{key!r} is not a valid Kubernetes label key")
    if key in dict(K8S_LABELS):
        raise ValueError(f"label {key!r} is set by obsgen and cannot be overridden")
    return key


def _label_value(value: str) -> str:
    if not is_label_value(value):
        raise ValueError(f"{value!r} is not a valid Kubernetes label value (at most 63 characters: "
                         "letters, digits, '-', '_', '.'; alphanumeric at both ends)")
    return value


Namespace = Annotated[str, AfterValidator(_namespace)]
K8sLabels = dict[Annotated[str, AfterValidator(_label_key)], Annotated[str, AfterValidator(_label_value)]]
