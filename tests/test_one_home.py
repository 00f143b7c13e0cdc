"""Rules with one home: YAML I/O is set up in obsgen/yamlio.py only (spec/yamlsrc.py builds its
located reader on it), every series and label name is written in obsgen/names.py only."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "obsgen"
MODULES = sorted(PACKAGE.rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def test_yaml_is_set_up_in_one_module():
    """A module that imports PyYAML itself picks its own loader (safe or not, libyaml or not)."""
    allowed = {"obsgen/yamlio.py", "obsgen/spec/yamlsrc.py"}
    found = [_rel(p) for p in MODULES if _rel(p) not in allowed and any(
        name == "yaml" or name.startswith("yaml.") for name in _imports(p))]
    assert not found, f"import obsgen.yamlio instead of PyYAML: {found}"


def test_the_yaml_writer_has_one_name_in_obsgen():
    """render/yamlout.py is the writer's former name, kept for tests; obsgen's modules use yamlio."""
    found = [_rel(p) for p in MODULES if "obsgen.render.yamlout" in _imports(p)
             or any(isinstance(n, ast.ImportFrom) and n.module == "obsgen.render"
                    and any(a.name == "yamlout" for a in n.names)
                    for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))))]
    assert not found, f"import obsgen.yamlio instead of render.yamlout: {found}"
