"""verify.html recomputes fairness/*.csv (10-fairness.js), in headless Chromium and headless Firefox.

The balance tests (chi-square goodness of fit per grade over home units and main categories), the Monte
Carlo of inclusion counts (its cheap columns always, its counts, statistic and p-value when the reviewer ticks
the box) and the timeline, each compared with the archive: text cells exactly, float cells within 1e-6 (the
file's sixth decimal). Archives altered one way at a time and resealed (as test_verify_page does) fail the
right check, naming the row and column. The page's chi-square survival function is compared with scipy on
its own source file, run in a blank page (the page itself has no hook). Each runs in both browsers (ids chromium,
firefox; the page's runs in fixtures of the module, one per browser), and the two show the same rows; only the
demo's whole Monte Carlo (20-30 s) runs in Chromium alone.
"""

from __future__ import annotations

import json
import math
import random
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from test_verify_page import Outcome, _edit_csv, _rows, reseal, run_page, severe

from conftest import BROWSERS, needs_chromium
from projects import ROOT
from zhanhe_audit import fairness, gitorder, tickets, verify_page
from zhanhe_audit.evidence import files
from zhanhe_audit.evidence.archived import load_archived
from zhanhe_audit.layout import BALANCE, GIT_ORDER, INCLUSION, TIMELINE

DEMO = "demo-2026Q4"
SOURCE = ROOT / "zhanhe_audit" / "templates" / "verifier" / "verify" / "10-fairness.js"
FIXTURE = ROOT / "tests" / "fixtures" / "archive-draw-v1" / "outputs" / "2026Q1"

pytestmark = pytest.mark.slow


# --- the archives: the demo as drawn, and altered copies resealed ----------------------------------------------------


def _set(path: Path, row: int, column: str, value: str) -> None:
    """Cell ``column`` of ``row`` (1-based as the page names it: 1 is the header) set to ``value``."""
    def change(rows):
        rows[row - 2][column] = value
    _edit_csv(path, change)


def _nudged(archive: Path, away: bool) -> None:
    """balance.csv's first p-value moved by one unit of its sixth decimal, toward the unrounded value (within
    1e-6 of it) or away from it (beyond)."""
    exact = fairness.balances(tickets.read_tickets(archive), load_archived(archive, DEMO).registers)[0].p_value
    archived = float(_rows(archive / BALANCE)[0]["p_value"])
    step = math.copysign(1e-6, exact - archived) * (-1 if away else 1)
    _set(archive / BALANCE, 2, "p_value", f"{archived + step:.6f}")


def _commits(archive: Path) -> None:
    """draw/git-order.json with both commits (the seed's before the freeze's, an author with a comma), and the
    timeline the package writes from it."""
    order = gitorder.Order(gitorder.Commit("a" * 40, "2026-11-26T09:00:00+08:00", "张三, 审计"),
                           gitorder.Commit("b" * 40, "2026-11-26T08:00:00+08:00", "李四"))
    (archive / GIT_ORDER).write_text(order.to_json(), encoding="utf-8")
    record = json.loads((archive / "inputs" / "params" / f"{DEMO}.freeze.json").read_text(encoding="utf-8"))
    provenance = load_archived(archive, DEMO).params.seed.provenance
    events, problems = fairness.timeline(record["frozen_at"], provenance, order)
    assert problems  # what the page must recompute too: the seed committed before the freeze record
    (archive / TIMELINE).write_text(files.TIMELINE_CSV.text(fairness.timeline_rows(events, problems)), encoding="utf-8")


# name: (the copy it is made in, alteration, the page's check, words of its detail). A copy takes at most one
# alteration a file, so that each check still meets one alteration (and the page verifies fewer copies).
ALTERED = {
    "p-value": ("altered-1", lambda a: _set(a / BALANCE, 3, "p_value", "0.307570"), "balance",
                "fairness/balance.csv 第 3 行 row 3, 列 column p_value: "
                "重算 recomputed '0.207570', 归档 archived '0.307570'"),
    "followed": ("altered-1", lambda a: _set(a / INCLUSION, 5, "followed", "372"), "inclusion",
                 "fairness/inclusion.csv 第 5 行 row 5, 列 column followed: "
                 "重算 recomputed '373', 归档 archived '372'"),
    "timeline": ("altered-1", lambda a: _set(a / TIMELINE, 3, "when", "2026-11-25"), "timeline",
                 "fairness/timeline.csv 第 3 行 row 3, 列 column when: "
                 "重算 recomputed '2026-11-26', 归档 archived '2026-11-25'"),
    "statistic": ("altered-2", lambda a: _set(a / BALANCE, 4, "statistic", "9.973594"), "balance",
                  "row 4, 列 column statistic: 重算 recomputed '9.973494', 归档 archived '9.973594'"),
    "categories": ("altered-3", lambda a: _set(a / BALANCE, 5, "categories", "16"), "balance",
                   "row 5, 列 column categories: 重算 recomputed '17', 归档 archived '16'"),
    "p-value beyond 1e-6": ("altered-4", lambda a: _nudged(a, away=True), "balance", "row 2, 列 column p_value"),
    "fairness deleted": ("altered-6", lambda a: shutil.rmtree(a / "fairness"), "balance",
                         "fairness/balance.csv 缺失 is missing: 本归档由笔记本生成"),
}
PASSING = {"commits": ("altered-2", _commits), "p-value within 1e-6": ("altered-5", lambda a: _nudged(a, away=False))}
MONTE_CARLO_ALTERED = {  # its first row: the Monte Carlo fails after the first stratum
    "min_count": ("min-count", lambda a: _set(a / INCLUSION, 2, "min_count", "3"), "inclusion",
                  "fairness/inclusion.csv 第 2 行 row 2, 列 column min_count: 重算 recomputed '2', 归档 archived '3'"),
}


def _copies(source: Path, folder: Path, alterations: list[tuple[str, Callable[[Path], None]]],
            pristine: bool = True) -> Path:
    """``folder`` holding the pristine archive (unless not ``pristine``) and the altered copies, each resealed once
    altered."""
    if pristine:
        shutil.copytree(source, folder / DEMO)
    for name in dict.fromkeys(name for name, _ in alterations):
        shutil.copytree(source, folder / name)
        for alter in (alter for copy, alter in alterations if copy == name):
            alter(folder / name)
        reseal(folder / name)
    return folder


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("page") / "verify.html"
    path.write_bytes(verify_page.page())
    return path


@pytest.fixture(scope="module")
def demo(demo_drawn) -> Path:
    root, _ = demo_drawn
    archive = root / "outputs" / DEMO
    assert (archive / BALANCE).is_file() and (archive / INCLUSION).is_file()
    return archive


@pytest.fixture(scope="module")
def altered_copies(demo, tmp_path_factory) -> Path:
    """The demo and its altered copies, for the run without the Monte Carlo."""
    alterations = [(copy, alter) for copy, alter, *_ in ALTERED.values()] + list(PASSING.values())
    return _copies(demo, tmp_path_factory.mktemp("altered"), alterations)


@pytest.fixture(scope="module")
def monte_carlo_copies(demo, tmp_path_factory) -> Path:
    """The demo's min_count altered, for a run with the Monte Carlo (without the demo itself: see demo_monte_carlo)."""
    return _copies(demo, tmp_path_factory.mktemp("monte-carlo"),
                   [(copy, alter) for copy, alter, *_ in MONTE_CARLO_ALTERED.values()], pristine=False)


@pytest.fixture(scope="module", params=BROWSERS)
def page_browser(request):
    """Each browser in turn (ids chromium, firefox), for the whole module: the runs below are made once in each."""
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="module")
def without_monte_carlo(altered_copies, page, page_browser) -> Outcome:
    """One run of the page, without the Monte Carlo, over the demo and its altered copies."""
    return run_page(page_browser, page, altered_copies, case="fairness, altered copies")


@pytest.fixture(scope="module")
def with_monte_carlo(monte_carlo_copies, page, page_browser) -> Outcome:
    """One run of the page, with the Monte Carlo ticked, over the demo's min_count altered (the Monte Carlo stops
    at its first stratum)."""
    return run_page(page_browser, page, monte_carlo_copies, monte_carlo=True,
                    case="fairness, min_count, the Monte Carlo")


@pytest.fixture(scope="module")
def demo_monte_carlo(demo, page, browser) -> Outcome:
    """One run of the page in Chromium, with the Monte Carlo ticked, over the demo. Chromium only: its 7.9M SHA-256
    take 20-30 s in either browser; Firefox runs the same code on the first stratum of the min_count copy, and
    its SHA-256 is compared with hashlib below."""
    return run_page(browser, page, demo, monte_carlo=True)


# --- the demo as drawn ---------------------------------------------------------------------------------------------


def test_demo_passes_balance_and_timeline_and_the_cheap_columns_of_inclusion(without_monte_carlo):
    outcome = without_monte_carlo
    assert [failed for failed in outcome.failed() if failed[0] == DEMO] == []
    status = outcome.status(DEMO)
    assert (status["balance"], status["inclusion"], status["timeline"]) == ("PASS", "NOT CHECKED", "PASS")
    assert ("16 identical as text" in outcome.detail(DEMO, "balance")
            and "within 1e-6" in outcome.detail(DEMO, "balance"))
    inclusion = outcome.detail(DEMO, "inclusion")
    assert "14 strata recomputed, identical" in inclusion and "the reviewer did not tick" in inclusion
    assert "7884000 SHA-256, about" in inclusion and "未勾选" in inclusion
    assert "2 events recomputed" in outcome.detail(DEMO, "timeline") and "in order" in outcome.detail(DEMO, "timeline")
    assert severe(outcome) == [] and outcome.images == 0


@needs_chromium  # Chromium only: the time (see demo_monte_carlo)
def test_demo_with_the_monte_carlo_ticked_recomputes_every_column_of_inclusion(demo_monte_carlo):
    outcome = demo_monte_carlo
    assert [failed for failed in outcome.failed() if failed[0] == DEMO] == []
    assert outcome.status(DEMO)["inclusion"] == "PASS"
    detail = outcome.detail(DEMO, "inclusion")
    assert ("14 strata recomputed over 1000 fixed seeds (7884000 SHA-256 in" in detail
            and "28 identical as text" in detail)
    assert severe(outcome) == []


# --- alterations, resealed -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(ALTERED))
def test_resealed_alteration_of_a_fairness_file_fails_naming_its_row_and_column(without_monte_carlo, name):
    archive, _, check, words = ALTERED[name]
    status = without_monte_carlo.status(archive)
    assert status[check] == "FAIL", without_monte_carlo.rows
    assert words in without_monte_carlo.detail(archive, check), without_monte_carlo.detail(archive, check)
    assert status["files"] == "PASS" and status["manifest"] == "PASS"  # only the recomputation catches it


def test_a_drawn_archive_resealed_without_fairness_fails_every_fairness_check(without_monte_carlo):
    archive = ALTERED["fairness deleted"][0]
    assert {check: without_monte_carlo.status(archive)[check]
            for check in ("balance", "inclusion", "timeline")} == dict.fromkeys(
        ("balance", "inclusion", "timeline"), "FAIL")
    assert "fairness" not in without_monte_carlo.status(archive)


def test_resealed_min_count_fails_once_the_monte_carlo_is_ticked(with_monte_carlo):
    archive, _, check, words = MONTE_CARLO_ALTERED["min_count"]
    status = with_monte_carlo.status(archive)
    assert status[check] == "FAIL" and status["files"] == "PASS"
    assert words in with_monte_carlo.detail(archive, check), with_monte_carlo.detail(archive, check)
    assert with_monte_carlo.verdict == "FAIL"


def test_a_p_value_one_unit_of_its_last_decimal_toward_the_exact_value_passes_within_1e_6(without_monte_carlo):
    archive, _ = PASSING["p-value within 1e-6"]
    assert without_monte_carlo.status(archive)["balance"] == "PASS"
    assert "15 identical as text, 1 within 1e-6" in without_monte_carlo.detail(archive, "balance")


def test_commits_of_git_order_are_timeline_events_and_their_order_is_recomputed(without_monte_carlo):
    archive, _ = PASSING["commits"]
    assert without_monte_carlo.status(archive)["timeline"] == "PASS", without_monte_carlo.rows
    detail = without_monte_carlo.detail(archive, "timeline")
    assert "4 events recomputed" in detail and "OUT OF ORDER" in detail and "draw/git-order.json" in detail


def test_an_archive_drawn_without_the_notebooks_has_no_fairness_files_to_recompute(page, page_browser):
    outcome = run_page(page_browser, page, FIXTURE, case="draw-v1, this version's page")
    assert outcome.status("2026Q1")["fairness"] == "PASS"
    assert "nothing to recompute" in outcome.detail("2026Q1", "fairness")
    assert not {"balance", "inclusion", "timeline"} & set(outcome.status("2026Q1"))


# --- the page's numbers, from its source file ---------------------------------------------------------------------


def _cases() -> list[tuple[float, int]]:
    chance = random.Random(20261207)
    cases = []
    for df in [*range(1, 41), 99, 373, 553, 999, 1999, 20000]:
        spread = math.sqrt(2 * df)
        cases += [(x, df) for x in (1e-6, 0.5, df / 2, df - 1, df, df + 1, df + 2 * spread, df + 6 * spread,
                                    3 * df + 40)]
        cases += [(chance.uniform(0, 3 * df + 40), df) for _ in range(10)]
    return cases


def test_chi_square_survival_function_of_the_page_agrees_with_scipy(page_browser):
    browser = page_browser  # each engine's own Math.exp, Math.log, …
    from scipy import stats

    cases = _cases()
    browser.get("about:blank")  # the page's own source, alone in a blank page: no hook in the page
    found = browser.execute_script(SOURCE.read_text(encoding="utf-8")
                                   + "\nreturn arguments[0].map(([x, df]) => chiSquareSf(x, df));",
                                   cases)
    expected = [float(stats.chi2.sf(x, df)) for x, df in cases]
    worst = max(abs(a - b) for a, b in zip(found, expected, strict=True))
    assert worst < 1e-13, worst
    relative = max(abs(a - b) / b for a, b in zip(found, expected, strict=True) if b > 1e-100)
    assert relative < 1e-10, relative


def test_plain_sha256_of_the_page_agrees_with_hashlib(page_browser):
    browser = page_browser
    import hashlib

    chance = random.Random(5)
    cases = [([chance.randrange(256) for _ in range(chance.randint(0, 140))],
              [chance.randrange(256) for _ in range(chance.randint(0, 140))]) for _ in range(200)]
    browser.get("about:blank")
    found = browser.execute_script(SOURCE.read_text(encoding="utf-8") + """
        return arguments[0].map(([prefix, suffix]) => {
          const out = new Int32Array(8);
          prefixSha256(Uint8Array.from(prefix))(Uint8Array.from(suffix), out, 0);
          return Array.from(out, (w) => (w >>> 0).toString(16).padStart(8, '0')).join('');
        });""", cases)
    assert found == [hashlib.sha256(bytes(prefix + suffix)).hexdigest() for prefix, suffix in cases]
