"""The field types every spec model is made of: names, durations, URLs, label maps, secret file
paths, and Model, the base that refuses unknown fields. Their own module so that the Platform
settings of each backend (obsgen/render/<backend>/settings.py) and the documents (obsgen/spec/models.py) share
them without importing each other."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from obsgen import durations
from obsgen.names import LABEL_NAME_PATTERN, NAME_PATTERN, RESERVED_LABELS, is_dns1123_label, is_name

LABEL_NAME = re.compile(LABEL_NAME_PATTERN)
METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_URL = re.compile(r"^https?://[^\s]+$")
MAX_KEY_LENGTH = 128  # label and annotation names


def _name(value: str) -> str:
    if is_name(value.rstrip("-")) and value.endswith("-"):
        raise ValueError(f"must end with a letter or digit, got {value!r}: Kubernetes refuses object names and "
                         f"label values made from it (such as obsgen-{value}); use {value.rstrip('-')!r}")
    if not is_name(value):
        raise ValueError(f"must be a label-safe name ({NAME_PATTERN}: lower case, digits, dashes; a letter "
                         f"first, a letter or digit last), got {value!r}")
    return value


def _duration(value: str) -> str:
    durations.parse(value)
    return value


def _days(value: str) -> str:
    seconds = durations.seconds(value)
    if seconds < 86400 or seconds % 86400:
        raise ValueError(f"must be a whole number of days, at least 1d, got {value!r}")
    return value


def _whole_seconds(value: str) -> str:
    # Alert plans keep pending times in whole seconds; a silent truncation of 500ms to 0 would make the
    # alert fire on its first evaluation instead of its second.
    if durations.seconds(value) % 1:
        raise ValueError(f"must be a whole number of seconds, got {value!r}")
    return value


def _url(value: str) -> str:
    if not _URL.match(value):
        raise ValueError(f"must be an http(s) URL, got {value!r}")
    if "@" in urlsplit(value).netloc:  # never echo the value: it holds a credential
        raise ValueError("credentials in a URL are copied in clear text into every config, ConfigMap and "
                         "object that uses it: remove the user and password, and give credentials by file "
                         "(a *_file field, mounted from a Secret) to the component that needs them")
    return value


def _key_length(key: str) -> str:
    """Label and annotation names are short in practice; a bound keeps every output key a YAML
    simple key and readable in Alertmanager and Grafana."""
    if len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"is {len(key)} characters long; at most {MAX_KEY_LENGTH}")
    return key


def _prometheus_name(key: str, what: str) -> str:
    _key_length(key)
    if not LABEL_NAME.match(key) or key.startswith("__"):
        raise ValueError(f"{what} {key!r} is not a valid Prometheus label name")
    return key


def label_name(key: str) -> str:
    _prometheus_name(key, "label name")
    if key in RESERVED_LABELS or key.startswith("sloth_"):
        raise ValueError(f"label {key!r} is set by obsgen and cannot be overridden")
    return key


def _annotation_name(key: str) -> str:
    """Prometheus requires annotation names to be valid label names."""
    return _prometheus_name(key, "annotation name")


def selector_label(key: str) -> str:
    _key_length(key)
    if not LABEL_NAME.match(key) or key == "le" or key.startswith("__"):
        raise ValueError(f"{key!r} cannot be a selector label")
    return key


def _window(value: str) -> str:
    """Alert windows are ranges evaluated every minute: whole seconds, at least one evaluation."""
    seconds = durations.seconds(value)
    if seconds < 60 or seconds != int(seconds):
        raise ValueError(f"must be whole seconds, at least 1m, got {value!r}")
    return value


Name = Annotated[str, AfterValidator(_name)]
Duration = Annotated[str, AfterValidator(_duration)]
PendingFor = Annotated[str, AfterValidator(_duration), AfterValidator(_whole_seconds)]
Period = Annotated[str, AfterValidator(_duration), AfterValidator(_days)]
Url = Annotated[str, AfterValidator(_url)]
Labels = dict[Annotated[str, AfterValidator(label_name)], str]  # key errors point at the key
Annotations = dict[Annotated[str, AfterValidator(_annotation_name)], str]
Window = Annotated[str, AfterValidator(_duration), AfterValidator(_window)]
FilePath = Annotated[str, Field(pattern=r"^/[^\s]*$", description="absolute path of a secret file")]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _dns1123(value: str) -> str:
    if not is_dns1123_label(value):
        raise ValueError(f"must be a Kubernetes object name (DNS-1123 label), got {value!r}")
    return value


Dns1123 = Annotated[str, AfterValidator(_dns1123)]
