"""`obsgen diff`: what a change does, in words a reviewer reads, and its exit code."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from obsgen import pipeline
from obsgen.output.writer import write_tree
from obsgen.preview import semdiff
from tests.conftest import EXAMPLES, run_obsgen


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the examples with their output committed beside them."""
    shutil.copytree(EXAMPLES, tmp_path / "slos")
    write_tree(tmp_path, pipeline.build(tmp_path / "slos"))
    return tmp_path


def edit(repo: Path, name: str, old: str, new: str) -> None:
    path = repo / "slos" / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def diff(repo: Path):
    return run_obsgen("diff", "slos", "--against", ".", cwd=repo)


def test_no_change_exits_0(repo):
    result = diff(repo)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "### obsgen: no change\n\nThe generated output is identical.\n"


def test_changed_objective(repo):
    edit(repo, "checkout.yaml", "objective: 99.9", "objective: 99.95")
    result = diff(repo)
    assert result.returncode == 1
    assert "- `checkout/availability` objective 99.9% → 99.95%\n" in result.stdout
    assert "`CheckoutAvailabilityErrorBudgetBurn` (page, 1h/5m): threshold 1.44% → 0.72%" in result.stdout
    assert "`alerts/rules/checkout.rules.yaml`" in result.stdout


def test_removed_slo(repo):
    text = (repo / "slos" / "search.yaml").read_text()
    (repo / "slos" / "search.yaml").write_text(text[: text.index("    - name: latency")])
    result = diff(repo)
    assert result.returncode == 1
    assert "- removed `search/latency`\n" in result.stdout
    assert "removed `SearchLatencyErrorBudgetBurn` (ticket, 1d/2h)" in result.stdout


def test_team_change(repo):
    edit(repo, "search.yaml", "team: discovery", "team: payments")
    result = diff(repo)
    assert result.returncode == 1
    assert "- `search/availability` team discovery → payments\n" in result.stdout
    assert "- `search/latency` team discovery → payments\n" in result.stdout


def test_paging_change(repo):
    edit(repo, "search.yaml", "      alerting:\n        page: false", "      alerting:\n        page: true")
    edit(repo, "checkout.yaml", "        for: 2m", "        for: 2m\n        page: false")
    result = diff(repo)
    assert "- `search/latency` now pages\n" in result.stdout
    assert "- `checkout/availability` no longer pages\n" in result.stdout


def test_changed_for_and_added_slo(repo):
    edit(repo, "checkout.yaml", "for: 2m", "for: 5m")
    result = diff(repo)
    assert "`CheckoutAvailabilityErrorBudgetBurn` (page, 1h/5m): for 2m → 5m" in result.stdout


ROUTE = "route:\n  receiver: root\n  routes:\n  - matchers: ['team=\"a\"']\n    receiver: {}\n"


def test_summarize_reads_routes_dashboards_and_collectors():
    old = {
        semdiff.ROUTES_FILE: ROUTE.format("a-pager"),
        "dashboards/x.json": '{"panels": [{"title": "SLI"}]}',
        "otel/production/gateway.yaml": "service:\n  pipelines:\n    traces: {receivers: [otlp], exporters: [x]}\n",
    }
    new = {
        semdiff.ROUTES_FILE: ROUTE.format("a-chat"),
        "dashboards/x.json": '{"panels": [{"title": "SLI"}, {"title": "Budget"}]}',
        "otel/production/gateway.yaml": "service:\n  pipelines:\n    traces: {receivers: [otlp], exporters: [y]}\n",
    }
    text = semdiff.summarize(old, new).markdown()
    assert '- team="a": a-pager → a-chat\n' in text
    assert "- `dashboards/x.json`: panels added: Budget\n" in text
    assert "- `otel/production/gateway.yaml` changed: pipelines traces\n" in text


def test_a_team_that_gives_up_its_pager_no_longer_pages_and_is_warned_of(repo):
    """Paging is read from the route tests (`obsgen test` proves them with amtool), not the rules:
    the rules do not change, the receivers do."""
    edit(repo, "teams.yaml",
         "  pagerduty: {routing_key_file: /etc/alertmanager/secrets/discovery-pagerduty/routing-key}\n",
         "  pages_without_pager: true\n")
    result = diff(repo)
    assert result.returncode == 1
    assert "- `search/availability` no longer pages\n" in result.stdout
    assert ("- warning: `search/availability` pages, but its production pages reach no pager (its team sets "
            "pages_without_pager: they reach chat or e-mail alone)\n") in result.stdout
    assert "alerts/rules/search.rules.yaml" not in result.stdout


def test_the_sloth_style_still_pages(repo):
    edit(repo, "checkout.yaml", "        for: 2m", "        for: 2m\n        style: sloth")
    result = diff(repo)
    assert result.returncode == 1 and "alerts/rules/checkout.rules.yaml" in result.stdout
    assert "no longer pages" not in result.stdout and "now pages" not in result.stdout
