from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import pytest

from obsgen.output import writer


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def tree(root: Path) -> dict[str, str]:
    """Every file under root (symlinks shown by target), for before/after comparisons."""
    found = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[rel] = f"-> {os.readlink(path)}"
        elif path.is_file():
            found[rel] = path.read_text()
    return found


def test_writes_files_and_a_manifest(tmp_path):
    changed = writer.write_tree(tmp_path, {"alerts/a.yaml": "a\n", "alerts/b.yaml": "b\n"})
    assert changed == ["alerts/a.yaml", "alerts/b.yaml"]
    assert (tmp_path / "alerts/a.yaml").read_text() == "a\n"
    assert writer.read_manifest(tmp_path) == {"alerts/a.yaml": sha("a\n"), "alerts/b.yaml": sha("b\n")}


def test_the_manifest_is_sha256sum_lines_sorted_by_path(tmp_path):
    writer.write_tree(tmp_path, {"b.yaml": "b\n", "a/z.yaml": "z\n"})
    lines = (tmp_path / writer.MANIFEST).read_text().splitlines()
    assert [line for line in lines if not line.startswith("#")] == [sha("z\n") + "  a/z.yaml",
                                                                     sha("b\n") + "  b.yaml"]


def test_the_old_path_only_manifest_is_read_and_upgraded(tmp_path):
    (tmp_path / "old.yaml").write_text("old\n")
    (tmp_path / "keep.yaml").write_text("edited\n")
    (tmp_path / writer.MANIFEST).write_text("# Files written by obsgen\nold.yaml\nkeep.yaml\n")
    assert writer.read_manifest(tmp_path) == {"old.yaml": None, "keep.yaml": None}
    # no hash recorded: an owned file cannot be known to be hand-edited, so it is simply rewritten
    assert writer.write_tree(tmp_path, {"keep.yaml": "k\n"}) == ["keep.yaml", "old.yaml"]
    assert writer.read_manifest(tmp_path) == {"keep.yaml": sha("k\n")}


def test_new_files_are_readable_as_the_umask_allows(tmp_path):
    writer.write_tree(tmp_path, {"a.yaml": "a\n"})
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "a.yaml").stat().st_mode & 0o777 == 0o666 & ~umask
    (tmp_path / "a.yaml").chmod(0o640)
    writer.write_tree(tmp_path, {"a.yaml": "b\n"})
    assert (tmp_path / "a.yaml").stat().st_mode & 0o777 == 0o640


def test_unchanged_files_are_not_rewritten(tmp_path):
    writer.write_tree(tmp_path, {"a.yaml": "a\n"})
    before = (tmp_path / "a.yaml").stat().st_mtime_ns, (tmp_path / writer.MANIFEST).stat().st_mtime_ns
    assert writer.write_tree(tmp_path, {"a.yaml": "a\n"}) == []
    assert ((tmp_path / "a.yaml").stat().st_mtime_ns, (tmp_path / writer.MANIFEST).stat().st_mtime_ns) == before


def test_removes_only_files_it_wrote(tmp_path):
    writer.write_tree(tmp_path, {"alerts/old.yaml": "x\n", "alerts/keep.yaml": "k\n"})
    (tmp_path / "alerts/mine.yaml").write_text("hand-written\n")
    result = writer.write(tmp_path, {"alerts/keep.yaml": "k\n"})
    assert (result.written, result.unchanged, result.removed) == ([], ["alerts/keep.yaml"], ["alerts/old.yaml"])
    assert not (tmp_path / "alerts/old.yaml").exists()
    assert (tmp_path / "alerts/mine.yaml").read_text() == "hand-written\n"


def test_a_tampered_manifest_cannot_delete_outside_the_tree(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("precious\n")
    out = tmp_path / "out"
    writer.write_tree(out, {"a.yaml": "a\n"})
    (out / writer.MANIFEST).write_text("../outside.txt\n/etc/passwd\n" + sha("a\n") + "  a.yaml\n")
    writer.write_tree(out, {"b.yaml": "b\n"})
    assert outside.read_text() == "precious\n"
    assert not (out / "a.yaml").exists()


# --- hand edits and files obsgen did not write (issue 8) ---

def test_a_hand_edited_file_is_not_overwritten_without_force(tmp_path):
    writer.write_tree(tmp_path, {"a.yaml": "a\n", "b.yaml": "b\n"})
    (tmp_path / "a.yaml").write_text("edited\n")
    before = tree(tmp_path)
    with pytest.raises(writer.OutputError) as caught:
        writer.write_tree(tmp_path, {"a.yaml": "a2\n", "b.yaml": "b2\n"})
    assert caught.value.problems == [f"{tmp_path / 'a.yaml'}: edited by hand since obsgen wrote it; "
                                     "`generate --force` overwrites it"]
    assert tree(tmp_path) == before  # nothing written, b.yaml included
    result = writer.write(tmp_path, {"a.yaml": "a2\n", "b.yaml": "b2\n"}, force=True)
    assert result.written == ["a.yaml", "b.yaml"] and result.forced == ["a.yaml"]
    assert (tmp_path / "a.yaml").read_text() == "a2\n"


def test_force_restores_a_hand_edited_file(tmp_path):
    writer.write_tree(tmp_path, {"a.yaml": "a\n"})
    (tmp_path / "a.yaml").write_text("edited\n")
    with pytest.raises(writer.OutputError):
        writer.write_tree(tmp_path, {"a.yaml": "a\n"})
    assert writer.write_tree(tmp_path, {"a.yaml": "a\n"}, force=True) == ["a.yaml"]
    assert (tmp_path / "a.yaml").read_text() == "a\n"


def test_a_hand_edit_that_matches_the_output_is_adopted(tmp_path):
    writer.write_tree(tmp_path, {"a.yaml": "a\n"})
    (tmp_path / "a.yaml").write_text("new\n")
    assert writer.write_tree(tmp_path, {"a.yaml": "new\n"}) == []
    assert writer.read_manifest(tmp_path) == {"a.yaml": sha("new\n")}


def test_a_hand_edited_stale_file_is_not_removed_without_force(tmp_path):
    writer.write_tree(tmp_path, {"a.yaml": "a\n", "gone.yaml": "g\n"})
    (tmp_path / "gone.yaml").write_text("my notes\n")
    with pytest.raises(writer.OutputError, match=r"gone\.yaml: edited by hand"):
        writer.write_tree(tmp_path, {"a.yaml": "a\n"})
    assert (tmp_path / "gone.yaml").read_text() == "my notes\n"
    assert writer.write_tree(tmp_path, {"a.yaml": "a\n"}, force=True) == ["gone.yaml"]
    assert not (tmp_path / "gone.yaml").exists()


def test_a_foreign_file_in_the_way_is_refused_and_a_foreign_file_elsewhere_survives(tmp_path):
    (tmp_path / "alerts").mkdir()
    (tmp_path / "alerts/a.yaml").write_text("someone else's\n")
    (tmp_path / "alerts/notes.md").write_text("notes\n")
    with pytest.raises(writer.OutputError, match=r"a\.yaml: exists and was not written by obsgen"):
        writer.write_tree(tmp_path, {"alerts/a.yaml": "a\n"})
    assert not (tmp_path / writer.MANIFEST).exists()
    writer.write_tree(tmp_path, {"alerts/a.yaml": "a\n"}, force=True)
    writer.write_tree(tmp_path, {"alerts/b.yaml": "b\n"})
    assert (tmp_path / "alerts/notes.md").read_text() == "notes\n"
    assert not (tmp_path / "alerts/a.yaml").exists()


def test_a_foreign_file_identical_to_the_output_is_adopted(tmp_path):
    (tmp_path / "a.yaml").write_text("a\n")
    assert writer.write_tree(tmp_path, {"a.yaml": "a\n"}) == []
    assert writer.read_manifest(tmp_path) == {"a.yaml": sha("a\n")}


def test_survey_lists_every_kind_of_difference(tmp_path):
    writer.write_tree(tmp_path, {"same.yaml": "s\n", "stale.yaml": "1\n", "edited.yaml": "e\n", "extra.yaml": "x\n"})
    (tmp_path / "edited.yaml").write_text("by hand\n")
    (tmp_path / "foreign.yaml").write_text("theirs\n")
    survey = writer.survey(tmp_path, {"same.yaml": "s\n", "stale.yaml": "2\n", "edited.yaml": "e\n",
                                      "new.yaml": "n\n", "foreign.yaml": "ours\n"})
    assert survey.stale == ["edited.yaml", "foreign.yaml", "stale.yaml"]
    assert survey.missing == ["new.yaml"]
    assert survey.extra == ["extra.yaml"]
    assert survey.hand_edited == ["edited.yaml"]
    assert survey.unowned == ["foreign.yaml"]
    assert survey.problems == []
    text = "".join(survey.diffs())
    assert "-1\n+2\n" in text and "+++ b/new.yaml" in text and "--- a/extra.yaml\n+++ /dev/null" in text
    assert "+" + sha("2\n") + "  stale.yaml" in text  # the manifest is output too


def test_survey_is_empty_in_sync(tmp_path):
    writer.write_tree(tmp_path, {"a.yaml": "one\n"})
    survey = writer.survey(tmp_path, {"a.yaml": "one\n"})
    assert survey.in_sync and survey.diffs() == []


# --- symlinks (issue 14, point 9) ---

@pytest.fixture
def outside(tmp_path) -> Path:
    outside = tmp_path / "outside"
    (outside / "precious").mkdir(parents=True)
    (outside / "precious/notes.txt").write_text("precious\n")
    (outside / "a.yaml").write_text("precious a\n")
    return outside


def refused(out: Path, files: dict[str, str], path: str) -> writer.OutputError:
    before = tree(out.parent)
    with pytest.raises(writer.OutputError) as caught:
        writer.write_tree(out, files, force=True)
    assert any(p.startswith(f"{out / path}: ") and "symbolic link" in p for p in caught.value.problems), \
        caught.value.problems
    assert tree(out.parent) == before
    return caught.value


def test_a_symlinked_directory_in_a_stale_path_is_not_followed(tmp_path, outside):
    out = tmp_path / "out"
    writer.write_tree(out, {"a.yaml": "a\n"})
    (out / "link").symlink_to("../outside")
    (out / writer.MANIFEST).write_text("link/precious/notes.txt\na.yaml\n")
    refused(out, {"a.yaml": "a\n"}, "link")
    assert (outside / "precious/notes.txt").read_text() == "precious\n"


def test_a_symlinked_manifest_is_neither_read_nor_written(tmp_path, outside):
    out = tmp_path / "out"
    out.mkdir()
    (outside / "manifest").write_text("precious/notes.txt\n")
    (out / writer.MANIFEST).symlink_to(outside / "manifest")
    refused(out, {"a.yaml": "a\n"}, writer.MANIFEST)


def test_a_symlinked_target_file_is_not_written_through(tmp_path, outside):
    out = tmp_path / "out"
    writer.write_tree(out, {"a.yaml": "a\n"})
    (out / "a.yaml").unlink()
    (out / "a.yaml").symlink_to(outside / "a.yaml")
    refused(out, {"a.yaml": "new\n"}, "a.yaml")


def test_a_symlinked_output_directory_is_not_written_through(tmp_path, outside):
    out = tmp_path / "out"
    out.mkdir()
    (out / "alerts").symlink_to(outside)
    refused(out, {"alerts/rules/a.yaml": "a\n"}, "alerts")


def test_a_symlink_that_stays_inside_the_tree_is_refused_too(tmp_path):
    out = tmp_path / "out"
    (out / "real").mkdir(parents=True)
    (out / "alerts").symlink_to("real")
    refused(out, {"alerts/a.yaml": "a\n"}, "alerts")


def test_a_symlinked_out_directory_itself_is_followed(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "out").symlink_to("real")
    writer.write_tree(tmp_path / "out", {"a.yaml": "a\n"})
    assert (tmp_path / "real/a.yaml").read_text() == "a\n"


def test_check_refuses_to_read_through_symlinks(tmp_path, outside):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.yaml").symlink_to(outside / "a.yaml")
    survey = writer.survey(out, {"a.yaml": "precious a\n"})
    assert not survey.in_sync and "symbolic link" in survey.problems[0]


# --- all or nothing (issue 14, point 10) ---

@pytest.fixture
def old_tree(tmp_path) -> Path:
    out = tmp_path / "out"
    writer.write_tree(out, {"a.yaml": "old a\n", "b.yaml": "old b\n", "d/c.yaml": "old c\n", "gone.yaml": "g\n"})
    return out


NEW = {"a.yaml": "new a\n", "b.yaml": "new b\n", "d/c.yaml": "new c\n", "e/f.yaml": "new f\n"}


def unchanged(out: Path, before: dict[str, str], error: writer.OutputError, path: str):
    assert tree(out) == before, "a failed run must leave the tree (manifest included) as it was"
    assert any(p.startswith(f"{out / path}: ") for p in error.problems), error.problems


def test_a_directory_where_a_file_goes_is_refused_before_anything_is_written(old_tree):
    (old_tree / "b.yaml").unlink()
    (old_tree / "b.yaml").mkdir()
    before = tree(old_tree)
    with pytest.raises(writer.OutputError) as caught:
        writer.write_tree(old_tree, NEW)
    unchanged(old_tree, before, caught.value, "b.yaml")
    assert "is a directory" in str(caught.value)


def test_a_file_where_a_directory_goes_is_refused(old_tree):
    (old_tree / "e").write_text("a file\n")
    before = tree(old_tree)
    with pytest.raises(writer.OutputError) as caught:
        writer.write_tree(old_tree, NEW)
    unchanged(old_tree, before, caught.value, "e")
    assert "not a directory" in str(caught.value)


def test_out_naming_a_file_is_refused(tmp_path):
    (tmp_path / "out").write_text("x\n")
    with pytest.raises(writer.OutputError, match="is a file, not a directory"):
        writer.write_tree(tmp_path / "out", NEW)
    with pytest.raises(writer.OutputError, match="is a file, not a directory"):
        writer.write_tree(tmp_path / "out" / "sub", NEW)
    assert tree(tmp_path) == {"out": "x\n"}


@pytest.mark.parametrize("fail_at", [1, 2, 3, 4, 5, 6])
def test_a_rename_failing_midway_restores_everything(old_tree, monkeypatch, fail_at):
    """Each step of the commit (3 files replaced, 1 new, 1 removed, the manifest) failing in turn."""
    before = tree(old_tree)
    calls = []

    def failing(real):
        def call(*args, **kwargs):
            calls.append(args)
            if len(calls) == fail_at:
                raise OSError(28, "No space left on device")
            return real(*args, **kwargs)
        return call

    monkeypatch.setattr(os, "replace", failing(os.replace))
    monkeypatch.setattr(os, "unlink", failing(os.unlink))
    with pytest.raises(writer.OutputError) as caught:
        writer.write_tree(old_tree, NEW)
    assert "No space left on device" in str(caught.value)
    assert tree(old_tree) == before  # old content and manifest back, no temporary or backup left
    assert not (old_tree / "e").exists()  # the directory it created is gone too
    monkeypatch.undo()
    assert writer.write_tree(old_tree, NEW) == ["a.yaml", "b.yaml", "d/c.yaml", "e/f.yaml", "gone.yaml"]


def test_a_staging_failure_leaves_no_temporary(old_tree, monkeypatch):
    before = tree(old_tree)
    real = os.fdopen

    def failing(fd, *args, **kwargs):
        handle = real(fd, *args, **kwargs)
        if len([p for p in old_tree.rglob("*.obsgen-tmp")]) >= 2:
            handle.close()
            raise OSError(122, "Disk quota exceeded")
        return handle

    monkeypatch.setattr(os, "fdopen", failing)
    with pytest.raises(writer.OutputError, match="Disk quota exceeded"):
        writer.write_tree(old_tree, NEW)
    assert tree(old_tree) == before


def test_an_unwritable_directory_is_found_before_the_first_rename(old_tree, monkeypatch):
    (old_tree / "d").chmod(0o555)
    if os.geteuid() == 0:  # root writes into read-only directories: refuse as the kernel would for others
        real = tempfile.mkstemp

        def refusing(*args, dir=None, **kwargs):
            if dir is not None and Path(dir) == old_tree / "d":
                raise PermissionError(13, "Permission denied", str(dir))
            return real(*args, dir=dir, **kwargs)

        monkeypatch.setattr(tempfile, "mkstemp", refusing)
    before = tree(old_tree)
    try:
        with pytest.raises(writer.OutputError) as caught:
            writer.write_tree(old_tree, NEW)
    finally:
        (old_tree / "d").chmod(0o755)
    unchanged(old_tree, before, caught.value, "d")


def test_what_cannot_be_restored_is_named_with_where_its_content_is(old_tree, monkeypatch):
    """The disk fails for good after the first rename: the error says which file is not restored
    and keeps its backup, instead of claiming nothing was written."""
    real, calls = os.replace, []

    def failing(src, dst):
        calls.append(dst)
        if len(calls) >= 2:
            raise OSError(5, "Input/output error")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(writer.OutputError) as caught:
        writer.write_tree(old_tree, NEW)
    assert not caught.value.restored
    first, lost = caught.value.problems
    assert "Input/output error" in first
    assert lost.startswith(f"{old_tree / 'a.yaml'}: could not be restored (Input/output error); "
                           "its previous content is in ")
    backup = Path(lost.rsplit(" ", 1)[1])
    assert backup.read_text() == "old a\n" and backup.parent == old_tree
    assert not list(old_tree.rglob("*.obsgen-tmp"))


def test_an_unwritable_directory_is_found_before_the_first_rename_even_as_root(old_tree, monkeypatch):
    """As the test above, with the permission error injected (root ignores directory modes)."""
    import tempfile

    real_mkstemp, renames = tempfile.mkstemp, []

    def mkstemp(*args, dir=None, **kwargs):
        if Path(dir).name == "d":
            raise PermissionError(13, "Permission denied", str(Path(dir) / "x"))
        return real_mkstemp(*args, dir=dir, **kwargs)

    real_replace = os.replace
    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    monkeypatch.setattr(os, "replace", lambda *a: renames.append(a) or real_replace(*a))
    before = tree(old_tree)
    with pytest.raises(writer.OutputError) as caught:
        writer.write_tree(old_tree, NEW)
    unchanged(old_tree, before, caught.value, "d")
    assert renames == []
    assert caught.value.problems == [f"{old_tree / 'd'}: Permission denied"]


def test_a_manifest_listing_itself_or_odd_paths_is_read_safely():
    from obsgen.output import manifest

    text = "\n".join([".obsgen-manifest", "a//b", "./a", "a/../b", "a\\b", "", "# comment", "ok/x.yaml",
                      "f" * 64 + "  with space.yaml", "F" * 64 + "  upper-hash-is-a-path"]) + "\n"
    assert manifest.parse(text) == {"ok/x.yaml": None, "with space.yaml": "f" * 64,
                                    "F" * 64 + "  upper-hash-is-a-path": None}


def test_a_hard_link_to_a_file_outside_is_replaced_not_written_through(tmp_path, outside):
    out = tmp_path / "out"
    writer.write_tree(out, {"a.yaml": "precious a\n"})
    (out / "a.yaml").unlink()
    os.link(outside / "a.yaml", out / "a.yaml")  # same content, so obsgen owns it unchanged
    writer.write_tree(out, {"a.yaml": "new\n"})
    assert (outside / "a.yaml").read_text() == "precious a\n"
    assert (out / "a.yaml").read_text() == "new\n"


def test_a_fifo_where_a_file_goes_is_refused_without_being_opened(tmp_path):
    os.mkfifo(tmp_path / "a.yaml")  # opening it to compare would block forever
    with pytest.raises(writer.OutputError, match="is not a regular file"):
        writer.write_tree(tmp_path, {"a.yaml": "a\n"})
