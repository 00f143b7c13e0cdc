"""Local stand-ins for every receiver kind a live session's Alertmanager notifies, each speaking that
receiver's own protocol, so the generated receivers and templates run unchanged:

- Slack incoming webhook: POST JSON to the hook URL (the `api_url_file` names it); answers `ok`.
- PagerDuty Events API v2: POST JSON to `global.pagerduty_url`, the routing key in the body
  (from `routing_key_file`); answers 202 with a dedup key, as PagerDuty does.
- Opsgenie Alert API: POST /v2/alerts (create) and /v2/alerts/<alias>/close (resolve) under
  `global.opsgenie_api_url`, the key in `Authorization: GenieKey <key>` (from `api_key_file`).
- generic webhook: POST Alertmanager's JSON to the URL its `url_file` names.
- SMTP: just enough for Alertmanager's e-mail notifier (no TLS, no AUTH advertised, so none is tried).

Each secret a config names (hook URL, routing key, API key) is a token this module hands out, so a
delivery is traced back to the receiver that sent it: `register` ties (kind, token or address) to
receiver names. Every delivery is kept, in order, with the headline and text on-call would read.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import socketserver
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler

from obsgen.preview.serve import LOOPBACK, LoopbackServer

KEEP = 1000
MAX_BODY = 1 << 20
KINDS = ("pagerduty", "opsgenie", "slack", "webhook", "email")
PAGERDUTY_PATH = "/pagerduty/v2/enqueue"
OPSGENIE_PATH = "/opsgenie/"


@dataclass
class Delivery:
    """One notification as the receiving service got it."""

    kind: str
    receivers: tuple[str, ...]  # the Alertmanager receiver(s) whose secret it carried
    at: float  # time.time() when it arrived
    status: str  # firing | resolved
    title: str  # the headline on-call reads first
    text: str  # everything else they read
    payload: dict = field(repr=False)  # as received (e-mail: headers, text and html)

    @property
    def receiver(self) -> str:
        return "|".join(self.receivers) or "(unknown)"

    def summary(self) -> dict:
        """What the preview page shows of it."""
        return {"received_at": self.at, "receiver": self.receiver, "kind": self.kind, "status": self.status,
                "title": self.title, "text": self.text}


def _slack(body: dict) -> tuple[str, str, str]:
    attachment = (body.get("attachments") or [{}])[0]
    status = "resolved" if attachment.get("color") == "good" else "firing"
    return status, str(attachment.get("title", "")), str(attachment.get("text", ""))


def _pagerduty(body: dict) -> tuple[str, str, str]:
    payload = body.get("payload") or {}
    status = "resolved" if body.get("event_action") == "resolve" else "firing"
    details = payload.get("custom_details") or {}
    links = " ".join(f"{link.get('text')}: {link.get('href')}" for link in body.get("links") or [])
    fields = "\n".join(f"{k}: {v}" for k, v in sorted(details.items()))
    text = f"severity {payload.get('severity', '')}\n{links}\n{fields}"
    return status, str(payload.get("summary", "")), text


def _webhook(body: dict) -> tuple[str, str, str]:
    labels = body.get("commonLabels") or {}
    title = " ".join(f"{k}={v}" for k, v in sorted(labels.items()))
    alerts = "\n".join(str((a.get("annotations") or {}).get("summary", "")) for a in body.get("alerts") or [])
    return str(body.get("status", "")), title, alerts


class Sinks:
    """An HTTP server for the JSON protocols and an SMTP server, both on 127.0.0.1."""

    def __init__(self):
        self.received: deque[Delivery] = deque(maxlen=KEEP)
        self.lock = threading.Lock()
        self.owners: dict[tuple[str, str], list[str]] = {}  # (kind, token or address) -> receivers
        self.tokens = 0
        self.http = LoopbackServer(self._http_handler())
        self.http.start()
        self.smtp = socketserver.ThreadingTCPServer((LOOPBACK, 0), self._smtp_handler())
        self.smtp.daemon_threads = True
        self.smtp_thread = threading.Thread(target=self.smtp.serve_forever, daemon=True)
        self.smtp_thread.start()

    # --- what a config must name to reach them ------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.http.address}"

    @property
    def pagerduty_url(self) -> str:
        return self.url + PAGERDUTY_PATH

    @property
    def opsgenie_api_url(self) -> str:
        return self.url + OPSGENIE_PATH

    @property
    def smarthost(self) -> str:
        return f"{LOOPBACK}:{self.smtp.server_address[1]}"

    def token(self, kind: str) -> str:
        """A fresh secret value for a receiver of this kind: a URL for hooks, a key otherwise."""
        with self.lock:
            self.tokens += 1
            number = self.tokens
        if kind in ("slack", "webhook"):
            return f"{self.url}/{kind}/{number}"
        return f"obsgen-live-{kind}-{number}"

    def register(self, kind: str, key: str, receiver: str) -> None:
        """Deliveries of this kind carrying this token (Slack: token and channel; e-mail: the
        recipient) are the receiver's."""
        owners = self.owners.setdefault((kind, key), [])
        if receiver not in owners:
            owners.append(receiver)

    # --- what they received -------------------------------------------------------------------

    def deliveries(self) -> list[Delivery]:
        with self.lock:
            return list(self.received)

    def _keep(self, kind: str, key: str, parsed: tuple[str, str, str], payload: dict) -> None:
        status, title, text = parsed
        receivers = tuple(self.owners.get((kind, key), ()))
        with self.lock:
            self.received.append(Delivery(kind, receivers, time.time(), status, title, text, payload))

    def _post(self, path: str, headers, body: dict) -> tuple[int, dict | str]:
        """Record one POST by the protocol its path names; the answer the real service gives."""
        if path == PAGERDUTY_PATH:
            self._keep("pagerduty", str(body.get("routing_key", "")), _pagerduty(body), body)
            return HTTPStatus.ACCEPTED, {"status": "success", "message": "Event processed",
                                         "dedup_key": body.get("dedup_key", "")}
        if path.startswith(OPSGENIE_PATH + "v2/alerts"):
            key = headers.get("Authorization", "").removeprefix("GenieKey ")
            closing = path.endswith("/close")
            parsed = ("resolved" if closing else "firing", str(body.get("message", "")),
                      str(body.get("description", "")) + "\n" + json.dumps(body.get("details") or {}, sort_keys=True))
            self._keep("opsgenie", key, parsed, {**body, "path": path})
            return HTTPStatus.ACCEPTED, {"result": "Request will be processed", "took": 0.0, "requestId": "local"}
        kind, _, _ = path.lstrip("/").partition("/")
        if kind == "slack":
            self._keep("slack", f"{self.url}{path}#{body.get('channel', '')}", _slack(body), body)
            return HTTPStatus.OK, "ok"
        if kind == "webhook":
            self._keep("webhook", f"{self.url}{path}", _webhook(body), body)
            return HTTPStatus.OK, ""
        return HTTPStatus.NOT_FOUND, {"error": f"no receiver protocol at {path}"}

    def _http_handler(self) -> type[BaseHTTPRequestHandler]:
        sinks = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length)) if 0 < length <= MAX_BODY else None
                except ValueError:
                    body = None
                if not isinstance(body, dict):
                    self.send_error(HTTPStatus.BAD_REQUEST)
                    return
                status, answer = sinks._post(self.path.split("?", 1)[0], self.headers, body)
                data = (answer if isinstance(answer, str) else json.dumps(answer)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain" if isinstance(answer, str) else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler

    def _smtp_handler(self) -> type[socketserver.StreamRequestHandler]:
        sinks = self

        class Smtp(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self):
                self.reply("220 localhost ESMTP obsgen-live")
                recipients: list[str] = []
                while line := self.rfile.readline(MAX_BODY):
                    verb = line[:4].upper()
                    if verb in (b"EHLO", b"HELO"):
                        self.reply("250 localhost")
                    elif verb == b"RCPT":
                        recipients.append(re.sub(r"^.*<([^>]*)>.*$", r"\1", line.decode(errors="replace").strip()))
                        self.reply("250 ok")
                    elif verb == b"DATA":
                        self.reply("354 end with <CRLF>.<CRLF>")
                        data = b""
                        while (chunk := self.rfile.readline(MAX_BODY)) not in (b".\r\n", b""):
                            data += chunk[1:] if chunk.startswith(b"..") else chunk
                        sinks._mail(recipients, data)
                        recipients = []
                        self.reply("250 queued")
                    elif verb == b"QUIT":
                        self.reply("221 bye")
                        return
                    else:  # MAIL, RSET, NOOP
                        self.reply("250 ok")

        return Smtp

    def _mail(self, recipients: list[str], data: bytes) -> None:
        message = email.message_from_bytes(data, policy=email.policy.default)
        plain, html = message.get_body(("plain",)), message.get_body(("html",))
        payload = {"to": recipients, "subject": str(message["Subject"] or ""),
                   "text": plain.get_content() if plain else "", "html": html.get_content() if html else ""}
        status = "resolved" if payload["subject"].startswith("[RESOLVED") else "firing"
        for recipient in recipients or [""]:
            self._keep("email", recipient, (status, payload["subject"], payload["text"]), payload)

    def close(self) -> None:
        self.http.close()
        self.smtp.shutdown()
        self.smtp.server_close()
        self.smtp_thread.join(timeout=5)
