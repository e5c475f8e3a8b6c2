"""Results forms as Excel and WPS save them (issue 17): dates as serial numbers, as text, with trailing spaces.

There is no Excel or WPS here, so their files are emulated: an ``.xlsx`` written with openpyxl whose date
cells are General-format numbers (a date cell formatted back to General, or a date pasted as a value) or
text cells, and CSV text in which such a number was exported as its digits (``46055``), saved as GBK and as
UTF-8 with a BOM. The date reader is ``registers.parse_date``; its new case, Excel's serial day numbers, is
tested on its own first.

Every serial number below was counted by hand from the one Microsoft's documentation of DATE gives (1 January
2008 is 39448), not computed with the code under test: eight years before it, with the leap days of 2000 and
2004 (2922 days), 2000-01-01 is 36526, and ten years before that, with 1992 and 1996 (3652 days), 1990-01-01 is
32874; seventeen years after 2008-01-01, with five leap days (6210 days), 2025-01-01 is 45658; 2026-01-01 is
45658 + 365 = 46023, so 2026-02-02 (day 33 of 2026) is 46055 and 2026-09-14 (day 257) is 46279; a hundred
years with 25 leap days after 2000-01-01, 2100-01-01 is 36526 + 36525 = 73051, so 2099-12-31 is 73050.
"""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from projects import drawn_project, tree
from zhanhe_audit import append, cli, results_form
from zhanhe_audit.errors import ResultsError
from zhanhe_audit.paths import Project
from zhanhe_audit.registers import parse_date

Q = "2026Q1"
AS_OF = date(2026, 3, 31)
HEALTH = "湛河区卫生健康委员会"


@pytest.fixture(scope="module", autouse=True)
def no_outer_git(tmp_path_factory):
    """git must not find a repository above the temporary folders (the module's projects are made once)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path_factory.getbasetemp()))
        yield


# --- parse_date: Excel's serial day numbers ------------------------------------------------------------


@pytest.mark.parametrize("raw, expected", [
    ("46279", date(2026, 9, 14)),
    ("45658", date(2025, 1, 1)),
    ("46055", date(2026, 2, 2)),
    ("39448", date(2008, 1, 1)),  # Microsoft's own example
    ("36526", date(2000, 1, 1)),
    ("32874", date(1990, 1, 1)),  # the first day taken
    ("73050", date(2099, 12, 31)),  # the last day taken
], ids=["46279_is_2026_09_14", "45658_is_2025_01_01", "46055_is_2026_02_02", "39448_is_2008_01_01",
        "36526_is_2000_01_01",
        "32874_is_1990_01_01_first_day_taken", "73050_is_2099_12_31_last_day_taken"])
def test_parse_date_reads_excel_serial_day_number(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", [
    "46279.5",  # a fraction: a time of day, or not a date at all; a whole-day serial is what a date cell holds
    "46279.0",  # calamine's float is written '46279' before it gets here; digits and a point are not a serial
    "32873",  # 1989-12-31: before 1990
    "73051",  # 2100-01-01: after 2099
    "10000", "99999",  # five digits, out of range
    "4627", "2026",  # four digits: a count, or a year
    "462790", "202609",  # six digits
    "-46279", "+46279", "4.6279E+4",
], ids=["fraction_46279_5", "point_zero_46279_0", "32873_is_1989", "73051_is_2100", "five_digits_10000",
        "five_digits_99999", "four_digits_4627", "four_digits_year_2026", "six_digits_462790",
        "six_digits_202609", "negative", "plus_sign", "scientific"])
def test_parse_date_refuses_numbers_that_are_not_serials_of_1990_to_2099(raw):
    assert parse_date(raw) is None


def test_parse_date_eight_digits_stay_the_compact_form_not_a_serial():
    assert parse_date("20260914") == date(2026, 9, 14)


def test_parse_date_text_forms_unchanged_slash_and_chinese():
    assert parse_date("2026/9/14") == parse_date("2026年9月14日") == parse_date("2026-09-14") == date(2026, 9, 14)


# --- forms as Excel and WPS save them --------------------------------------------------------------------


def _visits(project: Project) -> list[dict[str, str]]:
    text = (project.archive(Q) / "draw" / "visits.csv").read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _key(visit: dict[str, str]) -> dict[str, str]:
    """A row's pre-filled cells: the visit, its entity, its first item and its inspectors."""
    return {"visit": visit["visit"], "uscc": visit["uscc"], "item": visit["items"].split(";")[0],
            "inspectors": "；".join(visit["inspectors"].split(";"))}


# The four results of tests/test_results.py's valid file: nothing found; an open correction, unpublished; a
# transfer; a case with a penalty and the abnormal list. Dates as ISO text here (the reference file).
FILLED = [
    {"start": "2026-02-02", "end": "2026-02-03", "categories": "未发现问题", "published": "2026-02-10"},
    {"start": "2026-02-12", "end": "2026-02-13", "categories": "发现问题已责令改正", "findings": "未按规定明码标价",
     "disposition": "责令改正"},
    {"start": "2026-02-02", "end": "2026-02-03", "categories": "发现问题待后续处理", "findings": "涉及卫生许可",
     "disposition": "移交", "receiving_department": HEALTH, "status": "已移交已接收", "published": "2026-02-20"},
    {"start": "2026-02-02", "end": "2026-02-03", "categories": "通过登记的住所（经营场所）无法联系；不配合检查情节严重",
     "findings": "住所无法联系", "disposition": "立案查处", "status": "已立案", "published": "2026-03-09",
     "penalty_number": "湛市监罚〔2026〕7号", "penalty_date": "2026-02-27", "abnormal_list": "是"},
]
# The same dates as Excel or WPS may save them: General-format numbers (serials counted by hand, see the module
# docstring), text in other forms, trailing spaces (ASCII, U+3000 ideographic, U+00A0 no-break).
AS_SAVED = [
    {"start": 46055, "end": "2026/2/3", "published": "2026年2月10日\u3000"},
    {"start": "2026年2月12日 ", "end": 46066},
    {"start": "2026-02-02\u00a0", "end": 46056.0, "published": 46073},
    {"start": 46055, "end": "2026/2/3\u3000\u3000", "published": 46090, "penalty_date": "2026年2月27日\u00a0 "},
]
# What the record must hold for the four rows, written out: (start, end, published, penalty_date, deadline,
# categories, disposition, status, abnormal_list). Deadlines counted by hand from the State Council's 2026
# notice in tests/test_results.py (HAND_DEADLINES).
RECORDED = [
    ("2026-02-02", "2026-02-03", "2026-02-10", "", "2026-03-09", "未发现问题", "无需处置", "", "false"),
    ("2026-02-12", "2026-02-13", "", "", "2026-03-19", "发现问题已责令改正", "责令改正", "待处置", "false"),
    ("2026-02-02", "2026-02-03", "2026-02-20", "", "2026-03-09", "发现问题待后续处理", "移交", "已移交已接收", "false"),
    ("2026-02-02", "2026-02-03", "2026-03-09", "2026-02-27", "2026-03-09",
     "通过登记的住所（经营场所）无法联系;不配合检查情节严重", "立案查处", "已立案", "true"),
]


def _rows(project: Project, saved: list[dict[str, object]] | None) -> list[dict[str, object]]:
    """The four filled rows of the first four visits, their dates replaced by ``saved``'s."""
    return [{**_key(visit), **filled, **(saved[index] if saved else {})}
            for index, (visit, filled) in enumerate(zip(_visits(project), FILLED, strict=False))]


def _xlsx(path: Path, rows: list[dict[str, object]]) -> Path:
    """The form as Excel saves it: a number in a General-format cell stays a number, text stays text."""
    book = Workbook()
    sheet = book.active
    sheet.append([column.header for column in results_form.FORM_COLUMNS])
    for row in rows:
        sheet.append([row.get(column.key, "") for column in results_form.FORM_COLUMNS])
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, int | float):
                assert cell.number_format == "General" and cell.data_type == "n"
    book.save(path)
    return path


def _csv_text(rows: list[dict[str, object]]) -> str:
    """The form as Excel's and WPS's CSV export writes it: a General number as its digits (46056.0 as 46056)."""
    def shown(value: object) -> str:
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.header for column in results_form.FORM_COLUMNS])
    for row in rows:
        writer.writerow([shown(row.get(column.key, "")) for column in results_form.FORM_COLUMNS])
    return buffer.getvalue()


def _pages(record: Path, archive: Path) -> None:
    """Placeholders for the 05-results page (its notebook is not what these tests are about)."""
    for name in ("notebooks/05-results.ipynb", "html/05-results.html"):
        (record / name).parent.mkdir(parents=True, exist_ok=True)
        (record / name).write_text("placeholder for the 05-results page\n", encoding="utf-8")


def _recorded(record: Path) -> list[tuple[str, ...]]:
    rows = csv.DictReader(io.StringIO((record / "results.csv").read_text(encoding="utf-8"), newline=""))
    return [(row["start"], row["end"], row["published"], row["penalty_date"], row["deadline"], row["categories"],
             row["disposition"], row["status"], row["abnormal_list"]) for row in rows]


@pytest.fixture(scope="module")
def drawn(tmp_path_factory) -> Path:
    """A quarter drawn once; each test records into a copy of its own."""
    return drawn_project(tmp_path_factory.mktemp("drawn"), Q).root


@pytest.fixture
def project(drawn, tmp_path) -> Project:
    return Project(Path(shutil.copytree(drawn, tmp_path / "project")))


@pytest.fixture(scope="module")
def reference(drawn, tmp_path_factory) -> bytes:
    """results.csv of the same four rows with plain ISO dates, recorded in a copy of the drawn quarter."""
    project = Project(Path(shutil.copytree(drawn, tmp_path_factory.mktemp("reference") / "project")))
    form = project.forms(Q) / "iso.csv"
    form.write_text(_csv_text(_rows(project, None)), encoding="utf-8")
    record = append.record_results(project, Q, form, AS_OF, pages=_pages)
    assert _recorded(record) == RECORDED
    return (record / "results.csv").read_bytes()


def test_xlsx_with_general_number_dates_text_dates_and_trailing_spaces_records_the_same_rows(project, reference):
    form = _xlsx(project.forms(Q) / "excel.xlsx", _rows(project, AS_SAVED))
    record = append.record_results(project, Q, form, AS_OF, pages=_pages)
    assert _recorded(record) == RECORDED
    assert (record / "results.csv").read_bytes() == reference


def _gbk(text: str) -> bytes:
    """GBK bytes of ``text``; GBK has no U+00A0, so a no-break space is saved as an ASCII space."""
    return text.replace("\u00a0", " ").encode("gbk")


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"], ids=["gbk", "utf8_with_bom"])
def test_csv_with_serial_digits_text_dates_and_trailing_spaces_records_the_same_rows(project, reference, encoding):
    form = project.forms(Q) / "excel.csv"
    text = _csv_text(_rows(project, AS_SAVED))
    form.write_bytes(_gbk(text) if encoding == "gbk" else text.encode(encoding))
    data = form.read_bytes()
    assert b",46055," in data and ",2026/2/3\u3000\u3000,".encode(encoding.removesuffix("-sig")) in data
    assert (data.startswith(b"\xef\xbb\xbf\xe6\xa3\x80") if encoding == "utf-8-sig"
            else data.startswith("检查".encode("gbk")))
    record = append.record_results(project, Q, form, AS_OF, pages=_pages)
    assert _recorded(record) == RECORDED
    assert (record / "results.csv").read_bytes() == reference


def _refused(project: Project, form: Path, match: str) -> list[tuple[str, int | None, str | None]]:
    """Where the refusal of ``form`` says the problems are; nothing was written."""
    before = tree(project.root)
    with pytest.raises(ResultsError, match=match) as caught:
        append.record_results(project, Q, form, AS_OF, pages=_pages)
    assert tree(project.root) == before
    return [(problem.file, problem.row, problem.column) for problem in caught.value.problems]


def test_xlsx_general_number_with_a_fraction_46066_5_is_refused_with_file_row_and_column(project):
    rows = _rows(project, AS_SAVED)
    rows[1]["end"] = 46066.5  # row 3 of the sheet
    form = _xlsx(project.forms(Q) / "excel.xlsx", rows)
    match = (rf"registers/{Q}/excel\.xlsx, row 3, column '检查结束日期': '46066\.5' is not a date; "
             r"expected e\.g\. 2026-12-01")
    assert _refused(project, form, match) == [(f"registers/{Q}/excel.xlsx", 3, "end")]


@pytest.mark.parametrize("cell", ["4605", "460550", "73051", "32873", "2026/2/30", "2026年2月"],
                         ids=["four_digits", "six_digits", "serial_of_2100", "serial_of_1989", "30_february",
                              "no_day"])
def test_csv_date_it_cannot_read_is_refused_with_file_row_and_column(project, cell):
    rows = _rows(project, AS_SAVED)
    rows[2]["published"] = cell + "\u3000"  # row 4 of the sheet; the trailing space is not part of the message
    form = project.forms(Q) / "excel.csv"
    form.write_bytes(_gbk(_csv_text(rows)))
    match = rf"registers/{Q}/excel\.csv, row 4, column '公示日期': '{cell}' is not a date"
    assert _refused(project, form, match) == [(f"registers/{Q}/excel.csv", 4, "published")]


def test_cli_refuses_an_unreadable_serial_without_traceback_exit_2_and_writes_nothing(project, capsys):
    rows = _rows(project, AS_SAVED)
    rows[0]["start"] = 4605.0  # a General number of four digits: not a date
    _xlsx(project.forms(Q) / "excel.xlsx", rows)
    before = tree(project.root)
    code = cli.main(["--root", str(project.root), "results", Q, f"registers/{Q}/excel.xlsx", "--as-of", "2026-03-31"])
    out, err = capsys.readouterr()
    assert code == 2
    assert f"registers/{Q}/excel.xlsx, row 2, column '检查开始日期': '4605' is not a date" in err
    assert "Traceback" not in out + err
    assert tree(project.root) == before
