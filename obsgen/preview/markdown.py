"""The change summary (`obsgen diff`'s Markdown, as GitHub shows it) rendered as HTML for the page.

CommonMark with GitHub's tables, by markdown-it-py. Raw HTML is escaped except a fixed list of bare,
attribute-free tags that the summary itself writes (`<details>`, `<summary>`): any other tag, an
attribute, a script or an event handler from a spec's text is shown as text, never run; so is the
`</details>` that closes a rejected `<details …>`, which would otherwise close the summary's own. Links keep
markdown-it's check (no `javascript:`, `vbscript:`, `file:` or `data:` URLs).
"""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt

# The only raw HTML let through: a bare <details> with its <summary>, its end, and a bare <br>.
_BLOCK = re.compile(r"^(<details>)?(?:<summary>([^<>]*)</summary>)?$|^</details>$")
_INLINE = re.compile(r"^<br ?/?>$")


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable("table")
    md.add_render_rule("html_block", _block)
    md.add_render_rule("html_inline", _inline)
    return md


_OPENER = re.compile(r"<details\b", re.IGNORECASE)
_CLOSER = re.compile(r"</details\s*>", re.IGNORECASE)


def _count(env, content: str) -> None:
    """Note the <details> openers and closers of text shown as text: a closer later in the summary
    closes a rejected opener (then it is text too), not the summary's own (env: one render's)."""
    stack = env.setdefault("details", [])
    for found in re.finditer(f"{_OPENER.pattern}|{_CLOSER.pattern}", content, re.IGNORECASE):
        if found.group().startswith("</"):
            if stack:
                stack.pop()
        else:
            stack.append(False)


def _block(self, tokens, idx, options, env) -> str:
    content = tokens[idx].content.strip()
    found = _BLOCK.match(content) if content else None
    if found is None:
        _count(env, content)
        return f"<p>{html.escape(content)}</p>\n" if content else ""
    stack = env.setdefault("details", [])
    if content == "</details>":
        if stack and stack.pop():
            return "</details>\n"
        return f"<p>{html.escape(content)}</p>\n"  # it closes a rejected opener, or none
    if found.group(1):
        stack.append(True)
    summary = found.group(2)
    return (found.group(1) or "") + (f"<summary>{html.escape(summary)}</summary>" if summary is not None else "") + "\n"


def _inline(self, tokens, idx, options, env) -> str:
    content = tokens[idx].content
    if _INLINE.match(content):
        return "<br>"
    _count(env, content)
    return html.escape(content)


_MD = _markdown()


def to_html(text: str) -> str:
    """HTML for the page's change summary; safe to insert as is."""
    return _MD.render(text)
