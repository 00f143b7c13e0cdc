"""Shared metrics mode end to end: per-cluster output unchanged, every generated expression keeps
the environment label, and the shared-store scenarios pass in promtool and catch rules that mix
environments."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from obsgen import pipeline, promql
from obsgen.errors import SpecErrors
from obsgen.output import encode
from obsgen.plan import environments
from obsgen.render import prometheus_rules, promtool_tests
from tests.builders import promtool_scenarios, service
from tests.builders import write_specs as write
from tests.conftest import EXAMPLES, ROOT


def examples(tmp_path, metrics: str):
    """The bundled examples with `metrics:` set in their Platform."""
    spec_dir = tmp_path / "slos"
    shutil.copytree(EXAMPLES, spec_dir)
    platform = spec_dir / "platform.yaml"
    platform.write_text(platform.read_text() + f"  metrics: {metrics}\n")
    return spec_dir


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    spec_dir = examples(tmp_path_factory.mktemp("shared"), "{mode: shared}")
    run = pipeline.run(spec_dir)  # the plan and the files of one run (no cache: its plan is compiled)
    assert run.plan is not None
    return run.plan, run.files


def test_per_cluster_output_is_byte_identical_to_the_committed_examples(tmp_path, example_files):
    explicit = pipeline.run(examples(tmp_path, "{mode: per-cluster, rulers: []}")).files
    assert explicit == example_files
    for path, text in example_files.items():
        assert (ROOT / path).read_text(encoding="utf-8") == text, path


def _clock_filters() -> list[str]:
    """The period roll-ups' clock filters, as the renderer writes them: `x and on () (<time() only>)`
    keeps x's series (environment included) whole or drops them all, so it joins nothing; so does
    `x and on (obsgen_hour_parity) (<this hour's parity, from time() only>)` for each of x's series."""
    from obsgen import names
    from obsgen.render import rollups as rules

    # the current hour's parity (a selector-free vector) keeps or drops each roll-up series whole too
    this_parity = [rules.IN_THIS_PARITY,
                   *(f" {op} on ({names.HOUR_PARITY}) ({rules.THIS_PARITY})" for op in ("and", "unless"))]
    return this_parity + [f" and on () ({cond(parity)})" for parity in names.HOUR_PARITIES
                          for cond in (rules._in_hours,)]


def _walk(expr: str):
    for clock in _clock_filters():
        expr = expr.replace(clock, "")
    found = []
    promql.promql_parser.walk(promql.parse(expr), lambda node: found.append(node))
    return found


META = {"slo:objective:ratio", "slo:error_budget:ratio", "slo:time_period:days", "sloth_slo_info"}


def test_every_generated_expression_keeps_the_environment(shared):
    _plan, files = shared
    assert keeps_the_environment(files) > 100


def keeps_the_environment(files: dict[str, str]) -> int:
    """Assert that every rule under alerts/rules/ keeps the environment label; the number checked."""
    checked = 0
    for path, text in files.items():
        if not path.startswith("alerts/rules/"):
            continue
        for group in yaml.safe_load(text)["groups"]:
            for rule in group["rules"]:
                nodes = _walk(rule["expr"])
                calls = [n.func.name for n in nodes if type(n).__name__ == "Call"]
                if rule.get("record") in META:  # constants no alert joins on
                    continue
                assert "vector" not in calls and "scalar" not in calls, rule
                for node in nodes:
                    kind = type(node).__name__
                    if kind == "AggregateExpr" and node.modifier is not None:
                        has = "environment" in node.modifier.labels
                        assert has != str(node.modifier.type).endswith("Without"), rule
                    elif kind == "AggregateExpr":
                        pytest.fail(f"aggregation without grouping in {rule}")
                    if kind == "BinaryExpr" and node.modifier is not None and node.modifier.matching is not None:
                        assert "environment" in node.modifier.matching.labels, rule
                    if kind == "VectorSelector" and not node.name.startswith("slo:"):
                        assert "environment" in [m.name for m in node.matchers.matchers], rule
                if "alert" in rule and rule["labels"].get("sloth_severity") == "page":
                    assert 'environment="production"' in rule["expr"], rule
                checked += 1
    return checked


def test_meta_rules_stay_label_less_and_no_alert_reads_them(shared):
    _plan, files = shared
    text = "".join(t for p, t in files.items() if p.startswith("alerts/rules/"))
    for name in META:
        assert text.count(f"record: {name}") == 8  # one per SLO
        assert text.count(name) == 8  # written, never read


@pytest.fixture(scope="module")
def shared_out(tmp_path_factory, shared):
    _plan, files = shared
    out = tmp_path_factory.mktemp("shared-out")
    for path, text in files.items():
        if path.startswith("alerts/"):
            (out / path).parent.mkdir(parents=True, exist_ok=True)
            (out / path).write_text(text)
    return out


def _promtool(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(["promtool", *args], cwd=cwd, capture_output=True, text=True)


def test_shared_rules_lint_clean_and_every_scenario_passes(promtool, shared_out):
    rules = sorted(str(p) for p in (shared_out / "alerts/rules").glob("*.yaml"))
    result = _promtool("check", "rules", "--lint=all", "--lint-fatal", *rules, cwd=shared_out)
    assert result.returncode == 0, result.stdout + result.stderr
    tests = sorted((shared_out / "alerts/tests").glob("*.yaml"))
    # every scenario, each with only the rules it reads (builders.promtool_scenarios: the same
    # verdicts; most of the cost was the health files' 3-day step scenarios at 1m beside every rule)
    results = promtool_scenarios(shared_out, [t.relative_to(shared_out).as_posix() for t in tests])
    for result in results:
        assert result.ok, f"{result.command[-1]}: {result.output[-3000:]}"
    text = "".join(t.read_text() for t in tests)
    assert "a staging outage beside a healthy production opens no production alert" in text
    assert "a production outage pages with environment=\"production\" on the alert" in text
    assert "zero traffic in staging records no NaN in any environment" in text


def _shared_store_tests(plan) -> str:
    """checkout's test file with only the shared-store scenarios (the others run above)."""
    doc = dict(promtool_tests.render(plan)["alerts/tests/checkout.test.yaml"].data)
    doc["tests"] = [t for t in doc["tests"] if "shared store" in t["name"]]
    assert len(doc["tests"]) == 9
    return yaml.safe_dump(doc)


STAGING_OUTAGE = "checkout-availability: shared store: a staging outage beside a healthy production"
STAGING_IDLE = "checkout-availability: shared store: zero traffic in staging records no NaN"


def _failing_checkout_tests(plan, tmp_path, catcher: str):
    """checkout's rules rendered with the monkeypatched (broken) renderer, run against the real
    shared-store scenario named `catcher` (the one whose failure the test asserts: the other
    shared-store scenarios pass on each of these renderers, so they prove nothing about it):
    promtool must fail; returns the result and its failed expressions."""
    broken = encode.text(prometheus_rules.render(plan)["alerts/rules/checkout.rules.yaml"])
    for sub in ("rules", "tests"):
        (tmp_path / sub).mkdir()
    (tmp_path / "rules/checkout.rules.yaml").write_text(broken)
    (tmp_path / "tests/checkout.test.yaml").write_text(_shared_store_tests(plan))
    # each scenario with only the (broken) rules it reads: fewer rules to evaluate, the same verdicts
    [result] = promtool_scenarios(tmp_path, ["tests/checkout.test.yaml"], keep=lambda name: name.startswith(catcher))
    assert not result.ok and "FAILED" in result.output, result.output
    return result, result.output.split("    expr: ")[1:]


def test_the_scenarios_catch_rules_that_mix_environments(promtool, shared, shared_out, monkeypatch, tmp_path):
    """Rules written as per-cluster rules (joins on (), pages on every environment) fail the
    shared-store scenarios."""
    plan, _files = shared
    checkout = next(s for s in plan.services if s.name == "checkout")
    monkeypatch.setattr(prometheus_rules, "join_labels", lambda scope: "")
    monkeypatch.setattr(prometheus_rules, "alert_matchers", lambda scope, severity: {})
    assert checkout.slos
    result, failed = _failing_checkout_tests(plan, tmp_path, STAGING_OUTAGE)
    assert any("sloth_severity" in b and "page" in b and "exp: {} 0E+00" in b and "got: {} 2E+00" in b
               for b in failed), result.output  # staging paged



def test_a_join_on_nothing_loses_an_environment(promtool, shared, monkeypatch, tmp_path):
    """`or on ()` alone: production, which never had an error series, records no ratio while
    staging fails."""
    plan, _files = shared
    monkeypatch.setattr(prometheus_rules, "join_labels", lambda scope: "")
    result, failed = _failing_checkout_tests(plan, tmp_path, STAGING_OUTAGE)
    assert any("ratio_rate5m" in b and "production" in b and "got: nil" in b for b in failed), result.output


STAGING_ONLY = """apiVersion: obsgen/v1
kind: Platform
spec:
  metrics: {mode: shared}
"""


def test_a_service_listed_only_in_staging_never_pages(promtool, tmp_path):
    slos = ("    - name: availability\n      objective: 99.9\n      sli:\n        events:\n"
            '          error_query: sum(rate(x{code="500"}[{{window}}]))\n'
            "          total_query: sum(rate(x[{{window}}]))\n")
    spec = service("stg", slos).replace("spec:\n  slos:", "spec:\n  environments: [staging]\n  slos:")
    files = pipeline.run(write(tmp_path, {"platform.yaml": STAGING_ONLY, "stg.yaml": spec})).files
    for path in ("alerts/rules/stg.rules.yaml", "alerts/tests/stg.test.yaml"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(files[path])
    assert "a service listed only in staging never pages" in files["alerts/tests/stg.test.yaml"]
    assert 'environment="staging"' in files["alerts/rules/stg.rules.yaml"]
    [result] = promtool_scenarios(tmp_path, ["alerts/tests/stg.test.yaml"])  # each with the rules it reads
    assert result.ok, result.output


def test_scope_is_none_per_cluster(example_plan):
    assert example_plan.metrics == environments.MetricsPlan()
    assert all(slo.environment is None for s in example_plan.services for slo in s.slos)


HOSTILE_PLATFORM = """apiVersion: obsgen/v1
kind: Platform
spec:
  environments: [dev, qa-1, production]
  environment_label: env
  metrics: {mode: shared}
"""

HOSTILE_SLOS = r"""    - name: availability
      objective: 99.9
      alerting: {style: sloth}
      sli:
        events:
          error_query: 'sum by (job) (rate(x{job="a\"b\\c",path="/r/{{window}}",code=~"5.."}[{{window}}]))'
          total_query: 'sum(rate(x{job="a\"b\\c",path="/r/{{window}}"}[{{window}}])) by (job)'
    - name: ratio
      objective: 99
      sli:
        raw:
          error_ratio_query: |
            # errors over everything, é
            sum(rate(y{code="500"}[{{window}}])) / on () group_left sum(rate(y[{{window}}]))
"""


def test_custom_label_sloth_style_and_hostile_text_pass_promtool(promtool, tmp_path):
    spec = service("odd", HOSTILE_SLOS).replace("spec:\n  slos:", "spec:\n  environments: [qa-1, production]\n  slos:")
    files = pipeline.run(write(tmp_path, {"platform.yaml": HOSTILE_PLATFORM, "odd.yaml": spec})).files
    rules, tests = files["alerts/rules/odd.rules.yaml"], files["alerts/tests/odd.test.yaml"]
    assert ('sum by (job, env) (rate(x{job="a\\"b\\\\c",path="/r/{{window}}",code=~"5..",'
            'env=~"production|qa-1"}[5m]))') in rules
    assert "/ on (env) group_left () sum by (env)" in rules and "or on (env)" in rules
    # the label is env; `var-environment` is the dashboard's variable, which alert links set from $labels.env
    assert 'env="production"' in rules and "environment" not in rules.replace("var-environment", "")
    assert "{{ with (or $labels.env $externalLabels.env) }}&var-environment=" in rules
    assert "shared store: a qa-1 outage beside a healthy production" in tests
    for path in ("alerts/rules/odd.rules.yaml", "alerts/tests/odd.test.yaml"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(files[path])
    result = _promtool("check", "rules", "--lint=all", "--lint-fatal", "alerts/rules/odd.rules.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    [result] = promtool_scenarios(tmp_path, ["alerts/tests/odd.test.yaml"])  # each with the rules it reads
    assert result.ok, result.output


def test_the_environment_label_cannot_be_set_by_slo_labels(tmp_path):
    slos = ("    - name: a\n      objective: 99\n      labels: {environment: production}\n      sli:\n"
            "        latency: {histogram: h, threshold: 1s}\n")
    spec_dir = write(tmp_path, {"platform.yaml": STAGING_ONLY, "svc.yaml": service("svc", slos)})
    with pytest.raises(SpecErrors, match=r"svc.yaml:\d+: slos\[0\].labels.environment: 'environment' is the "):
        pipeline.run(spec_dir, compile=False)


def test_the_zero_traffic_scenario_catches_nan(promtool, shared, monkeypatch, tmp_path):
    """A plain division records NaN for the idle environment: the scenario fails on it."""
    plan, _files = shared
    monkeypatch.setattr(prometheus_rules, "_ratio", lambda errors, total: f"{errors} / {total}")
    result, failed = _failing_checkout_tests(plan, tmp_path, STAGING_IDLE)
    assert any("!=" in b and "exp: {} 0E+00" in b for b in failed), result.output
