"""Verifiers: one module per real tool, each judging the generated tree as that tool would.

A verifier is `verify(out: Path) -> list[Result]`; `obsgen test` runs every one in VERIFIERS and
fails when any result is not ok. Adding an output with a real judge means adding its module here.
`obsgen test` runs them through `cached`: a verifier whose every result passed on a tree with the
same bytes, with the same tools and obsgen, is not run again (promtool caches per file itself).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from obsgen.verify.result import Result

Verifier = Callable[[Path], list[Result]]


def _promtool(out: Path) -> list[Result]:
    from obsgen.verify import promtool

    return promtool.verify(out)


def _otelcol(out: Path) -> list[Result]:
    from obsgen.verify import otelcol

    return otelcol.verify(out)


def _amtool(out: Path) -> list[Result]:
    from obsgen.verify import amtool

    return amtool.verify(out)


def _grafana(out: Path) -> list[Result]:
    from obsgen.verify import grafana

    return grafana.verify(out)


def _kustomize(out: Path) -> list[Result]:
    from obsgen.verify import kustomize

    return kustomize.verify(out)


def _rulers(out: Path) -> list[Result]:
    from obsgen.verify import rulers

    return rulers.verify(out)


def _seams(out: Path) -> list[Result]:
    from obsgen.verify import seams

    return seams.verify(out)


def _k8s_sizes(out: Path) -> list[Result]:
    from obsgen.verify import k8s_sizes

    return k8s_sizes.verify(out)


# name -> verifier; imported lazily so `obsgen generate` never pays for them.
VERIFIERS: dict[str, Verifier] = {
    "promtool": _promtool,
    "otelcol": _otelcol,
    "amtool": _amtool,
    "grafana": _grafana,
    "kustomize": _kustomize,
    "rulers": _rulers,  # alerts/mimir/, alerts/amp/ when generated
    "seams": _seams,  # the files against each other (verify/seams.py)
    "k8s-sizes": _k8s_sizes,  # k8s/ objects against the API server's limits
}

# The tools a verifier may run: their versions are part of every cached result's key.
TOOLS = (("promtool", "--version"), ("amtool", "--version"), ("kubectl", "version", "--client"))
OUTPUT_DIRS = ("alerts", "dashboards", "otel", "k8s")  # everything obsgen writes, with its manifest


def tree_digest(out: Path) -> str:
    """Every file of the output tree obsgen writes, names and bytes (nothing else under --out)."""
    import hashlib

    digest = hashlib.sha256()
    paths = [p for d in OUTPUT_DIRS for p in sorted((out / d).rglob("*")) if p.is_file()]
    for path in [out / ".obsgen-manifest", *paths]:
        if path.is_file():
            digest.update(path.relative_to(out).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
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
