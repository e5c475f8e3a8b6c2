"""verify.html checks the public files ("one public", 一公开) as make verify's 'public' check does.

The page rebuilds publication.csv, tasks.csv and publication.html byte for byte from the archive and its records,
in the public format the latest results record names (1 or 2), and compares their SHA-256 with the record's
results.json; when the reviewer chooses the public folder (public/<quarter>/), it compares each chosen file byte
for byte, names a missing or extra one, and reads publication.xlsx (format 2: its zip inflated by the browser, every
cell a text cell equal to the rebuilt tables). Opened in headless Chromium as in test_verify_page.py: on the demo
drawn and recorded by make, and on a small quarter drawn by the engine whose entities carry hostile names (formula
starts, quotes, commas, ';' and tab, HTML, bidi and other hidden characters, astral-plane characters), honest, in
format 1, and with its public files or its record altered one way at a time; make verify (verify.checks) is asked
about the record too.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest
from test_verify_page import reseal, run_page, severe

from conftest import needs_chromium
from projects import make_project, seed_after_freeze
from zhanhe_audit import append, engine, publish, report, results, results_form, text, verify, verify_page
from zhanhe_audit.evidence.archived import load_archived
from zhanhe_audit.evidence.records import record_folders
from zhanhe_audit.kinds import apply_records
from zhanhe_audit.paths import Project

pytestmark = pytest.mark.slow

DEMO = "demo-2026Q4"
Q = "2026Q1"
TREE = "public tree"
# Each name combines several things a rebuild must get right: a formula start (neutralised in the CSV files),
# quotes, a comma, ';' and a tab (format 2 quotes them), HTML to escape, bidi controls (shown as ⟨U+XXXX⟩ in the
# page), hidden characters that are not bidi controls (shown as they are), characters beyond U+FFFF.
HOSTILE = ['=HYPERLINK("http://example.invalid","点我"),甲;乙\t丙', "-3+4<img src=x onerror=alert(1)>'&amp;",
           "\u202e司公限有贸商\u202c\u2066湛河\u2069\u200e\u200f\u061c\u202a\u202b\u202d",
           "@零宽\u200b空格𠀀\ue000公司"]


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def _detail(outcome, archive: str, check: str = "public") -> str:
    return outcome.detail(archive, check)


def _only_public_failed(outcome, archive: str) -> str:
    """The page failed 'public' alone (the archive's own checks pass): its detail."""
    assert outcome.verdict == "FAIL" and severe(outcome) == [] and not outcome.alerted
    assert [(name, check) for name, check, _ in outcome.failed()] == [(archive, "public")], outcome.failed()
    return _detail(outcome, archive)


# --- the demo, drawn and recorded by make ------------------------------------------------------------------------


@needs_chromium
def test_demo_results_pass_public_with_and_without_the_public_folder(demo_results, browser):
    root, _ = demo_results
    archive, public = root / "outputs" / DEMO, root / "public" / DEMO
    without = run_page(browser, archive / "verify.html", archive)
    assert without.failed() == [] and without.verdict == "PASS" and severe(without) == []
    assert without.status(DEMO)["public"] == "PASS" and without.status(DEMO)[TREE] == "NOT CHECKED"
    assert "3 public files (publication.csv, publication.html, tasks.csv, public format 2)" in _detail(without, DEMO)
    assert "match records/0001-results/results.json" in _detail(without, DEMO)
    assert "the published tree itself was not compared" in _detail(without, DEMO)
    assert "the reviewer did not choose the public folder" in _detail(without, DEMO, TREE)
    assert "publication.xlsx" in _detail(without, DEMO, TREE)

    chosen = run_page(browser, archive / "verify.html", archive, public_folder=public)
    assert chosen.failed() == [] and chosen.verdict == "PASS" and severe(chosen) == []
    assert chosen.status(DEMO)["public"] == "PASS" and TREE not in chosen.status(DEMO)
    assert {check for _, check in chosen.unchecked()} == {"git order", "announced seed", "announced head", "inclusion"}
    cells = sum(len(row) for name in ("publication.csv", "tasks.csv")
                for row in _rows((public / name).read_text(encoding="utf-8")))
    detail = _detail(chosen, DEMO)
    assert f"the published tree {DEMO}/ is identical" in detail and f"each of its {cells} cells is text" in detail


# --- a small quarter with hostile names, drawn by the engine -----------------------------------------------------


def _pages(record: Path, archive: Path) -> None:
    """Placeholders for the 05-results page (its notebook costs seconds and is not the point here)."""
    for name in ("notebooks/05-results.ipynb", "html/05-results.html"):
        (record / name).parent.mkdir(parents=True, exist_ok=True)
        (record / name).write_text("placeholder for the 05-results page\n", encoding="utf-8")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    """2026Q1 of 300 entities, each named after one of HOSTILE (before the freeze), drawn, with a result for each
    visit recorded as of 2026-03-31 (public format 2): the project root."""
    root = tmp_path_factory.mktemp("public") / "project"
    root.mkdir()
    make_project(root, Q, entities=300)
    register = root / "registers" / Q / "entities.csv"
    header, *rows = list(csv.reader(io.StringIO(register.read_text(encoding="utf-8"), newline="")))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(
        [header, *(row[:1] + [HOSTILE[index % len(HOSTILE)] + row[1]] + row[2:] for index, row in enumerate(rows))])
    register.write_text(buffer.getvalue(), encoding="utf-8")
    project = Project(root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIT_CEILING_DIRECTORIES", str(root.parent))
        engine.freeze_quarter(project, Q)
        seed_after_freeze(root, Q)
        engine.draw_quarter(project, Q)
        visits = list(csv.DictReader(io.StringIO(
            (project.archive(Q) / "draw" / "visits.csv").read_text(encoding="utf-8"))))
        form = io.StringIO()
        writer = csv.writer(form, lineterminator="\n")
        writer.writerow([column.header for column in results_form.FORM_COLUMNS])
        for visit in visits:
            row = {"visit": visit["visit"], "uscc": visit["uscc"], "item": visit["items"].split(";")[0],
                   "start": "2026-02-02", "end": "2026-02-03", "inspectors": "；".join(visit["inspectors"].split(";")),
                   "categories": "未发现问题", "published": "2026-02-10"}
            writer.writerow([row.get(column.key, "") for column in results_form.FORM_COLUMNS])
        project.forms(Q).mkdir(parents=True, exist_ok=True)
        (project.forms(Q) / "filled.csv").write_text(form.getvalue(), encoding="utf-8")
        append.record_results(project, Q, project.forms(Q) / "filled.csv", date(2026, 3, 31), pages=_pages)
    names = [row[6] for row in _rows((project.public(Q) / "publication.csv").read_text(encoding="utf-8"))[1:]]
    for name in HOSTILE:  # what the quarter is for: each hostile name published, the formula ones neutralised
        assert any(cell.startswith(publish.neutralise(name)) for cell in names), name
    assert all(check.status != "FAIL" for check in verify.checks(project, Q))
    return root


def _public_copy(hostile: Path, tmp_path: Path) -> Path:
    """A copy of the published tree public/<quarter>/ (the archive is the fixture's own), to alter."""
    copy = tmp_path / "public" / Q
    shutil.copytree(hostile / "public" / Q, copy)
    return copy


def _page(hostile: Path) -> Path:
    return hostile / "outputs" / Q / "verify.html"


@needs_chromium
def test_hostile_names_are_rebuilt_byte_for_byte_and_the_workbook_read(hostile, browser):
    archive = hostile / "outputs" / Q
    outcome = run_page(browser, _page(hostile), archive, public_folder=hostile / "public" / Q)
    assert outcome.failed() == [] and outcome.verdict == "PASS" and severe(outcome) == [] and not outcome.alerted
    assert outcome.images == 0 and outcome.scripts == 2  # the names are text, never markup
    detail = _detail(outcome, Q)
    assert "public format 2" in detail and f"the published tree {Q}/ is identical" in detail
    page = (hostile / "public" / Q / "publication.html").read_text(encoding="utf-8")
    assert report.escape(HOSTILE[2]) in page and "⟨U+202E⟩" in page and "\u200b" in page  # as the page rebuilt it


def _rewrite_zip(path: Path, change) -> None:
    """The workbook's parts, name -> bytes, changed by ``change`` and written again (a zip as any tool writes it)."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in change(parts).items():
            target.writestr(name, data)


def _formula_in_a2(parts: dict[str, bytes]) -> dict[str, bytes]:
    sheet = parts["xl/worksheets/sheet1.xml"].decode("utf-8")
    cell = re.search(r'<c r="A2"[^>]*>.*?</c>', sheet).group(0)
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(
        cell, '<c r="A2" s="2" t="str"><f>"x"&amp;"y"</f><v>xy</v></c>').encode()
    return parts


def _edit(path: Path, row: int, column: int, change) -> tuple[str, str]:
    """One cell of a published CSV changed, the file written as publish.py writes format 2: (before, after)."""
    rows = _rows(path.read_text(encoding="utf-8"))
    before = rows[row - 1][column]
    rows[row - 1][column] = change(before)
    path.write_text("\ufeff" + "".join(",".join(publish._quoted(cell) for cell in line) + "\n" for line in rows),
                    encoding="utf-8")
    return before, rows[row - 1][column]


@needs_chromium
def test_a_changed_name_page_formula_and_an_extra_file_each_fail_public_naming_it(hostile, tmp_path, browser):
    public = _public_copy(hostile, tmp_path)
    before, name = _edit(public / "publication.csv", 3, 6, lambda cell: cell + "X")
    page = (public / "publication.html").read_text(encoding="utf-8")
    (public / "publication.html").write_text(page.replace("共 ", "共计 ", 1), encoding="utf-8")
    (public / "notes.txt").write_text("not published\n", encoding="utf-8")
    _rewrite_zip(public / "publication.xlsx", _formula_in_a2)
    detail = _only_public_failed(run_page(browser, _page(hostile), hostile / "outputs" / Q, public_folder=public), Q)
    assert detail.startswith(f"公示文件夹 the published tree {Q}/ 与重建的文件不同 differs: ")
    assert (f"publication.csv 第 3 行 row 3, 列 column 企业名称: 重算 recomputed '{text.visible(before)}', "
            f"公示 published '{text.visible(name)}'") in detail
    assert "changed publication.html" in detail and "publication.html 第 " in detail and "共计 " in detail
    assert "extra   notes.txt" in detail
    assert "changed publication.xlsx" in detail
    assert "工作表 sheet 检查结果 单元格 cell A2 含有公式 holds a formula (<f>)" in detail


@needs_chromium
def test_a_changed_date_a_workbook_cell_rewritten_by_openpyxl_and_a_missing_file_fail_public(
        hostile, tmp_path, browser):
    from openpyxl import load_workbook

    public = _public_copy(hostile, tmp_path)
    before, after = _edit(public / "publication.csv", 5, 4, lambda cell: cell[:-1] + ("1" if cell[-1] != "1" else "2"))
    book = load_workbook(public / "publication.xlsx")
    old = book["检查结果"]["G4"].value
    book["检查结果"]["G4"] = "平顶山另一家有限公司"
    book.save(public / "publication.xlsx")
    (public / "tasks.csv").unlink()
    detail = _only_public_failed(run_page(browser, _page(hostile), hostile / "outputs" / Q, public_folder=public), Q)
    assert (f"publication.csv 第 5 行 row 5, 列 column 检查完成日期: 重算 recomputed '{before}', 公示 published "
            f"'{after}'") in detail
    assert (f"工作表 sheet 检查结果 单元格 cell G4（第 4 行 row 4, 列 column 企业名称）: 重算 recomputed "
            f"'{text.visible(old)}', 工作簿 workbook '平顶山另一家有限公司'") in detail
    assert "missing tasks.csv" in detail


def _shared_strings(parts: dict[str, bytes]) -> dict[str, bytes]:
    """The inline strings of both sheets made shared strings (as Excel and LibreOffice write them), one run of A1
    split in two with a phonetic run (not part of the text), and the shared string of H3 changed."""
    inline = re.compile(r'<c ([^>]*?)t="inlineStr"([^>]*)><is><t(?: xml:space="preserve")?>(.*?)</t></is></c>', re.S)
    strings: list[str] = []

    def shared(match: re.Match) -> str:
        strings.append(match.group(3))
        return f'<c {match.group(1)}t="s"{match.group(2)}><v>{len(strings) - 1}</v></c>'
    for sheet in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"):
        parts[sheet] = inline.sub(shared, parts[sheet].decode("utf-8")).encode("utf-8")
    h3 = re.search(r'<c r="H3"[^>]*><v>(\d+)</v>', parts["xl/worksheets/sheet1.xml"].decode()).group(1)
    strings[int(h3)] = "91410411000000000X"
    items = [f'<si><t xml:space="preserve">{value}</t></si>' for value in strings]
    assert strings[0] == "抽查计划"
    items[0] = '<si><r><t>抽查</t></r><r><rPr><b/></rPr><t>计划</t></r><rPh sb="0" eb="2"><t>ちゅうさ</t></rPh></si>'
    parts["xl/sharedStrings.xml"] = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://'
                                     'schemas.openxmlformats.org/spreadsheetml/2006/main" '
                                     'count="{0}" uniqueCount="{0}">'
                                     .format(len(items)) + "".join(items) + "</sst>").encode("utf-8")
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    return parts


@needs_chromium
def test_a_workbook_of_shared_strings_is_read_cell_by_cell(hostile, tmp_path, browser):
    public = _public_copy(hostile, tmp_path)
    uscc = _rows((public / "publication.csv").read_text(encoding="utf-8"))[2][7]
    _rewrite_zip(public / "publication.xlsx", _shared_strings)
    detail = _only_public_failed(run_page(browser, _page(hostile), hostile / "outputs" / Q, public_folder=public), Q)
    assert "changed publication.xlsx" in detail
    # every cell before H3, the rich A1 among them, was read from the shared strings and found equal
    assert ("工作表 sheet 检查结果 单元格 cell H3（第 3 行 row 3, 列 column 统一社会信用代码）: "
            f"重算 recomputed '{uscc}', 工作簿 workbook '91410411000000000X'") in detail


@needs_chromium
def test_a_public_folder_not_named_after_the_quarter_is_not_compared_and_the_page_says_so(hostile, tmp_path, browser):
    elsewhere = tmp_path / "公示"
    shutil.copytree(hostile / "public" / Q, elsewhere)
    outcome = run_page(browser, _page(hostile), hostile / "outputs" / Q, public_folder=elsewhere)
    assert outcome.failed() == [] and outcome.status(Q)["public"] == "PASS" and outcome.status(Q)[TREE] == "NOT CHECKED"
    assert (f"the chosen public folder holds no folder {Q}/: 选择 public/{Q}/ choose public/{Q}/"
            in _detail(outcome, Q, TREE))


@needs_chromium
def test_an_archive_without_results_has_published_nothing_yet(hostile, tmp_path, browser):
    root = tmp_path / "project"
    shutil.copytree(hostile, root, symlinks=True)
    shutil.rmtree(root / "outputs" / Q / "records")  # the draw alone, as before make results
    archive = root / "outputs" / Q
    outcome = run_page(browser, archive / "verify.html", archive, public_folder=root / "public" / Q)
    assert outcome.failed() == [] and outcome.verdict == "PASS"
    assert outcome.status(Q)["public"] == "NOTE" and TREE not in outcome.status(Q)
    assert "no results recorded yet, so nothing is published" in _detail(outcome, Q)
    python = {check.name: check for check in verify.checks(Project(root), Q)}
    assert python["public"].status == "NOTE" and python["public"].detail in _detail(outcome, Q)


@pytest.fixture
def altered_record(hostile, tmp_path) -> Path:
    """A copy of the quarter whose results.json lists another SHA-256 for publication.csv, resealed: the root."""
    root = tmp_path / "project"
    shutil.copytree(hostile, root, symlinks=True)
    path = root / "outputs" / Q / "records" / "0001-results" / "results.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    digest = data["public"][f"public/{Q}/publication.csv"]
    path.write_text(path.read_text(encoding="utf-8").replace(digest, ("0" if digest[0] != "0" else "1") + digest[1:]),
                    encoding="utf-8")
    reseal(root / "outputs" / Q)
    return root


@needs_chromium
def test_a_resealed_record_listing_another_digest_fails_public_in_the_page_and_in_make_verify(altered_record, browser):
    archive = altered_record / "outputs" / Q
    outcome = run_page(browser, archive / "verify.html", archive)
    detail = _only_public_failed(outcome, Q)
    # only the rebuild catches it
    assert outcome.status(Q)["files"] == "PASS" and outcome.status(Q)["records"] == "PASS"
    assert detail.startswith(f"public/{Q}/publication.csv: "
                             "由归档重建的文件与 records/0001-results/results.json 所记 SHA-256 不符")
    assert outcome.status(Q)[TREE] == "NOT CHECKED"
    python = {check.name: check for check in verify.checks(Project(altered_record), Q)}
    assert python["public"].status == "FAIL" and f"public/{Q}/publication.csv" in python["public"].detail
    assert [name for name, check in python.items() if check.status == "FAIL"] == ["public"]


@pytest.fixture
def format_1(hostile, tmp_path) -> Path:
    """A copy of the quarter as a record of public format 1 left it: results.json without public_format listing the
    three files of format 1, the published tree those files, resealed: the root."""
    root = tmp_path / "project"
    shutil.copytree(hostile, root, symlinks=True)
    project = Project(root)
    folder = project.archive(Q)
    records = record_folders(folder)
    state = apply_records(folder, records)
    files = publish.public_files(load_archived(folder, Q), state.visits, results.latest(state), 1)
    assert sorted(files) == ["publication.csv", "publication.html", "tasks.csv"]
    publish.write_public(project.public(Q), files)
    data = results.ResultsRecord.read(records[-1])
    one = dataclasses.replace(data, public={f"public/{Q}/{name}": publish.sha256_bytes(value)
                                            for name, value in files.items()},
                              public_format=1)
    (records[-1] / "results.json").write_text(one.to_json(), encoding="utf-8")
    assert "public_format" not in one.to_json()
    reseal(folder)
    return root


@needs_chromium
def test_a_format_1_record_is_rebuilt_in_format_1_and_passes(format_1, browser):
    archive, public = format_1 / "outputs" / Q, format_1 / "public" / Q
    assert '"' in (public / "publication.csv").read_text(encoding="utf-8")  # Python's csv quoting, not format 2's
    outcome = run_page(browser, archive / "verify.html", archive, public_folder=public)
    assert outcome.failed() == [] and outcome.verdict == "PASS" and severe(outcome) == []
    detail = _detail(outcome, Q)
    assert "public format 1" in detail and f"the published tree {Q}/ is identical" in detail
    assert "publication.xlsx" not in detail
    python = {check.name: check for check in verify.checks(Project(format_1), Q)}
    assert python["public"].status == "PASS"


# --- the page's copy of publish.py's constants ---------------------------------------------------------------------


def test_the_pages_constants_are_publish_pys():
    source = (verify_page.SOURCES / "verify" / "16-public.js").read_text(encoding="utf-8")
    for name, value in [("PUBLIC_RESULTS_HEADER", list(publish.RESULTS_HEADER)),
                        ("PUBLIC_TASKS_HEADER", list(publish.TASKS_HEADER)), ("PUBLIC_JOIN", publish.JOIN),
                        ("PUBLIC_DISTRICT", publish.DISTRICT), ("PUBLIC_QUARTER_NAMES", publish.QUARTER_NAMES)]:
        assert f"const {name} = {json.dumps(value, ensure_ascii=False)};" in source, name
    for name, value in [("PUBLIC_BOM", publish.BOM), ("FORMULA_STARTS", list(publish.FORMULA_STARTS)),
                        ("PUBLIC_SPLIT", list(publish.SPLIT)), ("BIDI_CONTROLS", report.BIDI_CONTROLS),
                        ("PUBLIC_CSP", publish.CSP), ("PUBLIC_STYLE", publish.STYLE)]:
        assert f"const {name} = {json.dumps(value)};" in source, name
    assert publish.FORMATS == (1, 2) and publish.PUBLIC_FILES == ("publication.csv", "publication.html",
                                                                  "publication.xlsx", "tasks.csv")
