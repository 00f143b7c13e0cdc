"""Where each SLI is written in the specs, with what it reads (plan/reads.py): lint's targets."""

from __future__ import annotations

from dataclasses import dataclass

from obsgen import names
from obsgen.errors import Location
from obsgen.plan.model import Plan, SLOPlan
from obsgen.plan.reads import Selector, selectors
from obsgen.spec.load import Specs


@dataclass(frozen=True)
class Target:
    slo: SLOPlan
    where: Location  # the SLI in the specs
    selectors: tuple[Selector, ...]


def _kind(slo_model) -> str:
    return next(k for k in ("events", "raw", "latency", "spans") if getattr(slo_model.sli, k, None) is not None)


def locations(specs: Specs) -> dict[str, Location]:
    """SLO id -> the line of its SLI (its kind's key) in the specs."""
    found = {}
    for loaded in specs.services:
        service = loaded.model
        for i, slo in enumerate(service.spec.slos):
            where = loaded.at("spec", "slos", i, "sli", _kind(slo))
            found[names.slo_id(service.metadata.name, slo.name)] = where
    return found


def targets(plan: Plan, specs: Specs) -> list[Target]:
    where = locations(specs)
    return [Target(slo, where.get(slo.id, Location("?")), selectors(slo))
            for service in plan.services for slo in service.slos]
