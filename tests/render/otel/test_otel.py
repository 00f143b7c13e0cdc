"""Collector configs and operator objects: names for the pinned version, span metric buckets and
names agreeing with the SLIs, per-service sampling, redaction, and the docs' diagrams."""

from __future__ import annotations

import re
import textwrap

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from obsgen import collector, durations, names, pipeline
from obsgen.errors import SpecErrors
from obsgen import yamlio as yamlout
from obsgen.render.otel import config, diagram, ottl
from obsgen.verify import otelcol
from tests import builders
from tests.conftest import ROOT

TEAM = "apiVersion: obsgen/v1\nkind: Team\nmetadata: {name: t}\nspec: {slack: {channel: \"#t\", api_url_file: /etc/s}}\n"


def spec_dir(tmp_path, platform: str = "", services: str = "") -> str:
    body = textwrap.indent(platform or "environments: [dev, production]", "  ")
    return str(builders.write_files(tmp_path, {"teams.yaml": TEAM, "platform.yaml": builders.platform(body),
                                                "services.yaml": textwrap.dedent(services)}))


SPANS = """\
    apiVersion: obsgen/v1
    kind: Service
    metadata: {name: shop, team: t, tier: 3}
    spec:
      environments: [dev, production]
      telemetry:
        sampling: {percent: 5, slow: 2s, per_environment: {dev: 100}}
        instrumentation: {language: python}
      slos:
        - name: fast
          objective: 99
          sli: {spans: {span_name: "GET /a", threshold: 130ms}}
        - name: slow
          objective: 99
          sli: {spans: {span_name: "GET /b", threshold: 3s, service_name: "shop-\\"legacy\\""}}
        - name: odd
          objective: 99
          sli: {spans: {span_name: "GET /c", threshold: 1750ms}}
        - name: errors
          objective: 99
          sli: {spans: {span_name: "GET /d"}}
    ---
    apiVersion: obsgen/v1
    kind: Service
    metadata: {name: cart, team: t, tier: 3}
    spec:
      environments: [production]
      telemetry: {sampling: {percent: 0, keep_errors: false, slow: 750ms}}
      slos:
        - name: p
          objective: 99
          sli: {spans: {span_name: "POST /cart", kind: client, threshold: 250ms}}
"""


def _buckets(cfg: dict) -> set[float]:
    return {durations.seconds(b) for b in cfg["connectors"]["span_metrics"]
            ["histogram"]["explicit"]["buckets"]}


def _le(query: str) -> float:
    return float(re.search(r'le=~?"([0-9.]+)', query).group(1))


@pytest.mark.parametrize("which", ["examples", "thresholds"])
def test_every_spans_threshold_is_a_bucket_boundary(tmp_path, which, example_files, example_plan):
    if which == "examples":
        files, plan = example_files, example_plan
    else:
        plan = pipeline.run(spec_dir(tmp_path, services=SPANS), render=False).plan
        files = pipeline.run(str(tmp_path)).files
    latency = [slo for svc in plan.services for slo in svc.slos if slo.sli.kind == "spans" and "le=" in slo.sli.error]
    assert latency, "no spans latency SLI to check"
    for env in plan.telemetry.environments:
        if not env.span_metrics:
            continue
        buckets = _buckets(yaml.safe_load(files[f"otel/{env.name}/gateway.yaml"]))
        assert set(config_defaults()) <= buckets
        for slo in latency:
            assert _le(slo.sli.error) in buckets, (env.name, slo.id, sorted(buckets))


def config_defaults():
    from obsgen.plan.telemetry import DEFAULT_BUCKETS

    return DEFAULT_BUCKETS


def test_go_durations_round_trip():
    for seconds, text in [(0.005, "5ms"), (1.0, "1s"), (1.75, "1750ms"), (2.5, "2500ms"), (0.0005, "500us")]:
        assert config.go_duration(seconds) == text


def test_span_metric_names_come_from_the_connector_settings(example_files):
    assert names.SPAN_CALLS == names.span_metric_name("calls", counter=True) == "traces_span_metrics_calls_total"
    assert names.SPAN_DURATION == names.span_metric_name("duration") == "traces_span_metrics_duration_seconds"
    connector = yaml.safe_load(example_files["otel/production/gateway.yaml"])["connectors"]["span_metrics"]
    assert connector["namespace"] == names.SPAN_METRICS_NAMESPACE
    assert connector["histogram"]["unit"] == names.SPAN_METRICS_UNIT
    assert connector["exemplars"] == {"enabled": True}
    assert connector["aggregation_cardinality_limit"] > 0 and connector["metrics_expiration"]
    # the connector's built-in dimensions, as remote write names them, are the SLIs' labels
    builtin = {"service.name": names.SPAN_SERVICE, "span.name": names.SPAN_NAME, "span.kind": names.SPAN_KIND,
               "status.code": names.SPAN_STATUS}
    assert all(attr.replace(".", "_") == label for attr, label in builtin.items())
    assert "exclude_dimensions" not in connector


def test_older_pinned_version_gets_legacy_names(tmp_path):
    files = pipeline.run(spec_dir(tmp_path, platform="collector: {version: 0.143.0}", services=SPANS)).files
    gateway, agent = (yaml.safe_load(files[f"otel/production/{r}.yaml"]) for r in ("gateway", "agent"))
    assert set(gateway["exporters"]) == {"otlp/tempo", "otlphttp/loki", "prometheusremotewrite"}
    assert "spanmetrics" in gateway["connectors"]
    assert set(agent["exporters"]) == {"loadbalancing", "otlp/gateway"}
    assert "k8sattributes" in agent["processors"]
    assert otelcol.validate(gateway, "0.143.0", "contrib") == []
    assert otelcol.validate(agent, "0.143.0", "contrib") == []


def test_names_switch_at_each_rename():
    assert collector.names((0, 150, 0))["otlp_grpc"] == "otlp_grpc"
    assert collector.names((0, 150, 0))["k8s_attributes"] == "k8sattributes"
    assert collector.names((0, 155, 0))["k8s_attributes"] == "k8s_attributes"
    assert collector.names((0, 159, 0))["otlp_receiver"] == "otlp"  # the receiver keeps its name


def test_collector_version_is_validated(tmp_path):
    for version, message in [("0.100.0", "0.120.0 or later"), ("latest", "such as 0.159.0")]:
        with pytest.raises(SpecErrors) as err:
            pipeline.run(spec_dir(tmp_path, platform=f"collector: {{version: {version}}}"), render=False)
        assert message in str(err.value) and "collector.version" in str(err.value)


def _policies(files, env):
    return yaml.safe_load(files[f"otel/{env}/gateway.yaml"])["processors"]["tail_sampling"]["policies"]


def test_each_service_policy_applies_only_to_its_traces(tmp_path):
    files = pipeline.run(spec_dir(tmp_path, services=SPANS)).files
    prod = {p["name"]: p for p in _policies(files, "production")}
    assert set(prod) == {"shop:errors", "shop:slow", "shop:percent", "cart:slow",
                         "(other services):errors", "(other services):percent"}
    for name, policy in prod.items():
        service, rule = policy["and"]["and_sub_policy"]
        assert service["string_attribute"]["key"] == "service.name"
        if name.startswith("shop:"):
            assert service["string_attribute"]["values"] == ["shop", 'shop-"legacy"']
        elif name.startswith("cart:"):
            assert service["string_attribute"]["values"] == ["cart"]
        else:  # every other trace: none of the configured services' names in it
            assert service["string_attribute"] == {"key": "service.name", "values": ["cart", "shop", 'shop-"legacy"'],
                                                   "invert_match": True}
    assert prod["shop:percent"]["and"]["and_sub_policy"][1]["probabilistic"]["sampling_percentage"] == 5.0
    assert prod["shop:slow"]["and"]["and_sub_policy"][1]["latency"]["threshold_ms"] == 2000
    dev = {p["name"]: p for p in _policies(files, "dev")}  # per-environment override
    assert dev["shop:percent"]["and"]["and_sub_policy"][1]["probabilistic"]["sampling_percentage"] == 100.0
    assert "cart:slow" not in dev


def test_span_metrics_only_where_a_service_wants_them(example_files):
    dev = yaml.safe_load(example_files["otel/dev/gateway.yaml"])
    prod = yaml.safe_load(example_files["otel/production/gateway.yaml"])
    assert "span_metrics" not in dev["connectors"] and "span_metrics" in prod["connectors"]
    assert prod["service"]["pipelines"]["traces"]["exporters"] == ["span_metrics", "forward/sampling"]
    assert "span_metrics" in prod["service"]["pipelines"]["metrics"]["receivers"]


def _unquote(literal: str) -> str:
    return re.sub(r'\\(.)', r"\1", literal[1:-1])


@pytest.mark.parametrize("key", ['a"b', "back\\slash", 'x"), delete_key(span.attributes, "y', "ünïcode key", "a\\\""])
def test_user_text_reaches_ottl_only_as_an_escaped_literal(tmp_path, key):
    platform = "collector:\n  redact_attributes: [" + yaml.safe_dump(key, default_style='"').strip() + "]"
    files = pipeline.run(spec_dir(tmp_path, platform=platform, services=SPANS)).files
    gateway = yaml.safe_load(files["otel/production/gateway.yaml"])
    statements = gateway["processors"]["transform/redact"]["trace_statements"]
    mine = [s for s in statements if s.startswith("delete_key") and "url.query" not in s]
    assert len(mine) == 1
    literal = mine[0][len("delete_key(span.attributes, "):-1]
    assert _unquote(literal) == key
    assert otelcol.validate(gateway, "0.159.0", "contrib") == []


def test_control_characters_never_reach_ottl(tmp_path):
    with pytest.raises(ValueError):
        ottl.string("a\nb")
    with pytest.raises(SpecErrors) as err:
        pipeline.run(spec_dir(tmp_path, platform='collector: {redact_attributes: ["a\\tb"]}'), render=False)
    assert "redact_attributes" in str(err.value)


def test_redaction_statements_cover_query_strings_and_credentials(example_files):
    gateway = yaml.safe_load(example_files["otel/production/gateway.yaml"])
    transform = gateway["processors"]["transform/redact"]
    text = "\n".join(transform["trace_statements"])
    assert 'delete_key(span.attributes, "url.query")' in text
    assert 'replace_pattern(span.attributes["url.full"], "\\\\?[^#]*", "")' in text
    assert "authorization" in text and "cookie" in text and "set-cookie" in text
    assert all(s.count("log.attributes") == 1 for s in transform["log_statements"])
    for pipe in ("traces", "logs"):
        assert "transform/redact" in gateway["service"]["pipelines"][pipe]["processors"]


def test_operator_objects(example_files):
    objs = {p: yaml.safe_load(t) for p, t in example_files.items() if p.startswith("k8s/") and "/otel/" in p
            and not p.endswith("/kustomization.yaml")}
    assert {p.split("/")[2] for p in objs} == {"dev", "staging", "production"}
    for path, obj in objs.items():
        assert obj["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "obsgen",
                                             "app.kubernetes.io/part-of": "obsgen"}
        assert "namespace" not in obj["metadata"] and len(obj["metadata"]["name"]) <= 63
        if obj["kind"] == "OpenTelemetryCollector":
            assert obj["apiVersion"] == "opentelemetry.io/v1beta1"
            assert obj["spec"]["image"] == "otel/opentelemetry-collector-contrib:0.159.0"
            assert isinstance(obj["spec"]["config"], dict)
            assert obj["spec"]["mode"] == ("daemonset" if path.endswith("agent.yaml") else "deployment")
            assert obj["spec"]["config"] == yaml.safe_load(
                example_files[f"otel/{path.split('/')[2]}/{'agent' if 'agent' in path else 'gateway'}.yaml"])
        for kind in ("receivers", "processors", "exporters", "connectors", "extensions"):
            for ident, body in (obj.get("spec", {}).get("config", {}).get(kind) or {}).items():
                assert isinstance(body, dict), f"{path}: {kind} {ident} has a null body"


def test_instrumentation_objects_per_language(tmp_path):
    files = pipeline.run(spec_dir(tmp_path, services=SPANS)).files
    obj = yaml.safe_load(files["k8s/overlays/dev/otel/obsgen-python.yaml"])
    assert obj["kind"] == "Instrumentation" and obj["apiVersion"] == "opentelemetry.io/v1alpha1"
    assert obj["spec"]["exporter"]["endpoint"] == "http://obsgen-agent-collector.monitoring.svc.cluster.local:4318"
    assert {"name": "OTEL_RESOURCE_ATTRIBUTES", "value": "deployment.environment.name=dev"} in obj["spec"]["env"]
    assert not [p for p in files if p.endswith(("obsgen-java.yaml", "obsgen-go.yaml"))]


def test_agent_routes_traces_by_trace_id_to_the_headless_gateway(example_files):
    agent = yaml.safe_load(example_files["otel/staging/agent.yaml"])
    lb = agent["exporters"]["load_balancing"]
    assert lb["routing_key"] == "traceID"
    assert lb["resolver"]["dns"]["hostname"] == "obsgen-gateway-collector-headless"
    assert agent["processors"]["k8s_attributes"] == {"passthrough": True}
    assert agent["processors"]["resource"]["attributes"] == [
        {"key": "deployment.environment.name", "value": "staging", "action": "upsert"}]
    assert agent["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"] == "0.0.0.0:4317"


def test_self_telemetry_on_8888(example_files):
    for env in ("dev", "production"):
        for role in ("agent", "gateway"):
            telemetry = yaml.safe_load(example_files[f"otel/{env}/{role}.yaml"])["service"]["telemetry"]
            assert telemetry["metrics"]["readers"][0]["pull"]["exporter"]["prometheus"]["port"] == 8888


def test_docs_diagrams_are_current(example_plan):
    page = (ROOT / diagram.PAGE).read_text()
    assert diagram.docs_section(example_plan) in page, (
        f"{diagram.PAGE}'s collector pipelines are out of date: run `.venv/bin/python tools/otel_diagram.py`")


def test_spec_additions_are_in_the_schema_and_default_to_nothing(tmp_path):
    from obsgen.spec.models import KINDS

    service = KINDS["Service"].model_json_schema()
    assert "instrumentation" in service["$defs"]["Telemetry"]["properties"]
    platform = KINDS["Platform"].model_json_schema()
    assert "redact_attributes" in platform["$defs"]["Collector"]["properties"]
    with pytest.raises(SpecErrors) as err:
        pipeline.run(spec_dir(tmp_path, services=SPANS.replace("language: python", "language: cobol")), render=False)
    assert "instrumentation.language" in str(err.value)


@settings(max_examples=25, deadline=None)
@given(
    thresholds=st.lists(st.integers(min_value=1, max_value=120_000), max_size=6),
    services=st.lists(st.tuples(
        st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True),
        st.lists(st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=12), max_size=2),
        st.floats(min_value=0, max_value=100, allow_nan=False),
        st.booleans(),
        st.none() | st.integers(min_value=1, max_value=600_000)), max_size=4, unique_by=lambda s: s[0]),
)
def test_any_plan_gives_configs_the_validator_accepts(example_plan, thresholds, services):
    """Arbitrary thresholds, service names (any printable text as OTel service.name) and sampling
    settings: the gateway still passes every start-up rule and every threshold is a bucket."""
    from dataclasses import replace

    from obsgen.plan.telemetry import DEFAULT_BUCKETS, ServiceSampling

    base = example_plan.telemetry
    seconds = tuple(sorted({t / 1000 for t in thresholds}))
    plan = replace(base, span_thresholds=seconds, span_buckets=tuple(sorted(set(DEFAULT_BUCKETS) | set(seconds))))
    sampling = tuple(ServiceSampling(name, tuple(sorted({name, *extra})), pct, errors, slow)
                     for name, extra, pct, errors, slow in services)
    env = replace(base.environments[-1], sampling=sampling, span_metrics=True)
    gateway = yaml.safe_load(yamlout.dump(config.gateway(plan, env)))
    assert otelcol.validate(gateway, plan.version, plan.distribution) == []
    assert {t / 1000 for t in thresholds} <= _buckets(gateway)
    names_ = [p["name"] for p in gateway["processors"]["tail_sampling"]["policies"]]
    assert len(names_) == len(set(names_))
