"""verify.html hashes on Web Workers where the browser has them, and on its own thread where not: the same rows.

The page's workers run its own inline script (a blob: URL of its text) and hash shares of the messages, merged back in
their order (02-sha256.js). Here the demo archive, and a copy of it with one ticket changed and resealed, are verified
in each browser (test ids chromium, firefox) three ways: with the workers; with ``window.Worker`` removed before the
button is pressed, as in a browser without workers; and from a copy of the page whose policy lacks
``worker-src blob:``, so that the browser refuses the workers. Each way shows, row for row, the same statuses and
details (the seconds the page measures or estimates apart) and the same verdict; only the progress line says on how
many threads it ran.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_verify_page import SECONDS, _change_ticket, reseal

from conftest import choose_folder, console_log, open_page
from zhanhe_audit import verify_page

pytestmark = pytest.mark.slow

DEMO = "demo-2026Q4"
NO_WORKER = "window.Worker = undefined;"  # as in a browser without Web Workers


def verified(browser, page: Path, folder: Path, before: str = "") -> dict:
    """Open ``page`` from disk, run ``before`` in it, choose ``folder``, press the button and wait for the verdict:
    the rows (archive, check, status, detail; the seconds masked), the verdict box's text and class, the threads
    the page says it ran on, its progress line and the console's entries."""
    console = open_page(browser, page)
    if before:
        browser.execute_script(before)
    choose_folder(browser, folder)
    browser.set_script_timeout(300)
    browser.execute_async_script("""
        const done = arguments[0];
        (function wait() { document.getElementById('run').disabled ? setTimeout(wait, 50) : done(); })();""")
    browser.execute_script("document.getElementById('run').click()")
    browser.execute_async_script("""
        const done = arguments[0];
        (function wait() { document.body.dataset.state === 'done' ? done() : setTimeout(wait, 50); })();""")
    rows = browser.execute_script("return Array.from(document.querySelectorAll('#results tr')).map(r => "
                                  "[r.dataset.archive, r.dataset.check, r.dataset.status, r.cells[2].textContent])")
    return {
        "rows": [(name, check, status, SECONDS.sub("…", detail)) for name, check, status, detail in rows],
        "verdict": browser.execute_script("const v = document.getElementById('verdict'); "
                                          "return [document.body.dataset.verdict, v.className, v.textContent]"),
        "threads": int(browser.execute_script("return document.body.dataset.threads")),
        "label": browser.find_element("id", "progress-label").text,
        "console": console + console_log(browser),
        "cores": browser.execute_script("return navigator.hardwareConcurrency"),
    }


@pytest.fixture(scope="module")
def archives(demo_drawn, tmp_path_factory) -> dict[str, Path]:
    """The demo archive, and a copy of it with one ticket changed, resealed (so only the recomputation sees it)."""
    root, _ = demo_drawn
    demo = root / "outputs" / DEMO
    altered = tmp_path_factory.mktemp("threads") / "outputs" / DEMO
    shutil.copytree(demo, altered)
    _change_ticket(altered)
    reseal(altered)
    return {"demo": demo, "altered": altered}


@pytest.fixture(scope="module")
def refusing_page(tmp_path_factory) -> Path:
    """This version's page with ``worker-src blob:`` taken out of its policy: the browser refuses its workers (the
    scripts' hashes are unchanged, so the page runs)."""
    html = verify_page.page().decode("utf-8")
    assert html.count(" worker-src blob:;") == 1
    page = tmp_path_factory.mktemp("refusing") / "verify.html"
    page.write_text(html.replace(" worker-src blob:;", ""), encoding="utf-8")
    return page


def _three_ways(browser, archive: Path, refusing_page: Path) -> dict[str, dict]:
    return {"workers": verified(browser, archive / "verify.html", archive),
            "no Worker": verified(browser, archive / "verify.html", archive, NO_WORKER),
            "refused": verified(browser, refusing_page, archive)}


def _assert_same_rows(ways: dict[str, dict]) -> None:
    workers = ways["workers"]
    expected = min(workers["cores"], 4) if workers["cores"] > 1 else 1
    assert workers["threads"] == expected and f"{expected} threads (Web Workers)" in workers["label"], workers["label"]
    for way in ("no Worker", "refused"):
        one = ways[way]
        assert one["threads"] == 1 and one["label"].endswith("1 个线程 1 thread"), (way, one["label"])
        assert one["rows"] == workers["rows"], (way, [row for row in one["rows"] if row not in workers["rows"]],
                                                [row for row in workers["rows"] if row not in one["rows"]])
        assert one["verdict"] == workers["verdict"], way


def test_the_demo_passes_alike_on_workers_and_on_one_thread(archives, refusing_page, page_browser):
    ways = _three_ways(page_browser, archives["demo"], refusing_page)
    _assert_same_rows(ways)
    rows = ways["workers"]["rows"]
    assert ways["workers"]["verdict"][0] == "PASS" and not [row for row in rows if row[2] == "FAIL"]
    tickets = next(detail for _, check, _, detail in rows if check == "tickets")
    assert "tickets recomputed from the seed" in tickets
    for way in ("workers", "no Worker"):  # the refused page's console holds the refusal
        assert [entry for entry in ways[way]["console"] if entry["level"] == "SEVERE"] == [], way


def test_a_resealed_ticket_fails_alike_on_workers_and_on_one_thread(archives, refusing_page, page_browser):
    ways = _three_ways(page_browser, archives["altered"], refusing_page)
    _assert_same_rows(ways)
    failed = [(check, detail) for _, check, status, detail in ways["workers"]["rows"] if status == "FAIL"]
    assert ways["workers"]["verdict"][0] == "FAIL"
    assert [check for check, _ in failed] == ["tickets"] and "draw/tickets.csv" in failed[0][1], failed
