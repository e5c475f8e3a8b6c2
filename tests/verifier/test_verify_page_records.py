"""verify.html goes as far as make verify for the history across quarters and the results records' content.

One chain of two real quarters, drawn by the engine (no papermill): 2026Q4 with a replacement and a results
record, then 2027Q1, whose inputs/history.csv holds 2026Q4's visits as the replacement left them, with two
results records (the second supersedes a row of the first) counted on a 2027 calendar that only the records'
own calendar/2027.yaml copies cover (chinesecalendar knows up to 2026). The page is opened in headless
Chromium and in headless Firefox (test ids chromium, firefox), as in test_verify_page.py, on the pristine chain,
on one quarter alone, and on copies altered one way at a time and resealed (so that only the recomputation can
catch the change); make verify (verify.checks) is asked about each copy too, and must agree. Both browsers show
the same rows.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from test_verify_page import _edit_csv, _rows, reseal, run_page, severe

from projects import drawn_project
from zhanhe_audit import append, cli, results_form, verify
from zhanhe_audit.calendar import Calendar
from zhanhe_audit.paths import Project

pytestmark = pytest.mark.slow

Q4, Q1 = "2026Q4", "2027Q1"
ENTITIES = 300
HEALTH = "湛河区卫生健康委员会"
PROBLEM = {"categories": "发现问题已责令改正", "findings": "未按规定明码标价", "disposition": "责令改正"}
# Not the real notice: an invented 2027 one (its 元旦 line only), as in test_results.py.
INVENTED_2027 = "国务院办公厅关于2027年部分节假日安排的通知\n一、元旦：1月1日（周五）至3日（周日）放假，共3天。\n"
# What the page leaves to make verify, whatever the archive: the published tree and git history (make verify's
# verdict on them is not compared with the page's).
LEFT_TO_MAKE_VERIFY = {"public", "git order"}


# --- the chain -----------------------------------------------------------------------------------


def _row(visit: dict[str, str], **filled: str) -> dict[str, str]:
    """A filled form's row for ``visit``'s first item: nothing found; ``filled`` overrides cells by key."""
    row = {"visit": visit["visit"], "uscc": visit["uscc"], "item": visit["items"].split(";")[0],
           "inspectors": "；".join(visit["inspectors"].split(";")), "categories": "未发现问题"}
    row.update(filled)
    return row


def _pages(record: Path, archive: Path) -> None:
    """Placeholders for the 05-results page (papermill is not what these tests are about)."""
    for name in ("notebooks/05-results.ipynb", "html/05-results.html"):
        (record / name).parent.mkdir(parents=True, exist_ok=True)
        (record / name).write_text("placeholder for the 05-results page\n", encoding="utf-8")


def _record(project: Project, quarter: str, rows: list[dict[str, str]], as_of: date, name: str) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([column.header for column in results_form.FORM_COLUMNS])
    writer.writerows([row.get(column.key, "") for column in results_form.FORM_COLUMNS] for row in rows)
    form = project.forms(quarter) / name
    form.write_text(buffer.getvalue(), encoding="utf-8")
    return append.record_results(project, quarter, form, as_of, pages=_pages)


def _visits(root: Path, quarter: str) -> list[dict[str, str]]:
    return _rows(root / "outputs" / quarter / "draw" / "visits.csv")


@pytest.fixture(scope="module")
def chain(tmp_path_factory) -> Path:
    """The two quarters on one chain (see the module's docstring): the project root."""
    root = tmp_path_factory.mktemp("records") / "project"
    root.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIT_CEILING_DIRECTORIES", str(root.parent))
        project = drawn_project(root, Q4, ENTITIES)
        v = _visits(root, Q4)
        append.replace(project, Q4, v[0]["uscc"], "已注销 deregistered")
        _record(project, Q4, [_row(v[1], start="2026-11-02", end="2026-11-03", published="2026-11-10"),
                              _row(v[2], start="2026-11-04", end="2026-11-05", **PROBLEM)],
                date(2026, 12, 31), "q4.csv")
        drawn_project(root, Q1, ENTITIES)  # its history: 2026Q4's visits with the replacement applied
        notice = root / "notice-2027.txt"
        notice.write_text(INVENTED_2027, encoding="utf-8")
        assert cli.main(["--root", str(root), "calendar", "2027", str(notice)]) == 0
        w = _visits(root, Q1)
        _record(project, Q1, [
            _row(w[0], start="2027-02-01", end="2027-02-02", published="2027-02-10"),
            _row(w[1], start="2027-02-01", end="2027-02-03", **PROBLEM),
            _row(w[2], start="2027-02-03", end="2027-02-04", categories="发现问题待后续处理", findings="涉及卫生许可",
                 disposition="移交", receiving_department=HEALTH, status="已移交已接收", published="2027-02-20"),
            _row(w[3], start="2027-02-08", end="2027-02-09",
                 categories="通过登记的住所（经营场所）无法联系；不配合检查情节严重",
                 findings="住所无法联系", disposition="立案查处", status="已立案", published="2027-03-09",
                 penalty_number="湛市监罚〔2027〕7号", penalty_date="2027-02-27", abnormal_list="是"),
        ], date(2027, 3, 31), "q1.csv")
        _record(project, Q1, [_row(w[1], start="2027-02-01", end="2027-02-03", **PROBLEM, status="已办结",
                                   published="2027-03-20")], date(2027, 4, 30), "follow-up.csv")
    q4, q1 = root / "outputs" / Q4, root / "outputs" / Q1
    # what the chain is for: each feature present, or the tests below prove nothing about it
    assert sorted(p.name for p in (q4 / "records").iterdir()) == ["0001-replacement", "0002-results"]
    assert sorted(p.name for p in (q1 / "records").iterdir()) == ["0001-results", "0002-results"]
    history = _rows(q1 / "inputs" / "history.csv")
    new_visit = _rows(q4 / "records" / "0001-replacement" / "visits.csv")[0]["visit"]
    assert new_visit in {row["visit"] for row in history} and v[0]["visit"] not in {row["visit"] for row in history}
    assert (q1 / "records" / "0001-results" / "calendar" / "2027.yaml").is_file()
    assert _rows(q1 / "records" / "0002-results" / "results.csv")[0]["supersedes"] == "records/0001-results"
    for quarter in (Q4, Q1):
        assert [c for c in verify.checks(Project(root), quarter) if c.status == "FAIL"] == []
    return root


def _page_failed(outcome, quarter: str) -> set[str]:
    return {check for name, check, _ in outcome.failed() if name == quarter}


_VERIFIED: dict[tuple[Path, str], dict[str, verify.Check]] = {}


def _make_verify(root: Path, quarter: str) -> dict[str, verify.Check]:
    """make verify's checks of ``quarter`` by name, asked once for each folder (made once in a fixture of the module,
    for both browsers: only the page runs in each)."""
    if (root, quarter) not in _VERIFIED:
        _VERIFIED[root, quarter] = {check.name: check for check in verify.checks(Project(root), quarter)}
    return _VERIFIED[root, quarter]


@pytest.fixture(scope="module")
def copy_of(chain, tmp_path_factory):
    """A copy of the chain (for one fixture of the module, shared by both browsers' tests): its root."""
    def copy(name: str) -> Path:
        root = tmp_path_factory.mktemp(name) / "project"
        shutil.copytree(chain, root, symlinks=True)
        return root
    return copy


# --- pristine ------------------------------------------------------------------------------------


def test_whole_outputs_folder_passes_history_and_the_results_records_of_both_quarters(chain, page_browser):
    outcome = run_page(page_browser, chain / "outputs" / Q1 / "verify.html", chain / "outputs", case="records, chain")
    assert outcome.failed() == [] and outcome.verdict == "PASS" and severe(outcome) == [] and not outcome.alerted
    for quarter in (Q4, Q1):
        status = outcome.status(quarter)
        assert status["history"] == "PASS" and status["records"] == "PASS", outcome.rows
        assert all(detail for *_, status, detail in outcome.rows if status == "NOT CHECKED")  # each says why
    history = outcome.detail(Q1, "history")
    visits = len(_rows(chain / "outputs" / Q1 / "inputs" / "history.csv"))
    assert f"({visits} earlier visits) matches the archives before this draw on the chain, rebuilt from {Q4}" in history
    assert "the history is empty" in outcome.detail(Q4, "history")
    assert "1 results record(s) re-validated" in outcome.detail(Q4, "records")
    assert "2 results record(s) re-validated" in outcome.detail(Q1, "records")
    # the follow-up facts, as make verify states them
    python = _make_verify(chain, Q1)
    assert python["history"].status == "PASS" and python["records"].status == "PASS"
    assert python["follow-up"].detail in outcome.detail(Q1, "follow-up"), (python["follow-up"], outcome.rows)


def test_one_quarter_alone_passes_its_records_and_says_which_earlier_quarter_the_history_needs(chain, page_browser):
    outcome = run_page(page_browser, chain / "outputs" / Q1 / "verify.html", chain / "outputs" / Q1,
                       case=f"records, {Q1}")
    assert outcome.failed() == [] and outcome.verdict == "PASS"
    assert outcome.status(Q1)["history"] == "NOT CHECKED" and outcome.status(Q1)["records"] == "PASS"
    detail = outcome.detail(Q1, "history")
    assert (f"the earlier quarter {Q4} is not in the chosen folder" in detail
            and "choose the whole outputs/ folder" in detail)


# --- alterations, resealed -----------------------------------------------------------------------


def _cell(record: str, file_row: int, column: str, change) -> None:
    def alter(rows):
        rows[file_row - 2][column] = change(rows[file_row - 2][column])
    return lambda archive: _edit_csv(archive / "records" / record / "results.csv", alter)


def _stranger(archive: Path) -> str:
    """An inspector drawn for some visit of the quarter, but not for the first."""
    visits = _rows(archive / "draw" / "visits.csv")
    first = visits[0]["inspectors"].split(";")
    return next(cert for visit in visits[1:] for cert in visit["inspectors"].split(";") if cert not in first)


def _not_assigned(archive: Path) -> None:
    stranger = _stranger(archive)
    _cell("0001-results", 2, "inspectors", lambda cell: f"{cell.split(';')[0]};{stranger}")(archive)


def _count(archive: Path) -> None:
    path = archive / "records" / "0001-results" / "results.json"
    text = path.read_text(encoding="utf-8")
    assert '"open_findings": 3,' in text
    path.write_text(text.replace('"open_findings": 3,', '"open_findings": 2,'), encoding="utf-8")


def _no_calendar(archive: Path) -> None:
    (archive / "records" / "0001-results" / "calendar" / "2027.yaml").unlink()
    (archive / "records" / "0001-results" / "calendar").rmdir()


def _later_day(cell: str) -> str:
    return date.fromordinal(date.fromisoformat(cell).toordinal() + 1).isoformat()


ALTERATIONS = {
    # name: (alteration of 2027Q1, resealed; words in the page's 'records' detail; words in make verify's). The records
    # keep their filled form, which make verify reads again: a row changed in results.csv shows as that file differing
    # from the rows the form gives; the page, which does not read a workbook, re-validates results.csv itself
    "deadline": (_cell("0001-results", 3, "deadline", _later_day),
                 "records/0001-results/results.csv 第 3 行 row 3, 列 column deadline", "results.csv differs"),
    "category": (_cell("0001-results", 2, "categories", lambda cell: "检查合格"),
                 "results.csv 第 2 行 row 2, 列 column 'categories'", "results.csv differs from the record recomputed"),
    "inspector not assigned": (_not_assigned, "results.csv 第 2 行 row 2, 列 column 'inspectors'",
                               "results.csv differs from the record recomputed"),
    "supersedes": (_cell("0002-results", 2, "supersedes", lambda cell: ""),
                   "records/0002-results/results.csv 第 2 行 row 2, 列 column supersedes",
                   "records/0002-results/results.csv"),
    "count": (_count, "records/0001-results/results.json", "records/0001-results/results.json"),
    "calendar copy deleted": (_no_calendar, "第 2 行 row 2, 列 column 'end'",
                              "runs into 2027, which no working-day calendar covers"),
}


@pytest.fixture(scope="module")
def altered(copy_of, request) -> tuple[Path, str, str, str]:
    alter, page_words, python_words = ALTERATIONS[request.param]
    root = copy_of("altered")
    alter(root / "outputs" / Q1)
    reseal(root / "outputs" / Q1)
    return root, page_words, python_words, request.param


@pytest.mark.parametrize("altered", list(ALTERATIONS), indirect=True, scope="module")
def test_resealed_results_record_fails_records_naming_the_row_in_the_page_and_in_make_verify(altered, page_browser):
    root, page_words, python_words, name = altered
    outcome = run_page(page_browser, root / "outputs" / Q1 / "verify.html", root / "outputs",
                       case=f"records, resealed {name}")
    assert outcome.verdict == "FAIL" and severe(outcome) == [] and not outcome.alerted
    assert _page_failed(outcome, Q4) == set() and _page_failed(outcome, Q1) == {"records"}, outcome.failed()
    # only recomputing catches it
    assert outcome.status(Q1)["files"] == "PASS" and outcome.status(Q1)["chain"] == "PASS"
    detail = outcome.detail(Q1, "records")
    assert page_words in detail, detail
    python = _make_verify(root, Q1)
    assert ({name for name, check in python.items() if check.status == "FAIL"} - LEFT_TO_MAKE_VERIFY
            == {"records"}), python
    assert python_words in python["records"].detail, python["records"]
    record = "records/0002-results" if "0002-results" in page_words else "records/0001-results"
    assert python["records"].detail.startswith(record) and detail.startswith(record)


def _relink(manifest: Path, previous: str) -> None:
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["previous"]["path"] = previous
    manifest.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def fork(copy_of) -> Path:
    """2026Q4's replacement deleted, its results record renumbered and relinked to the draw, 2027Q1 relinked
    to that record, everything resealed: each quarter's chain holds, but 2027Q1 was drawn from a history
    (inputs/history.csv, which its freeze record fixes) that the chain no longer gives. The root."""
    root = copy_of("fork")
    q4, q1 = root / "outputs" / Q4, root / "outputs" / Q1
    shutil.rmtree(q4 / "records" / "0001-replacement")
    (q4 / "records" / "0002-results").rename(q4 / "records" / "0001-results")
    _relink(q4 / "records" / "0001-results" / "manifest.json", f"{Q4}/manifest.json")
    reseal(q4)
    _relink(q1 / "manifest.json", f"{Q4}/records/0001-results/manifest.json")
    reseal(q1)
    return root


def test_a_fork_across_quarters_fails_the_later_quarters_history_in_the_page_and_in_make_verify(
        chain, fork, page_browser):
    root = fork
    outcome = run_page(page_browser, root / "outputs" / Q1 / "verify.html", root / "outputs", case="records, a fork")
    assert outcome.verdict == "FAIL" and severe(outcome) == []
    # each quarter's publication states the chain head it was made from: the relinked chain no longer gives it
    assert _page_failed(outcome, Q4) == {"public"} and _page_failed(outcome, Q1) == {"history", "public"}, \
        outcome.failed()
    assert outcome.status(Q1)["chain"] == "PASS" and outcome.status(Q1)["freeze"] == "PASS"
    replaced = _visits(chain, Q4)[0]["visit"]
    assert "inputs/history.csv 第" in outcome.detail(Q1, "history") and replaced in outcome.detail(Q1, "history")
    for quarter, failed in ((Q4, set()), (Q1, {"history"})):
        python = _make_verify(root, quarter)
        assert ({name for name, check in python.items() if check.status == "FAIL"} - LEFT_TO_MAKE_VERIFY
                == failed), python
    assert replaced in _make_verify(root, Q1)["history"].detail


@pytest.fixture(scope="module")
def visit_taken_out(copy_of) -> Path:
    """A visit taken out of 2027Q1's history, and the freeze record's hash of it rewritten, resealed: the root."""
    root = copy_of("history")
    archive = root / "outputs" / Q1
    _edit_csv(archive / "inputs" / "history.csv", lambda rows: rows.pop())
    path = archive / "inputs" / "params" / f"{Q1}.freeze.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["history"] = {"visits": record["history"]["visits"] - 1,
                         "sha256": hashlib.sha256((archive / "inputs" / "history.csv").read_bytes()).hexdigest()}
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    reseal(archive)
    return root


def test_history_with_a_visit_taken_out_and_the_freeze_record_resealed_fails_history(
        chain, visit_taken_out, page_browser):
    """A forger who also rewrites the freeze record's hash of the history: only rebuilding the history catches it."""
    root = visit_taken_out
    outcome = run_page(page_browser, root / "outputs" / Q1 / "verify.html", root / "outputs",
                       case="records, a visit taken out")
    assert outcome.status(Q1)["freeze"] == "PASS" and outcome.status(Q1)["history"] == "FAIL", outcome.rows
    last = len(_rows(chain / "outputs" / Q1 / "inputs" / "history.csv")) + 1  # the row taken out (1 is the header)
    assert f"inputs/history.csv 第 {last} 行 row {last}: 重算 recomputed '{Q4}," in outcome.detail(Q1, "history")
    python = _make_verify(root, Q1)
    assert python["history"].status == "FAIL" and f"row {last}: the archived file has" in python["history"].detail


@pytest.fixture(scope="module")
def late(tmp_path_factory) -> Path:
    """2026Q4 and 2027Q1 drawn, then a replacement appended to 2026Q4, then 2027Q2 drawn: the replacement
    comes after 2027Q1 on the chain, but belongs to 2026Q4 in 2027Q2's history (sorted by quarter)."""
    root = tmp_path_factory.mktemp("late") / "project"
    root.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIT_CEILING_DIRECTORIES", str(root.parent))
        project = drawn_project(root, Q4, ENTITIES)
        drawn_project(root, Q1, ENTITIES)
        append.replace(project, Q4, _visits(root, Q4)[3]["uscc"], "已注销 deregistered")
        drawn_project(root, "2027Q2", ENTITIES)
    history = _rows(root / "outputs" / "2027Q2" / "inputs" / "history.csv")
    assert [row["quarter"] for row in history] == sorted(row["quarter"] for row in history)
    assert _visits(root, Q4)[3]["visit"] not in {row["visit"] for row in history}
    return root


def test_a_record_appended_to_a_quarter_after_a_later_draw_counts_in_its_own_quarter_of_the_history(late, page_browser):
    outcome = run_page(page_browser, late / "outputs" / "2027Q2" / "verify.html", late / "outputs",
                       case="records, late")
    assert outcome.failed() == [] and outcome.verdict == "PASS"
    assert {outcome.status(quarter)["history"] for quarter in (Q4, Q1, "2027Q2")} == {"PASS"}
    assert "rebuilt from 2026Q4, 2027Q1" in outcome.detail("2027Q2", "history")
    for quarter in (Q4, Q1, "2027Q2"):
        assert _make_verify(late, quarter)["history"].status == "PASS"


@pytest.fixture(scope="module")
def no_calendar_listed(copy_of) -> Path:
    """2027Q1's first results record without its calendar/2027.yaml, and its results.json listing none: the root."""
    root = copy_of("calendar")
    archive = root / "outputs" / Q1
    _no_calendar(archive)
    path = archive / "records" / "0001-results" / "results.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"calendar_files": [\n    "calendar/2027.yaml"\n  ]',
                                                             '"calendar_files": []'), encoding="utf-8")
    assert '"calendar_files": []' in path.read_text(encoding="utf-8")
    reseal(archive)
    return root


def test_a_year_after_the_pages_calendar_neither_held_nor_listed_by_the_record_is_not_checked_saying_why(
        no_calendar_listed, page_browser):
    """The record holds no calendar/2027.yaml and its results.json lists none: as if counted with a later
    chinesecalendar that knows 2027 (a bureau upgrades it every December) than the one the archived page was
    built with. The page cannot count those deadlines and says so; make verify counts them with the package
    installed where it runs (here one that does not know 2027 either: FAIL)."""
    root = no_calendar_listed
    outcome = run_page(page_browser, root / "outputs" / Q1 / "verify.html", root / "outputs",
                       case="records, a year after the calendar")
    assert outcome.failed() == [] and outcome.status(Q1)["records"] == "NOT CHECKED", outcome.rows
    detail = outcome.detail(Q1, "records")
    assert "第 2 行 row 2, 列 column 'end'" in detail and "later than this page's" in detail and "make verify" in detail
    assert _make_verify(root, Q1)["records"].status == "FAIL"


# --- a day of 2027 that only 2028's calendar sets (previous_year) ----------------------------------

# Invented, as INVENTED_2027 is: a 2028 notice whose 元旦 runs from 2027-12-31 (a Friday) to 2028-01-02, so that
# 2028's file sets a day of 2027 (previous_year) that 2027's own file (from INVENTED_2027) does not list.
NOTICE_2028 = "国务院办公厅关于2028年部分节假日安排的通知（虚构 invented）"
CALENDAR_2028 = {"year": 2028, "source": NOTICE_2028, "holidays": ["2028-01-01", "2028-01-02"], "workdays": [],
                 "previous_year": {"year": 2027, "source": NOTICE_2028, "holidays": ["2027-12-31"], "workdays": []}}
LATE_END, LATE_DEADLINE = date(2027, 12, 20), date(2028, 1, 18)  # 2028-01-17 were 2027-12-31 a working day


def _write_yaml(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    _write_yaml(path, data)


@pytest.fixture(scope="module")
def next_year(copy_of) -> Path:
    """A copy of the chain with params/calendar/2028.yaml written by hand (CALENDAR_2028) and a third results record
    of 2027Q1, of an inspection that ended on 2027-12-20: its deadline is counted through 2027-12-31, a holiday only
    by 2028's previous_year, and the record archives both years' copies. The root."""
    root = copy_of("next-year")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIT_CEILING_DIRECTORIES", str(root.parent))
        project = Project(root)
        _write_yaml(project.calendar() / "2028.yaml", CALENDAR_2028)
        w = _visits(root, Q1)
        _record(project, Q1, [_row(w[4], start="2027-12-16", end=LATE_END.isoformat(), published="2028-01-14")],
                date(2028, 1, 31), "late.csv")
    record = root / "outputs" / Q1 / "records" / "0003-results"
    assert sorted(p.name for p in (record / "calendar").iterdir()) == ["2027.yaml", "2028.yaml"]
    assert [row["deadline"] for row in _rows(record / "results.csv")] == [LATE_DEADLINE.isoformat()]
    return root


def test_a_deadline_counted_through_a_day_only_the_next_years_previous_year_sets_passes_in_the_page_and_make_verify(
        next_year, page_browser, tmp_path):
    outcome = run_page(page_browser, next_year / "outputs" / Q1 / "verify.html", next_year / "outputs",
                       case="records, previous_year")
    assert outcome.failed() == [] and outcome.verdict == "PASS" and severe(outcome) == [] and not outcome.alerted
    assert (outcome.status(Q1)["records"] == "PASS"
            and "3 results record(s) re-validated" in outcome.detail(Q1, "records"))
    python = _make_verify(next_year, Q1)
    assert [check for check in python.values() if check.status == "FAIL"] == [], python
    # both recomputed the archived deadline byte for byte; and previous_year made it: without it, a day earlier
    without = tmp_path / "calendar"
    without.mkdir()
    shutil.copy(next_year / "outputs" / Q1 / "records" / "0003-results" / "calendar" / "2027.yaml", without)
    _write_yaml(without / "2028.yaml", {key: value for key, value in CALENDAR_2028.items() if key != "previous_year"})
    assert Calendar(without).deadline(LATE_END) == date(2028, 1, 17)
    assert (Calendar(next_year / "outputs" / Q1 / "records" / "0003-results" / "calendar").deadline(LATE_END)
            == LATE_DEADLINE)


def _contradicting(archive: Path) -> None:
    """2027's copy makes Sunday 2027-12-26 a make-up working day, 2028's previous_year a holiday."""
    calendar = archive / "records" / "0003-results" / "calendar"
    _edit_yaml(calendar / "2027.yaml", lambda data: data.update(workdays=[*(data.get("workdays") or []), "2027-12-26"]))
    _edit_yaml(calendar / "2028.yaml", lambda data: data["previous_year"]["holidays"].append("2027-12-26"))


def _malformed(archive: Path) -> None:
    """2028's previous_year names the wrong year, and a date of 2028 among the days of 2027."""
    path = archive / "records" / "0003-results" / "calendar" / "2028.yaml"
    _edit_yaml(path, lambda data: data["previous_year"].update(year=2028, holidays=["2028-12-31"]))


PREVIOUS_YEAR_ALTERATIONS = {
    # name: (alteration of 2027Q1's third results record's calendar copies, resealed; words in both details)
    "contradiction": (_contradicting, [
        "calendar/2028.yaml: key 'previous_year': 2027-12-26 is a day off there, but ",
        "calendar/2027.yaml has it as a working day; the two calendars contradict each other. Check both against the "
        "State Council's notices and correct the wrong one"]),
    "malformed": (_malformed, [
        "calendar/2028.yaml: key 'previous_year.year': 2028: expected 2027, the year before the file's",
        "calendar/2028.yaml: key 'previous_year.holidays[0]': 2028-12-31 is not in 2027"]),
}


@pytest.fixture(scope="module")
def previous_year_altered(next_year, tmp_path_factory, request) -> tuple[Path, list[str], str]:
    alter, words = PREVIOUS_YEAR_ALTERATIONS[request.param]
    root = tmp_path_factory.mktemp("previous-year") / "project"
    shutil.copytree(next_year, root, symlinks=True)
    alter(root / "outputs" / Q1)
    reseal(root / "outputs" / Q1)
    return root, words, request.param


@pytest.mark.parametrize("previous_year_altered", list(PREVIOUS_YEAR_ALTERATIONS), indirect=True, scope="module")
def test_a_previous_year_contradicting_the_years_own_file_or_malformed_fails_in_the_page_and_make_verify(
        previous_year_altered, page_browser):
    root, words, name = previous_year_altered
    outcome = run_page(page_browser, root / "outputs" / Q1 / "verify.html", root / "outputs",
                       case=f"records, previous_year {name}")
    assert outcome.verdict == "FAIL" and severe(outcome) == [] and not outcome.alerted
    assert _page_failed(outcome, Q4) == set() and _page_failed(outcome, Q1) == {"records"}, outcome.failed()
    detail = outcome.detail(Q1, "records")
    python = _make_verify(root, Q1)
    assert ({name for name, check in python.items() if check.status == "FAIL"} - LEFT_TO_MAKE_VERIFY
            == {"records"}), python
    for words_ in words:
        assert words_ in detail, detail
        assert words_ in python["records"].detail, python["records"]
    assert detail.startswith("records/0003-results") and python["records"].detail.startswith("records/0003-results")
