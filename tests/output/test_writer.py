from pathlib import Path

import pytest

from obsgen.output import writer


def test_writes_files_and_a_manifest(tmp_path):
    changed = writer.write_tree(tmp_path, {"alerts/a.yaml": "a\n", "alerts/b.yaml": "b\n"})
    assert changed == ["alerts/a.yaml", "alerts/b.yaml"]
    assert (tmp_path / "alerts/a.yaml").read_text() == "a\n"
    assert writer.read_manifest(tmp_path) == ["alerts/a.yaml", "alerts/b.yaml"]


def test_unchanged_files_are_not_rewritten(tmp_path):
    writer.write_tree(tmp_path, {"a.yaml": "a\n"})
    before = (tmp_path / "a.yaml").stat().st_mtime_ns
    assert writer.write_tree(tmp_path, {"a.yaml": "a\n"}) == []
    assert (tmp_path / "a.yaml").stat().st_mtime_ns == before


def test_removes_only_files_it_wrote(tmp_path):
    writer.write_tree(tmp_path, {"alerts/old.yaml": "x\n", "alerts/keep.yaml": "k\n"})
    (tmp_path / "alerts/mine.yaml").write_text("hand-written\n")
    changed = writer.write_tree(tmp_path, {"alerts/keep.yaml": "k\n"})
    assert changed == ["alerts/old.yaml"]
    assert not (tmp_path / "alerts/old.yaml").exists()
    assert (tmp_path / "alerts/mine.yaml").read_text() == "hand-written\n"


def test_a_tampered_manifest_cannot_delete_outside_the_tree(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("precious\n")
    out = tmp_path / "out"
    writer.write_tree(out, {"a.yaml": "a\n"})
    (out / writer.MANIFEST).write_text("../outside.txt\n/etc/passwd\na.yaml\n")
    writer.write_tree(out, {"b.yaml": "b\n"})
    assert outside.read_text() == "precious\n"
    assert not (out / "a.yaml").exists()


def test_a_failed_write_leaves_the_tree_untouched(tmp_path, monkeypatch):
    writer.write_tree(tmp_path, {"a.yaml": "old a\n", "b.yaml": "old b\n"})
    real = Path.mkdir

    def failing_mkdir(self, *args, **kwargs):
        if self.name == "c":
            raise OSError("disk full")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", failing_mkdir)
    with pytest.raises(OSError):
        writer.write_tree(tmp_path, {"a.yaml": "new a\n", "b.yaml": "new b\n", "c/d.yaml": "d\n"})
    assert (tmp_path / "a.yaml").read_text() == "old a\n"
    assert (tmp_path / "b.yaml").read_text() == "old b\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [writer.MANIFEST, "a.yaml", "b.yaml"]


def test_drift_shows_a_diff_per_file(tmp_path):
    writer.write_tree(tmp_path, {"a.yaml": "one\n", "gone.yaml": "x\n"})
    diffs = writer.drift(tmp_path, {"a.yaml": "two\n", "new.yaml": "n\n"})
    text = "".join(diffs)
    assert "-one\n+two\n" in text and "+++ b/new.yaml" in text and "gone.yaml" in text
    assert writer.drift(tmp_path, {"a.yaml": "one\n", "gone.yaml": "x\n"}) == []
