"""Injection, per output (issue 12): the hostile spec set (tests/hardening/hostile.py) generates a
tree that every real tool loads, and every hostile value arrives unchanged where it is data, or
inert where it would be code; what a field's syntax cannot hold is rejected at file:line.

The real tools run once, in parallel, for the whole module: promtool (check rules with every lint,
test rules, plus a test of our own), amtool (check-config, route tests, every notification template
rendered with hostile alerts, the templated config fields), the Grafana checks, the collector
validator, kubectl kustomize.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from obsgen import gotemplate, names, pipeline
from obsgen.errors import SpecErrors
from obsgen.output.writer import write_tree
from obsgen.render.grafana.queries import grafana_safe
from obsgen.verify import VERIFIERS, otelcol, otelcol_confmap
from obsgen.verify.grafana import VARIABLE
from tests.builders import promtool_suites
from tests.conftest import require_tool
from tests.hardening import hostile
from tests.hardening.hostile import ATTRIBUTE, EMAIL, SMTP_FROM, TEMPLATE, TEXT, URL

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
AMTOOL_GLOB = f"--template.glob={names.ALERTMANAGER_TEMPLATE}"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    spec_dir = hostile.write(root / "slos")
    done = pipeline.run(spec_dir)
    plan, files = done.plan, done.files
    out = root / "out"
    write_tree(out, files)
    return plan, files, out, done.artifacts


@pytest.fixture(scope="module")
def verified(generated):
    """Every verifier of `obsgen test`, run at once (each runs its own processes in parallel)."""
    for tool in ("promtool", "amtool"):
        require_tool(tool)
    _, _, out, _ = generated
    with ThreadPoolExecutor(max_workers=len(VERIFIERS)) as pool:
        futures = {name: pool.submit(verifier, out) for name, verifier in VERIFIERS.items()}
        return {name: future.result() for name, future in futures.items()}


def _assert_ok(results):
    assert results, "the verifier judged nothing"
    failed = [f"{' '.join(r.command)}\n{r.output}" for r in results if not r.ok]
    assert not failed, "\n\n".join(failed)


def test_every_check_of_obsgen_test_passes(verified):
    """Every verifier, the cross-file seams included: the hostile set once failed `obsgen test`'s
    log-labels seam (the checker read the service name's `}` as the end of the stream selector)
    while the checks above, one tool each, passed."""
    for name, results in verified.items():
        _assert_ok(results)
        assert results, name


def strings(node):
    """Every string (keys too) of parsed YAML or JSON."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(key)
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def parsed(files: dict[str, str], rel: str):
    if rel.endswith(".json"):
        return json.loads(files[rel])
    return [doc for doc in yaml.load_all(files[rel], Loader=LOADER) if doc is not None]


# --- paths ---

def test_every_output_path_stays_inside_the_output_directory(generated, example_files):
    _, files, _, _ = generated
    for rel in [*files, *example_files]:
        assert rel == posixpath.normpath(rel) and not rel.startswith("/") and "\\" not in rel, rel
        assert ".." not in rel.split("/") and rel.isascii() and rel.isprintable(), rel


# --- every file parses; the hostile text is a value in each format ---

def test_every_yaml_and_json_file_loads_and_carries_the_text(generated):
    _, files, _, _ = generated
    carried = set()
    for rel in files:
        if rel.endswith((".yaml", ".json")) and TEXT in set(strings(parsed(files, rel))):
            carried.add(rel.split("/")[0])
    # recorded series' labels (rules, PrometheusRules), sampling policies (collector configs)
    assert {"alerts", "k8s"} <= carried


# --- Prometheus ---

def test_promtool_loads_and_tests_every_rule_file(verified):
    _assert_ok(verified["promtool"])


def _render(out: Path, template: str, data: Path | None = None) -> str:
    # Alertmanager runs an e-mail's html through html/template, everything else through text/template
    kind = "html" if "email.html" in template else "text"
    command = ["amtool", "template", "render", AMTOOL_GLOB, f"--template.text={template}", f"--template.type={kind}"]
    if data is not None:
        command.append(f"--template.data={data}")
    proc = subprocess.run(command, cwd=out / names.ALERTMANAGER_DIR, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _renders(out: Path, templates: dict[str, str], data: Path | None = None) -> dict[str, str]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(zip(templates, pool.map(lambda t: _render(out, t, data), templates.values()), strict=True))


def test_alert_labels_reach_prometheus_unchanged(generated, promtool):
    """The alerts' label templates, evaluated by promtool: ALERTS carries the user's exact text."""
    plan, _, out, _ = generated
    slo = next(s for svc in plan.services if svc.name == "hostile" for s in svc.slos if s.name == "overridden")
    test = yaml.safe_load((out / "alerts/tests/hostile.test.yaml").read_text())
    outage = next(t for t in test["tests"] if "overridden" in t["name"] and "total outage" in t["name"])
    # at the outage scenario's last step the fastest page fires (the slower pages need longer)
    matchers = {"alertname": slo.alerts[0].name, "sloth_severity": "page", "alertstate": "firing"}
    matchers |= {key: TEXT for key in ("note", "slo_note", "alert_note", "page_note")}
    expr = "count(ALERTS{" + ",".join(f"{k}={json.dumps(v)}" for k, v in matchers.items()) + "}) or vector(0)"
    last = max(e["eval_time"] for e in outage["promql_expr_test"])
    ours = {**test, "tests": [{**outage, "promql_expr_test": [
        {"expr": expr, "eval_time": last, "exp_samples": [{"labels": "{}", "value": 1}]}]}]}
    path = out / "alerts/tests/injection.test.yaml"
    path.write_text(json.dumps(ours))
    # as `obsgen test` runs a group: loading only its SLO's rule groups (the alert and the recording
    # rules it reads are that SLO's; the other SLOs' rules cost steps and change nothing here)
    [result] = promtool_suites(out, [path.relative_to(out).as_posix()])
    path.unlink()
    assert result.ok, result.output


def test_alert_annotations_render_back_to_the_users_text(generated, verified):
    """Go's text/template (amtool's, the engine Prometheus runs annotations through) renders every
    user annotation to exactly the user's text; the default description starts with it."""
    _, files, out, _ = generated
    rules = yaml.safe_load(files["alerts/rules/hostile.rules.yaml"])
    alerts = [r for g in rules["groups"] for r in g["rules"] if "alert" in r]
    overridden = next(a for a in alerts
                      if a["labels"]["slo"] == "overridden" and a["labels"]["sloth_severity"] == "page")
    latency = next(a for a in alerts if a["labels"]["slo"] == "latency")
    templates = {key: overridden["annotations"][key] for key in ("summary", "description", "note", "page_extra",
                                                                 "runbook_url")}
    templates["default description"] = "{{ $value := 1.5 }}" + latency["annotations"]["description"]
    rendered = _renders(out, templates)
    assert {k: rendered[k] for k in ("summary", "description", "note", "page_extra")} == dict.fromkeys(
        ("summary", "description", "note", "page_extra"), TEXT)
    assert rendered["runbook_url"] == URL
    assert rendered["default description"].startswith(TEXT + ". SLO 99% over 30d")


def test_sloth_style_templates_are_kept_as_written(generated):
    _, files, _, _ = generated
    rules = yaml.safe_load(files["alerts/rules/imported.rules.yaml"])
    alert = next(r for g in rules["groups"] for r in g["rules"] if r.get("alert") and "routing" in r["labels"])
    assert alert["labels"]["category"] == alert["labels"]["routing"] == TEMPLATE
    assert alert["annotations"]["note"] == TEMPLATE


# --- Alertmanager ---

def test_amtool_accepts_the_config_templates_and_routes(verified):
    _assert_ok(verified["amtool"])


def test_templated_config_fields_render_to_the_users_text(generated, verified):
    """Alertmanager expands an e-mail's to and from, and a Slack channel, as templates when it sends."""
    _, files, out, _ = generated
    config = yaml.safe_load(files[names.ALERTMANAGER_CONFIG])
    receivers = {r["name"]: r for r in config["receivers"]}
    email = next(r["email_configs"][0] for r in receivers.values() if "email_configs" in r)
    slack = next(r["slack_configs"][0] for r in receivers.values() if "slack_configs" in r)
    rendered = _renders(out, {"to": email["to"], "from": config["global"]["smtp_from"], "channel": slack["channel"]})
    assert rendered == {"to": EMAIL, "from": SMTP_FROM, "channel": "#t"}


def go_html_escape(text: str) -> str:
    """html/template's escaping of text in an element's content (Go's htmlReplacementTable)."""
    table = {"\0": "\ufffd", '"': "&#34;", "&": "&amp;", "'": "&#39;", "+": "&#43;", "<": "&lt;", ">": "&gt;"}
    return "".join(table.get(c, c) for c in text)


def test_notification_templates_keep_hostile_alerts_as_data(generated, verified, tmp_path):
    _, _, out, _ = generated
    alert = {"status": "firing", "labels": {"alertname": "X", "service": "hostile", "slo": "overridden",
                                            "severity": "critical", "environment": "production", "note": TEXT},
             "annotations": {"summary": TEXT, "description": TEXT, "runbook_url": URL, "dashboard_url": URL},
             "startsAt": "2026-01-01T00:00:00Z", "endsAt": "0001-01-01T00:00:00Z", "generatorURL": URL,
             "fingerprint": "0"}
    data = {"receiver": "t-chat", "status": "firing", "alerts": [alert], "groupLabels": {},
            "commonLabels": alert["labels"], "commonAnnotations": alert["annotations"], "externalURL": URL}
    path = tmp_path / "data.json"
    path.write_text(json.dumps(data))
    rendered = _renders(out, {name: '{{ template "' + name + '" . }}' for name in
                              ("obsgen.text", "obsgen.slack.text", "obsgen.email.html",
                               "obsgen.pagerduty.description")},
                        path)
    assert TEXT in rendered["obsgen.text"] and URL in rendered["obsgen.text"]
    assert TEXT in rendered["obsgen.pagerduty.description"]
    slack = rendered["obsgen.slack.text"]
    assert TEXT.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in slack
    slack_url = URL.replace("|", "%7C").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert f"<{slack_url}|Runbook>" in slack
    page = rendered["obsgen.email.html"]
    assert go_html_escape(TEXT) in page
    assert "<script>" not in page and "</script>" not in page


# --- Grafana ---

def test_grafana_checks_pass(verified):
    _assert_ok(verified["grafana"])


def test_no_grafana_variable_comes_from_user_text(generated):
    """Every `$var`, `${var}` and `[[var]]` anywhere in a dashboard is one of its variables or a
    Grafana built-in: the user's `$var`, `${env:HOME}` and `[[x]]` are inert."""
    _, files, _, _ = generated
    for rel in files:
        if not (rel.startswith("dashboards/") and rel.endswith(".json")):
            continue
        board = json.loads(files[rel])
        defined = {v["name"] for v in board.get("templating", {}).get("list", [])}
        for text in strings(board):
            for match in VARIABLE.finditer(text):
                name = next(g for g in match.groups() if g)
                assert name in defined or name.startswith("__"), f"{rel}: {match.group()} in {text!r}"


def test_grafana_shows_and_queries_the_exact_text(generated):
    _, files, _, _ = generated
    board = files["dashboards/hostile.json"]
    found = set(strings(json.loads(board)))
    # the description in the Markdown panel: HTML character references, newlines as spaces
    assert any(TEXT.replace("\n", " ") in html.unescape(t) for t in found)
    # the span name in queries: a string literal that decodes to the text, `$` and `[[` inert
    literal = grafana_safe(json.dumps(TEXT, ensure_ascii=False))
    assert any(literal in t for t in found) and json.loads(literal) == TEXT


def test_provisioning_writes_every_dollar_twice(generated):
    _, files, _, _ = generated
    text = files["dashboards/provisioning/datasources.yaml"]
    urls = [d["url"] for d in yaml.safe_load(text)["datasources"]]
    assert urls[0].replace("$$", "$") == hostile.ENDPOINT


# --- OpenTelemetry Collector ---

def test_collector_validator_accepts_every_config(verified):
    _assert_ok(verified["otelcol"])


def test_collector_sees_the_users_text_after_expansion(generated):
    _, files, _, _ = generated
    config = otelcol_confmap.expand(yaml.safe_load(files["otel/production/gateway.yaml"]))
    assert otelcol_confmap.problems(yaml.safe_load(files["otel/production/gateway.yaml"])) == []
    ottl = 'delete_key(span.attributes, "' + ATTRIBUTE.replace("\\", "\\\\").replace('"', '\\"') + '")'
    assert ottl in config["processors"]["transform/redact"]["trace_statements"]
    assert config["exporters"]["prometheus_remote_write"]["endpoint"] == hostile.ENDPOINT + "/api/v1/write"
    assert TEXT in set(strings(config["processors"]["tail_sampling"]))


def test_collector_validator_catches_an_unescaped_dollar(generated):
    _, files, _, _ = generated
    text = files["otel/production/gateway.yaml"].replace("$$", "$")
    doc = yaml.safe_load(text)
    problems = otelcol.validate(doc, *otelcol._target(text))
    assert any("${env:HOME}" in p and "write `$$`" in p for p in problems), problems


# --- Kubernetes ---

def test_kustomize_renders_every_directory(verified):
    _assert_ok(verified["kustomize"])


def test_kustomized_objects_carry_the_text(generated, kubectl):
    from tests.conftest import kustomize

    _, _, out, _ = generated
    objects = kustomize(kubectl, out / "k8s")
    assert TEXT in set(strings(objects))


# --- the preview page ---

def test_preview_page_keeps_script_out(generated):
    from obsgen.preview import page, view

    plan, _, _, built = generated
    site = page.render(view.build(plan, built))
    index = site["index.html"]
    assert "<script>alert(1)" not in index and "</script><script>" not in index


# --- what a field's syntax cannot hold is rejected at file:line ---

REJECTED = [
    ("slack channel", "team.yaml", '"#t"', '"#t\\n{{ .Receiver }}"', "team.yaml:6: slack.channel"),
    ("e-mail with a newline", "team.yaml", hostile.q(EMAIL), '"a\\n@example.com"', "team.yaml:7: email.to"),
    ("runbook with a space", "hostile.yaml", hostile.q(URL), '"https://x.example.com/a b"',
     "hostile.yaml:7: metadata.runbook"),
    ("grafana url with a query", "platform.yaml", hostile.q(hostile.GRAFANA), '"https://g.example.com/?x=1"',
     "platform.yaml:6: grafana.url"),
    ("datasource uid", "platform.yaml", "grafana: {url:", "grafana: {datasources: {prometheus: \"$ds\"}, url:",
     "platform.yaml:6: grafana.datasources.prometheus"),
    ("attribute key with RTL", "platform.yaml", hostile.q(ATTRIBUTE), '"a\\u202eb"',
     "platform.yaml:8: collector.redact_attributes[0]"),
    ("namespace", "hostile.yaml", "namespace: shop", 'namespace: "../etc"', "hostile.yaml:12: kubernetes.namespace"),
    ("workload", "hostile.yaml", "workloads: [hostile,", 'workloads: ["/etc/passwd",',
     "hostile.yaml:12: kubernetes.workloads[0]"),
    ("service name", "hostile.yaml", "name: hostile", 'name: "../hostile"', "hostile.yaml:4: metadata.name"),
]


@pytest.mark.parametrize(("case", "file", "old", "new", "where"), REJECTED, ids=[r[0] for r in REJECTED])
def test_what_a_field_cannot_hold_is_rejected_at_its_line(tmp_path, case, file, old, new, where):
    spec_dir = hostile.write(tmp_path / "slos")
    text = (spec_dir / file).read_text()
    assert old in text
    (spec_dir / file).write_text(text.replace(old, new, 1))
    with pytest.raises(SpecErrors) as raised:
        pipeline.run(spec_dir, compile=False)
    shown = [str(e) for e in raised.value.errors]
    assert any(re.search(re.escape(str(spec_dir / where)), s) for s in shown), shown


def test_literal_round_trips_through_go_templates(generated, verified):
    """gotemplate.literal, which every templated field goes through, against amtool's Go engine."""
    _, _, out, _ = generated
    cases = [TEXT, URL, "{", "}}{{", "{{{{", "a{", "{{-", "-}}", "{{/*", "$"]
    rendered = _renders(out, {str(i): gotemplate.literal(c) for i, c in enumerate(cases)})
    assert [rendered[str(i)] for i in range(len(cases))] == cases
