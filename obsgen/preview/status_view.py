"""The preview's live status view (`obsgen preview --url PROMETHEUS`): `obsgen status` in the page.

The page asks its own server for GET /live/status every few seconds; the server answers with the
rows obsgen.live.status computes for `obsgen status --format json` (the same three queries, the same
states, routing and detection times), worst first, for the specs as they are now (reload.Reloader).
Each answer uses a new client, so the command's one deadline (--timeout) bounds each poll. The page
(assets/status.js) sorts and filters them; nothing else is read from the server.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http import HTTPStatus

from obsgen.live import status
from obsgen.live.client import Client, LiveQueryError
from obsgen.plan.model import Plan

REFRESH_SECONDS = 5  # how often the page asks again
Response = tuple[int, str, bytes]


def _json(code: int, data) -> Response:
    return code, "application/json", json.dumps(data, sort_keys=True).encode("utf-8")


class StatusView:
    def __init__(self, client: Callable[[], Client], plan: Callable[[], Plan]):
        self.client, self.plan = client, plan

    def page_data(self, plan: Plan) -> dict:
        return {"url": self.client().base, "mode": plan.metrics.mode, "states": list(status.STATES),
                "refresh": REFRESH_SECONDS}

    def rows(self) -> dict:
        plan, client = self.plan(), self.client()
        shown = status.select(status.rows(plan, status.fetch(plan, client)))
        return {"url": client.base, "mode": plan.metrics.mode, "rows": [r.as_json() for r in shown]}

    def api(self, method: str, path: str, query: str, body: bytes) -> Response:
        """Answer /live/status (the page's only dynamic path with --url)."""
        if method != "GET" or path != "status":
            return _json(HTTPStatus.NOT_FOUND, {"error": f"no such endpoint: {method} /live/{path}"})
        try:
            return _json(HTTPStatus.OK, self.rows())
        except LiveQueryError as failed:
            return _json(HTTPStatus.BAD_GATEWAY, {"error": str(failed)})
