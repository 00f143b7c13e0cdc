"""Shared mode in the plan: several environments in one metrics store (Mimir, Amazon Managed
Prometheus, Thanos). Every recorded series and alert keeps the environment label, so each environment
has its own SLI, burn rates, budget and alerts; per-cluster mode (the default) changes nothing.
The scope of a service is spec/policy.EnvironmentScope; a user's query is rewritten by
obsgen/promql_env.py and checked at file:line by spec/shared_metrics.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from obsgen import names
from obsgen.promql_env import EnvironmentLost, aware  # noqa: F401  (tests/plan/test_environments.py)
from obsgen.spec.policy import EnvironmentScope


@dataclass(frozen=True)
class MetricsPlan:
    mode: str = "per-cluster"
    environment_label: str = names.ENVIRONMENT_LABEL
    rulers: tuple[str, ...] = ()
    namespace: str = "service"  # Mimir namespace per service, or per team
    source_tenants: tuple[str, ...] = ()

    @property
    def shared(self) -> bool:
        return self.mode == "shared"


def compile_metrics(platform) -> MetricsPlan:
    m = platform.metrics
    return MetricsPlan(m.mode, platform.environment_label, tuple(sorted(set(m.rulers))), m.namespace,
                       tuple(m.source_tenants))


# --- what generated rules need ------------------------------------------------------------------


def join_labels(scope: EnvironmentScope | None) -> str:
    """The `on (...)` list of a join between two series of one SLO."""
    return "" if scope is None else scope.label


def alert_matchers(scope: EnvironmentScope | None, severity: str) -> dict[str, str]:
    """Pages read production's series only, so non-production never pages (Alertmanager's routing
    reads the same label on the alert)."""
    if scope is None or severity != "page":
        return {}
    return {scope.label: scope.paging}


def grouped(scope: EnvironmentScope | None, aggregation: str) -> str:
    """`sum` -> `sum by (environment) ` for the SLIs obsgen writes itself (latency, spans)."""
    return aggregation if scope is None else f"{aggregation} by ({scope.label}) "


def selector_matchers(scope: EnvironmentScope | None) -> list[tuple[str, str, str]]:
    return [] if scope is None else [scope.matcher()]
