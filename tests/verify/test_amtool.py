"""The generated Alertmanager config judged by the real amtool: it loads, every template runs, every
route test passes; and each check catches the broken config it exists for."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from obsgen import pipeline, yamlio
from obsgen.output.writer import write_tree
from obsgen.render.alertmanager.matchers import equals
from obsgen.verify import amtool, route_cases
from tests.amspec import SMTP, build, platform, service, team
from tests.conftest import require_tool

CONFIG = "alerts/alertmanager/alertmanager.yaml"


@pytest.fixture(autouse=True)
def _amtool():
    require_tool("amtool")


EVERY_RECEIVER = {
    "teams.yaml": "---\n".join([
        team("payments", "  pagerduty: {routing_key_file: /s/pd}\n  slack: {channel: '#pay', api_url_file: /s/slack}\n"
                         "  email: {to: pay@example.com}"),
        team("platform", "  opsgenie: {api_key_file: /s/og}\n  slack: {channel: '#plat', api_url_file: /s/slack}"),
        team("mail", "  email: {to: mail@example.com}\n  pages_without_pager: true"),
        team("silent"),
        team("oncall", "  pagerduty: {routing_key_file: /s/pd-oncall}"),
    ]),
    "platform.yaml": platform(SMTP + "    default_team: platform\n    platform_alert: ClusterDown\n"),
    "checkout.yaml": service("checkout", "payments"),
    "search.yaml": service("search", "mail", tier=2, envs="dev, production"),
    "batch.yaml": service("batch", "silent", tier=3, envs="production"),
    "edge.yaml": service("edge", "oncall", tier=1, envs="dev, production"),
}


def generate(tmp_path: Path, files: dict[str, str]) -> Path:
    out = tmp_path / "out"
    write_tree(out, build(tmp_path, files))
    return out


def failures(out: Path) -> list:
    return [r for r in amtool.verify(out) if not r.ok]


def route_failure(out: Path):
    """Only the route tests (the mutations below touch routing alone)."""
    result = amtool.route_tests(out / CONFIG, out / "alerts/alertmanager/routes.test.yaml", jobs=4)
    assert not result.ok
    return result


def edit(out: Path, old: str, new: str, count: int = 1) -> None:
    path = out / CONFIG
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, count))


def test_every_receiver_type_loads_and_every_route_test_passes(tmp_path):
    out = generate(tmp_path, EVERY_RECEIVER)
    results = amtool.verify(out)
    assert [r.ok for r in results] == [True, True, True], [r.output for r in results]
    data = yaml.safe_load((out / CONFIG).read_text())
    kinds = {k for r in data["receivers"] for k in r if k.endswith("_configs")}
    assert kinds == {"pagerduty_configs", "opsgenie_configs", "slack_configs", "email_configs"}
    assert "route tests" not in results[2].output
    tested = int(re.search(r"for (\d+) label sets", results[2].command[-1])[1])
    data = yaml.safe_load((out / "alerts/alertmanager/routes.test.yaml").read_text())
    # every generated alert in each environment of its service: checkout, search and edge 4 alerts
    # in 2 environments; batch (tier 3) its 2 tickets in production ...
    # (plus each SLO's 2 SLI health alerts, SLINoData and SLINoErrorSeries, in the same environments)
    assert len(data["alerts"]) == 3 * 4 * 2 + 2 * 1 + (3 * 2 * 2 + 2 * 1)
    # ... and 6 ways of carrying a severity (or none) x no or an unlisted environment label for the
    # 4 teams with alerts; x each listed one as well for those without (platform, an unknown team)
    assert len(data["synthetic"]) == 6 * (4 * 2 + 2 * 5)
    assert tested == len(data["alerts"]) + len(data["synthetic"])


def test_webhook_needs_alertmanager_0_26_and_says_so(tmp_path):
    files = {"teams.yaml": team("hooks", "  webhook: {url_file: /s/hook}\n  pages_without_pager: true"),
             "platform.yaml": platform('    version: "0.26"\n'), "svc.yaml": service("svc", "hooks")}
    out = generate(tmp_path, files)
    data = yaml.safe_load((out / CONFIG).read_text())
    assert data["receivers"][1] == {"name": "hooks-chat",
                                    "webhook_configs": [{"url_file": "/s/hook", "send_resolved": True}]}
    [result] = amtool.verify(out)
    assert not result.ok and "targets Alertmanager 0.26" in result.output and "amtool is 0.25" in result.output
    # Why obsgen refuses webhook below 0.26: Alertmanager 0.25 cannot load url_file.
    proc = subprocess.run(["amtool", "check-config", CONFIG], cwd=out, capture_output=True, text=True)
    assert proc.returncode != 0 and "field url_file not found" in proc.stdout + proc.stderr


def test_a_page_routed_to_chat_is_caught_naming_labels_and_both_receiver_lists(generated):
    edit(generated, "  - receiver: payments-pager\n", "  - receiver: payments-chat\n")
    assert amtool.check_config(generated / CONFIG).ok  # a valid config: only the route tests know better
    failed = route_failure(generated)
    assert "config routes test" in " ".join(failed.command)
    assert ('alert {alertname="CheckoutAvailabilityErrorBudgetBurn", domain="commerce", environment="production"'
            in failed.output)
    assert "expected receivers: payments-pager, payments-chat\n  amtool routed it to: payments-chat,payments-chat" \
        in failed.output
    assert "route tests failed" in failed.output


def test_a_page_that_no_longer_continues_to_chat_is_caught(generated):
    edit(generated, "continue: true\n", "continue: false\n")
    failed = route_failure(generated)
    assert "amtool routed it to: discovery-pager\n" in failed.output


def test_non_production_paging_is_caught(generated):
    """The non-production route of the first team (discovery) never matches: staging pages."""
    edit(generated, '      - environment!=""\n      - environment!="production"\n', '      - environment="never"\n')
    failed = route_failure(generated)
    assert 'environment="staging"' in failed.output
    assert "expected receivers: discovery-chat\n  amtool routed it to: discovery-pager,discovery-chat" in failed.output


def test_an_unknown_team_falls_to_the_root_receiver(tmp_path):
    out = generate(tmp_path, EVERY_RECEIVER)
    config = out / CONFIG
    assert amtool.route_test("amtool", config, {"team": "nobody-owns-this", "severity": "critical"},
                             ["platform-chat"]) is None
    files = {**EVERY_RECEIVER, "platform.yaml": platform(SMTP)}
    out = generate(tmp_path / "no-default", files)
    assert amtool.route_test("amtool", out / CONFIG, {"team": "nobody-owns-this", "severity": "critical"},
                             ["obsgen-nobody"]) is None
    assert amtool.route_test("amtool", out / CONFIG, {"team": "silent"}, ["obsgen-nobody"]) is None


NASTY = {"quote": 'x", team="payments', "backslash": "C:\\dir\\", "comma": "a,b=c", "braces": "}{",
         "newline": "two\nlines", "tab": "a\tb", "unicode": "cafe\u0301 \u2603", "trailing": "space ",
         "regex": ".*|(", "empty_looking": '""'}


def test_label_values_full_of_metacharacters_route_exactly(tmp_path):
    """Spec labels reach every alert and the route tests' amtool arguments through one escaping
    function; amtool must read back exactly what was meant."""
    svc = yaml.safe_load(service("checkout", "payments"))
    svc["metadata"]["labels"] = NASTY
    out = generate(tmp_path, {**EVERY_RECEIVER, "checkout.yaml": yaml.safe_dump(svc)})
    tests = yaml.safe_load((out / "alerts/alertmanager/routes.test.yaml").read_text())["alerts"]
    assert any(case["labels"].get("quote") == NASTY["quote"] for case in tests)
    assert failures(out) == []


@pytest.mark.parametrize("value", list(NASTY.values()), ids=list(NASTY))
def test_the_escaping_function_round_trips_through_alertmanagers_parser(tmp_path, value):
    config = tmp_path / "am.yaml"
    config.write_text(yaml.safe_dump({
        "route": {"receiver": "other", "routes": [{"receiver": "hit", "matchers": [equals("environment", value)]}]},
        "receivers": [{"name": "other"}, {"name": "hit"}]}))
    assert amtool.check_config(config).ok
    assert amtool.route_test("amtool", config, {"environment": value}, ["hit"]) is None
    assert amtool.route_test("amtool", config, {"environment": value + "x"}, ["other"]) is None


def test_a_missing_template_file_is_caught(generated):
    (generated / "alerts/alertmanager/obsgen.tmpl").unlink()
    # amtool itself passes a template glob that matches nothing
    proc = subprocess.run(["amtool", "check-config", CONFIG], cwd=generated, capture_output=True, text=True)
    assert proc.returncode == 0
    failed = amtool.check_config(generated / CONFIG)
    assert not failed.ok and "match no file" in failed.output


def test_a_template_that_does_not_parse_is_caught(generated):
    path = generated / "alerts/alertmanager/obsgen.tmpl"
    path.write_text(path.read_text().replace("{{ end }}", "{{ end }", 1))
    result = amtool.check_config(generated / CONFIG)
    assert not result.ok and "obsgen.tmpl" in result.output


def test_a_template_that_fails_when_run_is_caught(generated):
    path = generated / "alerts/alertmanager/obsgen.tmpl"
    path.write_text(path.read_text().replace('{{ define "obsgen.slack.color" }}',
                                             '{{ define "obsgen.slack.color" }}{{ index .Alerts 99 }}'))
    assert amtool.check_config(generated / CONFIG).ok  # it parses: only running it shows the fault
    failed = amtool.render_templates(generated / CONFIG, jobs=4)
    assert not failed.ok
    assert "obsgen.slack.color" in failed.output and "index out of range" in failed.output


def test_a_receiver_naming_an_undefined_template_is_caught(generated):
    edit(generated, '"obsgen.slack.color"', '"obsgen.slack.colour"')
    assert amtool.check_config(generated / CONFIG).ok  # templates are strings to check-config
    failed = amtool.render_templates(generated / CONFIG, jobs=4)
    assert not failed.ok and 'obsgen.slack.colour: amtool: error: template: :1:12: executing "" at <{{template ' \
        '"obsgen.slack.colour" .}}>: template "obsgen.slack.colour" not defined' in failed.output


def _cases(out: Path) -> list[dict]:
    return amtool.route_cases(out / "alerts/alertmanager/routes.test.yaml")


def test_one_amtool_call_proves_the_cases_the_routing_tree_cannot_tell_apart(generated):
    """Cases merge only when equal in every label a matcher reads and expecting the same receivers:
    each case run alone routes as its group's first (every one of them through amtool here)."""
    config = generated / CONFIG
    cases = _cases(generated)
    groups = amtool.route_classes(config, cases)
    assert sum(map(len, groups)) == len(cases) and len(groups) < len(cases)
    for group in groups:
        assert all(c["receivers"] == group[0]["receivers"] for c in group)
    result = amtool.route_tests(config, generated / "alerts/alertmanager/routes.test.yaml", jobs=4)
    assert result.ok and result.note == f"{len(groups)} amtool calls", result.note  # each group's first, alone
    # What the merged run claims for the others, case by case: each of them alone routes as its
    # group's first did (the firsts are not run twice: the merged run above ran each of them alone).
    others = [c for group in groups for c in group[1:]]
    assert others and [amtool.route_test("amtool", config, c["labels"], c["receivers"]) for c in others] == [
        None] * len(others)


def test_a_case_differing_in_a_label_a_matcher_reads_is_not_merged(generated):
    config = generated / CONFIG
    page = next(c for c in _cases(generated) if c["labels"].get("team") == "payments" and c["pages"])
    same = {**page, "labels": {**page["labels"], "alertname": "Other", "service": "other", "tier": "9"}}
    for label, value in (("team", "discovery"), ("environment", "staging"), ("sloth_severity", "ticket"),
                         ("severity", "warning")):
        other = {**page, "labels": {**page["labels"], label: value}}
        assert len(amtool.route_classes(config, [page, same, other])) == 2, label
    dropped = {**page, "labels": {k: v for k, v in page["labels"].items() if k != "environment"}}
    assert len(amtool.route_classes(config, [page, dropped])) == 2
    expecting = {**page, "receivers": ["payments-chat"]}
    assert len(amtool.route_classes(config, [page, expecting])) == 2
    edit(generated, '- team="payments"', '- team="pay\\\\ments"')  # an escape: nothing is merged
    assert len(amtool.route_classes(config, [page, same])) == 2


def test_a_routing_tree_broken_for_one_service_is_caught(generated):
    """A route by hand for checkout alone (its pages to chat only): `service` is now a routed
    label, so checkout's cases are a group of their own and fail; payments-api's still pass."""
    edit(generated, '    - team="payments"\n    routes:\n',
         '    - team="payments"\n    routes:\n    - receiver: payments-chat\n      matchers:\n'
         '      - service="checkout"\n      - sloth_severity="page"\n')
    failed = route_failure(generated)
    assert 'service="checkout"' in failed.output and 'service="payments-api"' not in failed.output
    assert "expected receivers: payments-pager, payments-chat\n  amtool routed it to: payments-chat\n" \
        in failed.output
    pages = [c for c in _cases(generated) if c["labels"].get("service") == "checkout" and c["pages"]]
    assert f"\n{len(pages)} of " in failed.output  # every checkout page counted, not its group's first alone


def test_the_route_tests_are_parsed_once_per_bytes(generated):
    """routes.test.yaml is parsed once for the version check and the cases (amtool._tests_data),
    and again when its bytes change: a case removed after a run is not routed from a stale parse."""
    tests = generated / "alerts/alertmanager/routes.test.yaml"
    before = amtool.route_cases(tests)
    assert amtool.route_cases(tests) == before and amtool._tests_data(tests) is amtool._tests_data(tests)
    text = tests.read_text()
    first = "\n- rule: " + before[0]["rule"] + "\n"
    assert first in text
    start = text.index(first)
    tests.write_text(text[:start] + text[text.index("\n- ", start + 1):])
    assert len(amtool.route_cases(tests)) == len(before) - 1


# --- routes.test.yaml read in pieces (verify/route_cases.py) ------------------------------------

ROUTE_TESTS = "alerts/alertmanager/routes.test.yaml"


def same_as_whole(text: str) -> bool:
    """route_cases.load reads the text as one whole parse does; True when it read it in pieces,
    False when it left it to the whole parse (not obsgen's layout). A text the whole parse refuses
    is never read in pieces."""
    try:
        whole = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    except yaml.YAMLError:
        whole = None
    cut = route_cases.load(text)
    assert cut is None or cut == whole, "the pieces differ from the whole parse"
    return cut is not None


def test_the_pieces_equal_the_whole_parse_on_generated_trees(example_files, tmp_path):
    from bench import bench_generate
    from tests.hardening import hostile

    bench_generate.synthesize(tmp_path / "bench", 6)
    trees = {"examples": example_files, "synthesized": pipeline.run(tmp_path / "bench").files,
             "hostile": pipeline.run(hostile.write(tmp_path / "hostile")).files}
    read = {name: same_as_whole(files[ROUTE_TESTS]) for name, files in trees.items()}
    # all in obsgen's own layout, read in pieces: the hostile labels (quotes, tabs, newlines, bidi
    # controls) are written double-quoted on one line, and read by YAML in the batch
    assert read == {"examples": True, "synthesized": True, "hostile": True}, read
    assert '\\x0asecond line' in trees["hostile"][ROUTE_TESTS]
    pieces = route_cases.cut(trees["synthesized"][ROUTE_TESTS])[1]
    assert [key for key, _ in pieces] == ["alerts"] * 6 + ["synthetic"]  # one piece per service


EDITS = {  # (old, new) applied once to the examples' routes.test.yaml, by hand
    "comment after a value": ("  kind: page\n", "  kind: page # why\n"),
    "a comment line and a blank line": ("  kind: page\n", "  kind: page\n\n# note\n"),
    "anchor and alias": ("  receivers:\n  - payments-pager\n", "  receivers: &r\n  - payments-pager\n"),
    "alias to it": ("  receivers:\n  - payments-chat\n", "  receivers:\n  - *r\n"),
    "indented list": ("  receivers:\n  - payments-pager\n", "  receivers:\n    - payments-pager\n"),
    "flow list": ("  receivers:\n  - payments-chat\n", "  receivers: [payments-chat, x]\n"),
    "flow mapping": ("  pages: true\n", "  pages: {a: b}\n"),
    "block scalar": ("  kind: page\n", "  kind: |-\n    page\n"),
    "duplicate key": ("  kind: page\n", "  kind: page\n  kind: ticket\n"),
    "duplicate label": ("    slo: availability\n", "    slo: availability\n    slo: other\n"),
    "tag": ("  kind: page\n", "  kind: !!str page\n"),
    "boolean key": ("  kind: page\n", "  on: page\n"),
    "number value": ("  kind: page\n", "  kind: 0.25\n"),
    "date value": ("  kind: page\n", "  kind: 2026-12-08\n"),
    "null value": ("  kind: page\n", "  kind: null\n"),
    "tilde": ("  kind: page\n", "  kind: ~\n"),
    "quoted escapes": ("  kind: page\n", '  kind: "p\\tage\\u00e9"\n'),
    "quoted key": ("  kind: page\n", "  'kind': page\n"),
    "value ending in a colon": ("  kind: page\n", "  kind: page:\n"),
    "trailing space": ("  kind: page\n", "  kind: page \n"),
    "tab": ("  kind: page\n", "  kind:\tpage\n"),
    "CRLF": ("\n", "\r\n"),
    "document marker": ("config:", "---\nconfig:"),
    "a second top-level key twice": ("config:", "config: x\nconfig:"),
    "top-level key after the lists": ("\nsynthetic:\n", "\nextra: 1\nsynthetic:\n"),
    "list key given twice": ("\nsynthetic:\n", "\nalerts:\n"),
    "deeper item": ("  labels:\n    alertname:", "  labels:\n      alertname:"),
    "nested mapping": ("    slo: availability\n", "    slo:\n      deep: availability\n"),
    "broken quote": ("  kind: page\n", "  kind: 'pa\n  ge'\n"),
    "a dash item continuing a quote": ("  kind: page\n", '  kind: "pa\n- ge"\n'),
    "indented under a top-level scalar": ("alertmanager_version: '0.25'\n", "alertmanager_version: '0.25'\n  x: 1\n"),
    "indented before the first item": ("\nalerts:\n", "\nalerts:\n  # c\n"),
    "indented before the first key": ("config:", "  # c\nconfig:"),
    "whitespace-only line": ("  kind: page\n", "  kind: page\n   \n"),
    "empty list": ("  receivers:\n  - payments-chat\n", "  receivers: []\n"),
    "null list": ("  receivers:\n  - payments-chat\n", "  receivers:\n"),
}


# still obsgen's layout (a number, a date, ... are values like any other): read in pieces
IN_PIECES = {"a comment line and a blank line", "number value", "date value", "null value", "quoted escapes",
             "empty list", "null list", "top-level key after the lists"}


@pytest.mark.parametrize("name", list(EDITS))
def test_a_route_test_file_edited_by_hand_reads_as_the_whole_parse(example_files, name):
    text = example_files[ROUTE_TESTS]
    old, new = EDITS[name]
    assert old in text, old
    edited = text.replace(old, new, -1 if old == "\n" else 1)
    if name == "alias to it":  # the alias needs its anchor
        edited = edited.replace(*EDITS["anchor and alias"], 1)
    assert same_as_whole(edited) == (name in IN_PIECES)


def test_any_data_obsgen_writes_reads_back_from_its_pieces():
    """Cases of random label values (YAML's look-alikes of numbers, booleans, nulls and dates,
    quotes, colons, hostile text) dumped by obsgen's writer: the pieces read as the whole parse."""
    import random

    values = ["on", "yes", "No", "null", "~", "0.25", "1e3", "0x1F", "012", "2026-12-08", "1h", "-1", ".inf",
              "a:b", "a: b", "x #y", "'q'", '"d"', "it's", "", " lead", "trail ", "@at", "a,b", "[x]", "{y}",
              "-", "?", "|", ">", "*a", "&a", "!t", "%", "caf\u00e9", "\u0440\u0430y", "a\tb", "two\nlines",
              "\u202eevil", "back\\slash", "svc-00001", "alerts/rules/s.rules.yaml:A"]
    rng = random.Random(24)
    for _ in range(20):
        cases = [{"rule": f"alerts/rules/s{rng.randrange(3)}.rules.yaml:{rng.choice(values)}",
                  "kind": rng.choice(values), "pages": rng.choice([True, False, None, 0, 1.5]),
                  "labels": {rng.choice(["team", "tier", "on", "x_y", "null"]): rng.choice(values)
                             for _ in range(rng.randrange(4))},
                  "receivers": [rng.choice(values) for _ in range(rng.randrange(3))]} for _ in range(8)]
        text = yamlio.dump({"config": rng.choice(values), "alertmanager_version": "0.25", "alerts": cases,
                            "synthetic": cases[:2]})
        same_as_whole(text)
    plain = yamlio.dump({"config": "a.yaml", "alerts": [{"rule": "alerts/rules/s.rules.yaml:A", "n": 1,
                                                         "labels": {"tier": "1"}, "receivers": ["r"]}]})
    assert same_as_whole(plain)


def _break_one_case(tests: Path) -> str:
    """checkout's first page now expects chat alone: a route case amtool must fail. Its rule."""
    text = tests.read_text()
    start = text.index("- rule: alerts/rules/checkout.rules.yaml:")
    page = text.index("  pages: true\n", start)
    receivers = text.index("  receivers:\n  - payments-pager\n  - payments-chat\n", page)
    tests.write_text(text[:receivers] + "  receivers:\n  - payments-chat\n"
                     + text[receivers + len("  receivers:\n  - payments-pager\n  - payments-chat\n"):])
    case = text.rindex("\n- rule: ", 0, page) + 1
    return text[case:text.index("\n", case)].removeprefix("- rule: ")


def test_a_route_test_file_changed_after_a_cached_run_is_read_again(generated, tmp_path, monkeypatch):
    """A warm run keeps each service's parsed cases; a case broken after it fails (and before any
    cached run), naming the case, and only the changed service's piece is parsed again."""
    cold = tmp_path / "cold"
    cold_copy = shutil.copytree(generated, cold / "out")
    rule = _break_one_case(cold_copy / ROUTE_TESTS)
    monkeypatch.delenv("OBSGEN_NO_CACHE", raising=False)
    monkeypatch.setenv("OBSGEN_CACHE_DIR", str(cold / "cache"))
    [failed] = failures(cold_copy)
    assert rule in failed.output and "expected receivers: payments-chat\n" in failed.output

    monkeypatch.setenv("OBSGEN_CACHE_DIR", str(tmp_path / "cache"))
    assert failures(generated) == []
    pieces = len(route_cases.cut((generated / ROUTE_TESTS).read_text())[1])
    assert pieces > 3 and len(list((tmp_path / "cache").rglob(f"{route_cases.KIND}-*.json"))) == pieces
    parsed = []
    real = route_cases._piece
    monkeypatch.setattr(route_cases, "_piece", lambda text: parsed.append(text) or real(text))
    assert failures(generated) == [] and parsed == []  # unchanged: every piece from the cache
    _break_one_case(generated / ROUTE_TESTS)
    [failed] = failures(generated)
    assert rule in failed.output and "expected receivers: payments-chat\n" in failed.output
    assert len(parsed) == 1 and "checkout.rules.yaml:" in parsed[0]  # the changed service's piece alone
