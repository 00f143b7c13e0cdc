"""The preview's polish (issue 22 point 5), in headless Chromium: the change summary as HTML (and
hostile text in it inert), periods as the specs write them, the simulator's axis scaled to the
event, a filter once there are more than a handful of services, and specs reloaded on each visit.
Screenshots go to docs/preview/."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml

from obsgen import pipeline
from obsgen.output import committed
from obsgen.preview import markdown, page, semdiff, view
from obsgen.preview.serve import PreviewServer
from obsgen.preview.simulate import simulate
from tests import builders
from tests.builders import free_port
from tests.conftest import EXAMPLES, PATIENCE, docs_picture

HOSTILE = "<script>window.pwned = 1</script><img src=x onerror=\"window.pwned = 2\">"


def _set(browser, element_id: str, value: str) -> None:
    browser.execute_script(
        "const el = document.getElementById(arguments[0]); el.value = arguments[1];"
        "el.dispatchEvent(new Event('input')); el.dispatchEvent(new Event('change'));", element_id, value)


def _changed(tmp_path: Path, example_files) -> str:
    """The summary of a real change: checkout availability's objective 99.9 -> 99.5."""
    specs = tmp_path / "slos"
    shutil.copytree(EXAMPLES, specs)
    text = (specs / "checkout.yaml").read_text()
    assert "objective: 99.9\n" in text
    (specs / "checkout.yaml").write_text(text.replace("objective: 99.9\n", "objective: 99.5\n", 1))
    after = pipeline.run(specs, tmp_path / "out").artifacts
    return semdiff.summarize(committed.artifacts(example_files), after).markdown()


def test_summary_markdown_is_html(example_files, tmp_path):
    summary = _changed(tmp_path, example_files)
    assert summary.startswith("### ") and "\n#### " in summary and "\n|---|" in summary
    rendered = markdown.to_html(summary)
    assert "###" not in rendered and "|---|" not in rendered
    assert rendered.startswith("<h3>") and "<h4>" in rendered and "<li>" in rendered
    # every table row of the summary is a row of the HTML (header and body)
    rows = [line for line in summary.splitlines() if line.startswith("|") and not line.startswith("|---")]
    assert rendered.count("<tr>") == len(rows) > 0
    for line in summary.splitlines():  # every bullet of the summary is a list item of the HTML
        if line.startswith("- ") and "`" not in line:
            assert f"<li>{markdown.html.escape(line[2:], quote=False)}</li>" in rendered, line


@pytest.mark.parametrize("hostile", [HOSTILE, "<details open ontoggle=alert(1)>x</details>",
                                     "[click](javascript:alert(1))", "<iframe src=//x>", "a <b onmouseover=x>b</b>"])
def test_hostile_markdown_stays_text(hostile):
    rendered = markdown.to_html(f"### t\n\n- {hostile}\n\n{hostile}\n\n| a |\n|---|\n| {hostile} |\n")
    tags = re.findall(r"<(/?[a-z0-9]+)([^>]*)>", rendered)
    assert {t for t, _ in tags} <= {"h3", "/h3", "ul", "/ul", "li", "/li", "p", "/p", "table", "/table", "thead",
                                    "/thead", "tbody", "/tbody", "tr", "/tr", "th", "/th", "td", "/td"}
    assert all(attrs == "" for _, attrs in tags), tags  # no attribute, so no handler and no URL


def test_a_rejected_details_keeps_its_closer_as_text():
    """A `<details …>` from a spec is shown as text, and so is the `</details>` that closes it: passed
    as a tag it would close the summary's own <details> early and leave its rest outside."""
    text = ("<details><summary>the summary's own</summary>\n\n<details open ontoggle=alert(1)>\n\ninner\n\n"
            "</details>\n\nstill inside\n\n</details>\n\nafter\n")
    rendered = markdown.to_html(text)
    tags = re.findall(r"</?details>", rendered)
    assert tags == ["<details>", "</details>"], rendered
    assert rendered.index("still inside") < rendered.index("</details>") < rendered.index("after")
    assert "&lt;details open ontoggle=alert(1)&gt;" in rendered and "&lt;/details&gt;" in rendered


def test_summary_in_the_browser(browser, example_plan, example_files, tmp_path, example_artifacts):
    summary = _changed(tmp_path, example_files) + f"\n- hostile text from a spec: {HOSTILE}\n"
    with PreviewServer(page.render(view.build(example_plan, example_artifacts), summary), 0) as server:
        browser.get(server.url)
        diff = browser.find_element("id", "diff")
        assert diff.find_element("css selector", "h3").text.startswith("obsgen:")
        assert "###" not in diff.text and "|---|" not in diff.text
        assert [s.text for s in diff.find_elements("css selector", "h4")]  # the section titles
        assert diff.find_elements("css selector", "table td")  # the tables, as tables
        assert "<script>window.pwned = 1</script>" in diff.text  # shown as text
        assert browser.execute_script("return window.pwned === undefined")  # and never run
        browser.execute_script("document.getElementById('diff').scrollIntoView()")
        assert diff.screenshot(docs_picture("change-summary.png"))


def _spec_periods() -> dict[str, str]:
    """SLO id -> the period as written in the bundled specs (the Platform's default when none is)."""
    found = {}
    for path in EXAMPLES.glob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc.get("kind") == "Service":
                for slo in doc["spec"]["slos"]:
                    found[f"{doc['metadata']['name']}-{slo['name']}"] = slo.get("period")
    return found


def test_periods_as_the_specs_write_them(browser, example_plan, example_artifacts):
    written = _spec_periods()
    assert "28d" in written.values()  # Prometheus prints 28d as 4w
    the_view = view.build(example_plan, example_artifacts)
    with PreviewServer(page.render(the_view), 0) as server:
        browser.get(server.url)
        for service in the_view["services"]:
            for slo in service["slos"]:
                if written.get(slo["id"]):
                    heading = browser.find_element("css selector", f"#slo-{slo['id']} h3").text
                    assert heading.endswith(f"over {written[slo['id']]}"), heading
        assert " 4w" not in browser.find_element("tag name", "main").text


def _axis(browser) -> dict:
    return browser.execute_script(
        "const svg = document.getElementById('sim-plot');"
        "return {horizon: Number(svg.dataset.horizon), step: Number(svg.dataset.step),"
        " ticks: [...svg.querySelectorAll('.tick-label')].map(t => t.textContent),"
        " event: Number(svg.querySelector('rect.event').getAttribute('width'))};")


@pytest.mark.parametrize(("minutes", "ratio"), [(180, 100), (30, 100), (1440, 5)])
def test_simulator_axis_fits_the_event(browser, example_plan, minutes, ratio, example_artifacts):
    the_view = view.build(example_plan, example_artifacts)
    slo = next(s for svc in the_view["services"] for s in svc["slos"] if s["id"] == "checkout-availability")
    longest = max(a["long_seconds"] for a in slo["alerts"])
    with PreviewServer(page.render(the_view), 0) as server:
        browser.get(server.url)
        _set(browser, "sim-slo", slo["id"])
        _set(browser, "sim-ratio", str(ratio))
        _set(browser, "sim-minutes", str(minutes))
        axis = _axis(browser)
        outcomes = [simulate(a["long_seconds"], a["short_seconds"], a["factor"], slo["budget"], ratio / 100,
                             minutes * 60, a["for_seconds"], raw=(a["long_raw"], a["short_raw"]))
                    for a in slo["alerts"]]
        moments = [t for o in outcomes for t in (o.fires_at, o.resolves_at) if t is not None]
        last = max([minutes * 60, *moments])
        # the whole story fits, with at most a step and a tenth to spare, not the longest window's days
        assert last <= axis["horizon"] <= last * 1.1 + axis["step"], (axis, last)
        assert axis["horizon"] < minutes * 60 + longest
        assert 4 <= len(axis["ticks"]) <= 9, axis
        assert axis["event"] > 0
        if minutes == 180:
            assert browser.find_element("id", "simulator").screenshot(docs_picture("simulator.png"))


def _many(tmp_path: Path) -> Path:
    slo = ("    - name: availability\n      objective: 99.9\n      sli:\n        events:\n"
           "          error_query: sum(rate(http_requests_total{{job=\"{n}\",code=~\"5..\"}}[{{{{window}}}}]))\n"
           "          total_query: sum(rate(http_requests_total{{job=\"{n}\"}}[{{{{window}}}}]))\n")
    files = {"team-u.yaml": "apiVersion: obsgen/v1\nkind: Team\nmetadata: {name: u}\n"}
    for i in range(8):
        name = f"svc-{i}"
        text = builders.service(name, slo.format(n=name))
        files[f"{name}.yaml"] = text.replace("team: t", "team: u") if i % 2 else text
    return builders.write_specs(tmp_path, files)


def test_service_filter_when_more_than_a_handful(browser, tmp_path, example_plan, example_artifacts):
    with PreviewServer(page.render(view.build(example_plan, example_artifacts)), 0) as server:
        browser.get(server.url)
        assert browser.find_elements("id", "svc-filter") == []  # 4 services: no filter
    done = pipeline.run(_many(tmp_path), tmp_path / "out")
    with PreviewServer(page.render(view.build(done.plan, done.artifacts)), 0) as server:
        browser.get(server.url)

        def visible() -> list[str]:
            return browser.execute_script("return [...document.querySelectorAll('section.service')]"
                                          ".filter(s => s.offsetParent !== null).map(s => s.dataset.service);")

        assert len(visible()) == 8
        _set(browser, "svc-team", "u")
        assert visible() == ["svc-1", "svc-3", "svc-5", "svc-7"]
        _set(browser, "svc-search", "svc-3")
        assert visible() == ["svc-3"]
        assert browser.find_element("id", "svc-shown").text == "1 of 8 services shown"
        assert [a.text for a in browser.find_elements("css selector", "header nav a") if a.is_displayed()] == ["svc-3"]
        _set(browser, "svc-team", "")
        _set(browser, "svc-search", "")
        assert len(visible()) == 8


@pytest.fixture
def served_cli(tmp_path):
    """`obsgen preview` serving a copy of the examples, as a user runs it."""
    specs = tmp_path / "slos"
    shutil.copytree(EXAMPLES, specs)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "obsgen", "preview", str(specs), "--against", str(tmp_path),
                             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + PATIENCE
    while True:
        try:
            requests.get(url, timeout=PATIENCE)
            break
        except requests.ConnectionError:
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.poll() else "slow"
            time.sleep(0.3)
    yield url, specs
    proc.terminate()
    proc.wait(timeout=PATIENCE)


def _bump(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    before = path.stat().st_mtime_ns
    path.write_text(text.replace(old, new, 1))
    while path.stat().st_mtime_ns == before:  # a coarse file system clock: make the edit visible
        path.write_text(text.replace(old, new, 1))


def test_specs_are_reloaded(browser, served_cli):
    url, specs = served_cli
    browser.get(url)
    heading = "#slo-checkout-availability h3"
    assert browser.find_element("css selector", heading).text == "availability: 99.9% over 30d"
    _bump(specs / "checkout.yaml", "objective: 99.9\n", "objective: 99.5\n")
    browser.get(url)
    assert browser.find_element("css selector", heading).text == "availability: 99.5% over 30d"
    _bump(specs / "checkout.yaml", "objective: 99.5\n", "objective: 101\n")  # invalid: the page says where
    browser.get(url)
    errors = browser.find_element("tag name", "body").text
    assert "checkout.yaml:20" in errors and "objective" in errors, errors
    _bump(specs / "checkout.yaml", "objective: 101\n", "objective: 99.95\n")
    browser.get(url)
    assert browser.find_element("css selector", heading).text == "availability: 99.95% over 30d"
