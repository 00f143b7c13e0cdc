"""Per-component config checks against the collector's published schemas (schemas/otelcol/).

The schemas (upstream schemagen output) need four fixes, listed in schemas/README.md:
- `$ref` uses a custom syntax: `name` (a local $def), `./dir.name` (a file beside this one),
  `/dir/pkg.name` (a core package) — resolved here; refs to files that are not there are open;
- objects are open: after merging `properties` and every `allOf` branch into one node, the node is
  closed against unknown keys (the outer level only, so an allOf branch never rejects its sibling's keys);
- span metrics' `histogram.unit` is typed integer, but configs write `ms` or `s`;
- Go durations (`5s`, `1h30m`, `200ms`) are checked by a format of their own.
Components without a schema there are checked by the key lists in otelcol_keys.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from obsgen import yamlio
from obsgen.verify import otelcol_keys, published

# obsgen component key -> schema file (relative to the otelcol folder).
SCHEMA_FILES = {
    "otlp_receiver": "core/receiver/otlpreceiver",
    "memory_limiter": "core/processor/memorylimiterprocessor",
    "batch": "core/processor/batchprocessor",
    "otlp_grpc": "core/exporter/otlpexporter",
    "otlp_http": "core/exporter/otlphttpexporter",
    "zpages": "core/extension/zpagesextension",
    "span_metrics": "contrib/connector/spanmetricsconnector",
}
# Fixes to published types, by (schema file, def name).
_OVERRIDES = {("contrib/connector/spanmetricsconnector/internal/metrics", "unit"):
              {"type": "string", "enum": ["ms", "s"]}}

_GO_DURATION = re.compile(r"^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$|^0$")
_PY_TYPES = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
             "array": (list,), "object": (dict,)}


@dataclass
class Node:
    """A schema flattened: the union of its properties, closed when any are known."""

    types: set[str] | None = None
    props: dict[str, Node] = field(default_factory=dict)
    items: Node | None = None
    values: Node | None = None  # a map's value schema (additionalProperties)
    format: str | None = None
    enum: list | None = None
    open: bool = False  # unknown structure (missing ref, empty def): accept anything
    closed: bool = False  # an object with no settings at all: only {} is valid

    def merge(self, other: Node) -> None:
        if other.types is not None:
            self.types = other.types if self.types is None else (self.types & other.types) or other.types
        for name, node in other.props.items():
            if name in self.props:
                self.props[name].merge(node)
            else:
                self.props[name] = node
        self.items = self.items or other.items
        self.values = self.values or other.values
        self.format = self.format or other.format
        self.enum = self.enum or other.enum
        self.open = self.open or other.open


def from_keys(spec) -> Node:
    """A key list of otelcol_keys.py (for components without a published schema) as a Node."""
    if spec == "any":
        return Node(open=True)
    if isinstance(spec, str):
        types = {"str": "string", "int": "integer", "num": "number", "bool": "boolean", "duration": "string"}
        return Node(types={types[spec]}, format="duration" if spec == "duration" else None)
    if isinstance(spec, list):
        return Node(types={"array"}, items=from_keys(spec[0]))
    if isinstance(spec, tuple):
        return Node(types={"object"}, values=from_keys(spec[1]))
    if not spec:  # no settings at all: only `{}` is valid
        return Node(types={"object"}, closed=True)
    return Node(types={"object"}, props={key: from_keys(sub) for key, sub in spec.items()})


def schema_dir() -> Path | None:
    """The otelcol schema folder (packaged, or under $OBSGEN_SCHEMAS); None when it is absent."""
    folder = published.root() / "otelcol"
    return folder if folder.is_dir() else None


@cache
def _file(root: Path, rel: str) -> dict | None:
    path = root / rel / "config.schema.yaml"
    return yamlio.load(path.read_text()) if path.is_file() else None


def _ref(root: Path, rel: str, ref: str) -> tuple[str, str]:
    """(schema file, def name) a $ref points at, from the file `rel` it is written in."""
    if "." not in ref.lstrip("./") and not ref.startswith(("/", "./")):
        return rel, ref
    where, _, name = ref.rpartition(".")
    if where.startswith("/"):
        return "core" + where, name
    if where.startswith("./"):
        return f"{rel}/{where[2:]}", name
    return where, name  # e.g. github.com/...: not shipped, stays open


def _compile(root: Path, rel: str, schema: dict | None, depth: int = 0) -> Node:
    if not isinstance(schema, dict) or depth > 40:
        return Node(open=True)
    node = Node()
    if "$ref" in schema:
        node.merge(_def(root, *_ref(root, rel, schema["$ref"]), depth + 1))
    for branch in schema.get("allOf", []):
        node.merge(_compile(root, rel, branch, depth + 1))
    if "type" in schema:
        node.merge(Node(types={schema["type"]}))
    for name, sub in schema.get("properties", {}).items():
        node.props[name] = _compile(root, rel, sub, depth + 1)
    if "items" in schema:
        node.items = _compile(root, rel, schema["items"], depth + 1)
    if isinstance(schema.get("additionalProperties"), dict):
        node.values = _compile(root, rel, schema["additionalProperties"], depth + 1)
    node.format = node.format or schema.get("format")
    node.enum = node.enum or schema.get("enum")
    if node.types is None and not node.props and node.items is None and "$ref" not in schema:
        node.open = True
    return node


@cache
def _def(root: Path, rel: str, name: str, depth: int = 0) -> Node:
    if (rel, name) in _OVERRIDES:
        return _compile(root, rel, _OVERRIDES[(rel, name)])
    data = _file(root, rel)
    if data is None or name not in data.get("$defs", {}):
        return Node(open=True)
    return _compile(root, rel, data["$defs"][name] or {}, depth)


def component_schema(key: str, root: Path | None = None) -> Node | None:
    """The flattened schema of a component, from the shipped schemas or the hand-written key lists."""
    return _component_schema(key, root or schema_dir())  # cached per folder: OBSGEN_SCHEMAS may change


@cache
def _component_schema(key: str, root: Path | None) -> Node | None:
    if key in SCHEMA_FILES:
        if root is None:
            return None
        rel = SCHEMA_FILES[key]
        data = _file(root, rel)
        return None if data is None else _compile(root, rel, data)
    if key in otelcol_keys.KEYS:
        return from_keys(otelcol_keys.KEYS[key])
    return None


def _is(value, type_: str) -> bool:
    if isinstance(value, bool) and type_ not in ("boolean",):
        return False
    return isinstance(value, _PY_TYPES[type_])


def check(value, node: Node, path: str) -> list[str]:
    """Problems with `value` against `node`, each starting with the key path."""
    if node.open or value is None:
        return []
    if node.types and "array" in node.types and isinstance(value, dict) and node.items and node.items.props:
        return []  # configopaque.MapList (headers) is also written as a plain map
    if node.types and not any(_is(value, t) for t in node.types):
        return [f"{path}: must be {' or '.join(sorted(node.types))}, got {type(value).__name__} {value!r}"]
    if node.enum and value not in node.enum:
        return [f"{path}: must be one of {', '.join(map(str, node.enum))}, got {value!r}"]
    if node.format == "duration" and isinstance(value, str) and not _GO_DURATION.match(value):
        return [f"{path}: {value!r} is not a Go duration (such as 200ms, 5s, 1h30m)"]
    problems = []
    if isinstance(value, dict):
        for key, sub in value.items():
            if key in node.props:
                problems += check(sub, node.props[key], f"{path}.{key}")
            elif node.values is not None:
                problems += check(sub, node.values, f"{path}.{key}")
            elif node.props or node.closed:
                known = ", ".join(sorted(node.props)) or "none: write {}"
                problems.append(f"{path}: unknown key {key!r} (known: {known})")
    elif isinstance(value, list) and node.items is not None:
        for i, item in enumerate(value):
            problems += check(item, node.items, f"{path}[{i}]")
    return problems
