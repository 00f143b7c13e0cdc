"""`obsgen preview --live` and the end-to-end test: the generated rules and routes running in real
Prometheus and Alertmanager, notifying local stand-ins of every receiver.

A LiveSession starts, in a temporary directory and on free loopback ports: per Alertmanager, the
sinks that speak each receiver's protocol (live_sinks.py) and the Alertmanager loaded with the
generated config and templates (live_config.py); per environment, the synthetic traffic
(live_traffic.py), its backfilled history when asked (live_history.py) and a Prometheus loaded
with the generated rules, labelled with that environment as a cluster's Prometheus is, alerting to
every Alertmanager (live_procs.py). Leaving the `with` block, for any reason (Ctrl-C, SIGTERM,
SIGHUP, an error), stops them in reverse order and removes the directory. `api()` answers the
page's /live/ requests: the session's state, the controls, and read-only proxies to a few
Prometheus and Alertmanager API paths, so the page talks to its own origin only (its CSP is 'self').

The preview and tests/e2e run this same class: the preview with `Options()` (one environment, the
paging one; a compressed clock; secrets and endpoints redirected to the sinks), the end-to-end test
with the real clock, history, two environments and the generated config loaded unchanged.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path

import requests

from obsgen import durations, names
from obsgen.artifacts import AlertmanagerConfig, Artifact, RuleFile
from obsgen.output import committed, encode
from obsgen.plan.model import Plan
from obsgen.preview import live_config, live_history
from obsgen.preview.live_config import PREVIEW, Clock
from obsgen.preview.live_procs import LiveError, Process, find_tool, free_port
from obsgen.preview.live_sinks import Sinks
from obsgen.preview.live_traffic import MODES, SLOW_BURN, Segment, Traffic, TrafficServer, simulated_slos
from obsgen.preview.serve import LOOPBACK

RULES_DIR = "alerts/rules/"
AM_DIR = "alerts/alertmanager/"
AM_CONFIG = AM_DIR + "alertmanager.yaml"
GENERATED = "generated"  # the Alertmanager loaded with the generated config (others: Options.mutants)
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


@dataclass
class Options:
    clock: Clock = PREVIEW
    environments: tuple[str, ...] = ()  # one Prometheus each; none given: the paging environment
    history: float = 0.0  # seconds of backfilled history (0: Prometheus starts empty)
    profile: dict[tuple[str, str], list[Segment]] = field(default_factory=dict)  # (env, SLO id) -> its past
    secrets: Path | None = None  # the specs' secret files are under it: load the config unchanged
    mutants: dict[str, dict] = field(default_factory=dict)  # more Alertmanagers: name -> config (its data)
    sinks: Sinks | None = None  # the generated Alertmanager's, started before the specs named them


@dataclass
class AlertmanagerRun:
    name: str
    sinks: Sinks
    url: str = ""
    config: Path | None = None


@dataclass
class Cluster:
    """One environment: its traffic and the Prometheus that scrapes it."""

    environment: str
    traffic: Traffic
    url: str = ""
    history_end: float | None = None
    server: TrafficServer | None = None  # serves the traffic to the Prometheus


class LiveSession:
    def __init__(self, plan: Plan, artifacts: dict[str, Artifact], options: Options | None = None):
        """`artifacts`: what the renderers built; the session writes the rules and templates as
        generated and reads the rules (RuleFile) and the Alertmanager config's data
        (AlertmanagerConfig), never their text."""
        self.plan, self.options = plan, options or Options()
        self.artifacts = artifacts
        self.config = artifacts.get(AM_CONFIG)
        self.files = {path: encode.text(a) for path, a in artifacts.items() if path.startswith("alerts/")}
        self.stack = contextlib.ExitStack()
        self.processes: list[Process] = []
        self.tmp: Path | None = None
        self.urls: dict[str, str] = {}
        self.receivers: list[str] = []
        self.skipped: list[dict] = []
        self.alertmanagers: dict[str, AlertmanagerRun] = {}
        self.clusters: dict[str, Cluster] = {}
        self.starting: list[tuple[Process, str]] = []  # started, not yet ready: (process, readiness URL)

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

    @property
    def traffic(self) -> Traffic:
        """The first environment's traffic: what the page's controls drive."""
        return next(iter(self.clusters.values())).traffic

    @property
    def sinks(self) -> Sinks:
        return self.alertmanagers[GENERATED].sinks

    def _start(self) -> None:
        tools = {"prometheus": find_tool("prometheus"), "promtool": find_tool("promtool"),
                 "alertmanager": find_tool("prometheus-alertmanager", "alertmanager")}
        rules = {p: self._rule_file(p, t) for p, t in self.files.items()
                 if p.startswith(RULES_DIR) and p.endswith(".yaml")}
        if not isinstance(self.config, AlertmanagerConfig) or not rules:
            raise LiveError(f"nothing to run: the specs generate no {RULES_DIR}*.yaml or no {AM_CONFIG}")
        self._signals()
        self.tmp = Path(tempfile.mkdtemp(prefix="obsgen-live-"))
        self.stack.callback(shutil.rmtree, self.tmp, ignore_errors=True)  # registered first: runs last
        self.receivers = live_config.receiver_names(self.config.data)

        configs = {GENERATED: self.config.data, **self.options.mutants}
        for name, config in configs.items():
            self._alertmanager(name, config, tools["alertmanager"])
        routing = self.plan.routing
        label = routing.environment_label if routing else names.ENVIRONMENT_LABEL
        environments = self.options.environments or (routing.paging_environment if routing else "production",)
        homes = {env: self._cluster(env, rules) for env in environments}
        self._histories(homes, tools)
        for env, home in homes.items():
            self._prometheus(env, home, label, tools)
        # Every server was started without waiting for the one before: their start-ups overlap (each
        # Prometheus loads its history and rules, each Alertmanager its config); wait for all here.
        for process, url in self.starting:
            process.wait_ready(url)
        self.starting.clear()

    def _rule_file(self, path: str, text: str) -> RuleFile:
        built = self.artifacts.get(path)
        if isinstance(built, RuleFile) and built.rules.complete:
            return built
        return committed.rule_file(path, text)  # replayed by the rerun cache: its groups from its bytes

    def _alertmanager(self, name: str, doc: dict, binary: str) -> None:
        given = self.options.sinks if name == GENERATED else None
        run = AlertmanagerRun(name, given or Sinks())
        if given is None:  # the caller closes its own
            self.stack.callback(run.sinks.close)
        home = self.tmp / live_config.ALERTMANAGER if name == GENERATED else self.tmp / f"alertmanager-{name}"
        home.mkdir()
        for path, template in self.files.items():
            if path.startswith(AM_DIR) and path.endswith(".tmpl"):  # beside the config, as generated
                (home / Path(path).name).write_text(template, encoding="utf-8")
        if name == GENERATED and self.options.secrets is not None:
            # the generated file, byte for byte
            config, secrets = self.files[AM_CONFIG], live_config.connected(doc, run.sinks, self.options.secrets)
        else:
            (home / "secrets").mkdir()
            config, secrets = live_config.redirected(doc, run.sinks, home / "secrets", self.options.clock)
        for path, value in secrets.items():
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            # no trailing newline: Alertmanager 0.25 sends an Opsgenie key file's content as is, and
            # a newline in the Authorization header makes every notification fail
            Path(path).write_text(value, encoding="utf-8")
        run.config = home / "alertmanager.yaml"
        run.config.write_text(config, encoding="utf-8")
        address = f"{LOOPBACK}:{free_port()}"
        process = "alertmanager" if name == GENERATED else f"alertmanager-{name}"
        run.url = self._run(process, [
            binary, f"--config.file={run.config}", f"--storage.path={home / 'data'}",
            f"--web.listen-address={address}",
            "--cluster.listen-address=",  # no gossip port on every interface: a single local instance
        ], f"http://{address}")
        self.alertmanagers[name] = run

    def _cluster(self, env: str, rules: dict[str, RuleFile]) -> Path:
        """The environment's traffic, its server and the Prometheus home with the rules; its home."""
        slos, self.skipped = simulated_slos(self.plan)
        cluster = Cluster(env, Traffic(slos))
        cluster.server = TrafficServer(cluster.traffic)
        self.stack.callback(cluster.server.close)
        home = self.tmp / ("prometheus" if not self.clusters else f"prometheus-{env}")
        (home / live_config.RULES).mkdir(parents=True)
        for path, found in rules.items():
            (home / live_config.RULES / Path(path).name).write_text(live_config.rules(found, self.options.clock),
                                                                   encoding="utf-8")
        self.clusters[env] = cluster
        return home

    def _histories(self, homes: dict[str, Path], tools: dict[str, str]) -> None:
        """Each environment's backfilled history, when asked, built side by side: each waits mostly on
        its own promtool and its own history Prometheus (started and stopped by its thread, which
        outlives it: see live_procs._dies_with), and the environments share nothing but the plan."""
        if not self.options.history:
            return
        clock = self.options.clock

        def build(env: str) -> float:
            profile = {slo: segs for (e, slo), segs in self.options.profile.items() if e == env}
            return live_history.write(
                self.plan, self.clusters[env].traffic, homes[env] / "data", homes[env] / "history",
                self.options.history, durations.seconds(clock.scrape), clock.evaluation, tools, profile)

        with ThreadPoolExecutor(max_workers=len(homes)) as pool:  # leaving it waits for every thread
            ends = {env: pool.submit(build, env) for env in homes}
        for env, end in ends.items():
            self.clusters[env].history_end = end.result()

    def _prometheus(self, env: str, home: Path, label: str, tools: dict[str, str]) -> None:
        cluster, clock = self.clusters[env], self.options.clock
        (home / "prometheus.yml").write_text(live_config.prometheus(
            [run.url.removeprefix("http://") for run in self.alertmanagers.values()], cluster.server.address,
            label, env, clock), encoding="utf-8")
        address = f"{LOOPBACK}:{free_port()}"
        cluster.url = self._run(home.name, [
            tools["prometheus"], f"--config.file={home / 'prometheus.yml'}",
            f"--storage.tsdb.path={home / 'data'}", f"--web.listen-address={address}",
        ], f"http://{address}")

    def _run(self, name: str, argv: list[str], url: str) -> str:
        process = Process(name, argv, self.tmp / f"{name}.log", self.tmp)
        self.processes.append(process)
        self.stack.callback(process.stop)
        self.urls.setdefault(name, url)
        self.starting.append((process, f"{url}/-/ready"))  # _start waits for all at once
        return url

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
            "receivers": self.receivers, "environment": next(iter(self.clusters)),
            "simulated": [s["id"] for s in self.traffic.state()], "skipped": self.skipped,
            "burn_query": BURN_QUERY, "modes": list(MODES), "slow_burn": SLOW_BURN,
            "urls": dict(self.urls, sinks=self.sinks.url, smtp=self.sinks.smarthost),
        }

    def state(self) -> dict:
        return {"traffic": self.traffic.state(), "notifications": [d.summary() for d in self.sinks.deliveries()]}

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


def serve(plan: Plan, artifacts: dict[str, Artifact], view: dict, diff: str, port: int, echo) -> None:
    """Run a live session and its page until Ctrl-C, SIGTERM or SIGHUP; everything stops after."""
    from obsgen.preview import page
    from obsgen.preview.serve import PreviewServer

    with LiveSession(plan, artifacts) as session:
        site = page.render(view, diff, live=session.page_data())
        try:
            server = PreviewServer(site, port, api=session.api)
        except OSError as failed:
            raise LiveError(f"cannot serve the page on {LOOPBACK}:{port}: {failed.strerror or failed}") from None
        with server:
            echo(f"prometheus on {session.urls['prometheus']}, alertmanager on {session.urls['alertmanager']}, "
                 f"receivers' stand-ins on {session.sinks.url} and smtp://{session.sinks.smarthost}, in {session.tmp}")
            echo(f"obsgen preview --live on {server.url} (Ctrl-C to stop)")
            while server.thread.is_alive():
                session.check()
                time.sleep(WATCH_SECONDS)
