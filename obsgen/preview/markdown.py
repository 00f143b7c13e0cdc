"""The change summary (`obsgen diff`'s Markdown, as GitHub shows it) rendered as HTML for the page.

CommonMark with GitHub's tables, by markdown-it-py. Raw HTML is escaped except a fixed list of bare,
attribute-free tags that the summary itself writes (`<details>`, `<summary>`): any other tag, an
attribute, a script or an event handler from a spec's text is shown as text, never run. Links keep
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


def _block(self, tokens, idx, options, env) -> str:
    content = tokens[idx].content.strip()
    found = _BLOCK.match(content) if content else None
    if found is None:
        return f"<p>{html.escape(content)}</p>\n" if content else ""
    if content == "</details>":
        return "</details>\n"
    summary = found.group(2)
    return (found.group(1) or "") + (f"<summary>{html.escape(summary)}</summary>" if summary is not None else "") + "\n"


def _inline(self, tokens, idx, options, env) -> str:
    content = tokens[idx].content
    return "<br>" if _INLINE.match(content) else html.escape(content)


_MD = _markdown()


def to_html(text: str) -> str:
    """HTML for the page's change summary; safe to insert as is."""
    return _MD.render(text)
