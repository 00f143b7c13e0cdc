"""Decisions the spec implies, shared by the checks and the compiler: who pages, which catalogs."""

from __future__ import annotations

from dataclasses import dataclass

from obsgen import burnrate, durations
from obsgen.spec.load import Specs
from obsgen.spec.models import SLO, PlatformSpec, Service

DEFAULT_ENVIRONMENTS = ("dev", "staging", "production")
PAGING_ENVIRONMENT = "production"


@dataclass(frozen=True)
class EnvironmentScope:
    """Shared mode, for one service: the label, the environments recorded, the one that pages."""

    label: str
    environments: tuple[str, ...]
    paging: str = PAGING_ENVIRONMENT

    def matcher(self) -> tuple[str, str, str]:
        """Only the service's environments are recorded."""
        if len(self.environments) == 1:
            return (self.label, "=", self.environments[0])
        return (self.label, "=~", "|".join(self.environments))  # names are [a-z0-9-]: no regex syntax


def scope_for(platform, service) -> EnvironmentScope | None:
    if platform.metrics.mode != "shared":
        return None
    return EnvironmentScope(platform.environment_label, tuple(sorted(set(service.spec.environments))))


def pages(service: Service, slo_index: int) -> bool:
    """Tier 3 never pages; only production pages; page defaults to true for tiers 1 and 2."""
    slo = service.spec.slos[slo_index]
    wanted = slo.alerting.page if slo.alerting.page is not None else service.metadata.tier <= 2
    return wanted and service.metadata.tier <= 2 and PAGING_ENVIRONMENT in service.spec.environments


def lacks_runbook(service: Service, slo_index: int) -> bool:
    """A paging SLO needs a runbook, its own or the service's (metadata.runbook)."""
    slo = service.spec.slos[slo_index]
    return pages(service, slo_index) and not (slo.runbook or service.metadata.runbook)


def custom_catalogs(specs: Specs) -> dict[int, tuple[burnrate.WindowSpec, ...]]:
    if specs.platform is None:
        return {}
    result = {}
    for cat in specs.platform.model.spec.alert_windows:
        result[int(durations.seconds(cat.period)) // burnrate.DAY] = tuple(
            burnrate.WindowSpec(sev, speed, int(durations.seconds(w.long)),
                                int(durations.seconds(w.short)), w.budget_percent)
            for sev, pair in (("page", cat.page), ("ticket", cat.ticket))
            for speed, w in (("quick", pair.quick), ("slow", pair.slow))
        )
    return result


def alert_catalog(slo: SLO, period: int, catalogs) -> tuple[burnrate.AlertWindow, ...]:
    """The SLO's own alert windows (imported from Pyrra or OpenSLO) if it has any, else its period's."""
    if not slo.alerting.windows:
        return burnrate.catalog_for(period, catalogs)
    speeds: dict[str, int] = {}
    windows = []
    for w in slo.alerting.windows:
        long = int(durations.seconds(w.long))
        speed = ("quick", "slow")[min(speeds.get(w.severity, 0), 1)]
        speeds[w.severity] = speeds.get(w.severity, 0) + 1
        windows.append(burnrate.AlertWindow(w.severity, speed, long, int(durations.seconds(w.short)),
                                            round(w.factor * long / period * 100, 10), w.factor))
    return tuple(windows)


def alert_style(slo: SLO, platform: PlatformSpec) -> str:
    return slo.alerting.style or platform.alert_style
