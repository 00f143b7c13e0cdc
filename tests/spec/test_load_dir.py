import pytest

from obsgen import inputs
from obsgen.errors import SpecErrors
from obsgen.spec.load import load_dir


def load(spec_dir):
    return load_dir(spec_dir, inputs.find(spec_dir).specs)


@pytest.mark.parametrize("content", [None, "", "# only a comment\n", "---\n---\n"])
def test_no_documents_is_an_error_naming_the_directory(tmp_path, content):
    if content is not None:
        (tmp_path / "x.yaml").write_text(content)
    with pytest.raises(SpecErrors) as caught:
        load(tmp_path)
    assert [str(e) for e in caught.value.errors] == [
        f"{tmp_path}: no spec documents (YAML with apiVersion: obsgen/v1) under this directory; nothing to generate"]


def test_a_broken_file_is_reported_as_such_not_as_no_documents(tmp_path):
    (tmp_path / "x.yaml").write_text("a: [\n")
    _, errors = load(tmp_path)
    assert errors and "no spec documents" not in str(errors[0])


def test_a_file_is_not_a_directory(tmp_path):
    (tmp_path / "x.yaml").write_text("")
    with pytest.raises(SpecErrors, match="is a file, not a directory"):
        load(tmp_path / "x.yaml")
    with pytest.raises(SpecErrors, match="spec directory not found"):
        load(tmp_path / "nope")


@pytest.mark.parametrize(("given", "meant"), [("slo", "slos"), ("Slos", "slos"), ("specs", None)])
def test_a_missing_spec_directory_suggests_a_close_one_beside_it(tmp_path, monkeypatch, given, meant):
    """`obsgen validate slo` for slos: the directory a typo meant, as the user would type it."""
    for name in ("slos", "alerts", ".slos-cache"):
        (tmp_path / name).mkdir()
    (tmp_path / "slo.yaml").write_text("")  # a file is no spec directory to suggest
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecErrors) as caught:
        load(given)
    hint = f" (did you mean {meant!r}?)" if meant else ""
    assert [str(e) for e in caught.value.errors] == [f"{given}: spec directory not found{hint}"]
