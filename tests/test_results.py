"""Inspection results: the results form, a filled form checked against the archive, the results record,
supersession, overdue publications, verify's re-validation, the violations file and the demo's filled form
(results.py, append.record_results, verify's 'records', 'public' and 'follow-up' checks).

Each test draws a small quarter with the engine only (about 0.1 s) and writes filled forms by hand from the
archive's ``draw/visits.csv``, read with the csv module. Expected values are written out here or computed with
hashlib, csv, openpyxl and the chinesecalendar package directly, never with the code under test.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar
import pytest
import yaml
from openpyxl import load_workbook

from projects import ROOT, drawn_project, tree
from zhanhe_audit import append, cli, demo, results_form, verify, violations
from zhanhe_audit.errors import Problem, ReplacementRefused, ResultsError
from zhanhe_audit.evidence.archived import load_archived
from zhanhe_audit.kinds import apply_records
from zhanhe_audit.paths import Project

Q = "2026Q1"
ENTITIES = 300
AS_OF = date(2026, 3, 31)
FORM = f"registers/{Q}/filled.csv"  # as the project shows it in messages
SAMR, HEALTH = "湛河区市场监督管理局", "湛河区卫生健康委员会"

# The standard result categories, as mission.md lists them (written out here, not imported).
CATEGORIES = ("未发现问题", "未按规定公示应当公示的信息", "公示信息隐瞒真实情况、弄虚作假",
              "通过登记的住所（经营场所）无法联系", "发现问题已责令改正", "发现问题待后续处理",
              "未发现开展本次抽查涉及的经营活动", "已关闭停业或正在组织清算", "不配合检查情节严重")
NOT_PROBLEMS = {"未发现问题", "未发现开展本次抽查涉及的经营活动", "已关闭停业或正在组织清算"}
DISPOSITIONS = ("无需处置", "责令改正", "立案查处", "移交")
STATUSES = ("待处置", "已移交已接收", "已立案", "已整改已复查", "已办结")
RESULTS_CSV_HEADER = ["visit", "uscc", "item", "department", "start", "end", "inspectors", "categories", "findings",
                      "disposition", "receiving_department", "status", "published", "penalty_number", "penalty_date",
                      "abnormal_list", "deadline", "supersedes"]
# Deadlines counted by hand from the State Council's 2026 notice (春节 15-23 February off; Saturday 14 and
# Saturday 28 February worked): 20 working days after the end date, the end date itself not counted.
HAND_DEADLINES = {date(2026, 2, 3): date(2026, 3, 9), date(2026, 2, 13): date(2026, 3, 19)}


@pytest.fixture(autouse=True)
def no_outer_git(tmp_path, monkeypatch):
    """git must not find a repository above tmp_path."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))


def _draw(root: Path) -> Project:
    """A project with ``Q`` frozen, seeded (provenance date 2026-01-05) and drawn by the engine."""
    return drawn_project(root, Q, ENTITIES)


@pytest.fixture
def project(tmp_path) -> Project:
    return _draw(tmp_path)


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def _visits(project: Project) -> list[dict[str, str]]:
    """The drawn visits, from the archive's draw/visits.csv."""
    return _csv(project.archive(Q) / "draw" / "visits.csv")


def _certs(visit: dict[str, str]) -> list[str]:
    return visit["inspectors"].split(";")


def _row(source: dict[str, str], **filled: str) -> dict[str, str]:
    """A filled row of the visit ``source`` (its first item): nothing found, inspected 2–3 February, published on
    the 10th; ``filled`` overrides cells by their column key."""
    row = {"visit": source["visit"], "uscc": source["uscc"], "item": source["items"].split(";")[0],
           "start": "2026-02-02", "end": "2026-02-03", "inspectors": "；".join(_certs(source)),
           "categories": "未发现问题", "published": "2026-02-10"}
    row.update(filled)
    return row


def _form_text(rows: list[dict[str, str]]) -> str:
    """A filled form as CSV with the form's Chinese headers (the columns not given are blank)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([column.header for column in results_form.FORM_COLUMNS])
    for row in rows:
        writer.writerow([row.get(column.key, "") for column in results_form.FORM_COLUMNS])
    return buffer.getvalue()


def _write_form(project: Project, rows: list[dict[str, str]], name: str = "filled.csv") -> Path:
    path = project.forms(Q) / name
    path.write_text(_form_text(rows), encoding="utf-8")
    return path


def _pages(record: Path, archive: Path) -> None:
    """Placeholders for the 05-results page. Running its notebook needs papermill and a kernel (seconds), and the
    page is not what these tests are about; but verify's 'records' check wants the record's manifest to list
    exactly the kind's files, these two included, so ``pages=None`` would make it FAIL."""
    for name in ("notebooks/05-results.ipynb", "html/05-results.html"):
        (record / name).parent.mkdir(parents=True, exist_ok=True)
        (record / name).write_text("placeholder for the 05-results page\n", encoding="utf-8")


def _record(project: Project, rows: list[dict[str, str]], as_of: date = AS_OF, name: str = "filled.csv") -> Path:
    return append.record_results(project, Q, _write_form(project, rows, name), as_of, pages=_pages)


def _json(record: Path) -> dict:
    return json.loads((record / "results.json").read_text(encoding="utf-8"))


def _refused(project: Project, rows: list[dict[str, str]], as_of: date = AS_OF) -> list[Problem]:
    """The problems of a refused form; nothing was written (no record folder, no public tree, no other file)."""
    form = _write_form(project, rows)
    before = tree(project.root)
    with pytest.raises(ResultsError) as caught:
        append.record_results(project, Q, form, as_of, pages=_pages)
    assert tree(project.root) == before
    assert not (project.archive(Q) / "records").exists()
    assert not (project.root / "public").exists()
    return caught.value.problems


def _deadline(end: date) -> date:
    """20 working days after ``end``, counted with the chinesecalendar package directly."""
    day, count = end, 20
    while count:
        day += timedelta(days=1)
        count -= chinese_calendar.is_workday(day)
    return day


def _checks(project: Project) -> dict[str, verify.Check]:
    return {check.name: check for check in verify.checks(project, Q)}


def _passes(project: Project) -> bool:
    return all(check.status != "FAIL" for check in verify.checks(project, Q))


def test_hand_counted_deadlines_agree_with_the_chinesecalendar_package():
    """The two independent expectations agree (the test's own arithmetic, not the code under test)."""
    assert {end: _deadline(end) for end in HAND_DEADLINES} == HAND_DEADLINES


# --- 1. refusals -------------------------------------------------------------------------------------


def _stranger(visits: list[dict[str, str]]) -> str:
    """A certificate number drawn for some visit, but not for the first."""
    return next(cert for visit in visits[1:] for cert in _certs(visit) if cert not in _certs(visits[0]))


def _other_item(visits: list[dict[str, str]]) -> str:
    """An item of the registers that the first visit does not have."""
    return next(item for item in ("SX01", "SX02", "SX03", "SX04") if item not in visits[0]["items"].split(";"))


PROBLEM = {"categories": "发现问题已责令改正", "findings": "未按规定明码标价"}
CASE = {"categories": "不配合检查情节严重", "disposition": "立案查处", "status": "已立案"}
Rows = Callable[[list[dict[str, str]]], list[dict[str, str]]]


def case(name: str, rows: Rows, row: int, column: str, *marks: pytest.MarkDecorator):
    return pytest.param(rows, row, column, id=name, marks=marks)


REFUSALS = [
    case("visit_not_in_the_archive", lambda v: [_row(v[0], visit=f"{Q}-V0999")], 2, "visit"),
    case("uscc_of_another_visit", lambda v: [_row(v[0], uscc=v[1]["uscc"])], 2, "uscc"),
    case("item_the_visit_does_not_have", lambda v: [_row(v[0], item=_other_item(v))], 2, "item"),
    case("inspector_not_assigned_to_the_visit",
         lambda v: [_row(v[0], inspectors=f"{_certs(v[0])[0]}；{_stranger(v)}")], 2, "inspectors"),
    case("one_inspector_only", lambda v: [_row(v[0], inspectors=_certs(v[0])[0])], 2, "inspectors"),
    case("end_before_start", lambda v: [_row(v[0], start="2026-02-03", end="2026-02-02")], 2, "end"),
    case("start_before_the_seed_date_2026_01_05",
         lambda v: [_row(v[0], start="2026-01-04", end="2026-01-06", published="2026-01-07")], 2, "start"),
    case("end_after_the_as_of_date", lambda v: [_row(v[0], start="2026-03-30", end="2026-04-01", published="")], 2,
         "end"),
    case("published_after_the_as_of_date", lambda v: [_row(v[0], published="2026-04-01")], 2, "published"),
    case("penalty_date_after_the_as_of_date",
         lambda v: [_row(v[0], **CASE, penalty_number="湛市监罚〔2026〕1号", penalty_date="2026-04-01")], 2,
         "penalty_date"),
    case("published_before_the_end", lambda v: [_row(v[0], published="2026-02-02")], 2, "published"),
    case("unknown_category", lambda v: [_row(v[0], categories="检查合格")], 2, "categories"),
    case("blank_category", lambda v: [_row(v[0], categories="")], 2, "categories"),
    case("unknown_receiving_department",
         lambda v: [_row(v[0], **PROBLEM, disposition="移交", receiving_department="湛河区教育局")], 2,
         "receiving_department"),
    case("problem_without_disposition", lambda v: [_row(v[0], **PROBLEM)], 2, "disposition"),
    case("problem_with_no_disposition_needed", lambda v: [_row(v[0], **PROBLEM, disposition="无需处置")], 2,
         "disposition"),
    case("unknown_disposition", lambda v: [_row(v[0], **PROBLEM, disposition="罚款")], 2, "disposition"),
    case("transfer_without_receiving_department", lambda v: [_row(v[0], **PROBLEM, disposition="移交")], 2,
         "receiving_department"),
    case("receiving_department_without_transfer",
         lambda v: [_row(v[0], **PROBLEM, disposition="责令改正", receiving_department=HEALTH)], 2,
         "receiving_department"),
    case("unknown_status", lambda v: [_row(v[0], **PROBLEM, disposition="责令改正", status="处理中")], 2, "status"),
    case("status_without_a_problem", lambda v: [_row(v[0], status="已办结")], 2, "status"),
    case("penalty_number_without_a_case",
         lambda v: [_row(v[0], **PROBLEM, disposition="责令改正", penalty_number="湛市监罚〔2026〕1号",
                     penalty_date="2026-02-20")], 2, "penalty_number"),
    case("penalty_number_without_its_date", lambda v: [_row(v[0], **CASE, penalty_number="湛市监罚〔2026〕1号")], 2,
         "penalty_number"),
    case("penalty_date_without_its_number", lambda v: [_row(v[0], **CASE, penalty_date="2026-02-20")], 2,
         "penalty_date"),
    case("abnormal_list_neither_yes_nor_no", lambda v: [_row(v[0], abnormal_list="待定")], 2, "abnormal_list"),
    case("blank_start_date", lambda v: [_row(v[0], start="")], 2, "start"),
    case("impossible_date_30_february", lambda v: [_row(v[0], end="2026-02-30")], 2, "end"),
    case("same_visit_and_item_twice_in_one_file", lambda v: [_row(v[0]), _row(v[0], published="2026-02-11")], 3,
         "item"),
    case("second_row_bad_first_row_good", lambda v: [_row(v[0]), _row(v[1], uscc=v[0]["uscc"])], 3, "uscc"),
]


@pytest.mark.parametrize("rows, row, column", REFUSALS)
def test_refused_with_file_row_and_column_and_nothing_written(project, rows, row, column):
    problems = _refused(project, rows(_visits(project)))
    assert [(problem.file, problem.row, problem.column) for problem in problems] == [(FORM, row, column)]
    assert problems[0].message


def test_refused_one_inspector_listed_twice(project):
    cert = _certs(_visits(project)[0])[0]
    problems = _refused(project, [_row(_visits(project)[0], inspectors=f"{cert}；{cert}")])
    assert [(problem.row, problem.column) for problem in problems] == [(2, "inspectors")]


def test_refused_penalty_date_before_the_inspection_started(project):
    row = _row(_visits(project)[0], **CASE, penalty_number="湛市监罚〔2026〕1号", penalty_date="2026-01-02")
    problems = _refused(project, [row])
    assert [(problem.row, problem.column) for problem in problems] == [(2, "penalty_date")]


@pytest.mark.parametrize("categories", ["检查合格", ""], ids=["unknown_category", "blank_category"])
def test_unknown_or_blank_category_is_refused_naming_the_categories_column(project, categories):
    problems = _refused(project, [_row(_visits(project)[0], categories=categories)])
    assert (FORM, 2, "categories") in [(problem.file, problem.row, problem.column) for problem in problems]


def test_refused_message_names_file_row_and_column(project):
    visits = _visits(project)
    form = _write_form(project, [_row(visits[0], uscc=visits[1]["uscc"])])
    with pytest.raises(ResultsError, match=rf"{FORM}, row 2, column '统一社会信用代码': .*{visits[0]['uscc']}"):
        append.record_results(project, Q, form, AS_OF, pages=_pages)


def test_refused_form_whose_filled_columns_are_all_blank(project):
    visits = _visits(project)
    blank = [{"visit": v["visit"], "uscc": v["uscc"], "item": v["items"].split(";")[0]} for v in visits]
    problems = _refused(project, blank)
    assert [(problem.file, problem.row, problem.column) for problem in problems] == [(FORM, None, None)]




def test_refused_form_as_written_with_no_row_filled_says_nothing_to_record(project):
    folder = project.archive(Q)
    rows = results_form.form_rows(load_archived(folder, Q), apply_records(folder).visits)
    assert all(row["inspectors"] for row in rows)  # pre-filled with the drawn inspectors of the item's department
    problems = _refused(project, rows)
    assert [(problem.file, problem.row, problem.column) for problem in problems] == [(FORM, None, None)]


def test_several_problems_in_one_file_are_all_reported_at_once(project):
    v = _visits(project)
    rows = [_row(v[0], uscc=v[1]["uscc"]),  # row 2
            _row(v[1]),  # row 3: fine
            _row(v[2], start="2026-02-05", end="2026-02-04", abnormal_list="待定"),  # row 4: two problems
            _row(v[1], published="2026-02-12"),  # row 5: row 3's visit and item again
            _row(v[3], **PROBLEM, disposition="移交")]  # row 6
    problems = _refused(project, rows)
    assert sorted((problem.row, problem.column) for problem in problems) == [
        (2, "uscc"), (4, "abnormal_list"), (4, "end"), (5, "item"), (6, "receiving_department")]
    assert {problem.file for problem in problems} == {FORM}


def test_seed_date_itself_is_accepted_as_start(project):
    """The boundary of 'a start before the draw': the seed's own date, 2026-01-05, is not before it."""
    record = _record(project, [_row(_visits(project)[0], start="2026-01-05", end="2026-01-06",
                                    published="2026-01-06")])
    assert _csv(record / "results.csv")[0]["start"] == "2026-01-05"


def test_end_and_publication_on_the_as_of_date_are_accepted(project):
    record = _record(project, [_row(_visits(project)[0], start="2026-03-30", end="2026-03-31",
                                    published="2026-03-31")])
    assert _csv(record / "results.csv")[0]["published"] == "2026-03-31"


def test_categories_separated_by_semicolon_and_space_are_read(project):
    categories = "未发现开展本次抽查涉及的经营活动； 已关闭停业或正在组织清算"
    record = _record(project, [_row(_visits(project)[0], categories=categories)])
    assert _csv(record / "results.csv")[0]["categories"] == "未发现开展本次抽查涉及的经营活动;已关闭停业或正在组织清算"


# --- 2. the CLI ----------------------------------------------------------------------------------------


def test_cli_refused_form_prints_problem_on_stderr_exits_2_writes_nothing(project, capsys):
    visits = _visits(project)
    _write_form(project, [_row(visits[0], end="2026-02-01")])
    before = tree(project.root)
    code = cli.main(["--root", str(project.root), "results", Q, FORM, "--as-of", "2026-03-31"])
    out, err = capsys.readouterr()
    assert code == 2
    assert f"{FORM}, row 2, column '检查结束日期'" in err
    assert "Traceback" not in err + out
    assert tree(project.root) == before
    assert not (project.outputs / "violations.csv").exists()


@pytest.mark.parametrize("as_of", ["2026-02-30", "31/12/2026", "yesterday"])
def test_cli_bad_as_of_date_refused_exits_2_writes_nothing(project, capsys, as_of):
    _write_form(project, [_row(_visits(project)[0])])
    before = tree(project.root)
    code = cli.main(["--root", str(project.root), "results", Q, FORM, "--as-of", as_of])
    out, err = capsys.readouterr()
    assert code == 2
    assert "--as-of" in err and f"'{as_of}'" in err
    assert "Traceback" not in err + out
    assert tree(project.root) == before


# --- 3. a valid file ------------------------------------------------------------------------------------


def _valid_rows(v: list[dict[str, str]]) -> list[dict[str, str]]:
    """Four results: nothing found; an open correction (status left blank), unpublished past its deadline; a
    transfer, acknowledged; a case with a penalty and the abnormal list, published on its deadline exactly."""
    return [
        _row(v[0]),
        _row(v[1], start="2026-02-12", end="2026-02-13", **PROBLEM, disposition="责令改正", published=""),
        _row(v[2], categories="发现问题待后续处理", findings="涉及卫生许可", disposition="移交",
             receiving_department=HEALTH, status="已移交已接收", published="2026-02-20"),
        _row(v[3], categories="通过登记的住所（经营场所）无法联系；不配合检查情节严重", findings="住所无法联系",
             disposition="立案查处", status="已立案", published="2026-03-09", penalty_number="湛市监罚〔2026〕7号",
             penalty_date="2026-02-27", abnormal_list="是"),
    ]


def test_valid_file_appends_record_with_source_hash_counts_and_deadlines(project):
    v = _visits(project)
    record = _record(project, _valid_rows(v))
    assert record == project.archive(Q) / "records" / "0001-results"
    form = project.forms(Q) / "filled.csv"
    data = _json(record)
    assert data["quarter"] == Q and data["as_of"] == "2026-03-31"
    assert data["source"] == {"name": "filled.csv", "sha256": hashlib.sha256(form.read_bytes()).hexdigest()}
    assert (data["rows"], data["superseded"]) == (4, 0)
    assert data["open_findings"] == 3  # the correction, the transfer and the case: none is 已办结
    assert data["overdue_publications"] == 1  # v[1]: deadline 2026-03-19, unpublished on 2026-03-31
    assert data["calendar_files"] == []  # chinesecalendar covers 2026

    text = (record / "results.csv").read_text(encoding="utf-8")
    assert next(csv.reader(io.StringIO(text))) == RESULTS_CSV_HEADER
    rows = _csv(record / "results.csv")
    departments = {row["item_id"]: row["department"] for row in _csv(project.forms(Q) / "items.csv")}
    assert [(row["visit"], row["uscc"], row["item"]) for row in rows] == [
        (visit["visit"], visit["uscc"], visit["items"].split(";")[0]) for visit in v[:4]]
    for row, visit in zip(rows, v[:4], strict=True):
        assert row["department"] == departments[row["item"]]
        assert row["inspectors"].split(";") == _certs(visit)
        end = date.fromisoformat(row["end"])
        assert row["deadline"] == _deadline(end).isoformat() == HAND_DEADLINES[end].isoformat()
        assert row["supersedes"] == ""
    assert [row["deadline"] for row in rows] == ["2026-03-09", "2026-03-19", "2026-03-09", "2026-03-09"]
    assert [row["disposition"] for row in rows] == ["无需处置", "责令改正", "移交", "立案查处"]
    assert [row["status"] for row in rows] == ["", "待处置", "已移交已接收", "已立案"]
    assert [row["abnormal_list"] for row in rows] == ["false", "false", "false", "true"]
    assert rows[2]["receiving_department"] == HEALTH
    assert rows[3]["categories"].split(";") == ["通过登记的住所（经营场所）无法联系", "不配合检查情节严重"]
    assert (rows[3]["penalty_number"], rows[3]["penalty_date"]) == ("湛市监罚〔2026〕7号", "2026-02-27")


# Not the real notice: an invented 2027 one (only its 元旦 line), so that the test does not depend on
# what the State Council decides; the deadline below is counted by hand from it.
INVENTED_2027 = "国务院办公厅关于2027年部分节假日安排的通知\n一、元旦：1月1日（周五）至3日（周日）放假，共3天。\n"


def test_a_visit_ending_in_late_december_2026_is_recorded_once_the_2027_notice_is_given(project, tmp_path):
    from zhanhe_audit import cli

    rows = [_row(_visits(project)[0], start="2026-12-24", end="2026-12-28", published="2027-01-15")]
    with pytest.raises(ResultsError, match=r"deadline of 1 row\(s\) runs into 2027, .*: row 2 \(检查结束日期 "
                       r"2026-12-28\)\. .*make calendar YEAR=2027 NOTICE=<the notice's file>"):
        _record(project, rows, as_of=date(2027, 1, 31))
    notice = tmp_path / "notice-2027.txt"
    notice.write_text(INVENTED_2027, encoding="utf-8")
    assert cli.main(["--root", str(project.root), "calendar", "2027", str(notice)]) == 0
    record = _record(project, rows, as_of=date(2027, 1, 31), name="december.csv")
    # 12-29..31 (3), 1-1 a holiday, 1-4..8 (8), 1-11..15 (13), 1-18..22 (18), 1-25 (19), 1-26 (20)
    assert _csv(record / "results.csv")[0]["deadline"] == "2027-01-26"
    assert _json(record)["calendar_files"] == ["calendar/2027.yaml"]  # archived with the record that uses it
    assert ((record / "calendar" / "2027.yaml").read_bytes()
            == (project.root / "params" / "calendar" / "2027.yaml").read_bytes())


def test_valid_file_writes_public_tree_whose_hashes_the_record_lists(project):
    record = _record(project, _valid_rows(_visits(project)))
    public = project.root / "public" / Q
    found = {f"public/{Q}/{path.name}": hashlib.sha256(path.read_bytes()).hexdigest()
             for path in sorted(public.iterdir())}
    assert found and found == _json(record)["public"]


def test_valid_file_record_holds_exactly_its_files(project):
    record = _record(project, _valid_rows(_visits(project)))
    assert sorted(path.relative_to(record).as_posix() for path in record.rglob("*") if path.is_file()) == [
        "SHA256SUMS", "form/filled.csv", "html/05-results.html", "manifest.json", "manifest.json.sha256",
        "notebooks/05-results.ipynb", "results.csv", "results.json"]
    sums = dict(reversed(line.split("  ")) for line in (record / "SHA256SUMS").read_text(encoding="utf-8").splitlines())
    assert sums["results.csv"] == hashlib.sha256((record / "results.csv").read_bytes()).hexdigest()


def test_valid_xlsx_form_is_accepted_like_its_csv(project, tmp_path_factory):
    """The same rows as an .xlsx written with openpyxl give the same results.csv as the CSV."""
    from openpyxl import Workbook

    v = _visits(project)
    rows = _valid_rows(v)
    book = Workbook()
    sheet = book.active
    sheet.append([column.header for column in results_form.FORM_COLUMNS])
    for row in rows:
        sheet.append([row.get(column.key, "") for column in results_form.FORM_COLUMNS])
    book.save(project.forms(Q) / "filled.xlsx")
    record = append.record_results(project, Q, project.forms(Q) / "filled.xlsx", AS_OF, pages=_pages)
    other = _draw(tmp_path_factory.mktemp("twin"))
    twin = _record(other, rows)
    assert (record / "results.csv").read_bytes() == (twin / "results.csv").read_bytes()


# --- 4. supersession -----------------------------------------------------------------------------------


def test_follow_up_file_supersedes_earlier_result_and_names_its_record(project):
    v = _visits(project)
    first = _record(project, _valid_rows(v))
    kept = tree(first)
    closed = _row(v[1], start="2026-02-12", end="2026-02-13", **PROBLEM, disposition="责令改正", status="已办结",
                  published="2026-03-20")
    second = _record(project, [closed], as_of=date(2026, 4, 30), name="follow-up.csv")
    assert second == project.archive(Q) / "records" / "0002-results"
    rows = _csv(second / "results.csv")
    assert [(row["visit"], row["status"], row["supersedes"]) for row in rows] == [
        (v[1]["visit"], "已办结", "records/0001-results")]
    assert (_json(first)["open_findings"], _json(second)["open_findings"]) == (3, 2)
    assert (_json(second)["rows"], _json(second)["superseded"]) == (1, 1)
    # published 2026-03-20, the day after its deadline 2026-03-19: still overdue, now for good
    assert _json(second)["overdue_publications"] == 1
    assert tree(first) == kept
    checks = _checks(project)
    assert all(check.status != "FAIL" for check in checks.values()), checks
    assert checks["records"].status == "PASS"
    assert "records/0001-results" in checks["records"].detail and "records/0002-results" in checks["records"].detail


def test_new_result_for_another_visit_supersedes_nothing(project):
    v = _visits(project)
    _record(project, [_row(v[0])])
    second = _record(project, [_row(v[1])], name="more.csv")
    assert _csv(second / "results.csv")[0]["supersedes"] == ""
    assert _json(second)["superseded"] == 0


# --- 5. overdue: the as-of date decides, never the clock ------------------------------------------------


@pytest.mark.parametrize("as_of, overdue", [(date(2026, 3, 9), 0), (date(2026, 3, 10), 1)],
                         ids=["as_of_on_the_deadline_2026_03_09", "as_of_the_day_after_the_deadline"])
def test_unpublished_result_is_overdue_only_after_its_deadline_by_the_as_of_date(project, as_of, overdue):
    """End 2026-02-03, deadline 2026-03-09 (across the Spring Festival); the clock is later than both dates."""
    assert date.today() > date(2026, 3, 10)  # else this test could not tell the as-of date from the clock
    record = _record(project, [_row(_visits(project)[0], published="")], as_of=as_of)
    assert _json(record)["overdue_publications"] == overdue
    assert f"{overdue} publication(s) overdue" in _checks(project)["follow-up"].detail


@pytest.mark.parametrize("published, as_of, overdue", [
    ("2026-03-10", date(2026, 3, 10), 1), ("2026-03-10", date(2026, 12, 31), 1),
    ("2026-03-09", date(2026, 3, 9), 0), ("2026-03-09", date(2026, 12, 31), 0),
], ids=["published_a_day_late_as_of_that_day", "published_a_day_late_as_of_year_end",
        "published_on_the_deadline_as_of_that_day", "published_on_the_deadline_as_of_year_end"])
def test_published_result_is_overdue_by_its_publication_date_whatever_the_as_of(project, published, as_of, overdue):
    record = _record(project, [_row(_visits(project)[0], published=published)], as_of=as_of)
    assert _json(record)["overdue_publications"] == overdue


# --- 6. verify ----------------------------------------------------------------------------------------


def _reseal(archive: Path, record: Path) -> None:
    """Rewrite a record's SHA256SUMS, manifest and seal over its files as they are now: a forger's work.
    The manifest's paths are relative to the archive, SHA256SUMS's to the record."""
    manifest = json.loads((record / "manifest.json").read_text(encoding="utf-8"))
    seals = {"manifest.json", "manifest.json.sha256", "SHA256SUMS"}
    inside = {p.relative_to(record).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
              for p in sorted(record.rglob("*")) if p.is_file() and p.name not in seals}
    (record / "SHA256SUMS").write_text("".join(f"{d}  {n}\n" for n, d in sorted(inside.items())), encoding="utf-8")
    prefix = record.relative_to(archive).as_posix()
    manifest["files"] = {f"{prefix}/{name}": digest for name, digest in inside.items()}
    manifest["sha256sums"] = hashlib.sha256((record / "SHA256SUMS").read_bytes()).hexdigest()
    (record / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    digest = hashlib.sha256((record / "manifest.json").read_bytes()).hexdigest()
    (record / "manifest.json.sha256").write_text(f"{digest}  manifest.json\n", encoding="utf-8")


def _forge_deadline(record: Path) -> None:
    """Move every deadline of the record's results.csv a month later (what hides an overdue publication)."""
    path = record / "results.csv"
    rows = _csv(path)
    for row in rows:
        row["deadline"] = (date.fromisoformat(row["deadline"]) + timedelta(days=30)).isoformat()
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, RESULTS_CSV_HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    assert buffer.getvalue() != path.read_text(encoding="utf-8")
    path.write_text(buffer.getvalue(), encoding="utf-8")


@pytest.fixture
def two_records(project) -> tuple[Project, Path, Path]:
    v = _visits(project)
    first = _record(project, _valid_rows(v))
    second = _record(project, [_row(v[1], start="2026-02-12", end="2026-02-13", **PROBLEM, disposition="责令改正",
                                    status="已办结", published="2026-03-19")], name="follow-up.csv")
    assert _passes(project)
    return project, first, second


def test_verify_forged_and_resealed_latest_record_fails_records_naming_it(two_records):
    project, _, second = two_records
    _forge_deadline(second)
    _reseal(project.archive(Q), second)
    checks = _checks(project)
    assert checks["files"].status == "PASS"  # the reseal is consistent: only the recomputation catches it
    assert checks["records"].status == "FAIL"
    assert "records/0002-results" in checks["records"].detail
    assert "results.csv" in checks["records"].detail


def test_verify_forged_and_resealed_earlier_record_fails_chain_naming_it(two_records):
    project, first, _ = two_records
    _forge_deadline(first)
    _reseal(project.archive(Q), first)
    checks = _checks(project)
    assert checks["files"].status == "PASS"
    assert checks["records"].status == "FAIL" and "records/0001-results" in checks["records"].detail
    assert checks["chain"].status == "FAIL" and "records/0001-results/manifest.json" in checks["chain"].detail


def test_verify_changed_public_file_fails_public_naming_it(two_records):
    project, _, _ = two_records
    changed = project.root / "public" / Q / "publication.csv"
    changed.write_bytes(changed.read_bytes().replace("未发现问题".encode(), "发现问题已责令改正".encode(), 1))
    checks = _checks(project)
    assert checks["public"].status == "FAIL"
    assert "publication.csv" in checks["public"].detail
    assert checks["records"].status == "PASS"


def test_verify_missing_public_tree_passes_saying_so(two_records):
    project, _, _ = two_records
    shutil.rmtree(project.root / "public")
    checks = _checks(project)
    assert checks["public"].status == "PASS"
    assert "no published tree here" in checks["public"].detail


def test_verify_follow_up_is_a_note_with_open_and_overdue_counts(two_records):
    """After the follow-up, as of 2026-03-31: the transfer and the case are open (the correction is closed); the
    correction was published on its deadline, so nothing is overdue."""
    project, _, _ = two_records
    checks = _checks(project)
    note = checks["follow-up"]
    assert note.status == "NOTE"
    assert "as of 2026-03-31" in note.detail
    assert ("4 results" in note.detail and "2 open finding(s)" in note.detail
            and "0 publication(s) overdue" in note.detail)
    assert _passes(project)


def test_verify_follow_up_counts_an_overdue_publication(project):
    _record(project, _valid_rows(_visits(project)))
    note = _checks(project)["follow-up"]
    assert "3 open finding(s)" in note.detail and "1 publication(s) overdue" in note.detail
    assert _passes(project)


def test_replacing_an_inspected_entity_is_refused_or_keeps_the_archive_verifying(project):
    v = _visits(project)
    _record(project, [_row(v[0], categories="已关闭停业或正在组织清算")])
    try:
        append.replace(project, Q, v[0]["uscc"], "已注销 deregistered on 2026-02-03")
    except ReplacementRefused:
        return
    failed = [check for check in verify.checks(project, Q) if check.status == "FAIL"]
    assert not failed, failed


# --- 7. the results form --------------------------------------------------------------------------------

GRADE_WORDS = ("等级", "风险", "grade", "低风险", "中风险", "中高风险", "高风险")


def _sheet_values(book) -> list[str]:
    return [str(value) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
            for value in row if value is not None]


def _list_values(book, formula: str) -> list[str]:
    """The values a list validation's formula ('选项!$A$2:$A$10') points to."""
    sheet_name, cells = formula.lstrip("=").split("!")
    sheet = book[sheet_name.strip("'")]
    return [str(cell.value) for row in sheet[cells.replace("$", "")] for cell in row if cell.value is not None]


@pytest.fixture
def replaced(project) -> tuple[Project, dict[str, str], list[dict[str, str]]]:
    """The quarter after one replacement: (project, the replaced visit, the new visits)."""
    victim = _visits(project)[0]
    record = append.replace(project, Q, victim["uscc"], "已注销 deregistered on 2026-02-03")
    return project, victim, _csv(record / "visits.csv")


def _form_book(project: Project):
    folder = project.archive(Q)
    data = results_form.form_workbook(load_archived(folder, Q), apply_records(folder))
    return load_workbook(io.BytesIO(data)), data


def test_form_has_one_row_per_visit_and_item_of_the_quarter_now_after_a_replacement(replaced):
    project, victim, new = replaced
    book, _ = _form_book(project)
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header == [column.header for column in results_form.FORM_COLUMNS]
    at = {title: index for index, title in enumerate(header)}
    rows = [row for row in sheet.iter_rows(min_row=2, values_only=True)]
    found = [(row[at["检查编号"]], row[at["统一社会信用代码"]], row[at["抽查事项编号"]]) for row in rows]
    now = [visit for visit in _visits(project) if visit["uscc"] != victim["uscc"]] + new
    expected = [(visit["visit"], visit["uscc"], item) for visit in now for item in visit["items"].split(";")]
    assert sorted(found) == sorted(expected)
    assert len(found) == len(expected)
    assert victim["visit"] not in {visit for visit, _, _ in found}
    assert victim["uscc"] not in {uscc for _, uscc, _ in found}
    assert {visit["visit"] for visit in new} <= {visit for visit, _, _ in found}


def test_form_uscc_cells_are_text_not_numbers(project):
    book, _ = _form_book(project)
    sheet = book.worksheets[0]
    column = [cell.value for cell in sheet[1]].index("统一社会信用代码") + 1
    cells = [sheet.cell(row, column) for row in range(2, sheet.max_row + 1)]
    assert cells
    assert all(cell.data_type == "s" and isinstance(cell.value, str) for cell in cells)
    assert {cell.value for cell in cells} == {visit["uscc"] for visit in _visits(project)}
    assert all(cell.number_format == "@" for cell in cells)  # typing over one keeps it text, too


def test_form_lists_cover_categories_disposition_department_and_status(project):
    book, _ = _form_book(project)
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    last = sheet.max_row
    expected = {
        "检查结果": list(CATEGORIES), "后续处置": list(DISPOSITIONS), "处置进展": list(STATUSES),
        "移交部门": sorted({row["department"] for name in ("items", "inspectors")
                        for row in _csv(project.forms(Q) / f"{name}.csv")}),
    }
    validations = [dv for dv in sheet.data_validations.dataValidation if dv.type == "list"]
    for title, values in expected.items():
        letter = sheet.cell(1, header.index(title) + 1).column_letter
        covering = [dv for dv in validations if f"{letter}2:{letter}{last}" in str(dv.sqref).split()]
        assert len(covering) == 1, title
        assert _list_values(book, covering[0].formula1) == values, title


def test_form_names_no_grade_anywhere(project):
    book, data = _form_book(project)
    texts = _sheet_values(book)
    texts += [text for sheet in book.worksheets for dv in sheet.data_validations.dataValidation
              for text in (dv.prompt, dv.error, dv.promptTitle, dv.errorTitle, dv.formula1) if text]
    texts += [sheet.title for sheet in book.worksheets]
    assert [text for text in texts if any(word in text.lower() for word in GRADE_WORDS)] == []
    assert [text for text in texts if text.strip() in ("A", "B", "C", "D")] == []
    # the registers' grades of the drawn entities are nowhere, in any form
    grades = {row["uscc"]: row["grade"] for row in _csv(project.forms(Q) / "entities.csv")}
    assert {grades[visit["uscc"]] for visit in _visits(project)} <= set("ABCD")
    for word in ("低风险".encode(), "等级".encode(), b"grade"):
        assert word not in data


@pytest.mark.parametrize("untouched", ["kept", "deleted"],
                         ids=["untouched_rows_kept", "untouched_rows_deleted"])
def test_form_filled_with_openpyxl_real_and_text_dates_is_accepted(replaced, untouched):
    project, _, new = replaced
    book, _ = _form_book(project)
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    col = {column.key: header.index(column.header) + 1 for column in results_form.FORM_COLUMNS}
    by_visit = {sheet.cell(row, col["visit"]).value: row for row in range(2, sheet.max_row + 1)}
    first, second = new[0]["visit"], _visits(project)[1]["visit"]
    # row of the replacement's new visit: real Excel dates
    row = by_visit[first]
    sheet.cell(row, col["start"]).value = datetime(2026, 2, 2)
    sheet.cell(row, col["end"]).value = datetime(2026, 2, 3)
    sheet.cell(row, col["published"]).value = datetime(2026, 2, 10)
    sheet.cell(row, col["categories"]).value = "发现问题已责令改正"
    sheet.cell(row, col["disposition"]).value = "责令改正"
    # another row: dates typed as text, in two of the accepted spellings
    row = by_visit[second]
    sheet.cell(row, col["start"]).value = "2026/02/12"
    sheet.cell(row, col["end"]).value = "2026年2月13日"
    sheet.cell(row, col["categories"]).value = "未发现问题"
    sheet.cell(row, col["abnormal_list"]).value = "否"
    if untouched == "deleted":  # what staff can do today: delete the rows of visits not inspected yet
        for number in sorted(set(by_visit.values()) - {by_visit[first], by_visit[second]}, reverse=True):
            sheet.delete_rows(number)
    path = project.forms(Q) / "filled.xlsx"
    book.save(path)
    record = append.record_results(project, Q, path, AS_OF, pages=_pages)
    rows = {row["visit"]: row for row in _csv(record / "results.csv")}
    assert set(rows) == {first, second}
    assert (rows[first]["start"], rows[first]["end"], rows[first]["published"]) == ("2026-02-02", "2026-02-03",
                                                                                     "2026-02-10")
    assert (rows[first]["status"], rows[first]["deadline"]) == ("待处置", "2026-03-09")
    assert (rows[second]["start"], rows[second]["end"], rows[second]["deadline"]) == ("2026-02-12", "2026-02-13",
                                                                                      "2026-03-19")
    assert rows[first]["inspectors"].split(";") == new[0]["inspectors"].split(";")
    assert _json(record)["source"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert _passes(project)


# --- 8. the violations file -----------------------------------------------------------------------------


def test_violations_list_exactly_the_sanctioned_results_sorted_by_uscc(project):
    v = _visits(project)
    rows = [
        _row(v[0]),  # nothing found
        _row(v[1], **PROBLEM, disposition="责令改正"),  # a problem
        _row(v[2], **CASE, penalty_number="湛市监罚〔2026〕3号", penalty_date="2026-02-20"),  # a penalty
        _row(v[3], categories="未发现开展本次抽查涉及的经营活动", abnormal_list="是"),  # the abnormal list only
        _row(v[4], categories="已关闭停业或正在组织清算"),  # not a problem
        _row(v[5], abnormal_list="否"),  # nothing found
    ]
    _record(project, rows)
    text = violations.violations_text(project, "real")
    assert text.startswith("\ufeffuscc,name,quarter,")  # a BOM, so that Excel reads the Chinese as UTF-8
    text = text.removeprefix("\ufeff")
    listed = [(row["uscc"], row["quarter"], row["visit"], row["item"]) for row in csv.DictReader(io.StringIO(text))]
    expected = sorted((visit["uscc"], Q, visit["visit"], visit["items"].split(";")[0]) for visit in v[1:4])
    assert listed == expected
    assert {row["record"] for row in csv.DictReader(io.StringIO(text))} == {f"{Q}/records/0001-results"}
    assert violations.violations_text(project, "real") == "\ufeff" + text
    written = violations.write_violations(project, Q)
    assert written == project.outputs / "violations.csv"
    first = written.read_bytes()
    violations.write_violations(project, Q)
    assert written.read_bytes() == first
    assert first == ("\ufeff" + text).encode("utf-8")


def test_violations_file_neutralises_cells_a_spreadsheet_would_take_for_a_formula(project):
    """Findings are staff text and names registrants' text: the violations file is opened in Excel."""
    v = _visits(project)
    _record(project, [_row(v[1], **{**PROBLEM, "findings": '=HYPERLINK("http://x","点此")'}, disposition="责令改正")])
    rows = list(csv.DictReader(io.StringIO(violations.violations_text(project, "real").removeprefix("\ufeff"))))
    assert [row["findings"] for row in rows] == ['\'=HYPERLINK("http://x","点此")']
    archived = _csv(project.archive(Q) / "records" / "0001-results" / "results.csv")
    assert [row["findings"] for row in archived if row["findings"]] == ['=HYPERLINK("http://x","点此")']


def test_violations_show_the_latest_result_only(project):
    """A problem later closed stays listed (it is a violation), with the record that holds its latest result."""
    v = _visits(project)
    _record(project, [_row(v[1], **PROBLEM, disposition="责令改正")])
    _record(project, [_row(v[1], **PROBLEM, disposition="责令改正", status="已办结")], name="follow-up.csv")
    rows = list(csv.DictReader(io.StringIO(violations.violations_text(project, "real"))))
    assert [(row["visit"], row["status"], row["record"]) for row in rows] == [
        (v[1]["visit"], "已办结", f"{Q}/records/0002-results")]


# --- 9. the demo's filled form --------------------------------------------------------------------------


def test_demo_filled_form_is_what_demo_module_produces_now():
    committed = (ROOT / "registers" / "demo-2026Q4" / demo.RESULTS_FORM).read_bytes()
    assert demo.results_form_text(demo.results_rows(ROOT)).encode("utf-8") == committed


def test_demo_filled_form_holds_transfer_penalty_overdue_publication_and_open_finding():
    path = ROOT / "registers" / "demo-2026Q4" / "results-filled.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = _csv(path)
    as_of = date(2026, 12, 31)
    filled = [row for row in rows if row["检查结果"]]
    assert filled
    assert any(row["后续处置"] == "移交" and row["移交部门"] for row in filled)
    assert any(row["处罚决定书文号"] and row["处罚决定日期"] and row["后续处置"] == "立案查处" for row in filled)

    def overdue(row: dict[str, str]) -> bool:
        deadline = _deadline(date.fromisoformat(row["检查结束日期"]))
        published = date.fromisoformat(row["公示日期"]) if row["公示日期"] else None
        return published > deadline if published else as_of > deadline

    assert any(overdue(row) for row in filled)

    def problem(row: dict[str, str]) -> bool:
        return any(category not in NOT_PROBLEMS for category in row["检查结果"].split("；"))

    assert any(problem(row) and row["处置进展"] != "已办结" for row in filled)
    # every date is on or before the as-of date, and on or after the demo seed's date
    params = yaml.safe_load((ROOT / "params" / "demo-2026Q4.yaml").read_text(encoding="utf-8"))
    seed_day = date.fromisoformat(str(params["seed"]["provenance"]["date"])[:10])
    for row in filled:
        for title in ("检查开始日期", "检查结束日期", "公示日期", "处罚决定日期"):
            if row[title]:
                assert seed_day <= date.fromisoformat(row[title]) <= as_of, (title, row)


# --- the form after a replacement; the record keeps the filled form -------------------------------------------------


def test_results_form_after_a_replacement_is_a_new_file_for_the_visits_without_results(replaced, capsys):
    from openpyxl import load_workbook

    project, victim, new = replaced
    assert cli.main(["--root", str(project.root), "results-form", Q]) == 0
    first = project.forms(Q) / "results-form.xlsx"
    before = first.read_bytes()
    _record(project, [_row(visit) for visit in _visits(project)[1:3]])
    assert cli.main(["--root", str(project.root), "results-form", Q]) == 0
    second = project.forms(Q) / "results-form-2.xlsx"
    assert first.read_bytes() == before  # never written over
    rows = [(row[0].value, row[3].value) for row in load_workbook(second).worksheets[0].iter_rows(min_row=2)]
    done = {(v["visit"], v["items"].split(";")[0]) for v in _visits(project)[1:3]}
    assert rows and not set(rows) & done and victim["visit"] not in {visit for visit, _ in rows}
    assert {visit for visit, _ in rows} >= {visit["visit"] for visit in new}  # the replacement's visit is there
    assert "results-form-2.xlsx" in capsys.readouterr().out


def test_make_results_keeps_the_filled_form_and_lists_what_to_commit(project, capsys):
    form = _write_form(project, [_row(_visits(project)[0])])
    assert cli.main(["--root", str(project.root), "results", Q, str(form), "--as-of", "2026-03-31"]) == 0
    out = capsys.readouterr().out
    record = project.archive(Q) / "records" / "0001-results"
    kept = record / "form" / "filled.csv"
    assert kept.read_bytes() == form.read_bytes()
    assert _json(record)["source"] == {"name": "filled.csv", "sha256": hashlib.sha256(form.read_bytes()).hexdigest()}
    assert "form/filled.csv" in (record / "SHA256SUMS").read_text(encoding="utf-8")
    assert (f"  git add outputs/{Q}/records/0001-results public/{Q} outputs/violations.csv registers/{Q}/filled.csv"
            in out.splitlines())
    assert any(line.startswith("  git commit -m") for line in out.splitlines())


def test_a_changed_form_copy_fails_the_records_check(project):
    form = _write_form(project, [_row(_visits(project)[0])])
    record = append.record_results(project, Q, form, AS_OF, pages=_pages)
    kept = record / "form" / "filled.csv"
    kept.write_text(kept.read_text(encoding="utf-8").replace("2026-02-03", "2026-02-04"), encoding="utf-8")
    checks = {check.name: check for check in verify.checks(project, Q)}
    assert checks["files"].status == "FAIL"  # not resealed: the hash shows it; resealed, the record names it
    from test_verify_page import reseal

    reseal(project.archive(Q))
    checks = {check.name: check for check in verify.checks(project, Q)}
    assert checks["records"].status == "FAIL" and "is not the form results.json names" in checks["records"].detail
