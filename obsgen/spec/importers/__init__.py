"""Sloth, OpenSLO and Pyrra files, read unchanged beside obsgen/v1 files.

Each format is one module that translates its documents into obsgen/v1 Service documents. A
translated document remembers, for every part, the file, line and field it came from, so that the
same validation and checks as for obsgen/v1 files point at the original source. Nothing after
loading knows where a spec came from, except the two checks that are warnings for imported files
(a paging SLO without a runbook, an owner team without a Team document): see `check_warnings`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from obsgen.errors import Location, SpecError, SpecWarning
from obsgen.spec.yamlsrc import Document, Path_, show

API = "obsgen/v1"


class ImportedDocument(Document):
    """An obsgen/v1 document built from foreign ones; locations resolve to the foreign source."""

    def __init__(self, source: Document, fmt: str, data: Any, origin: dict[Path_, tuple[Document, Path_]]):
        super().__init__(source.file, source.line, data)
        self.fmt = fmt
        self.source = source
        self.origin = origin

    def location(self, path: Path_, shown: str | None = None) -> Location:
        """Where the nearest linked part came from, named as the source names it."""
        full = path = tuple(path)
        while path not in self.origin:
            path = path[:-1]
        doc, src = self.origin[path]
        where = doc.location(src, shown)
        return where if where.field else Location(where.file, where.line, show(full))

    def line_of(self, path: Path_) -> int:
        return self.location(path).line


@dataclass
class Context:
    default_team: str | None = None  # the Platform's default_team (or `obsgen import --team`)


@dataclass
class Result:
    docs: list[ImportedDocument] = field(default_factory=list)
    errors: list[SpecError] = field(default_factory=list)
    warnings: list[SpecWarning] = field(default_factory=list)

    def add(self, other: Result) -> None:
        self.docs += other.docs
        self.errors += other.errors
        self.warnings += other.warnings


class Builder:
    """Builds one obsgen/v1 Service from foreign documents, linking each part to its source."""

    def __init__(self, source: Document, fmt: str, result: Result):
        self.source = source
        self.fmt = fmt
        self.result = result
        self.origin: dict[Path_, tuple[Document, Path_]] = {(): (source, ())}
        self.failed = False

    def link(self, out: Path_, src: Path_, doc: Document | None = None) -> None:
        self.origin[tuple(out)] = (doc or self.source, tuple(src))

    def error(self, src: Path_, message: str, doc: Document | None = None) -> None:
        self.failed = True
        self.result.errors.append(SpecError((doc or self.source).location(tuple(src)), message))

    def warn(self, src: Path_, message: str, doc: Document | None = None) -> None:
        self.result.warnings.append(SpecWarning((doc or self.source).location(tuple(src)), message))

    def document(self, data: dict) -> ImportedDocument | None:
        """The translated document; none when translating it failed (its errors say why)."""
        if self.failed:
            return None
        doc = ImportedDocument(self.source, self.fmt, data, self.origin)
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


def string_map(b: Builder, src: Path_, value: Any, doc: Document | None = None) -> dict[str, str]:
    """A labels/annotations mapping; YAML numbers and booleans become the text Sloth/Pyrra would
    read them as only when written as strings, so anything else is an error."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        b.error(src, "must be a mapping of names to strings", doc)
        return {}
    out = {}
    for key, item in value.items():
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            b.error((*src, key), f"must be a string, got {item!r}", doc)
            continue
        out[str(key)] = str(item)
    return out


# --- the formats ---------------------------------------------------------------------------

def each_document(service):
    """A format's `translate` when every document stands alone (Sloth, Pyrra; OpenSLO's documents
    refer to one another): `service(doc, ctx, result)` for each."""
    def translate(docs: list[Document], ctx: Context) -> Result:
        result = Result()
        for doc in docs:
            service(doc, ctx, result)
        return result
    return translate


from obsgen.spec.importers import openslo, pyrra, sloth  # noqa: E402  (they use the helpers above)

FORMATS = {"sloth": sloth, "openslo": openslo, "pyrra": pyrra}


def recognize(data: Any) -> str | None:
    """The name of the foreign format a document is written in, or None."""
    if not isinstance(data, dict):
        return None
    return next((name for name, module in FORMATS.items() if module.recognizes(data)), None)


def translate(docs: list[Document], ctx: Context) -> Result:
    """Translate foreign documents of any format (OpenSLO references resolve across all of them)."""
    result = Result()
    for name, module in FORMATS.items():
        mine = [d for d in docs if recognize(d.data) == name]
        if mine:
            result.add(module.translate(mine, ctx))
    return result


def finish(specs) -> list[SpecError]:
    """Translate the foreign documents loaded into specs and add them as Services."""
    from obsgen.spec.load import _add

    if not specs.foreign:
        return []
    platform = specs.platform.model.spec if specs.platform else None
    result = translate(specs.foreign, Context(_default_team(platform)))
    specs.foreign = []
    specs.warnings += result.warnings
    errors = list(result.errors)
    for doc in result.docs:
        errors += _add(specs, doc)
    return errors


def is_imported(loaded) -> bool:
    return isinstance(loaded.doc, ImportedDocument)


RUNBOOK_HINTS = {"sloth": "a runbook or runbook_url alerting annotation holding a URL",
                 "pyrra": "a pyrra.dev/runbook_url annotation", "openslo": "a runbook_url annotation on the SLO"}


def check_warnings(specs) -> list[SpecWarning]:
    """What is an error for obsgen/v1 files and only a warning for imported ones."""
    from obsgen.spec.policy import pages
    from obsgen.spec.receivers import downgraded_pages

    teams = {t.model.metadata.name for t in specs.teams}
    warnings = []
    for svc in specs.services:
        if not is_imported(svc):
            continue
        team = svc.model.metadata.team
        if team not in teams:
            warnings.append(SpecWarning(svc.at("metadata", "team"),
                                        f"team {team!r} has no Team document: its alerts carry team={team} "
                                        "but no receiver of its own (add a Team document to route them)"))
        for i, slo in enumerate(svc.model.spec.slos):
            if pages(svc.model, i) and not (slo.runbook or svc.model.metadata.runbook):
                warnings.append(SpecWarning(svc.at("spec", "slos", i), f"SLO {slo.name!r} pages but has no "
                                            f"runbook ({RUNBOOK_HINTS[svc.doc.fmt]} is read as one)"))
    return warnings + [SpecWarning(where, message) for where, message in downgraded_pages(specs, imported=True)]


__all__ = ["API", "Builder", "Context", "ImportedDocument", "Result", "check_keys", "check_warnings",
           "finish", "get", "is_imported", "recognize", "show", "string_map", "translate"]


def _default_team(platform) -> str | None:
    """The owner of imported files that name none: the Platform's default_team, else the team that
    receives alerts of unknown teams (alertmanager.default_team)."""
    if platform is None:
        return None
    return platform.default_team or platform.alertmanager.default_team
