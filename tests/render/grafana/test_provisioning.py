"""Datasources wired for correlation, from the Platform; the dashboard provider."""

from __future__ import annotations

import json
import shutil

import yaml

from obsgen import names, pipeline
from tests.conftest import EXAMPLES


def _datasources(files) -> dict[str, dict]:
    doc = yaml.safe_load(files["dashboards/provisioning/datasources.yaml"])
    return {d["type"]: d for d in doc["datasources"]}


def test_urls_and_uids_come_from_the_platform(example_files):
    ds = _datasources(example_files)
    assert ds["prometheus"]["url"] == "http://prometheus.monitoring:9090"
    assert ds["loki"]["url"] == "http://loki.monitoring:3100"
    # the Platform's tempo endpoint is OTLP ingest (4317); Grafana queries Tempo's HTTP API
    assert ds["tempo"]["url"] == "http://tempo.monitoring:3200"
    assert {d["uid"] for d in ds.values()} == {"prometheus", "loki", "tempo"}


def test_correlations(example_files):
    ds = _datasources(example_files)
    assert ds["prometheus"]["jsonData"]["exemplarTraceIdDestinations"] == [
        {"name": names.TRACE_ID, "datasourceUid": "tempo"}]
    derived = ds["loki"]["jsonData"]["derivedFields"]
    assert {d["matcherType"] for d in derived} == {"regex", "label"}
    assert all(d["datasourceUid"] == "tempo" and d["url"] == "$${__value.raw}" for d in derived)
    tempo = ds["tempo"]["jsonData"]
    assert tempo["tracesToLogsV2"]["datasourceUid"] == "loki" and tempo["tracesToLogsV2"]["filterByTraceID"]
    assert tempo["tracesToMetrics"]["datasourceUid"] == "prometheus"
    assert any(names.SPAN_CALLS in q["query"] for q in tempo["tracesToMetrics"]["queries"])
    assert tempo["serviceMap"] == {"datasourceUid": "prometheus"} and tempo["nodeGraph"] == {"enabled": True}


def test_every_dollar_is_doubled_so_grafana_does_not_expand_it(example_files):
    text = example_files["dashboards/provisioning/datasources.yaml"]
    assert "$" in text and "$" not in text.replace("$$", "")


def test_custom_uids_and_tempo_query_url(tmp_path):
    specs = tmp_path / "specs"
    shutil.copytree(EXAMPLES, specs)
    platform = specs / "platform.yaml"
    platform.write_text(platform.read_text()
                        .replace("datasources: {prometheus: prometheus, loki: loki, tempo: tempo}",
                                 "datasources: {prometheus: mimir, loki: logs, tempo: traces}")
                        .replace("    alertmanager: http://alertmanager.monitoring:9093\n",
                                 "    alertmanager: http://alertmanager.monitoring:9093\n"
                                 "    tempo_query: https://tempo-query.example.com\n"))
    files = pipeline.run(specs).files
    ds = _datasources(files)
    assert ds["tempo"]["url"] == "https://tempo-query.example.com" and ds["tempo"]["uid"] == "traces"
    assert ds["loki"]["jsonData"]["derivedFields"][0]["datasourceUid"] == "traces"
    checkout = json.loads(files["dashboards/checkout.json"])
    defaults = {v["name"]: v["current"]["value"] for v in checkout["templating"]["list"] if v["type"] == "datasource"}
    assert defaults == {"prometheus": "mimir", "loki": "logs", "tempo": "traces"}


def test_the_provider_reads_the_dashboards_folder(example_files):
    provider = yaml.safe_load(example_files["dashboards/provisioning/dashboards.yaml"])["providers"][0]
    assert provider["type"] == "file" and provider["options"]["path"]
