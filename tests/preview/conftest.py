"""Fixtures of the preview tests: Debian's headless Chromium driven by selenium."""

from __future__ import annotations

import pytest

from tests.conftest import require_tool


@pytest.fixture(scope="module")
def browser():
    chromium, driver = require_tool("chromium"), require_tool("chromedriver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1600"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    session = webdriver.Chrome(service=Service(driver), options=options)
    yield session
    session.quit()


@pytest.fixture(scope="session")
def outputs(tmp_path_factory):
    """name -> what `obsgen diff` prints for that change kind (tests/preview/diff_cases.py), run once."""
    from tests.preview import diff_cases

    root = tmp_path_factory.mktemp("diff-cases")
    return lambda name: diff_cases.output(name, root)
