"""The committed output (this repository is its own GitOps example) is what slos/ generates, and it
passes the real tools."""

from tests.conftest import ROOT, run_obsgen


def test_committed_output_is_up_to_date():
    result = run_obsgen("check", "slos", "--out", ".", cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr


def test_obsgen_test_passes_on_the_committed_output(promtool):
    result = run_obsgen("test", "--out", ".", cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok: check rules --lint=all --lint-fatal" in result.stdout
    assert result.stdout.count("ok: test rules") == len(list((ROOT / "alerts/tests").glob("*.yaml")))
    assert "ok: check-config alertmanager.yaml" in result.stdout and "label sets of routes.test.yaml" in result.stdout
