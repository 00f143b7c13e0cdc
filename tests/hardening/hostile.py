"""One spec set whose every free-text field carries hostile text (issue 12: injection per output).

The text holds quotes, backslashes, Go template actions, `$var` / `${var}` / `${env:...}`, Grafana's
`[[var]]`, newlines and a tab, `../` and absolute paths, `</script>`, YAML indicators, Slack and HTML
markup, look-alike (Cyrillic) letters and bidirectional overrides. Fields with a narrower syntax (URLs,
e-mail addresses, attribute keys) get the most hostile text their syntax admits.
"""

from __future__ import annotations

import json
from pathlib import Path

# Every free-text field (labels, annotations, descriptions, selector values, span names).
TEXT = ("q\"uo'te \\back\\ {{ .Labels }} }} {{- $v := 1 -}} {{/* c */}} {{ $labels.x } $var ${var} "
        "${env:HOME} $$ [[x]] ../../etc/passwd /etc/passwd </script><script>alert(1)</script> "
        ": # &a *a !t | > % @ `tick` <b>&amp; |Runbook> \u0440\u0430yments \u202eevil\u202c \u200b\n"
        "second line\n\tthird {")
# http(s) URLs admit no whitespace: everything else above.
URL = ("https://runbooks.example.com/a/../../etc/passwd?q=\"'{{.Labels}}}}$v${var}${env:HOME}$$[[x]]"
       "</script>&b=|Runbook>`t`\\\u0440\u0430y\u202e#frag{")
# Grafana's base URL: no query or fragment (obsgen appends /d/<uid>).
GRAFANA = "https://grafana.example.com/g/\"'{{.Labels}}}}$v${var}${env:HOME}$$[[x]]</script>|`t`\\\u0440\u0430y\u202e{"
# Sloth-style alert labels and annotations are Go templates, as in Sloth: a valid one is kept as written.
TEMPLATE = TEXT.replace("{{ $labels.x } ", "{{ $labels.service }} ")
# What an e-mail address and an attribute key admit.
EMAIL = "o\"{{.Receiver}}$x${env:HOME}'</script>@example.com"
SMTP_FROM = "am\"{{.ExternalURL}}${env:HOME}@example.com"
ATTRIBUTE = "a\"b\\c ${env:HOME} $$ {{x}} \u0440\u0430y"
ENDPOINT = "http://prometheus.monitoring:9090/p${env:HOME}$x"
# PromQL: a label value holding the hostile text (JSON escapes are Go string escapes).
MATCHER = json.dumps(TEXT, ensure_ascii=False)


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's)."""
    return json.dumps(text)


PLATFORM = f"""\
apiVersion: obsgen/v1
kind: Platform
spec:
  default_team: t
  environments: [staging, production]
  grafana: {{url: {q(GRAFANA)}}}
  endpoints: {{prometheus: {q(ENDPOINT)}, loki: {q(ENDPOINT.replace("prometheus", "loki"))}}}
  collector: {{redact_attributes: [{q(ATTRIBUTE)}]}}
  alertmanager:
    smtp: {{smarthost: "smtp.example.com:587", from: {q(SMTP_FROM)}, auth_username: {q(TEXT)}}}
  metrics: {{rulers: [mimir, amp]}}
"""

TEAM = f"""\
apiVersion: obsgen/v1
kind: Team
metadata: {{name: t}}
spec:
  pagerduty: {{routing_key_file: /etc/alertmanager/secrets/t-pagerduty/routing-key}}
  slack: {{channel: "#t", api_url_file: /etc/alertmanager/secrets/slack/url}}
  email: {{to: {q(EMAIL)}}}
"""

# every annotation obsgen writes is replaced, so that a promtool test can expect all of them
ANNOTATIONS = {"summary": TEXT, "description": TEXT, "runbook_url": URL, "note": TEXT}

SERVICE = f"""\
apiVersion: obsgen/v1
kind: Service
metadata:
  name: hostile
  team: t
  tier: 1
  runbook: {q(URL)}
  labels: {{note: {q(TEXT)}}}
spec:
  environments: [staging, production]
  telemetry: {{spanmetrics: true, sampling: {{percent: 10, slow: 1s}}}}
  kubernetes: {{namespace: shop, workloads: [hostile, hostile-worker]}}
  slos:
    - name: overridden
      objective: 99.9
      description: {q(TEXT)}
      labels: {{slo_note: {q(TEXT)}}}
      sli:
        events:
          error_query: {q('sum(rate(http_requests_total{job="hostile",path=' + MATCHER + ',code=~"5.."}[{{window}}]))')}
          total_query: {q('sum(rate(http_requests_total{job="hostile",path=' + MATCHER + '}[{{window}}]))')}
      alerting:
        labels: {{alert_note: {q(TEXT)}}}
        annotations: {json.dumps(ANNOTATIONS)}
        page_alert: {{labels: {{page_note: {q(TEXT)}}}, annotations: {{page_extra: {q(TEXT)}}}}}
    - name: latency
      objective: 99
      description: {q(TEXT)}
      sli:
        latency:
          histogram: http_server_request_duration_seconds
          selector: {{job: hostile, route: {q(TEXT)}}}
          threshold: 300ms
    - name: spans
      objective: 99.5
      description: {q(TEXT)}
      sli:
        spans: {{span_name: {q(TEXT)}, service_name: {q(TEXT)}, threshold: 500ms}}
    - name: calendar
      objective: 99.5
      description: {q(TEXT)}
      runbook: {q(URL)}
      calendar: {{unit: month, time_zone: Asia/Kathmandu, start: "2024-01-31 00:30:00"}}
      sli:
        events:
          error_query: {q('sum(rate(http_requests_total{job="hostile",path=' + MATCHER + ',code=~"5.."}[{{window}}]))')}
          total_query: {q('sum(rate(http_requests_total{job="hostile",path=' + MATCHER + '}[{{window}}]))')}
      alerting:
        annotations: {{note: {q(TEXT)}}}
    - name: slices
      objective: 99
      description: {q(TEXT)}
      budgeting: {{method: timeslices, slice: 5m, slice_target: 0.95}}
      calendar: {{unit: week, time_zone: America/St_Johns}}
      sli:
        latency:
          histogram: http_server_request_duration_seconds
          selector: {{job: hostile, route: {q(TEXT)}}}
          threshold: 300ms
      alerting:
        labels: {{alert_note: {q(TEXT)}}}
"""

SLOTH = f"""\
version: "prometheus/v1"
service: "imported"
labels:
  owner: t
  repo: {q(TEMPLATE)}
slos:
  - name: "requests"
    objective: 99.9
    description: {q(TEMPLATE)}
    sli:
      events:
        error_query: {q('sum(rate(http_requests_total{job="imported",path=' + MATCHER + ',code=~"5.."}[{{.window}}]))')}
        total_query: {q('sum(rate(http_requests_total{job="imported"}[{{.window}}]))')}
    alerting:
      name: ImportedHighErrorRate
      labels: {{category: {q(TEMPLATE)}}}
      annotations: {{summary: {q(TEMPLATE)}, note: {q(TEMPLATE)}}}
      page_alert: {{labels: {{routing: {q(TEMPLATE)}}}}}
      ticket_alert: {{annotations: {{t_note: {q(TEMPLATE)}}}}}
"""

FILES = {"platform.yaml": PLATFORM, "team.yaml": TEAM, "hostile.yaml": SERVICE, "sloth.yaml": SLOTH}


def write(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in FILES.items():
        (root / name).write_text(text, encoding="utf-8")
    return root
