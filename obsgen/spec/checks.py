"""Checks that span documents or need more than one field: names, teams, runbooks, queries,
environments and alert windows, and each backend's settings' own check (render/<backend>/settings.py). Each
returns errors pointing at the file, line and field."""

from __future__ import annotations

import difflib

from obsgen import burnrate, durations, names, promql
from obsgen.errors import SpecError, SpecWarning
from obsgen.spec import cluster, receivers, shared_metrics, templates
from obsgen.spec.importers.common import is_imported
from obsgen.spec.load import Loaded, Specs
from obsgen.spec.models import Service, registered_settings
from obsgen.spec.policy import DEFAULT_ENVIRONMENTS, alert_catalog, custom_catalogs, lacks_runbook, pages


def check(specs: Specs, memo=None) -> list[SpecError]:
    """Every cross-document error; the warnings (rules that are errors in obsgen/v1 files and
    warnings in imported ones: `ownership`) are added to specs.warnings. `memo(service, check)`
    may answer a service's own checks from an earlier run (obsgen/cache.py: they read the service,
    the environments and the catalogs, all from the Platform document, and nothing else)."""
    errors = _check_catalogs(specs)
    errors += _check_unique(specs.services, "service") + _check_unique(specs.teams, "team")
    errors += receivers.check(specs) + templates.check(specs) + cluster.check(specs)
    errors += [e for settings in registered_settings() if settings.check for e in settings.check(specs)]
    envs = DEFAULT_ENVIRONMENTS
    if specs.platform is not None:
        envs = tuple(specs.platform.model.spec.environments)
    catalogs = custom_catalogs(specs)
    for svc in specs.services:
        errors += (memo(svc, lambda s=svc: _check_service(s, envs, catalogs)) if memo
                   else _check_service(svc, envs, catalogs))
    found = ownership(specs)
    specs.warnings += [f for f in found if isinstance(f, SpecWarning)]
    errors += [f for f in found if isinstance(f, SpecError)]
    return errors + _check_ids(specs) + shared_metrics.check(specs)


# --- the ownership rules: an error in an obsgen/v1 file, a warning in an imported one --------------

RUNBOOK_HINTS = {"sloth": "a runbook or runbook_url alerting annotation holding a URL",
                 "pyrra": "a pyrra.dev/runbook_url annotation", "openslo": "a runbook_url annotation on the SLO"}


def ownership(specs: Specs) -> list[SpecError | SpecWarning]:
    """Who owns a service and what a page gives the person paged: the owner team has a Team document,
    a paging SLO has a runbook, a paging service's team has a pager. The one home of these rules;
    each finding is an error in an obsgen/v1 file, a warning in a Sloth, OpenSLO or Pyrra file (read
    unchanged, those name teams and runbooks their own way: they still generate, and say what is
    missing)."""
    teams = {t.model.metadata.name for t in specs.teams}
    found: list[SpecError | SpecWarning] = []
    for svc in specs.services:
        found += _team_rule(svc, teams) + _runbook_rule(svc)
    for svc, where, message in receivers.downgraded_pages(specs):
        found.append((SpecWarning if is_imported(svc) else SpecError)(where, message))
    return found


def _team_rule(svc: Loaded, teams: set[str]) -> list[SpecError | SpecWarning]:
    team = svc.model.metadata.team
    if team in teams:
        return []
    where = svc.at("metadata", "team")
    if not is_imported(svc):
        return [SpecError(where, f"unknown team {team!r}{_hint(team, teams)}; define it in a Team document")]
    if team == names.UNOWNED_TEAM:  # one warning for every such service (importers.translate)
        return []
    return [SpecWarning(where, f"team {team!r} has no Team document: its alerts carry team={team} "
                               "but no receiver of its own (add a Team document to route them)")]


def _runbook_rule(svc: Loaded) -> list[SpecError | SpecWarning]:
    found: list[SpecError | SpecWarning] = []
    for i, slo in enumerate(svc.model.spec.slos):
        if not lacks_runbook(svc.model, i):
            continue
        if is_imported(svc):
            found.append(SpecWarning(svc.at("spec", "slos", i), f"SLO {slo.name!r} pages but has no "
                                     f"runbook ({RUNBOOK_HINTS[svc.doc.fmt]} is read as one)"))
        else:
            found.append(SpecError(svc.at("spec", "slos", i, "runbook"),
                                   "is required: this SLO pages; set it here or metadata.runbook"))
    return found


def _hint(name: str, choices) -> str:
    close = difflib.get_close_matches(name, sorted(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_unique(docs: list[Loaded], kind: str) -> list[SpecError]:
    errors, seen = [], {}
    for loaded in docs:
        name = loaded.model.metadata.name
        if name in seen:
            first = seen[name].at("metadata", "name")
            errors.append(SpecError(loaded.at("metadata", "name"),
                                    f"duplicate {kind} {name!r}; first defined at {first.file}:{first.line}"))
        seen.setdefault(name, loaded)
    return errors


def _check_ids(specs: Specs) -> list[SpecError]:
    """Every derived id (sloth_id, rule groups, dashboard uids) is unique across the spec set.

    `payments` + `api-latency` and `payments-api` + `latency` share the sloth_id
    `payments-api-latency`: loaded into one Prometheus, their rules would write the same series.
    Renaming would break the Sloth-compatible `<service>-<slo>` id, so the collision is rejected.
    """
    errors, seen, reported, services = [], {}, set(), set()
    for svc in specs.services:
        service = svc.model.metadata.name
        if service in services:  # a duplicate service is reported as such, not as every id it repeats
            continue
        services.add(service)
        owners = [(svc.at("metadata", "name"), f"service {service!r}", names.service_ids(service))]
        slos = set()
        for i, slo in enumerate(svc.model.spec.slos):
            if slo.name not in slos:  # the same for a duplicate SLO
                owners.append((svc.at("spec", "slos", i, "name"), f"service {service!r} SLO {slo.name!r}",
                               names.slo_ids(service, slo.name)))
            slos.add(slo.name)
        for where, owner, ids in owners:
            for kind, value in ids:
                key = value if kind.endswith("rule group") else (kind, value)  # groups share one namespace
                if key not in seen:
                    seen[key] = (where, owner, kind)
                    continue
                first, first_owner, first_kind = seen[key]
                if (first, where) in reported:
                    continue
                reported.add((first, where))
                errors.append(SpecError(where, f"{kind} {value!r} of {owner} is also the {first_kind} of "
                                               f"{first_owner} ({first.file}:{first.line}); rename one of them"))
    return errors


def _check_service(svc: Loaded, envs: tuple[str, ...], catalogs) -> list[SpecError]:
    service: Service = svc.model
    errors = []
    for i, env in enumerate(service.spec.environments):
        if env not in envs:
            errors.append(SpecError(svc.at("spec", "environments", i),
                                    f"unknown environment {env!r}{_hint(env, envs)}; the platform has "
                                    + ", ".join(envs)))
    sampling = service.spec.telemetry.sampling
    for env in sampling.per_environment if sampling else ():
        if env not in service.spec.environments:
            errors.append(SpecError(svc.at("spec", "telemetry", "sampling", "per_environment", env),
                                    f"{env!r} is not one of the service's environments"))
    seen: set[str] = set()
    for i, slo in enumerate(service.spec.slos):
        if slo.name in seen:
            errors.append(SpecError(svc.at("spec", "slos", i, "name"), f"duplicate SLO {slo.name!r}"))
        seen.add(slo.name)
        errors += _check_slo(svc, i, catalogs)
    return errors


def _check_slo(svc: Loaded, i: int, catalogs) -> list[SpecError]:
    service: Service = svc.model
    slo = service.spec.slos[i]
    errors = []
    if slo.alerting.page and service.metadata.tier == 3:
        errors.append(SpecError(svc.at("spec", "slos", i, "alerting", "page"),
                                "tier 3 services never page; remove page: true or raise the tier"))
    paging = pages(service, i)
    errors += _check_queries(svc, i)
    errors += _check_windows(svc, i, paging, catalogs)
    return errors


def _check_windows(svc: Loaded, i: int, paging: bool, catalogs) -> list[SpecError]:
    """Every alert window must fit in the period and be able to fire at all."""
    slo = svc.model.spec.slos[i]
    period = int(durations.seconds(slo.period))
    budget = burnrate.budget(slo.objective)
    for window in alert_catalog(slo, period, catalogs):
        if window.severity == "page" and not paging:
            continue
        long = durations.format_seconds(window.long)
        if window.long > period:
            return [SpecError(svc.at("spec", "slos", i, "period"),
                              f"period {slo.period} is shorter than the {long} alert window; "
                              "add an alert_windows catalog for it to the Platform document")]
        needed = burnrate.threshold(window, budget)
        if needed >= 1:
            return [SpecError(svc.at("spec", "slos", i, "objective"),
                              f"objective {names.objective_text(slo.objective)} is too low for "
                              f"{window.severity} alerts: "
                              f"a {window.factor:g}x burn rate needs an error ratio of {needed:.0%}, "
                              "so it could never fire; raise the objective or turn that alert off")]
    return []


def _check_queries(svc: Loaded, i: int) -> list[SpecError]:
    sli = svc.model.spec.slos[i].sli
    fields = {"events": ("error_query", "total_query"), "raw": ("error_ratio_query",)}.get(sli.kind, ())
    errors = []
    for name in fields:
        query = getattr(getattr(sli, sli.kind), name)
        where = svc.at("spec", "slos", i, "sli", sli.kind, name)
        if not promql.has_window(query):
            elsewhere = promql.WINDOW_PLACEHOLDER.search(query) is not None
            errors.append(SpecError(where, "lacks the {{window}} placeholder (Sloth's {{.window}} works "
                                           "too), e.g. rate(http_requests_total[{{window}}])"
                                    + ("; it is a range only inside [...], never in a quoted string"
                                       if elsewhere else "")))
            continue
        try:  # parsed alone and as a part of a larger expression, the way the rules use it
            promql.parse(promql.with_window(query, "5m"))
            promql.parse(f"({promql.with_window(query, '5m')}) / 1")
        except ValueError as exc:
            errors.append(SpecError(where, str(exc)))
    return errors


def _check_catalogs(specs: Specs) -> list[SpecError]:
    if specs.platform is None:
        return []
    errors, seen = [], set()
    for i, cat in enumerate(specs.platform.model.spec.alert_windows):
        period = durations.seconds(cat.period)
        if period in seen:
            errors.append(SpecError(specs.platform.at("spec", "alert_windows", i, "period"),
                                    f"a catalog for {cat.period} is already defined"))
        seen.add(period)
        for sev in ("page", "ticket"):
            for speed in ("quick", "slow"):
                w = getattr(getattr(cat, sev), speed)
                where = specs.platform.at("spec", "alert_windows", i, sev, speed)
                if durations.seconds(w.short) >= durations.seconds(w.long):
                    errors.append(SpecError(where, f"short window {w.short} must be shorter than long window {w.long}"))
                if durations.seconds(w.long) > period:
                    errors.append(SpecError(where, f"long window {w.long} is longer than the period {cat.period}"))
    return errors
