"""verify/seams.py: the generated files agree with each other, and each seam broken by hand in a
generated tree fails `obsgen test` (the verifier it runs, and once through the CLI itself)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from obsgen import names, signal_path
from obsgen.render.grafana import secrets as grafana_secrets
from obsgen.verify import VERIFIERS, seams
from tests.conftest import run_obsgen

CHECKOUT = "dashboards/checkout.json"
CHECKOUT_CM = "k8s/base/grafana/obsgen-dashboard-service-checkout.yaml"


def _results(out: Path) -> dict[str, object]:
    """What `obsgen test` runs for the seams, by check name."""
    return {r.command[1]: r for r in VERIFIERS["seams"](out)}


def _problems(out: Path, check: str) -> str:
    result = _results(out)[check]
    assert not result.ok, f"{check} did not catch the broken seam"
    return result.output


def _replace(out: Path, pattern: str, new: str, paths: list[str]) -> None:
    for rel in paths:
        file = out / rel
        text = file.read_text()
        changed = text.replace(pattern, new)
        assert changed != text, (rel, pattern)
        file.write_text(changed)


def _files(out: Path, glob: str) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.glob(glob))


def test_obsgen_test_runs_the_seams():
    assert "seams" in VERIFIERS


def test_the_examples_pass_every_seam(generated):
    results = _results(generated)
    assert set(results) == set(seams.CHECKS)
    assert all(r.ok for r in results.values()), "\n".join(r.output for r in results.values() if not r.ok)


# --- metrics ----------------------------------------------------------------------------------


def test_a_connector_renamed_leaves_the_red_panels_reading_nothing(generated):
    """The span metrics' names follow the connector's namespace: change it and the dashboards and
    the spans SLIs read series no pipeline produces."""
    gateways = _files(generated, "otel/*/gateway.yaml") + _files(generated, "k8s/overlays/*/otel/obsgen-gateway.yaml")
    gateways = [p for p in gateways if "span_metrics:" in (generated / p).read_text()]
    assert len(gateways) == 4  # staging and production: dev runs no service with span metrics
    for rel in gateways:
        text = (generated / rel).read_text()
        (generated / rel).write_text(re.sub(rf"namespace: {re.escape(names.SPAN_METRICS_NAMESPACE)}\n",
                                            "namespace: spans\n", text))
    assert _results(generated)["metrics"].ok is False
    problems = _problems(generated, "metrics")
    assert f"{CHECKOUT}: panel 'Request rate'" in problems and names.SPAN_CALLS in problems
    assert "spans_calls_total" in problems  # what the pipeline does produce now


def test_a_dashboard_reading_a_metric_nobody_provides_fails(generated):
    _replace(generated, names.CONTAINER_MEMORY, "container_memory_working_set", [CHECKOUT])
    problems = _problems(generated, "metrics")
    assert "reads container_memory_working_set, which no rule records" in problems


def test_a_rule_reading_a_series_no_rule_records_fails(generated):
    _replace(generated, "slo:sli_error:ratio_rate1h{", "slo:sli_error:ratio_rate_1h{",
             ["alerts/rules/checkout.rules.yaml"])
    assert "reads slo:sli_error:ratio_rate_1h" in _problems(generated, "metrics")


def test_raw_metrics_count_only_where_a_spec_named_them(generated):
    """A raw metric is allowed because an SLI rule (the spec's query, copied) reads it: remove it
    there and the dashboards may not read it either."""
    text = (generated / CHECKOUT).read_text()
    panel = json.loads(text)
    target = next(t for p in panel["panels"] for t in p.get("targets", []) if "expr" in t)
    target["expr"] = 'sum(rate(http_server_request_duration_seconds_count{job="checkout"}[5m]))'
    (generated / CHECKOUT).write_text(json.dumps(panel))
    assert _results(generated)["metrics"].ok
    rules = generated / "alerts/rules/checkout.rules.yaml"
    rules.write_text(rules.read_text().replace("http_server_request_duration_seconds_count",
                                               "http_server_request_duration_seconds_total"))
    assert "reads http_server_request_duration_seconds_count" in _problems(generated, "metrics")


# --- log labels -------------------------------------------------------------------------------


def test_logs_filtered_on_a_label_loki_does_not_store_fail(generated):
    """The defect of issue 19: the collectors set deployment.environment.name, which Loki stores as
    deployment_environment_name; a filter on `environment` empties the panel."""
    _replace(generated, f"| {signal_path.LOKI_ENVIRONMENT}=~", "| environment=~", [CHECKOUT])
    problems = _problems(generated, "log-labels")
    assert f"{CHECKOUT}: panel 'Logs (trace_id links to Tempo)': filters logs on 'environment'" in problems


def test_logs_filtered_on_an_attribute_no_hop_sets_fail(generated):
    """The environment label is stored because the agents and the SDK set the attribute: with the
    agents' resource processors and the Instrumentations' attribute gone, nothing sets it."""
    attribute = f"- key: {signal_path.ENVIRONMENT}\n"
    _replace(generated, attribute, "- key: deployment.tier\n", _files(generated, "otel/*/agent.yaml"))
    for rel in _files(generated, "k8s/overlays/*/otel/obsgen-agent.yaml"):
        (generated / rel).write_text((generated / rel).read_text().replace(attribute, "- key: deployment.tier\n"))
    assert _results(generated)["log-labels"].ok  # the SDK still sets it
    _replace(generated, f"value: {signal_path.ENVIRONMENT}=", "value: deployment.tier=",
             _files(generated, "k8s/overlays/*/otel/obsgen-[jp]*.yaml"))
    assert f"filters logs on {signal_path.LOKI_ENVIRONMENT!r}" in _problems(generated, "log-labels")


def test_logql_labels_reads_stream_and_label_filter_stages_only():
    expr = '{service_name="a|b", k8s_pod_name=~"x"} |= "level=error" | json | lvl="x|y" | line_format "{{ .a }}"'
    assert seams.logql_labels(expr) == {"service_name", "k8s_pod_name", "lvl"}


def test_logql_labels_reads_a_selector_whose_values_hold_braces_and_matchers():
    """The stream selector ends at the first `}` outside a string: user text in a value (the hostile
    set's service name holds `}`, `|Runbook>` and `x="`) is not read as labels."""
    expr = ('{service_name="a}b |Runbook> x=\\"y\\" `t`", job=~"j"} |= "p | q=\\"1\\"" '
            '| deployment_environment_name=~"$environment" | line_format "{{ .x }}"')
    assert seams.logql_labels(expr) == {"service_name", "job", "deployment_environment_name"}
    assert seams.stream_labels(expr) == {"service_name", "job"}


# --- dashboard urls ---------------------------------------------------------------------------


def test_an_alert_linking_a_dashboard_no_configmap_deploys_fails(generated):
    (generated / CHECKOUT_CM).unlink()
    problems = _problems(generated, "dashboard-urls")
    assert "alerts/rules/checkout.rules.yaml: alert " in problems
    assert "k8s/base/prometheus/checkout.yaml: alert " in problems


def test_a_prometheus_rule_object_linking_a_wrong_uid_fails(generated):
    _replace(generated, "/d/obsgen-checkout/", "/d/obsgen-checkout-old/", ["k8s/base/prometheus/checkout.yaml"])
    problems = _problems(generated, "dashboard-urls")
    assert "k8s/base/prometheus/checkout.yaml" in problems and "alerts/rules/" not in problems


# --- components -------------------------------------------------------------------------------


def test_a_collector_object_running_a_distribution_without_its_components_fails(generated):
    gateway = "k8s/overlays/production/otel/obsgen-gateway.yaml"
    _replace(generated, "image: otel/opentelemetry-collector-contrib:", "image: otel/opentelemetry-collector:",
             [gateway])
    problems = _problems(generated, "components")
    assert f"{gateway}: runs core (otel/opentelemetry-collector), but otel/production/gateway.yaml was written " \
           "for otelcol-contrib" in problems
    assert re.search(r"processor tail_sampling is not in the core distribution", problems)


# --- endpoints --------------------------------------------------------------------------------


def test_fully_qualified_collector_endpoints_pass(generated):
    assert _results(generated)["endpoints"].ok, _results(generated)["endpoints"].output


@pytest.mark.parametrize(("endpoint", "problem"), [
    ("http://obsgen-agent-collector:4318", "resolves only in the Instrumentation's own namespace"),
    ("http://obsgen-agent-collector.observability.svc.cluster.local:4318",
     "no collector Service obsgen-agent-collector in namespace observability"),
    ("http://obsgen-agent-collector.monitoring.svc.cluster.local:9999", "listens for OTLP on [4317, 4318], not 9999"),
])
def test_an_endpoint_apps_cannot_reach_fails(generated, endpoint, problem):
    java = "k8s/overlays/production/otel/obsgen-java.yaml"
    text = (generated / java).read_text()
    (generated / java).write_text(re.sub(r"endpoint: \S+\n", f"endpoint: {endpoint}\n", text, count=1))
    problems = _problems(generated, "endpoints")
    assert java in problems and problem in problems


# --- through the CLI ----------------------------------------------------------------------------


def test_obsgen_test_fails_on_a_broken_seam(generated, examples_tested):
    """The run replays promtool's results from the committed output's `obsgen test` (the same rule
    and test bytes: generated is the bundled examples); what differs, a dashboard, is checked again."""
    _replace(generated, f"| {signal_path.LOKI_ENVIRONMENT}=~", "| environment=~", [CHECKOUT])
    result = run_obsgen("test", "--out", str(generated), env=examples_tested.cache_for(generated))
    assert result.returncode == 1
    assert "FAILED: log-labels ." in result.stdout and "ok: metrics ." in result.stdout
    assert "filters logs on 'environment'" in result.stderr


# --- labels -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_files(tmp_path_factory) -> dict[str, str]:
    """The bundled examples in shared metrics mode (one store for every environment)."""
    from obsgen import pipeline
    from tests.render.test_shared_mode import examples

    return pipeline.run(examples(tmp_path_factory.mktemp("shared"), "{mode: shared}")).files


@pytest.fixture
def shared(tmp_path, shared_files) -> Path:
    from obsgen.output.writer import write_tree

    write_tree(tmp_path, shared_files)
    return tmp_path


def test_shared_mode_passes_every_seam(shared):
    results = _results(shared)
    assert all(r.ok for r in results.values()), "\n".join(r.output for r in results.values() if not r.ok)


def test_shared_mode_span_metrics_carry_the_environment_label_the_queries_select(shared):
    """The defect: in one store for every cluster, the dashboards and the spans SLIs select span
    metrics by environment, but nothing on the collectors' metrics path set that label."""
    assert seams.span_metric_labels(seams.load(shared))[names.SPAN_CALLS] >= {
        names.ENVIRONMENT, names.SPAN_SERVICE, names.SPAN_NAME}
    gateways = _files(shared, "otel/*/gateway.yaml") + _files(shared, "k8s/overlays/*/otel/obsgen-gateway.yaml")
    for rel in gateways:
        text = (shared / rel).read_text()
        changed = text.replace('datapoint.attributes["environment"]', 'datapoint.attributes["env"]')
        assert changed != text, rel
        (shared / rel).write_text(changed)
    problems = _problems(shared, "labels")
    assert f"{CHECKOUT}: panel 'Request rate'" in problems
    assert f"selects {names.SPAN_CALLS} on 'environment'" in problems
    assert "alerts/rules/checkout.rules.yaml" in problems  # the spans SLI rules too


def test_a_dashboard_selecting_a_label_the_recording_rules_do_not_write_fails(generated):
    """Recorded series carry the rule's labels and what its expression keeps: the SLO panels select
    on sloth_slo, which the rules write; with the rules writing it under another name, they fail."""
    rules = "alerts/rules/checkout.rules.yaml"
    _replace(generated, "      sloth_slo: ", "      slo_name: ", [rules])
    problems = _problems(generated, "labels")
    assert f"{CHECKOUT}: panel 'SLI now vs objective' target A: selects slo:sli_error:ratio_rate5m on 'sloth_slo'" \
        in problems


def test_a_rule_grouping_by_a_label_its_input_lost_fails(generated):
    """`by` labels are checked against what the aggregated expression carries: a burn-rate rule
    grouping by a label the recorded ratios never had fails, as its output would lack it."""
    rules = "alerts/rules/checkout.rules.yaml"
    text = (generated / rules).read_text()
    expr = 'expr: slo:sli_error:rate5m{sloth_id="checkout-availability"} / '
    assert expr in text
    (generated / rules).write_text(text.replace(expr, 'expr: sum by (pod) (slo:sli_error:rate5m{sloth_id="checkout-'
                                                      'availability"}) / ', 1))
    assert "slo:sli_error:ratio_rate5m: groups sum by 'pod'" in _problems(generated, "labels")


def test_a_workload_join_on_a_label_kube_state_metrics_does_not_write_fails(generated):
    _replace(generated, 'owner_name=~\\"checkout\\"', 'owner=~\\"checkout\\"', [CHECKOUT])
    problems = _problems(generated, "labels")
    assert f"selects {names.KUBE_POD_OWNER} on 'owner'" in problems
    assert f"selects {names.KUBE_REPLICASET_OWNER} on 'owner'" in problems


def test_span_metrics_selected_on_a_dimension_the_connector_lacks_fail(generated):
    """The connector's dimensions are the span metrics' labels: a panel selecting http_route,
    which no gateway configures as a dimension, reads nothing."""
    _replace(generated, 'span_kind=\\"SPAN_KIND_SERVER\\"', 'http_route=\\"/\\"', [CHECKOUT])
    assert f"selects {names.SPAN_CALLS} on 'http_route'" in _problems(generated, "labels")


def test_logs_stream_selector_on_structured_metadata_fails(generated):
    """Loki keeps deployment_environment_name as structured metadata: inside the stream selector it
    matches no stream, so the panel is empty, though Loki stores the name."""
    _replace(generated, '{service_name=\\"checkout\\"} | deployment_environment_name=~\\"$environment\\"',
             '{service_name=\\"checkout\\", deployment_environment_name=~\\"$environment\\"}', [CHECKOUT])
    problems = _problems(generated, "log-labels")
    assert "selects streams on 'deployment_environment_name', which Loki keeps as structured metadata" in problems


# --- secrets ----------------------------------------------------------------------------------


GRAFANA_CREDENTIALS = """\
    credentials:
      prometheus: {basic_auth: {username: grafana, password_file: /etc/grafana/secrets/mimir/password}}
      tempo: {bearer_token_file: /etc/grafana/secrets/tempo-token/token}
"""
DATASOURCES_CM = "k8s/base/grafana/obsgen-grafana-datasources.yaml"


@pytest.fixture
def with_secrets(tmp_path) -> Path:
    """The bundled examples (which name the Alertmanager resource) with an external secret store
    and credentials for two Grafana datasources."""
    import shutil

    from obsgen import pipeline
    from obsgen.output.writer import write_tree
    from tests.conftest import EXAMPLES

    spec_dir = tmp_path / "slos"
    shutil.copytree(EXAMPLES, spec_dir)
    platform = spec_dir / "platform.yaml"
    text = platform.read_text().replace("    datasources: {prometheus: prometheus, loki: loki, tempo: tempo}\n",
                                        "    datasources: {prometheus: prometheus, loki: loki, tempo: tempo}\n"
                                        + GRAFANA_CREDENTIALS)
    platform.write_text(text + "  kubernetes: {external_secrets: {store: {name: vault}}}\n")
    write_tree(tmp_path / "out", pipeline.run(spec_dir).files)
    return tmp_path / "out"


def test_the_examples_with_synced_secrets_pass(with_secrets):
    assert _results(with_secrets)["secrets"].ok, _results(with_secrets)["secrets"].output


def test_a_secret_the_config_reads_but_the_alertmanager_resource_does_not_mount_fails(with_secrets):
    _replace(with_secrets, "  - slack-webhook\n", "", ["k8s/patches/alertmanager-resource.yaml"])
    problems = _problems(with_secrets, "secrets")
    assert "k8s/patches/alertmanager-resource.yaml: Alertmanager kube-prometheus-stack-alertmanager does " \
           "not list Secret 'slack-webhook'" in problems


def test_a_key_the_config_reads_but_no_external_secret_fetches_fails(with_secrets):
    (with_secrets / "k8s/base/secrets/smtp.yaml").unlink()
    problems = _problems(with_secrets, "secrets")
    assert "/etc/alertmanager/secrets/smtp/password" in problems and "no ExternalSecret" in problems


def test_the_datasource_credentials_are_checked(with_secrets):
    assert "$__file{/etc/grafana/secrets/mimir/password}" in (with_secrets / DATASOURCES_CM).read_text()
    assert _results(with_secrets)["secrets"].ok


def test_a_datasource_secret_the_grafana_values_do_not_mount_fails(with_secrets):
    _replace(with_secrets, "  secretName: tempo-token\n", "  secretName: tempo\n", [grafana_secrets.MOUNTS_FILE])
    problems = _problems(with_secrets, "secrets")
    assert f"{DATASOURCES_CM}: reads /etc/grafana/secrets/tempo-token/token, but {grafana_secrets.MOUNTS_FILE} " \
           "mounts no Secret 'tempo-token' at /etc/grafana/secrets/tempo-token" in problems


def test_a_datasource_secret_no_external_secret_creates_fails(with_secrets):
    (with_secrets / "k8s/base/secrets/mimir.yaml").unlink()
    problems = _problems(with_secrets, "secrets")
    assert f"{DATASOURCES_CM}: reads /etc/grafana/secrets/mimir/password, which no ExternalSecret fetches" in problems


def test_a_datasource_credential_read_from_outside_the_mounts_fails(with_secrets):
    _replace(with_secrets, "$__file{/etc/grafana/secrets/mimir/password}", "$__file{/var/secrets/mimir/password}",
             [DATASOURCES_CM])
    problems = _problems(with_secrets, "secrets")
    assert f"{DATASOURCES_CM}: reads /var/secrets/mimir/password, outside /etc/grafana/secrets/<secret>/<key>" \
           in problems


def test_a_selector_pinning_one_slo_reads_only_that_slos_rules(generated):
    """The labels check looks up the rules recording a series by the most selective label the
    selector pins: `{sloth_id=..., obsgen_hour_parity=...}` reads one SLO's rules, not the half of
    every SLO's that share the parity (at 3,000 SLOs that scan was most of the verifier)."""
    labelsets = seams.LabelSets(seams.load(generated))
    metric = names.hour_sum("error")
    rules = labelsets.rules[metric]
    ids = sorted({str(labels["sloth_id"]) for labels, _, _ in rules})
    assert len(ids) > 1
    found = labelsets._candidates(metric, {names.HOUR_PARITY: names.HOUR_PARITIES[0], "sloth_id": ids[0]})
    assert found and {str(rules[i][0]["sloth_id"]) for i in found} == {ids[0]}


def test_a_prometheus_rule_s_facts_read_what_a_whole_parse_reads(generated):
    """PrometheusRule files are parsed without their recording rules (seams._without_records): the
    facts equal a whole parse's on every generated k8s file, and on one edited by hand with a rule
    that is both a record and an alert, and with an alert's annotations taken from a cut rule by a
    YAML alias (which parses whole)."""
    from obsgen import yamlio

    cut = 0
    for path in sorted((generated / "k8s").rglob("*.yaml")):
        text = path.read_text()
        cut += seams._without_records(text) is not None
        assert seams._k8s_facts(text.encode()) == seams._objects_facts(yamlio.load_all(text)), path
    assert cut, "no PrometheusRule in obsgen's layout: the cut was not exercised"
    path = next(p for p in sorted((generated / "k8s").rglob("*.yaml")) if seams._without_records(p.read_text()))
    text = path.read_text()
    both = text.replace("\n      expr: ", "\n      alert: BothRecordAndAlert\n      expr: ", 1)  # in a record
    aliased = text.replace("\n      labels:\n", "\n      labels: &cut\n", 1).replace(
        "      annotations:\n", "      annotations: *cut\n      x-annotations:\n", 1)
    for edited in (both, aliased):
        assert edited != text
        assert seams._k8s_facts(edited.encode()) == seams._objects_facts(yamlio.load_all(edited))
    assert "BothRecordAndAlert" in json.dumps(seams._k8s_facts(both.encode()))
    with pytest.raises(yamlio.YAMLError):  # the cut alone cannot parse it: what passed was the whole parse
        yamlio.load_all(seams._without_records(aliased))
