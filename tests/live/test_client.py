"""The live client's authentication and failures, against a real Prometheus behind an auth proxy
(as Mimir or a gateway would stand): secrets come from files, a refusal, an unreachable server and
one that never answers are each one clear line, exit 1, no traceback."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.builders import free_port
from tests.conftest import EXAMPLES, PATIENCE, run_obsgen
from tests.live.prom import openmetrics, prometheus

TOKEN = "s3cret-token"
TENANT = "team-a"


class _Proxy(BaseHTTPRequestHandler):
    upstream = ""

    def _forward(self):
        if self.headers.get("Authorization") != f"Bearer {TOKEN}" or self.headers.get("X-Scope-OrgID") != TENANT:
            self.send_response(401)
            self.end_headers()
            self.wfile.write(b"no")
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) or None
        request = urllib.request.Request(self.upstream + self.path, data=body, method=self.command,
                                         headers={"Content-Type": self.headers.get("Content-Type", "")})
        with urllib.request.urlopen(request, timeout=PATIENCE) as answer:
            data = answer.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _forward

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    now = int(time.time()) // 60 * 60
    series = {'http_requests_total{job="checkout",code="200"}': 100}
    with prometheus(tmp_path_factory.mktemp("prom"), openmetrics(series, now - 600, now - 60)) as url:
        handler = type("Proxy", (_Proxy,), {"upstream": url})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_address[1]}"
        server.shutdown()
        server.server_close()


def test_credentials_from_files_reach_the_server(proxy, tmp_path):
    token = tmp_path / "token"
    token.write_text(TOKEN + "\n")
    done = run_obsgen("lint", "--url", proxy, "--bearer-token-file", str(token),
                      "--header", f"X-Scope-OrgID: {TENANT}", str(EXAMPLES))
    assert "refused" not in done.stderr and "Traceback" not in done.stderr
    assert "SLOs," in done.stdout + done.stderr  # the summary: the server answered every request
    assert TOKEN not in done.stdout + done.stderr  # never echoed


def test_a_refusal_is_one_clear_line(proxy):
    done = run_obsgen("lint", "--url", proxy, "--header", f"X-Scope-OrgID: {TENANT}", str(EXAMPLES))
    assert done.returncode == 1
    assert done.stderr.startswith(f"error: {proxy} refused the request: HTTP 401"), done.stderr
    assert "--bearer-token-file" in done.stderr and "Traceback" not in done.stderr


def test_an_unreachable_server_is_one_clear_line():
    url = f"http://127.0.0.1:{free_port()}"
    done = run_obsgen("lint", "--url", url, str(EXAMPLES))
    assert done.returncode == 1
    assert done.stderr.strip() == f"error: cannot reach {url}: connection refused (is the server running there?)"


def test_a_server_that_never_answers_costs_the_timeout():
    with socket.socket() as silent:  # accepts connections (the backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        done = run_obsgen("lint", "--url", url, "--timeout", "2", str(EXAMPLES))
    assert done.returncode == 1
    assert done.stderr.strip() == f"error: {url}: no answer within 2s (--timeout)"


def test_a_missing_token_file_names_the_option(tmp_path):
    done = run_obsgen("lint", "--url", "http://127.0.0.1:9", "--bearer-token-file", str(tmp_path / "nope"),
                      str(EXAMPLES))
    assert done.returncode == 1
    assert done.stderr.startswith(f"error: --bearer-token-file {tmp_path / 'nope'}: cannot read it")
