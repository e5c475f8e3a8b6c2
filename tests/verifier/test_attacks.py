"""What a reviewer sees is what was drawn: attacks by someone who can write the archive and reseal it (SHA256SUMS,
manifests and seals recomputed, as a forger's tool would), each failing the right check in both verifiers
(``make verify`` and ``verify.html``, the page in headless Chromium and in headless Firefox: test ids chromium,
firefox), or refused at the draw.

- a re-draw under a look-alike seed (a bidi override, a zero-width space, a no-break space) with the freeze
  record unchanged (it leaves the seed out);
- a re-draw under another seed, the announced seed given;
- a record deleted (the last, or one from the middle with the later renumbered and relinked), an earlier
  announced head given;
- an extra listed file in draw/ and in inputs/;
- a resealed report.html showing another seed;
- a changed p-value in fairness/balance.csv.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from test_verify_page import reseal, run_page

from projects import SEED, drawn_project, make_project, seed_after_freeze
from zhanhe_audit import append, engine, verify
from zhanhe_audit.errors import ParamsError
from zhanhe_audit.paths import Project

Q = "2026Q1"
DEMO = "demo-2026Q4"
REASON = "已注销 deregistered"
LOOK_ALIKES = {  # the announced seed with one character that does not show
    "bidi override": SEED["value"][:10] + "\u202e" + SEED["value"][10:20] + "\u202c" + SEED["value"][20:],
    "zero-width space": SEED["value"] + "\u200b",
    "no-break space": SEED["value"].replace(" ", "\u00a0", 1),
}

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def no_outer_git(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))


# Each attack is made once, in a fixture of the module, and make verify asked about it there: the page then
# verifies the same archive in each browser (test ids chromium, firefox), the two must show the same rows, and
# nothing but the page runs twice.


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """New folders for the module's fixtures, outside any git work tree (as no_outer_git makes it for a test)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path_factory.getbasetemp()))
        yield tmp_path_factory.mktemp


def _verified(root: Path, quarter: str = Q, seed: str = "", head: str = "") -> dict[str, verify.Check]:
    """make verify's checks of ``quarter`` by name, given the announced values."""
    return {check.name: check for check in verify.checks(Project(root), quarter, seed or None, head or None)}


def _page(root: Path, browser, case: str, quarter: str = Q, seed: str = "", head: str = ""):
    """The page's outcome for ``quarter`` in ``browser``, given the announced values (compared between the browsers
    under ``case``)."""
    browser.get("about:blank")
    return run_page(browser, root / "outputs" / quarter / "verify.html", root / "outputs" / quarter,
                    announced=(seed, head), case=case)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- look-alike seeds ---------------------------------------------------------------------------------------------


def _drawn_with(root: Path, seed: str) -> Project:
    """A quarter drawn under ``seed`` by a copy of the tool that lets any seed through, the freeze committed first."""
    make_project(root, Q, entities=200)
    project = Project(root)
    engine.freeze_quarter(project, Q)
    seed_after_freeze(root, Q, seed=dict(SEED, value=seed))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine, "check_seed_text", lambda seed, shown: None)
        engine.draw_quarter(project, Q)
    return project


@pytest.mark.parametrize("kind", list(LOOK_ALIKES))
def test_a_look_alike_seed_is_refused_by_the_draw_naming_its_code_point(tmp_path, kind):
    make_project(tmp_path, Q, entities=50)
    engine.freeze_quarter(Project(tmp_path), Q)
    seed_after_freeze(tmp_path, Q, seed=dict(SEED, value=LOOK_ALIKES[kind]))
    code = {"bidi override": "U+202E (RIGHT-TO-LEFT OVERRIDE)", "zero-width space": "U+200B (ZERO WIDTH SPACE)",
            "no-break space": "U+00A0 (NO-BREAK SPACE)"}[kind]
    with pytest.raises(ParamsError, match=rf"seed\.value.*{re.escape(code)} at character"):
        engine.draw_quarter(Project(tmp_path), Q)
    assert not (tmp_path / "outputs").exists()


@pytest.fixture(scope="module", params=list(LOOK_ALIKES))
def look_alike(request, folder) -> tuple[str, Path, dict[str, verify.Check]]:
    """A quarter drawn under a look-alike of the announced seed: (kind, root, make verify's checks)."""
    project = _drawn_with(folder("look-alike"), LOOK_ALIKES[request.param])
    return request.param, project.root, _verified(project.root, seed=SEED["value"])


def test_a_redraw_under_a_look_alike_seed_fails_seed_and_the_announced_seed_in_both_verifiers(look_alike, page_browser):
    kind, root, checks = look_alike
    outcome = _page(root, page_browser, f"look-alike seed: {kind}", seed=SEED["value"])
    hidden = {"bidi override": "U+202E", "zero-width space": "U+200B", "no-break space": "U+00A0"}[kind]
    # the freeze record leaves the seed out: it passes; what the seed shows does not
    assert checks["freeze"].status == "PASS" and outcome.status(Q)["freeze"] == "PASS"
    for found in (checks["seed"].detail, outcome.detail(Q, "seed"), checks["announced seed"].detail,
                  outcome.detail(Q, "announced seed")):
        assert hidden in found, found
    assert checks["seed"].status == checks["announced seed"].status == "FAIL"
    assert outcome.status(Q)["seed"] == outcome.status(Q)["announced seed"] == "FAIL"
    assert outcome.verdict == "FAIL"


OTHER = SEED["value"][:-1] + ("5" if SEED["value"][-1] != "5" else "6")


@pytest.fixture(scope="module")
def drawn(folder) -> tuple[Path, dict[str, verify.Check]]:
    """A quarter drawn under the test seed, make verify given another as announced: (root, checks)."""
    project = drawn_project(folder("other-seed"), Q, entities=200)
    return project.root, _verified(project.root, seed=OTHER)


def test_a_redraw_under_another_seed_fails_the_announced_seed_naming_the_first_differing_character(drawn, page_browser):
    root, checks = drawn
    outcome = _page(root, page_browser, "another seed announced", seed=OTHER)
    where = f"character {len(OTHER)}"
    assert checks["announced seed"].status == "FAIL" and where in checks["announced seed"].detail
    assert outcome.status(Q)["announced seed"] == "FAIL" and where in outcome.detail(Q, "announced seed")
    assert {name for name, check in checks.items() if check.status == "FAIL"} == {"announced seed"}
    assert {check for _, check, detail in outcome.failed()} == {"announced seed"}


# --- records deleted, the chain relinked; an earlier announced head --------------------------------------------------


@pytest.fixture(scope="module")
def three_records(folder) -> tuple[Path, list[str]]:
    """A quarter with three replacement records: (root, the chain head announced after each)."""
    root = folder("heads")
    project = drawn_project(root, Q, entities=400)
    heads = []
    visits = list(csv.DictReader(io.StringIO((project.archive(Q) / "draw" / "visits.csv").read_text("utf-8"))))
    for visit in [v for v in visits if ";" not in v["tasks"]][:3]:
        record = append.replace(project, Q, visit["uscc"], REASON)
        heads.append(_digest(record / "manifest.json"))
    return root, heads


def _copy(root: Path, target: Path) -> Path:
    target = target / "project"
    shutil.copytree(root, target, symlinks=True)
    return target


@pytest.fixture(scope="module")
def last_deleted(three_records, folder) -> tuple[Path, list[str], dict[str, verify.Check], dict[str, verify.Check]]:
    """The last record deleted: (root, heads, make verify given the last head, given the one before)."""
    source, heads = three_records
    root = _copy(source, folder("last-deleted"))
    shutil.rmtree(root / "outputs" / Q / "records" / "0003-replacement")
    return root, heads, _verified(root, head=heads[2]), _verified(root, head=heads[1])


def test_the_last_record_deleted_fails_only_the_announced_head_in_both_verifiers(last_deleted, page_browser):
    root, heads, checks, earlier = last_deleted
    outcome = _page(root, page_browser, "the last record deleted, its head", head=heads[2])
    assert {name for name, check in checks.items() if check.status == "FAIL"} == {"announced head"}
    assert {check for _, check, _ in outcome.failed()} == {"announced head"}
    assert "neither this archive's head" in checks["announced head"].detail
    assert "既不是本档案的链头" in outcome.detail(Q, "announced head")
    # an earlier head, announced before the deleted record, is still on the chain
    outcome = _page(root, page_browser, "the last record deleted, an earlier head", head=heads[1])
    assert earlier["announced head"].status == "PASS" and outcome.status(Q)["announced head"] == "PASS"


@pytest.fixture(scope="module")
def middle_deleted(three_records, folder) -> tuple[Path, list[str], dict[str, verify.Check]]:
    """The middle record deleted, the last renumbered and relinked, resealed: (root, heads, make verify given the
    second head)."""
    source, heads = three_records
    root = _copy(source, folder("middle-deleted"))
    records = root / "outputs" / Q / "records"
    shutil.rmtree(records / "0002-replacement")
    (records / "0003-replacement").rename(records / "0002-replacement")
    manifest = records / "0002-replacement" / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["previous"]["path"] = f"{Q}/records/0001-replacement/manifest.json"
    data["files"] = {name.replace("0003-", "0002-"): digest for name, digest in data["files"].items()}
    manifest.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    reseal(root / "outputs" / Q)
    return root, heads, _verified(root, head=heads[1])


def test_a_middle_record_deleted_and_the_chain_relinked_fails_the_announced_head(middle_deleted, page_browser):
    root, heads, checks = middle_deleted
    outcome = _page(root, page_browser, "a middle record deleted", head=heads[1])
    assert checks["chain"].status == "PASS" and outcome.status(Q)["chain"] == "PASS"  # relinked: the chain holds
    assert checks["announced head"].status == "FAIL" and outcome.status(Q)["announced head"] == "FAIL"


# --- files nothing accounts for -------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["draw/corrections.csv", f"inputs/registers/{Q}/extra.csv"])
def extra_listed(request, folder) -> tuple[str, Path, dict[str, verify.Check]]:
    """A drawn quarter with an extra file, resealed: (the file, root, make verify's checks)."""
    project = drawn_project(folder("extra"), Q, entities=200)
    archive = project.archive(Q)
    (archive / request.param).write_text("uscc,reason\n91410411MA00000000,corrected\n", encoding="utf-8")
    reseal(archive)
    return request.param, project.root, _verified(project.root)


def test_an_extra_listed_file_fails_accounted_in_both_verifiers(extra_listed, page_browser):
    extra, root, checks = extra_listed
    outcome = _page(root, page_browser, f"an extra file: {extra}")
    assert checks["accounted"].status == "FAIL" and extra in checks["accounted"].detail
    assert outcome.status(Q)["accounted"] == "FAIL" and extra in outcome.detail(Q, "accounted")
    assert checks["files"].status == "PASS" and outcome.status(Q)["files"] == "PASS"  # resealed


# --- the pages and the fairness evidence of a whole draw -------------------------------------------------------


def _demo_copy(demo_drawn, target: Path) -> Path:
    source, _ = demo_drawn
    root = target / "project"
    shutil.copytree(source, root, symlinks=True)
    return root


@pytest.fixture(scope="module")
def report_altered(demo_drawn, folder) -> tuple[Path, dict[str, verify.Check]]:
    """The demo with report.html showing another seed, resealed: (root, make verify's checks)."""
    root = _demo_copy(demo_drawn, folder("report"))
    archive = root / "outputs" / DEMO
    report = archive / "report.html"
    seed = json.loads((archive / "draw" / "draw.json").read_text(encoding="utf-8"))["seed"]
    other = seed[:-1] + ("5" if seed[-1] != "5" else "6")
    text = report.read_text(encoding="utf-8")
    assert text.count(seed) >= 2
    report.write_text(text.replace(seed, other), encoding="utf-8")
    reseal(archive)
    return root, _verified(root, DEMO)


def test_a_resealed_report_showing_another_seed_fails_pages_in_both_verifiers(report_altered, page_browser):
    root, checks = report_altered
    outcome = _page(root, page_browser, "a report showing another seed", DEMO)
    assert checks["pages"].status == "FAIL" and "report.html" in checks["pages"].detail
    assert outcome.status(DEMO)["pages"] == "FAIL" and "report.html: seed" in outcome.detail(DEMO, "pages")


@pytest.fixture(scope="module")
def p_value_altered(demo_drawn, folder) -> tuple[Path, dict[str, verify.Check]]:
    """The demo with a p-value of fairness/balance.csv changed, resealed: (root, make verify's checks)."""
    root = _demo_copy(demo_drawn, folder("p-value"))
    archive = root / "outputs" / DEMO
    path = archive / "fairness" / "balance.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    column = rows[0].index("p_value")
    row = next(index for index, cells in enumerate(rows) if index and cells[column])
    rows[row][column] = "0.001" if rows[row][column] != "0.001" else "0.002"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    reseal(archive)
    return root, _verified(root, DEMO)


def test_a_changed_p_value_in_balance_fails_fairness_in_both_verifiers(p_value_altered, page_browser):
    root, checks = p_value_altered
    outcome = _page(root, page_browser, "a changed p-value", DEMO)
    assert checks["fairness"].status == "FAIL" and "fairness/balance.csv differs" in checks["fairness"].detail
    assert outcome.status(DEMO)["balance"] == "FAIL" and "p_value" in outcome.detail(DEMO, "balance")
