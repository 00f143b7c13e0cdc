"""What every importer shares: documents that remember their foreign source, the builder that
links each translated part to it, and small readers of foreign data."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from obsgen import names
from obsgen.errors import Location, SpecError, SpecWarning
from obsgen.spec.yamlsrc import Document, Path_, show

API = "obsgen/v1"


@dataclass(frozen=True)
class Source:
    """What Sloth writes for a spec that obsgen reads as a foreign file: sloth_slo_info's sloth_spec
    and sloth_mode, and the spec labels obsgen keeps as metadata (Sloth's `team` and `tier`) that
    Sloth puts on every recording rule."""

    spec: str
    mode: str
    labels: tuple[tuple[str, str], ...] = ()


class ImportedDocument(Document):
    """An obsgen/v1 document built from foreign ones; locations resolve to the foreign source."""

    def __init__(self, source: Document, fmt: str, data: Any, origin: dict[Path_, tuple[Document, Path_]]):
        super().__init__(source.file, source.line, data)
        self.fmt = fmt
        self.source = source
        self.origin = origin
        self.info: Source | None = None
        self.failed: list[tuple[Document, Path_]] = []  # the parts whose translation failed
        self.covered: set[Location] = set()  # locations shown that lie in one of those parts

    def location(self, path: Path_, shown: str | None = None) -> Location:
        """Where the nearest linked part came from, named as the source names it."""
        full = path = tuple(path)
        while path not in self.origin:
            path = path[:-1]
        doc, src = self.origin[path]
        where = doc.location(src, shown)
        where = where if where.field else Location(where.file, where.line, show(full))
        if any(d is doc and (src[:len(s)] == s or s[:len(src)] == src) for d, s in self.failed):
            self.covered.add(where)
        return where

    def line_of(self, path: Path_) -> int:
        return self.location(path).line


@dataclass
class Context:
    default_team: str | None = None  # the Platform's default_team (or `obsgen import --team`)
    unowned: list[Location] = field(default_factory=list)  # services that name no owner: one warning


@dataclass
class Result:
    docs: list[ImportedDocument] = field(default_factory=list)
    errors: list[SpecError] = field(default_factory=list)
    warnings: list[SpecWarning] = field(default_factory=list)
    rejected: list[ImportedDocument] = field(default_factory=list)  # translated with errors: validated, not used

    def add(self, other: Result) -> None:
        self.docs += other.docs
        self.errors += other.errors
        self.warnings += other.warnings
        self.rejected += other.rejected


class Builder:
    """Builds one obsgen/v1 Service from foreign documents, linking each part to its source."""

    def __init__(self, source: Document, fmt: str, result: Result):
        self.source = source
        self.fmt = fmt
        self.result = result
        self.origin: dict[Path_, tuple[Document, Path_]] = {(): (source, ())}
        self.failed: list[tuple[Document, Path_]] = []
        self.info: Source | None = None

    def link(self, out: Path_, src: Path_, doc: Document | None = None) -> None:
        self.origin[tuple(out)] = (doc or self.source, tuple(src))

    def error(self, src: Path_, message: str, doc: Document | None = None) -> None:
        self.failed.append((doc or self.source, tuple(src)))
        self.result.errors.append(SpecError((doc or self.source).location(tuple(src)), message))

    def warn(self, src: Path_, message: str, doc: Document | None = None) -> None:
        self.result.warnings.append(SpecWarning((doc or self.source).location(tuple(src)), message))

    def settled(self, src: Path_, doc: Document | None = None) -> None:
        """A part left empty because an error elsewhere (another document) already says why."""
        self.failed.append((doc or self.source, tuple(src)))

    def owner(self, src: Path_, ctx: Context, doc: Document | None = None) -> str:
        """The team of a service that names no owner: the Platform's default_team, else UNOWNED_TEAM,
        whose alerts reach the routing tree's root receiver (one warning for all such services)."""
        if ctx.default_team:
            return ctx.default_team
        ctx.unowned.append((doc or self.source).location(tuple(src)))
        return names.UNOWNED_TEAM

    def document(self, data: dict) -> ImportedDocument | None:
        """The translated document; none when translating it failed (its errors say why, and it is
        still validated, see `add_documents`, so that one run reports every problem)."""
        doc = ImportedDocument(self.source, self.fmt, data, self.origin)
        doc.info = self.info
        if self.failed:
            doc.failed = self.failed
            self.result.rejected.append(doc)
            return None
        self.result.docs.append(doc)
        return doc


def get(data: Any, *path: Any, default: Any = None) -> Any:
    for part in path:
        in_list = isinstance(part, int) and isinstance(data, list) and part < len(data)
        if in_list or (isinstance(data, dict) and part in data):
            data = data[part]
        else:
            return default
    return data


def check_keys(b: Builder, src: Path_, value: Any, allowed: tuple[str, ...], what: str,
               doc: Document | None = None) -> dict:
    """The mapping at src, with an error for each key the format does not define."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        b.error(src, f"must be a mapping in {what}", doc)
        return {}
    for key in value:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            b.error((*src, key), f"unknown field in {what}{hint}", doc)
    return value


def string_map(b: Builder, src: Path_, value: Any, doc: Document | None = None,
               bools: bool = False) -> dict[str, str]:
    """A labels/annotations mapping; YAML numbers become the text they are written as. A YAML
    boolean is `true`/`false` where the tool reads it so (`bools`: Sloth's decoder turns a scalar
    into the string its map holds), else an error; anything else is an error."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        b.error(src, "must be a mapping of names to strings", doc)
        return {}
    out = {}
    for key, item in value.items():
        if isinstance(item, bool) and bools:
            out[str(key)] = "true" if item else "false"
            continue
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            b.error((*src, key), f"must be a string, got {item!r}", doc)
            continue
        out[str(key)] = str(item)
    return out



def each_document(service):
    """A format's `translate` when every document stands alone (Sloth, Pyrra; OpenSLO's documents
    refer to one another): `service(doc, ctx, result)` for each."""
    def translate(docs: list[Document], ctx: Context) -> Result:
        result = Result()
        for doc in docs:
            service(doc, ctx, result)
        return result
    return translate


def is_imported(loaded) -> bool:
    return isinstance(loaded.doc, ImportedDocument)
