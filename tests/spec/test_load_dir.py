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
