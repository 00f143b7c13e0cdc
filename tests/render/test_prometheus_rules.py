import promql_parser
import pytest
import yaml

from obsgen import burnrate, durations, names
from obsgen.render import rollups


def rules_of(example_files, service):
    return yaml.safe_load(example_files[names.rules_file(service)])


def test_one_rules_file_per_service(example_plan, example_files):
    rule_files = sorted(p for p in example_files if p.startswith("alerts/rules/"))
    assert rule_files == sorted(names.rules_file(s.name) for s in example_plan.services)


def test_groups_are_per_slo_and_never_mix_two(example_plan, example_files):
    for service in example_plan.services:
        groups = rules_of(example_files, service.name)["groups"]
        rolled_up = [s for s in service.slos if s.period not in s.windows]
        assert len(groups) == 2 * len(service.slos) + len(rolled_up)  # SLI, hours (roll-ups only), period
        for group in groups:
            ids = {r["labels"].get("sloth_id") for r in group["rules"] if "record" in r}
            ids |= {r["labels"]["service"] + "-" + r["labels"]["slo"] for r in group["rules"] if "alert" in r}
            assert len(ids) == 1, group["name"]


def test_every_expression_parses(example_files):
    for path, text in example_files.items():
        if path.startswith("alerts/rules/"):
            for group in yaml.safe_load(text)["groups"]:
                for rule in group["rules"]:
                    promql_parser.parse(rule["expr"])


def test_sloth_names_and_labels(example_files):
    groups = rules_of(example_files, "checkout")["groups"]
    records = {r["record"]: r for g in groups for r in g["rules"] if r.get("labels", {}).get("sloth_slo") ==
               "availability" and "record" in r}
    for window in ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"):
        rule = records[f"slo:sli_error:ratio_rate{window}"]
        assert rule["labels"]["sloth_window"] == window
        assert {"sloth_id", "sloth_service", "sloth_slo"} <= set(rule["labels"])
    for name in ("slo:objective:ratio", "slo:error_budget:ratio", "slo:time_period:days",
                 "slo:current_burn_rate:ratio", "slo:period_burn_rate:ratio",
                 "slo:period_error_budget_remaining:ratio", "sloth_slo_info"):
        assert name in records
    assert records["slo:objective:ratio"]["expr"] == "vector(0.999)"


def test_period_names_follow_prometheus_durations(example_files):
    groups = rules_of(example_files, "payments-api")["groups"]
    period = next(g for g in groups if g["name"] == "obsgen-slo-payments-api-availability-period")
    # well inside the 5m lookback: after one skipped evaluation the period series is still fresh
    assert period["interval"] == rollups.PERIOD_INTERVAL == "2m30s"
    rolled = next(g for g in groups if g["name"] == "obsgen-slo-payments-api-availability-rollups")
    assert rolled["interval"] == rollups.ROLLUPS_INTERVAL == "5m"  # the copies' 5m windows tile the history
    assert [r.get("record") for r in rolled["rules"][:2]] == [
        f"slo:sli_{kind}:rate5m_hours" for kind in ("error", "total")]  # the parity is a label
    ratio = next(r for r in period["rules"] if r.get("record") == "slo:sli_error:ratio_rate4w")
    assert ratio["labels"]["sloth_window"] == "4w"
    assert ratio["expr"].startswith("max by (sloth_id) (last_over_time(slo:sli_error:rate5m_ratio_period{")
    errors = next(r for r in rolled["rules"] if r.get("record") == "slo:sli_error:rate5m_sum_period")
    assert "[27d23h59m59s999ms]" in errors["expr"]
    search = rules_of(example_files, "search")["groups"]
    assert any(r.get("record") == "slo:sli_error:ratio_rate1w" for g in search for r in g["rules"])


def test_every_burn_rate_alert_reads_windows_its_own_group_recorded_before_it(example_files):
    """Pages and the windows they read every minute (the SLI group); windows only tickets read, and
    the tickets, every 2m30s (the period group): a window's value is the same in either group. Every
    window an alert reads is recorded earlier in its own group (never older than the alert's own
    evaluation) or, for a ticket, by the SLI group every minute (a 6h window a page reads too).
    Read from the rules files as generated."""
    import re

    moved = 0
    for path, text in example_files.items():
        if not path.startswith("alerts/rules/"):
            continue
        groups = yaml.safe_load(text)["groups"]
        every_minute = {g["name"]: {r.get("record") for r in g["rules"]} for g in groups if "interval" not in g}
        for group in groups:
            recorded = []
            for rule in group["rules"]:
                if "record" in rule:
                    recorded.append(rule["record"])
                    continue
                reads = set(re.findall(r"slo:sli_error:ratio_rate\w+", rule["expr"]))
                if not reads:
                    continue  # the SLI health alerts
                severity = rule["labels"].get("sloth_severity")
                in_period = group.get("interval") == rollups.PERIOD_INTERVAL
                sli = every_minute[group["name"].removesuffix("-period")] if in_period else set()
                assert reads <= set(recorded) | sli, (path, group["name"], rule["alert"])
                assert not in_period or reads & set(recorded), (path, group["name"], rule["alert"])
                assert in_period == (severity == "ticket"), (path, group["name"], rule["alert"])
                moved += in_period
    assert moved


def test_only_the_5m_rates_read_raw_series(example_plan, example_files):
    """Raw series are read for the 5m rates only: the fastest page's long window (1h) is the sum of
    the 5m rates at 12 offsets (tests/render/test_tiled_window.py proves it equals the raw read),
    every other window and the period sum every recorded 5m rate in them."""
    tiled_seen = set()
    for service in example_plan.services:
        for group in yaml.safe_load(example_files[f"alerts/rules/{service.name}.rules.yaml"])["groups"]:
            slo = next(s for s in service.slos if group["name"].startswith(f"obsgen-slo-{s.id}"))
            for rule in group["rules"]:
                window = rule.get("labels", {}).get("sloth_window")
                # roll-ups of the 5m rates: tests/render/test_period_rollups.py
                if group["name"].endswith(("-rollups", "-period")):
                    assert "rate(" not in rule["expr"].replace("rate5m", "")
                    continue
                if not rule.get("record", "").startswith("slo:sli_error:ratio_rate") or window == "5m":
                    continue
                expr = rule["expr"]
                assert "rate(" not in expr.replace("rate5m", ""), (slo.id, expr)
                for kind in ("error", "total"):
                    assert f"sum_over_time(slo:sli_{kind}:rate5m{{" in expr and f"[{window}])" in expr
                if durations.seconds(window) in burnrate.raw_windows(slo.catalog):
                    # twelve tiles: runs of three at 0, 15m, 30m, 45m, each the 5m rates at 0, 5m, 10m
                    runs = [durations.format_seconds(o) for o in burnrate.tile_runs(int(durations.seconds(window)))]
                    assert runs == ["0s", "15m", "30m", "45m"]
                    for offset in runs[1:]:
                        assert expr.count(f"_sum15m{{sloth_id=\"{slo.id}\"}} offset {offset}") == 2, (slo.id, offset)
                    run = next(r for r in group["rules"] if r.get("record") == names.tile_run("error"))
                    offsets = ("} offset 5m", "} offset 10m", "offset 15m")
                    assert [o in run["expr"] for o in offsets] == [True, True, False]
                    tiled_seen.add(window)
    assert tiled_seen == {"1h"}


def test_ratios_are_guarded_against_zero_traffic(example_files):
    rules = [r for g in rules_of(example_files, "checkout")["groups"] for r in g["rules"]]
    for rule in rules:
        record = rule.get("record", "")
        if record.startswith("slo:sli_error:ratio_rate") and not rule["expr"].startswith("max by (sloth_id) ("):
            assert "/ clamp_min(" in rule["expr"] and ", 1e-12)" in rule["expr"]
        elif record.startswith("slo:sli_error:ratio_rate"):  # the period's, read from the roll-ups' ratio
            rolled = next(r for r in rules if r.get("record") == names.ROLLED_UP_RATIO
                          and r["labels"][names.SLOTH_ID] == rule["labels"][names.SLOTH_ID])
            assert "/ clamp_min(" in rolled["expr"] and ", 1e-12)" in rolled["expr"]
    error_rate = next(r for r in rules if r.get("record") == "slo:sli_error:rate5m")
    assert error_rate["expr"].endswith(' or on () (slo:sli_total:rate5m{sloth_id="checkout-availability"} * 0)')


def test_alerts_carry_labels_and_annotations(example_files):
    alerts = [r for g in rules_of(example_files, "checkout")["groups"] for r in g["rules"]
              if "alert" in r and "sloth_severity" in r["labels"]]  # the SLI health alerts: test_health_rules
    assert {a["labels"]["sloth_severity"] for a in alerts} == {"page", "ticket"}
    for alert in alerts:
        expected = {"page": "critical", "ticket": "warning"}[alert["labels"]["sloth_severity"]]
        assert alert["labels"]["severity"] == expected
        assert {"service", "slo", "team", "tier", "long_window", "short_window"} <= set(alert["labels"])
        assert {"summary", "description", "runbook_url", "dashboard_url"} <= set(alert["annotations"])
        assert alert["labels"]["service"] in alert["annotations"]["summary"]


def test_user_text_cannot_inject_go_templates(tmp_path):
    from obsgen import pipeline

    spec = (tmp_path / "s.yaml")
    spec.write_text("""
apiVersion: obsgen/v1
kind: Team
metadata: {name: t}
---
apiVersion: obsgen/v1
kind: Service
metadata: {name: svc, team: t, tier: 3}
spec:
  slos:
    - name: a
      objective: 99
      description: "evil {{ .Labels }}"
      sli: {spans: {span_name: x}}
      alerting: {annotations: {note: "{{ $value }}"}}
""")
    text = pipeline.run(tmp_path).files["alerts/rules/svc.rules.yaml"]
    assert 'evil {{ "{{" }} .Labels }}' in text
    assert 'note: \'{{ "{{" }} $value }}\'' in text


def test_sloth_objective_keeps_the_specs_digits(tmp_path):
    from obsgen import pipeline
    from tests import builders

    slos = "    - name: a\n      objective: 99.99999\n      sli: {spans: {span_name: x}}\n"
    files = pipeline.run(builders.write_specs(tmp_path, {"svc.yaml": builders.service("svc", slos, tier=3)})).files
    info = [r for g in yaml.safe_load(files[names.rules_file("svc")])["groups"] for r in g["rules"]
            if r.get("record") == "sloth_slo_info"]
    assert info[0]["labels"]["sloth_objective"] == "99.99999"


CATALOG_2D = """\
apiVersion: obsgen/v1
kind: Platform
spec:
  alert_windows:
    - period: 2d
      page: {quick: {budget_percent: 5, long: 1h, short: 5m}, slow: {budget_percent: 10, long: 6h, short: 30m}}
      ticket: {quick: {budget_percent: 20, long: 12h, short: 1h}, slow: {budget_percent: 50, long: 2d, short: 4h}}
"""


def test_a_period_equal_to_an_alert_window_is_recorded_once(tmp_path, promtool):
    """period: 3d is also the slowest ticket's long window; a 2d catalog's slowest window is 2d."""
    import subprocess

    from obsgen import pipeline
    from obsgen.output.writer import write_tree
    from tests import builders

    slos = ("    - name: three-days\n      objective: 99.9\n      period: 3d\n      sli: {spans: {span_name: x}}\n"
            "    - name: two-days\n      objective: 99.9\n      period: 2d\n      sli: {spans: {span_name: x}}\n")
    files = pipeline.run(builders.write_specs(tmp_path, {"platform.yaml": CATALOG_2D,
                                                    "svc.yaml": builders.service("svc", slos)})).files
    rules = [r for g in yaml.safe_load(files[names.rules_file("svc")])["groups"] for r in g["rules"]]
    records = [(r["record"], r["labels"]["sloth_id"]) for r in rules if "record" in r]
    assert len(records) == len(set(records))
    assert ("slo:sli_error:ratio_rate3d", "svc-three-days") in records
    assert ("slo:sli_error:ratio_rate2d", "svc-two-days") in records
    write_tree(tmp_path / "out", files)
    result = subprocess.run([promtool, "check", "rules", "--lint=all", "--lint-fatal", names.rules_file("svc")],
                            cwd=tmp_path / "out", capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("series_env", "expected"), [
    ("production", "&var-environment=production"),  # the alert's label (shared mode: the series')
    (None, ""),  # none: every environment
])
def test_the_dashboard_link_carries_the_alerts_environment_as_promtool_expands_it(
        tmp_path, example_files, series_env, expected):
    """The generated `dashboard_url` annotation, verbatim, expanded by the real promtool on an alert
    with and without the environment label. (promtool 2.42 takes no external labels; the
    per-cluster case, `$externalLabels`, needs a real Prometheus: the end-to-end test's.)"""
    import subprocess

    from tests.conftest import require_tool

    tool = require_tool("promtool")
    groups = yaml.safe_load(example_files["alerts/rules/checkout.rules.yaml"])["groups"]
    rule = next(r for g in groups for r in g["rules"] if "alert" in r)
    link = rule["annotations"]["dashboard_url"]
    labels = f'{{environment="{series_env}"}}' if series_env else ""
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": [
        {"alert": "Link", "expr": f"probe{labels}", "annotations": {"dashboard_url": link}}]}]}))
    exp_labels = {"environment": series_env} if series_env else {}
    base = "https://grafana.example.com/d/obsgen-checkout/checkout?var-slo=availability"
    (tmp_path / "test.yaml").write_text(yaml.safe_dump({
        "rule_files": ["rules.yaml"], "evaluation_interval": "1m",
        "tests": [{"interval": "1m", "input_series": [{"series": f"probe{labels}", "values": "1x5"}],
                   "alert_rule_test": [{"eval_time": "2m", "alertname": "Link", "exp_alerts": [
                       {"exp_labels": exp_labels, "exp_annotations": {"dashboard_url": base + expected}}]}]}]}))
    proc = subprocess.run([tool, "test", "rules", "test.yaml"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
