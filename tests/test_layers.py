"""obsgen's layers point one way: spec <- plan <- render <- output <- pipeline <- commands <- cli, on
shared leaf modules (docs/architecture.md#layers). Every import counts, a function's lazy one too:
an import of a higher layer, or two modules that reach each other, fails naming the modules.

A backend is a folder under render/ with its settings beside its renderer; the settings module
(render/<backend>/settings.py) is the spec layer's, which imports it before any plan exists: it
imports only the spec layer and below, and importing it (which runs the __init__.py of every
package above it) runs nothing of a higher layer."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from obsgen import backends_builtin

PACKAGE = Path(__file__).resolve().parent.parent / "obsgen"

# Bottom to top. A module may import its own layer (without a cycle) and the layers below.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("shared", ("obsgen", "obsgen.errors", "obsgen.durations", "obsgen.burnrate", "obsgen.calendar",
                "obsgen.names", "obsgen.signal_path", "obsgen.k8s_validation", "obsgen.promql",
                "obsgen.promql_ast", "obsgen.promql_env", "obsgen.promql_labels", "obsgen.gotemplate",
                "obsgen.collector", "obsgen.yamlio", "obsgen.artifacts", "obsgen.backends_builtin")),
    ("spec", ("obsgen.spec",)),
    ("plan", ("obsgen.plan",)),
    ("render", ("obsgen.render", "obsgen.backends")),
    ("output", ("obsgen.output", "obsgen.inputs", "obsgen.cache", "obsgen.verify", "obsgen.backfill")),
    ("pipeline", ("obsgen.pipeline",)),
    ("commands", ("obsgen.live", "obsgen.preview", "obsgen.scaffold")),
    ("cli", ("obsgen.cli", "obsgen.__main__")),
]


# A backend folder's settings: the spec layer's, wherever the folder is (see the module's doc).
SETTINGS_MODULE = re.compile(r"obsgen\.render\.[a-z0-9_]+\.settings")
SPEC = next(i for i, (name, _) in enumerate(LAYERS) if name == "spec")


def _name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _module(name: str) -> str:
    """The obsgen module an imported name lives in (a package's name stands for its __init__)."""
    while name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def _run_on_import(node: ast.AST) -> Iterator[ast.AST]:
    """The nodes a module runs when imported: not a function's body, not `if TYPE_CHECKING:`'s."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
            yield from (n for stmt in child.orelse for n in (stmt, *_run_on_import(stmt)))
            continue
        yield child
        yield from _run_on_import(child)


def imports(name: str, at_import: bool = False) -> set[str]:
    """Every obsgen module `name` imports, at module level or inside a function (at_import: only
    those importing it runs)."""
    path, found = MODULES[name], set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in (_run_on_import(tree) if at_import else ast.walk(tree)):
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
    if SETTINGS_MODULE.fullmatch(name):
        return SPEC
    best = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            matches = name == prefix or (prefix != "obsgen" and name.startswith(prefix + "."))
            if matches and (best is None or len(prefix) > best[1]):
                best = (index, len(prefix))
    return None if best is None else best[0]


GRAPH = {name: imports(name) for name in MODULES}
AT_IMPORT = {name: imports(name, at_import=True) for name in MODULES}


def _packages_above(name: str, known) -> list[str]:
    """The packages whose __init__ importing `name` runs first (obsgen, obsgen.render, ...)."""
    parts = name.split(".")
    return [p for i in range(1, len(parts)) if (p := ".".join(parts[:i])) in known]


def above_spec_on_import(name: str, graph: dict[str, set[str]]) -> list[str]:
    """The modules above the spec layer that importing `name` runs: what it and the packages above
    it import when imported, transitively (those packages' own __init__ are not counted: they must
    be light, which is what their imports show)."""
    packages = set(_packages_above(name, graph))
    todo, ran = [name, *packages], set()
    while todo:
        module = todo.pop()
        if module not in ran:
            ran.add(module)
            todo += [*_packages_above(module, graph), *sorted(graph.get(module, ()))]
    return sorted(m for m in ran - packages if layer(m) is None or layer(m) > SPEC)


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


def test_a_backends_settings_run_nothing_above_the_spec_layer():
    """Every backend folder's settings.py is a registry line's (obsgen/backends_builtin.py), and
    importing it runs only the spec layer and below: not its folder's renderer, not the plan. A
    folder without settings too: the spec layer imports its __init__.py to look for them."""
    found = sorted(name for name in MODULES if SETTINGS_MODULE.fullmatch(name))
    registered = sorted(m for folder in backends_builtin.FOLDERS if (m := backends_builtin.settings_module(folder)))
    assert found == registered and len(found) >= 4
    looked_up = [f"{folder}.settings" for folder in backends_builtin.FOLDERS if backends_builtin.is_folder(folder)]
    ran = {name: above_spec_on_import(name, AT_IMPORT) for name in looked_up}
    assert not any(ran.values()), f"importing a backend's settings runs modules above the spec layer: {ran}"


@pytest.mark.parametrize(("graph", "expected"), [
    ({"obsgen.render.x.settings": {"obsgen.spec.fields"}, "obsgen.render.x": set(), "obsgen.render": set(),
      "obsgen.spec.fields": set()}, []),
    # the folder's __init__ imports its renderer: importing the settings runs it
    ({"obsgen.render.x.settings": set(), "obsgen.render.x": {"obsgen.render.x.config"},
      "obsgen.render.x.config": {"obsgen.plan.model"}, "obsgen.plan.model": set()},
     ["obsgen.plan.model", "obsgen.render.x.config"]),
    # render/__init__.py imports the registry
    ({"obsgen.render.x.settings": set(), "obsgen.render": {"obsgen.backends"}, "obsgen.backends": set()},
     ["obsgen.backends"]),
])
def test_the_settings_rule_finds_what_an_import_runs(graph, expected):
    assert above_spec_on_import("obsgen.render.x.settings", graph) == expected


def test_validating_a_platform_imports_no_renderer():
    """What the static rule says, in a real interpreter: loading specs (which composes the Platform
    model from every registry line's settings) leaves only spec-layer-or-lower modules loaded, and
    the packages above the settings modules."""
    code = "import sys, obsgen.spec.load; print(*sorted(m for m in sys.modules if m.startswith('obsgen')))"
    loaded = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    settings = [m for m in loaded if SETTINGS_MODULE.fullmatch(m)]
    folders = [f for f in backends_builtin.FOLDERS if backends_builtin.is_folder(f)]
    packages = {p for m in settings for p in _packages_above(m, MODULES)} | set(folders)
    assert len(settings) >= 4
    above = [m for m in loaded if m not in packages and (layer(m) is None or layer(m) > SPEC)]
    assert not above, above


def test_the_architecture_page_shows_every_layer_and_module():
    """docs/architecture.md#layers draws the same stack as LAYERS, module by module."""
    page = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    drawing = page.split("## Layers", 1)[1].split("```")[1]
    rows = [line.split()[0] for line in drawing.strip().splitlines() if line[:1].strip()]
    assert rows == [name for name, _ in reversed(LAYERS)]
    missing = [prefix for _, prefixes in LAYERS for prefix in prefixes if prefix != "obsgen"
               and prefix.removeprefix("obsgen.") not in drawing.replace("/", "").replace(".py", "")]
    assert not missing, f"modules of LAYERS the page's drawing does not show: {missing}"
