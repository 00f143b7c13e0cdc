import pytest

from obsgen import names


def slo(plan, service, name):
    svc = next(s for s in plan.services if s.name == service)
    return next(s for s in svc.slos if s.name == name)


def test_services_are_sorted_and_complete(example_plan):
    assert [s.name for s in example_plan.services] == sorted(s.name for s in example_plan.services)
    assert len(example_plan.services) >= 4
    assert len({s.team for s in example_plan.services}) >= 3
    assert {s.tier for s in example_plan.services} == {1, 2, 3}


def test_every_sli_kind_and_both_periods_are_covered(example_plan):
    slos = [s for svc in example_plan.services for s in svc.slos]
    assert {s.sli.kind for s in slos} == {"events", "raw", "latency", "spans"}
    assert {s.period // 86400 for s in slos} >= {28, 30}


def test_tier_3_never_pages_and_tickets_remain(example_plan):
    batch = slo(example_plan, "batch-worker", "job-success")
    assert {a.window.severity for a in batch.alerts} == {"ticket"}


def test_page_false_keeps_tickets(example_plan):
    assert {a.window.severity for a in slo(example_plan, "search", "latency").alerts} == {"ticket"}


def test_alert_labels_and_links(example_plan):
    plan = slo(example_plan, "checkout", "availability")
    page = plan.alerts[0]
    labels = dict(page.labels)
    assert labels[names.SEVERITY] == "critical" and labels[names.SLOTH_SEVERITY] == "page"
    assert (labels["service"], labels["slo"], labels["team"]) == ("checkout", "availability", "payments")
    annotations = dict(page.annotations)
    assert annotations["runbook_url"] == "https://runbooks.example.com/checkout"
    assert annotations["dashboard_url"].startswith("https://grafana.example.com/d/obsgen-checkout/")
    assert "43.2 min" in annotations["description"] and "2.0%" in annotations["description"]
    assert page.for_seconds == 120


def test_slo_runbook_overrides_the_service_runbook(example_plan):
    plan = slo(example_plan, "checkout", "place-order")
    assert dict(plan.alerts[0].annotations)["runbook_url"] == "https://runbooks.example.com/checkout/place-order"


def _plan(tmp_path, slos: str, **kwargs):
    from obsgen import pipeline
    from tests import builders

    spec_dir = builders.write_specs(tmp_path, {"svc.yaml": builders.service("svc", slos, **kwargs)})
    return pipeline.run(spec_dir, render=False).plan


def test_the_users_annotations_win_over_the_generated_ones(tmp_path):
    """As in Sloth: a summary, description, runbook_url or dashboard_url of the spec is kept."""
    plan = _plan(tmp_path, """\
    - name: a
      objective: 99.9
      sli: {spans: {span_name: x}}
      alerting:
        annotations: {summary: mine, description: my words, runbook_url: "https://r.example.com/a",
                      dashboard_url: "https://g.example.com/a", extra: more}
""")
    for alert in plan.services[0].slos[0].alerts:
        assert dict(alert.annotations) == {"summary": "mine", "description": "my words",
                                           "runbook_url": "https://r.example.com/a",
                                           "dashboard_url": "https://g.example.com/a", "extra": "more"}


def test_a_user_runbook_url_annotation_survives_without_a_runbook(tmp_path):
    plan = _plan(tmp_path, """\
    - name: a
      objective: 99.9
      sli: {spans: {span_name: x}}
      alerting: {annotations: {runbook_url: "https://r.example.com/a"}}
""", tier=3)
    assert dict(plan.services[0].slos[0].alerts[0].annotations)["runbook_url"] == "https://r.example.com/a"


@pytest.mark.parametrize(("objective", "text"), [("99.99999", "99.99999"), ("99", "99"), ("99.0", "99"),
                                                 ("99.95", "99.95"), ("99.99999999", "99.99999999")])
def test_objectives_keep_the_specs_digits(tmp_path, objective, text):
    plan = _plan(tmp_path, f"""\
    - name: a
      objective: {objective}
      sli: {{spans: {{span_name: x}}}}
""", tier=3)
    slo = plan.services[0].slos[0]
    assert names.objective_text(slo.objective_percent) == text
    assert f"SLO {text}% over 30d" in dict(slo.alerts[0].annotations)["description"]
