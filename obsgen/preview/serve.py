"""Serve the preview on 127.0.0.1 only, from memory; nothing is fetched from anywhere else."""

from __future__ import annotations

import mimetypes
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOOPBACK = "127.0.0.1"


def _handler(files: dict[str, str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # http.server's naming
            path = self.path.split("?", 1)[0].lstrip("/") or "index.html"
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


class PreviewServer:
    """A loopback HTTP server for a dict of files, run in a background thread."""

    def __init__(self, files: dict[str, str], port: int = 0):
        self.httpd = ThreadingHTTPServer((LOOPBACK, port), _handler(files))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/"

    def __enter__(self) -> PreviewServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
