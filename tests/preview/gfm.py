"""Markdown read as GitHub renders it: CommonMark with GFM tables (markdown-it-py), as sections of
list items and table rows of plain cell text."""

from __future__ import annotations

from markdown_it import MarkdownIt

PARSER = MarkdownIt("commonmark").enable("table")


def _text(inline) -> str:
    return "".join(child.content for child in inline.children or [] if child.type in ("text", "code_inline"))


def sections(markdown: str) -> dict[str, dict]:
    """heading text -> {"level", "items": [list item text], "header": [th text], "rows": [[td text]],
    "html": [raw HTML blocks]}, in document order."""
    found: dict[str, dict] = {}
    current = None
    tokens = PARSER.parse(markdown)
    row: list[str] | None = None
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            current = found.setdefault(_text(tokens[i + 1]), {"level": int(token.tag[1]), "items": [],
                                                              "header": [], "rows": [], "html": []})
        elif current is None:
            continue
        elif token.type == "tr_open":
            row = []
        elif token.type in ("th_open", "td_open"):
            row.append(_text(tokens[i + 1]))
        elif token.type == "tr_close":
            if tokens[i - 1].type == "th_close":
                current["header"] = row
            else:
                current["rows"].append(row)
        elif token.type == "list_item_open":
            current["items"].append(_text(tokens[i + 2]))  # list_item_open, paragraph_open, inline
        elif token.type == "html_block":
            current["html"].append(token.content)
    return found
