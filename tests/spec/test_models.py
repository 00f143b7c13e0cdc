"""The obsgen/v1 models on their own: defaults, aliases, the Platform window catalogs."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from obsgen import burnrate
from obsgen.spec import models
from obsgen.spec.checks import custom_catalogs
from obsgen.spec.load import Loaded, Specs
from obsgen.spec.yamlsrc import Document

EVENTS = {"events": {"error_query": "sum(rate(errors[{{window}}]))", "total_query": "sum(rate(total[{{window}}]))"}}


def service(**slo) -> models.Service:
    return models.Service.model_validate({
        "apiVersion": "obsgen/v1", "kind": "Service",
        "metadata": {"name": "checkout", "team": "payments"},
        "spec": {"slos": [{"name": "availability", "objective": 99.9, "sli": EVENTS, **slo}]},
    })


def errors_of(cls, data) -> list[tuple[tuple, str, str]]:
    with pytest.raises(ValidationError) as exc:
        cls.model_validate(data)
    return [(e["loc"], e["type"], e["msg"]) for e in exc.value.errors()]


def test_service_defaults():
    svc = service()
    slo = svc.spec.slos[0]
    assert slo.period == "30d"
    assert svc.metadata.tier == 2
    assert svc.spec.environments == ["production"]
    assert svc.metadata.runbook is None and svc.metadata.labels == {}
    assert slo.alerting.page is None  # decided by the tier: true for 1-2
    assert slo.alerting.ticket is True and slo.alerting.for_ is None
    assert slo.sli.kind == "events" and slo.description == "" and slo.runbook is None
    assert svc.spec.telemetry.spanmetrics is False and svc.spec.telemetry.sampling is None


def test_team_and_platform_defaults():
    team = models.Team.model_validate({"apiVersion": "obsgen/v1", "kind": "Team", "metadata": {"name": "payments"}})
    assert (team.spec.pagerduty, team.spec.slack, team.spec.email) == (None, None, None)
    platform = models.Platform.model_validate({"apiVersion": "obsgen/v1", "kind": "Platform"})
    assert platform.metadata.name == "platform"
    assert platform.spec.environments == ["dev", "staging", "production"]
    assert platform.spec.alert_windows == []
    assert platform.spec.collector.distribution == "contrib"


def test_alerting_for_alias():
    alerting = models.Alerting.model_validate({"for": "2m", "page": False})
    assert alerting.for_ == "2m"
    assert alerting.model_dump(by_alias=True, exclude_defaults=True) == {"for": "2m", "page": False}
    assert "for" in models.Alerting.model_json_schema(by_alias=True)["properties"]
    assert service(alerting={"for": "1h30m"}).spec.slos[0].alerting.for_ == "1h30m"
    assert errors_of(models.Alerting, {"for": "5 minutes"}) == [
        (("for",), "value_error", "Value error, must be a duration such as 300ms, 5m or 1h30m, got '5 minutes'")]
    # only the name the spec documents is accepted, not the Python field name
    assert [e[1] for e in errors_of(models.Alerting, {"for_": "2m"})] == ["extra_forbidden"]


def test_objective_must_be_a_number_not_a_boolean_or_string():
    for value in (True, "99.9"):
        assert [e[1] for e in errors_of(models.SLO, {"name": "a", "objective": value,
                                                      "sli": {"spans": {"span_name": "x"}}})] == ["value_error"]


@pytest.mark.parametrize("objective", [1, 50, 99, 99.999])
def test_objective_in_range(objective):
    assert service(objective=objective).spec.slos[0].objective == objective


@pytest.mark.parametrize(("objective", "message"), [
    (100, "must be below 100, got 100"),
    (100.5, "must be below 100, got 100.5"),
    (0, "must be above 0, got 0"),
    (-1, "must be above 0, got -1"),
    # an OpenSLO habit: a ratio where obsgen takes a percentage
    (0.999, "did you mean 99.9? objective is a percentage: 0.999 means 0.999%"),
    (0.5, "did you mean 50? objective is a percentage: 0.5 means 0.5%"),
    (0.001, "did you mean 0.1? objective is a percentage: 0.001 means 0.001%"),
    (0.99999, "did you mean 99.999? objective is a percentage: 0.99999 means 0.99999%"),
])
def test_objective_out_of_range(objective, message):
    slo = {"name": "a", "objective": objective, "sli": EVENTS}
    assert errors_of(models.SLO, slo) == [(("objective",), "value_error", f"Value error, {message}")]


@pytest.mark.parametrize("period", ["1d", "7d", "28d", "4w", "90d"])
def test_period_whole_days(period):
    assert service(period=period).spec.slos[0].period == period


@pytest.mark.parametrize("period", ["36h", "12h", "0d", "1w3h"])
def test_period_not_whole_days(period):
    [(loc, _, msg)] = errors_of(models.SLO, {"name": "a", "objective": 99, "period": period, "sli": EVENTS})
    assert loc == ("period",)
    assert "whole number of days" in msg or "positive duration" in msg


def test_sli_needs_exactly_one_kind():
    assert models.SLI.model_validate({"spans": {"span_name": "GET /"}}).kind == "spans"
    [(_, _, msg)] = errors_of(models.SLI, {**EVENTS, "raw": {"error_ratio_query": "x"}})
    assert msg.endswith("needs exactly one of events, raw, latency, spans; got events, raw")


def test_unknown_fields_are_errors():
    assert errors_of(models.Alerting, {"pgae": True}) == [
        (("pgae",), "extra_forbidden", "Extra inputs are not permitted")]


CATALOG_2D = {
    "period": "2d",
    "page": {"quick": {"budget_percent": 10, "long": "1h", "short": "5m"},
             "slow": {"budget_percent": 20, "long": "6h", "short": "30m"}},
    "ticket": {"quick": {"budget_percent": 20, "long": "12h", "short": "1h"},
               "slow": {"budget_percent": 40, "long": "1d", "short": "2h"}},
}


def platform(*catalogs) -> models.Platform:
    return models.Platform.model_validate(
        {"apiVersion": "obsgen/v1", "kind": "Platform", "spec": {"alert_windows": list(catalogs)}})


def test_platform_alert_windows_catalog():
    model = platform(CATALOG_2D)
    [cat] = model.spec.alert_windows
    assert cat.period == "2d"
    assert (cat.page.quick.long, cat.page.quick.short, cat.page.quick.budget_percent) == ("1h", "5m", 10)
    assert cat.ticket.slow.long == "1d"

    specs = Specs(platform=Loaded(model, Document("slos/platform.yaml", 1, None)))
    assert custom_catalogs(specs) == {2: (
        burnrate.WindowSpec("page", "quick", burnrate.HOUR, 5 * burnrate.MINUTE, 10),
        burnrate.WindowSpec("page", "slow", 6 * burnrate.HOUR, 30 * burnrate.MINUTE, 20),
        burnrate.WindowSpec("ticket", "quick", 12 * burnrate.HOUR, burnrate.HOUR, 20),
        burnrate.WindowSpec("ticket", "slow", burnrate.DAY, 2 * burnrate.HOUR, 40),
    )}
    assert custom_catalogs(Specs()) == {}


@pytest.mark.parametrize(("change", "loc"), [
    ({"period": "36h"}, ("spec", "alert_windows", 0, "period")),
    ({"page": {**CATALOG_2D["page"], "quick": {"budget_percent": 0, "long": "1h", "short": "5m"}}},
     ("spec", "alert_windows", 0, "page", "quick", "budget_percent")),
    ({"ticket": {**CATALOG_2D["ticket"], "slow": {"budget_percent": 40, "long": "a day", "short": "2h"}}},
     ("spec", "alert_windows", 0, "ticket", "slow", "long")),
    ({"ticket": {"quick": CATALOG_2D["ticket"]["quick"]}}, ("spec", "alert_windows", 0, "ticket", "slow")),
])
def test_platform_alert_windows_catalog_errors(change, loc):
    with pytest.raises(ValidationError) as exc:
        platform({**CATALOG_2D, **change})
    assert [e["loc"] for e in exc.value.errors()] == [loc]
