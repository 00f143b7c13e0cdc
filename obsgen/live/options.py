"""The command-line options of the commands that read a live server (lint, status, preview --url)."""

from __future__ import annotations

from pathlib import Path

import click

from obsgen.live.client import DEFAULT_TIMEOUT, Auth, Client, parse_header

_FILE = click.Path(path_type=Path, dir_okay=False)

_URL = ("The Prometheus API to read (Prometheus, Thanos Query, Mimir's http://mimir/prometheus; Amazon Managed "
        "Prometheus through a SigV4 proxy).")
_OPTIONS = [
    click.option("--bearer-token-file", type=_FILE, help="File holding a bearer token for the Authorization header."),
    click.option("--basic-auth-user", help="Basic-auth user name (the password from --basic-auth-password-file)."),
    click.option("--basic-auth-password-file", type=_FILE, help="File holding the basic-auth password."),
    click.option("--header", "headers", multiple=True, metavar="'NAME: VALUE'",
                 help="A header on every request, e.g. 'X-Scope-OrgID: tenant-1' for Mimir (repeatable)."),
    click.option("--timeout", type=click.FloatRange(min=1), default=DEFAULT_TIMEOUT, show_default=True,
                 help="Seconds for all the requests of this command to the server."),
]


def server_options(command, required: bool = True, url_help: str = _URL):
    for option in reversed([click.option("--url", required=required, help=url_help), *_OPTIONS]):
        command = option(command)
    return command


def optional_server_options(command):
    """The preview's: without --url there is no status view, and the other options do nothing."""
    return server_options(command, required=False, url_help="Also show every SLO's live status, as `obsgen status` "
                          "reads it, from this Prometheus API " + _URL[len("The Prometheus API to read "):])


def client(url: str, bearer_token_file: Path | None, basic_auth_user: str | None,
           basic_auth_password_file: Path | None, headers: tuple[str, ...], timeout: float) -> Client:
    if basic_auth_password_file is not None and basic_auth_user is None:
        raise click.UsageError("--basic-auth-password-file needs --basic-auth-user")
    try:
        parsed = tuple(parse_header(h) for h in headers)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    return Client(url, Auth(bearer_token_file, basic_auth_user, basic_auth_password_file, parsed), timeout)
