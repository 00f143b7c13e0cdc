"""YAML with a line for every key and item: the source of every `file:line` an error shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from obsgen.errors import Location, SpecError
from obsgen.spec.yamlsrc import load_file, load_text, show

SERVICE = """\
# a comment line does not shift anything
apiVersion: obsgen/v1
kind: Service
metadata:
  name: checkout
  labels: {domain: commerce, pci: "true"}
spec:
  environments: [staging, production]
  slos:
    - name: availability
      objective: 99.9

    - name: latency
      sli:
        latency:
          threshold: 300ms
"""


def load_one(text: str):
    docs, errors = load_text(text, "slos/x.yaml")
    assert errors == []
    assert len(docs) == 1
    return docs[0]


def test_lines_of_keys():
    doc = load_one(SERVICE)
    assert doc.line == 2  # the first key; leading comments are not part of the document
    assert doc.lines[("apiVersion",)] == 2
    assert doc.lines[("metadata",)] == 4
    assert doc.lines[("metadata", "name")] == 5
    assert doc.lines[("metadata", "labels", "pci")] == 6  # flow mappings: the key's own line
    assert doc.lines[("spec", "slos", 1, "sli", "latency", "threshold")] == 16


def test_lines_of_items():
    doc = load_one(SERVICE)
    assert doc.lines[("spec", "environments", 0)] == doc.lines[("spec", "environments", 1)] == 8
    assert doc.lines[("spec", "slos", 0)] == 10
    assert doc.lines[("spec", "slos", 1)] == 13  # blank lines counted
    assert doc.lines[("spec", "slos", 1, "name")] == 13
    assert doc.data["spec"]["slos"][1]["sli"]["latency"]["threshold"] == "300ms"


def test_missing_path_falls_back_to_nearest_parent():
    doc = load_one(SERVICE)
    assert doc.line_of(("spec", "slos", 1, "objective")) == 13  # absent: the item's line
    assert doc.line_of(("spec", "slos", 5, "name")) == 9  # no such item: the list's line
    assert doc.line_of(("nowhere",)) == doc.line_of(()) == 2  # the document's line


def test_location_shows_the_field_path():
    doc = load_one(SERVICE)
    assert doc.location(("spec", "slos", 0, "objective")) == Location("slos/x.yaml", 11, "slos[0].objective")
    assert str(doc.location(("spec", "slos", 0, "objective"))) == "slos/x.yaml:11: slos[0].objective"
    assert str(doc.location(("kind",), "kind")) == "slos/x.yaml:3: kind"
    assert str(doc.location(())) == "slos/x.yaml:2"


@pytest.mark.parametrize(("path", "shown"), [
    (("spec", "slos", 1, "objective"), "slos[1].objective"),
    (("spec", "environments", 0), "environments[0]"),
    (("metadata", "name"), "metadata.name"),
    (("apiVersion",), "apiVersion"),
    (("spec", "telemetry", "sampling", "per_environment", "staging"), "telemetry.sampling.per_environment.staging"),
    ((), ""),
    (("spec",), "spec"),  # `spec: is required` must still name its field
])
def test_show(path, shown):
    assert show(path) == shown


def test_duplicate_keys_are_errors_at_the_second_key():
    text = "a: 1\nb:\n  c: 1\n  d: 2\n  c: 3\nl:\n  - x: 1\n    x: 2\na: 4\n"
    docs, errors = load_text(text, "slos/x.yaml")
    assert sorted(errors) == [
        SpecError(Location("slos/x.yaml", 5, "b.c"), "duplicate key"),
        SpecError(Location("slos/x.yaml", 8, "l[0].x"), "duplicate key"),
        SpecError(Location("slos/x.yaml", 9, "a"), "duplicate key"),
    ]
    assert len(docs) == 1  # the document is still returned, so its other problems show as well


def test_duplicate_keys_in_flow_mappings():
    _, errors = load_text("metadata: {name: a, team: b, name: c}\n", "slos/x.yaml")
    assert errors == [SpecError(Location("slos/x.yaml", 1, "metadata.name"), "duplicate key")]


def test_merge_keys_fill_in_missing_keys():
    doc = load_one("base: &b {x: 1, y: 2}\nitem:\n  <<: *b\n  z: 3\n")
    assert doc.data["item"] == {"x": 1, "y": 2, "z": 3}
    assert doc.lines[("item", "z")] == 4


def test_merge_keys_can_be_overridden():
    docs, errors = load_text("base: &b {x: 1, y: 2}\nitem:\n  <<: *b\n  y: 3\n", "slos/x.yaml")
    assert errors == []
    assert docs[0].data["item"] == {"x": 1, "y": 3}
    assert docs[0].lines[("item", "y")] == 4


# Problem texts differ between libyaml and the pure-Python parser; the line and the prefix do not.
@pytest.mark.parametrize(("text", "line"), [
    ("a: 1\nb: [1, 2\nc: 3\n", 3),
    ("a:\n\tb: 1\n", 2),
    ("a: 1\n  b: 2\n", 2),
    ("a: 1\nb: 2\n- c\n", 3),
    ("a: &x 1\nb: *y\n", 2),
    ("a: 1\n---\nb: 1\n c: 2\n", 4),  # the line in the file, not in the document
])
def test_invalid_yaml_reports_a_line(text, line):
    docs, errors = load_text(text, "slos/x.yaml")
    assert docs == []
    assert len(errors) == 1
    assert errors[0].location == Location("slos/x.yaml", line)
    assert errors[0].message.startswith("invalid YAML: ")
    assert len(errors[0].message) > len("invalid YAML: ")
    assert str(errors[0]).startswith(f"slos/x.yaml:{line}: invalid YAML: ")


@pytest.mark.parametrize(("text", "line", "field"), [
    ("a: !Ref x\n", 1, "a"),  # a tag PyYAML's safe loader does not know
    ("a: 1\nb: !!int abc\n", 2, "b"),  # a standard tag on a value it cannot hold
    ("a:\n  b: !!timestamp yesterday\n", 2, "a.b"),  # PyYAML raises AttributeError here
    ("a: !!bool maybe\n", 1, "a"),  # and KeyError here
    ("a: 1\nb:\n  [x, y]: 1\n", 3, "b"),  # a complex (sequence) key
    ("a: 1\nb: &x {c: *x}\n", 2, "b.c"),  # an alias cycle
    ("a: 1\nb: x\x07y\n", 2, ""),  # a control character
    ("a: 1\nb: x\x00y\n", 2, ""),
], ids=["unknown-tag", "bad-int", "bad-timestamp", "bad-bool", "complex-key", "alias-cycle", "bell", "nul"])
def test_malformed_input_is_a_located_error(text, line, field):
    _, errors = load_text(text, "slos/x.yaml")  # never raises
    assert [e.location for e in errors] == [Location("slos/x.yaml", line, field)]
    assert "invalid YAML" in errors[0].message


MULTI = """\
# three documents
apiVersion: obsgen/v1
kind: Team
metadata: {name: payments}
---
apiVersion: obsgen/v1
kind: Team
metadata:
  name: discovery
  name: search
---

apiVersion: obsgen/v1
kind: Platform
"""


def test_multi_document_files():
    docs, errors = load_text(MULTI, "slos/teams.yaml")
    assert [d.line for d in docs] == [2, 6, 13]
    assert [d.data["kind"] for d in docs] == ["Team", "Team", "Platform"]
    assert docs[1].lines[("metadata", "name")] == 10  # lines count from the top of the file
    assert docs[0].lines == {("apiVersion",): 2, ("kind",): 3, ("metadata",): 4, ("metadata", "name"): 4}
    assert errors == [SpecError(Location("slos/teams.yaml", 10, "metadata.name"), "duplicate key")]


def test_empty_file_has_no_documents():
    assert load_text("", "slos/x.yaml") == ([], [])
    assert load_text("# nothing here\n", "slos/x.yaml") == ([], [])
    assert load_text("---\na: 1\n", "slos/x.yaml")[0][0].line == 2  # a leading separator is fine


@pytest.mark.parametrize("text", ["a: 1\n---\n", "a: 1\n---\n---\nb: 2\n", "a: 1\n---\n# only a comment\n"],
                         ids=["trailing", "doubled", "comment-only"])
def test_empty_documents_are_skipped(text):
    docs, errors = load_text(text, "slos/x.yaml")
    assert errors == []
    assert all(d.data is not None for d in docs)


def test_load_file_that_is_not_utf8(tmp_path: Path):
    path = tmp_path / "x.yaml"
    path.write_bytes(b"a: 1\nb: 2\nname: caf\xe9\n")
    docs, errors = load_file(path, "slos/x.yaml")
    assert docs == []
    message = "not UTF-8: byte 0xe9 at column 10 (invalid continuation byte); save the file as UTF-8"
    assert errors == [SpecError(Location("slos/x.yaml", 3), message)]
