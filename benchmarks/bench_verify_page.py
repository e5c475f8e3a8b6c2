"""Timings of the reviewer's verifier page, verify.html, in headless Chromium (never part of the pass/fail tests).

``page_seconds(archive)`` opens the archive's own ``verify.html`` from disk, chooses the archive
folder, presses the button and returns the wall time until the page says it is done, with its
verdict and how many checks passed. ``make bench`` calls it on its end-to-end quarters; run alone,
this script builds quarters of the given sizes with the engine only (the draw's files, no
notebooks), which is what the page reads:

    .venv/bin/python benchmarks/bench_verify_page.py                # 200,000 entities
    .venv/bin/python benchmarks/bench_verify_page.py 20000 1000000  # other sizes

Needs Debian's chromium and chromium-driver (``.ci/run`` installs them) and selenium (the test extra).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent))

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1280,1600")


def page_seconds(archive: Path, timeout: float = 600) -> tuple[float, str, str]:
    """(seconds, verdict, the checks' statuses and the threads it hashed on) of the archive's verify.html run on the
    archive itself."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    browser = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver") or "chromedriver"))
    try:
        browser.get((archive / "verify.html").as_uri())
        browser.find_element("id", "archive").send_keys(str(archive))
        while not browser.find_element("id", "run").is_enabled():  # until the page has taken the chosen files in
            time.sleep(0.1)
        started = time.perf_counter()
        browser.find_element("id", "run").click()
        while browser.execute_script("return document.body.dataset.state") != "done":
            if time.perf_counter() - started > timeout:
                raise SystemExit(f"verify.html did not finish within {timeout} s")
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        verdict = browser.execute_script("return document.body.dataset.verdict")
        statuses = browser.execute_script(
            "return Array.from(document.querySelectorAll('#results tr')).map(r => r.dataset.status)")
        threads = browser.execute_script("return document.body.dataset.threads") or "1"  # pages before issue 25: 1
    finally:
        browser.quit()
    counted = {status: statuses.count(status) for status in dict.fromkeys(statuses)}
    return seconds, verdict, (", ".join(f"{count} {status}" for status, count in counted.items())
                              + f"; {threads} thread{'s' if threads != '1' else ''}")


def engine_quarter(root: Path, count: int) -> Path:
    """A quarter of ``count`` synthetic entities (make bench's), frozen, seeded and drawn by the engine."""
    from scratch import seed_after_freeze, synthetic_project

    from zhanhe_audit import engine
    from zhanhe_audit.paths import Project

    quarter = synthetic_project(root, count)
    project = Project(root)
    engine.freeze_quarter(project, quarter)
    seed_after_freeze(root, quarter)
    final, _ = engine.draw_quarter(project, quarter)
    return final


def main(sizes: list[int]) -> None:
    for count in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-page-") as scratch:
            archive = engine_quarter(Path(scratch), count)
            tickets = sum(1 for _ in (archive / "draw" / "tickets.csv").open(encoding="utf-8")) - 1
            seconds, verdict, statuses = page_seconds(archive)
            print(f"verify.html, {count:>10,} entities, {tickets:>10,} tickets: {seconds:6.1f} s, "
                  f"{verdict} ({statuses})")


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [200_000])
