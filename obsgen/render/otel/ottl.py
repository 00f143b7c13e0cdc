"""OTTL statements for the gateway's transform processor: drop sensitive attributes.

Text reaches OTTL only through `string()`, which writes an OTTL string literal (quotes and
backslashes escaped) and refuses characters a literal cannot hold raw.
"""

from __future__ import annotations

# Regular expressions (RE2) for headers that carry credentials, by semantic convention attribute
# `http.request.header.<lower-case name>` / `http.response.header.<name>`.
SECRET_REQUEST_HEADERS = "(?i)^http\\.request\\.header\\.(authorization|proxy-authorization|cookie|x-api-key)$"
SECRET_RESPONSE_HEADERS = "(?i)^http\\.response\\.header\\.set-cookie$"
# Everything from `?` up to a fragment: the query string of a full URL or a request target.
QUERY = "\\?[^#]*"
QUERY_ATTRIBUTES = ("url.full", "http.url", "http.target")  # current and legacy conventions
QUERY_KEYS = ("url.query",)


def string(text: str) -> str:
    """An OTTL string literal holding `text` exactly."""
    if not text.isprintable():
        raise ValueError(f"cannot write {text!r} in an OTTL string: it holds control characters")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def redactions(prefix: str, extra: tuple[str, ...] = ()) -> list[str]:
    """Statements deleting secrets from `<prefix>.attributes` (prefix: span or log)."""
    attrs = f"{prefix}.attributes"
    statements = [f"delete_key({attrs}, {string(key)})" for key in (*QUERY_KEYS, *extra)]
    statements += [f"replace_pattern({attrs}[{string(key)}], {string(QUERY)}, \"\")" for key in QUERY_ATTRIBUTES]
    statements += [f"delete_matching_keys({attrs}, {string(pattern)})"
                   for pattern in (SECRET_REQUEST_HEADERS, SECRET_RESPONSE_HEADERS)]
    return statements
