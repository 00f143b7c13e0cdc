"""`obsgen diff`: what a change does, in words a reviewer can approve from, read as GitHub renders it
(CommonMark + GFM tables); per change kind (tests/preview/diff_cases.py), against a committed tree
and against a git ref."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from obsgen import burnrate, durations, pipeline
from obsgen.artifacts import RuleFile
from obsgen.output import committed as committed_tree
from obsgen.output.writer import write_tree
from obsgen.preview import difffacts, semdiff
from tests.builders import copy_examples, obsgen_cli
from tests.conftest import EXAMPLES, run_obsgen
from tests.preview import gfm
from tests.preview.diff_cases import CASES, committed, edit

RISKY = semdiff.RISKY
HEADERS = {title: list(columns) for title, columns in semdiff.TABLES.items()}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return committed(tmp_path)


def parsed(markdown: str) -> dict[str, dict]:
    """The sections, with every table's header checked: GitHub renders it as a table of these columns."""
    found = gfm.sections(markdown)
    for title, section in found.items():
        if title in HEADERS:
            assert section["header"] == HEADERS[title], title
            assert section["rows"] and all(len(row) == len(HEADERS[title]) for row in section["rows"])
    titles = [t for t, s in found.items() if s["level"] == 4]
    if RISKY in titles:
        assert titles[0] == RISKY  # the warnings come first
    return found


def rows(found: dict, title: str) -> list[tuple]:
    return [tuple(row) for row in found.get(title, {}).get("rows", [])]


def example_slo(plan, service: str, name: str):
    return next(s for svc in plan.services if svc.name == service for s in svc.slos if s.name == name)


def alert_words(slo, severity: str, long: str) -> tuple[str, str]:
    """(threshold, detection) of an alert as the plan has it: burnrate's own math on the plan's window,
    never numbers read back from the output."""
    alert = next(a for a in slo.alerts if a.window.severity == severity
                 and durations.format_seconds(a.window.long) == long)
    w = alert.window
    held = f", for {durations.human(alert.for_seconds)}" if alert.for_seconds else ""
    threshold = (f"burn rate above {w.factor:.4g}x (error ratio above {burnrate.threshold(w, slo.budget) * 100:.3g}%)"
                 f" over {durations.format_seconds(w.long)} and {durations.format_seconds(w.short)}{held}")
    found = burnrate.detection(w, slo.budget, 1.0, burnrate.raw_windows(slo.catalog), for_seconds=alert.for_seconds)
    return threshold, durations.human(found.ideal)


# --- facts read from files agree with the plan they were generated from ----------------------------


@pytest.mark.parametrize("tree", ["built", "committed"])
def test_facts_read_from_the_files_are_the_plans(example_plan, example_files, tree):
    """Every SLO's objective, period, budget and every alert's factor, windows, `for` and detection
    time, as the diff reads them from the run's artifacts and from the generated files read back as
    a committed tree, are what the plan (and burnrate) say."""
    found = pipeline.run(EXAMPLES).artifacts if tree == "built" else committed_tree.artifacts(example_files)
    tree = difffacts.read(found)
    slos = [s for svc in example_plan.services for s in svc.slos]
    assert len(tree.slos) == len(slos) > 5
    for slo in slos:
        facts = tree.slos[(slo.service, slo.name)]
        assert facts.objective == pytest.approx(slo.objective_percent)
        assert facts.period_days * burnrate.DAY == slo.period
        assert facts.budget_minutes == pytest.approx(burnrate.budget_seconds(slo.budget, slo.period) / 60)
        assert len(facts.alerts) == len(slo.alerts) > 0
        raw = burnrate.raw_windows(slo.catalog)
        for alert in slo.alerts:
            w = alert.window
            read = facts.alerts[(w.severity, durations.format_seconds(w.long))]
            assert (read.factor, read.short, read.for_seconds) == (
                pytest.approx(w.factor), durations.format_seconds(w.short), alert.for_seconds)
            assert read.detection == pytest.approx(
                burnrate.detection(w, slo.budget, 1.0, raw, for_seconds=alert.for_seconds).ideal)


def test_who_is_notified_is_what_the_route_tests_expect(example_files):
    """The tree walk with each alert's real labels gives the receivers `obsgen test` proves with amtool."""
    import yaml

    tree = difffacts.read(committed_tree.artifacts(example_files))
    tests = yaml.safe_load(example_files["alerts/alertmanager/routes.test.yaml"])["alerts"]
    burns = [c for c in tests if c["kind"] in ("page", "ticket")]
    assert burns and len(tree.notified) == len({(c["labels"]["service"], c["labels"]["slo"], c["kind"],
                                                 c["environment"]) for c in burns})
    for case in burns:
        key = (case["labels"]["service"], case["labels"]["slo"], case["kind"], case["environment"])
        assert tree.notified[key] == case["receivers"]



def test_a_diff_after_a_cached_rerun_reads_the_same_facts(tmp_path):
    """The rerun cache replays the rules files of unchanged services from their bytes and the facts
    it kept beside them (RuleFile.facts): the diff of a rerun that replayed them is a fresh run's."""
    specs, out, cache = copy_examples(tmp_path / "slos"), tmp_path / "out", tmp_path / "cache"
    first = pipeline.run(specs, out, cache_dir=cache)
    write_tree(out, first.files)
    edit(tmp_path, "checkout.yaml", "objective: 99.9\n", "objective: 99.95\n")
    again, fresh = pipeline.run(specs, out, cache_dir=cache), pipeline.run(specs)
    replayed = [p for p, a in again.artifacts.items() if isinstance(a, RuleFile) and a.text is not None]
    assert "alerts/rules/search.rules.yaml" in replayed and "alerts/rules/checkout.rules.yaml" not in replayed
    assert {p: a.slos for p, a in again.artifacts.items() if isinstance(a, RuleFile)} == {
        p: a.slos for p, a in fresh.artifacts.items() if isinstance(a, RuleFile)}
    base = committed_tree.artifacts(first.files)
    summary = semdiff.summarize(base, again.artifacts).markdown()
    assert summary == semdiff.summarize(base, fresh.artifacts).markdown()
    assert "| `checkout/availability` | objective | 99.9% | 99.95% |" in summary and "search/" not in summary


def test_a_built_tree_reads_as_its_committed_files(tmp_path):
    """`diff` and `preview` read the trees they build from the artifacts (dashboards, collector configs,
    the Alertmanager config, route tests), a committed tree from its files (output/committed.py): on
    a change to dashboards, pipelines and routes, both say the same, word for word."""
    shutil.copytree(EXAMPLES, tmp_path / "slos")
    old = pipeline.run(tmp_path / "slos")
    for name in ("objective", "page-to-chat"):
        for file, before, after in CASES[name][1]:
            edit(tmp_path, file, before, after)
    for file in ("platform.yaml", "search.yaml"):  # no dev environment: its collectors go
        edit(tmp_path, file, "environments: [dev, staging, production]", "environments: [staging, production]")
    new = pipeline.run(tmp_path / "slos")
    built = semdiff.summarize(old.artifacts, new.artifacts).markdown()
    assert built == semdiff.summarize(committed_tree.artifacts(old.files),
                                      committed_tree.artifacts(new.files)).markdown()
    found = parsed(built)
    assert "`dashboards/checkout.json`: panels added: SLO availability: 99.95% over 30d" in built
    assert "`otel/dev/agent.yaml` removed: pipelines logs, metrics, traces" in built
    assert ("search/availability pages", "production", "discovery-pager (pagerduty), discovery-chat (slack)",
            "discovery-chat (slack)") in rows(found, "Who is notified")


# --- each change kind -------------------------------------------------------------------------


def test_no_change_exits_0(repo):
    result = run_obsgen("diff", "slos", "--against", ".", cwd=repo)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "### obsgen: no change\n\nThe generated output is identical.\n"


def test_objective_change_says_budget_thresholds_and_detection_before_and_after(outputs, example_plan, tmp_path):
    found = parsed(outputs("objective"))
    assert RISKY not in found  # 43.2 -> 21.6 min: exactly half, not cut by more than half
    slo_rows = rows(found, "SLOs")
    assert ("checkout/availability", "objective", "99.9%", "99.95%") in slo_rows
    assert ("checkout/availability", "error budget", "43.2 min of full outage per 30d",
            "21.6 min of full outage per 30d") in slo_rows
    after = pipeline.run(_edited(tmp_path, "objective"), render=False).plan
    before_slo, after_slo = (example_slo(p, "checkout", "availability") for p in (example_plan, after))
    name = "checkout/availability page 1h/5m (CheckoutAvailabilityErrorBudgetBurn)"
    (t0, d0), (t1, d1) = alert_words(before_slo, "page", "1h"), alert_words(after_slo, "page", "1h")
    assert (name, "threshold", t0, t1) in rows(found, "Alerts")
    assert (name, "full outage detected after", d0, d1) in rows(found, "Alerts")
    assert t0 == "burn rate above 14.4x (error ratio above 1.44%) over 1h and 5m, for 2.0 min"
    assert "14.4, 14.4" not in outputs("objective")  # the old output's `factor 14.4, 14.4`


def _edited(root: Path, name: str) -> Path:
    repo = committed(root / f"plan-{name}")
    for file, old, new in CASES[name][1]:
        edit(repo, file, old, new)
    return repo / "slos"


def test_period_change(outputs, example_plan, tmp_path):
    found = parsed(outputs("period"))
    assert ("search/latency", "period", "7d", "28d") in rows(found, "SLOs")
    assert ("search/latency", "error budget", "504.0 min of full outage per 7d",
            "2016.0 min of full outage per 28d") in rows(found, "SLOs")
    after = example_slo(pipeline.run(_edited(tmp_path, "period"), render=False).plan, "search", "latency")
    before = example_slo(example_plan, "search", "latency")
    name = "search/latency ticket 1d/2h (SearchLatencyErrorBudgetBurn)"
    assert (name, "threshold", alert_words(before, "ticket", "1d")[0],
            alert_words(after, "ticket", "1d")[0]) in rows(found, "Alerts")
    assert RISKY not in found


def test_alert_removed_says_what_it_did_and_warns_that_the_slo_no_longer_pages(outputs, example_plan):
    found = parsed(outputs("alert-removed"))
    slo = example_slo(example_plan, "checkout", "availability")
    for long, short in (("1h", "5m"), ("6h", "30m")):
        threshold, detection = alert_words(slo, "page", long)
        row = (f"checkout/availability page {long}/{short} (CheckoutAvailabilityErrorBudgetBurn)", "removed",
               f"{threshold}; full outage detected after {detection}", "—")
        assert row in rows(found, "Alerts")
    assert found[RISKY]["items"] == ["checkout/availability no longer pages: a fast burn now only opens a ticket."]
    assert ("checkout/availability pages", "production", "payments-pager (pagerduty), payments-chat (slack)",
            "—") in rows(found, "Who is notified")


def test_an_slo_losing_its_alerts_is_a_risk(outputs):
    found = parsed(outputs("alerts-lost"))
    assert found[RISKY]["items"] == ["search/latency loses all its alerts (2 before): its budget can burn with "
                                     "nobody told."]
    assert [r[1] for r in rows(found, "Alerts")] == ["removed", "removed"]


def test_a_removed_slo_is_a_risk(outputs):
    found = parsed(outputs("slo-removed"))
    assert found[RISKY]["items"] == ["search/latency is removed, with its 2 alert(s)."]
    assert ("search/latency", "removed", "95% over 7d", "—") in rows(found, "SLOs")


def test_page_to_chat_only_is_a_risk_naming_who_is_notified(outputs):
    """Paging is read from the Alertmanager config walked with the alerts' labels: the rules do not
    change, the receivers do."""
    text = outputs("page-to-chat")
    found = parsed(text)
    assert found[RISKY]["items"] == [
        "search/availability: pages in production now reach only discovery-chat (slack): no pager (before: "
        "discovery-pager (pagerduty), discovery-chat (slack))."]
    assert rows(found, "Who is notified") == [
        ("search/availability pages", "production", "discovery-pager (pagerduty), discovery-chat (slack)",
         "discovery-chat (slack)")]
    assert rows(found, "Receivers") == [("discovery-pager", "removed", "pagerduty", "—")]
    assert "alerts/rules/search.rules.yaml" not in text and " / " not in text  # no route-tree paths


def test_budget_cut_by_more_than_half_is_a_risk(outputs):
    found = parsed(outputs("budget-halved"))
    assert found[RISKY]["items"] == [
        "search/availability: error budget cut by more than half, 216.0 min of full outage per 30d → 43.2 min "
        "of full outage per 30d."]


def test_receiver_field_change_names_receiver_and_field_and_shows_file_paths(outputs):
    found = parsed(outputs("receiver-field"))
    assert rows(found, "Receivers") == [
        ("payments-chat", "slack channel", "#payments-alerts", "#payments-oncall"),
        ("payments-pager", "pagerduty routing_key_file", "/etc/alertmanager/secrets/payments-pagerduty/routing-key",
         "/etc/alertmanager/secrets/payments-pagerduty-2026/routing-key")]
    assert "receivers' settings changed" not in outputs("receiver-field")


def test_secret_values_and_file_contents_never_appear(tmp_path):
    """A tree written by hand (or an older tool) with inline secrets: the field is named, its value
    withheld; a *_file path is shown, never the file's content."""
    secret_file = tmp_path / "key"
    secret_file.write_text("file-content-s3cr3t\n")
    config = ("route: {{receiver: a}}\nreceivers:\n- name: a\n  pagerduty_configs:\n  - routing_key: {key}\n"
              "    routing_key_file: {path}\n  slack_configs:\n  - api_url: https://hooks.example/{key}\n")
    old = {"alerts/alertmanager/alertmanager.yaml": config.format(key="inline-old-s3cr3t", path="/a/b")}
    new = {"alerts/alertmanager/alertmanager.yaml": config.format(key="inline-new-s3cr3t", path=secret_file)}
    text = semdiff.summarize(committed_tree.artifacts(old), committed_tree.artifacts(new)).markdown()
    assert "s3cr3t" not in text
    assert rows(parsed(text), "Receivers") == [
        ("a", "pagerduty routing_key", "(set, not shown)", "(set, not shown)"),
        ("a", "pagerduty routing_key_file", "/a/b", str(secret_file)),
        ("a", "slack api_url", "(set, not shown)", "(set, not shown)")]


def test_odd_text_stays_in_its_cell():
    """A value with `|` and backticks does not split a table cell or end its code span early."""
    config = "route: {{receiver: a}}\nreceivers:\n- name: a\n  email_configs:\n  - to: '{to}'\n"
    old, new = ({"alerts/alertmanager/alertmanager.yaml": config.format(to=to)} for to in ("x|y@a", "`a`|b@c"))
    text = semdiff.summarize(committed_tree.artifacts(old), committed_tree.artifacts(new)).markdown()
    assert rows(parsed(text), "Receivers") == [("a", "email to", "x|y@a", "`a`|b@c")]


# --- against a git ref ------------------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd,
                          check=True, capture_output=True, text=True).stdout


def test_against_a_git_ref_builds_the_base_from_the_repository(tmp_path):
    """The base is the spec directory as committed at the ref, generated: the same summary as against
    the committed output tree, with nothing of the work tree touched. (The git-ref tests run the CLI in
    this process, tests.builders.obsgen_cli; test_no_change_exits_0 and the hash-seed test start it.)"""
    repo = committed(tmp_path / "repo")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-qb", "change")
    for file, old, new in CASES["budget-halved"][1]:
        edit(repo, file, old, new)
    git(repo, "commit", "-qam", "tighten search")
    status = git(repo, "status", "--porcelain")
    by_ref = obsgen_cli("diff", "slos", "--against", "main", cwd=repo)
    by_dir = obsgen_cli("diff", "slos", "--against", ".", cwd=repo)
    assert by_ref.returncode == 1 and by_ref.stderr == ""
    assert by_ref.stdout == by_dir.stdout
    assert RISKY in parsed(by_ref.stdout)
    assert git(repo, "status", "--porcelain") == status and git(repo, "branch", "--show-current") == "change\n"
    # from elsewhere, the spec directory given by path; a commit id works as a ref
    base = git(repo, "rev-parse", "main").strip()
    elsewhere = obsgen_cli("diff", str(repo / "slos"), "--against", base, cwd=tmp_path)
    assert elsewhere.stdout == by_ref.stdout
    assert obsgen_cli("diff", "slos", "--against", "HEAD", cwd=repo).returncode == 0


def test_against_a_ref_without_the_spec_directory_everything_is_added(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "README").write_text("x\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "empty")
    shutil.copytree(EXAMPLES, repo / "slos")
    result = obsgen_cli("diff", "slos", "--against", "main", cwd=repo)
    assert result.returncode == 1, result.stderr
    assert ("checkout/availability", "added", "—", "99.9% over 30d, budget 43.2 min of full outage per 30d") in rows(
        parsed(result.stdout), "SLOs")


@pytest.mark.parametrize("ref", ["no-such-branch", "--output=/tmp/x", "main:slos"])
def test_a_bad_ref_is_a_clear_error(tmp_path, ref):
    repo = committed(tmp_path / "repo")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    result = obsgen_cli("diff", "slos", "--against", ref, cwd=repo)
    assert result.returncode == 1 and result.stdout == ""
    assert f"error: --against: {ref!r} is neither a directory nor a commit" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_summary_is_the_same_whatever_the_hash_seed(tmp_path):
    repo = committed(tmp_path / "repo")
    for name in ("page-to-chat", "receiver-field"):
        for file, old, new in CASES[name][1]:
            edit(repo, file, old, new)
    runs = {run_obsgen("diff", "slos", "--against", ".", cwd=repo, env={"PYTHONHASHSEED": seed}).stdout
            for seed in ("0", "1", "4242")}
    assert len(runs) == 1 and RISKY in parsed(runs.pop())
