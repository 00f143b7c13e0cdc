"""The obsgen command line. Exit codes: 0 ok; 1 invalid input, failed check or drift; 2 usage."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from obsgen import __version__, pipeline
from obsgen.errors import InternalError, SpecErrors, ToolError
from obsgen.live.options import optional_server_options, server_options
from obsgen.output import summary, writer
from obsgen.output.progress import Progress

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
        except writer.OutputError as exc:
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            click.echo(f"{len(exc.problems)} error(s); " + ("nothing was written." if exc.restored else
                       "some files could not be restored: see above."), err=True)
            sys.exit(1)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise  # usage errors (exit 2), --help and --version: click's own
        except Exception as exc:  # a bug in obsgen: one line, nothing written (the writer rolled back)
            if os.environ.get("OBSGEN_DEBUG"):
                raise
            found = exc if isinstance(exc, InternalError) else InternalError("obsgen", exc)
            click.echo(f"error: {found}; nothing was written (a bug in obsgen: OBSGEN_DEBUG=1 shows the "
                       "traceback)", err=True)
            sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="obsgen")
def main():
    """Generate Prometheus rules, promtool tests and more from service SLO specs.

    Specs are YAML files (apiVersion: obsgen/v1; kinds Service, Team, Platform) anywhere under
    SPEC_DIR. The output tree is byte-identical for identical input.
    """


def _cache_dir(out: Path) -> Path | None:
    """The rerun cache of this output tree (obsgen/cache.py), outside it: the tree holds only what
    obsgen writes all or nothing. OBSGEN_NO_CACHE=1 turns it off."""
    from obsgen import cache

    return None if os.environ.get("OBSGEN_NO_CACHE") else cache.location(out)


@main.command()
@SPEC_DIR
@OUT
@STRICT
@click.option("--force", is_flag=True,
              help="Overwrite (or remove) files edited by hand since obsgen wrote them, and files obsgen did "
                   "not write where it writes one. Without it, generate refuses and writes nothing.")
def generate(spec_dir: Path, out: Path, force: bool, strict: bool):
    """Write the output tree for SPEC_DIR (default: slos) under --out.

    Everything is validated and rendered before anything is written, and the files are written all
    or nothing. Files obsgen no longer produces are removed only if obsgen wrote them (the
    .obsgen-manifest lists them, with the sha256 of what it wrote); a file edited by hand is never
    overwritten or removed without --force. Progress goes to stderr, the summary to stdout.
    """
    from obsgen import backends  # every backend's package: imported only by the commands that render

    with Progress(len(backends.REGISTRY) + 3) as progress, pipeline.collector_paused():
        done = _warned(lambda w: pipeline.run(spec_dir, out, step=progress.step, warnings=w,
                                              cache_dir=_cache_dir(out)), strict)
        progress.step(f"writing {len(done.files)} files under {out}")
        result = writer.write(out, done.files, force, **done.known())
    click.echo(summary.generated((done.services, done.slos), done.files, result, out))


@main.command()
@SPEC_DIR
@STRICT
def validate(spec_dir: Path, strict: bool):
    """Check the specs in SPEC_DIR (default: slos) and write nothing.

    Every problem is printed as `file:line: field: message`, all of them in one run; the exit code
    is 1 when there is any.
    """
    done = _warned(lambda w: pipeline.run(spec_dir, warnings=w, render=False), strict)
    click.echo(f"{spec_dir}: {done.services} services, {done.slos} SLOs, all valid.")


@main.command()
@SPEC_DIR
@OUT
@STRICT
def check(spec_dir: Path, out: Path, strict: bool):
    """Exit 1 when the tree under --out is not what SPEC_DIR generates: print a unified diff, then
    the stale, missing, extra (no longer generated) and hand-edited files. Writes nothing."""
    from obsgen import backends  # every backend's package: imported only by the commands that render

    with Progress(len(backends.REGISTRY) + 3) as progress, pipeline.collector_paused():
        done = _warned(lambda w: pipeline.run(spec_dir, out, step=progress.step, warnings=w,
                                              cache_dir=_cache_dir(out)), strict)
        files = done.files
        progress.step(f"comparing with {out}")
        found = writer.survey(out, files, **done.known())
    if found.problems:
        raise writer.OutputError(found.problems)
    if not found.in_sync:
        diffs = found.diffs()
        click.echo("".join(diffs), nl=False)
        click.echo(summary.check_report(found))
        force = " --force" if found.conflicts() else ""
        click.echo(f"{len(diffs)} file(s) out of date: run `obsgen generate {spec_dir} --out {out}{force}`.",
                   err=True)
        sys.exit(1)
    click.echo(f"{out} is up to date with {spec_dir} ({len(files)} files).")


@main.command()
@OUT
def test(out: Path):
    """Check the generated output with the real tools: promtool check rules (all lints, fatal)
    and promtool test rules (the full scenario suite once per rule shape, every SLO's wiring
    scenarios), and meanwhile every other verifier. What passed before on the same bytes with the same tools
    is not run again (OBSGEN_NO_CACHE=1: run everything); docs/testing-at-scale.md."""
    from obsgen.verify import run_all, tree_digest

    results = run_all(out, tree_digest(out))
    for result in results:
        click.echo(summary.tested_line(result))
        if not result.ok:
            click.echo(result.output, err=True)
    click.echo(summary.tested_counts(results))
    if not all(r.ok for r in results):
        sys.exit(1)


@main.command()
@SPEC_DIR
@click.option("--url", required=True, help="The Prometheus that holds the raw series (http://host:9090).")
@click.option("--start", required=True, help="First time to backfill: RFC3339 with a zone, or Unix seconds.")
@click.option("--end", required=True,
              help="The hand-over: the backfill writes every sample before it, the live rules the rest (the time"
                   " they started recording, or now if they are not running yet).")
@click.option("--out", "out", default="backfill", show_default=True, type=click.Path(path_type=Path),
              help="Where each pass's blocks are written (pass-1/, pass-2/...).")
@click.option("--data-dir", type=click.Path(path_type=Path, exists=True, file_okay=False),
              help="That Prometheus' data directory (checked to be its own): move each pass's blocks there and run"
                   " every pass.")
def backfill(spec_dir: Path, url: str, start: str, end: str, out: Path, data_dir: Path | None):
    """Write the recorded history of SPEC_DIR's rules for [--start, --end] with promtool, pass by
    pass (rules that read recorded series need the passes before them loaded by the server)."""
    from obsgen import backfill as backfill_module

    plan = pipeline.run(spec_dir, render=False).plan
    left = backfill_module.backfill(plan, url, start, end, out, data_dir, say=click.echo)
    if not left:
        click.echo("backfill complete: every recording rule has history for the range.")


def _duration(_ctx, _param, value: str) -> int:
    from obsgen import durations

    try:
        return int(durations.seconds(value))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@main.command()
@SPEC_DIR
@server_options
@click.option("--lookback", default="1h", show_default=True, callback=_duration,
              help="How far back a series counts as existing (and errors are looked for).")
@click.option("--max-series", default=10_000, show_default=True, type=click.IntRange(min=1),
              help="Warn when an SLI's queries read more series than this.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def lint(spec_dir: Path, lookback: int, max_series: int, fmt: str, **server):
    """Check every SLI of SPEC_DIR against a live server: the series each query selects exist, each
    matcher's label exists on them, a latency threshold is a bucket bound of its histogram, span
    metrics exist for the span name and kind, the error selector matches series when the total does,
    and how many series each SLI reads. Problems print as `file:line: slo: problem`; exit 1 on any
    error (warnings do not fail)."""
    from obsgen.live import commands, options

    sys.exit(commands.lint(spec_dir, options.client(**server), lookback, max_series, fmt, click.echo))


@main.command()
@SPEC_DIR
@server_options
@click.option("--team", "teams", multiple=True, help="Only this team's SLOs (repeatable).")
@click.option("--service", "services", multiple=True, help="Only this service's SLOs (repeatable).")
@click.option("--state", "states", multiple=True,
              type=click.Choice(["page", "ticket", "sli-health", "no-data", "ok"]),
              help="Only SLOs in this state (repeatable).")
@click.option("--environment", "environments", multiple=True, help="Shared mode: only this environment's rows.")
@click.option("--sort", type=click.Choice(["state", "budget", "burn", "name"]), default="state", show_default=True,
              help="state: worst first, then least budget left.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def status(spec_dir: Path, teams, services, states, environments, sort: str, fmt: str, **server):
    """Every SLO's live state, read from the series its generated rules record: objective, SLI now
    and over the period, error budget left, burn rate per alert window, firing alerts, who a page
    reaches and how fast a full outage is detected."""
    from obsgen.live import commands, options

    sys.exit(commands.status(spec_dir, options.client(**server), teams, services, states, environments, sort, fmt,
                             click.echo))


def _environments(_ctx, _param, value: str | None):
    return None if value is None else [e.strip() for e in value.split(",") if e.strip()]


def _ask(answers: dict) -> dict:
    """The few questions init asks on a terminal for what the flags left out."""
    for key, question in (("service", "Service name (e.g. checkout)"), ("team", "Team that owns it")):
        if not answers[key]:
            answers[key] = click.prompt(question)
    if not (answers["pagerduty_key_file"] or answers["opsgenie_key_file"]):
        answers["pagerduty_key_file"] = click.prompt(
            "Path of the file holding the team's PagerDuty routing key (never the key itself)")
    if not answers["slack_channel"] and click.confirm("Also notify a Slack channel?", default=False):
        answers["slack_channel"] = click.prompt("Slack channel", default=f"#{answers['team']}-alerts")
        answers["slack_webhook_file"] = click.prompt("Path of the file holding the Slack webhook URL")
    return answers


@main.command()
@click.argument("directory", default=".", type=click.Path(path_type=Path, file_okay=False))
@click.option("--service", help="The service's name (lower-case letters, digits, '-').")
@click.option("--team", help="The team that owns it and is notified.")
@click.option("--tier", default=2, show_default=True, type=int, help="1 (most critical) to 3.")
@click.option("--environments", callback=_environments, metavar="A,B",
              help="Comma-separated; must include production.  [default: staging,production]")
@click.option("--runbook", help="The service's runbook URL.  [default: https://runbooks.example.com/SERVICE]")
@click.option("--pagerduty-key-file", metavar="PATH",
              help="File holding the team's PagerDuty routing key (/etc/alertmanager/secrets/SECRET/KEY).")
@click.option("--opsgenie-key-file", metavar="PATH", help="File holding the team's Opsgenie API key.")
@click.option("--slack-channel", metavar="#NAME", help="The team's Slack channel (with --slack-webhook-file).")
@click.option("--slack-webhook-file", metavar="PATH", help="File holding the Slack incoming-webhook URL.")
@click.option("--email", metavar="ADDRESS", help="Where the team is e-mailed (with --smtp-smarthost, --smtp-from).")
@click.option("--smtp-smarthost", metavar="HOST:PORT", help="The SMTP server Alertmanager sends e-mail through.")
@click.option("--smtp-from", metavar="ADDRESS", help="The sender of Alertmanager's e-mails.")
@click.option("--smtp-password-file", metavar="PATH", help="File holding the SMTP password, if it needs one.")
def init(directory: Path, **given):
    """Create a first spec directory under DIRECTORY (default: .): slos/platform.yaml, slos/teams.yaml,
    slos/SERVICE.yaml (an availability SLO that pages, a latency SLO that tickets) and a
    .pre-commit-config.yaml. Flags left out are asked for on a terminal. Secrets are given as file
    paths only. Refuses to overwrite any file; writes all files or none."""
    from obsgen import scaffold

    if sys.stdin.isatty() and not (given["service"] and given["team"]
                                    and (given["pagerduty_key_file"] or given["opsgenie_key_file"])):
        given = _ask(given)
    answers = scaffold.Answers(**{k: v for k, v in given.items() if v is not None})
    try:
        problems = answers.problems()
        if problems:
            raise scaffold.InitError(problems)
        texts = scaffold.files(answers)
        scaffold.checked(texts)
        written = scaffold.write(directory, texts)
    except scaffold.InitError as failed:
        for problem in failed.problems:
            click.echo(f"error: {problem}", err=True)
        sys.exit(1)
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(f"next: cd {directory} && obsgen generate slos --out . && obsgen test --out .")


@main.command()
def schema():
    """Print the JSON Schema of the obsgen/v1 spec documents (Service, Team, Platform).

    Point your editor at it for completion and inline checks, e.g. with a first line
    `# yaml-language-server: $schema=../obsgen.schema.json` in each spec file (as in slos/).
    """
    from obsgen.spec import schema as spec_schema

    click.echo(spec_schema.text(), nl=False)


def _committed(out: Path, paths) -> dict[str, str]:
    """The files of a committed output tree: what obsgen generates now plus what its manifest lists."""
    found = {}
    for rel in sorted(set(paths) | set(writer.read_manifest(out))):
        path = out / rel
        if path.is_file() and not path.is_symlink():
            try:
                found[rel] = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
    return found


AGAINST = click.option("--against", "against", default=".", show_default=True,
                       type=click.Path(path_type=Path, file_okay=False),
                       help="The committed output tree to compare with.")


def _committed_artifacts(out: Path, files: dict[str, str]) -> dict:
    """A committed output tree read back into artifacts, in the one place that reads committed text."""
    from obsgen.output import committed

    return committed.artifacts(_committed(out, files))


def _base(spec_dir: Path, against: str, files: dict[str, str]) -> dict:
    """The artifacts to compare with: a committed output tree's (a directory), else what SPEC_DIR as
    it is at the git commit `against` names generates."""
    from obsgen.preview import gitbase

    if Path(against).is_dir():
        return _committed_artifacts(Path(against), files)
    commit = gitbase.commit_of(spec_dir, against)
    if commit is None:
        raise ToolError(f"--against: {against!r} is neither a directory nor a commit of the git repository "
                        f"holding {spec_dir}")
    return gitbase.base_artifacts(spec_dir, against, commit)


@main.command()
@SPEC_DIR
@click.option("--against", "against", default=".", show_default=True, metavar="DIR|REF",
              help="What to compare with: a committed output tree, or a git ref (origin/main, a commit): then "
                   "the base is SPEC_DIR as it is at REF, read from the repository and generated.")
def diff(spec_dir: Path, against: str):
    """Summarise, as Markdown for a pull request, what SPEC_DIR changes against a committed output
    tree or a git ref: risky changes first (a page that reaches only chat or e-mail, an SLO losing its
    alerts, a budget cut by more than half), then per SLO and alert, before and after: objective,
    period, error budget, burn thresholds, time to detect a full outage, who is notified in each
    environment, receivers' settings (secrets never shown), dashboards, collector pipelines. Exit 0
    when nothing changes, 1 otherwise."""
    from obsgen.preview import semdiff

    is_dir = Path(against).is_dir()
    done = pipeline.run(spec_dir, Path(against) if is_dir else None)
    summary = semdiff.summarize(_base(spec_dir, against, done.files), done.artifacts)
    click.echo(summary.markdown(), nl=False)
    sys.exit(1 if summary.changed else 0)


@main.command()
@SPEC_DIR
@AGAINST
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535),
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("--static", "static", type=click.Path(path_type=Path, file_okay=False),
              help="Write the page (index.html, assets/) to this directory instead of serving it.")
@click.option("--live", is_flag=True,
              help="Also run the generated rules and routes in Prometheus and Alertmanager (from PATH) "
                   "with synthetic traffic and a local webhook; the page can inject outages.")
@optional_server_options
def preview(spec_dir: Path, against: Path, port: int, static: Path | None, live: bool, **server):
    """A local page for SREs: every SLO's alerts, windows, budget and detection times, a burn-rate
    simulator, dashboard layouts, collector pipelines and what this change does. Served on
    127.0.0.1 only; nothing is fetched from outside. Served, it follows the specs: edit one, reload
    the page. With --url, a live status view of every SLO read from that Prometheus."""
    from obsgen.preview import page, semdiff, view

    if live and static is not None:
        raise click.UsageError("--live serves a running session; it cannot be written with --static")
    if server["url"] is not None and (live or static is not None):
        raise click.UsageError("--url shows a live server's status in the served page; it cannot be combined "
                               "with --live or --static")
    done = pipeline.run(spec_dir, against)
    plan, files, built = done.plan, done.files, done.artifacts
    summary = semdiff.summarize(_committed_artifacts(against, files), built)
    diff_text = summary.markdown() if summary.changed else ""
    if live:
        from obsgen.preview import live as live_session

        try:
            live_session.serve(plan, built, view.build(plan, built), diff_text, port, click.echo)
        except live_session.LiveError as failed:
            click.echo(f"error: {failed}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("stopped: every process ended, temporary directory removed.")
        return
    if static is not None:
        for rel, text in page.render(view.build(plan, built), diff_text).items():
            (static / rel).parent.mkdir(parents=True, exist_ok=True)
            (static / rel).write_text(text, encoding="utf-8")
        click.echo(f"preview written to {static / 'index.html'}")
        return
    _serve_preview(spec_dir, against, port, done, diff_text, server)


def _serve_preview(spec_dir: Path, against: Path, port: int, done: pipeline.Run, diff_text: str, server: dict) -> None:
    """Serve the page, rebuilt whenever a spec changes (reload.Reloader); with --url, its status view."""
    from obsgen.live import options
    from obsgen.preview import page, reload, semdiff, status_view, view
    from obsgen.preview.serve import PreviewServer

    current = {"plan": done.plan}
    status = None
    if server["url"] is not None:
        status = status_view.StatusView(lambda: options.client(**server), lambda: current["plan"])

    def build(done: pipeline.Run | None = None, diff_text=None) -> dict[str, str]:
        if done is None:
            done = pipeline.run(spec_dir, against)
            summary = semdiff.summarize(_committed_artifacts(against, done.files), done.artifacts)
            diff_text = summary.markdown() if summary.changed else ""
        plan = current["plan"] = done.plan
        return page.render(view.build(plan, done.artifacts), diff_text,
                           status=status.page_data(plan) if status is not None else None)

    site = reload.Reloader(build, spec_dir, against, first=build(done, diff_text))
    api = None
    if status is not None:
        def api(method, path, query, body):
            site()  # the rows of the specs as they are now
            return status.api(method, path, query, body)
    with PreviewServer(site, port, api=api) as served:
        click.echo(f"obsgen preview on {served.url} (Ctrl-C to stop; edit a spec and reload to see it)")
        try:
            served.thread.join()
        except KeyboardInterrupt:
            click.echo("stopped.")


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


@main.command()
@SPEC_DIR
@click.option("--env", "environment", default=None, metavar="ENV",
              help="Print this environment's overlay (k8s/overlays/ENV) instead of k8s/.")
@STRICT
def k8s(spec_dir: Path, environment: str | None, strict: bool):
    """Print every Kubernetes object for SPEC_DIR as one YAML stream on stdout, and nothing else.

    The same objects as `kubectl kustomize k8s/` (or k8s/overlays/ENV) on the generated tree, but
    rendered from the specs: the contract of an ArgoCD config management plugin (docs/argocd/).
    Errors go to stderr with exit code 1.
    """
    from obsgen import backends
    from obsgen.output import k8s_stream

    # Backends that write nothing under k8s/ are not run (the promtool tests are a third of the
    # rendering time); a test checks that skipping them changes no k8s/ file.
    without = backends.without_k8s()
    built = _warned(lambda w: pipeline.run(spec_dir, warnings=w, without=without), strict).artifacts
    try:
        text = k8s_stream.render(built, environment)
    except k8s_stream.StreamError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(text, nl=False)
