"""Determinism for every renderer (issue 12): the same documents, in any order, split into any
files under any names, and any PYTHONHASHSEED, give byte-identical output for every path.

The corpus is the bundled examples plus the hostile spec set (a Sloth file among obsgen/v1
documents): together every registered backend writes files from them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from obsgen import backends, pipeline
from obsgen.render import _call
from tests.conftest import EXAMPLES
from tests.hardening import hostile

_SEPARATOR = re.compile(r"^---[ \t]*$", re.M)


def corpus(root: Path) -> dict[str, Path]:
    """Two spec directories: the examples and the hostile set."""
    hostile_dir = hostile.write(root / "hostile")
    return {"examples": EXAMPLES, "hostile": hostile_dir}


def documents(spec_dir: Path) -> list[str]:
    """Every YAML document of every file, as text."""
    docs = []
    for path in sorted(spec_dir.rglob("*.yaml")):
        docs += [d.strip("\n") + "\n" for d in _SEPARATOR.split(path.read_text()) if d.strip()]
    return docs


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    dirs = corpus(tmp_path_factory.mktemp("corpus"))
    return {name: (documents(path), pipeline.run(path).files) for name, path in dirs.items()}


@st.composite
def layouts(draw, docs: list[str]) -> dict[str, str]:
    """The documents shuffled and cut into files (1 to all of them), named so that they sort in
    another order than they were cut, some in subdirectories."""
    order = draw(st.permutations(range(len(docs))))
    cuts = sorted(draw(st.sets(st.integers(1, len(docs) - 1), max_size=len(docs) - 1)))
    parts = [order[a:b] for a, b in zip([0, *cuts], [*cuts, len(docs)], strict=True)]
    names = draw(st.permutations(range(len(parts))))
    files = {}
    for name, part in zip(names, parts, strict=True):
        sub = draw(st.sampled_from(["", "a/", "z/b/"]))
        files[f"{sub}{name:03d}-{draw(st.sampled_from(['x', 'svc', 'Z']))}.yaml"] = "---\n".join(docs[i] for i in part)
    return files


@pytest.mark.parametrize("name", ["examples", "hostile"])
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_file_and_document_order_gives_the_same_bytes(baseline, tmp_path, name, data):
    docs, expected = baseline[name]
    files = data.draw(layouts(docs))
    root = tmp_path / f"run{len(list(tmp_path.iterdir()))}"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    got = pipeline.run(root).files
    assert sorted(got) == sorted(expected)
    differ = [rel for rel in expected if got[rel] != expected[rel]]
    assert not differ, differ


def test_every_renderer_writes_files_from_the_corpus(baseline, example_plan, tmp_path):
    plan = pipeline.run(hostile.write(tmp_path / "hostile"), render=False).plan
    ours: dict = {}
    hostile_: dict = {}
    for backend in backends.registered():  # each with the artifacts of those before it
        mine, theirs = _call(backend, example_plan, ours), _call(backend, plan, hostile_)
        assert mine or theirs, f"{backend.name} writes nothing: the property would not cover it"
        ours.update(mine)
        hostile_.update(theirs)
    assert any(rel.endswith("kustomization.yaml") for rel in baseline["examples"][1])


_DUMP = "import json, sys; from obsgen import pipeline; print(json.dumps(pipeline.run(sys.argv[1]).files))"


@pytest.mark.parametrize("seed", ["1", "4242"])
def test_any_hash_seed_gives_the_same_bytes(baseline, tmp_path, seed):
    """A fresh interpreter per seed, on the documents reversed, one per file."""
    docs, expected = baseline["hostile"]
    spec_dir = tmp_path / "specs"
    spec_dir.mkdir()
    for i, doc in enumerate(reversed(docs)):
        (spec_dir / f"{i:02d}.yaml").write_text(doc)
    env = {**os.environ, "PYTHONHASHSEED": seed}
    proc = subprocess.run([sys.executable, "-c", _DUMP, str(spec_dir)], capture_output=True, text=True, env=env,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == expected
