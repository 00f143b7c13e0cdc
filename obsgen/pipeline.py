"""The whole flow in one place: load -> check -> compile -> render (writing is the CLI's)."""

from __future__ import annotations

from pathlib import Path

from obsgen import cache
from obsgen.errors import SpecErrors
from obsgen.plan.compile import compile_plan
from obsgen.plan.model import Plan
from obsgen.render import RENDERERS, render_all
from obsgen.spec.checks import check
from obsgen.spec.load import Specs, load_dir


def load(spec_dir: Path | str) -> Specs:
    """Load and check every spec; raise SpecErrors listing every problem found."""
    specs, errors = load_dir(spec_dir)
    if not errors:
        errors = check(specs)
    if errors:
        raise SpecErrors(errors)
    return specs


def plan(spec_dir: Path | str) -> Plan:
    return compile_plan(load(spec_dir))


def build(spec_dir: Path | str, cache_dir: Path | None = None) -> dict[str, str]:
    """Every output file (relative path -> text) for a spec directory.

    With a cache directory (obsgen/cache.py), unchanged inputs cost only hashing their bytes, and
    only services whose plan changed are rendered again."""
    if cache_dir is None:
        return render_all(plan(spec_dir))
    store = cache.Cache(cache_dir)
    key = "inputs-" + cache.inputs_key(Path(spec_dir))
    files = store.get(key)
    if files is None:
        files = cache.render(store, RENDERERS, plan(spec_dir))
        store.put(key, files)
        store.prune()
    return files
