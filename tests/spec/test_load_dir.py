import pytest

from obsgen.errors import SpecErrors
from obsgen.spec.load import load_dir, spec_files


def test_files_under_a_skipped_tree_are_not_specs(tmp_path):
    for rel in ("a.yaml", "out/alerts/rules/x.yaml", "out/listed.yml", "out/other.yaml", "b/c.yml"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    found = spec_files(tmp_path, skip=[tmp_path / "out/alerts", tmp_path / "out/listed.yml"])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.yaml", "b/c.yml", "out/other.yaml"]


@pytest.mark.parametrize("content", [None, "", "# only a comment\n", "---\n---\n"])
def test_no_documents_is_an_error_naming_the_directory(tmp_path, content):
    if content is not None:
        (tmp_path / "x.yaml").write_text(content)
    with pytest.raises(SpecErrors) as caught:
        load_dir(tmp_path)
    assert [str(e) for e in caught.value.errors] == [
        f"{tmp_path}: no spec documents (YAML with apiVersion: obsgen/v1) under this directory; nothing to generate"]


def test_a_broken_file_is_reported_as_such_not_as_no_documents(tmp_path):
    (tmp_path / "x.yaml").write_text("a: [\n")
    _, errors = load_dir(tmp_path)
    assert errors and "no spec documents" not in str(errors[0])


def test_a_file_is_not_a_directory(tmp_path):
    (tmp_path / "x.yaml").write_text("")
    with pytest.raises(SpecErrors, match="is a file, not a directory"):
        load_dir(tmp_path / "x.yaml")
    with pytest.raises(SpecErrors, match="spec directory not found"):
        load_dir(tmp_path / "nope")


@pytest.mark.parametrize(("given", "meant"), [("slo", "slos"), ("Slos", "slos"), ("specs", None)])
def test_a_missing_spec_directory_suggests_a_close_one_beside_it(tmp_path, monkeypatch, given, meant):
    """`obsgen validate slo` for slos: the directory a typo meant, as the user would type it."""
    for name in ("slos", "alerts", ".slos-cache"):
        (tmp_path / name).mkdir()
    (tmp_path / "slo.yaml").write_text("")  # a file is no spec directory to suggest
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecErrors) as caught:
        load_dir(given)
    hint = f" (did you mean {meant!r}?)" if meant else ""
    assert [str(e) for e in caught.value.errors] == [f"{given}: spec directory not found{hint}"]
