"""Compile validated specs into the plan: windows, thresholds, queries, labels and links."""

from __future__ import annotations

from dataclasses import replace

from obsgen import burnrate, calendar, durations, gotemplate, names
from obsgen.plan import sli as sli_queries
from obsgen.plan import sloth_alerts
from obsgen.plan.dashboards import compile_dashboards
from obsgen.plan.environments import compile_metrics
from obsgen.plan.kubernetes import compile_kubernetes
from obsgen.plan.model import AlertPlan, Plan, ServicePlan, Slices, SLOPlan
from obsgen.plan.routing import compile_routing
from obsgen.plan.telemetry import compile_telemetry
from obsgen.spec.load import Specs
from obsgen.spec.models import SLO, PlatformSpec, Service
from obsgen.spec.policy import alert_catalog, alert_style, custom_catalogs, pages, scope_for
from obsgen.spec.settings import Settings, registered


def compile_plan(specs: Specs, memo=None) -> Plan:
    """The plan. `memo(loaded, compile)` may answer a service's ServicePlan from an earlier run
    (obsgen/cache.py): _service reads the service, the Platform and the catalogs (the Platform's)."""
    platform = specs.platform.model.spec if specs.platform else PlatformSpec()
    catalogs = custom_catalogs(specs)
    loaded = sorted(specs.services, key=lambda s: s.model.metadata.name)
    services = [s.model for s in loaded]
    return Plan(
        services=tuple(memo(s, lambda m=s.model: _service(m, platform, catalogs)) if memo
                       else _service(s.model, platform, catalogs) for s in loaded),
        grafana_url=platform.grafana.url.rstrip("/"),
        telemetry=compile_telemetry(specs),
        routing=compile_routing(specs),
        dashboards=compile_dashboards(services, platform,
                                      {s.model.metadata.name: s.at("spec", "slos") for s in specs.services},
                                      {t.model.metadata.name: t.at("metadata", "name") for t in specs.teams}),
        kubernetes=compile_kubernetes(platform),
        metrics=compile_metrics(platform),
        settings=tuple((s.field, _settings(platform, s)) for s in registered()),
    )


def _settings(platform: PlatformSpec, settings: Settings):
    """The Platform's value of a registered backend's settings; their defaults when the Platform
    model was made before the backend registered (no Platform document: PlatformSpec())."""
    return getattr(platform, settings.field) if settings.field in type(platform).model_fields else settings.default()


def _service(service: Service, platform: PlatformSpec, catalogs) -> ServicePlan:
    meta = service.metadata
    return ServicePlan(
        name=meta.name,
        team=meta.team,
        tier=meta.tier,
        environments=tuple(service.spec.environments),
        slos=tuple(_slo(service, i, platform, catalogs) for i in range(len(service.spec.slos))),
    )


def _slo(service: Service, index: int, platform: PlatformSpec, catalogs) -> SLOPlan:
    slo: SLO = service.spec.slos[index]
    meta = service.metadata
    period = int(durations.seconds(slo.period))
    catalog = alert_catalog(slo, period, catalogs)
    budget = burnrate.budget(slo.objective)
    sid = names.slo_id(meta.name, slo.name)
    source = service._source  # a foreign file: what Sloth writes for it (spec/importers `Source`)
    scope = scope_for(platform, service)
    base = SLOPlan(
        service=meta.name,
        name=slo.name,
        id=sid,
        team=meta.team,
        tier=meta.tier,
        objective_percent=slo.objective,
        budget=budget,
        period=period,
        period_text=str(slo.period),
        windows=burnrate.windows_of(catalog),
        catalog=catalog,
        sli=sli_queries.queries(slo.sli, meta.name, scope),
        labels=(
            (names.SLOTH_ID, sid), (names.SLOTH_SERVICE, meta.name), (names.SLOTH_SLO, slo.name),
            *sorted({**meta.labels, **dict(source.labels if source else ()), **slo.labels}.items()),
        ),
        sloth_info=(source.spec, source.mode) if source else names.SLOTH_INFO_OBSGEN,
        alerts=(),
        description=slo.description,
        runbook_url=slo.runbook or meta.runbook or "",
        dashboard_url=(url := names.dashboard_link(platform.grafana.url, meta.name, slo.name)),
        alert_dashboard_url=names.alert_dashboard_link(gotemplate.literal(url), platform.environment_label),
        alert_style=alert_style(slo, platform),
        environment=scope,
        calendar=_calendar(slo),
        slices=_slices(slo),
    )
    severities = {"page": pages(service, index), "ticket": slo.alerting.ticket}
    alert = sloth_alerts.alert if base.alert_style == "sloth" else _alert
    alerts = tuple(alert(base, service, slo, w) for w in catalog if severities[w.severity])
    return replace(base, alerts=alerts)


def _calendar(slo: SLO) -> calendar.Calendar | None:
    spec = slo.calendar
    if spec is None:
        return None
    return calendar.Calendar(spec.unit, spec.count, spec.time_zone, calendar.parse_anchor(spec.start, spec.unit))


def _slices(slo: SLO) -> Slices | None:
    if slo.budgeting.method == "occurrences":
        return None
    return Slices(int(durations.seconds(slo.budgeting.slice)), slo.budgeting.slice_target,
                  ratio=slo.budgeting.method == "ratio_timeslices")


def _alert(plan: SLOPlan, service: Service, slo: SLO, window: burnrate.AlertWindow) -> AlertPlan:
    # Prometheus expands alert labels and annotations as templates: user text is made literal.
    labels = {
        **{k: gotemplate.literal(v) for k, v in service.metadata.labels.items()},
        **{k: gotemplate.literal(v) for k, v in slo.labels.items()},
        **{k: gotemplate.literal(v) for k, v in slo.alerting.labels.items()},
        **{k: gotemplate.literal(v) for k, v in sloth_alerts.extras(slo, window).labels.items()},
        names.SERVICE: plan.service,
        names.SLO: plan.name,
        names.TEAM: plan.team,
        names.TIER: str(plan.tier),
        names.SEVERITY: names.SEVERITIES[window.severity],
        names.SLOTH_SEVERITY: window.severity,
        names.LONG_WINDOW: durations.format_seconds(window.long),
        names.SHORT_WINDOW: durations.format_seconds(window.short),
    }
    generated = {
        "summary": _summary(plan, window),
        "description": _description(plan, window),
        "runbook_url": gotemplate.literal(plan.runbook_url),
        "dashboard_url": plan.alert_dashboard_url,
    }
    # The user's annotation wins over the generated one of the same name, as in Sloth.
    user = {**slo.alerting.annotations, **sloth_alerts.extras(slo, window).annotations}
    annotations = {k: gotemplate.literal(v) for k, v in user.items()}
    for key, value in generated.items():
        if value:
            annotations.setdefault(key, value)
    return AlertPlan(
        name=slo.alerting.name or names.alert_name(plan.service, plan.name),
        window=window,
        for_seconds=sloth_alerts.for_seconds(slo, window),
        labels=tuple(sorted(labels.items())),
        annotations=tuple(annotations.items()),
    )


def _period_name(cal: calendar.Calendar) -> str:
    return cal.unit if cal.count == 1 else f"period of {cal.count} {cal.unit}s"


def _budget_name(plan: SLOPlan) -> str:
    return "error budget" if plan.slices is None else "time-slice budget"


def _summary(plan: SLOPlan, window: burnrate.AlertWindow) -> str:
    if plan.calendar is not None:  # the factor is the period's own (burnrate.calendar_factor)
        low, high = (burnrate.calendar_factor(window, h) for h in calendar.hours_range(plan.calendar))
        return (
            f"{plan.service} {plan.name}: {_budget_name(plan)} burning at "
            '{{ $value | printf "%.1f" }}x '
            f"(over {low:g}x-{high:g}x, {window.budget_percent:g}% of this {_period_name(plan.calendar)}'s budget,"
            f" for {durations.format_seconds(window.long)} and {durations.format_seconds(window.short)})"
        )
    return (
        f"{plan.service} {plan.name}: {_budget_name(plan)} burning at "
        '{{ $value | printf "%.1f" }}x '
        f"(over {window.factor:g}x for {durations.format_seconds(window.long)}"
        f" and {durations.format_seconds(window.short)})"
    )


def _calendar_description(plan: SLOPlan, window: burnrate.AlertWindow) -> str:
    cal, long = plan.calendar, durations.format_seconds(window.long)
    hours = calendar.hours_range(cal)
    low, high = (burnrate.calendar_factor(window, h) for h in hours)
    budget = [burnrate.budget_seconds(plan.budget, h * burnrate.HOUR) / 60 for h in hours]
    what = f"{gotemplate.literal(plan.description)}. " if plan.description else ""
    name = _period_name(cal)
    return (
        f"{what}SLO {names.objective_text(plan.objective_percent)}% per calendar {name} ({cal.time_zone}): the "
        f"error budget is {budget[0]:.1f} to {budget[1]:.1f} min of full outage. This alert fires when {long} "
        f"consumes {window.budget_percent:g}% of the current {name}'s budget: a burn rate of {low:g}x "
        f"({hours[0]} hours) to {high:g}x ({hours[1]} hours); at that rate the whole budget lasts "
        f"{durations.human(window.long * 100 / window.budget_percent)}. Current burn rate over {long}: "
        '{{ $value | printf "%.2f" }}x.'
    )


def slices_note(slices) -> str:
    """What a timeslice SLO's burn rate counts (docs/calendar.md, "Alerts"), said in its alerts."""
    size = durations.format_seconds(slices.seconds)
    if slices.ratio:
        what = f"the mean of its {size} slices' error ratios"
    else:
        target = names.objective_text(round(slices.target * 100, 10))
        what = f"its bad {size} slices (good below {target}%) over all slices"
    return f" The burn rate counts time slices: {what} in each window, over 1 - objective."


def _description(plan: SLOPlan, window: burnrate.AlertWindow) -> str:
    text = _calendar_description(plan, window) if plan.calendar is not None else _rolling_description(plan, window)
    return text + (slices_note(plan.slices) if plan.slices is not None else "")


def _rolling_description(plan: SLOPlan, window: burnrate.AlertWindow) -> str:
    period = durations.format_seconds(plan.period)
    budget_min = burnrate.budget_seconds(plan.budget, plan.period) / 60
    consumed = burnrate.consumed_fraction(window, plan.period)
    exhaustion = plan.period / window.factor
    what = f"{gotemplate.literal(plan.description)}. " if plan.description else ""
    return (
        f"{what}SLO {names.objective_text(plan.objective_percent)}% over {period}: the error budget is "
        f"{budget_min:.1f} min of full outage. A burn rate of {window.factor:g}x sustained for "
        f"{durations.format_seconds(window.long)} consumes {consumed:.1%} of it; at that rate the whole "
        f"budget lasts {durations.human(exhaustion)}. Current burn rate over "
        f"{durations.format_seconds(window.long)}: " + '{{ $value | printf "%.2f" }}x.'
    )
