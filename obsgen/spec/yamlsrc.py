"""YAML documents as plain data plus the line of every key and item, so errors can point there.

Data is built straight from libyaml's event stream with an explicit stack, never by composing a
node graph first: PyYAML's composer recurses (deeply nested input crashes the interpreter) and
re-building an alias per reference lets a 20-line alias bomb expand to millions of nodes. Here an
alias shares the value already built, its expanded size is counted, and every limit in `Limits` is
enforced while reading, so over-limit input stops at once with the line that broke the limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from obsgen.errors import Location, SpecError
from obsgen.yamlio import LOADER

Loader = LOADER  # obsgen/yamlio.py: YAML I/O is set up there once
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_RESOLVER = yaml.resolver.Resolver()
_BOM = "\ufeff"

Path_ = tuple  # a field path: ("spec", "slos", 1, "objective")


@dataclass(frozen=True)
class Limits:
    """Bounds on one spec file; the Platform document's `limits` may raise them."""

    file_bytes: int = 4 * 1024 * 1024
    documents: int = 1000  # per file
    nodes: int = 200_000  # per file, every alias counted as the size of what it repeats
    depth: int = 64  # nesting of mappings and sequences


DEFAULT_LIMITS = Limits()


class Rejected(Exception):
    """The whole file is rejected (a limit broken, an undefined alias); carries the located error."""

    def __init__(self, error: SpecError):
        super().__init__(str(error))
        self.error = error


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


_KEY, _MERGE, _SKIP = object(), object(), object()  # what a mapping expects next


@dataclass
class _Frame:
    """An open mapping or sequence: where its value goes and what it expects next."""

    value: Any  # the dict or list being filled
    path: Path_
    anchor: str | None
    nodes_at_start: int
    key: Any = _KEY  # mappings: _KEY, a pending key, _MERGE, or _SKIP (drop the next value)
    written: set = field(default_factory=set)
    skip_depth: int = 0  # > 0 while reading a key that is not a plain value (reported, dropped)


class _Builder:
    """Turns one file's events into documents, recording every key's and item's line."""

    def __init__(self, shown: str, limits: Limits, errors: list[SpecError]):
        self.shown = shown
        self.limits = limits
        self.errors = errors
        self.scalars = yaml.constructor.SafeConstructor()
        self.nodes = 0
        self.documents = 0
        self.doc: Document | None = None
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}  # anchor -> (value, expanded node count)
        self.open_anchors: set[str] = set()
        self.failed = False

    def at(self, event, path: Path_ = ()) -> Location:
        return Location(self.shown, event.start_mark.line + 1, show(path))

    def fail(self, event, message: str, path: Path_ = ()) -> None:
        self.errors.append(SpecError(self.at(event, path), message))
        self.failed = True

    def limit(self, event, message: str) -> None:
        raise Rejected(SpecError(Location(self.shown, event.start_mark.line + 1), message))

    def count(self, event, size: int = 1) -> None:
        self.nodes += size
        if self.nodes > self.limits.nodes:
            self.limit(event, f"more than {self.limits.nodes} YAML nodes in one file (aliases count as "
                              "what they repeat); raise Platform spec.limits.nodes if this is intended")

    # --- documents ---------------------------------------------------------------------------

    def start_document(self, event) -> None:
        self.documents += 1
        if self.documents > self.limits.documents:
            self.limit(event, f"more than {self.limits.documents} documents in one file; "
                              "raise Platform spec.limits.documents if this is intended")
        self.doc, self.anchors, self.open_anchors, self.failed = None, {}, set(), False

    def end_document(self, docs: list[Document]) -> None:
        if self.doc is not None and self.doc.data is not None and not self.failed:
            docs.append(self.doc)  # None: an empty document, e.g. after a last `---`
        self.doc = None

    # --- nodes -------------------------------------------------------------------------------

    def where(self, event) -> Path_ | None:
        """The path of the node this event starts, recording its line; None when it is a key."""
        if not self.stack:
            self.doc = Document(self.shown, event.start_mark.line + 1, None)
            return ()
        top = self.stack[-1]
        if isinstance(top.value, list):
            path = (*top.path, len(top.value))
            self.doc.lines[path] = event.start_mark.line + 1
            return path
        if top.key is _KEY:
            return None
        return top.path if top.key in (_MERGE, _SKIP) else (*top.path, top.key)

    def place(self, value: Any) -> None:
        """Put a finished value where it belongs: the document, a list, or a mapping."""
        if not self.stack:
            self.doc.data = value
            return
        top = self.stack[-1]
        if isinstance(top.value, list):
            top.value.append(value)
        elif top.key is _MERGE:
            top.key = _KEY
            parts = value if isinstance(value, list) else [value]
            if not all(isinstance(part, dict) for part in parts):
                self.failed = True
                self.errors.append(SpecError(Location(self.shown, self.doc.line_of(top.path), show(top.path)),
                                             "invalid YAML: a merge key (<<) takes a mapping or a list of mappings"))
                return
            for part in parts:
                for k, v in part.items():
                    top.value.setdefault(k, v)
        elif top.key is _SKIP:
            top.key = _KEY
        else:
            top.value[top.key] = value
            top.key = _KEY

    def key(self, event, key: Any) -> None:
        top = self.stack[-1]
        if isinstance(event, yaml.ScalarEvent) and self._tag(event) == _MERGE_TAG:
            top.key = _MERGE
            return
        line = event.start_mark.line + 1
        if key in top.written:
            self.errors.append(SpecError(Location(self.shown, line, show((*top.path, key))), "duplicate key"))
        top.written.add(key)
        self.doc.lines[(*top.path, key)] = line
        top.key = key

    def bad_key(self, event) -> None:
        top = self.stack[-1]
        self.fail(event, "invalid YAML: a mapping key must be a plain value", top.path)
        top.key = _SKIP

    def _tag(self, event) -> str:
        if event.tag is None or event.tag == "!":
            return _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)
        return event.tag

    def scalar(self, event) -> None:
        self.count(event)
        path = self.where(event)
        tag = self._tag(event)
        value = None
        if tag == _STR_TAG:
            value = event.value  # what PyYAML's str constructor returns for it, without the node
        elif tag != _MERGE_TAG:
            node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
            try:
                value = self.scalars.construct_object(node, deep=True)
            except Exception as exc:  # PyYAML's constructors also raise KeyError, AttributeError...
                short = tag.replace("tag:yaml.org,2002:", "!!")
                problem = getattr(exc, "problem", None) or f"{event.value!r} is not a valid {short} value"
                shown = path if path is not None else self.stack[-1].path
                self.fail(event, f"invalid YAML value {short}: {problem}", shown)
        if event.anchor:
            self.anchors[event.anchor] = (value, 1)
        if path is None:
            self.key(event, value)
        else:
            self.place(value)

    def alias(self, event) -> None:
        path = self.where(event)
        if event.anchor in self.open_anchors:
            self.fail(event, "invalid YAML: an alias refers to a node that contains it",
                      path if path is not None else self.stack[-1].path)
            value, size = None, 1
        elif event.anchor not in self.anchors:
            raise Rejected(SpecError(Location(self.shown, event.start_mark.line + 1),
                                     f"invalid YAML: found undefined alias {event.anchor!r}"))
        else:
            value, size = self.anchors[event.anchor]
        self.count(event, size)
        if path is None:
            if isinstance(value, dict | list):
                self.bad_key(event)
            else:
                self.key(event, value)
        else:
            self.place(value)

    def start(self, event, value: Any) -> None:
        if len(self.stack) >= self.limits.depth:
            self.limit(event, f"nested deeper than {self.limits.depth} levels; "
                              "raise Platform spec.limits.depth if this is intended")
        self.count(event)
        path = self.where(event)
        if path is None:  # a mapping or sequence used as a key
            self.bad_key(event)
            path = self.stack[-1].path
        if event.anchor:
            self.open_anchors.add(event.anchor)
        self.stack.append(_Frame(value, path, event.anchor, self.nodes - 1))

    def end(self) -> None:
        frame = self.stack.pop()
        if frame.anchor:
            self.open_anchors.discard(frame.anchor)
            self.anchors[frame.anchor] = (frame.value, self.nodes - frame.nodes_at_start)
        self.place(frame.value)


def _read(text: str, shown: str, limits: Limits, errors: list[SpecError]) -> list[Document]:
    builder, docs = _Builder(shown, limits, errors), []
    for event in yaml.parse(text, Loader=Loader):
        if isinstance(event, yaml.ScalarEvent):
            builder.scalar(event)
        elif isinstance(event, yaml.AliasEvent):
            builder.alias(event)
        elif isinstance(event, yaml.MappingStartEvent):
            builder.start(event, {})
        elif isinstance(event, yaml.SequenceStartEvent):
            builder.start(event, [])
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            builder.end()
        elif isinstance(event, yaml.DocumentStartEvent):
            builder.start_document(event)
        elif isinstance(event, yaml.DocumentEndEvent):
            builder.end_document(docs)
    return docs


def load_text(text: str, shown: str, limits: Limits = DEFAULT_LIMITS) -> tuple[list[Document], list[SpecError]]:
    errors: list[SpecError] = []
    text = text.removeprefix(_BOM)
    try:
        docs = _read(text, shown, limits, errors)
    except Rejected as exc:
        return [], [exc.error]
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
    return docs, errors


def decode(data: bytes, shown: str) -> tuple[str | None, list[SpecError]]:
    """UTF-8 text, or an error at the line and column of the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [SpecError(Location(shown, line), f"not UTF-8: byte 0x{data[exc.start]:02x} at column "
                                                       f"{column} ({exc.reason}); save the file as UTF-8")]


def load_file(path: Path, shown: str, limits: Limits = DEFAULT_LIMITS) -> tuple[list[Document], list[SpecError]]:
    try:
        size = path.stat().st_size
        if size > limits.file_bytes:
            return [], [SpecError(Location(shown), f"file is {size} bytes, over the limit of {limits.file_bytes}; "
                                                   "raise Platform spec.limits.file_bytes if this is intended")]
        with path.open("rb") as handle:
            data = handle.read(limits.file_bytes + 1)  # the file may grow after stat
    except OSError as exc:
        return [], [SpecError(Location(shown), f"cannot read: {exc.strerror or exc}")]
    if len(data) > limits.file_bytes:
        return [], [SpecError(Location(shown), f"file is over the limit of {limits.file_bytes} bytes")]
    text, errors = decode(data, shown)
    if text is None:
        return [], errors
    return load_text(text, shown, limits)
