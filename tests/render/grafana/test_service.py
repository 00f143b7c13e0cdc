"""The service dashboard: what it shows, which series it reads, how the slo variable selects a row."""

from __future__ import annotations

import re

import promql_parser
import pytest
import yaml

from obsgen import names
from obsgen.verify import grafana
from tests.render.grafana.conftest import NASTY
from tests.render.grafana.helpers import board, exprs, panel_titles


@pytest.fixture(scope="module")
def checkout(example_files):
    return board(example_files, "dashboards/checkout.json")


def test_the_slo_variable_offers_every_slo_and_all(checkout, example_plan):
    slo = grafana.variables(checkout)["slo"]
    service = next(s for s in example_plan.services if s.name == "checkout")
    assert grafana.variable_values(slo) == [s.name for s in service.slos]
    assert slo["includeAll"] and slo["allValue"] == ".*" and slo["current"]["value"] == "$__all"


def test_every_query_of_an_slo_row_is_narrowed_by_the_slo_variable(checkout):
    rows = {title: row for title, row in grafana._rows(checkout).items() if title.startswith("SLO ")}
    assert len(rows) == 3
    for row in rows.values():
        assert row and all(f'=~"${"slo"}"' in t["expr"] for t in row)


@pytest.mark.parametrize("slo", ["availability", "latency", "place-order"])
def test_choosing_an_slo_leaves_data_in_its_row_only(checkout, slo):
    rows = {title: row for title, row in grafana._rows(checkout).items() if title.startswith("SLO ")}
    with_data = [title for title, row in rows.items() if grafana._row_matches(row, checkout, slo)]
    assert with_data == [next(t for t in rows if t.startswith(f"SLO {slo}:"))]


def test_every_slo_panel_the_issue_asks_for(checkout):
    titles = panel_titles(checkout)
    for title in ("SLI now vs objective", "Error budget remaining (30d)", "Burn rate", "Alerts",
                  "SLI over time (objective as the red line)", "Error budget burn-down (30d)"):
        assert title in titles
    sli = next(p for p in checkout["panels"] if p["title"].startswith("SLI over time"))
    steps = sli["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert steps[-1]["value"] == 0.999 and sli["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"]["mode"] == "line"
    burn_down = next(p for p in checkout["panels"] if p["title"].startswith("Error budget burn-down"))
    assert burn_down["timeFrom"] == "30d"


def test_alert_state_reads_alerts_by_service_and_slo(checkout):
    alerts = [e for e in exprs(checkout) if names.ALERTS in e]
    assert len(alerts) == 6  # per SLO: its burn-rate alerts, its SLI health alerts
    assert all(f'{names.SERVICE}="checkout"' in e and f'{names.SLO}="' in e for e in alerts)


def test_health_panel_shows_the_generated_health_alerts(checkout, example_files):
    """Each SLO row's health panel selects exactly the SLI health alerts the rules file defines for
    that SLO (names and labels as generated), and nothing else."""
    rules = [r for g in yaml.safe_load(example_files["alerts/rules/checkout.rules.yaml"])["groups"] for r in g["rules"]
             if "alert" in r and "SLI" in r["alert"] and r["labels"].get("severity") != "page"]
    panels = [p for p in checkout["panels"] if p["title"].startswith("SLI health alerts")]
    assert len(panels) == 3
    for panel in panels:
        expr = panel["targets"][0]["expr"]
        slo = re.search(r'slo="([^"]+)"', expr).group(1)
        mine = {r["alert"] for r in rules if r["labels"][names.SLO] == slo}
        assert mine and set(re.search(r'alertname=~"([^"]+)"', expr).group(1).split("|")) == mine
        assert all(r["labels"][names.SERVICE] == "checkout" for r in rules if r["alert"] in mine)
        assert panel["fieldConfig"]["defaults"]["noValue"].startswith("none pending or firing")


def test_red_panels_read_the_span_metrics_names_with_exemplars(checkout):
    red = [e for e in exprs(checkout) if "span_metrics" in e]
    metrics = {s.name for e in red for s in grafana._selectors(grafana.substitute(e, checkout)[0])}
    assert metrics == {names.SPAN_CALLS, names.SPAN_DURATION + "_bucket"}
    duration = next(p for p in checkout["panels"] if p["title"].startswith("Duration"))
    assert [t["expr"].split(",")[0] for t in duration["targets"]] == [
        "histogram_quantile(0.5", "histogram_quantile(0.95", "histogram_quantile(0.99"]
    assert all(t["exemplar"] for t in duration["targets"])


def test_no_red_row_without_span_metrics_and_no_resources_row_without_kubernetes(example_files):
    search = board(example_files, "dashboards/search.json")
    assert not any("span_metrics" in e for e in exprs(search))
    assert not any(names.CONTAINER_CPU in e for e in exprs(search))


def test_resources_row_reads_cadvisor_and_kube_state_metrics(hostile_files):
    overview = board(hostile_files, "dashboards/overview.json")
    read = " ".join(exprs(overview))
    for metric in (names.CONTAINER_CPU, names.CONTAINER_MEMORY, names.CONTAINER_THROTTLED, names.POD_RESTARTS):
        assert metric + "{" in read
    assert 'kube_pod_owner{namespace="shop",owner_kind!="ReplicaSet",owner_name=~"overview-api|overview-worker"}' \
        in read


def test_logs_and_traces_panels(checkout):
    logs = next(p for p in checkout["panels"] if p["type"] == "logs")
    assert logs["targets"][0]["expr"].startswith('{service_name="checkout"}')
    assert "trace_id={{ .trace_id }}" in logs["targets"][0]["expr"]
    assert logs["options"]["enableLogDetails"]
    traces = next(p for p in checkout["panels"] if p.get("datasource", {}).get("type") == "tempo")
    assert traces["targets"][0]["query"] == '{resource.service.name="checkout"}'


def test_header_links_team_overview_and_runbooks(checkout):
    urls = [link["url"] for link in checkout["links"]]
    assert urls == ["https://grafana.example.com/d/obsgen_overview",
                    "https://grafana.example.com/d/obsgen_team-payments",
                    "https://runbooks.example.com/checkout"]
    header = checkout["panels"][0]["options"]["content"]
    assert "**Team** [payments]" in header and "**Tier** 1" in header
    assert "https://runbooks.example.com/checkout/place-order" in header


def test_the_environment_variable_lists_the_services_environments(checkout):
    env = grafana.variables(checkout)[names.ENVIRONMENT]
    assert grafana.variable_values(env) == ["staging", "production"]
    # per cluster it filters the logs only (tests/render/grafana/test_deployment.py says why)
    assert all('=~"$environment"' in e for e in exprs(checkout, "loki"))
    assert not any('=~"$environment"' in e for e in exprs(checkout))


# --- user text never reaches Grafana's interpolation ------------------------------------------

GRAFANA_VARIABLE = re.compile(r"\$\w|\$\{|\[\[")


def test_user_text_cannot_be_interpolated_by_grafana(hostile_files):
    dashboard = board(hostile_files, "dashboards/overview.json")
    text = dashboard["panels"][0]["options"]["content"]
    assert not GRAFANA_VARIABLE.search(text)
    assert "<b>" not in text and "[l](" not in text  # no markup from the description either
    for link in dashboard["links"]:
        assert not GRAFANA_VARIABLE.search(link["url"] + link["title"] + link["tooltip"])
    for panel in dashboard["panels"]:
        assert not GRAFANA_VARIABLE.search(panel.get("title", "") + panel.get("description", ""))
    for kind in ("prometheus", "loki", "tempo"):
        for expr in exprs(dashboard, kind):
            used = {m.group(0) for m in re.finditer(r"\$\{?\w+", expr)}
            assert used <= {"$slo", "$environment", "$__rate_interval"}, expr


def test_escaped_values_still_mean_the_user_text_in_promql(hostile_files):
    dashboard = board(hostile_files, "dashboards/overview.json")
    red = next(e for e in exprs(dashboard) if names.SPAN_CALLS in e)
    selector = grafana._selectors(grafana.substitute(red, dashboard)[0])[0]
    value = {m.name: m.value for m in selector.matchers.matchers}[names.SPAN_SERVICE]
    assert value == 'shop $slo "front" \\ end [[x]]'


def test_markdown_shows_the_description_literally(hostile_files):
    import html

    text = board(hostile_files, "dashboards/overview.json")["panels"][0]["options"]["content"]
    assert html.unescape(text.split("\n")[4].split(" | ")[3]) == NASTY


def test_every_hostile_dashboard_parses(hostile_files):
    for path in (p for p in hostile_files if p.startswith("dashboards/") and p.endswith(".json")):
        dashboard = board(hostile_files, path)
        for expr in exprs(dashboard):
            substituted, unknown = grafana.substitute(expr, dashboard)
            assert not unknown
            promql_parser.parse(substituted)
