"""The results form: the fill-in form staff are given (``make results-form``), and a filled form read and every
row checked against the archive and the records before it (``make results``, and ``make verify`` again).

The form has one row per (visit, item), pre-filled with the visit, entity, item, department, batch and
drawn inspectors, and no grade (``FORM_COLUMNS``). A filled form is read from ``.xlsx``, or CSV in UTF-8,
UTF-8 with BOM or GBK (``read_filled``), and checked row by row (``check``): every problem is named by
file, row and column, and nothing is recorded while one remains. ``results`` appends the checked rows
as a record.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from .calendar import Calendar
from .errors import CalendarError, Problem, ResultsError
from .evidence.records import DrawRecord
from .findings import (
    CASE,
    CATEGORIES,
    DISPOSITIONS,
    NONE_NEEDED,
    NOT_PROBLEMS,
    PENDING,
    STATUSES,
    TRANSFER,
    Result,
)
from .hashing import sha256_file
from .inputs import Inputs
from .inspectors import Visit
from .layout import VISITS
from .quarter import QuarterState
from .registers import FALSE_WORDS, TRUE_WORDS, Table, parse_date, read_table

KIND_NAME = "results"  # the record's kind, and the name a filled form's problems are reported under
FORM_FILE = "results-form.xlsx"  # written beside the quarter's registers
SEPARATORS = re.compile(r"[;；、,，\s]+")  # between categories or certificate numbers in one cell


# --- the form ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str  # the canonical name (registers.COLUMNS["results"] for the ones read back)
    header: str  # as the form shows it
    width: int
    filled: bool  # filled by staff (else pre-filled, for reading)


FORM_COLUMNS = (
    Column("visit", "检查编号", 18, False),
    Column("uscc", "统一社会信用代码", 22, False),
    Column("name", "企业名称", 28, False),
    Column("item", "抽查事项编号", 10, False),
    Column("item_name", "抽查事项名称", 24, False),
    Column("department", "检查实施机关", 20, False),
    Column("batch", "批次", 6, False),
    Column("drawn", "抽取的检查人员", 30, False),
    Column("start", "检查开始日期", 12, True),
    Column("end", "检查结束日期", 12, True),
    Column("inspectors", "实际检查人员", 34, True),
    Column("categories", "检查结果", 30, True),
    Column("findings", "发现问题", 30, True),
    Column("disposition", "后续处置", 10, True),
    Column("receiving_department", "移交部门", 20, True),
    Column("status", "处置进展", 12, True),
    Column("published", "公示日期", 12, True),
    Column("penalty_number", "处罚决定书文号", 20, True),
    Column("penalty_date", "处罚决定日期", 12, True),
    Column("abnormal_list", "列入经营异常名录", 10, True),
)
FILLED = tuple(column.key for column in FORM_COLUMNS if column.filled)
HEADER = {column.key: column.header for column in FORM_COLUMNS}  # problems name a column as the form heads it


def form_rows(inputs: Inputs, visits: list[Visit], done: frozenset[tuple[str, str]] = frozenset()
              ) -> list[dict[str, str]]:
    """One pre-filled row per (visit, item) of ``visits`` (the quarter as it is now, replacements applied) that
    has no result yet (``done``: the (visit, item) pairs with one)."""
    entities = inputs.registers.entities.lookup(visit.uscc for visit in visits)
    people = inputs.registers.inspectors
    rows = []
    for visit in visits:
        drawn = "；".join(visit.inspectors)
        for item_id in visit.items:
            if (visit.visit_id, item_id) in done:
                continue
            item = inputs.registers.items[item_id]
            here = [cert for cert in visit.inspectors if people[cert].department == item.department]
            rows.append({
                "visit": visit.visit_id, "uscc": visit.uscc, "name": entities[visit.uscc].name, "item": item_id,
                "item_name": item.name, "department": item.department,
                "batch": "" if visit.batch is None else str(visit.batch),
                "drawn": "；".join(f"{cert}（{people[cert].name}）" for cert in here),
                "inspectors": "；".join(here) or drawn,
            })
    return rows


def departments(inputs: Inputs) -> list[str]:
    """The departments a matter can be transferred to: those of the items and inspectors registers."""
    found = {item.department for item in inputs.registers.items.values()}
    found |= {inspector.department for inspector in inputs.registers.inspectors.values()}
    return sorted(found)


def form_name(folder: Path) -> str:
    """The name of the next results form in ``folder``: ``results-form.xlsx``, then ``results-form-2.xlsx``, … A form
    is never written over: the one staff filled, whose SHA-256 a record names, stays as it was."""
    stem, suffix = FORM_FILE.rsplit(".", 1)
    names = (FORM_FILE, *(f"{stem}-{number}.{suffix}" for number in range(2, 10_000)))
    return next(name for name in names if not (folder / name).exists())


def form_workbook(inputs: Inputs, state: QuarterState) -> bytes:
    """The fill-in ``.xlsx``: one pre-filled row per (visit, item) still without a result (every one, before any
    results; after a replacement, the new visit's), drop-down lists for the columns staff fill, no grade."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "检查结果"
    lists = book.create_sheet("选项")
    choices = {"categories": list(CATEGORIES), "disposition": list(DISPOSITIONS),
               "receiving_department": departments(inputs), "status": list(STATUSES),
               "abnormal_list": ["是", "否"]}
    for list_column, (key, values) in enumerate(choices.items(), start=1):
        lists.cell(1, list_column, key)
        for list_row, value in enumerate(values, start=2):
            lists.cell(list_row, list_column, value)
    lists.sheet_state = "hidden"
    rows = form_rows(inputs, state.visits, frozenset(state.results))
    prefilled, filled = PatternFill("solid", fgColor="EEEEEE"), PatternFill("solid", fgColor="FFF8DC")
    for index, column in enumerate(FORM_COLUMNS, start=1):
        cell = sheet.cell(1, index, column.header)
        cell.font, cell.fill = Font(bold=True), filled if column.filled else prefilled
        sheet.column_dimensions[get_column_letter(index)].width = column.width
        for number, row in enumerate(rows, start=2):
            value = row.get(column.key, "")
            target = sheet.cell(number, index, value)
            target.number_format = "@"  # text: a USCC or certificate number never becomes a number
            if not column.filled:
                target.fill = prefilled
        if column.key in ("start", "end", "published", "penalty_date"):
            for number in range(2, len(rows) + 2):
                sheet.cell(number, index).number_format = "yyyy-mm-dd"
    last = len(rows) + 1
    for column_number, (key, values) in enumerate(choices.items(), start=1):
        source = f"选项!${get_column_letter(column_number)}$2:${get_column_letter(column_number)}${len(values) + 1}"
        index = next(i for i, column in enumerate(FORM_COLUMNS, start=1) if column.key == key)
        # several categories may apply: the list offers one, and typing several separated by "；" stays allowed
        validation = DataValidation(type="list", formula1=source, allow_blank=True,
                                    showErrorMessage=key != "categories")
        validation.error = "请从列表中选择 (choose from the list)"
        validation.prompt = "可填多项，以“；”分隔 (several allowed, separated by ；)" if key == "categories" else ""
        validation.add(f"{get_column_letter(index)}2:{get_column_letter(index)}{max(last, 2)}")
        sheet.add_data_validation(validation)
    sheet.freeze_panes = "C2"
    for cell in sheet[1]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- reading a filled form ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Filled:
    """A filled form, read: where it came from and its rows."""

    name: str
    sha256: str
    table: Table


def read_filled(path: Path, shown_as: str) -> Filled:
    """The filled form at ``path`` (``.xlsx`` or CSV); ``ResultsError`` when it cannot be read as one."""
    table, problems = read_table(path, KIND_NAME, shown_as)
    if problems:
        raise ResultsError(problems)
    return Filled(path.name, sha256_file(path), table)


def seed_date(record: DrawRecord) -> date | None:
    """The date the seed was fixed (its provenance), when it reads as one: no result can come before it."""
    return parse_date(str(record.seed_provenance.get("date", ""))[:10])


@dataclass(frozen=True)
class Context:
    """What a results row is checked against: the quarter now, its registers, dates and calendar."""

    inputs: Inputs
    state: QuarterState
    drawn: date | None  # the seed's date: the draw cannot precede it
    as_of: date
    calendar: Calendar

    @property
    def visits(self) -> dict[str, Visit]:
        return {visit.visit_id: visit for visit in self.state.visits}


def _date(cells: dict[str, str], column: str, problem, required: bool) -> date | None:
    text = cells[column]
    if not text:
        if required:
            problem(column, "is blank; a date is required, e.g. 2026-12-01")
        return None
    found = parse_date(text)
    if found is None:
        problem(column, f"'{text}' is not a date; expected e.g. 2026-12-01 or 2026年12月1日")
    return found


def check_row(number: int, cells: dict[str, str], context: Context, visits: dict[str, Visit], known: list[str],
              shown_as: str, problems: list[Problem], uncovered: dict[int, list[tuple[int, date]]]) -> Result | None:
    """One filled row as a ``Result``, or None with its problems appended (file, row, the form's column header);
    a row whose deadline runs into a year no working-day calendar covers is added to ``uncovered`` (year -> (row,
    end date)) instead."""
    before = len(problems)

    def problem(column: str, message: str) -> None:
        problems.append(Problem(shown_as, number, column, message, HEADER[column]))

    visit: Visit | None = visits.get(cells["visit"])
    quarter = context.inputs.quarter
    if visit is None:
        problem("visit", f"'{cells['visit']}' is not a current visit of {quarter} ({VISITS} with its "
                "replacement records); copy the row from the results form")
    elif cells["uscc"] != visit.uscc:
        problem("uscc", f"visit {visit.visit_id} is of entity {visit.uscc}, not '{cells['uscc']}'")
    elif cells["item"] not in visit.items:
        problem("item", f"visit {visit.visit_id} has the items {', '.join(visit.items)}, not '{cells['item']}'")
    start = _date(cells, "start", problem, required=True)
    end = _date(cells, "end", problem, required=True)
    published = _date(cells, "published", problem, required=False)
    penalty_date = _date(cells, "penalty_date", problem, required=False)
    if start and end and end < start:
        problem("end", f"{end} is before the start date {start}")
    if start and context.drawn and start < context.drawn:
        problem("start", f"{start} is before the draw: the seed of {quarter} was fixed on {context.drawn}")
    for column, day in (("end", end), ("published", published), ("penalty_date", penalty_date)):
        if day and day > context.as_of:
            problem(column, f"{day} is after the as-of date {context.as_of}")
    if penalty_date and start and penalty_date < start:
        problem("penalty_date", f"{penalty_date} is before the inspection started ({start})")
    if published and end and published < end:
        problem("published", f"{published} is before the inspection ended ({end}): a result is published after it")
    inspectors = tuple(filter(None, SEPARATORS.split(cells["inspectors"])))
    if visit is not None:
        strangers = [cert for cert in inspectors if cert not in visit.inspectors]
        if strangers:
            problem("inspectors", f"{', '.join(strangers)} was not assigned to visit {visit.visit_id} (assigned: "
                    f"{', '.join(visit.inspectors)}); only drawn inspectors inspect")
        elif len(set(inspectors)) < 2:
            problem("inspectors",
                    "at least two inspectors inspect (执法人员不少于两人); list their certificate numbers")
    categories = tuple(filter(None, (piece.strip() for piece in re.split(r"[;；\n]+", cells["categories"]))))
    unknown = [category for category in categories if category not in CATEGORIES]
    if not categories:
        problem("categories", "is blank; choose one or more of the standard result categories")
    for category in unknown:
        problem("categories",
                f"'{category}' is not a standard result category; expected one of {'、'.join(CATEGORIES)}")
    problems_found = any(category in CATEGORIES and category not in NOT_PROBLEMS for category in categories)
    disposition = cells["disposition"] or ("" if problems_found else NONE_NEEDED)
    if disposition not in DISPOSITIONS:
        problem("disposition", f"'{disposition}' is not a disposition; expected {'、'.join(DISPOSITIONS)}"
                if disposition else "is blank, but a problem was found: every problem gets a disposition "
                "(后续处置无例外): 责令改正, 立案查处 or 移交")
    elif problems_found and disposition == NONE_NEEDED:
        problem("disposition", f"{NONE_NEEDED} for a problem: every problem gets a disposition (后续处置无例外)")
    receiving = cells["receiving_department"]
    if disposition == TRANSFER and not receiving:
        problem("receiving_department", "is blank: 移交 names the department the matter goes to "
                "(谁审批、谁监管，谁主管、谁监管)")
    elif receiving and disposition != TRANSFER:
        problem("receiving_department", f"names '{receiving}', but the disposition is not {TRANSFER}")
    elif receiving and receiving not in known:
        problem("receiving_department", f"'{receiving}' is not a department of the registers; expected one of "
                f"{'、'.join(known)}")
    status = cells["status"] or (PENDING if problems_found else "")
    if status and status not in STATUSES:
        problem("status", f"'{status}' is not a follow-up status; expected {'、'.join(STATUSES)}")
    elif status and not problems_found:
        problem("status", "a follow-up status is only for a problem found")
    if cells["penalty_number"] and (disposition != CASE or penalty_date is None):
        problem("penalty_number", f"a penalty decision needs the disposition {CASE} and its date (处罚决定日期)")
    if penalty_date and not cells["penalty_number"]:
        problem("penalty_date", "a penalty date needs the decision number (处罚决定书文号)")
    flag = cells["abnormal_list"].lower()
    if flag and flag not in TRUE_WORDS and flag not in FALSE_WORDS:
        problem("abnormal_list", f"'{cells['abnormal_list']}': expected 是 or 否")
    if len(problems) > before or visit is None or start is None or end is None:
        return None
    try:
        deadline = context.calendar.deadline(end)
    except CalendarError as error:
        uncovered.setdefault(error.year or end.year, []).append((number, end))
        return None
    item = context.inputs.registers.items[cells["item"]]
    return Result(visit.visit_id, visit.uscc, item.item_id, item.department, start, end, inspectors, categories,
                  cells["findings"], disposition, receiving, status, published, cells["penalty_number"], penalty_date,
                  flag in TRUE_WORDS, deadline, supersedes="")


def check(rows: list[tuple[int, dict[str, str]]], context: Context, shown_as: str) -> list[Result]:
    """Every filled row checked, in the file's order; ``ResultsError`` listing every problem, nothing written.

    Rows with nothing filled in are not results yet. A (visit, item) twice in one file is refused;
    one that has a result already supersedes it.
    """
    problems: list[Problem] = []
    found: list[Result] = []
    first: dict[tuple[str, str], int] = {}
    uncovered: dict[int, list[tuple[int, date]]] = {}
    visits, known = context.visits, departments(context.inputs)
    if context.state.as_of and context.as_of < context.state.as_of:
        raise ResultsError([Problem(shown_as, None, None, f"as of {context.as_of}, earlier than the results recorded "
                                    f"already (as of {context.state.as_of}): results go forward in time")])
    for number, cells in rows:
        if not any(cells[column] for column in FILLED if column in cells and column != "inspectors"):
            # (the form pre-fills the inspectors: a row with nothing else is not a result yet)
            continue
        key = (cells["visit"], cells["item"])
        if key in first:
            problems.append(Problem(shown_as, number, "item", f"visit {key[0]}, item {key[1]} is also at row "
                                    f"{first[key]}: one result per (visit, item) in a file", HEADER["item"]))
            continue
        first[key] = number
        result = check_row(number, cells, context, visits, known, shown_as, problems, uncovered)
        if result is not None:
            earlier = context.state.results.get(result.key)
            found.append(replace(result, supersedes=earlier[0] if earlier else ""))
    for year, late in sorted(uncovered.items()):
        listed = ", ".join(f"row {number} ({HEADER['end']} {end})" for number, end in late)
        problems.append(Problem(shown_as, None, None, (
            f"the 20-working-day deadline of {len(late)} row(s) runs into {year}, which no working-day calendar covers "
            f"yet: {listed}. Write {year}'s calendar from the State Council's holiday notice for {year} "
            f"(国务院办公厅关于{year}年部分节假日安排的通知), saved as .txt or .html: "
            f"make calendar YEAR={year} NOTICE=<the notice's file>, "
            f"commit params/calendar/{year}.yaml, then record these results again")))
    if problems:
        raise ResultsError(problems)
    if not found:
        raise ResultsError([Problem(shown_as, None, None, "no row is filled in: nothing to record")])
    return found


def context_of(inputs: Inputs, folder: Path, state: QuarterState, as_of: date, calendar: Calendar) -> Context:
    return Context(inputs, state, seed_date(DrawRecord.read(folder)), as_of, calendar)


def cells_of(result: Result) -> dict[str, str]:
    """An archived result as the cells of a filled form, so that it is checked by the same rules."""
    return {
        "visit": result.visit, "uscc": result.uscc, "item": result.item, "start": result.start.isoformat(),
        "end": result.end.isoformat(), "inspectors": "；".join(result.inspectors),
        "categories": "；".join(result.categories), "findings": result.findings, "disposition": result.disposition,
        "receiving_department": result.receiving_department, "status": result.status,
        "published": result.published.isoformat() if result.published else "", "penalty_number": result.penalty_number,
        "penalty_date": result.penalty_date.isoformat() if result.penalty_date else "",
        "abnormal_list": "是" if result.abnormal_list else "否",
    }
