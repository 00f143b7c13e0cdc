"""The obsgen command line. Exit codes: 0 ok; 1 invalid input, failed check or drift; 2 usage."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from obsgen import __version__, pipeline
from obsgen.errors import SpecErrors, ToolError
from obsgen.output import writer

SPEC_DIR = click.argument("spec_dir", default="slos", type=click.Path(path_type=Path))
OUT = click.option("--out", "out", default=".", show_default=True, type=click.Path(path_type=Path),
                   help="Directory that holds (or will hold) alerts/, dashboards/, otel/, k8s/.")


STRICT = click.option("--strict", is_flag=True,
                      help="Treat warnings as errors: exit 1 and write nothing when there is any.")


def _warned(call, strict: bool):
    """Run call(warnings), print its warnings as `warning: file:line: field: message`; with
    --strict any warning fails the command before anything is written."""
    warnings: list = []
    result = call(warnings)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    if strict and warnings:
        click.echo(f"{len(warnings)} warning(s) with --strict; nothing was written.", err=True)
        sys.exit(1)
    return result


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


@main.command()
@SPEC_DIR
@OUT
@STRICT
def generate(spec_dir: Path, out: Path, strict: bool):
    """Write the output tree for SPEC_DIR (default: slos) under --out.

    Everything is validated and rendered before anything is written; files obsgen no longer
    produces are removed only if obsgen wrote them.
    """
    files = _warned(lambda w: pipeline.build(spec_dir, w), strict)
    changed = writer.write_tree(out, files)
    click.echo(f"{len(files)} files generated under {out}, {len(changed)} changed.")
    for rel in changed:
        click.echo(f"  {rel}")


@main.command()
@SPEC_DIR
@STRICT
def validate(spec_dir: Path, strict: bool):
    """Check the specs in SPEC_DIR (default: slos) and write nothing.

    Every problem is printed as `file:line: field: message`, all of them in one run; the exit code
    is 1 when there is any.
    """
    plan = _warned(lambda w: pipeline.plan(spec_dir, w), strict)
    slos = sum(len(s.slos) for s in plan.services)
    click.echo(f"{spec_dir}: {len(plan.services)} services, {slos} SLOs, all valid.")


@main.command()
@SPEC_DIR
@OUT
@STRICT
def check(spec_dir: Path, out: Path, strict: bool):
    """Exit 1 and print a diff when the tree under --out is not what SPEC_DIR generates."""
    diffs = writer.drift(out, _warned(lambda w: pipeline.build(spec_dir, w), strict))
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


@main.command("import")
@click.argument("fmt", metavar="sloth|openslo|pyrra", type=click.Choice(["sloth", "openslo", "pyrra"]))
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--team", help="Owner team of files that name none (as the Platform's default_team would).")
@click.option("--runbook", help="Runbook URL for services whose paging SLOs have none (obsgen/v1 requires one).")
@STRICT
def import_(fmt: str, files: tuple[Path, ...], team: str | None, runbook: str | None, strict: bool):
    """Print Sloth, OpenSLO or Pyrra FILES as obsgen/v1 YAML that generates the same rules.

    obsgen also reads these files unchanged from a spec directory; converting is for teams moving
    to obsgen/v1. OpenSLO references (indicatorRef, alertPolicyRef...) resolve across FILES.
    """
    from obsgen.spec.importers.convert import convert

    text = _warned(lambda w: _collect(convert(fmt, list(files), team, runbook), w), strict)
    click.echo(text, nl=False)


def _collect(result, warnings: list):
    text, found = result
    warnings += found
    return text
