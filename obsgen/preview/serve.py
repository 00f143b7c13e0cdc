"""Serve the preview on 127.0.0.1 only, from memory; nothing is fetched from anywhere else."""

from __future__ import annotations

import mimetypes
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOOPBACK = "127.0.0.1"
API = "live/"  # dynamic paths (obsgen preview --live), answered by the api callable
MAX_BODY = 1 << 16
# (method, path after /live/, query string, body) -> (status, content type, body)
Api = Callable[[str, str, str, bytes], tuple[int, str, bytes]]
# The page's files: fixed, or a callable asked on every request (reload.Reloader: specs edited since)
Site = dict[str, str] | Callable[[], dict[str, str]]


def _handler(site: Site, api: Api | None) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _same_origin(self) -> bool:
            """Only this page may call the API: the Host must be ours (no DNS rebinding) and a
            cross-site request's Origin is refused (a POST's JSON body needs a preflight anyway)."""
            port = self.server.server_address[1]
            hosts = {f"{LOOPBACK}:{port}", f"localhost:{port}"}
            origin = self.headers.get("Origin")
            return self.headers.get("Host") in hosts and (origin is None or origin in {f"http://{h}" for h in hosts})

        def _api(self, method: str, body: bytes = b"") -> None:
            if not self._same_origin():
                self.send_error(HTTPStatus.FORBIDDEN)
                return
            path, _, query = self.path.lstrip("/").partition("?")
            status, kind, answer = api(method, path.removeprefix(API), query, body)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(answer)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(answer)

        def do_POST(self):  # http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            if api is None or not self.path.lstrip("/").startswith(API) or length > MAX_BODY:
                self.send_error(HTTPStatus.NOT_FOUND if length <= MAX_BODY else HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
                return
            if self.headers.get("Content-Type", "").split(";")[0] != "application/json":
                self.send_error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
                return
            self._api("POST", self.rfile.read(length))

        def do_GET(self):  # http.server's naming
            path = self.path.split("?", 1)[0].lstrip("/") or "index.html"
            if api is not None and path.startswith(API):
                self._api("GET")
                return
            files = site() if callable(site) else site
            if path not in files:
                self.send_error(HTTPStatus.NOT_FOUND)
                return
            body = files[path].encode("utf-8")
            self.send_response(HTTPStatus.OK)
            kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # keep the terminal for obsgen's own lines
            pass

    return Handler


class LoopbackServer:
    """An HTTP server on 127.0.0.1 (port 0: any free one), served from a background thread: the
    preview page, the live traffic's /metrics and the live webhook are each one."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], port: int = 0):
        self.httpd = ThreadingHTTPServer((LOOPBACK, port), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"{host}:{port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}/"

    def start(self) -> None:
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class PreviewServer(LoopbackServer):
    """The preview: its files, fixed or rebuilt as the specs change (and, live, an API)."""

    def __init__(self, files: Site, port: int = 0, api: Api | None = None):
        super().__init__(_handler(files, api), port)
