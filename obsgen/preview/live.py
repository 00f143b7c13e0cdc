"""`obsgen preview --live`: the generated rules and routes running in real Prometheus and Alertmanager.

A LiveSession starts, in a temporary directory and on free loopback ports: the webhook that stands
in for every receiver (live_webhook.py), the synthetic traffic (live_traffic.py), Alertmanager and
Prometheus (live_procs.py) loaded with the generated files (live_config.py). Leaving the `with`
block, for any reason (Ctrl-C, SIGTERM, SIGHUP, an error), stops them in reverse order and
removes the directory. `api()` answers the page's /live/ requests: the session's state, the
controls, and read-only proxies to a few Prometheus and Alertmanager API paths, so the page
talks to its own origin only (its CSP is 'self').
"""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import tempfile
import threading
import time
from http import HTTPStatus
from pathlib import Path

import requests

from obsgen import names
from obsgen.plan.model import Plan
from obsgen.preview import live_config
from obsgen.preview.live_procs import LiveError, Process, find_tool, free_port
from obsgen.preview.live_traffic import MODES, SLOW_BURN, Traffic, TrafficServer, simulated_slos
from obsgen.preview.live_webhook import Webhook
from obsgen.preview.serve import LOOPBACK

RULES_DIR = "alerts/rules/"
AM_DIR = "alerts/alertmanager/"
AM_CONFIG = AM_DIR + "alertmanager.yaml"
PROXIED = {  # what the page may read through the preview server; nothing else is forwarded
    "prometheus": ("api/v1/query", "api/v1/alerts", "api/v1/rules", "api/v1/targets"),
    "alertmanager": ("api/v2/alerts", "api/v2/status"),
}
BURN_QUERY = f'{{__name__=~"{names.SLI_ERROR_RATIO.format(window=".+")}"}}'
Response = tuple[int, str, bytes]
PROXY_TIMEOUT = 60  # seconds: a slow answer from a busy Prometheus is still an answer
WATCH_SECONDS = 0.5  # how often the CLI checks that Prometheus and Alertmanager still run


def _json(status: int, data) -> Response:
    return status, "application/json", json.dumps(data, sort_keys=True).encode("utf-8")


class LiveSession:
    def __init__(self, plan: Plan, files: dict[str, str]):
        self.plan, self.files = plan, files
        self.stack = contextlib.ExitStack()
        self.processes: list[Process] = []
        self.tmp: Path | None = None
        self.urls: dict[str, str] = {}
        self.receivers: list[str] = []
        self.skipped: list[dict] = []

    # --- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> LiveSession:
        try:
            self._start()
        except BaseException:
            self.stack.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stack.close()

    def _start(self) -> None:
        prometheus = find_tool("prometheus")
        alertmanager = find_tool("prometheus-alertmanager", "alertmanager")
        rules = {p: t for p, t in self.files.items() if p.startswith(RULES_DIR) and p.endswith(".yaml")}
        if AM_CONFIG not in self.files or not rules:
            raise LiveError(f"nothing to run: the specs generate no {RULES_DIR}*.yaml or no {AM_CONFIG}")
        self._signals()
        self.tmp = Path(tempfile.mkdtemp(prefix="obsgen-live-"))
        self.stack.callback(shutil.rmtree, self.tmp, ignore_errors=True)  # registered first: runs last

        self.webhook = Webhook()
        self.stack.callback(self.webhook.close)
        slos, self.skipped = simulated_slos(self.plan)
        self.traffic = Traffic(slos)
        traffic_server = TrafficServer(self.traffic)
        self.stack.callback(traffic_server.close)

        self._write_alertmanager()
        am_address = f"{LOOPBACK}:{free_port()}"
        self._run("alertmanager", [
            alertmanager, f"--config.file={self.tmp / 'alertmanager.yaml'}",
            f"--storage.path={self.tmp / 'alertmanager-data'}", f"--web.listen-address={am_address}",
            "--cluster.listen-address=",  # no gossip port on every interface: a single local instance
        ], f"http://{am_address}")

        rules_dir = self.tmp / live_config.RULES
        rules_dir.mkdir()
        for path, text in rules.items():
            (rules_dir / Path(path).name).write_text(live_config.rules(text), encoding="utf-8")
        routing = self.plan.routing
        (self.tmp / "prometheus.yml").write_text(live_config.prometheus(
            am_address, traffic_server.address,
            routing.environment_label if routing else names.ENVIRONMENT_LABEL,
            routing.paging_environment if routing else "production"), encoding="utf-8")
        prom_address = f"{LOOPBACK}:{free_port()}"
        self._run("prometheus", [
            prometheus, f"--config.file={self.tmp / 'prometheus.yml'}",
            f"--storage.tsdb.path={self.tmp / 'prometheus-data'}", f"--web.listen-address={prom_address}",
        ], f"http://{prom_address}")

    def _write_alertmanager(self) -> None:
        templates = self.tmp / live_config.ALERTMANAGER
        templates.mkdir()
        for path, text in self.files.items():
            if path.startswith(AM_DIR) and path.endswith(".tmpl"):
                (templates / Path(path).name).write_text(text, encoding="utf-8")
        config, self.receivers = live_config.alertmanager(self.files[AM_CONFIG], self.webhook.url, templates)
        (self.tmp / "alertmanager.yaml").write_text(config, encoding="utf-8")

    def _run(self, name: str, argv: list[str], url: str) -> None:
        process = Process(name, argv, self.tmp / f"{name}.log", self.tmp)
        self.processes.append(process)
        self.stack.callback(process.stop)
        self.urls[name] = url
        process.wait_ready(f"{url}/-/ready")

    def check(self) -> None:
        """Raise when a process the session started has exited: the session then stops the rest."""
        for process in self.processes:
            if process.popen.poll() is not None:
                raise LiveError(f"{process.name} exited with code {process.popen.returncode}:\n{process.tail()}")

    def _signals(self) -> None:
        """SIGTERM and SIGHUP end the session as Ctrl-C does (only the main thread may set handlers)."""
        if threading.current_thread() is not threading.main_thread():
            return

        def interrupt(signum, frame):
            raise KeyboardInterrupt(signal.Signals(signum).name)

        for signum in (signal.SIGTERM, signal.SIGHUP):
            previous = signal.signal(signum, interrupt)
            self.stack.callback(signal.signal, signum, previous)

    # --- what the page reads and does ---------------------------------------------------------

    def page_data(self) -> dict:
        """What the page shows from the start: receivers, simulated SLOs, the burn-rate query."""
        return {
            "receivers": [{"name": r, "url": live_config.webhook_url(self.webhook.url, r)} for r in self.receivers],
            "simulated": [s["id"] for s in self.traffic.state()], "skipped": self.skipped,
            "burn_query": BURN_QUERY, "modes": list(MODES), "slow_burn": SLOW_BURN,
            "urls": dict(self.urls, webhook=self.webhook.url),
        }

    def state(self) -> dict:
        return {"traffic": self.traffic.state(), "notifications": self.webhook.notifications()}

    def api(self, method: str, path: str, query: str, body: bytes) -> Response:
        """Answer a /live/ request of the page (path without the leading /live/)."""
        if method == "GET" and path == "state":
            return _json(HTTPStatus.OK, self.state())
        if method == "POST" and path == "inject":
            return self._inject(body)
        backend, _, rest = path.partition("/")
        if method == "GET" and rest in PROXIED.get(backend, ()):
            return self._proxy(backend, rest, query)
        return _json(HTTPStatus.NOT_FOUND, {"error": f"no such endpoint: {method} /live/{path}"})

    def _inject(self, body: bytes) -> Response:
        try:
            request = json.loads(body)
            self.traffic.set_mode(str(request["slo"]), str(request["mode"]), float(request.get("burn", SLOW_BURN)))
        except KeyError as missing:
            return _json(HTTPStatus.BAD_REQUEST, {"error": f"unknown or missing {missing}"})
        except (ValueError, TypeError) as bad:
            return _json(HTTPStatus.BAD_REQUEST, {"error": str(bad)})
        return _json(HTTPStatus.OK, self.state())

    def _proxy(self, backend: str, path: str, query: str) -> Response:
        url = f"{self.urls[backend]}/{path}" + (f"?{query}" if query else "")
        try:
            answer = requests.get(url, timeout=PROXY_TIMEOUT)
        except requests.RequestException as failed:
            return _json(HTTPStatus.BAD_GATEWAY, {"error": f"{backend}: {failed}"})
        kind = answer.headers.get("Content-Type", "application/json").split(";")[0]
        return answer.status_code, kind, answer.content


__all__ = ["LiveError", "LiveSession"]


def serve(plan: Plan, files: dict[str, str], view: dict, diff: str, port: int, echo) -> None:
    """Run a live session and its page until Ctrl-C, SIGTERM or SIGHUP; everything stops after."""
    from obsgen.preview import page
    from obsgen.preview.serve import PreviewServer

    with LiveSession(plan, files) as session:
        site = page.render(view, diff, live=session.page_data())
        try:
            server = PreviewServer(site, port, api=session.api)
        except OSError as failed:
            raise LiveError(f"cannot serve the page on {LOOPBACK}:{port}: {failed.strerror or failed}") from None
        with server:
            echo(f"prometheus on {session.urls['prometheus']}, alertmanager on {session.urls['alertmanager']}, "
                 f"webhook on {session.webhook.url}, in {session.tmp}")
            echo(f"obsgen preview --live on {server.url} (Ctrl-C to stop)")
            while server.thread.is_alive():
                session.check()
                time.sleep(WATCH_SECONDS)
