"""verify/scenario_rules.py: a scenario loads the rules its assertions read, transitively, and
never fewer (a rule left out that an assertion reads would make `== 0` checks pass vacuously)."""

from __future__ import annotations

import re

import pytest

from obsgen import names, yamlio
from obsgen.render.promtool_tests import WIRING
from obsgen.verify import scenario_rules, yaml_items
from tests.conftest import ROOT


def _slo(service: str, sid: str) -> tuple[list[str], dict[str, str]]:
    """The SLO's rule groups and its wiring scenarios (both kinds of test file), as generated."""
    groups = [g for g in yaml_items.split((ROOT / names.rules_file(service)).read_text(), "groups")[1]
              if yaml_items.sloth_id(g) == sid]
    scenarios = {}
    for path in (names.tests_file(service), names.health_tests_file(service)):
        for item in yaml_items.split((ROOT / path).read_text(), "tests")[1]:
            name = yaml_items.name(item)
            if name.startswith(f"{sid}: {WIRING}"):
                scenarios[name] = item
    return groups, scenarios


def _kept(groups: list[str]) -> list[str]:
    return [name for g in groups for _, name, _ in yaml_items.rules(g)[1]]


def _all(groups: list[str]) -> list[tuple[str, str, str]]:
    return [rule for g in groups for rule in yaml_items.rules(g)[1]]


def test_a_health_wiring_scenario_keeps_the_alerts_it_reads_only():
    groups, scenarios = _slo("checkout", "checkout-latency")
    health = [t for n, t in scenarios.items() if n.endswith(("SLINoData", "SLIThresholdNotABucket"))]
    assert len(health) == 2
    for text in health:
        alerts = set(re.findall(r'alertname="([^"]+)"', text))
        assert alerts and set(_kept(scenario_rules.needed(groups, text))) == alerts  # they read raw series


def test_the_burn_rate_wiring_keeps_every_window_and_alert_it_reads_and_what_they_read():
    groups, scenarios = _slo("checkout", "checkout-availability")
    text = next(t for n, t in scenarios.items() if "is recorded in every window" in n)
    kept = scenario_rules.needed(groups, text)
    names_kept = set(_kept(kept))
    everything = _all(groups)
    read = set(re.findall(r"slo:sli_error:ratio_rate\w+", text))
    assert read and read <= names_kept  # every window the scenario checks
    burn = {name for kind, name, _ in everything if kind == "alert" and "ErrorBudgetBurn" in name}
    assert burn <= names_kept  # the checks name the burn alerts: all of them
    assert {names.SLI_ERROR_RATE, names.SLI_TOTAL_RATE} <= names_kept  # read by the windows
    for _, name, rule in _all(kept):  # closed: every recorded series a kept rule reads is kept
        words = set(re.findall(r"[A-Za-z_:][A-Za-z0-9_:]*", rule))
        assert not {n for k, n, _ in everything if k == "record"} & words - names_kept, name
    assert len(names_kept) < len(everything)  # the period sums, info and health rules are left out


def test_alerts_without_an_alertname_keep_every_alerting_rule():
    groups, _ = _slo("checkout", "checkout-availability")
    alerts = {name for kind, name, _ in _all(groups) if kind == "alert"}
    for text in ('expr: count(ALERTS{alertstate="firing"}) or vector(0)', "expr: count(ALERTS)",
                 'expr: count(ALERTS{alertname=~"Checkout.*"})', 'expr: count(ALERTS{alertname!="X"})'):
        assert alerts <= set(_kept(scenario_rules.needed(groups, text))), text
    one = next(iter(sorted(alerts)))
    assert set(_kept(scenario_rules.needed(groups, f"    - alertname: {one}\n"))) >= {one}  # alert_rule_test


def test_what_it_cannot_read_keeps_every_rule():
    groups, scenarios = _slo("checkout", "checkout-availability")
    text = next(iter(scenarios.values()))
    assert scenario_rules.needed(groups, text + '\n  - expr: count({__name__=~"slo:.*"})') == groups
    other = groups[0].replace("  rules:\n", "  rules:\n  - expr: vector(1)\n    record: first\n", 1)
    assert scenario_rules.needed([other, *groups[1:]], text) == [other, *groups[1:]]
    assert scenario_rules.needed(groups, "expr: vector(1)") == []  # reads no rule: loads none


def test_a_selector_naming_no_metric_keeps_every_rule():
    groups, scenarios = _slo("checkout", "checkout-availability")
    text = next(iter(scenarios.values()))
    assert scenario_rules.needed(groups, text) != groups  # the scenario alone reads a few rules
    for bare in ('count({sloth_id="checkout-availability"})', 'sum by (x) ( {job="checkout"} )',
                 'vector(1) and{sloth_id="checkout-availability"}', 'vector(1) or{job="checkout"}'):
        assert scenario_rules.needed(groups, f"{text}\n  - expr: {bare}") == groups, bare
    # expected samples' labels and annotations' templates select nothing
    assert scenario_rules.needed(groups, f"{text}\n      - labels: '{{}}'\n") == scenario_rules.needed(groups, text)


def test_each_scenario_of_a_full_suite_loads_the_rules_it_reads():
    """`obsgen test` splits an SLO's scenarios by the rules they read (verify/promtool._split): every
    scenario in exactly one run (promtool gives each scenario its own storage: their order is free),
    each run with the closure of what its scenarios read."""
    service, sid = "checkout", "checkout-latency"
    groups = [g for g in yaml_items.split((ROOT / names.rules_file(service)).read_text(), "groups")[1]
              if yaml_items.sloth_id(g) == sid]
    for path in (names.tests_file(service), names.health_tests_file(service)):
        scenarios = [item for item in yaml_items.split((ROOT / path).read_text(), "tests")[1]
                     if yaml_items.name(item).startswith(f"{sid}: ")]
        runs = scenario_rules.by_reads(groups, scenarios)
        assert sorted(s for _, texts in runs for s in texts) == sorted(scenarios)
        for kept, texts in runs:
            assert all(scenario_rules.needed(groups, t) == kept for t in texts)
        assert len(runs) > 1 and min(len(_kept(k)) for k, _ in runs) < len(_all(groups)), path


def test_a_brace_inside_a_quoted_label_value_is_not_a_selector():
    """A team named `a{b` is in every selector of its SLO: the text's brace search finds it, and
    the PromQL parser says it is a label value, so the scenario still loads only what it reads; a
    real selector naming no metric beside it still keeps every rule, in either YAML quoting."""
    groups, _ = _slo("checkout", "checkout-availability")
    ratio = names.sli_error_ratio("1h")
    quoted = f"- promql_expr_test:\n  - expr: '{ratio}{{team=\"a{{b\", x=\"}}{{\"}}'\n"
    kept = scenario_rules.needed(groups, quoted)
    assert kept != groups and ratio in _kept(kept)
    for bare in ('count({sloth_id="checkout-availability"})', 'vector(1) and{job="checkout"}'):
        assert scenario_rules.needed(groups, f"{quoted}  - expr: '{bare}'\n") == groups, bare
    double = f'- promql_expr_test:\n  - expr: "{ratio}{{team=\\"}}{{b\\"}}"\n'
    assert scenario_rules.needed(groups, double) == kept
    assert scenario_rules.needed(groups, double.replace('"\n', ' and{job=\\"x\\"}"\n')) == groups
    assert scenario_rules.needed(groups, f"- expr: '{ratio}{{x=\"}}{{\"}}' ]\n") == groups  # not YAML


@pytest.mark.parametrize("text, bare", [
    ('{sloth_id="a"}', True), ('sum by (job) (x) and{job="a"}', True), ("x:and{", True), ("(on{", True),
    ('metric{job="a"}', False), ("band{", False), ("and_x{", False), ("äand{", False), ("ä{", True),
    ("no brace", False),
])
def test_a_brace_is_bare_after_no_name_or_after_a_keyword_of_its_own(text, bare):
    assert scenario_rules._bare_brace(text) is bare


def test_annotations_are_left_out_unless_a_scenario_reads_them():
    """Every rule stays as generated but for its annotations (a label named `annotations` stays);
    a scenario with an alert_rule_test (which checks annotations) keeps them."""
    groups, scenarios = _slo("checkout", "checkout-availability")
    groups = [g.replace("      team: ", "      annotations: a label\n      team: ", 1) for g in groups]
    cut = scenario_rules.without_annotations(groups, list(scenarios.values()))
    before, after = (yamlio.load("".join(g)) for g in (groups, cut))
    rules = [(r, s) for g, h in zip(before, after, strict=True) for r, s in zip(g["rules"], h["rules"], strict=True)]
    assert sum("annotations" in r for r, _ in rules) > 1 and not any("annotations" in s for _, s in rules)
    assert all({k: v for k, v in r.items() if k != "annotations"} == s for r, s in rules)
    assert any(s.get("labels", {}).get("annotations") == "a label" for _, s in rules)
    assert scenario_rules.without_annotations(groups, ["alert_rule_test:\n"]) == groups
