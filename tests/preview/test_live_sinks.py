"""The receivers' stand-ins: what the real Alertmanager posts to them is in tests/e2e and
tests/preview/test_live.py; here the kinds no generated config of the suite reaches (the generic
webhook needs Alertmanager 0.26) and what a stand-in does with a request it does not know."""

from __future__ import annotations

import contextlib
import smtplib
from email.message import EmailMessage

import pytest
import requests

from obsgen.preview.live_sinks import Sinks
from tests.conftest import PATIENCE


@pytest.fixture
def sinks():
    with contextlib.closing(Sinks()) as running:
        yield running


def test_a_webhook_post_is_kept_as_its_receivers(sinks):
    url = sinks.token("webhook")
    sinks.register("webhook", url, "team-chat")
    body = {"status": "firing", "commonLabels": {"service": "checkout", "slo": "availability"},
            "alerts": [{"annotations": {"summary": "burning at 20x"}}]}
    assert requests.post(url, json=body, timeout=PATIENCE).status_code == 200
    (delivery,) = sinks.deliveries()
    assert (delivery.kind, delivery.receiver, delivery.status) == ("webhook", "team-chat", "firing")
    assert delivery.title == "service=checkout slo=availability" and delivery.text == "burning at 20x"


def test_mail_is_kept_per_recipient_and_unknown_paths_are_refused(sinks):
    sinks.register("email", "oncall@example.com", "team-email")
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "am@example.com", "oncall@example.com", "[RESOLVED] x y"
    message.set_content("resolved")
    host, port = sinks.smarthost.split(":")
    with smtplib.SMTP(host, int(port), timeout=PATIENCE) as client:
        client.send_message(message)
    (delivery,) = sinks.deliveries()
    assert (delivery.kind, delivery.receiver, delivery.status) == ("email", "team-email", "resolved")
    assert requests.post(sinks.url + "/nothing", json={}, timeout=PATIENCE).status_code == 404
    assert requests.post(sinks.pagerduty_url, data="not json", timeout=PATIENCE).status_code == 400
    assert len(sinks.deliveries()) == 1
