"""A calendar SLO's dashboard shows "budget left this month" from the series its rules record, and
the dashboards still validate against Grafana's schemas; the preview says the same (issue 20)."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from obsgen import names, pipeline, promql
from obsgen.preview import view
from obsgen.verify import grafana
from tests.conftest import EXAMPLES, run_obsgen

LEDGER = """\
apiVersion: obsgen/v1
kind: Service
metadata: {name: ledger, team: payments, tier: 2, runbook: "https://runbooks.example.com/ledger"}
spec:
  slos:
    - name: monthly
      objective: 99.9
      calendar: {unit: month, time_zone: Europe/Berlin}
      sli:
        events:
          error_query: sum(rate(ledger_requests_total{code=~"5.."}[{{window}}]))
          total_query: sum(rate(ledger_requests_total[{{window}}]))
    - name: minutes
      objective: 99
      calendar: {unit: week, time_zone: America/New_York, start: "2022-01-01 12:00:00"}
      budgeting: {method: timeslices, slice: 1m, slice_target: 0.95}
      sli:
        events:
          error_query: sum(rate(ledger_requests_total{code=~"5.."}[{{window}}]))
          total_query: sum(rate(ledger_requests_total[{{window}}]))
"""
PANELS = {"monthly": {"Budget left this month (Europe/Berlin)": names.CALENDAR_BUDGET_REMAINING},
          "minutes": {"Budget left this week (America/New_York, time slices)": names.CALENDAR_BUDGET_REMAINING,
                      "Budget left in time slices (7d)": names.SLICES_PERIOD_BUDGET_REMAINING}}


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    root = tmp_path_factory.mktemp("calendar")
    shutil.copytree(EXAMPLES, root / "slos")
    (root / "slos" / "ledger.yaml").write_text(LEDGER)
    done = run_obsgen("generate", str(root / "slos"), "--out", str(root / "out"))
    assert done.returncode == 0, done.stderr
    return root


def _recorded(out, service: str) -> set[tuple[str, str]]:
    text = (out / "out" / names.rules_file(service)).read_text()
    return {(r["record"], r["labels"][names.SLOTH_ID]) for g in yaml.safe_load(text)["groups"]
            for r in g["rules"] if "record" in r}


def test_budget_left_this_month_reads_what_the_rules_record(out):
    dashboard = json.loads((out / "out" / names.dashboard_file("ledger")).read_text())
    recorded = _recorded(out, "ledger")
    for slo, wanted in PANELS.items():
        for title, series in wanted.items():
            panel = next(p for p in grafana.panels(dashboard) if p.get("title") == title)
            (expr,) = [t["expr"] for _, t in grafana.targets(panel)]
            (sel,) = promql.vector_selectors(expr)
            sloth_id = next(m.value for m in sel.matchers.matchers if m.name == names.SLOTH_ID)
            assert sloth_id == names.slo_id("ledger", slo)
            assert sel.name == series and (series, sloth_id) in recorded, (title, expr)


def test_the_dashboards_still_validate_and_every_series_is_recorded(out):
    tree = grafana.load(out / "out")
    assert grafana.check_schemas(tree) == []
    assert grafana.check_series(tree) == []
    assert grafana.check_slo_selection(tree) == []


def test_rolling_slos_get_no_calendar_panel(out):
    dashboard = json.loads((out / "out" / names.dashboard_file("checkout")).read_text())
    assert not [p for p in grafana.panels(dashboard) if str(p.get("title", "")).startswith("Budget left")]


def test_the_preview_says_budget_left_this_month(out):
    plan = pipeline.run(out / "slos", render=False).plan
    slos = {s.name: s for svc in plan.services for s in svc.slos if svc.name == "ledger"}
    monthly = view.slo_view(slos["monthly"])["calendar"]
    assert monthly["title"] == "Budget left this month (Europe/Berlin)"
    assert monthly["series"] == names.CALENDAR_BUDGET_REMAINING
    assert monthly["budget_minutes"] == [40.3, 44.6]  # 0.1% of 28 and of 31 days
    assert view.slo_view(next(s for svc in plan.services for s in svc.slos))["calendar"] is None


def test_a_timeslice_slos_burn_rate_stat_counts_the_slices_its_alerts_count(out):
    """The stat reads the series the alerts compare (the slices' 5m share) and the slice period's,
    over the budget; an occurrences SLO's stays the events' burn rate."""
    dashboard = json.loads((out / "out" / names.dashboard_file("ledger")).read_text())
    recorded = _recorded(out, "ledger")
    slices = [names.slices_error_ratio("5m"), names.SLICES_PERIOD_ERROR_RATIO]
    wanted = {"minutes": ("Burn rate in time slices", slices),
              "monthly": ("Burn rate", [names.CURRENT_BURN_RATE, names.PERIOD_BURN_RATE])}
    for slo, (title, series) in wanted.items():
        sloth_id = names.slo_id("ledger", slo)
        read = []
        for panel in (p for p in grafana.panels(dashboard) if p.get("title") == title):
            for _, target in grafana.targets(panel):
                (sel,) = promql.vector_selectors(target["expr"])
                if any(m.name == names.SLOTH_ID and m.value == sloth_id for m in sel.matchers.matchers):
                    read.append(sel.name)
        assert read == series, (slo, read)
        assert all((name, sloth_id) in recorded for name in series)
    rules = (out / "out" / names.rules_file("ledger")).read_text()
    assert f'slo:slices_error:ratio_1h{{sloth_id="{names.slo_id("ledger", "minutes")}"}}' in rules  # what alerts read
