"""pipeline.collector_paused: generation runs without the cyclic collector, and gives it back."""

import gc

import pytest

from obsgen import pipeline


def test_the_collector_is_off_during_a_run_and_on_after_it():
    assert gc.isenabled()
    with pipeline.collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), pipeline.collector_paused():
        raise RuntimeError("a failed run")
    assert gc.isenabled()


def test_a_collector_turned_off_by_the_caller_stays_off():
    gc.disable()
    try:
        with pipeline.collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_every_command_goes_through_run():
    """One flow: obsgen's modules (the CLI, live, preview, scaffold...) reach the specs only through
    pipeline.run, never through a stage of their own."""
    import ast
    from pathlib import Path

    allowed = {"run", "collector_paused", "Run"}
    found = []
    for path in sorted((Path(__file__).resolve().parent.parent / "obsgen").rglob("*.py")):
        if path.name == "pipeline.py" and path.parent.name == "obsgen":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports_it = any(isinstance(n, ast.ImportFrom) and n.module == "obsgen"
                         and any(a.name == "pipeline" for a in n.names) for n in ast.walk(tree))
        for node in ast.walk(tree):
            if (imports_it and isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id == "pipeline" and node.attr not in allowed):
                found.append(f"{path.name}:{node.lineno}: pipeline.{node.attr}")
            if isinstance(node, ast.ImportFrom) and node.module == "obsgen.pipeline":
                found += [f"{path.name}:{node.lineno}: {a.name}" for a in node.names if a.name not in allowed]
            if isinstance(node, ast.Name) and node.id in ("load_dir", "compile_plan", "render_all") \
                    and path.name not in ("load.py", "compile.py", "__init__.py"):
                found.append(f"{path.name}:{node.lineno}: {node.id} (a stage of pipeline.run)")
    assert not found, "assembling the flow outside pipeline.run:\n" + "\n".join(found)
