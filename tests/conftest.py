"""Fixtures shared by several test modules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from projects import copy_project, make


@pytest.fixture(scope="session")
def demo_drawn(tmp_path_factory):
    """A copy of the project after `make draw` on the demo quarter: (project folder, make's result).

    Drawn once per test session; tests that change it work on a copy of their own.
    """
    root = copy_project(tmp_path_factory.mktemp("project"))
    result = make(root, "draw")
    assert result.returncode == 0, result.stdout + result.stderr
    return root, result


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")  # Debian's chromium (.ci/run installs it)
DRIVER = shutil.which("chromedriver")
needs_chromium = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="no Chromium here: install Debian's 'chromium' and 'chromium-driver' (.ci/run does)")


def open_page(browser, path: Path) -> list[dict]:
    """Load ``path`` afresh; the console entries it produced."""
    browser.get("about:blank")
    browser.get_log("browser")  # drop what came before this page
    browser.get(path.as_uri())
    return browser.get_log("browser")


def alert_open(browser) -> bool:
    """Whether the page raised an alert (dismissing it)."""
    from selenium.common.exceptions import NoAlertPresentException

    try:
        browser.switch_to.alert.dismiss()
    except NoAlertPresentException:
        return False
    return True


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium, as the machine's probe starts it: no background networking, a fresh profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1280,1600"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def demo_results(demo_drawn, tmp_path_factory):
    """A copy of the drawn demo project after `make results` (the demo's filled form, as of 2026-12-31):
    (project folder, make's result)."""
    source, _ = demo_drawn
    root = tmp_path_factory.mktemp("results") / "project"
    shutil.copytree(source, root, symlinks=True)
    result = make(root, "results")
    assert result.returncode == 0, result.stdout + result.stderr
    return root, result
