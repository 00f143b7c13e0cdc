"""The one home of what many test files build: spec documents and spec directories on disk, a free
loopback port, a headless Chromium. Test modules with a theme (amspec.py for Alertmanager,
k8s_specs.py for Kubernetes, spec/importers/helpers.py for the importers) build on these.

Everything here writes only under the directory it is given (a test's tmp_path), so tests stay
safe to run in parallel (pytest-xdist workers, docs/testing.md)."""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import subprocess
from pathlib import Path

from tests.conftest import EXAMPLES, require_tool

LOOPBACK = "127.0.0.1"


# --- spec documents -----------------------------------------------------------------------------

def team(name: str = "t", body: str = "") -> str:
    """A Team document; body is the YAML under `spec:` (indented two spaces), none: no `spec`."""
    text = f"apiVersion: obsgen/v1\nkind: Team\nmetadata: {{name: {name}}}\n"
    return text + f"spec:\n{body}\n" if body else text


def service(name: str, slos: str, *, team: str = "t", tier: int = 1, extra_metadata: str = "",
            spec: str = "") -> str:
    """A Service document; slos is the YAML of its slos list (indented four spaces), spec any
    other `spec:` fields before it (indented two spaces)."""
    return (f"apiVersion: obsgen/v1\nkind: Service\nmetadata:\n  name: {name}\n  team: {team}\n  tier: {tier}\n"
            f"  runbook: https://runbooks.example.com/{name}\n{extra_metadata}spec:\n{spec}  slos:\n{slos}")


def platform(body: str = "") -> str:
    """A Platform document; body is the YAML under `spec:` (indented two spaces)."""
    return "apiVersion: obsgen/v1\nkind: Platform\n" + (f"spec:\n{body}" if body else "")


TEAM = team("t")


# --- spec directories ---------------------------------------------------------------------------

def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write files (relative name -> text or bytes) under root, creating folders; return root."""
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return root


def write_specs(root: Path, files: dict[str, str | bytes], *, team_doc: str | None = TEAM) -> Path:
    """root/slos holding files, and team.yaml holding team_doc (the Team `t` that service() names
    by default; None: no team.yaml); return root/slos."""
    extra = {"team.yaml": team_doc} if team_doc is not None else {}
    return write_files(root / "slos", {**extra, **files})


def copy_examples(target: Path) -> Path:
    """A copy of the bundled examples (slos/) at target, for a test that changes them."""
    return Path(shutil.copytree(EXAMPLES, target))


# --- the CLI, in this process -------------------------------------------------------------------

def obsgen_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`obsgen ARGS` run in this process through click's CliRunner (in cwd, when given): what the
    CLI prints and its exit code, without the ~0.4 s of starting Python and importing obsgen
    (tests/conftest.py's run_obsgen is the real process; a few tests keep it for the streams and
    exit codes). An exception that escaped the CLI's own handling (a traceback for the user) is
    raised here, failing the test."""
    from click.testing import CliRunner

    from obsgen.cli import main

    here = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, list(args))
    finally:
        os.chdir(here)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(["obsgen", *args], result.exit_code, result.stdout, result.stderr)


# --- odd files ---------------------------------------------------------------------------------

class Tripwire:
    """A FIFO at path that records whether anything opened it for reading: a thread keeps trying to
    open its write end without blocking, which succeeds only once a reader has opened it; then it
    closes at once, so the reader sees an empty file instead of blocking forever. A test asserts
    `not opened`: no deadline, so a busy machine cannot fail it."""

    def __init__(self, path: Path):
        import threading

        self.path, self.opened = path, False
        os.mkfifo(path)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(0.05):
            try:
                os.close(os.open(self.path, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:  # ENXIO: no reader yet; ENOENT: the test removed it
                continue
            self.opened = True

    def close(self) -> None:
        self._stop.set()
        self._thread.join()

    def __enter__(self) -> Tripwire:
        return self

    def __exit__(self, *_) -> None:
        self.close()


# --- processes ----------------------------------------------------------------------------------

def free_port() -> int:
    """A loopback port the OS says is free now (bind to port 0): never a fixed number, so parallel
    workers and other programs on the machine do not collide."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def promtool_suites(out: Path, tests: list[str], keep=None) -> list:
    """Run generated promtool test files (paths relative to `out`) as `obsgen test` runs a rule
    shape's full suite (obsgen/verify/promtool.py): each file split per SLO, each part loading only
    its own SLO's rule groups (groups of no SLO keep every rules file), a few files per promtool
    process. promtool evaluates every loaded rule at every step, so this costs each scenario its
    SLO's rules instead of its service's, and proves the same scenarios on the same rules. `keep`
    (a test on a group's name) runs only some groups; None runs every one. No result cache. One
    Result per test file, in order."""
    import yaml

    from obsgen.verify import promtool as verify_promtool
    from obsgen.verify.promtool_plan import Job
    from obsgen.verify.result_cache import ResultCache

    jobs = []
    for i, test in enumerate(tests):
        groups = [str(g.get("name", "")) for g in yaml.safe_load((out / test).read_text())["tests"]]
        kept = None if keep is None else tuple(g for g in groups if keep(g))
        assert kept is None or kept, f"{test}: no group kept"
        jobs.append(Job(test, (), kept, f"suite-{i}", 0, 0))
    return verify_promtool.tested(out, jobs, ResultCache(None), verify_promtool._cores(None))


def chromium():
    """Debian's headless Chromium driven by selenium (skipped without it; a failure in CI)."""
    binary, driver = require_tool("chromium"), require_tool("chromedriver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={WINDOW[0]},{WINDOW[1]}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(driver), options=options)


WINDOW = (1280, 1600)


def fresh(browser) -> None:
    """Make a shared browser as new for the next module: a blank page, the window's size, and the
    console log read empty (a test reads the console's errors since its own start)."""
    browser.get("about:blank")
    browser.set_window_size(*WINDOW)
    browser.get_log("browser")


def fake_backend(monkeypatch, name: str, renderer, **traits) -> None:
    """Register a test's renderer as a backend (backends.register) for the test: the registry is a
    copy while it runs, so every backend keeps its place after it."""
    from obsgen import backends
    from obsgen.render.backend import Backend

    monkeypatch.setattr(backends, "REGISTRY", dict(backends.REGISTRY))
    backends.register(Backend(name, renderer, output_dirs=(), **traits))


def replace_renderer(monkeypatch, name: str, renderer) -> None:
    """A registered backend's renderer replaced for the test (the backend keeps its place)."""
    from obsgen import backends

    monkeypatch.setitem(backends.REGISTRY, name, dataclasses.replace(backends.REGISTRY[name], render=renderer))


def promtool_scenarios(out: Path, tests: list[str], keep=None) -> list:
    """Run generated promtool test files (paths relative to `out`), one promtool process per file
    over the cores, each scenario (test group) in a file of its own that loads only the rules its
    assertions read: its SLO's rule groups, cut to the
    rules its text names and the rules those read, transitively (obsgen/verify/scenario_rules.py, as
    `obsgen test` cuts each scenario's). promtool evaluates every loaded rule at every step and
    parses its text each time, so a scenario's cost is its steps times the rule text it loads; a
    rule nothing read reads cannot change a value read, so every verdict is the same. An alert a
    scenario asserts silent is read (by its alertname, in ALERTS or an alert_rule_test; ALERTS
    without an alertname keeps every alert), so it stays loaded. A scenario with a selector
    without a metric name (`{sloth_id="x"}` reads every recorded series) keeps its SLO's groups
    whole (scenario_rules.needed). `keep` (a test on a group's name) runs only some groups; None
    runs every one. No result cache. One Result per test file, in order; its output holds every
    failed scenario's."""
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    import yaml

    from obsgen.verify import promtool as verify_promtool
    from obsgen.verify import scenario_rules, yaml_items
    from obsgen.verify.result import Result

    with tempfile.TemporaryDirectory(prefix="obsgen-scenarios-") as tmp:
        parts: list[tuple[int, str]] = []
        for i, test in enumerate(tests):
            source = out / test
            head, scenarios = verify_promtool._items(source.read_text(encoding="utf-8"), "tests")
            rule_files = [(source.parent / f).resolve() for f in head.get("rule_files") or []]
            own: dict[str, list[str]] = {}
            for path in rule_files:
                for sid, group in verify_promtool._items(path.read_text(encoding="utf-8"), "groups",
                                                         yaml_items.sloth_id)[1]:
                    own.setdefault(sid or "", []).append(group)
            # a file in another layout (yaml.safe_dump's sorted keys) has its names read by parsing
            scenarios = [(n if n is not None else str(yaml.safe_load(s)[0].get("name", "")), s) for n, s in scenarios]
            kept = [(n, s) for n, s in scenarios if keep is None or keep(n)]
            assert kept, f"{test}: no group kept"
            for j, (name, scenario) in enumerate(kept):
                sid = name.partition(": ")[0]
                loads = [str(p) for p in rule_files]
                if sid and sid in own:
                    groups = scenario_rules.needed(own[sid], scenario)  # whole when a selector names no metric
                    loads = [f"{tmp}/{i}-{j}.rules.yaml"]
                    body = "groups:\n" + "".join(groups) if groups else "groups: []\n"
                    Path(loads[0]).write_text(body, encoding="utf-8")
                text = yaml.safe_dump({**head, "rule_files": loads}) + "tests:\n" + scenario
                Path(f"{tmp}/{i}-{j}.yaml").write_text(text, encoding="utf-8")
                parts.append((i, f"{i}-{j}.yaml"))
        # one promtool process per test file, all its scenarios' files: a failed run is that file's
        tool = verify_promtool.promtool()
        files = [[p for n, p in parts if n == i] for i in range(len(tests))]
        with ThreadPoolExecutor(max_workers=verify_promtool._cores(None)) as pool:
            runs = list(pool.map(lambda batch: verify_promtool._run([tool, "test", "rules", *batch], Path(tmp)),
                                 files))
    return [Result(("promtool", "test", "rules", t), run.ok, run.output) for t, run in zip(tests, runs, strict=True)]


# --- one verify cache for `obsgen test` runs of different trees ---------------------------------

@dataclasses.dataclass
class SharedVerifyCache:
    """`obsgen test --out OUT` (in this process) with its result cache on, starting from what the
    earlier runs through this object proved: their cache folders are copied to OUT's first (the
    cache holds one folder per tree). An entry is keyed by the bytes a verifier read and the tool's
    version, so only files byte-identical to an already verified one are replayed (`cached` in the
    output, as on a user's second run); everything else runs. Used by the tests/conftest.py fixture
    `importers_tested`, whose files share an xdist group so that they run on one worker."""

    directory: Path
    trees: list[Path] = dataclasses.field(default_factory=list)

    def test(self, out: Path) -> subprocess.CompletedProcess:
        from unittest import mock

        from obsgen import cache

        env = {cache.ENV_DIR: str(self.directory), "OBSGEN_NO_CACHE": ""}  # empty: the cache on
        with mock.patch.dict(os.environ, env):
            target = cache.location(out)
            for tree in self.trees:
                if cache.location(tree).is_dir():
                    shutil.copytree(cache.location(tree), target, dirs_exist_ok=True)
            result = obsgen_cli("test", "--out", str(out))
        self.trees.append(out)
        return result
