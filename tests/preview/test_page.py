"""The preview page: built from the plan and rendered files, safe for any spec text, served on loopback."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest
import yaml

from obsgen.preview import page, view
from obsgen.preview.serve import PreviewServer


@pytest.fixture(scope="module")
def site(example_plan, example_artifacts):
    return page.render(view.build(example_plan, example_artifacts))


def test_page_lists_every_service_and_slo(site, example_plan):
    html = site["index.html"]
    for service in example_plan.services:
        assert f'id="svc-{service.name}"' in html
        for slo in service.slos:
            assert f'<option value="{slo.id}">' in html


def test_alert_table_comes_from_the_burn_rate_module(example_plan, example_artifacts):
    checkout = next(s for s in view.build(example_plan, example_artifacts)["services"] if s["name"] == "checkout")
    availability = checkout["slos"][0]
    page_1h = availability["alerts"][0]
    assert (page_1h["severity"], page_1h["long"], page_1h["short"], page_1h["factor"]) == ("page", "1h", "5m", 14.4)
    assert page_1h["detect_outage_seconds"] == pytest.approx(51.84)
    assert page_1h["detect_10x_seconds"] is None  # a 10x burn never trips the 14.4x window
    assert (page_1h["long_raw"], page_1h["short_raw"]) == (True, True)  # the fastest page's windows: raw
    page_6h = availability["alerts"][1]
    assert (page_6h["long"], page_6h["long_raw"], page_6h["short_raw"]) == ("6h", False, False)
    assert page_6h["detect_outage_seconds"] == pytest.approx((600 * 129.6) ** 0.5)  # the 5m ramp
    assert availability["budget_minutes"] == 43.2
    # who it reaches, per environment, from the route tests amtool proves: production pages, staging only chats
    assert page_1h["receivers"] == {"staging": ["payments-chat"], "production": ["payments-pager", "payments-chat"]}
    assert "warning" not in page_1h


def test_reaches_is_the_route_tests_and_a_page_without_pager_is_a_warning(tmp_path):
    from tests.amspec import SMTP, platform, run, service, team

    files = {"teams.yaml": team("mail", "  email: {to: mail@example.com}\n  pages_without_pager: true"),
             "platform.yaml": platform(SMTP), "svc.yaml": service("svc", "mail", tier=1)}
    done = run(tmp_path, files)
    the_plan, generated = done.plan, done.files
    [svc] = view.build(the_plan, done.artifacts)["services"]
    page = svc["slos"][0]["alerts"][0]
    cases = yaml.safe_load(generated["alerts/alertmanager/routes.test.yaml"])["alerts"]
    assert page["receivers"] == {c["environment"]: c["receivers"] for c in cases
                                 if c["kind"] == "page" and c["labels"]["long_window"] == "1h"}
    assert page["receivers"] == {"staging": ["mail-email"], "production": ["mail-email"]}
    assert page["warning"] == ("pages reach no pager: team mail sets pages_without_pager, so they reach its chat "
                               "or e-mail alone")


def test_nothing_is_fetched_from_outside(site):
    for text in site.values():
        assert not re.search(r"(src|href)=\"(https?:)?//", text.replace('href="https://runbooks', "")
                             .replace('href="https://grafana', ""))
        assert "cdn" not in text.lower()
    assert "Content-Security-Policy" in site["index.html"]


def test_spec_text_cannot_break_out_of_the_page():
    hostile = '</script><script>alert(1)</script> {{ x }} <b>'
    data = page.data_json({"services": [{"name": hostile}]})
    assert "</script>" not in data and "<" not in data
    assert json.loads(data)["services"][0]["name"] == hostile
    html = page.render({"services": [{"name": "svc", "team": hostile, "tier": 1, "environments": [], "slos": []}]})
    assert hostile not in html["index.html"]
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in html["index.html"]


def test_page_is_deterministic(example_plan, site, example_artifacts):
    assert page.render(view.build(example_plan, example_artifacts)) == site


def test_server_listens_on_loopback_only(site):
    with PreviewServer(site, 0) as server:
        assert server.url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(server.url) as response:
            assert response.read().decode() == site["index.html"]
        with urllib.request.urlopen(server.url + "assets/preview.js") as response:
            assert "text/javascript" in response.headers["Content-Type"]
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(server.url + "../etc/passwd")
        assert missing.value.code == 404


def test_static_copy(tmp_path):
    from tests.conftest import EXAMPLES, run_obsgen

    result = run_obsgen("preview", str(EXAMPLES), "--against", str(tmp_path / "none"),
                        "--static", str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "assets" / "preview.js").is_file()
    assert "What this change does" in (tmp_path / "site" / "index.html").read_text()  # nothing committed there
