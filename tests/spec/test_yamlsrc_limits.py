"""Hostile YAML is rejected at once, at its line, with the limit it broke (issue 12)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from obsgen.errors import Location
from obsgen.spec.yamlsrc import DEFAULT_LIMITS, Limits, load_file, load_text
from tests import builders
from tests.conftest import EXAMPLES, run_obsgen


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """Each anchor a list of `width` references to the previous one: width**levels nodes."""
    lines = ["apiVersion: obsgen/v1", "kind: Team", "metadata: {name: bomb}", "spec:",
             "  a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_rejected_at_the_alias_that_breaks_the_limit():
    tracemalloc.start()
    docs, errors = load_text(alias_bomb(), "slos/bomb.yaml")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert docs == []
    assert len(errors) == 1
    assert errors[0].location == Location("slos/bomb.yaml", 10)  # a5 repeats 9**5: 600,000 nodes
    assert errors[0].message.startswith(f"more than {DEFAULT_LIMITS.nodes} YAML nodes in one file")
    assert peak < 20 * 1024 * 1024  # the expansion is counted, never built


def test_aliases_share_what_they_repeat_and_count_its_size():
    text = "a: &a {x: 1, y: [1, 2]}\nb: *a\nc: *a\n"
    docs, errors = load_text(text, "slos/x.yaml")
    assert errors == []
    assert docs[0].data == {"a": {"x": 1, "y": [1, 2]}, "b": {"x": 1, "y": [1, 2]}, "c": {"x": 1, "y": [1, 2]}}
    _, errors = load_text(text, "slos/x.yaml", Limits(nodes=20))  # root + 3 keys + 3 x 7 nodes = 25
    assert errors and errors[0].location.line == 3


@pytest.mark.parametrize("text", [
    "a: " + "[" * 100_000 + "]" * 100_000 + "\n",  # crashed PyYAML's recursive composer
    "a: " + "{b: " * 50_000 + "1" + "}" * 50_000 + "\n",
    "a:\n" + "".join(" " * i + "- \n" for i in range(1, 2000)),
], ids=["flow-sequences", "flow-mappings", "block-sequences"])
def test_deep_nesting_is_rejected_at_its_line(text):
    docs, errors = load_text(text, "slos/deep.yaml")
    assert docs == []
    assert len(errors) == 1
    assert errors[0].message.startswith(f"nested deeper than {DEFAULT_LIMITS.depth} levels")
    assert errors[0].location.line >= 1


def test_nesting_within_the_limit_is_fine():
    depth = DEFAULT_LIMITS.depth - 1  # the document's own mapping is one level
    docs, errors = load_text("a: " + "[" * depth + "]" * depth + "\n", "slos/x.yaml")
    assert errors == [] and len(docs) == 1


def test_too_many_documents():
    text = "a: 1\n---\n" * 5
    docs, errors = load_text(text, "slos/x.yaml", Limits(documents=3))
    assert docs == []
    assert errors[0].location == Location("slos/x.yaml", 6)  # the fourth `---`
    assert errors[0].message.startswith("more than 3 documents in one file")


def test_huge_file_is_rejected_before_it_is_read(tmp_path: Path):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"a: " + b"x" * (DEFAULT_LIMITS.file_bytes + 1) + b"\n")
    docs, errors = load_file(path, "slos/huge.yaml")
    assert docs == []
    assert errors[0].location == Location("slos/huge.yaml")
    assert errors[0].message.startswith(f"file is {DEFAULT_LIMITS.file_bytes + 5} bytes, over the limit")


def test_byte_order_mark_is_accepted(tmp_path: Path):
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffa: 1\nb: 2\n".encode())
    docs, errors = load_file(path, "slos/bom.yaml")
    assert errors == []
    assert docs[0].data == {"a": 1, "b": 2}
    assert docs[0].lines[("b",)] == 2


def _spec_dir(tmp_path: Path, extra: dict[str, bytes | str]) -> Path:
    return builders.write_files(builders.copy_examples(tmp_path / "slos"), extra)


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("bomb.yaml", alias_bomb(), "slos/bomb.yaml:10: more than 200000 YAML nodes in one file"),
    ("latin1.yaml", b"apiVersion: obsgen/v1\nkind: Team\nmetadata: {name: caf\xe9}\n",
     "slos/latin1.yaml:3: not UTF-8: byte 0xe9 at column 21"),
    ("deep.yaml", "a: " + "[" * 5000 + "]" * 5000 + "\n", "slos/deep.yaml:1: nested deeper than 64 levels"),
], ids=["alias-bomb", "not-utf8", "deep"])
def test_cli_rejects_hostile_files_and_writes_nothing(tmp_path, name, content, expected):
    spec = _spec_dir(tmp_path, {name: content})
    out = tmp_path / "out"
    result = run_obsgen("generate", spec.name, "--out", out.name, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert f"error: {expected}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_platform_can_raise_the_limits(tmp_path):
    """The Platform's limits, read by `obsgen validate` (in this process, builders.obsgen_cli: the
    limits are what is tested; the process' streams and exit code are the test above's)."""
    many = "".join(f"---\napiVersion: obsgen/v1\nkind: Team\nmetadata: {{name: t{i}}}\n" for i in range(1001))
    spec = _spec_dir(tmp_path, {"many-teams.yaml": many})
    default = builders.obsgen_cli("validate", str(spec))
    assert default.returncode == 1
    assert "many-teams.yaml:4001: more than 1000 documents in one file" in default.stderr
    platform = (EXAMPLES / "platform.yaml").read_text()
    (spec / "platform.yaml").write_text(platform + "  limits: {documents: 2000}\n")
    assert builders.obsgen_cli("validate", str(spec)).returncode == 0
    (spec / "platform.yaml").write_text(platform + "  limits: {documents: 10}\n")
    lowered = builders.obsgen_cli("validate", str(spec))
    assert lowered.returncode == 1
    line = platform.count("\n") + 1  # the appended `limits:` line
    assert f"platform.yaml:{line}: limits.documents: Input should be greater than or equal to 1000" in lowered.stderr
