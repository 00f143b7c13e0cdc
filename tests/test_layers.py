"""obsgen's layers point one way: spec <- plan <- render <- output <- pipeline <- commands <- cli, on
shared leaf modules (docs/architecture.md#layers). Every import counts, a function's lazy one too:
an import of a higher layer, or two modules that reach each other, fails naming the modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "obsgen"

# Bottom to top. A module may import its own layer (without a cycle) and the layers below.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("shared", ("obsgen", "obsgen.errors", "obsgen.durations", "obsgen.burnrate", "obsgen.calendar",
                "obsgen.names", "obsgen.signal_path", "obsgen.k8s_validation", "obsgen.promql",
                "obsgen.promql_ast", "obsgen.promql_env", "obsgen.promql_labels", "obsgen.gotemplate",
                "obsgen.collector", "obsgen.yamlio", "obsgen.artifacts")),
    ("spec", ("obsgen.spec",)),
    ("plan", ("obsgen.plan",)),
    ("render", ("obsgen.render", "obsgen.backends")),
    ("output", ("obsgen.output", "obsgen.inputs", "obsgen.cache", "obsgen.verify", "obsgen.backfill")),
    ("pipeline", ("obsgen.pipeline",)),
    ("commands", ("obsgen.live", "obsgen.preview", "obsgen.scaffold")),
    ("cli", ("obsgen.cli", "obsgen.__main__")),
]


def _name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _module(name: str) -> str:
    """The obsgen module an imported name lives in (a package's name stands for its __init__)."""
    while name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def imports(name: str) -> set[str]:
    """Every obsgen module `name` imports, at module level or inside a function."""
    path, found = MODULES[name], set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {_module(a.name) for a in node.names if a.name.split(".")[0] == "obsgen"}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            if base.split(".")[0] != "obsgen":
                continue
            for alias in node.names:  # `from obsgen.x import y`: y is a module, or a name in x
                found.add(_module(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base))
    return found - {name}


def layer(name: str) -> int | None:
    best = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            matches = name == prefix or (prefix != "obsgen" and name.startswith(prefix + "."))
            if matches and (best is None or len(prefix) > best[1]):
                best = (index, len(prefix))
    return None if best is None else best[0]


GRAPH = {name: imports(name) for name in MODULES}


def test_every_module_has_a_layer():
    missing = [name for name in MODULES if layer(name) is None]
    assert not missing, f"modules in no layer (add them to LAYERS and docs/architecture.md): {missing}"


def test_no_import_points_up():
    upward = [f"{name} ({LAYERS[layer(name)][0]}) imports {dep} ({LAYERS[layer(dep)][0]})"
              for name, deps in sorted(GRAPH.items()) for dep in sorted(deps)
              if layer(name) is not None and layer(dep) is not None and layer(dep) > layer(name)]
    assert not upward, "imports that point up a layer:\n" + "\n".join(upward)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for dep in sorted(graph.get(node, ())):
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_modules_import_each_other():
    cycles = _cycles(GRAPH)
    assert not cycles, "modules that import each other (directly or round a loop):\n" + "\n".join(
        " <-> ".join(c) for c in cycles)


@pytest.mark.parametrize(("graph", "expected"), [
    ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ({"a": {"b"}, "b": set()}, []),
])
def test_the_cycle_finder_finds_cycles(graph, expected):
    assert _cycles(graph) == expected


def test_imports_inside_functions_are_read():
    """The cli imports scaffold only inside `init` (a lazy import): the graph still holds it."""
    assert "obsgen.scaffold" in GRAPH["obsgen.cli"]
    assert all(layer(dep) is not None for deps in GRAPH.values() for dep in deps)


def test_the_architecture_page_shows_every_layer_and_module():
    """docs/architecture.md#layers draws the same stack as LAYERS, module by module."""
    page = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    drawing = page.split("## Layers", 1)[1].split("```")[1]
    rows = [line.split()[0] for line in drawing.strip().splitlines() if line[:1].strip()]
    assert rows == [name for name, _ in reversed(LAYERS)]
    missing = [prefix for _, prefixes in LAYERS for prefix in prefixes if prefix != "obsgen"
               and prefix.removeprefix("obsgen.") not in drawing.replace("/", "").replace(".py", "")]
    assert not missing, f"modules of LAYERS the page's drawing does not show: {missing}"
