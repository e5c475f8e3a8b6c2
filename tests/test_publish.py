"""The public files of a quarter (issue 10, "Public files: never a grade"): publish.py.

Small quarters built from literal register rows (demo entities, items and tags), visits and
results written by hand. Every expected value below is written out here, not computed by
the code under test. The leak scan parses every public file (CSV with ``csv``, HTML with
``html.parser``) and is shown to fail on planted leaks.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import alert_open, needs_chromium, open_page
from projects import write_rows_project
from zhanhe_audit.errors import ArchiveError
from zhanhe_audit.findings import NONE_NEEDED, Result
from zhanhe_audit.history import History
from zhanhe_audit.inputs import Inputs, load_inputs
from zhanhe_audit.inspectors import Visit
from zhanhe_audit.publish import PUBLIC_FILES, differences, neutralise, plan_name, public_files, write_public
from zhanhe_audit.registers import Entities

QUARTER = "2026Q1"
SEED = "publish test 2026-01-05 48213 90377 15620 73184"
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
       "base-uri 'none'; form-action 'none'")
TICKETS = [f"{n:x}" * 64 for n in (9, 3, 14, 1, 6, 11)]  # 64 hex characters each, never published
MARKET, HEALTH = "湛河区市场监督管理局", "湛河区卫生健康委员会"

ITEMS = [
    "SX01,企业公示信息抽查,湛河区市场监督管理局,《企业信息公示暂行条例》第十四条,ENTERPRISE,一般",
    "SX03,食品销售者监督检查,湛河区市场监督管理局,《中华人民共和国食品安全法》第一百一十条,FOOD_SALE,重点",
    "SX13,公共场所卫生监督检查,湛河区卫生健康委员会,《公共场所卫生管理条例》,PUBLIC_VENUE,一般",
]
TAGS = ["ENTERPRISE,企业", "RETAIL,零售商业", "WHOLESALE,批发商业", "FOOD_SALE,食品销售", "FOOD_SERVICE,餐饮服务",
        "DRUG_RETAIL,药品零售", "METROLOGY,计量器具使用", "PUBLIC_VENUE,公共场所", "RESIDENT_SERVICE,居民服务"]
INSPECTORS = ["41040020106436,闫静,湛河区市场监督管理局,马庄市场监管所,是",
              "41040020155070,史萍峰,湛河区市场监督管理局,马庄市场监管所,是",
              "41040020300001,王卫,湛河区卫生健康委员会,卫健委监督所,是",
              "41040020300002,李健,湛河区卫生健康委员会,卫健委监督所,是"]
ENTITIES = [
    "914104116978956839,平顶山恒达眼镜有限公司,C,ENTERPRISE;RETAIL;METROLOGY,姚孟市场监管所,存续,2006-01-03",
    "914104115043120911,平顶山华福大药房有限公司,A,ENTERPRISE;DRUG_RETAIL,姚孟市场监管所,存续,2011-05-10",
    "91410411MA97B4GECJ,平顶山华嘉洗涤服务有限公司,B,ENTERPRISE;RESIDENT_SERVICE,河滨市场监管所,存续,2021-05-21",
    "9141041125295349X0,平顶山康源贸易有限公司,C,ENTERPRISE;RETAIL;WHOLESALE,曹镇市场监管所,存续,2013-10-14",
]
# T01 and T02 both list SX03; T01 and T03 both list SX13.
TASKS = [{"id": "T01", "items": ["SX03", "SX13"], "grades": ["A", "B", "C", "D"]},
         {"id": "T02", "items": ["SX01", "SX03"], "grades": ["A", "B", "C", "D"]},
         {"id": "T03", "items": ["SX13"], "grades": ["C"]}]
T01, T02, T03 = (f"{QUARTER}-T0{n}" for n in (1, 2, 3))
# Visit numbers (serving order: first task, then ticket) follow neither the USCC nor the grade.
VISITS = [
    Visit(f"{QUARTER}-V0001", "914104116978956839", T01, TICKETS[0], (T02, T01), ("SX01", "SX03", "SX13"),
          (HEALTH, MARKET), 1),
    Visit(f"{QUARTER}-V0002", "91410411MA97B4GECJ", T02, TICKETS[1], (T02,), ("SX01",), (MARKET,), 2),
    Visit(f"{QUARTER}-V0003", "914104115043120911", T01, TICKETS[2], (T03, T01), ("SX13",), (HEALTH,), None),
    Visit(f"{QUARTER}-V0004", "9141041125295349X0", T03, TICKETS[3], (T03,), ("SX13",), (HEALTH,), None),
]
# What a results record holds besides the public fields: none of it may reach a public file.
SECRET_FINDINGS = f"内部资料：风险等级 D，签号 {TICKETS[4]}，序号 3，备选 2，批次 1"


def result(visit: Visit, item: str, department: str, end: date, *categories: str) -> Result:
    return Result(visit.visit_id, visit.uscc, item, department, end - timedelta(days=2), end,
                  ("41040020106436", "41040020155070"), categories, SECRET_FINDINGS, NONE_NEEDED, "", "", None,
                  "", None, False, end + timedelta(days=28), "")


RESULTS = [
    result(VISITS[0], "SX01", MARKET, date(2026, 2, 11), "未发现问题"),
    result(VISITS[0], "SX03", MARKET, date(2026, 2, 10), "发现问题已责令改正", "未按规定公示应当公示的信息"),
    result(VISITS[0], "SX13", HEALTH, date(2026, 2, 12), "未发现问题"),
    result(VISITS[1], "SX01", MARKET, date(2026, 3, 2), "未发现开展本次抽查涉及的经营活动"),
    result(VISITS[2], "SX13", HEALTH, date(2026, 1, 20), "未发现问题"),
    result(VISITS[3], "SX13", HEALTH, date(2026, 3, 20), "通过登记的住所（经营场所）无法联系"),
]


def project_inputs(root: Path, entities: list[str], tasks: list[dict] = TASKS) -> Inputs:
    rows = {"entities": entities, "items": ITEMS, "tags": TAGS, "inspectors": INSPECTORS}
    project = write_rows_project(root, QUARTER, SEED, rows, tasks)
    return load_inputs(project, QUARTER, History())


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Inputs:
    return project_inputs(tmp_path_factory.mktemp("publish"), ENTITIES)


@pytest.fixture(scope="module")
def files(inputs) -> dict[str, bytes]:
    return public_files(inputs, VISITS, RESULTS)


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))


# --- the leak scan -------------------------------------------------------------------------------

FORBIDDEN_WORDS = ("等级", "风险", "grade", "序号", "备选", "批次", "rank", "reserve", "batch", "ticket", "签号",
                   "内部资料")
GRADE_FIGURE = re.compile(r"(?<![0-9A-Za-z])[ABCD]\s*(?:[:：=]|类|级|档)")
TICKET = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])")
INTERNAL = ("report.html", ".ipynb", "notebooks/", "outputs/", "html/0", "内部资料")
ELEMENTS = {"html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "p", "b", "table", "thead", "tbody",
            "tr", "th", "td"}


def cell_leaks(where: str, cell: str) -> list[str]:
    found = [f"{where}: '{word}' in {cell[:60]!r}" for word in FORBIDDEN_WORDS if word in cell.lower()]
    if cell.strip() in {"A", "B", "C", "D"}:
        found.append(f"{where}: a cell holding only a grade letter {cell!r}")
    if GRADE_FIGURE.search(cell):
        found.append(f"{where}: a per-grade figure in {cell[:60]!r}")
    return found


class Parsed(HTMLParser):
    """A page's elements, table cells, other text and styles, as a browser reads them."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.cells: list[str] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self._cell: list[str] | None = None
        self._style = False
        self.feed(source)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))
        self._style = tag == "style"
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        self._style = False
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._style:
            self.styles.append(data)
        elif self._cell is not None:
            self._cell.append(data)
        else:
            self.text.append(data)


def xlsx_leaks(name: str, data: bytes) -> list[str]:
    """A workbook's leaks: every cell of every sheet as the CSV cells are scanned, any cell not text, anything
    in the workbook but its sheets' cells that names a grade or a ticket (its XML parts, read as text)."""
    import zipfile

    from openpyxl import load_workbook

    found = []
    book = load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for number, row in enumerate(sheet.iter_rows(), start=1):
            for cell in row:
                if cell.value is not None and cell.data_type != "s":
                    found.append(f"{name} {sheet.title}!{cell.coordinate}: a cell of type {cell.data_type}, not text")
                found += cell_leaks(f"{name} {sheet.title} row {number}", str(cell.value or ""))
    with zipfile.ZipFile(io.BytesIO(data)) as parts:
        for part in parts.namelist():
            text = parts.read(part).decode("utf-8", errors="replace")
            found += [f"{name} {part}: a 64-hex ticket" for _ in TICKET.findall(text)]
            found += [f"{name} {part}: mentions {what!r}" for what in INTERNAL if what in text]
    return found


def leaks(files: dict[str, bytes], head: str = "") -> list[str]:
    """Everything in the public files that must never be published; [] when clean. ``head``: the chain head the
    publication states it was made from (a manifest's SHA-256, the one 64-hex text it may hold)."""
    found = []
    for name, data in sorted(files.items()):
        if name.endswith(".xlsx"):
            found += xlsx_leaks(name, data)
            continue
        text = data.decode("utf-8")
        found += [f"{name}: a 64-hex ticket" for hexes in TICKET.findall(text) if hexes != head]
        found += [f"{name}: mentions {what!r}" for what in INTERNAL if what in text]
        if name.endswith(".csv"):
            rows = csv_rows(data)
            found += [hit for number, row in enumerate(rows, start=1) for cell in row
                      for hit in cell_leaks(f"{name} row {number}", cell)]
            continue
        page = Parsed(text)
        found += [hit for cell in page.cells for hit in cell_leaks(f"{name} cell", cell)]
        found += [hit for chunk in page.text for hit in cell_leaks(f"{name} text", chunk)]
        if "<script" in text.lower():
            found.append(f"{name}: <script")
        for tag, attributes in page.elements:
            if tag not in ELEMENTS:
                found.append(f"{name}: <{tag}> element")
            for attribute, value in attributes.items():
                if attribute.startswith("on"):
                    found.append(f"{name}: <{tag} {attribute}> event handler")
                if attribute in {"href", "src", "action", "formaction", "srcset", "data", "poster", "xlink:href"}:
                    found.append(f"{name}: <{tag} {attribute}={value[:40]!r}> a link")
                if re.match(r"\s*(https?:|//|ftp:|file:|javascript:)", value, re.I):
                    found.append(f"{name}: <{tag} {attribute}={value[:40]!r}> external URL")
        styles = "\n".join(page.styles + [a.get("style", "") for _, a in page.elements])
        found += [f"{name}: url() or @import in a style" for _ in re.findall(r"url\(|@import", styles)]
        policies = [a.get("content") for tag, a in page.elements
                    if tag == "meta" and a.get("http-equiv", "").lower() == "content-security-policy"]
        if policies != [CSP]:
            found.append(f"{name}: Content-Security-Policy {policies}")
        elif text.index("Content-Security-Policy") > text.index("<style"):
            found.append(f"{name}: the Content-Security-Policy comes after a style")
        if not any(tag == "meta" and a.get("charset", "").lower() == "utf-8" for tag, a in page.elements):
            found.append(f"{name}: no <meta charset=utf-8>")
    return found


# --- publication.csv and tasks.csv ------------------------------------------------------------------

HEADER = "抽查计划,抽查任务编号,检查实施机关,抽查事项,检查完成日期,检查结果,企业名称,统一社会信用代码\n"
PLAN = "2026年第一季度双随机抽查"


def test_publication_csv_starts_with_a_bom_and_the_exact_chinese_header(files):
    assert list(files) == list(PUBLIC_FILES)
    assert files["publication.csv"].startswith(b"\xef\xbb\xbf" + HEADER.encode("utf-8"))
    assert b"\r" not in files["publication.csv"]  # LF line ends, as chosen


SX01, SX03, SX13 = (f"{QUARTER}-{item}" for item in ("SX01", "SX03", "SX13"))  # the public tasks: one per item


def test_publication_csv_has_one_exact_row_per_result_sorted_by_uscc_then_item(files):
    rows = csv_rows(files["publication.csv"])[1:]
    assert ",".join(rows[3]) == (f"{PLAN},{SX03},{MARKET},食品销售者监督检查,2026-02-10,"
                                 "发现问题已责令改正；未按规定公示应当公示的信息,平顶山恒达眼镜有限公司,914104116978956839")
    # Visits were given in serving order (V0001..V0004): neither USCC nor grade order.
    assert [(row[7], row[1], row[3]) for row in rows] == [
        ("9141041125295349X0", SX13, "公共场所卫生监督检查"),
        ("914104115043120911", SX13, "公共场所卫生监督检查"),
        ("914104116978956839", SX01, "企业公示信息抽查"),
        ("914104116978956839", SX03, "食品销售者监督检查"),
        ("914104116978956839", SX13, "公共场所卫生监督检查"),
        ("91410411MA97B4GECJ", SX01, "企业公示信息抽查"),
    ]
    assert [row[0] for row in rows] == [PLAN] * 6
    assert [row[2] for row in rows] == [HEALTH, HEALTH, MARKET, MARKET, HEALTH, MARKET]
    assert sorted(row[7] for row in rows) == [row[7] for row in rows]


def test_no_internal_task_is_published_since_a_task_of_one_grade_would_tell_the_grade(files):
    # T03 draws grade C only: its id beside an entity, or its count, would publish a grade
    published = [cell for name, data in files.items() if not name.endswith(".xlsx")
                 for cell in data.decode("utf-8-sig").replace("\n", ",").split(",")]
    published += [str(cell.value) for sheet in load_workbook(io.BytesIO(files["publication.xlsx"])).worksheets
                  for row in sheet.iter_rows() for cell in row]
    assert not [cell for cell in published if any(task in cell for task in (T01, T02, T03))]
    rows = csv_rows(files["publication.csv"])[1:]
    assert {(row[7], row[1]) for row in rows if row[3] == "公共场所卫生监督检查"} == {
        ("9141041125295349X0", SX13), ("914104115043120911", SX13), ("914104116978956839", SX13)}


def test_tasks_csv_lists_one_public_task_per_item_with_department_and_entities_and_no_grade(files):
    assert csv_rows(files["tasks.csv"]) == [
        ["抽查任务编号", "抽查事项", "检查实施机关", "检查户数"],
        [SX01, "企业公示信息抽查", MARKET, "2"],
        [SX03, "食品销售者监督检查", MARKET, "1"],
        [SX13, "公共场所卫生监督检查", HEALTH, "3"],
    ]


def test_a_demo_quarter_says_demo_in_the_plan_and_on_the_page(inputs):
    assert plan_name("2027Q3") == "2027年第三季度双随机抽查"
    assert plan_name("demo-2026Q4") == "2026年第四季度双随机抽查（演示）"
    demo = public_files(replace(inputs, quarter="demo-2026Q1"), VISITS, RESULTS)
    assert {row[0] for row in csv_rows(demo["publication.csv"])[1:]} == {"2026年第一季度双随机抽查（演示）"}
    page = Parsed(demo["publication.html"].decode("utf-8"))
    assert "演示数据" in "".join(page.text)
    assert "演示" not in "".join(Parsed(public_files(inputs, VISITS, RESULTS)["publication.html"].decode()).text)


def test_a_result_that_fits_no_task_of_its_visit_or_is_given_twice_is_refused(inputs):
    stray = result(VISITS[1], "SX13", HEALTH, date(2026, 3, 2), "未发现问题")  # V0002's only task T02 lacks SX13
    with pytest.raises(ArchiveError, match="none of the visit's tasks"):
        public_files(inputs, VISITS, [*RESULTS, stray])
    with pytest.raises(ArchiveError, match="given twice"):
        public_files(inputs, VISITS, [*RESULTS, RESULTS[0]])
    with pytest.raises(ArchiveError, match="no such visit"):
        public_files(inputs, VISITS[1:], RESULTS)


# --- the leak scan ------------------------------------------------------------------------------

def test_no_public_file_carries_a_grade_ticket_rank_batch_link_or_script(files):
    assert leaks(files) == []
    page = Parsed(files["publication.html"].decode("utf-8"))
    assert "双随机抽查结果公示" in "".join(page.text) and "湛河区" in "".join(page.text)
    # the table and the task list
    assert "平顶山恒达眼镜有限公司" in page.cells and "公共场所卫生监督检查" in page.cells


@pytest.mark.parametrize("plant, expected", [
    (lambda f: {**f, "publication.csv": "\n".join(line + (",风险等级" if n == 0 else ",C") for n, line in
                                              enumerate(f["publication.csv"].decode("utf-8").split("\n")[:-1])).encode()},
     "'风险'"),
    (lambda f: {**f, "tasks.csv": f["tasks.csv"] + "合计,,,D\n".encode()}, "grade letter"),
    (lambda f: {**f, "tasks.csv": f["tasks.csv"] + "合计,A：3,B：1,\n".encode()}, "per-grade figure"),
    (lambda f: {**f, "publication.csv": f["publication.csv"] + f"x,{TICKETS[5]}\n".encode()}, "64-hex ticket"),
    (lambda f: {**f, "tasks.csv": f["tasks.csv"] + b"Rank,1,,\n"}, "'rank'"),
    (lambda f: _html(f, "<p>备选 3</p>"), "'备选'"),
    (lambda f: _html(f, "<p>内部资料</p>"), "内部资料"),
    (lambda f: _html(f, '<a href="../../outputs/2026Q1/report.html">报告</a>'), "a link"),
    (lambda f: _html(f, "<script>alert(1)</script>"), "<script"),
    (lambda f: _html(f, "<img src=x onerror=alert(1)>"), "event handler"),
    (lambda f: _html(f, '<p style="background:url(https://example.invalid/x.png)">x</p>'), "url()"),
    (lambda f: {**f, "publication.html": f["publication.html"].replace(b"Content-Security-Policy", b"X-Nothing")},
     "Content-Security-Policy []"),
])
def test_the_leak_scan_reports_each_planted_leak(files, plant, expected):
    assert leaks(files) == []
    found = " | ".join(leaks(plant(files)))
    assert expected in found, found


def _html(files: dict[str, bytes], planted: str) -> dict[str, bytes]:
    return {**files, "publication.html": files["publication.html"].replace(b"</main>", planted.encode() + b"</main>")}


# --- hostile register text ------------------------------------------------------------------------

HOSTILE = {  # USCC -> entity name
    "91410411MA9ALW8QQF": "<script>alert('x')</script>有限公司",
    "91410411MA4C6MNA60": '=HYPERLINK("http://x")',
    "91410411MAM939HC30": "+1",
    "91410411MA0XTWU2QC": "-2",
    "9141041128821148XT": "@SUM(A1)",
    "91410411MA1LTRK4GH": "正常\u202e名称abc",
}


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory) -> dict[str, bytes]:
    lines = []
    for uscc, name in HOSTILE.items():
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(
            [uscc, name, "B", "ENTERPRISE", "南环路市场监管所", "存续", "2019-01-01"])
        lines.append(buffer.getvalue())
    inputs = project_inputs(tmp_path_factory.mktemp("hostile"), lines)
    visits = [Visit(f"{QUARTER}-V{n:04d}", uscc, T02, TICKETS[n % 6], (T02,), ("SX01",), (MARKET,), None)
              for n, uscc in enumerate(HOSTILE, start=1)]
    return public_files(inputs, visits, [result(visit, "SX01", MARKET, date(2026, 2, 3), "未发现问题")
                                         for visit in visits])


def test_hostile_names_are_neutralised_in_the_csv_and_shown_as_text_in_the_html(hostile_files):
    assert leaks(hostile_files) == []
    names = {row[7]: row[6] for row in csv_rows(hostile_files["publication.csv"])[1:]}
    assert names == {
        "91410411MA9ALW8QQF": "<script>alert('x')</script>有限公司",
        "91410411MA4C6MNA60": "'=HYPERLINK(\"http://x\")",
        "91410411MAM939HC30": "'+1",
        "91410411MA0XTWU2QC": "'-2",
        "9141041128821148XT": "'@SUM(A1)",
        "91410411MA1LTRK4GH": "正常\u202e名称abc",  # the CSV keeps the exact text
    }
    source = hostile_files["publication.html"].decode("utf-8")
    page = Parsed(source)
    for shown in ("<script>alert('x')</script>有限公司", '=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)",
                  "正常⟨U+202E⟩名称abc"):
        assert shown in page.cells
    assert "&lt;script&gt;" in source and "<script" not in source
    assert "\u202e" not in source


def test_every_formula_start_owasp_lists_gets_a_quote_and_nothing_else_does():
    for cell in ("=1+1", "+1", "-2", "@SUM(A1)", "\t=1", "\r=1"):
        assert neutralise(cell) == "'" + cell
    for cell in ("平顶山", "2026-02-10", "'=1", " =1", "A-1", ""):
        assert neutralise(cell) == cell


# --- determinism ----------------------------------------------------------------------------------

def test_the_same_inputs_in_another_order_give_byte_identical_files(inputs, files):
    params = replace(inputs.params, tasks=tuple(replace(task, items=task.items[::-1])
                                                for task in reversed(inputs.params.tasks)))
    registers = replace(inputs.registers, entities=Entities.from_objects(tuple(inputs.registers.entities)[::-1]),
                        items=dict(reversed(list(inputs.registers.items.items()))))
    shuffled = [RESULTS[n] for n in (3, 0, 5, 2, 4, 1)]
    again = public_files(replace(inputs, params=params, registers=registers), VISITS[::-1], shuffled)
    assert again == files
    assert public_files(inputs, VISITS, RESULTS[::-1]) == files


# --- writing and checking the tree ----------------------------------------------------------------

def test_write_public_then_differences_names_each_changed_missing_or_extra_file(files, tmp_path):
    folder = tmp_path / "public" / QUARTER
    (folder / "old").mkdir(parents=True)
    (folder / "stale.csv").write_text("no longer published", encoding="utf-8")
    write_public(folder, files)
    assert sorted(p.name for p in folder.iterdir()) == sorted(PUBLIC_FILES)  # no temporary left, stale gone
    assert {name: (folder / name).read_bytes() for name in PUBLIC_FILES} == files
    assert differences(folder, files) == []

    data = bytearray(files["publication.csv"])
    data[-2] ^= 1
    (folder / "publication.csv").write_bytes(bytes(data))
    (folder / "tasks.csv").unlink()
    (folder / "extra.txt").write_text("x", encoding="utf-8")
    found = differences(folder, files)
    assert len(found) == 3, found
    assert [line.split()[:2] for line in found] == [["extra", "extra.txt"], ["changed", "publication.csv:"],
                                                   ["missing", "tasks.csv"]]

    write_public(folder, files)
    assert differences(folder, files) == []
    assert differences(tmp_path / "public" / "2026Q2", files) == [f"missing {name}" for name in sorted(PUBLIC_FILES)]


def test_write_public_refuses_a_folder_that_is_not_a_public_tree(files, tmp_path):
    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ValueError, match="not a public tree"):
        write_public(tmp_path, files)
    with pytest.raises(ValueError, match="without a folder"):
        write_public(tmp_path / "public" / QUARTER, {"../x.csv": b""})
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


# --- in a browser ---------------------------------------------------------------------------------

@needs_chromium
def test_the_page_opens_in_chromium_runs_no_script_and_its_console_stays_clean(hostile_files, browser, tmp_path):
    page = tmp_path / "publication.html"
    page.write_bytes(hostile_files["publication.html"])
    log = open_page(browser, page)
    assert not alert_open(browser)
    assert browser.execute_script("return document.scripts.length;") == 0
    assert [entry for entry in log if entry["level"] == "SEVERE"] == []
    body = browser.find_element("tag name", "body").text
    assert "<script>alert('x')</script>有限公司" in body and "正常⟨U+202E⟩名称abc" in body


@needs_chromium
def test_chromium_refuses_a_script_planted_in_the_page_and_says_so(hostile_files, browser, tmp_path):
    """The console check above can fail: the page's policy refuses a planted script, with a SEVERE entry."""
    page = tmp_path / "planted.html"
    page.write_bytes(_html(hostile_files, "<script>alert('planted')</script>")["publication.html"])
    log = open_page(browser, page)
    assert not alert_open(browser)
    assert any("Content Security Policy" in entry["message"] for entry in log if entry["level"] == "SEVERE"), log
