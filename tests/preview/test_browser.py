"""The preview in a real browser (Debian's headless Chromium driven by selenium).

The page loads from the loopback server, lists the bundled services, and its simulator, which runs
in JavaScript, agrees with obsgen.preview.simulate for every SLO of the examples; changing the input
changes the plot. A screenshot is taken and checked not to be blank.
"""

from __future__ import annotations

import struct
import zlib

import pytest

from obsgen.preview import page, view
from obsgen.preview.serve import PreviewServer
from obsgen.preview.simulate import simulate


@pytest.fixture(scope="module")
def served(example_plan, example_artifacts):
    the_view = view.build(example_plan, example_artifacts)
    with PreviewServer(page.render(the_view), 0) as server:
        yield server.url, the_view


def _set(browser, element_id: str, value: str) -> None:
    browser.execute_script(
        "const el = document.getElementById(arguments[0]); el.value = arguments[1];"
        "el.dispatchEvent(new Event('input'));", element_id, value)


def _rows(browser) -> list[dict]:
    return browser.execute_script(
        "return [...document.querySelectorAll('#sim-table tbody tr')].map(r => ({alert: r.dataset.alert,"
        " fires: r.dataset.fires, resolves: r.dataset.resolves}));")


def test_page_lists_the_services(browser, served):
    url, the_view = served
    browser.get(url)
    assert browser.title == "obsgen preview"
    nav = [a.text for a in browser.find_elements("css selector", "header nav a")]
    assert nav == [s["name"] for s in the_view["services"]]
    severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == []  # no script error, no blocked or missing resource


@pytest.mark.parametrize(("ratio_percent", "minutes"), [(100, 60), (5, 240), (1, 2880), (0.2, 4320)])
def test_simulator_agrees_with_python(browser, served, ratio_percent, minutes):
    url, the_view = served
    browser.get(url)
    slos = [slo for s in the_view["services"] for slo in s["slos"] if slo["alerts"]]
    for slo in slos:
        _set(browser, "sim-slo", slo["id"])
        _set(browser, "sim-ratio", str(ratio_percent))
        _set(browser, "sim-minutes", str(minutes))
        rows = _rows(browser)
        assert len(rows) == len(slo["alerts"])
        for row, alert in zip(rows, slo["alerts"], strict=True):
            expected = simulate(alert["long_seconds"], alert["short_seconds"], alert["factor"], slo["budget"],
                                ratio_percent / 100, minutes * 60, alert["for_seconds"],
                                raw=(alert["long_raw"], alert["short_raw"]))
            assert row["fires"] == ("" if expected.fires_at is None else str(expected.fires_at)), (slo["id"], row)
            assert row["resolves"] == ("" if expected.resolves_at is None else str(expected.resolves_at))


def test_plot_changes_with_the_input(browser, served):
    url, _ = served
    browser.get(url)
    _set(browser, "sim-slo", "checkout-availability")

    def plot():
        return browser.execute_script(
            "return [...document.querySelectorAll('#sim-plot polyline')].map(p => p.getAttribute('points'));")

    _set(browser, "sim-ratio", "100")
    full = plot()
    _set(browser, "sim-ratio", "0.5")
    assert len(full) == 4 and plot() != full
    table = browser.find_element("id", "sim-table").text
    assert "never" in table  # 0.5% errors never trip the 14.4x page


def _distinct_pixels(png: bytes) -> int:
    """Distinct byte values in the PNG's decompressed image data: 1-2 for a blank page."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, data = 8, b""
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        if kind == b"IDAT":
            data += png[pos + 8:pos + 8 + length]
        pos += 12 + length
    return len(set(zlib.decompress(data)))


def test_screenshot_is_not_blank(browser, served, tmp_path):
    url, _ = served
    browser.get(url)
    png = browser.get_screenshot_as_png()
    (tmp_path / "preview.png").write_bytes(png)
    assert _distinct_pixels(png) > 50
