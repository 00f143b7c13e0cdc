"""`obsgen lint` against a real Prometheus on loopback holding synthetic series: each mistake the
linter exists for is found at its file and line, and the correct SLIs beside them are silent."""

from __future__ import annotations

import json
import textwrap
import time

import pytest

from tests import builders
from tests.conftest import run_obsgen
from tests.live.prom import openmetrics, prometheus

TEAM = """\
apiVersion: obsgen/v1
kind: Team
metadata: {name: shop}
spec: {slack: {channel: "#shop", api_url_file: /etc/alertmanager/secrets/slack/url}}
"""

CORRECT = """\
    - name: requests
      objective: 99
      sli:
        events:
          error_query: sum(rate(http_requests_total{job="shop",code=~"5.."}[{{window}}]))
          total_query: sum(rate(http_requests_total{job="shop"}[{{window}}]))
    - name: latency
      objective: 99
      sli:
        latency: {histogram: http_request_duration_seconds, selector: {job: shop}, threshold: 250ms}
    - name: orders
      objective: 99
      sli:
        spans: {span_name: POST /orders, kind: server}
"""

BROKEN = """\
    - name: latency-off
      objective: 99
      sli:
        latency: {histogram: http_request_duration_seconds, selector: {job: shop}, threshold: 237ms}
    - name: metric-typo
      objective: 99
      sli:
        events:
          error_query: sum(rate(http_request_total{job="shop",code=~"5.."}[{{window}}]))
          total_query: sum(rate(http_request_total{job="shop"}[{{window}}]))
    - name: value-typo
      objective: 99
      sli:
        events:
          error_query: sum(rate(jobs_total{job="shop",result="failre"}[{{window}}]))
          total_query: sum(rate(jobs_total{job="shop"}[{{window}}]))
    - name: label-typo
      objective: 99
      sli:
        events:
          error_query: sum(rate(http_requests_total{job="shop",cdoe=~"5.."}[{{window}}]))
          total_query: sum(rate(http_requests_total{job="shop"}[{{window}}]))
    - name: no-errors
      objective: 99
      sli:
        events:
          error_query: sum(rate(logins_total{job="shop",code=~"5.."}[{{window}}]))
          total_query: sum(rate(logins_total{job="shop"}[{{window}}]))
    - name: order-typo
      objective: 99
      sli:
        spans: {span_name: POST /order, kind: server}
"""

SPAN = 'traces_span_metrics_calls_total{service_name="shop",span_name="POST /orders",span_kind="SPAN_KIND_SERVER"'
SERIES = {
    'http_requests_total{job="shop",code="200"}': 990, 'http_requests_total{job="shop",code="500"}': 10,
    **{f'http_request_duration_seconds_bucket{{job="shop",le="{le}"}}': n
       for le, n in (("0.1", 500), ("0.25", 900), ("0.5", 990), ("+Inf", 1000))},
    'http_request_duration_seconds_count{job="shop"}': 1000,
    'jobs_total{job="shop",result="success"}': 100, 'jobs_total{job="shop",result="failure"}': 1,
    'logins_total{job="shop",code="200"}': 50,
    SPAN + ',status_code="STATUS_CODE_OK"}': 100, SPAN + ',status_code="STATUS_CODE_ERROR"}': 1,
}


def service(slos: str, extra: str = "") -> str:
    return f"""\
---
apiVersion: obsgen/v1
kind: Service
metadata: {{name: shop, team: shop, tier: 3}}
spec:
{extra}  slos:
{slos}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("prometheus")
    now = int(time.time()) // 60 * 60
    with prometheus(directory, openmetrics(SERIES, now - 50 * 60, now - 60)) as url:
        yield url


def _specs(tmp_path, name: str, text: str):
    return builders.write_files(tmp_path / name, {"shop.yaml": TEAM + text})


def _line(path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_correct_slis_pass(server, tmp_path):
    specs = _specs(tmp_path, "clean", service(CORRECT))
    done = run_obsgen("lint", "--url", server, str(specs))
    assert done.returncode == 0, done.stderr + done.stdout
    assert "0 error(s), 0 warning(s)" in done.stdout


def test_each_mistake_is_found_at_its_line(server, tmp_path):
    specs = _specs(tmp_path, "broken", service(CORRECT + BROKEN))
    done = run_obsgen("lint", "--url", server, "--format", "json", str(specs))
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    found = {(f["slo"], f["severity"], f["check"]): f for f in report["findings"]}
    assert set(found) == {
        ("shop-latency-off", "error", "no-bucket"),
        ("shop-metric-typo", "error", "missing-metric"),
        ("shop-value-typo", "error", "no-matching-value"),
        ("shop-label-typo", "error", "missing-label"),
        ("shop-no-errors", "warning", "no-error-series"),
        ("shop-order-typo", "error", "no-matching-value"),
    }
    path = specs / "shop.yaml"
    for (slo, _, _), finding in found.items():
        name = slo.removeprefix("shop-")
        assert finding["file"] == str(path)
        # the SLI's kind key, the line after `sli:` under the SLO's name
        assert finding["line"] == _line(path, f"- name: {name}") + 3, finding
    assert "buckets: 0.1, 0.25, 0.5, +Inf" in found["shop-latency-off", "error", "no-bucket"]["message"]
    assert "did you mean 'http_requests_total'" in found["shop-metric-typo", "error", "missing-metric"]["message"]
    assert "did you mean 'failure'" in found["shop-value-typo", "error", "no-matching-value"]["message"]
    assert "did you mean 'code'" in found["shop-label-typo", "error", "missing-label"]["message"]
    assert "did you mean 'POST /orders'" in found["shop-order-typo", "error", "no-matching-value"]["message"]
    # series read: the total's 2 and the error selector's 1; the count and the bucket at the threshold
    assert report["series"]["shop-requests"] == 3 and report["series"]["shop-latency"] == 2


def test_text_output_is_file_line_slo_problem(server, tmp_path):
    specs = _specs(tmp_path, "text", service(BROKEN))
    done = run_obsgen("lint", "--url", server, str(specs))
    assert done.returncode == 1
    path = specs / "shop.yaml"
    line = _line(path, "- name: latency-off") + 3
    assert f"error: {path}:{line}: shop-latency-off: no bucket at le=\"0.237\"" in done.stderr
    assert "Traceback" not in done.stderr


def test_cardinality_over_the_limit_warns(server, tmp_path):
    specs = _specs(tmp_path, "many", service(CORRECT))
    done = run_obsgen("lint", "--url", server, "--max-series", "2", "--format", "json", str(specs))
    assert done.returncode == 0  # a warning does not fail
    found = {(f["slo"], f["check"]) for f in json.loads(done.stdout)["findings"]}
    assert found == {("shop-requests", "cardinality"), ("shop-orders", "cardinality")}  # 3 each; latency 2


SHARED = """\
---
apiVersion: obsgen/v1
kind: Platform
spec:
  environments: [staging, production]
  metrics: {mode: shared}
"""


def test_shared_mode_checks_each_environment(tmp_path_factory, tmp_path):
    directory = tmp_path_factory.mktemp("shared")
    now = int(time.time()) // 60 * 60
    series = {'http_requests_total{job="shop",code="200",environment="production"}': 100,
              'http_requests_total{job="shop",code="500",environment="production"}': 1}
    slo = textwrap.indent(CORRECT.split("    - name: latency")[0], "")
    specs = _specs(tmp_path, "shared", SHARED + service(slo, "  environments: [staging, production]\n"))
    with prometheus(directory, openmetrics(series, now - 50 * 60, now - 60)) as url:
        done = run_obsgen("lint", "--url", url, "--format", "json", str(specs))
    assert done.returncode == 1, done.stderr
    (finding,) = json.loads(done.stdout)["findings"]
    assert finding["check"] == "missing-environment"
    assert "environment(s) staging (it does in production)" in finding["message"]
