"""The obsgen command line. Exit codes: 0 ok; 1 invalid input, failed check or drift; 2 usage."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from obsgen import __version__, pipeline
from obsgen.errors import SpecErrors, ToolError
from obsgen.output import writer

SPEC_DIR = click.argument("spec_dir", default="slos", type=click.Path(path_type=Path))
OUT = click.option("--out", "out", default=".", show_default=True, type=click.Path(path_type=Path),
                   help="Directory that holds (or will hold) alerts/, dashboards/, otel/, k8s/.")


class _Group(click.Group):
    """Print spec and tool errors as `file:line: field: message` lines, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except SpecErrors as exc:
            for error in exc.errors:
                click.echo(f"error: {error}", err=True)
            click.echo(f"{len(exc.errors)} error(s); nothing was written.", err=True)
            sys.exit(1)
        except ToolError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="obsgen")
def main():
    """Generate Prometheus rules, promtool tests and more from service SLO specs.

    Specs are YAML files (apiVersion: obsgen/v1; kinds Service, Team, Platform) anywhere under
    SPEC_DIR. The output tree is byte-identical for identical input.
    """


def _cache_dir(out: Path) -> Path | None:
    """<out>/.obsgen-cache (obsgen/cache.py); OBSGEN_NO_CACHE=1 turns it off."""
    from obsgen import cache

    return None if os.environ.get("OBSGEN_NO_CACHE") else out / cache.DIR_NAME


@main.command()
@SPEC_DIR
@OUT
def generate(spec_dir: Path, out: Path):
    """Write the output tree for SPEC_DIR (default: slos) under --out.

    Everything is validated and rendered before anything is written; files obsgen no longer
    produces are removed only if obsgen wrote them.
    """
    files = pipeline.build(spec_dir, cache_dir=_cache_dir(out))
    changed = writer.write_tree(out, files)
    click.echo(f"{len(files)} files generated under {out}, {len(changed)} changed.")
    for rel in changed:
        click.echo(f"  {rel}")


@main.command()
@SPEC_DIR
def validate(spec_dir: Path):
    """Check the specs in SPEC_DIR (default: slos) and write nothing.

    Every problem is printed as `file:line: field: message`, all of them in one run; the exit code
    is 1 when there is any.
    """
    plan = pipeline.plan(spec_dir)
    slos = sum(len(s.slos) for s in plan.services)
    click.echo(f"{spec_dir}: {len(plan.services)} services, {slos} SLOs, all valid.")


@main.command()
@SPEC_DIR
@OUT
def check(spec_dir: Path, out: Path):
    """Exit 1 and print a diff when the tree under --out is not what SPEC_DIR generates."""
    diffs = writer.drift(out, pipeline.build(spec_dir, cache_dir=_cache_dir(out)))
    if diffs:
        click.echo("".join(diffs), nl=False)
        click.echo(f"{len(diffs)} file(s) out of date: run `obsgen generate {spec_dir} --out {out}`.",
                   err=True)
        sys.exit(1)
    click.echo(f"{out} is up to date with {spec_dir}.")


@main.command()
@OUT
def test(out: Path):
    """Check the generated output with the real tools: promtool check rules (all lints, fatal)
    and promtool test rules (one process per service), then every other verifier."""
    from obsgen.verify import VERIFIERS

    failed = 0
    results = [r for verifier in VERIFIERS.values() for r in verifier(out)]
    for result in results:
        status = "ok" if result.ok else "FAILED"
        click.echo(f"{status}: {' '.join(result.command[1:])}")
        if not result.ok:
            failed += 1
            click.echo(result.output, err=True)
    if failed:
        click.echo(f"{failed} check(s) failed.", err=True)
        sys.exit(1)


@main.command()
@SPEC_DIR
@click.option("--url", required=True, help="The Prometheus that holds the raw series (http://host:9090).")
@click.option("--start", required=True, help="First time to backfill: RFC3339 or Unix seconds.")
@click.option("--end", required=True, help="Last time to backfill: when the rules started recording, not later.")
@click.option("--out", "out", default="backfill", show_default=True, type=click.Path(path_type=Path),
              help="Where each pass's blocks are written (pass-1/, pass-2/...).")
@click.option("--data-dir", type=click.Path(path_type=Path, exists=True, file_okay=False),
              help="That Prometheus' data directory: move each pass's blocks there and run every pass.")
def backfill(spec_dir: Path, url: str, start: str, end: str, out: Path, data_dir: Path | None):
    """Write the recorded history of SPEC_DIR's rules for [--start, --end] with promtool, pass by
    pass (rules that read recorded series need the passes before them loaded by the server)."""
    from obsgen import backfill as backfill_module

    left = backfill_module.backfill(pipeline.plan(spec_dir), url, start, end, out, data_dir, say=click.echo)
    if not left:
        click.echo("backfill complete: every recording rule has history for the range.")


@main.command()
def schema():
    """Print the JSON Schema of the obsgen/v1 spec documents (Service, Team, Platform).

    Point your editor at it for completion and inline checks, e.g. with a first line
    `# yaml-language-server: $schema=obsgen.schema.json` in each spec file.
    """
    from obsgen.spec.models import KINDS

    schemas = {kind: cls.model_json_schema(by_alias=True) for kind, cls in KINDS.items()}
    click.echo(json.dumps({"$schema": "https://json-schema.org/draft/2020-12/schema",
                           "title": "obsgen/v1", "oneOf": [{"$ref": f"#/$defs/{k}"} for k in schemas],
                           "$defs": schemas}, indent=2, sort_keys=True))
