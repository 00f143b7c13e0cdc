"""Sloth specs read unchanged: the SLI per window and the alerts equal Sloth's own golden output.

Source: slok/sloth v0.16 (commit 0e395d8), examples/getting-started.yml, examples/k8s-getting-started.yml
and the rules Sloth generates for them, examples/_gen/getting-started.yml.
"""

import re

import pytest
import yaml

from obsgen import names
from obsgen.errors import SpecErrors
from obsgen.render import prometheus_rules
from tests.spec.importers.helpers import TEAM, canonical, plan, slo_plan, strip_parens, write

GETTING_STARTED = """\
version: "prometheus/v1"
service: "myservice"
labels:
  owner: "myteam"
  repo: "myorg/myservice"
  tier: "2"
slos:
  # We allow failing (5xx and 429) 1 request every 1000 requests (99.9%).
  - name: "requests-availability"
    objective: 99.9
    description: "Common SLO based on availability for HTTP request responses."
    sli:
      events:
        error_query: sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{.window}}]))
        total_query: sum(rate(http_request_duration_seconds_count{job="myservice"}[{{.window}}]))
    alerting:
      name: MyServiceHighErrorRate
      labels:
        category: "availability"
      annotations:
        # Overwrite default Sloth SLO alert summmary on ticket and page alerts.
        summary: "High error rate on 'myservice' requests responses"
      page_alert:
        labels:
          severity: pageteam
          routing_key: myteam
      ticket_alert:
        labels:
          severity: "slack"
          slack_channel: "#alerts-myteam"
"""

K8S_GETTING_STARTED = """\
apiVersion: sloth.slok.dev/v1
kind: PrometheusServiceLevel
metadata:
  name: sloth-slo-my-service
  namespace: monitoring
spec:
  service: "myservice"
  labels:
    owner: "myteam"
    repo: "myorg/myservice"
    tier: "2"
  slos:
    - name: "requests-availability"
      objective: 99.9
      description: "Common SLO based on availability for HTTP request responses."
      sli:
        events:
          errorQuery: sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{.window}}]))
          totalQuery: sum(rate(http_request_duration_seconds_count{job="myservice"}[{{.window}}]))
      alerting:
        name: MyServiceHighErrorRate
        labels:
          category: "availability"
        annotations:
          summary: "High error rate on 'myservice' requests responses"
        pageAlert:
          labels:
            severity: pageteam
            routing_key: myteam
        ticketAlert:
          labels:
            severity: "slack"
            slack_channel: "#alerts-myteam"
"""

# examples/_gen/getting-started.yml: the SLI of every window is errors over total at that window.
GOLDEN_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"]
GOLDEN_ERRORS = 'sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{w}]))'
GOLDEN_TOTAL = 'sum(rate(http_request_duration_seconds_count{job="myservice"}[{w}]))'
# Its alerts: (short, long, factor) per pair, each pair `max(short > factor * budget) ... and max(long > ...)`
# with the budget written 0.0009999999999999432 (1 - 0.999 in floating point).
GOLDEN_PAIRS = {"page": [("5m", "1h", 14.4), ("30m", "6h", 6)], "ticket": [("2h", "1d", 3), ("6h", "3d", 1)]}
GOLDEN_BUDGET = 0.0009999999999999432
GOLDEN_LABELS = {
    "page": {"category": "availability", "routing_key": "myteam", "severity": "pageteam", "sloth_severity": "page"},
    "ticket": {"category": "availability", "severity": "slack", "slack_channel": "#alerts-myteam",
               "sloth_severity": "ticket"},
}
GOLDEN_ANNOTATIONS = {
    sev: {"summary": "High error rate on 'myservice' requests responses",
          "title": f"({sev}) {{{{$labels.sloth_service}}}} {{{{$labels.sloth_slo}}}} SLO error budget burn rate is "
                   "too fast."}
    for sev in ("page", "ticket")
}
PAIR = re.compile(r"max\(slo:sli_error:ratio_rate(\w+)\{([^}]*)\} > \(([\d.]+) \* ([\d.]+)\)\) "
                  r"without \(sloth_window\)")


@pytest.fixture
def sloth_dir(tmp_path):
    return write(tmp_path / "slos", {"getting-started.yml": GETTING_STARTED, "teams.yaml": TEAM % "myteam"})


def _rules(root):
    service = next(s for s in plan(root).services if s.name == "myservice")
    return [r for slo in service.slos for g in prometheus_rules.groups_for(slo) for r in g["rules"]]


def test_the_sli_of_every_window_is_sloths(sloth_dir):
    slo = slo_plan(sloth_dir, "myservice", "requests-availability")
    rules = _rules(sloth_dir)
    # The rules reading raw series are Sloth's numerator and denominator at 5m...
    error = next(r for r in rules if r.get("record") == names.SLI_ERROR_RATE)["expr"]
    total = next(r for r in rules if r.get("record") == names.SLI_TOTAL_RATE)["expr"]
    assert strip_parens(error.split(" or on ()")[0]) == canonical(GOLDEN_ERRORS.replace("{w}", "5m"))
    assert canonical(total) == canonical(GOLDEN_TOTAL.replace("{w}", "5m"))
    # ...and every window Sloth records is recorded under its name, errors over total over that window.
    ratios = {r["labels"][names.SLOTH_WINDOW]: r["expr"] for r in rules if r.get("record", "").startswith(
        "slo:sli_error:ratio_rate")}
    assert sorted(ratios) == sorted(GOLDEN_WINDOWS)
    for w in GOLDEN_WINDOWS:
        record = f"slo:sli_error:ratio_rate{w}"
        assert next(r for r in rules if r.get("record") == record)["labels"][names.SLOTH_WINDOW] == w
        if w == "30d":  # the period: errors over total from the hourly roll-ups (see period_rules)
            rolled = next(r for r in rules if r.get("record") == names.ROLLED_UP_RATIO)["expr"]
            assert rolled.startswith(f'slo:sli_error:rate5m_sum_period{{sloth_id="{slo.id}"}} / '
                                     f'clamp_min(slo:sli_total:rate5m_sum_period{{sloth_id="{slo.id}"}}')
            assert ratios[w].startswith(f'max by (sloth_id) (last_over_time({names.ROLLED_UP_RATIO}'
                                        f'{{sloth_id="{slo.id}"}}[10m]))')
        elif w == "1h":  # ...and at the fastest page's long window, 5m tiles: Sloth's raw read to 1e-9
            # (tests/render/test_tiled_window.py runs both in promtool)
            for kind in ("error", "total"):  # four runs of three
                assert ratios[w].count(f'{names.tile_run(kind)}{{sloth_id="{slo.id}"}} offset') == 3
                run = next(r for r in rules if r.get("record") == names.tile_run(kind))["expr"]
                assert run.count(f'slo:sli_{kind}:rate5m{{sloth_id="{slo.id}"}} offset') == 2
            assert "rate(" not in ratios[w].replace("rate5m", "")
        elif w != "5m":
            assert ratios[w].startswith(f'sum_over_time(slo:sli_error:rate5m{{sloth_id="{slo.id}"}}[{w}]) / '
                                        f'clamp_min(sum_over_time(slo:sli_total:rate5m{{sloth_id="{slo.id}"}}[{w}])')


def test_the_alerts_are_sloths(sloth_dir):
    alerts = [r for r in _rules(sloth_dir) if "alert" in r and "sloth_severity" in r["labels"]]  # not SLI health
    assert [a["alert"] for a in alerts] == ["MyServiceHighErrorRate", "MyServiceHighErrorRate"]
    for alert, severity in zip(alerts, ("page", "ticket"), strict=True):
        pairs = PAIR.findall(alert["expr"])
        # short then long per pair, as Sloth writes them: `$value` is the short window's error ratio
        assert [(w, float(f)) for w, _, f, _ in pairs] == [
            (w, f) for short, long, f in GOLDEN_PAIRS[severity] for w in (short, long)]
        for _, _, factor, budget in pairs:
            assert float(factor) * float(budget) == pytest.approx(float(factor) * GOLDEN_BUDGET, rel=1e-9)
        assert all(sel.split(",") == ['sloth_id="myservice-requests-availability"', 'sloth_service="myservice"',
                                      'sloth_slo="requests-availability"'] for _, sel, _, _ in pairs)
        assert " or\n" in alert["expr"] or "\nor\n" in alert["expr"]
        assert "for" not in alert  # Sloth's alerts have no pending time
        # obsgen adds service, slo, team and tier (routing and dashboards read them) and a dashboard
        # link; everything else is Sloth's
        labels, annotations = dict(alert["labels"]), dict(alert["annotations"])
        assert (labels.pop("service"), labels.pop("slo")) == ("myservice", "requests-availability")
        assert (labels.pop("team"), labels.pop("tier")) == ("myteam", "2")
        assert labels == GOLDEN_LABELS[severity]
        link, env = annotations.pop("dashboard_url").split("{{ with ")  # the alert's environment (names.py)
        assert link.endswith("/d/obsgen-myservice/myservice?var-slo=requests-availability") and "var-environment" in env
        assert annotations == GOLDEN_ANNOTATIONS[severity]


def test_series_carry_sloths_labels(sloth_dir):
    rules = _rules(sloth_dir)
    ratio = next(r for r in rules if r.get("record") == "slo:sli_error:ratio_rate1h")
    # Sloth's golden labels minus `cmd` (its example script's own --extra-labels)
    assert ratio["labels"] == {"owner": "myteam", "repo": "myorg/myservice", "tier": "2",
                               "sloth_id": "myservice-requests-availability", "sloth_service": "myservice",
                               "sloth_slo": "requests-availability", "sloth_window": "1h"}


def test_the_kubernetes_form_generates_the_same_rules(tmp_path, sloth_dir):
    k8s = write(tmp_path / "k8s", {"k8s.yml": K8S_GETTING_STARTED, "teams.yaml": TEAM % "myteam"})
    from obsgen import pipeline

    # the same but for sloth_slo_info's spec and mode, which are Sloth's for each form
    cli = {path: text.replace("sloth_mode: cli-gen-prom", "sloth_mode: cli-gen-k8s")
           .replace("sloth_spec: prometheus/v1", "sloth_spec: sloth.slok.dev/v1")
           for path, text in pipeline.run(sloth_dir).files.items()}
    assert any("sloth_spec: sloth.slok.dev/v1" in text for text in cli.values())
    assert pipeline.run(k8s).files == cli


def test_imported_warnings_not_errors(tmp_path):
    root = write(tmp_path / "slos", {"getting-started.yml": GETTING_STARTED})  # no Team document, no runbook
    warnings: list = []
    plan(root, warnings)
    assert [str(w) for w in warnings] == [
        f"{root}/getting-started.yml:4: labels.owner: team 'myteam' has no Team document: its alerts carry "
        "team=myteam but no receiver of its own (add a Team document to route them)",
        f"{root}/getting-started.yml:9: slos[0]: SLO 'requests-availability' pages but has no runbook (a runbook or "
        "runbook_url alerting annotation holding a URL is read as one)",
    ]


def test_a_runbook_annotation_is_the_runbook(tmp_path):
    text = GETTING_STARTED.replace("        category: \"availability\"\n      annotations:\n",
                                   "        category: \"availability\"\n      annotations:\n"
                                   "        runbook: https://runbooks.example.com/myservice\n")
    warnings: list = []
    slo = slo_plan(write(tmp_path / "slos", {"s.yml": text, "t.yaml": TEAM % "myteam"}), "myservice",
                   "requests-availability", warnings)
    assert slo.runbook_url == "https://runbooks.example.com/myservice" and warnings == []


def test_errors_point_at_the_sloth_file(tmp_path):
    root = write(tmp_path / "slos", {"s.yml": GETTING_STARTED.replace("objective: 99.9", "objective: 100")})
    with pytest.raises(SpecErrors) as exc:
        plan(root)
    assert [str(e) for e in exc.value.errors] == [f"{root}/s.yml:10: slos[0].objective: must be below 100, got 100"]


def test_the_golden_budget_is_sloths_arithmetic():
    """Sloth's error budget is (100 - objective) / 100 in floating point (internal/alert/alert.go)."""
    spec = yaml.safe_load(GETTING_STARTED)
    assert (100 - spec["slos"][0]["objective"]) / 100 == GOLDEN_BUDGET


def test_check_stage_errors_point_at_the_sloth_query(tmp_path):
    text = GETTING_STARTED.replace('{job="myservice"}[{{.window}}]', '{job="myservice"}[5m]')
    root = write(tmp_path / "slos", {"s.yml": text, "t.yaml": TEAM % "myteam"})
    with pytest.raises(SpecErrors) as exc:
        plan(root)
    assert [str(e) for e in exc.value.errors] == [
        f"{root}/s.yml:15: slos[0].sli.events.total_query: lacks the {{{{window}}}} placeholder (Sloth's "
        "{{.window}} works too), e.g. rate(http_requests_total[{{window}}])"]


def test_tier_3_warns_that_sloths_page_is_not_generated(tmp_path):
    text = GETTING_STARTED.replace('tier: "2"', 'tier: "3"')
    warnings: list = []
    slo = slo_plan(write(tmp_path / "slos", {"s.yml": text, "t.yaml": TEAM % "myteam"}), "myservice",
                   "requests-availability", warnings)
    assert {a.window.severity for a in slo.alerts} == {"ticket"}
    assert [str(w) for w in warnings] == [
        f"{tmp_path}/slos/s.yml:6: labels.tier: tier 3: obsgen never pages tier 3 services, so Sloth's page "
        "alerts are not generated (tickets are)"]


def test_disabled_alerts_are_not_written(tmp_path):
    text = GETTING_STARTED.replace("      ticket_alert:\n", "      ticket_alert:\n        disable: true\n")
    root = write(tmp_path / "slos", {"s.yml": text, "t.yaml": TEAM % "myteam"})
    alerts = [r for r in _rules(root) if "alert" in r and "sloth_severity" in r["labels"]]  # not SLI health
    assert [a["labels"]["sloth_severity"] for a in alerts] == ["page"]
