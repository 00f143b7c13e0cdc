"""Load a spec directory into validated models, every problem reported with file, line, field."""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError

from obsgen.errors import Location, SpecError, SpecErrors, SpecWarning
from obsgen.spec import importers, models
from obsgen.spec.importers import openslo, pyrra, sloth
from obsgen.spec.yamlsrc import DEFAULT_LIMITS, Document, Limits, load_file, show

# Where a spec holds a secret in the clear, say how to reference it instead.
_SECRET_HINTS = {"routing_key": "routing_key_file", "api_url": "api_url_file",
                 "service_key": "routing_key_file", "password": "a *_file field",
                 "api_key": "api_key_file", "url": "url_file", "auth_password": "auth_password_file",
                 "token": "a *_file field", "webhook_url": "url_file", "integration_key": "routing_key_file",
                 "auth_secret": "auth_password_file"}


def _foreign() -> str:
    return (f"obsgen also reads Sloth (version: {sloth.VERSION}, or apiVersion: {sloth.K8S_API}), "
            f"OpenSLO ({openslo.V1}, {openslo.V1ALPHA}) and Pyrra ({pyrra.API_VERSION}) files unchanged")


_FOREIGN = _foreign()  # the other apiVersion values accepted, for a document whose own is wrong


@dataclass
class Loaded:
    """A validated document and where it came from."""

    model: models.Model
    doc: Document

    def at(self, *path, shown: str | None = None) -> Location:
        return self.doc.location(path, shown)


@dataclass
class Specs:
    services: list[Loaded] = field(default_factory=list)
    teams: list[Loaded] = field(default_factory=list)
    platform: Loaded | None = None
    foreign: list[Document] = field(default_factory=list)  # Sloth/OpenSLO/Pyrra: see spec/importers
    warnings: list[SpecWarning] = field(default_factory=list)


class FileMemo(typing.Protocol):
    """Files loaded by an earlier run (obsgen/cache.py): what a file whose bytes are unchanged held."""

    def get(self, path: Path) -> list[Loaded] | None: ...

    def keep(self, path: Path, loaded: list[Loaded]) -> None: ...


def load_dir(spec_dir: Path | str, files: Iterable[Path],
             memo: FileMemo | None = None) -> tuple[Specs, list[SpecError]]:
    """Load `files`, the spec files found under spec_dir (obsgen/inputs.py says which they are).

    With a memo, a file it holds is neither read nor parsed nor validated again: its documents come
    back as they were loaded (only files whose every document is an obsgen/v1 one that validated
    are kept). The checks across documents run on them as on any other."""
    spec_dir = Path(spec_dir)
    if not spec_dir.is_dir():
        problem = "is a file, not a directory" if spec_dir.exists() else "spec directory not found" + _near(spec_dir)
        raise SpecErrors([SpecError(Location(str(spec_dir)), problem)])
    loaded = {path: _kept(memo, path) or _load(spec_dir, path, DEFAULT_LIMITS) for path in files}
    specs, errors = _collect(loaded, memo)
    limits = _platform_limits(specs)
    if errors and limits != DEFAULT_LIMITS:  # files over the defaults, read again with the Platform's
        loaded = {path: _load(spec_dir, path, limits) if found[1] else found for path, found in loaded.items()}
        specs, errors = _collect(loaded, None)
    if not sum(len(found[0]) + len(found[1]) for found in loaded.values()):
        # generating from nothing would remove every file obsgen wrote
        raise SpecErrors([SpecError(Location(str(spec_dir)), "no spec documents (YAML with apiVersion: "
                                    f"{models.API_VERSION}) under this directory; nothing to generate")])
    return specs, errors


def _near(missing: Path) -> str:
    """A did-you-mean for a spec directory that does not exist: the closest directory beside it."""
    try:
        beside = [p.name for p in missing.parent.iterdir() if p.is_dir() and not p.name.startswith(".")]
    except OSError:
        return ""
    close = difflib.get_close_matches(missing.name, sorted(beside), n=1, cutoff=0.6)
    return f" (did you mean {(missing.parent / close[0]).as_posix()!r}?)" if close else ""


def _load(spec_dir: Path, path: Path, limits: Limits) -> tuple[list[Document], list[SpecError], None]:
    return (*load_file(path, (spec_dir / path.relative_to(spec_dir)).as_posix(), limits), None)


def _kept(memo: FileMemo | None, path: Path) -> tuple[list[Document], list[SpecError], list[Loaded]] | None:
    found = memo.get(path) if memo is not None else None
    return ([one.doc for one in found], [], found) if found is not None else None


def _collect(loaded: dict, memo: FileMemo | None) -> tuple[Specs, list[SpecError]]:
    """The documents loaded (docs, problems, and the Loaded a memo gave back, or None) as Specs."""
    specs, errors = Specs(), []
    for path, (docs, problems, kept) in loaded.items():
        errors += problems
        if kept is not None:
            for one in kept:
                errors += _place(specs, one)
            continue
        made: list[Loaded] = []
        found = [error for doc in docs for error in _add(specs, doc, made)]
        errors += found
        if memo is not None and not problems and not found and docs and len(made) == len(docs):
            memo.keep(path, made)  # every document an obsgen/v1 one, valid alone
    return specs, errors


def _platform_limits(specs: Specs) -> Limits:
    if specs.platform is None:
        return DEFAULT_LIMITS
    return Limits(**specs.platform.model.spec.limits.model_dump())


def _add(specs: Specs, doc: Document, made: list[Loaded] | None = None) -> list[SpecError]:
    """Validate one document and add it to specs (and to `made`, when it is an obsgen/v1 one)."""
    data = doc.data
    objects = importers.expand(doc)  # a top-level list of OpenSLO objects
    if objects is not None:
        return [error for obj in objects for error in _add(specs, obj)]
    if not isinstance(data, dict):
        return [SpecError(doc.location(()), "a document must be a mapping with apiVersion and kind")]
    api, kind = data.get("apiVersion"), data.get("kind")
    if importers.recognize(data):  # translated once every document is loaded (importers.finish)
        specs.foreign.append(doc)
        return []
    refused = importers.refusal(doc)  # Sloth, OpenSLO or Pyrra, but not a document obsgen reads
    if refused:
        return [refused]
    if api is None:
        return [SpecError(doc.location(("apiVersion",), "apiVersion"),
                          f"is missing: start the document with apiVersion: {models.API_VERSION} ({_FOREIGN})")]
    if api != models.API_VERSION:
        return [SpecError(doc.location(("apiVersion",), "apiVersion"),
                          f"must be {models.API_VERSION}, got {api!r} ({_FOREIGN})")]
    kinds = models.kinds()  # the Platform's with the settings of every registered backend
    if kind is None:
        return [SpecError(doc.location(("kind",), "kind"), f"is missing: one of {', '.join(kinds)}")]
    if kind not in kinds:
        hint = _did_you_mean(str(kind), kinds)
        return [SpecError(doc.location(("kind",), "kind"),
                          f"must be one of {', '.join(kinds)}, got {kind!r}{hint}")]
    cls = kinds[kind]
    try:
        loaded = Loaded(cls.model_validate(data), doc)
    except ValidationError as exc:
        return _errors(doc, cls, exc.errors())
    if made is not None:
        made.append(loaded)
    return _place(specs, loaded)


def _place(specs: Specs, loaded: Loaded) -> list[SpecError]:
    """A validated obsgen/v1 document into specs, as its kind says (one Platform at most)."""
    kind = loaded.doc.data["kind"]
    if kind == "Service":
        specs.services.append(loaded)
    elif kind == "Team":
        specs.teams.append(loaded)
    elif specs.platform is not None:
        return [SpecError(loaded.at("kind", shown="kind"), "there can be only one Platform document; another is at "
                          f"{specs.platform.doc.file}:{specs.platform.doc.line}")]
    else:
        specs.platform = loaded
    return []


def _errors(doc: Document, cls: type[BaseModel], errs: list[dict]) -> list[SpecError]:
    """One error per problem: a required field that an unknown key's hint names (`objectve`: did
    you mean 'objective'?) is that key misspelled, not a second mistake, so it is not reported."""
    meant = {(*_loc(err)[:-1], field) for err in errs if err["type"] == "extra_forbidden"
             for field, _ in [_meant(cls, _loc(err))] if field}
    return [_error(doc, cls, err) for err in errs if not (err["type"] == "missing" and _loc(err) in meant)]


def _loc(err: dict) -> tuple:
    return tuple(part for part in err["loc"] if part != "[key]")  # a dict key's own error


def _meant(cls: type[BaseModel], loc: tuple) -> tuple[str | None, bool]:
    """The field an unknown key stands for, and whether the key is a secret in the clear (then the
    field is the secret file field to use); None when nothing is close."""
    name = str(loc[-1])
    allowed = _fields_at(cls, loc[:-1])
    secret = _SECRET_HINTS.get(name)
    if name == "url" and "url_file" not in allowed:  # a plain URL field elsewhere is no secret
        secret = None
    files = [f for f in allowed if f.endswith("_file")]
    if secret and f"{name}_file" not in allowed and len(files) == 1:
        secret = files[0]  # the one secret file this place takes (smtp password: auth_password_file)
    if secret:
        return secret, True
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    return (close[0] if close else None), False


def _error(doc: Document, cls: type[BaseModel], err: dict) -> SpecError:
    loc = _loc(err)
    kind = err["type"]
    if kind == "extra_forbidden":
        meant, secret = _meant(cls, loc)
        if secret:
            hint = f" (secrets are referenced by file: use {meant})"
        else:
            hint = f" (did you mean {meant!r}?)" if meant else ""
        return SpecError(doc.location(loc), f"unknown field{hint}")
    if kind == "missing":
        return SpecError(doc.location(loc), "is required")
    message = err["msg"].removeprefix("Value error, ")
    if kind not in ("value_error", "assertion_error") and "input" in err:
        message += f", got {err['input']!r}"
    return SpecError(doc.location(loc), message)


def _did_you_mean(name: str, choices) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _fields_at(cls: type[BaseModel], loc: tuple) -> list[str]:
    """The field names (aliases as written) of the model found at loc, for did-you-mean hints."""
    target: object = cls
    for part in loc:
        if isinstance(part, int):
            continue
        model = _model_in(target)
        if model is None or part not in _by_alias(model):
            return []
        target = _by_alias(model)[part].annotation
    model = _model_in(target)
    return list(_by_alias(model)) if model else []


def _by_alias(model: type[BaseModel]) -> dict:
    return {(f.alias or name): f for name, f in model.model_fields.items()}


def _model_in(annotation) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found:
            return found
    return None


def add_documents(specs: Specs, result: importers.Result) -> list[SpecError]:
    """Add the translated documents to specs as Services; validate the rejected ones too (their
    errors at the parts that failed to translate would only repeat those)."""
    errors = list(result.errors)
    for doc in result.docs:
        errors += _add(specs, doc)
        if specs.services and specs.services[-1].doc is doc:
            specs.services[-1].model._source = doc.info
    for doc in result.rejected:
        errors += [e for e in _add(Specs(), doc) if e.location not in doc.covered]
    return errors


def finish(specs: Specs) -> list[SpecError]:
    """Translate the foreign documents loaded into specs and add them as Services."""
    if not specs.foreign:
        return []
    platform = specs.platform.model.spec if specs.platform else None
    result = importers.translate(specs.foreign, importers.Context(importers.default_team(platform)))
    specs.foreign = []
    specs.warnings += result.warnings
    return add_documents(specs, result)


__all__ = ["Loaded", "Specs", "add_documents", "finish", "load_dir", "show"]
