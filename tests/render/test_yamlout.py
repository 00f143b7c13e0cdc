"""The YAML writer: whatever it is given, PyYAML reads back exactly that."""

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from obsgen.render import yamlout

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
