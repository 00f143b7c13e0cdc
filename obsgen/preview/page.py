"""The preview as static files: index.html (jinja2, data inline) and its local assets."""

from __future__ import annotations

import json
from importlib import resources

import jinja2

from obsgen import durations
from obsgen.preview import markdown

ASSETS = ("preview.css", "preview.js")
LIVE_ASSETS = ("live.js",)  # only with --live
STATUS_ASSETS = ("status.js",)  # only with --url
HANDFUL = 5  # more services than this: the page offers a filter by name and team


def _human(seconds: float | None) -> str:
    return "never" if seconds is None else durations.human(seconds)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("obsgen.preview", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
    )
    env.filters["human"] = _human
    return env


def data_json(view: dict) -> str:
    """JSON safe inside a <script> element: `<` escaped so no text can close the element."""
    text = json.dumps(view, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(view: dict, diff: str = "", live: dict | None = None, status: dict | None = None) -> dict[str, str]:
    """{relative path: text} for index.html and assets/. diff: the change summary's Markdown;
    live: a live session's page_data(); status: the status view's settings (status_view.page_data)."""
    services = view["services"]
    markup = jinja2.utils.markupsafe.Markup
    html = _environment().get_template("index.html.j2").render(
        services=services, dashboards=view.get("dashboards", []), collectors=view.get("collectors", []),
        slo_count=sum(len(s["slos"]) for s in services),
        alert_count=sum(len(slo["alerts"]) for s in services for slo in s["slos"]),
        handful=HANDFUL, teams=sorted({s["team"] for s in services}),
        diff=markup(markdown.to_html(diff)) if diff else "", data_json=markup(data_json(view)),
        live=live, live_json=markup(data_json(live or {})),
        status=status, status_json=markup(data_json(status or {})),
    )
    files = {"index.html": html}
    for name in ASSETS + (LIVE_ASSETS if live else ()) + (STATUS_ASSETS if status else ()):
        files[f"assets/{name}"] = resources.files("obsgen.preview").joinpath("assets", name).read_text("utf-8")
    return files
