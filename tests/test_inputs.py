"""inputs.find: which files under a spec directory are input and which are obsgen's output kept there.
(Every command's use of it, through the CLI: tests/test_out_in_spec_dir.py.)"""

from __future__ import annotations

from pathlib import Path

from obsgen import inputs
from obsgen.output.manifest import MANIFEST, render


def make(root: Path, *rels: str) -> None:
    for rel in rels:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(f"# {rel}\n")


def listed(root: Path, *rels: str) -> None:
    """A manifest at root listing rels (as obsgen writes it)."""
    (root / MANIFEST).write_bytes(render({rel: "0" * 64 for rel in rels}))


def found(spec_dir: Path, out: Path | None = None) -> list[str]:
    return [p.relative_to(spec_dir).as_posix() for p in inputs.find(spec_dir, out).files]


def test_out_inside_the_spec_directory_is_not_input(tmp_path):
    make(tmp_path, "a.yaml", "b/c.yml", "out/alerts/rules/x.yaml", "out/k8s/deep/er/y.yaml", "out/listed.yml",
         "out/other.yaml", "out/notes.txt")
    listed(tmp_path / "out", "alerts/rules/x.yaml", "listed.yml")
    assert found(tmp_path, tmp_path / "out") == ["a.yaml", "b/c.yml", "out/notes.txt", "out/other.yaml"]


def test_out_before_its_first_manifest_is_not_input_either(tmp_path):
    """Only the output directories then: generate's first run over a tree that holds some."""
    make(tmp_path, "a.yaml", "alerts/old.yaml", "dashboards/x.json", "otel/y.yaml", "k8s/z.yaml", "mine/alerts.yaml")
    assert found(tmp_path, tmp_path) == ["a.yaml", "mine/alerts.yaml"]


def test_a_tree_with_a_manifest_is_found_without_out(tmp_path):
    """validate, k8s and backfill have no --out: every tree that has a manifest is output."""
    make(tmp_path, "a.yaml", "team/alerts/kept.yaml", "gen/alerts/x.yaml", "gen/extra.yaml", "gen/mine.yaml")
    listed(tmp_path / "gen", "alerts/x.yaml", "extra.yaml")
    assert found(tmp_path) == ["a.yaml", "gen/mine.yaml", "team/alerts/kept.yaml"]


def test_out_named_another_way_is_the_same_tree(tmp_path, monkeypatch):
    specs = tmp_path / "specs"
    make(specs, "a.yaml", "alerts/x.yaml")
    (tmp_path / "link").symlink_to(specs)
    assert found(specs, tmp_path / "link") == ["a.yaml"]
    monkeypatch.chdir(tmp_path)
    assert found(Path("specs"), Path("link/../specs")) == ["a.yaml"]


def test_a_symbolic_link_to_an_output_file_is_not_input(tmp_path):
    make(tmp_path, "a.yaml", "alerts/x.yaml", "elsewhere/real.yaml")
    (tmp_path / "to-output.yaml").symlink_to(tmp_path / "alerts/x.yaml")
    (tmp_path / "to-input.yaml").symlink_to(tmp_path / "elsewhere/real.yaml")
    (tmp_path / "to-a-directory").symlink_to(tmp_path / "elsewhere")  # not entered, as rglob did not
    assert found(tmp_path, tmp_path) == ["a.yaml", "elsewhere/real.yaml", "to-input.yaml"]


def test_inputs_are_in_the_order_of_their_relative_paths(tmp_path):
    make(tmp_path, "a/x.yaml", "a-b/x.yaml", "a.yaml", "B.yaml")
    assert found(tmp_path) == ["B.yaml", "a-b/x.yaml", "a.yaml", "a/x.yaml"]  # as text, whatever the file system's


def test_the_loader_reads_yaml_only_and_the_cache_hashes_every_input(tmp_path):
    make(tmp_path, "a.yaml", "b.yml", "c.json", "notes.md")
    found_ = inputs.find(tmp_path)
    assert [p.name for p in found_.specs] == ["a.yaml", "b.yml"]
    assert [p.name for p in found_.files] == ["a.yaml", "b.yml", "c.json", "notes.md"]


def test_a_missing_spec_directory_has_no_inputs(tmp_path):
    assert inputs.find(tmp_path / "nope").files == ()
