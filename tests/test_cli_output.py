"""generate and check as users run them: the output directory's safety (symlinks, all or nothing,
hand edits), the spec directory's edge cases, the check report and the closing summary; and the
report of `obsgen test` (what passed, failed and was skipped)."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest
import yaml

from obsgen import backends
from obsgen.output.summary import kind as summary_kind
from tests import builders
from tests.builders import obsgen_cli
from tests.output.test_writer import tree

MANIFEST = ".obsgen-manifest"


def generate(spec_dir: Path, out: Path, *args: str):
    return obsgen_cli("generate", str(spec_dir), "--out", str(out), *args)


def check(spec_dir: Path, out: Path):
    return obsgen_cli("check", str(spec_dir), "--out", str(out))


def refused(result, *needles: str):
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr


@pytest.fixture
def specs(tmp_path) -> Path:
    """A copy of the bundled examples that tests may change."""
    return builders.copy_examples(tmp_path / "specs")


@pytest.fixture
def out(tmp_path, specs) -> Path:
    out = tmp_path / "out"
    assert generate(specs, out).returncode == 0
    return out


# --- issue 14 point 9: symlinks ---

def test_a_symlinked_directory_in_the_manifest_is_not_followed(tmp_path, specs, out):
    (tmp_path / "outside/precious").mkdir(parents=True)
    (tmp_path / "outside/precious/notes.txt").write_text("precious\n")
    (out / "link").symlink_to("../outside")
    with (out / MANIFEST).open("a") as manifest:
        manifest.write("link/precious/notes.txt\n")
    result = generate(specs, out)
    refused(result, f"{out / 'link'}: is a symbolic link")
    assert (tmp_path / "outside/precious/notes.txt").read_text() == "precious\n"


def test_a_symlinked_manifest_is_not_read_or_overwritten(tmp_path, specs):
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "precious.txt").write_text("precious\n")
    (out / MANIFEST).symlink_to(tmp_path / "precious.txt")
    refused(generate(specs, out), f"{out / MANIFEST}: is a symbolic link")
    assert (tmp_path / "precious.txt").read_text() == "precious\n"
    assert tree(out) == {MANIFEST: f"-> {tmp_path / 'precious.txt'}"}


def test_a_symlinked_alerts_directory_is_refused(tmp_path, specs):
    out = tmp_path / "out"
    (tmp_path / "elsewhere").mkdir()
    out.mkdir()
    (out / "alerts").symlink_to(tmp_path / "elsewhere")
    refused(generate(specs, out), f"{out / 'alerts'}: is a symbolic link")
    refused(check(specs, out), f"{out / 'alerts'}: is a symbolic link")
    assert list((tmp_path / "elsewhere").iterdir()) == []


# --- issue 14 point 10: all or nothing ---

def test_a_directory_where_an_owned_file_goes_changes_nothing(specs, out):
    rules = out / "alerts/rules/checkout.rules.yaml"
    rules.unlink()
    rules.mkdir()
    (specs / "checkout.yaml").write_text((specs / "checkout.yaml").read_text().replace("99.9", "99.95", 1))
    before = tree(out)
    refused(generate(specs, out), f"{rules}: is a directory", "nothing was written")
    assert tree(out) == before


def test_alerts_rules_being_a_file_changes_nothing(tmp_path, specs):
    out = tmp_path / "out"
    (out / "alerts").mkdir(parents=True)
    (out / "alerts/rules").write_text("x\n")
    refused(generate(specs, out), f"{out / 'alerts/rules'}: is not a directory")
    assert tree(out) == {"alerts/rules": "x\n"}


def test_out_naming_a_file_is_an_error(tmp_path, specs):
    (tmp_path / "file").write_text("x\n")
    refused(generate(specs, tmp_path / "file"), "is a file, not a directory")
    refused(check(specs, tmp_path / "file"), "is a file, not a directory")


# --- issue 14 point 11: the spec directory ---

@pytest.mark.parametrize("command", ["generate", "validate", "check"])
def test_a_spec_directory_without_documents_is_an_error(tmp_path, out, command):
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    (empty / "sub/comments.yaml").write_text("# nothing yet\n---\n")
    before = tree(out)
    args = [command, str(empty)] + (["--out", str(out)] if command != "validate" else [])
    refused(obsgen_cli(*args), f"{empty}: no spec documents")
    assert tree(out) == before


def test_a_file_given_as_spec_dir_says_so(specs):
    result = obsgen_cli("validate", str(specs / "checkout.yaml"))
    refused(result, "is a file, not a directory")
    assert "not found" not in result.stderr


# --- issue 14 point 12: --out inside the spec directory ---

@pytest.mark.parametrize("where", [".", "generated"])
def test_out_inside_the_spec_directory_runs_again_and_again(specs, where):
    out = specs / where
    for _ in range(3):
        result = generate(specs, out)
        assert result.returncode == 0, result.stderr
    assert "0 written" in result.stdout
    assert check(specs, out).returncode == 0
    assert obsgen_cli("validate", str(specs)).returncode == 0  # no --out: it skips trees with a manifest


# --- issue 8: hand-edit safety, check output for CI logs, summary and progress ---

def test_check_is_quiet_in_sync(specs, out):
    result = check(specs, out)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"{out} is up to date with {specs} (")


def test_check_after_a_hand_edit_shows_the_diff_then_the_lists(specs, out):
    rules = out / "alerts/rules/checkout.rules.yaml"
    rules.write_text(rules.read_text().replace("vector(0.999)", "vector(0.99)"))
    result = check(specs, out)
    assert result.returncode == 1
    diff, _, lists = result.stdout.partition("stale (would change): 1\n")
    assert "-    expr: vector(0.99)\n+    expr: vector(0.999)" in diff
    assert lists == ("  alerts/rules/checkout.rules.yaml\n"
                     "edited by hand (generate refuses to overwrite them without --force): 1\n"
                     "  alerts/rules/checkout.rules.yaml\n")
    assert "1 file(s) out of date" in result.stderr and "--force" in result.stderr


def test_check_after_a_removed_spec_lists_the_extra_files(specs, out):
    (specs / "search.yaml").unlink()
    result = check(specs, out)
    assert result.returncode == 1
    assert "--- a/alerts/rules/search.rules.yaml\n+++ /dev/null\n" in result.stdout
    extra = section(result.stdout, "extra (written by obsgen, no longer generated: would be removed)")
    assert {"alerts/rules/search.rules.yaml", "alerts/tests/search.test.yaml"} <= set(extra)
    # what search alone made: its files, its team's (discovery has no other service), python instrumentation
    assert all(any(word in path for word in ("search", "discovery", "obsgen-python")) for path in extra), extra
    assert ".obsgen-manifest" in section(result.stdout, "stale (would change)")


def section(stdout: str, title: str) -> list[str]:
    """The paths listed under `title: N` in check's report."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title + ": "))
    count = int(lines[start].rsplit(": ", 1)[1])
    return [line.strip() for line in lines[start + 1:start + 1 + count]]


def test_check_after_a_new_spec_lists_the_missing_files(specs, out):
    text = (specs / "search.yaml").read_text()
    (specs / "search2.yaml").write_text(text.replace("name: search\n", "name: search-two\n", 1))
    result = check(specs, out)
    assert result.returncode == 1, result.stderr
    assert "--- /dev/null\n+++ b/alerts/rules/search-two.rules.yaml\n" in result.stdout
    missing = section(result.stdout, "missing (would be written)")
    assert {"alerts/rules/search-two.rules.yaml", "alerts/tests/search-two.test.yaml",
            "k8s/base/prometheus/search-two.yaml", "dashboards/search-two.json"} <= set(missing)
    assert all("search-two" in path for path in missing), missing


def test_generate_refuses_a_hand_edit_and_force_restores_it(specs, out):
    rules = out / "alerts/rules/checkout.rules.yaml"
    original = rules.read_text()
    rules.write_text(original + "# my change\n")
    (specs / "search.yaml").write_text((specs / "search.yaml").read_text().replace("99", "98", 1))
    before = tree(out)
    refused(generate(specs, out), f"{rules}: edited by hand since obsgen wrote it; `generate --force` overwrites it",
            "nothing was written")
    assert tree(out) == before  # the search change is not written either
    result = generate(specs, out, "--force")
    assert result.returncode == 0, result.stderr
    assert "written alerts/rules/checkout.rules.yaml (forced: it was edited by hand" in result.stdout
    assert rules.read_text() == original
    assert check(specs, out).returncode == 0


def test_a_foreign_file_survives_and_an_owned_leftover_is_removed(specs, out):
    (out / "alerts/rules/team-extra.rules.yaml").write_text("groups: []\n")
    (out / "notes.md").write_text("mine\n")
    (specs / "search.yaml").unlink()
    result = generate(specs, out)
    assert result.returncode == 0, result.stderr
    assert ("removed alerts/rules/search.rules.yaml\nremoved alerts/tests/search.health.test.yaml\n"
            "removed alerts/tests/search.test.yaml\n") in result.stdout
    assert not (out / "alerts/rules/search.rules.yaml").exists()
    assert (out / "alerts/rules/team-extra.rules.yaml").read_text() == "groups: []\n"
    assert (out / "notes.md").read_text() == "mine\n"
    assert check(specs, out).returncode == 0


def test_the_summary_counts_what_was_generated(specs, tmp_path):
    out = tmp_path / "fresh"
    first = generate(specs, out)
    assert first.returncode == 0
    files = sorted(line.split("  ")[1] for line in (out / MANIFEST).read_text().splitlines() if line[0] != "#")
    assert first.stdout.startswith("".join(f"written {rel}\n" for rel in files))
    rules = [rule for path in (out / "alerts/rules").iterdir()
             for group in yaml.safe_load(path.read_text())["groups"] for rule in group["rules"]]
    records, alerts = sum("record" in r for r in rules), sum("alert" in r for r in rules)
    summary = f"4 services, 8 SLOs: {records} recording rules, {alerts} alerts\n"
    assert first.stdout.endswith(f"{len(files)} files under {out}: {len(files)} written, 0 unchanged, 0 removed.\n")
    again = generate(specs, out)
    counts = Counter(summary_kind(rel) for rel in files)
    width = max(map(len, counts))
    kinds = "".join(f"  {name:<{width}}  {n} file{'s' if n != 1 else ''}\n" for name, n in sorted(counts.items()))
    assert "  alerts/rules" in kinds and "  alerts/tests" in kinds
    assert again.stdout.startswith(summary + kinds)
    assert again.stdout.endswith(f"{len(files)} files under {out}: 0 written, {len(files)} unchanged, 0 removed.\n")
    assert again.stdout.count("\n") == 2 + len({"/".join(f.split("/")[:2 if f.startswith("alerts/") else 1])
                                                for f in files})


def test_progress_is_plain_lines_on_stderr_when_not_a_terminal(specs, out):
    result = generate(specs, out)
    stages = [line.split("] ", 1)[1] for line in result.stderr.splitlines()]
    files = sum(not line.startswith("#") for line in (out / MANIFEST).read_text().splitlines())
    assert stages == [f"loading {specs}", "compiling", *[f"rendering {name}" for name in backends.REGISTRY],
                      f"writing {files} files under {out}"]


def test_a_rename_failing_midway_is_an_error_line_and_the_tree_is_unchanged(specs, out, monkeypatch):
    (specs / "checkout.yaml").write_text((specs / "checkout.yaml").read_text().replace("99.9", "99.95", 1))
    (specs / "search.yaml").unlink()
    before, real, calls = tree(out), os.replace, []

    def failing(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device", str(dst))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    result = generate(specs, out)
    refused(result, ": No space left on device\n", "1 error(s); nothing was written.")
    assert tree(out) == before


# --- issue 21 point 6: `obsgen test` says what it skipped, and counts ---

@pytest.fixture
def fast_verifiers(monkeypatch):
    """Only the in-process verifiers whose checks can be skipped (Grafana's and the collector's
    schemas); promtool, amtool and kubectl are proven elsewhere and slow here."""
    from obsgen import verify

    # A copy, not deletions: keys deleted and put back on undo would come back at the end, in a set's
    # (hash-seeded) order, and change the order `obsgen test` runs its verifiers in for later tests.
    monkeypatch.setattr(verify, "VERIFIERS", {k: v for k, v in verify.VERIFIERS.items() if k in {"grafana", "otelcol"}})


@pytest.fixture
def no_schemas(monkeypatch, tmp_path):
    """The schemas ship in the package; OBSGEN_SCHEMAS pointing at an empty folder loses them."""
    from obsgen.verify import published

    monkeypatch.setenv(published.ENV_VAR, str(tmp_path / "no-schemas"))
    monkeypatch.delenv("CI", raising=False)


def _report(result) -> tuple[list[str], str]:
    lines = result.stdout.splitlines()
    return lines[:-1], lines[-1]


def test_test_says_skipped_and_why_and_counts_every_check(generated, fast_verifiers, no_schemas):
    result = obsgen_cli("test", "--out", str(generated))
    checks, last = _report(result)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok: schemas dashboards/" not in checks
    assert any(line.startswith("skipped: schemas dashboards/ (Grafana JSON schemas not found under ")
               for line in checks)
    assert any(line.startswith("skipped: otelcol-schemas otel/ (per-component schema checks need ") for line in checks)
    statuses = Counter(line.split(":", 1)[0] for line in checks)
    assert set(statuses) == {"ok", "skipped"} and statuses["skipped"] == 2
    assert last == f"{statuses['ok']} passed, 0 failed, 2 skipped"


def test_test_counts_a_failure_and_a_missing_schema_fails_in_ci(generated, fast_verifiers, no_schemas, monkeypatch):
    import json

    board = generated / "dashboards/_overview.json"
    data = json.loads(board.read_text())
    data["panels"][0]["gridPos"]["w"] = 25  # wider than Grafana's 24-column grid
    board.write_text(json.dumps(data))
    monkeypatch.setenv("CI", "1")
    result = obsgen_cli("test", "--out", str(generated))
    checks, last = _report(result)
    assert result.returncode == 1
    # the edited dashboard is too wide and no longer what its ConfigMap holds; the schemas are missing
    assert [line for line in checks if line.startswith("FAILED")] == [
        "FAILED: schemas dashboards/", "FAILED: grid dashboards/", "FAILED: configmaps dashboards/"]
    statuses = Counter(line.split(":", 1)[0] for line in checks)
    assert last == f"{statuses['ok']} passed, 3 failed, {statuses['skipped']} skipped"
    assert "Grafana JSON schemas not found" in result.stderr
