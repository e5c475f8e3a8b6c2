"""One public (一公开): the public files of a quarter, derived from the archive's data.

Zhanhe plan, section 三(一)1-2, and mission.md ("One public"): the results of the random
inspections are published, with the fields the national enterprise credit publicity
system (国家企业信用信息公示系统) shows for a random inspection: plan, task, inspecting
authority, item, completion date, result, entity name and USCC. The risk grades are an
internal reference (section 四(二)); draw protocol v1 ("Records"): public files are derived
from the archive and its records by a deterministic function and carry no grade, ticket,
rank, reserve, batch or per-grade figure.

The tree ``public/<quarter>/`` (``Project.public``) holds exactly ``PUBLIC_FILES``:

- ``publication.csv``: one row per (visit, item) result; UTF-8 with a byte-order mark, so
  Excel opens it as UTF-8; rows end in LF (``\\n``), which Excel, LibreOffice and
  ``csv`` all read; rows sorted by USCC, then task, then item id, never by grade or ticket;
- ``publication.html``: the same table and the task list, one self-contained page under the
  same Content-Security-Policy as the internal pages, with no script and no link, and the
  chain head the publication was made from;
- ``publication.xlsx``: both tables as a workbook whose every cell is text, for a double-click;
- ``tasks.csv``: the quarter's public tasks: one per inspection item (``<quarter>-<item>``),
  its department and the number of entities with a published result (检查户数).

Public tasks are the items, never the params' tasks: a task may be drawn for one grade
(mode (b): the demo's T03 draws grade C only, T04 grade D, both for item SX09), and its id
beside an entity, or its count, would publish that entity's grade or a per-grade figure.

A cell that a spreadsheet would take for a formula (starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return: OWASP, "CSV Injection") gets a single quote ``'``
in front in the CSV files; the HTML page shows the exact text, escaped, with bidi
controls shown as ``⟨U+202E⟩`` (``report.escape``).

Pure apart from ``write_public`` and ``differences``, which write and compare the tree.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from .errors import ArchiveError
from .evidence.store import csv_text, replace_file
from .findings import Result
from .hashing import sha256_bytes
from .inputs import Inputs
from .inspectors import Visit
from .layout import MANIFEST, VERIFIER_PAGE
from .params import QUARTER, parse_quarter
from .report import escape

PUBLIC_FILES = ("publication.csv", "publication.html", "publication.xlsx", "tasks.csv")  # format 2
# The public files' formats, as a results record names them (``public_format``; absent: 1). Each stays, so that
# records of an earlier format keep verifying. 1: the files as first published. 2: publication.html states the chain
# head the publication was made from (protocol v1, "Clarifications of v1": announced with it); the CSV files quote
# every cell a spreadsheet's default import would split (LibreOffice, Excel and WPS also split at ';' and tab);
# publication.xlsx beside the CSV, every cell text, so that a double-click shows all 18 characters of an all-digit
# USCC and no cell is a formula.
FORMATS = (1, 2)
FORMAT = 2  # what ``make results`` writes
SPLIT = (",", '"', "\r", "\n", ";", "\t")  # a cell holding one of these is quoted (format 2)

# The fields of a random-inspection result as the national enterprise credit publicity system lists them.
RESULTS_HEADER = ("抽查计划", "抽查任务编号", "检查实施机关", "抽查事项", "检查完成日期", "检查结果", "企业名称",
                  "统一社会信用代码")
TASKS_HEADER = ("抽查任务编号", "抽查事项", "检查实施机关", "检查户数")
JOIN = "；"  # the full-width semicolon the national system joins result categories with
BOM = "\ufeff"
# OWASP, "CSV Injection": cells starting with these are read as formulas by some spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The policy of the internal pages (templates/zhanhe/index.html.j2): no script, nothing fetched.
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; base-uri 'none'; "
       "form-action 'none'")
DISTRICT = "湛河区"
QUARTER_NAMES = {"1": "一", "2": "二", "3": "三", "4": "四"}


@dataclass(frozen=True)
class PublicResult:
    """One row of ``publication.csv``, in ``RESULTS_HEADER`` order."""

    plan: str
    task_id: str
    department: str
    item: str  # the item's name
    end: str  # ISO date
    categories: str
    name: str
    uscc: str


@dataclass(frozen=True)
class PublicTask:
    """One row of ``tasks.csv``, in ``TASKS_HEADER`` order."""

    task_id: str
    item: str
    department: str
    entities: int


def plan_name(quarter: str) -> str:
    """The plan a quarter's results belong to: ``2026年第四季度双随机抽查``, ``（演示）`` added for a demo quarter."""
    match = parse_quarter(quarter)
    name = f"{match['year']}年第{QUARTER_NAMES[match['quarter']]}季度双随机抽查"
    return name + "（演示）" if match["demo"] else name


def is_demo(inputs: Inputs) -> bool:
    return inputs.params.demo or bool(parse_quarter(inputs.quarter)["demo"])


def public_task(quarter: str, item_id: str) -> str:
    """The public task of an item: ``<quarter>-<item>``, the same whichever grades' tasks drew the entity."""
    return f"{quarter}-{item_id}"


def public_results(inputs: Inputs, visits: list[Visit], results: list[Result]) -> list[PublicResult]:
    """The rows of ``publication.csv``: one per result, sorted by USCC, then item id (then the row's text).

    A row's task is its item's public task. Raises ``ArchiveError`` when a result does not fit the
    visits, their tasks or the registers.
    """
    plan = plan_name(inputs.quarter)
    by_visit = {visit.visit_id: visit for visit in visits}
    task_items = {task.task_id: task.items for task in inputs.params.tasks}
    entities = inputs.registers.entities.lookup(result.uscc for result in results)
    keyed = []
    seen: set[tuple[str, str]] = set()
    for result in results:
        where = f"the result of visit '{result.visit}', item '{result.item}'"
        if result.key in seen:
            raise ArchiveError(f"{where} is given twice: publish only the result in force (a later result "
                               "supersedes the earlier one)")
        seen.add(result.key)
        visit = by_visit.get(result.visit)
        if visit is None:
            raise ArchiveError(f"{where}: no such visit in the archive")
        if visit.uscc != result.uscc:
            raise ArchiveError(f"{where}: the result names entity {result.uscc}, the visit {visit.uscc}")
        item = inputs.registers.items.get(result.item)
        entity = entities.get(result.uscc)
        if item is None or entity is None:
            raise ArchiveError(f"{where}: the {'item' if item is None else 'entity'} is not in the quarter's registers")
        if not any(result.item in task_items.get(task, ()) for task in visit.tasks):
            raise ArchiveError(f"{where}: none of the visit's tasks ({', '.join(sorted(visit.tasks))}) lists the item")
        row = PublicResult(plan, public_task(inputs.quarter, result.item), result.department, item.name,
                           result.end.isoformat(), JOIN.join(result.categories), entity.name, entity.uscc)
        keyed.append(((row.uscc, result.item, astuple(row)), row))
    keyed.sort(key=lambda pair: pair[0])
    return [row for _, row in keyed]


def astuple(row: PublicResult | PublicTask) -> tuple[str, ...]:
    """A row's cells as text, in its header's order."""
    return tuple(str(getattr(row, field.name)) for field in fields(row))


def public_tasks(inputs: Inputs, rows: list[PublicResult]) -> list[PublicTask]:
    """One public task per item of the params' tasks, by item id: the item, its department and the number
    of distinct entities with a row of ``publication.csv`` for it (no grade, no internal task)."""
    entities: dict[str, set[str]] = {}
    for row in rows:
        entities.setdefault(row.task_id, set()).add(row.uscc)
    item_ids = sorted({item_id for task in inputs.params.tasks for item_id in task.items})
    missing = [item_id for item_id in item_ids if item_id not in inputs.registers.items]
    if missing:
        raise ArchiveError(f"item(s) {', '.join(missing)} of the params' tasks not in the quarter's items register")
    tasks = []
    for item_id in item_ids:
        item, label = inputs.registers.items[item_id], public_task(inputs.quarter, item_id)
        tasks.append(PublicTask(label, item.name, item.department, len(entities.get(label, ()))))
    return tasks


def neutralise(cell: str) -> str:
    """A CSV cell no spreadsheet takes for a formula: a single quote before a formula's first character."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def excel_csv(header: Sequence[str], rows: Iterable[Sequence[str]], public_format: int = 1) -> str:
    """A CSV file people open in a spreadsheet: a byte-order mark (Excel then reads UTF-8), LF line ends,
    every cell neutralised. The public files and the violations file; from format 2, every cell a spreadsheet's
    default import would split is quoted (``SPLIT``), not only those Python's csv module quotes."""
    neutral = ([neutralise(cell) for cell in row] for row in rows)
    if public_format == 1:
        return BOM + csv_text(header, neutral)
    return BOM + "".join(",".join(_quoted(cell) for cell in row) + "\n" for row in [list(header), *neutral])


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if any(char in cell for char in SPLIT) else cell


def csv_bytes(header: tuple[str, ...], rows: list[tuple[str, ...]], public_format: int = 1) -> bytes:
    return excel_csv(header, rows, public_format).encode("utf-8")


XLSX_TIME = (1980, 1, 1, 0, 0, 0)  # every part of publication.xlsx is dated so: the same rows give the same bytes


def xlsx_bytes(sheets: dict[str, tuple[tuple[str, ...], list[tuple[str, ...]]]]) -> bytes:
    """``publication.xlsx``: one sheet per (header, rows), every cell a text cell (number format '@', never a
    formula, an all-digit USCC whole), the header bold and frozen; deterministic: openpyxl's workbook with fixed
    document times, its zip parts rewritten in name order with one fixed time."""
    import io
    import zipfile
    from datetime import datetime

    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, (header, rows) in sheets.items():
        sheet = book.create_sheet(title)
        for values in [header, *rows]:
            sheet.append([str(value) for value in values])
        for row in sheet.iter_rows():
            for cell in row:
                cell.data_type, cell.number_format = "s", "@"  # text, whatever it starts with
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for column, width in zip("ABCDEFGH", (24, 24, 22, 28, 12, 28, 30, 22), strict=False):
            sheet.column_dimensions[column].width = width
    book.properties.creator = DISTRICT
    book.properties.created = book.properties.modified = datetime(*XLSX_TIME)
    written = io.BytesIO()
    book.save(written)
    fixed = io.BytesIO()
    with zipfile.ZipFile(written) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for name in sorted(source.namelist()):
            data = source.read(name)
            if name == "docProps/core.xml":  # openpyxl stamps the time of saving as 'modified', whatever was set
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>1980-01-01T00:00:00Z", data)
            target.writestr(zipfile.ZipInfo(name, XLSX_TIME), data, zipfile.ZIP_DEFLATED, 6)
    return fixed.getvalue()


STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei",
       "PingFang SC", "Hiragino Sans GB", "WenQuanYi Micro Hei", "SimSun", sans-serif;
       margin: 24px; color: #222; line-height: 1.5; }
h1 { font-size: 22px; margin: 0 0 8px 0; }
h2 { font-size: 18px; margin: 24px 0 8px 0; }
.note { color: #555; font-size: 13px; }
.demo { border: 2px solid #a60; padding: 6px 12px; color: #a60; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #bbb; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td { overflow-wrap: anywhere; max-width: 32em; }
"""


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    head = "".join(f"<th>{escape(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>\n" for row in rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>\n"


def page(quarter: str, demo: bool, rows: list[PublicResult], tasks: list[PublicTask], head: str = "") -> str:
    """``publication.html``: the results table, then the task list, then (format 2) the chain head it was made
    from; no script, no link, nothing fetched."""
    title = f"{DISTRICT} {plan_name(quarter)}结果公示"
    entities = len({row.uscc for row in rows})
    parts = [
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n",
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        f"<h1>{escape(title)}</h1>\n",
        f"<p>{DISTRICT}“双随机、一公开”抽查检查结果公示：{escape(plan_name(quarter))}（{escape(quarter)}），"
        f"共 {len(rows)} 条检查结果，涉及 {entities} 户市场主体；每条为一户市场主体的一个抽查事项。</p>\n",
        "<p class=\"note\">数据来源：本季度抽查存档中的检查结果记录 (results records)，由存档数据确定性生成；"
        "与同一目录下的 publication.csv、tasks.csv 内容一致。"
        "名称中可改变文字显示顺序的双向控制字符显示为 ⟨U+编码⟩。</p>\n",
    ]
    if demo:
        parts.append('<p class="demo"><b>演示数据 DEMO</b>：合成数据，非真实企业与人员，不是正式公示。</p>\n')
    parts += [
        "<h2>检查结果</h2>\n", _table(RESULTS_HEADER, [astuple(row) for row in rows]),
        "<h2>抽查任务</h2>\n", _table(TASKS_HEADER, [astuple(task) for task in tasks]),
    ]
    if head:
        parts.append(f"<h2>核对</h2>\n<p>本公示依据的存档哈希链头（存档中最新清单 {MANIFEST} 的 SHA-256）：<b>"
                     f"{escape(head)}</b>。任何人可用存档核对本公示由存档生成、存档未被改动：运行 "
                     f"make verify QUARTER={escape(quarter)} HEAD=（此链头），或在存档所附的 {VERIFIER_PAGE} "
                     "中填入此链头。</p>\n")
    parts.append("</main>\n</body>\n</html>\n")
    return "".join(parts)


def public_files(inputs: Inputs, visits: list[Visit], results: list[Result], public_format: int = FORMAT,
                 head: str = "") -> dict[str, bytes]:
    """name (relative to public/<quarter>/) -> exact bytes, in ``public_format`` (``FORMATS``); ``head``: the
    SHA-256 of the chain's head the publication is made from (stated from format 2 on). Deterministic (no clock,
    no dict/set order)."""
    if public_format not in FORMATS:
        raise ArchiveError(f"public format {public_format} is unknown to this version of zhanhe-audit")
    rows = public_results(inputs, visits, results)
    tasks = public_tasks(inputs, rows)
    results_rows, task_rows = [astuple(row) for row in rows], [astuple(task) for task in tasks]
    files = {
        "publication.csv": csv_bytes(RESULTS_HEADER, results_rows, public_format),
        "publication.html": page(inputs.quarter, is_demo(inputs), rows, tasks,
                                 head if public_format >= 2 else "").encode("utf-8"),
        "tasks.csv": csv_bytes(TASKS_HEADER, task_rows, public_format),
    }
    if public_format >= 2:
        files["publication.xlsx"] = xlsx_bytes({"检查结果": (RESULTS_HEADER, results_rows),
                                                "抽查任务": (TASKS_HEADER, task_rows)})
    return dict(sorted(files.items()))


def _check_tree(folder: Path, files: dict[str, bytes]) -> None:
    """The tree is flat and is ``.../public/<quarter>``: rewriting it removes what it holds besides ``files``,
    so it must never be pointed at another folder."""
    if folder.parent.name != "public" or not QUARTER.match(folder.name):
        raise ValueError(f"{folder}: not a public tree public/<quarter>/")
    for name in files:
        if name in ("", ".", "..") or "/" in name or os.sep in name or name.startswith("."):
            raise ValueError(f"{name!r}: a public file is named without a folder and without a leading '.'")


def write_public(folder: Path, files: dict[str, bytes]) -> None:
    """Write the tree public/<quarter>/: each file atomically (``replace_file``), removing files of
    this tree that are no longer published; the tree is derived, so it may be rewritten."""
    _check_tree(folder, files)
    folder.mkdir(parents=True, exist_ok=True)
    for name in sorted(files):
        target = folder / name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        replace_file(target, files[name])  # os.replace: a symbolic link itself, never its target
    for entry in sorted(folder.iterdir()):
        if entry.name in files:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def _digest(data: bytes) -> str:
    return f"{len(data)} bytes, SHA-256 {sha256_bytes(data)}"


def differences(folder: Path, files: dict[str, bytes]) -> list[str]:
    """What differs between the published tree in ``folder`` and ``files`` (missing, changed, extra), one line
    each; [] when identical."""
    found = {entry.name: entry for entry in folder.iterdir()} if folder.is_dir() else {}
    lines = []
    for name in sorted(set(files) | set(found)):
        entry = found.get(name)
        if entry is None:
            lines.append(f"missing {name}")
        elif name not in files:
            lines.append(f"extra   {name}{'/' if entry.is_dir() and not entry.is_symlink() else ''}")
        elif entry.is_symlink() or not entry.is_file():
            lines.append(f"changed {name}: a {'symbolic link' if entry.is_symlink() else 'folder'}, not a file")
        else:
            data = entry.read_bytes()
            if data != files[name]:
                lines.append(f"changed {name}: {_digest(data)}; expected {_digest(files[name])}")
    return lines
