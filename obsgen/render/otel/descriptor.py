"""OpenTelemetry Collector configs per environment (otel/<env>/{agent,gateway}.yaml) and the
operator's objects (k8s/overlays/<env>/otel/): one agent DaemonSet and one gateway Deployment."""

from __future__ import annotations

from obsgen import collector, names
from obsgen.artifacts import Artifact, CollectorConfig, K8sObject
from obsgen.plan.model import Plan
from obsgen import yamlio
from obsgen.render.otel import config, k8s
from obsgen.render.otel import settings as otel_settings
from obsgen.render.backend import Backend


def header(plan) -> str:
    """The header names the distribution and version; the validator reads it (verify/otelcol.py)."""
    binary = collector.BINARIES[plan.distribution]
    return yamlio.HEADER + f"# collector: {binary} {plan.version}\n"


def render(plan: Plan) -> dict[str, Artifact]:
    telemetry = plan.telemetry
    if telemetry is None:
        return {}
    files = {}
    for env in telemetry.environments:
        overlay = f"k8s/overlays/{env.name}/otel"
        for role, build, name in (("agent", config.agent, names.COLLECTOR_AGENT),
                                  ("gateway", config.gateway, names.COLLECTOR_GATEWAY)):
            cfg = build(telemetry, env)
            path = names.otel_config_file(env.name, role)
            files[path] = CollectorConfig(path, cfg, header(telemetry))
            _add(files, f"{overlay}/{name}.yaml", k8s.collector(telemetry, name, cfg))
        for language in env.languages:
            obj = k8s.instrumentation(telemetry, env, language)
            _add(files, f"{overlay}/{obj['metadata']['name']}.yaml", obj)
        for obj in k8s.rbac(telemetry):
            _add(files, f"{overlay}/{obj['metadata']['name']}-{obj['kind'].lower()}.yaml", obj)
    return files


def _add(files: dict, path: str, obj: dict) -> None:
    files[path] = K8sObject(path, obj)


BACKEND = Backend("otel", render, output_dirs=("otel", "k8s"), verifier="otelcol", settings=otel_settings.SETTINGS,
                  uses=("endpoints",),
                  k8s_kinds=("OpenTelemetryCollector", "Instrumentation", "ServiceAccount", "ClusterRole",
                             "ClusterRoleBinding"))
