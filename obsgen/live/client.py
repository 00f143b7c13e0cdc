"""One small client of the Prometheus HTTP API (Prometheus, Mimir, Thanos Query, or any server that
answers /api/v1/*), for `obsgen lint` and `obsgen status`.

Authentication reads its secrets from files only, as the rest of obsgen does: a bearer token file, a
basic-auth password file, and plain headers such as Mimir's `X-Scope-OrgID` tenant. Amazon Managed
Prometheus needs SigV4 request signing, which this client does not do: put a SigV4 proxy (e.g.
aws-sigv4-proxy) in front of the workspace and point --url at it.

Every request of one command shares one deadline, so a slow or hung server costs at most that long;
an unreachable or refusing server is one clear error (LiveQueryError, which the CLI prints).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from obsgen import names
from obsgen.errors import ToolError

DEFAULT_TIMEOUT = 60.0  # seconds for all the requests of one command against one server


class LiveQueryError(ToolError):
    """The server cannot be reached, refused, or answered with an error; the message says which."""


@dataclass(frozen=True)
class Auth:
    bearer_token_file: Path | None = None
    basic_user: str | None = None
    basic_password_file: Path | None = None
    headers: tuple[tuple[str, str], ...] = ()

    def apply(self, session: requests.Session) -> None:
        session.headers.update(dict(self.headers))
        if self.bearer_token_file is not None:
            session.headers["Authorization"] = "Bearer " + _secret(self.bearer_token_file, "--bearer-token-file")
        if self.basic_user is not None:
            password = _secret(self.basic_password_file, "--basic-auth-password-file") \
                if self.basic_password_file is not None else ""
            session.auth = (self.basic_user, password)


def _secret(path: Path, option: str) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise LiveQueryError(f"{option} {path}: cannot read it ({exc.strerror or exc})") from None


def parse_header(text: str) -> tuple[str, str]:
    """`Name: value` (e.g. `X-Scope-OrgID: tenant-1`) as given to --header."""
    name, sep, value = text.partition(":")
    if not sep or not name.strip() or any(c in name for c in " \t\r\n") or any(c in value for c in "\r\n"):
        raise ValueError(f"--header {text!r}: expected 'Name: value', e.g. 'X-Scope-OrgID: tenant-1'")
    return name.strip(), value.strip()


@dataclass
class Client:
    url: str
    auth: Auth = field(default_factory=Auth)
    timeout: float = DEFAULT_TIMEOUT
    requests_made: int = 0

    def __post_init__(self):
        if not self.url.startswith(("http://", "https://")):
            raise LiveQueryError(f"--url {self.url!r}: expected http://host:port (with a path prefix if the "
                                 "server has one, e.g. Mimir's http://mimir/prometheus)")
        self.base = self.url.rstrip("/")
        self.deadline = time.monotonic() + self.timeout
        self.session = requests.Session()
        self.auth.apply(self.session)

    # --- the API calls used ----------------------------------------------------------------------

    def query(self, expr: str, at: float | None = None) -> list[dict]:
        """An instant query: the vector's samples as [{"metric": {...}, "value": [t, "v"]}]."""
        data = {"query": expr, **({"time": f"{at:.3f}"} if at is not None else {})}
        result = self._call("api/v1/query", data)
        if result.get("resultType") != "vector":
            raise LiveQueryError(f"{self.base}: expected a vector for {expr!r}, got {result.get('resultType')}")
        return result.get("result") or []

    def label_values(self, label: str, match: str | None, start: float, end: float) -> list[str]:
        """Values of `label` on the series `match` selects (any series: None) in [start, end]."""
        params = {**({"match[]": match} if match else {}), "start": f"{start:.3f}", "end": f"{end:.3f}"}
        return sorted(self._call(f"api/v1/label/{label}/values", params, get=True) or [])

    def label_names(self, match: str, start: float, end: float) -> list[str]:
        return sorted(self._call("api/v1/labels", {"match[]": match, "start": f"{start:.3f}", "end": f"{end:.3f}"})
                      or [])

    def alerts(self) -> list[dict]:
        """Alerts pending or firing in the rules the server evaluates (Prometheus, Thanos Rule, Mimir's
        ruler answer /api/v1/alerts; a query frontend that does not is read through ALERTS instead)."""
        return [{"labels": s["metric"], "state": s["metric"].get(names.ALERT_STATE, "")}
                for s in self.query(f'{names.ALERTS}{{{names.ALERT_STATE}=~"firing|pending"}}')]

    # --- transport -------------------------------------------------------------------------------

    def _call(self, path: str, data: dict, get: bool = False):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise LiveQueryError(f"{self.base}: no answer within {self.timeout:.0f}s (--timeout)")
        self.requests_made += 1
        url = f"{self.base}/{path}"
        try:
            if get:
                response = self.session.get(url, params=data, timeout=left)
            else:  # POST: long queries and many match[] fit, as the API allows for these endpoints
                response = self.session.post(url, data=data, timeout=left)
        except requests.exceptions.Timeout:
            raise LiveQueryError(f"{self.base}: no answer within {self.timeout:.0f}s (--timeout)") from None
        except requests.exceptions.ConnectionError as exc:
            raise LiveQueryError(f"cannot reach {self.base}: {_reason(exc)}") from None
        except requests.exceptions.RequestException as exc:
            raise LiveQueryError(f"{self.base}: {exc}") from None
        return _payload(self.base, path, response)


def _reason(exc: Exception) -> str:
    text = str(exc)
    for known in ("Connection refused", "Name or service not known", "No route to host", "timed out"):
        if known in text:
            return known.lower() + " (is the server running there?)"
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _payload(base: str, path: str, response: requests.Response):
    if response.status_code in (401, 403):
        raise LiveQueryError(f"{base} refused the request: HTTP {response.status_code} {response.reason} "
                             "(authentication: --bearer-token-file, --basic-auth-user with "
                             "--basic-auth-password-file, or --header 'X-Scope-OrgID: <tenant>' for Mimir)")
    try:
        body = response.json()
    except ValueError:
        first = (response.text or "").strip().splitlines()[:1]
        raise LiveQueryError(f"{base}/{path}: HTTP {response.status_code}, not a Prometheus API answer"
                             + (f": {first[0][:200]}" if first else "")) from None
    if response.status_code != 200 or body.get("status") != "success":
        raise LiveQueryError(f"{base}/{path}: HTTP {response.status_code}: "
                             f"{body.get('errorType', 'error')}: {body.get('error', 'no message')}")
    return body.get("data")
