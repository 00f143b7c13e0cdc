"""Rules with one home: YAML I/O is set up in obsgen/yamlio.py only (spec/yamlsrc.py builds its
located reader on it), every series and label name is written in obsgen/names.py only."""

from __future__ import annotations

import ast
import re
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


def _docstrings(tree: ast.AST) -> set[int]:
    return {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}


def _series_and_label_names() -> set[str]:
    """The names in names.py that cannot be mistaken for ordinary words: recorded series (`slo:...`),
    Sloth's labels (`sloth_...`), Prometheus' own (`ALERTS`, `alertstate`, `alertname`) and the metrics
    obsgen reads. The signal path's attribute names have their own home (signal_path.py)."""
    from obsgen import names, signal_path

    theirs = {v for v in vars(signal_path).values() if isinstance(v, str)}
    return {v for k, v in vars(names).items() if k.isupper() and isinstance(v, str) and v not in theirs
            and re.fullmatch(r"[A-Za-z_:][A-Za-z0-9_:]*", v)
            and (":" in v or "_" in v or v.isupper() or v in ("alertstate", "alertname"))}


def test_series_and_label_names_are_written_in_names_py_only():
    """`"sloth_id"` written in a module is a second home: renaming it in names.py would miss it."""
    wanted = _series_and_label_names()
    assert {"sloth_id", "slo:sli_error:rate5m", "ALERTS", "alertname"} <= wanted
    words = re.compile(r"(?<![A-Za-z0-9_:.])[A-Za-z_:][A-Za-z0-9_:]*")
    found = []
    for path in MODULES:
        if _rel(path) in ("obsgen/names.py", "obsgen/signal_path.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
                found += [f"{_rel(path)}:{node.lineno}: {w}" for w in words.findall(node.value) if w in wanted]
    assert not found, "series or label names written outside obsgen/names.py:\n" + "\n".join(found)
