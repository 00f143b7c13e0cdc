"""Shared metrics mode's located errors: every events/raw query keeps the environment label."""

from __future__ import annotations

from obsgen import promql, promql_env
from obsgen.errors import SpecError
from obsgen.spec.load import Specs
from obsgen.spec.policy import scope_for


def check(specs: Specs) -> list[SpecError]:
    """Every events/raw query of every service, in shared mode: an error at its file:line when the
    environment label cannot reach the result."""
    platform = specs.platform.model.spec if specs.platform else None
    if platform is None or platform.metrics.mode != "shared":
        return []
    errors = []
    for svc in specs.services:
        scope = scope_for(platform, svc.model)
        for i, slo in enumerate(svc.model.spec.slos):
            kind = slo.sli.kind
            fields = {"events": ("error_query", "total_query"), "raw": ("error_ratio_query",)}.get(kind, ())
            for name in fields:
                query = getattr(getattr(slo.sli, kind), name)
                if not _parses(query):
                    continue  # reported by spec/checks.py already
                try:
                    promql_env.aware(query, scope)
                except ValueError as exc:  # EnvironmentLost, promql_ast.Unsupported, parse errors
                    errors.append(SpecError(svc.at("spec", "slos", i, "sli", kind, name),
                                            f"shared metrics mode: {exc}"))
    return errors


def _parses(query: str) -> bool:
    try:
        promql.parse(promql.with_window(query, "5m"))
    except ValueError:
        return False
    return promql.has_window(query)
