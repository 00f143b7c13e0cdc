"""Tail sampling policies: each service's policy applies only to traces holding its spans.

The processor samples a trace when any top-level policy says so. Each service's rules are `and`
policies whose first sub-policy matches the service's `service.name`; the default rules for every
other trace first require that none of those services is in it (`invert_match` inside an `and`
gives a plain sampled / not sampled decision, so it cannot veto other policies).
"""

from __future__ import annotations

from obsgen.plan.telemetry import EnvironmentTelemetry, ServiceSampling

SERVICE_NAME = "service.name"
OTHERS = "(other services)"  # policy names are <service>:<rule>; no service name has parentheses


def _rules(sampling: ServiceSampling) -> list[tuple[str, dict]]:
    rules = []
    if sampling.keep_errors:
        rules.append(("errors", {"type": "status_code", "status_code": {"status_codes": ["ERROR"]}}))
    if sampling.slow_ms is not None:
        rules.append(("slow", {"type": "latency", "latency": {"threshold_ms": sampling.slow_ms}}))
    if sampling.percent > 0:
        rules.append(("percent", {"type": "probabilistic",
                                  "probabilistic": {"sampling_percentage": float(sampling.percent)}}))
    return rules


def _and(owner: str, rule_name: str, match: dict, rule: dict) -> dict:
    sub = [{"name": "service", "type": "string_attribute", "string_attribute": match},
           {"name": rule_name, **rule}]
    return {"name": f"{owner}:{rule_name}", "type": "and", "and": {"and_sub_policy": sub}}


def policies(env: EnvironmentTelemetry) -> list[dict]:
    out = []
    for svc in env.sampling:
        match = {"key": SERVICE_NAME, "values": list(svc.service_names)}
        out += [_and(svc.service, rule_name, match, rule) for rule_name, rule in _rules(svc)]
    configured = sorted({name for svc in env.sampling for name in svc.service_names})
    for rule_name, rule in _rules(env.default_sampling):
        if configured:
            match = {"key": SERVICE_NAME, "values": configured, "invert_match": True}
            out.append(_and(OTHERS, rule_name, match, rule))
        else:
            out.append({"name": f"{OTHERS}:{rule_name}", **rule})
    return out
