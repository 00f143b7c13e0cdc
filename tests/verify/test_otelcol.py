"""The collector config validator: the generated configs pass it, and each start-up fault, fed one
broken config at a time, is rejected with a message naming the component and the pipeline."""

from __future__ import annotations

import copy

import pytest
import yaml

from obsgen.verify import otelcol, otelcol_schema
from obsgen.verify.otelcol import validate

VERSION, DIST = "0.159.0", "contrib"


@pytest.fixture(scope="module")
def gateway(example_files) -> dict:
    return yaml.safe_load(example_files["otel/production/gateway.yaml"])


@pytest.fixture(scope="module")
def agent(example_files) -> dict:
    return yaml.safe_load(example_files["otel/production/agent.yaml"])


@pytest.fixture
def schemas():
    """The schemas ship in the package: a clone without them is broken, never a reason to skip."""
    assert otelcol_schema.schema_dir() is not None, "obsgen/verify/schemas/otelcol is missing"


def test_generated_configs_pass(generated, schemas):
    results = otelcol.verify(generated)
    assert len(results) == 12  # 3 environments x (agent, gateway) x (config file, operator object)
    assert all(r.ok for r in results), "\n".join(f"{r.command}: {r.output}" for r in results if not r.ok)


def _rename(cfg: dict, kind: str, old: str, new: str) -> None:
    cfg[kind][new] = cfg[kind].pop(old)
    for pipe in cfg["service"]["pipelines"].values():
        for role in ("receivers", "processors", "exporters"):
            pipe[role] = [new if i == old else i for i in pipe[role]]


def _invalid_id(c):
    _rename(c, "exporters", "otlp_grpc/tempo", "otlp_grpc/te mpo")


def _cycle(c):
    c["connectors"]["forward/back"] = {}
    c["service"]["pipelines"]["traces/sampling"]["exporters"].append("forward/back")
    c["service"]["pipelines"]["traces"]["receivers"].append("forward/back")


def _swap_first(c):
    procs = c["service"]["pipelines"]["logs"]["processors"]
    procs[0], procs[1] = procs[1], procs[0]


def _batch_not_last(c):
    procs = c["service"]["pipelines"]["traces/sampling"]["processors"]
    procs[1], procs[2] = procs[2], procs[1]


def _pipe(c, name):
    return c["service"]["pipelines"][name]


# (fault, mutation of the production gateway, substrings the message must hold)
GATEWAY_FAULTS = [
    ("invalid component ID", _invalid_id, ["'otlp_grpc/te mpo'", "pipeline traces/sampling", "invalid ID"]),
    ("invalid pipeline ID", lambda c: c["service"]["pipelines"].__setitem__(
        "trace/x", c["service"]["pipelines"].pop("logs")), ["pipeline 'trace/x'", "unknown signal 'trace'"]),
    ("undefined exporter", lambda c: c["exporters"].pop("otlp_http/loki"),
     ["exporter 'otlp_http/loki' in pipeline 'logs'", "not defined"]),
    ("undefined processor", lambda c: _pipe(c, "metrics")["processors"].insert(1, "filter/x"),
     ["processor 'filter/x' in pipeline 'metrics'", "not defined"]),
    ("unused exporter", lambda c: c["exporters"].__setitem__("otlp_grpc/unused", {"endpoint": "x:4317"}),
     ["exporter 'otlp_grpc/unused' (in no pipeline)", "not used"]),
    ("unused extension", lambda c: c["service"]["extensions"].remove("pprof"),
     ["extension 'pprof' (in no pipeline)", "service.extensions"]),
    ("pipeline without receiver", lambda c: _pipe(c, "logs").__setitem__("receivers", []),
     ["pipeline 'logs'", "has no receiver"]),
    ("pipeline without exporter", lambda c: _pipe(c, "traces/sampling").__setitem__("exporters", []),
     ["pipeline 'traces/sampling'", "has no exporter"]),
    ("processor twice", lambda c: _pipe(c, "logs")["processors"].insert(2, "transform/redact"),
     ["processor 'transform/redact' in pipeline 'logs'", "listed twice"]),
    ("connector never received", lambda c: _pipe(c, "metrics")["receivers"].remove("span_metrics"),
     ["connector 'span_metrics' (in pipeline traces)", "must be used as a receiver"]),
    ("connector unsupported signal pair", lambda c: (_pipe(c, "metrics")["receivers"].remove("span_metrics"),
                                                     _pipe(c, "logs")["receivers"].append("span_metrics")),
     ["connector 'span_metrics' in pipeline 'traces'", "exports traces", "traces->metrics"]),
    ("forward across signals", lambda c: (_pipe(c, "traces/sampling")["receivers"].remove("forward/sampling"),
                                          _pipe(c, "traces/sampling")["receivers"].append("otlp"),
                                          _pipe(c, "metrics")["receivers"].append("forward/sampling")),
     ["connector 'forward/sampling' in pipeline 'metrics'", "receives metrics"]),
    ("cycle", _cycle, ["pipeline 'traces'", "cycle through connectors: traces -> traces/sampling -> traces"]),
    ("memory_limiter not first", _swap_first, ["processor 'memory_limiter' in pipeline 'logs'", "first"]),
    ("no memory_limiter", lambda c: _pipe(c, "metrics")["processors"].remove("memory_limiter"),
     ["pipeline 'metrics'", "no memory_limiter"]),
    ("batch not last", _batch_not_last, ["processor 'batch' in pipeline 'traces/sampling'", "last"]),
    ("null body", lambda c: c["connectors"].__setitem__("forward/sampling", None),
     ["connector 'forward/sampling' (in pipeline traces, traces/sampling)", "null body"]),
    ("legacy name on a new collector", lambda c: _rename(c, "exporters", "otlp_grpc/tempo", "otlp/tempo"),
     ["exporter 'otlp/tempo' (in pipeline traces/sampling)", "deprecated alias", "'otlp_grpc'"]),
    ("unknown component type", lambda c: _rename(c, "exporters", "otlp_http/loki", "loki"),
     ["exporter 'loki' (in pipeline logs)", "unknown exporter type"]),
    ("broken OTTL string", lambda c: c["processors"]["transform/redact"]["trace_statements"].append(
        'delete_key(span.attributes, "a\\q")'), ["processor 'transform/redact' (in pipeline traces, logs)",
                                                  "invalid escape"]),
    ("OTTL path of another signal", lambda c: c["processors"]["transform/redact"]["log_statements"].append(
        'delete_key(span.attributes, "x")'), ["processor 'transform/redact' (in pipeline traces, logs)",
                                              "'span' is not available in log_statements"]),
    ("unknown policy type", lambda c: c["processors"]["tail_sampling"]["policies"].append(
        {"name": "x", "type": "sometimes"}), ["processor 'tail_sampling' (in pipeline traces/sampling)",
                                              "unknown type 'sometimes'"]),
    ("removed telemetry address", lambda c: c["service"]["telemetry"]["metrics"].__setitem__("address", ":8888"),
     ["service.telemetry.metrics.address"]),
]


@pytest.mark.parametrize(("fault", "mutate", "expected"), GATEWAY_FAULTS, ids=[f[0] for f in GATEWAY_FAULTS])
def test_gateway_fault_is_named(gateway, fault, mutate, expected):
    cfg = copy.deepcopy(gateway)
    assert validate(cfg, VERSION, DIST) == []
    mutate(cfg)
    problems = validate(cfg, VERSION, DIST)
    assert any(all(e in p for e in expected) for p in problems), problems


# Faults that need the schemas (closed objects, types, Go durations).
SCHEMA_FAULTS = [
    ("unknown key in a schema'd exporter", lambda c: c["exporters"]["otlp_grpc/tempo"].__setitem__("endpiont", "x"),
     ["exporter 'otlp_grpc/tempo' (in pipeline traces/sampling)", "unknown key 'endpiont'"]),
    ("unknown key inside an allOf branch's object", lambda c: c["exporters"]["otlp_grpc/tempo"]["tls"].__setitem__(
        "insecur", True), ["exporter 'otlp_grpc/tempo'", "otlp_grpc/tempo.tls: unknown key 'insecur'"]),
    ("wrong type", lambda c: c["processors"]["memory_limiter"].__setitem__("limit_percentage", "80%"),
     ["processor 'memory_limiter' (in pipeline traces, traces/sampling, metrics, logs)", "must be integer"]),
    ("not a Go duration", lambda c: c["processors"]["batch"].__setitem__("timeout", "200 ms"),
     ["processor 'batch'", "not a Go duration"]),
    ("span metrics unit", lambda c: c["connectors"]["span_metrics"]["histogram"].__setitem__("unit", "minutes"),
     ["connector 'span_metrics' (in pipeline traces, metrics)", "must be one of ms, s"]),
    ("span metrics bucket", lambda c: c["connectors"]["span_metrics"]["histogram"]["explicit"]["buckets"].append(
        "1 second"), ["connector 'span_metrics'", "buckets[11]", "not a Go duration"]),
]


@pytest.mark.parametrize(("fault", "mutate", "expected"), SCHEMA_FAULTS, ids=[f[0] for f in SCHEMA_FAULTS])
def test_schema_fault_is_named(gateway, schemas, fault, mutate, expected):
    cfg = copy.deepcopy(gateway)
    mutate(cfg)
    problems = validate(cfg, VERSION, DIST)
    assert any(all(e in p for e in expected) for p in problems), problems


def test_histogram_unit_s_passes_despite_the_published_integer_type(gateway, schemas):
    assert gateway["connectors"]["span_metrics"]["histogram"]["unit"] == "s"
    assert validate(gateway, VERSION, DIST) == []


def test_hand_written_key_list_closes_components_without_a_schema(agent):
    cfg = copy.deepcopy(agent)
    cfg["exporters"]["load_balancing"]["resolver"]["dns"]["hostnme"] = "x"
    cfg["processors"]["k8s_attributes"]["passthru"] = True
    cfg["exporters"]["load_balancing"]["resolver"]["dns"]["port"] = 4317  # a string in the Go struct
    problems = validate(cfg, VERSION, DIST)
    assert any("resolver.dns.port: must be string" in p for p in problems), problems
    assert any("exporter 'load_balancing' (in pipeline traces)" in p and "unknown key 'hostnme'" in p
               for p in problems), problems
    assert any("processor 'k8s_attributes'" in p and "unknown key 'passthru'" in p for p in problems), problems


def test_k8s_attributes_after_batching(agent):
    cfg = copy.deepcopy(agent)
    procs = cfg["service"]["pipelines"]["traces"]["processors"]
    procs.remove("k8s_attributes")
    procs.insert(3, "k8s_attributes")  # after batch, which is then not last either
    problems = validate(cfg, VERSION, DIST)
    assert any("processor 'k8s_attributes' in pipeline 'traces'" in p and "before batch" in p for p in problems)


def test_component_missing_from_the_distribution(gateway):
    problems = validate(gateway, VERSION, "core")
    assert any("processor 'tail_sampling' (in pipeline traces/sampling)" in p and "not in the core distribution" in p
               for p in problems), problems
    k8s = validate(gateway, VERSION, "k8s")
    assert any("exporter 'prometheus_remote_write' (in pipeline metrics)" in p and "k8s distribution" in p
               for p in k8s), k8s


def test_new_name_on_an_old_collector(gateway):
    problems = validate(gateway, "0.143.0", DIST)
    assert any("exporter 'otlp_grpc/tempo' (in pipeline traces/sampling)" in p and "does not exist before v0.144.0" in p
               for p in problems), problems
    assert any("connector 'span_metrics'" in p and "'spanmetrics'" in p for p in problems)


def test_operator_object_is_checked_with_its_image(generated, schemas):
    path = generated / "k8s/overlays/production/otel/obsgen-gateway.yaml"
    obj = yaml.safe_load(path.read_text())
    obj["spec"]["image"] = "otel/opentelemetry-collector:0.159.0"  # the core image lacks tail sampling
    path.write_text(yaml.safe_dump(obj))
    result = otelcol.verify_file(generated, "k8s/overlays/production/otel/obsgen-gateway.yaml")
    assert not result.ok and "not in the core distribution" in result.output


def test_config_without_a_target_header_fails(generated):
    path = generated / "otel/production/agent.yaml"
    path.write_text(path.read_text().replace("# collector:", "# colector:"))
    result = otelcol.verify_file(generated, "otel/production/agent.yaml")
    assert not result.ok and "header" in result.output
