"""`obsgen import FORMAT FILE...`: foreign files as obsgen/v1 YAML that generates the same rules.

The translated documents are validated like any spec (errors point at the foreign files) and
printed in obsgen/v1 form. obsgen/v1 asks two things of a file that imported ones are spared: a
Team document for the owner team (the spec directory holds those) and a runbook for a paging SLO
(`--runbook URL` sets one on each service that lacks it; Sloth-style alerts do not show it, so
their rules stay identical).
"""

from __future__ import annotations

from pathlib import Path

from obsgen import yamlio
from obsgen.errors import Location, SpecError, SpecErrors, SpecWarning
from obsgen.spec import importers
from obsgen.spec.load import Specs, add_documents
from obsgen.spec.policy import lacks_runbook
from obsgen.spec.yamlsrc import load_file

HEADER = "# Converted by `obsgen import {fmt}` from {files}.\n"


def convert(fmt: str, files: list[Path], team: str | None = None,
            runbook: str | None = None) -> tuple[str, list[SpecWarning]]:
    """The obsgen/v1 YAML for the files, and the warnings; raise SpecErrors on any error."""
    docs, errors = [], []
    for path in files:
        found, problems = load_file(path, str(path))
        errors += problems
        for doc in [d for each in found for d in (importers.expand(each) or [each])]:
            if importers.recognize(doc.data) != fmt:
                errors.append(SpecError(doc.location(()), f"not a {fmt} document"))
            else:
                docs.append(doc)
    result = importers.translate(docs, importers.Context(default_team=team))
    specs = Specs()
    for doc in result.docs:
        if runbook:
            _fill_runbook(doc.data, runbook)
    errors += add_documents(specs, result)
    if errors:
        raise SpecErrors(errors)
    warnings = list(result.warnings)
    for svc in specs.services:
        for i, slo in enumerate(svc.model.spec.slos):
            if lacks_runbook(svc.model, i):
                warnings.append(SpecWarning(svc.at("spec", "slos", i), f"SLO {slo.name!r} pages: obsgen/v1 "
                                            "requires a runbook; pass --runbook URL or add one"))
    if not result.docs:
        only = " (Service documents only name services)" if fmt == "openslo" and docs else ""
        what = {"openslo": "OpenSLO SLO", "sloth": "Sloth", "pyrra": "Pyrra"}[fmt]
        raise SpecErrors([SpecError(Location(str(files[0])), f"no {what} documents found{only}")])
    header = HEADER.format(fmt=fmt, files=", ".join(str(f) for f in files))
    text = "---\n".join(yamlio.dump(doc.data, header if i == 0 else "") for i, doc in enumerate(result.docs))
    return text, sorted(set(warnings))


def _fill_runbook(data: dict, url: str) -> None:
    meta = data.get("metadata", {})
    slos = data.get("spec", {}).get("slos", [])
    if "runbook" not in meta and not all("runbook" in s for s in slos):
        meta["runbook"] = url
