"""The local webhook every receiver of a live session is replaced by: it keeps what it is sent.

Alertmanager posts its webhook payload (version 4) to /<receiver name>; the list keeps the newest
notifications, in the order received, for the page to show.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from urllib.parse import unquote

from obsgen.preview.serve import LoopbackServer

KEEP = 200
MAX_BODY = 1 << 20
ALERT_LABELS = ("alertname", "service", "slo", "severity", "long_window", "short_window", "team")


def summary(receiver: str, payload: dict) -> dict:
    """What the page shows of one notification."""
    return {
        "received_at": time.time(), "receiver": receiver, "status": payload.get("status", ""),
        "group_labels": payload.get("groupLabels") or {},
        "alerts": [{"status": a.get("status", ""),
                    **{k: (a.get("labels") or {}).get(k, "") for k in ALERT_LABELS},
                    "summary": (a.get("annotations") or {}).get("summary", "")}
                   for a in payload.get("alerts") or []],
    }


class Webhook:
    def __init__(self):
        self.received: deque[dict] = deque(maxlen=KEEP)
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                if not 0 < length <= MAX_BODY:
                    self.send_error(HTTPStatus.BAD_REQUEST)
                    return
                try:
                    payload = json.loads(self.rfile.read(length))
                except ValueError:
                    self.send_error(HTTPStatus.BAD_REQUEST)
                    return
                receiver = unquote(self.path.split("?", 1)[0].lstrip("/"))
                with outer.lock:
                    outer.received.append(summary(receiver, payload if isinstance(payload, dict) else {}))
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = LoopbackServer(Handler)
        self.server.start()

    @property
    def url(self) -> str:
        return f"http://{self.server.address}"

    def notifications(self) -> list[dict]:
        with self.lock:
            return list(self.received)

    def close(self) -> None:
        self.server.close()
