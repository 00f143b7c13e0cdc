"""The items of a generated YAML file's last top-level list, as text, without parsing them.

`obsgen test` splits every test file per SLO and takes each SLO's rule groups out of its rules
file: parsing and dumping those files cost more than promtool did. obsgen writes them in one
layout (render/yamlio.py): the list (`tests:`, `groups:`) is the last top-level key and its items
start at column 0 with `- `. A file in any other layout gives None, and the caller parses it.
"""

from __future__ import annotations

import re

from obsgen import yamlio

_SLOTH_ID = re.compile(r"^ +sloth_id: (.+)$", re.MULTILINE)


def split(text: str, key: str) -> tuple[dict, list[str]] | None:
    """(the document without that list, parsed; the list's items as text) or None."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip("\r\n") == f"{key}:"), None)
    if start is None:
        return None
    items: list[list[str]] = []
    for line in lines[start + 1:]:
        if line.startswith("- "):
            items.append([line])
        elif line.startswith(" ") and items:
            items[-1].append(line)
        elif line.strip() and not line.startswith("#"):
            return None  # another top-level key after the list, or a layout obsgen does not write
    try:
        head = yamlio.load("".join(lines[:start])) or {}
    except yamlio.YAMLError:
        return None
    return (head, ["".join(item) for item in items]) if isinstance(head, dict) else None


def name(item: str) -> str | None:
    """The `name` of an item whose first line is `- name: ...`."""
    first = item.split("\n", 1)[0]
    if not first.startswith("- name: "):
        return None
    try:
        value = yamlio.load(first[2:])
    except yamlio.YAMLError:
        return None
    return str(value["name"]) if isinstance(value, dict) and "name" in value else None


def sloth_id(item: str) -> str | None:
    """The first sloth_id label value in a rule group's text."""
    found = _SLOTH_ID.search(item)
    if not found:
        return None
    try:
        return str(yamlio.load(found[1]))
    except yamlio.YAMLError:
        return None


_RULE = re.compile(r"  - (record|alert): (.+)\n")


def rules(group: str) -> tuple[str, list[tuple[str, str, str]]] | None:
    """A rule group's text as (its lines up to and with `  rules:`, each rule as (record|alert,
    name, text)), or None when it is not in obsgen's layout (`rules:` the group's last key, each
    rule starting with `  - record: NAME` or `  - alert: NAME`)."""
    head, sep, body = group.partition("\n  rules:\n")
    if not sep:
        return None
    items: list[list[str]] = []
    for line in body.splitlines(keepends=True):
        if line.startswith("  - "):
            items.append([line])
        elif line.startswith("    ") and items:
            items[-1].append(line)
        elif line.strip():
            return None  # another key of the group after its rules, or another layout
    found = []
    for lines in items:
        first = _RULE.fullmatch(lines[0].rstrip("\n") + "\n")
        if first is None or " #" in first[2]:
            return None
        value = first[2].strip()
        if value[:1] in "'\"":
            try:
                value = str(yamlio.load(value))
            except yamlio.YAMLError:
                return None
        found.append((first[1], value, "".join(lines)))
    return head + sep, found
