"""Queries and text for Grafana, escaped twice: for the query language, then for Grafana itself.

Grafana interpolates `$name`, `${name}` and `[[name]]` in queries, titles, links and text panels
before anything else sees them, and has no escape syntax. User text therefore reaches it only in
forms where those sequences cannot occur:
- in PromQL, LogQL and TraceQL string literals, `$` becomes `\\u0024` and `[[` becomes `[\\u005b`
  (Go string escapes, which all three languages accept, so the query still means the same value);
- in Markdown, every ASCII punctuation character becomes an HTML character reference;
- in URLs, `$`, brackets and parentheses are percent-encoded.
Template variables obsgen means to use (`$slo`, `$environment`, `$__rate_interval`) are added after
escaping, so they are the only ones left.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from urllib.parse import quote as url_quote

from obsgen import promql
from obsgen.names import DASHBOARD_ENV_VAR, DASHBOARD_SLO_VAR

SLO_VAR = DASHBOARD_SLO_VAR
ENV_VAR = DASHBOARD_ENV_VAR
RATE = "$__rate_interval"


def grafana_safe(expr: str) -> str:
    """An expression whose only `$` and `[[` are inside string literals, made inert for Grafana."""
    return expr.replace("$", "\\u0024").replace("[[", "[\\u005b")


def literal(value: str) -> str:
    return grafana_safe(promql.quote(value))


def selector(metric: str, matchers: Mapping[str, str] | Iterable[tuple[str, str, str]] = (),
             variables: Mapping[str, str] = ()) -> str:
    """`metric{fixed matchers escaped, label=~"$var"...}`: variables match by regex, so that
    Grafana's multi-value and All formatting (a regex) works."""
    base = grafana_safe(promql.selector(metric, matchers))
    var_part = ",".join(f'{label}=~"${var}"' for label, var in dict(variables).items())
    if not var_part:
        return base
    if base.endswith("}"):
        return f"{base[:-1]},{var_part}}}"
    return f"{base}{{{var_part}}}"


def regex_alternatives(values: Iterable[str]) -> str:
    """An RE2 alternation matching exactly these names (label-safe names need no escaping but `.`)."""
    return "|".join(v.replace(".", "\\.") for v in values)


def logql_stream(labels: Mapping[str, str]) -> str:
    return "{" + ",".join(f"{k}={literal(v)}" for k, v in labels.items()) + "}"


def traceql_equals(attribute: str, value: str) -> str:
    return f"{{{attribute}={literal(value)}}}"


_PUNCTUATION = set(string.punctuation)


def markdown_text(value: str) -> str:
    """User text shown literally in a Markdown text panel: no markup, no Grafana variables."""
    return "".join(f"&#{ord(c)};" if c in _PUNCTUATION else c for c in value.replace("\n", " "))


def url(value: str) -> str:
    """A URL Grafana will not interpolate and Markdown will not cut short."""
    return url_quote(value, safe=":/?#@!&*+,;=%-._~")


def legend(*labels: str) -> str:
    """A legend naming series by these labels (Grafana's `{{label}}` syntax)."""
    return " ".join("{{" + label + "}}" for label in labels)


def env_vars(label: str) -> dict[str, str]:
    return {label: ENV_VAR}


def by(*labels: str) -> str:
    return "by (" + ", ".join(labels) + ")"


__all__ = ["ENV_VAR", "RATE", "SLO_VAR", "by", "env_vars", "grafana_safe", "legend", "literal", "logql_stream",
           "markdown_text", "regex_alternatives", "selector", "traceql_equals", "url"]
