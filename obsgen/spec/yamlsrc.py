"""YAML documents as plain data plus the line of every key and item, so errors can point there."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from obsgen.errors import Location, SpecError

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"

Path_ = tuple  # a field path: ("spec", "slos", 1, "objective")


@dataclass
class Document:
    file: str  # as shown to users, e.g. slos/checkout.yaml
    line: int  # first line of the document
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int:
        """The line of a path, else of its nearest parent present in the source."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.line

    def location(self, path: Path_, shown: str | None = None) -> Location:
        return Location(self.file, self.line_of(path), shown if shown is not None else show(path))


def show(path: Path_) -> str:
    """slos[1].objective for ("spec", "slos", 1, "objective"): `spec.` is implied."""
    parts = list(path[1:] if len(path) > 1 and path[0] == "spec" else path)
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class _Builder:
    def __init__(self, doc: Document, errors: list[SpecError]):
        self.doc = doc
        self.errors = errors
        self.scalars = yaml.constructor.SafeConstructor()
        self.open: set[int] = set()  # nodes being built: an alias back to one is a cycle
        self.failed = False  # a value could not be built: the document is reported, not validated

    def fail(self, node, message: str, path: Path_ = ()) -> None:
        where = Location(self.doc.file, node.start_mark.line + 1, show(path))
        self.errors.append(SpecError(where, message))
        self.failed = True

    def build(self, node, path: Path_) -> Any:
        if id(node) in self.open:
            self.fail(node, "invalid YAML: an alias refers to a node that contains it", path)
            return None
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            if isinstance(node, yaml.SequenceNode):
                return self._sequence(node, path)
            return self._scalar(node, path)
        finally:
            self.open.discard(id(node))

    def _scalar(self, node, path: Path_) -> Any:
        try:
            return self.scalars.construct_object(node, deep=True)
        except Exception as exc:  # PyYAML's constructors also raise KeyError, AttributeError...
            problem = getattr(exc, "problem", None) or str(exc)
            self.fail(node, f"invalid YAML value {node.tag}: {problem}", path)
            return None

    def _sequence(self, node, path: Path_) -> list:
        items = []
        for i, item in enumerate(node.value):
            self.doc.lines[(*path, i)] = item.start_mark.line + 1
            items.append(self.build(item, (*path, i)))
        return items

    def _mapping(self, node, path: Path_) -> dict:
        result: dict = {}
        written: set = set()  # keys written in this mapping; merged (<<) keys may be overridden
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged = self.build(value_node, path)
                for part in merged if isinstance(merged, list) else [merged]:
                    for k, v in (part if isinstance(part, dict) else {}).items():
                        result.setdefault(k, v)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.fail(key_node, "invalid YAML: a mapping key must be a plain value", path)
                continue
            key = self._scalar(key_node, path)
            line = key_node.start_mark.line + 1
            if key in written:
                self.errors.append(SpecError(Location(self.doc.file, line, show((*path, key))), "duplicate key"))
            written.add(key)
            self.doc.lines[(*path, key)] = line
            result[key] = self.build(value_node, (*path, key))
        return result


def load_text(text: str, shown: str) -> tuple[list[Document], list[SpecError]]:
    errors: list[SpecError] = []
    try:
        nodes = list(yaml.compose_all(text, Loader=Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        problem = exc.problem or exc.context or "invalid YAML"
        return [], [SpecError(Location(shown, line), f"invalid YAML: {problem}")]
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        bad = yaml.reader.Reader.NON_PRINTABLE.search(text)  # libyaml's position counts bytes, not characters
        line = text.count("\n", 0, bad.start()) + 1 if bad else 0
        char = exc.character if isinstance(exc.character, int) else ord(exc.character or "\0")
        return [], [SpecError(Location(shown, line), f"invalid YAML: {exc.reason} (U+{char:04X})")]
    except yaml.YAMLError as exc:
        return [], [SpecError(Location(shown), f"invalid YAML: {exc}")]
    docs = []
    for node in nodes:
        if node is None:
            continue
        doc = Document(shown, node.start_mark.line + 1, None)
        builder = _Builder(doc, errors)
        doc.data = builder.build(node, ())
        if doc.data is not None and not builder.failed:  # None: an empty document, e.g. after a last `---`
            docs.append(doc)
    return docs, errors


def load_file(path: Path, shown: str) -> tuple[list[Document], list[SpecError]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [SpecError(Location(shown), f"cannot read: {exc}")]
    return load_text(text, shown)
