"""The whole flow in one place, `run`: load -> check -> compile -> render (writing is the CLI's)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from obsgen import cache, inputs
from obsgen.artifacts import Artifact
from obsgen.errors import SpecErrors, SpecWarning, stage
from obsgen.output import encode
from obsgen.plan.compile import compile_plan
from obsgen.plan.model import Plan
from obsgen.render import render_all
from obsgen.spec.checks import check
from obsgen.spec.load import Specs, finish, load_dir
from obsgen.verify import no_gc

# A whole run with the cyclic garbage collector off: a run allocates millions of small dicts and
# strings that live until the files are written and form no cycles; the collector's passes over
# them freed nothing and cost about a tenth of the CPU (bench/README.md). The verifiers that parse
# the tree whole use the same pause (verify/no_gc.py, its one home).
collector_paused = no_gc.paused


def _load(found: inputs.Inputs, warnings: list[SpecWarning] | None, memo: cache.SpecMemo | None = None) -> Specs:
    with stage("loading"):
        specs, errors = load_dir(found.spec_dir, found.specs, memo)
        errors += finish(specs)  # Sloth, OpenSLO and Pyrra documents, once all are loaded
    if not errors:
        with stage("checking"):
            if memo is not None:
                memo.set_context(specs)
            errors = check(specs, memo.checked if memo else None)  # its warnings go to specs.warnings
    if errors:
        raise SpecErrors(errors)
    if warnings is not None:
        warnings += sorted(set(specs.warnings))
    return specs


def _compile(specs: Specs, memo: cache.SpecMemo | None = None) -> Plan:
    with stage("compiling"):
        return compile_plan(specs, memo.compiled if memo else None)


@dataclass
class Run:
    files: dict[str, str]
    services: int  # counts for the summary, known even when the whole output came from the cache
    slos: int
    plan: Plan | None = None  # None when nothing had to be compiled
    specs: Specs | None = None  # the loaded specs; None on a cache hit (nothing was loaded)
    artifacts: dict[str, Artifact] | None = None  # what the renderers built (None on a whole-run cache hit)
    warnings: list = field(default_factory=list)
    # On a cache hit, the files' bytes as read back from the tree and their sha256, for the writer.
    blobs: dict[str, bytes] | None = None
    digests: dict[str, str] | None = None

    def known(self) -> dict:
        """What writer.write and writer.survey may reuse instead of encoding and hashing again."""
        return {"blobs": self.blobs, "digests": self.digests}


def run(spec_dir: Path | str, out: Path | None = None, *, step: Callable[[str], None] = lambda _: None,
        warnings: list[SpecWarning] | None = None, cache_dir: Path | None = None, render: bool = True,
        compile: bool = True, without: Collection[str] = ()) -> Run:
    """What every command that reads specs runs: the plan and every output file, announcing each
    stage to `step` (progress for people). `out` is the output tree the command writes or compares
    with; it and every other output tree kept under spec_dir are not read as specs (obsgen/inputs.py).
    render=False stops after compiling (no files), compile=False after the checks (no plan);
    `without` names renderers to leave out. The one entry point: every command that reads specs
    calls it (tests/test_pipeline.py holds obsgen's modules to that).

    With a cache directory (and `out`, the tree it caches: obsgen/cache.py), unchanged inputs cost
    only hashing their bytes and reading the tree back, and only services whose plan changed are
    rendered again. A run that renders only part of the output does not use it."""
    found = inputs.find(spec_dir, out)
    render = render and compile
    store = cache.Cache(cache_dir if render and not without else None, out)
    each: dict[Path, str] = {}  # every input file's sha256: the spec memo's keys
    key = cache.inputs_key(found, each) if store.directory is not None else ""
    hit = store.get_run(key) if key else None
    if hit is not None:
        step(f"unchanged since the last run: {spec_dir} (cache)")
        if warnings is not None:
            warnings += hit.warnings
        return Run(hit.files, hit.services, hit.slos, blobs=hit.blobs, digests=hit.digests)
    step(f"loading {spec_dir}")
    said: list[SpecWarning] = []
    memo = cache.SpecMemo(store, found.spec_dir, each) if key else None
    specs = _load(found, said, memo)
    if warnings is not None:
        warnings += said
    if not compile:
        return Run({}, len(specs.services), sum(len(s.model.spec.slos) for s in specs.services), specs=specs)
    step("compiling")
    the_plan = _compile(specs, memo)
    slos = sum(len(s.slos) for s in the_plan.services)
    if not render:
        return Run({}, len(the_plan.services), slos, the_plan, specs)
    routes = store.route_memo(the_plan)
    built = render_all(the_plan, on_render=lambda name: step(f"rendering {name}"), call=store.renderer_call(),
                       skip=without, route_memo=routes)
    files = encode.texts(built)
    done = Run(files, len(the_plan.services), slos, the_plan, specs, artifacts=built)
    if key:
        store.record_routes(routes, files)
        done.blobs, done.digests = store.known(files)
        store.put_run(key, done.digests, len(the_plan.services), slos, said)
        store.prune()
    return done
