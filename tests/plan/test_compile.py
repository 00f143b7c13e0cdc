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
