"""Sloth, OpenSLO and Pyrra files, read unchanged beside obsgen/v1 files.

Each format is one module that translates its documents into obsgen/v1 Service documents. A
translated document remembers, for every part, the file, line and field it came from, so that the
same validation and checks as for obsgen/v1 files point at the original source. Nothing after
loading knows where a spec came from, except the two checks that are warnings for imported files
(a paging SLO without a runbook, an owner team without a Team document): see spec/checks.py.
"""

from __future__ import annotations

from typing import Any

from obsgen import names
from obsgen.errors import SpecError, SpecWarning
from obsgen.spec.importers import openslo, pyrra, sloth
from obsgen.spec.importers.common import Context, Result
from obsgen.spec.yamlsrc import Document, show

FORMATS = {"sloth": sloth, "openslo": openslo, "pyrra": pyrra}


def recognize(data: Any) -> str | None:
    """The name of the foreign format a document is written in, or None."""
    if not isinstance(data, dict):
        return None
    return next((name for name, module in FORMATS.items() if module.recognizes(data)), None)


def expand(doc: Document) -> list[Document] | None:
    """The objects of a top-level YAML list of OpenSLO objects (a form OpenSLO's go-sdk and oslo
    read), each a document located in the file; None for any other document."""
    items = doc.data
    if not (isinstance(items, list) and items and all(isinstance(i, dict) and openslo.is_openslo(i) for i in items)):
        return None
    return [Document(doc.file, doc.line_of((i,)), item, {p[1:]: n for p, n in doc.lines.items() if p[:1] == (i,)})
            for i, item in enumerate(items)]


def refusal(doc: Document) -> SpecError | None:
    """Why a document of Sloth, OpenSLO or Pyrra that obsgen does not read is refused, or None."""
    data = doc.data
    for module in FORMATS.values():
        found = module.refusal(data)
        if found:
            return SpecError(doc.location(found[0], show(found[0])), found[1])
    return None


def translate(docs: list[Document], ctx: Context) -> Result:
    """Translate foreign documents of any format (OpenSLO references resolve across all of them)."""
    result = Result()
    for name, module in FORMATS.items():
        mine = [d for d in docs if recognize(d.data) == name]
        if mine:
            result.add(module.translate(mine, ctx))
    if ctx.unowned:
        first, *rest = sorted(set(ctx.unowned))
        more = f" (and {len(rest)} more: {', '.join(f'{w.file}:{w.line}' for w in rest[:3])}" \
               f"{', ...' if len(rest) > 3 else ''})" if rest else ""
        result.warnings.append(SpecWarning(first, f"names no owner team{more}: its alerts carry "
                               f"team={names.UNOWNED_TEAM} and reach the routing tree's root receiver; name the "
                               "owner (Sloth: a team or owner label; OpenSLO: a team or owner label on the Service "
                               "or SLO; Pyrra: a pyrra.dev/team label) or set the Platform's default_team"))
    return result


def default_team(platform) -> str | None:
    """The owner of imported files that name none: the Platform's default_team, else the team that
    receives alerts of unknown teams (alertmanager.default_team)."""
    if platform is None:
        return None
    return platform.default_team or platform.alertmanager.default_team
