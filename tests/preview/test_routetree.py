"""The diff's routing-tree walk agrees with amtool: every route test of the examples (which
`obsgen test` proves with the real amtool) and a few trees amtool itself is asked about."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from obsgen import names
from obsgen.preview import routetree
from tests.conftest import require_tool


def test_every_route_test_of_the_examples_reaches_what_the_walk_says(example_files):
    config = yaml.safe_load(example_files[names.ALERTMANAGER_CONFIG])
    tests = yaml.safe_load(example_files[names.ALERTMANAGER_ROUTE_TESTS])
    cases = tests["alerts"] + tests["synthetic"]
    assert len(tests["alerts"]) > 50 and any(len(c["receivers"]) > 1 for c in cases)  # continue: true is used
    for case in cases:
        assert routetree.receivers(config, case["labels"]) == case["receivers"], case["labels"]


def test_receiver_kinds_come_from_their_configs(example_files):
    kinds = routetree.kinds(yaml.safe_load(example_files[names.ALERTMANAGER_CONFIG]))
    assert kinds["payments-pager"] == ("pagerduty",) and kinds["platform-pager"] == ("opsgenie",)
    assert kinds["payments-email"] == ("email",) and kinds["obsgen-nobody"] == ()


TREE = """
route:
  receiver: root
  routes:
  - receiver: a
    matchers: ['team=~"a|b"', 'env!="dev"']
    continue: true
    routes:
    - receiver: a-quote
      matchers: ['note="say \\"hi\\""']
  - match: {team: a}
    receiver: legacy
  - receiver: other
    matchers: ['team!~"a.*"']
receivers: [{name: root}, {name: a}, {name: a-quote}, {name: legacy}, {name: other}]
"""


@pytest.mark.parametrize("labels", [
    {"team": "a"}, {"team": "a", "env": "dev"}, {"team": "b"}, {"team": "ab"}, {"team": "c"}, {},
    {"team": "a", "note": 'say "hi"'}, {"team": "b", "note": "say hi"},
])
def test_the_walk_agrees_with_amtool(tmp_path, labels):
    amtool = require_tool("amtool")
    (tmp_path / "am.yaml").write_text(TREE)
    args = [f'{k}="{v}"'.replace('"hi"', '\\"hi\\"') for k, v in labels.items()]
    out = subprocess.run([amtool, "config", "routes", "test", "--config.file", str(tmp_path / "am.yaml"), *args],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert routetree.receivers(yaml.safe_load(TREE), labels) == out.split(","), out
