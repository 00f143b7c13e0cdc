"""The YAML writer: whatever it is given, PyYAML reads back exactly that."""

import subprocess

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from obsgen import yamlio as yamlout

text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=30) | st.text(
    alphabet=st.sampled_from(list(" \n\t:#-'\"{}[]|>!&*%@`?,.0123456789abcxyTtrueFalsNnul~eE+")), max_size=20)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text
data = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
                    max_leaves=20)


@settings(max_examples=500)
@given(st.dictionaries(text, data, max_size=5))
def test_round_trips_through_pyyaml(value):
    assert yaml.safe_load(yamlout.dump(value, header="")) == (value or None)


@given(st.lists(st.sampled_from(["a", "x: y", "- z", "#c", "true", "1.5", "null", "~", "'q'", '"d"', "a #b",
                                 "yes", "0o17", "2024-01-01", "", " lead", "trail ", "multi\nline", "tab\tx",
                                 "{a: 1}", "[1]", "*ref", "&anchor", "!tag", "%x", "@x", "`x", "|", ">"]),
                max_size=8))
def test_tricky_strings(values):
    assert yaml.safe_load(yamlout.dump({"v": values}, header="")) == {"v": values}


def test_layout_matches_what_reviewers_expect():
    doc = {"groups": [{"name": "g", "rules": [{"expr": "a\nand\nb", "labels": {"tier": "1"}}]}], "e": []}
    assert yamlout.dump(doc, header="") == (
        "groups:\n- name: g\n  rules:\n  - expr: |-\n      a\n      and\n      b\n"
        "    labels:\n      tier: '1'\n"
        "e: []\n"
    )


long_keys = st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=1000, max_size=1100) | st.text(
    alphabet=st.sampled_from(list("é✓k: #'\"")), min_size=300, max_size=1200)


@settings(max_examples=25)
@given(st.dictionaries(long_keys, data, min_size=1, max_size=2), long_keys)
def test_long_keys_round_trip(value, key):
    """YAML's implicit keys stop at 1024 characters: longer ones need the explicit `? key` form."""
    doc = {"top": value, "items": [{key: 1, "b": [value]}], key: {key: "v"}}
    assert yaml.safe_load(yamlout.dump(doc, header="")) == doc


@pytest.mark.parametrize("length", [1, 1000, 1023, 1024, 1025, 3000])
def test_keys_at_the_yaml_limit(length):
    key = "k" * length
    doc = {key: "v", "list": [{key: {key: []}}]}
    assert yaml.safe_load(yamlout.dump(doc, header="")) == doc
    assert yaml.load(yamlout.dump(doc, header=""), Loader=yaml.SafeLoader) == doc  # pure Python too


def test_promtool_reads_a_long_annotation_name(tmp_path, promtool):
    """Go's YAML parser (promtool's) reads the explicit key form as well."""
    name = "a" * 1500
    rules = {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "vector(1)", "annotations": {name: "x"}}]}]}
    (tmp_path / "r.yaml").write_text(yamlout.dump(rules))
    result = subprocess.run([promtool, "check", "rules", "r.yaml"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _repeated(head: str, unit: str, tail: str, length: int) -> str:
    """head, then unit over and over, then tail: length characters in all."""
    body = unit * (length // len(unit) + 1)
    return head + body[:max(length - len(head) - len(tail), 0)] + tail


def _long(alphabet, lengths):
    part = st.text(alphabet=alphabet, max_size=3)
    return st.builds(_repeated, part, st.text(alphabet=alphabet, min_size=1, max_size=20), part, lengths)


# Long keys for the fast-path test, where they are one case among many:
# the same alphabets and lengths as long_keys, a drawn head and tail around a drawn unit repeated
# to the length. What the writer does with a key depends on its length in bytes (the explicit
# `? key` form past the limit, no key cache for it) and on which characters it holds and where
# (plain, single- or double-quoted: its first and last characters, `: `, ` #`, a line break), all
# still drawn; Hypothesis drawing each of 1,000 characters one by one was a third of the fast-path
# test's time. test_long_keys_round_trip above draws them character by character.
long_keys_repeated = _long(st.characters(exclude_categories=["Cs"]), st.integers(1000, 1100)) | _long(
    st.sampled_from(list("é✓k: #'\"")), st.integers(300, 1200))


@settings(max_examples=300)
@given(text, st.dictionaries(text, data, min_size=1, max_size=5) | st.dictionaries(long_keys, data, min_size=1,
                                                                                   max_size=1))
def test_under_is_the_nested_dump(key, value):
    """Text dumped once and placed under a key (a PrometheusRule's spec) is what dumping it there writes."""
    assert yamlout.under(key, yamlout.dump(value, header="")) == yamlout.dump({key: value}, header="")


odd_keys = text | st.integers() | st.booleans() | st.none() | st.floats(allow_nan=False) | long_keys_repeated
odd_data = st.recursive(scalars | st.just(()), lambda inner: st.lists(inner, max_size=4)
                        | st.lists(inner, min_size=1, max_size=3).map(tuple)
                        | st.dictionaries(odd_keys, inner, max_size=4), max_leaves=25)


@settings(max_examples=1000)
@given(st.dictionaries(odd_keys, odd_data, max_size=5) | st.lists(odd_data, max_size=4))
def test_the_fast_paths_write_what_the_reference_writer_wrote(value):
    """The writer's fast paths (one-line strings, mappings, lists) change no byte: the writer as it
    was before them (yamlout_reference.py) writes the same for any data, odd keys and tuples included."""
    from tests.render import yamlout_reference

    assert yamlout.dump(value) == yamlout_reference.dump(value)
    assert yamlout.dump(value) == yamlout_reference.dump(value)  # again, with the key cache filled


@pytest.mark.parametrize("value", ["a\n", "a\n\n", "\na", " a\nb", "a \nb", "a\t\nb", "a\u3000\nb", "a\xa0\nb",
                                   "a\n\nb\n", "a\n\n\nb", "a\nb ", "a\n b", "\n", "a\r\nb", "a\x85b\nc",
                                   "a\u2028\nb", "a\nb\n\n", "a\n \nb", "é\n✓\n"])
def test_multi_line_edges_match_the_reference(value):
    from tests.render import yamlout_reference

    for doc in ({"k": value}, [value], {"k": [{"a": value, "b": value}]}):
        assert yamlout.dump(doc) == yamlout_reference.dump(doc)
        assert yaml.safe_load(yamlout.dump(doc)) == doc
