"""The collector side of the signal path (issue 19): distributions, Kubernetes enrichment with its
RBAC, pod log collection, and endpoints an app in any namespace reaches. Each test reads the
generated files (configs, operator objects, the kustomized tree) and holds them to each other and
to obsgen/signal_path.py, which the dashboards read too."""

from __future__ import annotations

import fnmatch

import pytest
import yaml

from obsgen import collector, names, pipeline, signal_path
from obsgen.errors import SpecErrors
from obsgen.output.writer import write_tree
from obsgen.verify import otelcol
from tests.conftest import kustomize
from tests.render.otel.test_otel import SPANS, spec_dir

NAMESPACE = "observability"  # not the default: every name that must follow it is tested with it


def _configs(files: dict[str, str], role: str) -> dict[str, dict]:
    return {p: yaml.safe_load(t) for p, t in files.items() if p.startswith("otel/") and p.endswith(f"/{role}.yaml")}


def _objects(files: dict[str, str], kind: str) -> list[dict]:
    found = [yaml.safe_load(t) for p, t in files.items() if p.startswith("k8s/") and p.endswith(".yaml")]
    return [o for o in found if isinstance(o, dict) and o.get("kind") == kind]


def _ns_files(tmp_path, extra: str = "") -> dict[str, str]:
    platform = f"environments: [dev, production]\nkubernetes: {{namespace: {NAMESPACE}}}\n{extra}"
    return pipeline.run(spec_dir(tmp_path, platform, SPANS)).files


# --- 1. distributions -----------------------------------------------------------------------


def test_core_is_refused_at_the_platform_line_with_what_to_change(tmp_path):
    with pytest.raises(SpecErrors) as caught:
        pipeline.run(spec_dir(tmp_path, "environments: [dev, production]\ncollector: {distribution: core}\n", SPANS))
    text = str(caught.value)
    assert "platform.yaml:5" in text and "collector.distribution" in text.replace("spec.", "")
    for key in ("filelog", "k8s_attributes", "load_balancing", "tail_sampling", "transform"):
        assert key in text
    assert "contrib" in text and "k8s" in text  # what to change it to


def test_k8s_distribution_gets_configs_it_runs(tmp_path):
    files = pipeline.run(spec_dir(tmp_path, "environments: [dev, production]\ncollector: {distribution: k8s}\n", SPANS)).files
    configs = {**_configs(files, "agent"), **_configs(files, "gateway")}
    assert configs
    for path, cfg in configs.items():
        assert otelcol.validate(cfg, "0.159.0", "k8s") == [], path
    gateway = _configs(files, "gateway")["otel/dev/gateway.yaml"]
    exporters = gateway["service"]["pipelines"]["metrics"]["exporters"]
    assert exporters == ["otlp_http/prometheus"]
    assert gateway["exporters"]["otlp_http/prometheus"]["endpoint"] == "http://prometheus:9090/api/v1/otlp"


def test_every_needed_component_is_in_contrib_and_k8s():
    assert collector.lacking("contrib") == []
    assert collector.lacking("k8s") == []  # the metrics exporter is chosen per distribution
    assert collector.metrics_exporter("k8s") == "otlp_http"


# --- 2. Kubernetes enrichment ---------------------------------------------------------------


def test_gateway_enriches_every_signal_from_the_ip_or_uid_the_agent_recorded(example_files):
    for path, gateway in _configs(example_files, "gateway").items():
        agent = _configs(example_files, "agent")[path.replace("gateway", "agent")]
        k8s = gateway["processors"]["k8s_attributes"]
        assert not k8s.get("passthrough")
        assert set(signal_path.K8S_METADATA) <= set(k8s["extract"]["metadata"])
        # each association source is an attribute some agent hop sets on the way in
        sources = [s["name"] for rule in k8s["pod_association"] for s in rule["sources"]
                   if s["from"] == "resource_attribute"]
        assert sources == list(signal_path.POD_ASSOCIATION)
        assert agent["processors"]["k8s_attributes"] == {"passthrough": True}  # sets k8s.pod.ip
        container = agent["receivers"]["filelog"]["operators"][0]
        assert container["type"] == "container"  # sets k8s.pod.uid from the file path
        for name, pipe in gateway["service"]["pipelines"].items():
            if name.partition("/")[0] in ("traces", "logs") and "otlp" in pipe["receivers"]:
                procs = pipe["processors"]
                assert "k8s_attributes" in procs and procs.index("k8s_attributes") < procs.index("batch"), name


def test_the_loki_labels_queries_rely_on_are_produced(example_files):
    """service_name, the environment, namespace and pod: each produced by some hop of the logs path."""
    agent = _configs(example_files, "agent")["otel/production/agent.yaml"]
    gateway = _configs(example_files, "gateway")["otel/production/gateway.yaml"]
    produced = {a["key"] for a in agent["processors"]["resource"]["attributes"]}
    produced |= set(signal_path.FILELOG_RESOURCE)  # the container parser, from the path
    produced |= set(gateway["processors"]["k8s_attributes"]["extract"]["metadata"])
    produced |= {label["tag_name"] for label in gateway["processors"]["k8s_attributes"]["extract"].get("labels", [])}
    loki = {signal_path.loki_name(a) for a in produced}
    for label in (signal_path.LOKI_SERVICE, signal_path.LOKI_ENVIRONMENT, signal_path.LOKI_NAMESPACE,
                  signal_path.LOKI_POD):
        assert label in loki, label
    assert signal_path.LOKI_ENVIRONMENT == "deployment_environment_name"
    assert not signal_path.loki_is_index_label(signal_path.ENVIRONMENT)  # a filter, not a stream label


def test_rbac_lets_the_gateway_read_what_it_extracts(tmp_path, kubectl):
    files = _ns_files(tmp_path)
    write_tree(tmp_path / "out", files)
    objects = kustomize(kubectl, tmp_path / "out" / "k8s/overlays/production")
    by_kind = {}
    for obj in objects:
        by_kind.setdefault(obj["kind"], []).append(obj)
    gateway = next(o for o in by_kind["OpenTelemetryCollector"] if o["metadata"]["name"] == names.COLLECTOR_GATEWAY)
    account = gateway["spec"]["serviceAccount"]
    assert [sa["metadata"] for sa in by_kind["ServiceAccount"] if sa["metadata"]["name"] == account][0][
        "namespace"] == NAMESPACE
    binding = next(b for b in by_kind["ClusterRoleBinding"]
                   if {"kind": "ServiceAccount", "name": account, "namespace": NAMESPACE} in b["subjects"])
    role = next(r for r in by_kind["ClusterRole"] if r["metadata"]["name"] == binding["roleRef"]["name"])
    granted = {(g, res) for rule in role["rules"] if {"get", "list", "watch"} <= set(rule["verbs"])
               for g in rule["apiGroups"] for res in rule["resources"]}
    assert {("", "pods"), ("", "namespaces"), ("apps", "replicasets")} <= granted
    agent = next(o for o in by_kind["OpenTelemetryCollector"] if o["metadata"]["name"] == names.COLLECTOR_AGENT)
    assert agent["spec"]["config"]["processors"]["k8s_attributes"] == {"passthrough": True}  # no API calls


# --- 3. pod logs ----------------------------------------------------------------------------


def test_agent_collects_pod_logs_without_its_own(tmp_path):
    files = _ns_files(tmp_path)
    agent = _configs(files, "agent")["otel/production/agent.yaml"]
    filelog = agent["receivers"]["filelog"]
    assert filelog["include"] == ["/var/log/pods/*/*/*.log"] and filelog["include_file_path"] is True
    ours = [f"/var/log/pods/{NAMESPACE}_{names.collector_service(n)}-x7k2p_0f1e/otc-container/0.log"
            for n in (names.COLLECTOR_AGENT, names.COLLECTOR_GATEWAY)]
    theirs = f"/var/log/pods/shop_shop-6d8f9-x7k2p_0f1e/shop/0.log"
    for path in ours:
        assert any(fnmatch.fnmatch(path, glob) for glob in filelog["exclude"]), path
    assert not any(fnmatch.fnmatch(theirs, glob) for glob in filelog["exclude"])
    ops = {op["type"]: op for op in filelog["operators"]}
    assert filelog["operators"][0]["type"] == "container"
    assert ops["json_parser"]["parse_from"] == "body"
    assert ops["trace_parser"]["trace_id"]["parse_from"] == f"attributes.{signal_path.TRACE_ID}"
    assert ops["trace_parser"]["span_id"]["parse_from"] == f"attributes.{signal_path.SPAN_ID}"
    assert "filelog" in agent["service"]["pipelines"]["logs"]["receivers"]


def test_agent_object_mounts_the_node_pod_logs_read_only(example_files):
    obj = yaml.safe_load(example_files["k8s/overlays/production/otel/obsgen-agent.yaml"])
    spec = obj["spec"]
    volume = next(v for v in spec["volumes"] if v.get("hostPath", {}).get("path") == "/var/log/pods")
    mount = next(m for m in spec["volumeMounts"] if m["name"] == volume["name"])
    assert mount["mountPath"] == "/var/log/pods" and mount["readOnly"] is True
    include = spec["config"]["receivers"]["filelog"]["include"][0]
    assert include.startswith(mount["mountPath"] + "/")


def test_validator_knows_filelog_keys(example_files):
    agent = yaml.safe_load(example_files["otel/production/agent.yaml"])
    agent["receivers"]["filelog"]["includ"] = ["/x"]
    problems = otelcol.validate(agent, "0.159.0", "contrib")
    assert any("filelog" in p and "includ" in p for p in problems), problems
    assert otelcol.validate(yaml.safe_load(example_files["otel/production/agent.yaml"]), "0.159.0", "contrib") == []


# --- 4. endpoints from any namespace --------------------------------------------------------


def test_instrumentation_points_at_a_name_every_namespace_resolves(tmp_path):
    files = _ns_files(tmp_path)
    for obj in _objects(files, "Instrumentation"):
        agent = signal_path.service_fqdn(names.collector_service(names.COLLECTOR_AGENT), NAMESPACE)
        assert obj["spec"]["exporter"]["endpoint"] == f"http://{agent}:4318"


def test_docs_annotation_names_the_instrumentation_namespace():
    from tests.conftest import ROOT

    readme = (ROOT / "docs" / "outputs" / "otel-collector.md").read_text()
    ref = signal_path.instrumentation_ref("monitoring", "obsgen-java")
    assert f'instrumentation.opentelemetry.io/inject-java: "{ref}"' in readme
    assert "inject-<language>: obsgen-<language>" not in readme


def test_docs_show_the_signal_path_as_declared():
    from tests.conftest import ROOT

    readme = (ROOT / "docs" / "outputs" / "otel-collector.md").read_text()
    start, end = "<!-- signal-path:start -->\n", "<!-- signal-path:end -->"
    assert readme[readme.index(start) + len(start):readme.index(end)] == signal_path.markdown()
