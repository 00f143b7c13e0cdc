"""routes.test.yaml read in pieces: each service's cases parsed once, then kept by their bytes.

At 1,000 services the file is 12 MB of YAML and one whole parse cost about 10 CPU-seconds, on
every `obsgen test` whatever changed. obsgen writes it in one layout (render/alertmanager, written
by yamlio.dump): top-level `key: scalar` lines and lists whose items start at column 0 with `- `,
each item a mapping of one-line scalars, flat mappings (`labels`) and flat lists of scalars
(`receivers`). In that layout each item is a YAML document of its own, so the file is cut into
pieces (the consecutive cases of one rules file, i.e. one service; the synthetic cases), each
piece read by a loader for exactly that layout, and what a piece held is kept in the verify result
cache under the sha256 of its bytes: an unchanged service's cases are never parsed again.

The loader reads scalars the way YAML does without reimplementing it: a plain scalar of a narrow
character set is a string when PyYAML's own resolver says so (yamlio.reads_as_string), a printable
single-quoted one is its text with `''` read as `'`; every other scalar (numbers, booleans,
double-quoted text) is parsed by yamlio in one batch. Anything else (comments after a value,
anchors and aliases, tags, block scalars, flow collections, another indent, a duplicate key, a tab)
makes `load` return None and the caller parses the whole file (`tests/verify/test_amtool.py`
checks the pieces equal that parse).
"""

from __future__ import annotations

import json
import re

from obsgen import cache as generate_cache
from obsgen import yamlio
from obsgen.verify.result_cache import ResultCache, digest

KIND = "routecases"  # the result cache's entries of parsed pieces
_KEY = r"[A-Za-z_][A-Za-z0-9_]*"
_SCALAR = r"[A-Za-z0-9_/](?:[A-Za-z0-9_./+@:-]*[A-Za-z0-9_./+@-])?|'(?:[^'\n]|'')*'|\"(?:[^\"\\\n]|\\.)*\"|\[\]|\{\}"
_TOP = re.compile(rf"({_KEY}):(?: ({_SCALAR}))?")
_ENTRY = re.compile(rf"  ({_KEY}):(?: ({_SCALAR}))?")
_NESTED = re.compile(rf"    ({_KEY}): ({_SCALAR})")
_LISTED = re.compile(rf"  - ({_SCALAR})")
_PART = re.compile(r"- rule: ([A-Za-z0-9_./-]+\.yaml):")  # the rules file a case came from
_COLUMN_0 = re.compile(r"^[^ \n].*", re.MULTILINE)
_INDENTED = re.compile(r"^ ", re.MULTILINE)


class _Scalars:
    """Scalar texts as YAML reads them: the common ones directly, the rest in one yamlio batch."""

    def __init__(self):
        self.known: dict[str, object] = {"[]": [], "{}": {}}
        self.pending: dict[str, int] = {}

    def ref(self, text: str):
        """The value now, or a placeholder (`_Pending`) resolved by `resolve`."""
        if text in self.known:
            value = self.known[text]
            return list(value) if isinstance(value, list) else dict(value) if isinstance(value, dict) else value
        if text[0] == "'":
            body = text[1:-1]
            if body.isprintable():
                self.known[text] = body.replace("''", "'")
                return self.known[text]
        elif text[0] != '"' and yamlio.reads_as_string(text):
            self.known[text] = text
            return text
        return _Pending(self.pending.setdefault(text, len(self.pending)))

    def resolve(self) -> list | None:
        """The pending scalars' values, in order of first use (None when YAML will not read them)."""
        if not self.pending:
            return []
        try:
            values = yamlio.load("".join(f"- {text}\n" for text in self.pending))
        except yamlio.YAMLError:
            return None
        return values if isinstance(values, list) and len(values) == len(self.pending) else None


class _Pending:
    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index


def _fill(value, values: list):
    if isinstance(value, _Pending):
        return values[value.index]
    if isinstance(value, dict):
        return {_fill(k, values): _fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    return value


def _item(lines: list[str], scalars: _Scalars) -> dict | None:
    """One list item (its first line starts with `- `) as a mapping, or None if not in the layout."""
    out: dict = {}
    i, n = 0, len(lines)
    while i < n:
        found = _ENTRY.fullmatch("  " + lines[0][2:] if i == 0 else lines[i])
        if found is None or found[1] in out:
            return None  # another layout, or a duplicate key (YAML keeps the last: the whole parse says)
        i += 1
        if found[2] is not None:
            out[found[1]] = scalars.ref(found[2])
            continue
        value: dict | list | None = None
        if i < n and lines[i].startswith("    "):
            value = {}
            while i < n and lines[i].startswith("    "):
                nested = _NESTED.fullmatch(lines[i])
                if nested is None or nested[1] in value:
                    return None
                value[nested[1]] = scalars.ref(nested[2])
                i += 1
        elif i < n and lines[i].startswith("  - "):
            value = []
            while i < n and lines[i].startswith("  - "):
                listed = _LISTED.fullmatch(lines[i])
                if listed is None:
                    return None
                value.append(scalars.ref(listed[1]))
                i += 1
        out[found[1]] = value
    return out if all(map(yamlio.reads_as_string, out)) else None


def cut(text: str) -> tuple[list[tuple[str, str | None]], list[tuple[str, str]]] | None:
    """(the top-level `key: scalar` lines as (key, scalar text or None), each list's pieces as
    (its key, the text of each piece)), or None when the text is not in obsgen's layout. Only the
    lines at column 0 are looked at (about one in twelve); the indented ones are each piece's, read
    by `_piece`. Whole-line comments at column 0 and blank lines are YAML's to ignore."""
    head: list[tuple[str, str | None]] = []
    pieces: list[tuple[str, str]] = []
    start: int | None = None  # where the open piece starts
    part: str | None = None
    listing: str | None = None
    end = 0  # where the last top-level line ended: only blank lines may follow it
    for line in _COLUMN_0.finditer(text):
        found = line[0]
        if found[0] == "#":
            continue
        if found.startswith("- "):
            if listing is None or (start is None and _INDENTED.search(text, end, line.start())):
                return None
            here = _PART.match(found)
            here = here[1] if here else None
            if start is None or here != part:
                if start is not None:
                    pieces.append((listing, text[start:line.start()]))
                start, part = line.start(), here
            continue
        if start is not None:
            pieces.append((listing, text[start:line.start()]))  # type: ignore[arg-type]
        elif _INDENTED.search(text, end, line.start()):
            return None  # indented lines under a top-level scalar (or before the first key)
        top = _TOP.fullmatch(found)
        if top is None or any(k == top[1] for k, _ in head):
            return None
        head.append((top[1], top[2]))
        listing = top[1] if top[2] is None else None
        start, part, end = None, None, line.end()
    if start is not None:
        pieces.append((listing, text[start:]))  # type: ignore[arg-type]
    elif _INDENTED.search(text, end):
        return None
    return head, pieces


def _piece(text: str) -> list[dict] | None:
    """The items of one piece, or None if one is not in the layout (or a scalar does not parse)."""
    scalars = _Scalars()
    items: list[list[str]] = []
    for line in text.split("\n"):
        if line.startswith("- "):
            items.append([line])
        elif line and line[0] != "#":
            items[-1].append(line)
    parsed = [_item(lines, scalars) for lines in items]
    if any(p is None for p in parsed):
        return None
    values = scalars.resolve()
    return None if values is None else [_fill(p, values) for p in parsed]


def load(text: str, store: ResultCache | None = None) -> dict | None:
    """The file's data as yamlio.load reads it, or None when it is not in obsgen's layout (then the
    caller parses it whole). With a store, each piece's items are kept under its bytes' sha256."""
    layout = cut(text)
    if layout is None:
        return None
    head_lines, pieces = layout
    data: dict = {}
    scalars = _Scalars()
    refs = {key: None if scalar is None else scalars.ref(scalar) for key, scalar in head_lines}
    values = scalars.resolve()
    if values is None or not all(map(yamlio.reads_as_string, refs)):
        return None
    data.update({k: _fill(v, values) for k, v in refs.items()})
    for key, piece in pieces:
        items = _cached(piece, store)
        if items is None:
            return None
        if data[key] is None:
            data[key] = []
        data[key].extend(items)
    return data


def _cached(piece: str, store: ResultCache | None) -> list[dict] | None:
    if store is None:
        return _piece(piece)
    key = store.key(KIND, digest(piece.encode("utf-8")))
    hit = store.get(key)
    if isinstance(hit, str):
        try:
            return json.loads(hit)
        except ValueError:
            pass
    items = _piece(piece)
    if items is not None and generate_cache.plain_json(items):
        store.put(key, json.dumps(items))  # as text: the entry's own JSON sorts keys, this keeps their order
    return items
