"""Judge the generated Alertmanager config with the real amtool.

- `amtool check-config`, after checking that every template file the config names exists (a glob
  that matches nothing passes check-config silently);
- `amtool template render` of every template the receivers use, so a template that parses but
  fails when run (or is not defined at all) is caught;
- `amtool config routes test --verify.receivers=...` for every label set of routes.test.yaml (each
  generated alert's, then the synthetic ones), many processes at once; a mismatch names the rule,
  the labels and both receiver lists. Label sets the routing tree cannot tell apart (equal in every
  label a matcher reads, with the same expected receivers) are proven by one call (route_classes):
  a thousand services of a few teams need about as many calls as ten.

routes.test.yaml is read in pieces, one per service, each kept in the verify result cache by its
bytes (verify/route_cases.py; a file in another layout is parsed whole).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from obsgen import names, yamlio
from obsgen.errors import ToolError
from obsgen.render.alertmanager.matchers import equals
from obsgen.verify import no_gc
from obsgen.verify import route_cases as route_cases_module
from obsgen.verify.result import Result
from obsgen.verify.result_cache import ResultCache, digest

INSTALL_HINT = ("amtool not found: install it with `apt-get install --no-install-recommends "
                "prometheus-alertmanager` (Debian/Ubuntu) or put it on PATH")
_VERSION = re.compile(r"version (\d+)\.(\d+)")
_WORD = re.compile(r"[A-Za-z0-9_]+")
_USED = re.compile(r'\{\{-?\s*template\s+"([^"]+)"')


def amtool() -> str:
    found = shutil.which("amtool")
    if not found:
        raise ToolError(INSTALL_HINT)
    return found


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True)


def tool_version(tool: str) -> tuple[int, int]:
    found = _VERSION.search(_run([tool, "--version"], Path.cwd()).stdout)
    return (int(found[1]), int(found[2])) if found else (0, 0)


def check_config(config: Path) -> Result:
    tool = amtool()
    data = yamlio.load(config.read_text())
    relative = [t for t in data.get("templates") or () if not t.startswith("/")]  # others: another host's
    missing = [t for t in relative if not list(config.parent.glob(t))]
    command = (tool, "check-config", config.name)
    if missing:
        return Result(command, False, f"{config}: templates {missing} match no file beside the config")
    proc = _run(list(command), config.parent)
    return Result(command, proc.returncode == 0, (proc.stdout + proc.stderr).strip())


def render_templates(config: Path, jobs: int) -> Result:
    """Run every template a receiver of the config uses once on amtool's sample alert (the helpers
    they call run with them); report those that fail, an undefined one included."""
    tool = amtool()
    glob = f"--template.glob={names.ALERTMANAGER_TEMPLATE}"
    used = sorted(set(_USED.findall(config.read_text())))

    def render(name: str) -> tuple[str, subprocess.CompletedProcess]:
        text = '{{ template "' + name + '" . }}'
        return name, _run([tool, "template", "render", glob, f"--template.text={text}"], config.parent)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        failed = [f"{name}: {proc.stderr.strip()}" for name, proc in pool.map(render, used)
                  if proc.returncode != 0]
    command = (tool, "template", "render", glob, f"(each of the {len(used)} templates the receivers use)")
    return Result(command, not failed, "\n".join(failed))


def route_test(tool: str, config: Path, labels: dict[str, str], expected: list[str],
               rule: str | None = None) -> str | None:
    """None when the labels reach exactly the expected receivers, in order; else what went wrong."""
    command = [tool, "config", "routes", "test", f"--config.file={config.name}",
               f"--verify.receivers={','.join(expected)}", *(equals(k, v) for k, v in labels.items())]
    proc = _run(command, config.parent)
    if proc.returncode == 0:
        return None
    got = proc.stdout.strip().splitlines()[0] if proc.stdout.strip() else proc.stderr.strip()
    shown = ", ".join(equals(k, v) for k, v in labels.items())
    origin = f" (the alert rule {rule})" if rule else ""
    return f"alert {{{shown}}}{origin}\n  expected receivers: {', '.join(expected)}\n  amtool routed it to: {got}"


def matcher_texts(config: dict) -> list[str] | None:
    """The text of every matcher of the routing tree (`matchers` lines, `match`/`match_re` keys and
    values), or None when the tree is not the shape Alertmanager reads (then nothing is merged)."""
    texts: list[str] = []
    stack = [config.get("route")] if isinstance(config, dict) else [None]
    while stack:
        route = stack.pop()
        if not isinstance(route, dict):
            return None
        lines, legacy = route.get("matchers") or [], [route.get("match") or {}, route.get("match_re") or {}]
        if not isinstance(lines, list) or not all(isinstance(m, dict) for m in legacy):
            return None
        texts += [str(line) for line in lines] + [f"{k}={v}" for m in legacy for k, v in m.items()]
        children = route.get("routes") or []
        if not isinstance(children, list):
            return None
        stack += children
    return texts


def routed_labels(texts: list[str] | None, labels: dict[str, str]) -> tuple | None:
    """What of the labels the routing tree can read: those whose name is a whole word of a
    matcher's text (a label name, quoted or not, is one: its neighbours are quotes, operators,
    braces, commas or spaces), names of other characters wherever they occur. Alertmanager routes
    on nothing else (a route matches when its matchers match; a matcher reads only its own label),
    so two alerts with equal routed labels reach the same receivers. None (merge nothing) when a
    matcher holds an escape, which could spell a quoted label name neither test would see."""
    return label_reader(texts)(labels)


def label_reader(texts: list[str] | None):
    """routed_labels for one routing tree, its matchers' words taken once (not once per case)."""
    if texts is None or any("\\" in t for t in texts):
        return lambda labels: None
    words = {w for t in texts for w in _WORD.findall(t)}

    read: dict[str, bool] = {}  # label name -> whether a matcher reads it

    def reads(k: str) -> bool:
        if k not in read:
            read[k] = k in words or (not _WORD.fullmatch(k) and any(k in t for t in texts))
        return read[k]

    def routed(labels: dict[str, str]) -> tuple:
        return tuple(sorted((k, v) for k, v in labels.items() if reads(k)))
    return routed


def route_classes(config: Path, cases: list[dict]) -> list[list[dict]]:
    """The cases grouped by their routed labels and expected receivers, in file order: amtool
    routes every case of a group as it routes the first, so one call proves the group."""
    routed_labels_of = label_reader(matcher_texts(yamlio.load(config.read_text()) or {}))
    classes: dict = {}
    for i, case in enumerate(cases):
        routed = routed_labels_of(case["labels"])
        key = i if routed is None else (routed, tuple(case["receivers"]))
        classes.setdefault(key, []).append(case)
    return list(classes.values())


def _class_problem(problem: str, group: list[dict]) -> str:
    """The first case's failure, and the others of its group it stands for (amtool routes them alike)."""
    others = group[1:]
    if not others:
        return problem
    shown = [f"  {c.get('rule') or ', '.join(equals(k, v) for k, v in c['labels'].items())}" for c in others[:10]]
    more = [f"  ... and {len(others) - 10} more"] if len(others) > 10 else []
    return "\n".join([problem, f"  (so do {len(others)} other alert(s) with the same routed labels:", *shown,
                      *more]) + ")"


def route_tests(config: Path, tests: Path, jobs: int, store: ResultCache | None = None) -> Result:
    """Every case of routes.test.yaml, one amtool call per group of cases the routing tree cannot
    tell apart (route_classes); with a store, a group that passed on a config of the same bytes with
    the same amtool is not run again (one changed service reruns only its new groups)."""
    tool = amtool()
    store = store or ResultCache(None)
    cases = route_cases(tests, store)
    config_digest = digest(config.read_bytes())
    classes = route_classes(config, cases)
    keys = [store.key("route", config.name, config_digest, json.dumps(g[0], sort_keys=True)) for g in classes]
    todo = [(g, k) for g, k in zip(classes, keys, strict=True) if store.get(k) is None]

    def run(group: list[dict], key: str) -> tuple[str | None, int]:
        first = group[0]
        problem = route_test(tool, config, first["labels"], first["receivers"], first.get("rule"))
        if problem is None:
            store.put(key, True)
            return None, 0
        return _class_problem(problem, group), len(group)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        ran = list(pool.map(lambda pair: run(*pair), todo))
    problems = [p for p, _ in ran if p]
    failed = sum(n for _, n in ran)
    command = (tool, "config", "routes", "test", f"--config.file={config.name}",
               f"(--verify.receivers for {len(cases)} label sets of {tests.name})")
    output = "\n".join(problems)
    if problems:
        output += f"\n{failed} of {len(cases)} route tests failed"
    elif cases:
        store.prune(("route", route_cases_module.KIND))
    note = f"{len(classes)} amtool calls" + (f", {len(classes) - len(todo)} cached" if len(todo) < len(classes)
                                             else "")
    return Result(command, not problems and bool(cases), output or ("" if cases else f"{tests}: no tests"),
                  note=note if cases else "")


_PARSED: list[tuple] = []  # the last routes.test.yaml parsed: (its bytes, the store's place, its data, keys)


def _tests_data(tests: Path, store: ResultCache | None = None) -> dict:
    """routes.test.yaml parsed, once per bytes: the version check and the cases both read it, and at
    1,000 services it is 12 MB of YAML. In obsgen's layout it is read in pieces, each kept in the
    store under its bytes (route_cases: one changed service parses only its own cases); in any
    other, parsed whole. Callers only read what it returns."""
    data = tests.read_bytes()
    place = (store.directory, store.salt) if store is not None else None
    if _PARSED and _PARSED[0][:2] == (data, place):
        if store is not None:
            store.used |= _PARSED[0][3]  # the pieces' entries this run read (kept by a prune)
        return _PARSED[0][2]
    before = set(store.used) if store is not None else set()
    text = data.decode("utf-8")
    with no_gc.paused():  # 30,000 dicts and no cycles: collecting as they pile up cost 40%
        parsed = route_cases_module.load(text, store)
        if parsed is None:
            parsed = yamlio.load(text) or {}
    _PARSED[:] = [(data, place, parsed, (store.used - before) if store is not None else set())]
    return parsed


def route_cases(tests: Path, store: ResultCache | None = None) -> list[dict]:
    """Every case of routes.test.yaml: the generated alerts', the synthetic ones (and `tests`, the
    single list older obsgen versions wrote)."""
    data = _tests_data(tests, store)
    return [*(data.get("alerts") or []), *(data.get("synthetic") or []), *(data.get("tests") or [])]


def version_check(tests: Path, store: ResultCache | None = None) -> Result | None:
    """The config targets the Platform's Alertmanager: an older amtool cannot judge it."""
    tool = amtool()
    pinned = str(_tests_data(tests, store).get("alertmanager_version", "0.25"))
    wanted = tuple(int(p) for p in pinned.split(".")[:2])
    have = tool_version(tool)
    if have >= wanted:
        return None
    return Result((tool, "--version"), False,
                  f"the config targets Alertmanager {pinned} (Platform spec.alertmanager.version) but amtool is "
                  f"{have[0]}.{have[1]}: install amtool {pinned} or later to check it")


def verify(out: Path, jobs: int | None = None) -> list[Result]:
    config = out / names.ALERTMANAGER_CONFIG
    tests = out / names.ALERTMANAGER_ROUTE_TESTS
    if not config.is_file():
        return []  # no Team documents, or not generated by this obsgen: nothing to judge
    jobs = jobs or max(4, 2 * (os.cpu_count() or 1))  # short processes: keep the cores busy
    store = ResultCache.of(out, amtool())
    too_old = version_check(tests, store) if tests.is_file() else None
    if too_old:
        return [too_old]
    results = [check_config(config), render_templates(config, jobs)]
    if tests.is_file():
        results.append(route_tests(config, tests, jobs, store))
    return results
