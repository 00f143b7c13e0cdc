"""Verifiers: one module per real tool, each judging the generated tree as that tool would.

A verifier is `verify(out: Path) -> list[Result]`; `obsgen test` runs every one in VERIFIERS and
fails when any result is not ok. A backend names its own verifier in its declaration
(render/backend.py); the verifiers of the tree as a whole are listed here.
`obsgen test` runs them through `cached`: a verifier whose every result passed on a tree with the
same bytes, with the same tools and obsgen, is not run again (promtool caches per file itself).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from obsgen import backends
from obsgen.verify.result import Result

Verifier = Callable[[Path], list[Result]]
# Verifiers of the tree as a whole (name -> module), after the backends' own (render/backend.py).
WHOLE_TREE = {
    "kustomize": "kustomize",  # the k8s/ tree, every overlay
    "seams": "seams",  # the files against each other (verify/seams.py)
    "k8s-sizes": "k8s_sizes",  # k8s/ objects against the API server's limits
}


def _lazy(module: str) -> Verifier:
    """The module's verify, imported when it runs, so that `obsgen generate` never pays for it."""

    def run(out: Path) -> list[Result]:
        return importlib.import_module(f"obsgen.verify.{module}").verify(out)

    run.__name__ = f"verify_{module}"
    return run


# name -> verifier: each registered backend's (obsgen/backends.py), then the whole tree's.
VERIFIERS: dict[str, Verifier] = {name: _lazy(module) for name, module in
                                  {**backends.verifiers(), **WHOLE_TREE}.items()}

# The tools a verifier may run: their versions are part of every cached result's key.
TOOLS = (("promtool", "--version"), ("amtool", "--version"), ("kubectl", "version", "--client"))


def tree_digest(out: Path) -> str:
    """Every file of the output tree obsgen writes, names and bytes (nothing else under --out). A tree
    holding a symbolic link, a FIFO or a device where obsgen writes is refused (OutputError): its
    verifiers would follow it, or block opening it."""
    import hashlib

    from obsgen.output.survey import OutputError, read_regular, tree_files

    # everything obsgen writes (every backend's directories), with its manifest
    paths, problems = tree_files(out, [".obsgen-manifest", *backends.output_dirs()])
    if problems:
        raise OutputError(problems, restored=True)
    digest = hashlib.sha256()
    for rel in sorted(paths, key=lambda p: (p != ".obsgen-manifest", p)):
        digest.update(rel.encode() + b"\0")
        digest.update(hashlib.sha256(read_regular(out / rel) or b"").digest())
    return digest.hexdigest()


def cached(name: str, out: Path, tree: str) -> list[Result]:
    """VERIFIERS[name] on out, or its results replayed when it passed on a tree of these bytes."""
    import shutil

    from obsgen.verify.result_cache import ResultCache, tool_version

    verifier = VERIFIERS[name]
    if name == "promtool":
        return verifier(out)
    store = ResultCache.of(out)
    tools = [tool_version(found, *args) for tool, *args in TOOLS if (found := shutil.which(tool))]
    key = store.key(f"verifier.{name}", tree, *tools)
    hit = store.get(key)
    if isinstance(hit, list):
        try:
            return [Result(tuple(r["command"]), True, r["output"], r["skipped"], "cached") for r in hit]
        except (KeyError, TypeError):
            pass
    results = verifier(out)
    if all(r.ok for r in results):
        store.put(key, [{"command": list(r.command), "output": r.output, "skipped": r.skipped} for r in results])
        store.prune((f"verifier.{name}",))
    return results


__all__ = ["VERIFIERS", "Result", "Verifier", "cached", "tree_digest"]
