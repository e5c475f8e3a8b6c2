"""Registers: the quarter's input files, read and validated.

The registers are the exports of the provincial platform listed in
mission.md ("Registers (inputs)"): entities (检查对象名录库), inspection items
(抽查事项清单), inspectors (执法检查人员名录库), declared conflicts, plus the
catalogue of category tags (分类标注目录) that entities and items refer to.

This is the one module that reads input files. Everything else works on the
validated records it returns. Files are CSV (UTF-8, UTF-8 with BOM or GBK,
detected), Excel's "Unicode text" (UTF-16 with a byte-order mark,
tab-separated) or ``.xlsx``; headers are the canonical English names, the
Chinese names of a provincial-platform export, or any name mapped in the
params file. Every problem of every file is collected and raised at once as
one ``RegisterError`` naming file, spreadsheet row and column.

The format is taken from the file's content, not its name: a ZIP package is
read as an ``.xlsx`` workbook, a file starting "PAR1" as Parquet, anything else as text. Formats Excel can write
by mistake (an ``.xls`` workbook, a web page, UTF-16 without a byte-order
mark) are refused in plain words saying how to save the file instead.
A text file whose header row has tabs and no commas is tab-separated.

Excel keeps 15 significant digits of a number, so an 18-digit USCC that
Excel stored as a number has lost its last digits: such a cell (a number in
the workbook, or ``9.14104E+17`` in a CSV that Excel saved) is reported as
that, with the fix, never as a wrong check character.

Normalisation (documented in the README, "Registers"):
- every cell: surrounding white space (including the full-width space
  U+3000) removed;
- grade: Unicode NFKC (full-width ``Ａ`` becomes ``A``), then upper case, so
  `` a ``, ``Ａ`` and ``A`` are all grade A; the platform's Chinese labels
  低风险/中风险/中高风险/高风险 map to A/B/C/D. Anything else, including a blank,
  is an error unless params map unclassified entities to a grade explicitly;
- tags and tag codes: NFKC, white space removed, upper case; ``；`` and ``;``
  both separate tags; empty pieces are ignored; an unknown code is an error;
- USCC and certificate numbers are not case-folded: a lower-case USCC is
  reported as an error, never silently changed, since it is the identity
  the tickets hash.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import gc
import io
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

import pyarrow as pa
import pyarrow.compute  # noqa: F401 -- pa.compute
import pyarrow.csv as arrow_csv

from . import uscc as uscc_codes
from .errors import Problem, Problems, RegisterError

T = TypeVar("T")

GRADES = ("A", "B", "C", "D")  # Zhanhe plan, section 3.2: A low ... D high risk

REGISTER_NAMES = ("entities", "items", "inspectors", "conflicts", "tags")

COLUMNS: dict[str, tuple[str, ...]] = {
    "entities": ("uscc", "name", "grade", "tags", "unit", "status", "established"),
    "items": ("item_id", "name", "department", "legal_basis", "target_tags", "kind"),
    "inspectors": ("cert_no", "name", "department", "unit", "certified"),
    "conflicts": ("cert_no", "uscc", "reason"),
    "tags": ("code", "name"),
    # A filled results form (``results``): the columns read back; the form's other columns
    # (name, item name, department, batch, drawn inspectors) are there for the staff only.
    "results": ("visit", "uscc", "item", "start", "end", "inspectors", "categories", "findings", "disposition",
                "receiving_department", "status", "published", "penalty_number", "penalty_date", "abnormal_list"),
}

# Headers of a provincial-platform export (检查对象名录库 etc.).
CHINESE_HEADERS: dict[str, dict[str, str]] = {
    "entities": {
        "统一社会信用代码": "uscc",
        "主体名称": "name",
        "企业名称": "name",
        "名称": "name",
        "信用风险等级": "grade",
        "风险等级": "grade",
        "信用风险分类": "grade",
        "分类标注": "tags",
        "标签": "tags",
        "所属单位": "unit",
        "管辖单位": "unit",
        "登记状态": "status",
        "经营状态": "status",
        "成立日期": "established",
    },
    "items": {
        "事项编号": "item_id",
        "抽查事项编号": "item_id",
        "事项名称": "name",
        "抽查事项名称": "name",
        "责任部门": "department",
        "实施部门": "department",
        "检查依据": "legal_basis",
        "法律依据": "legal_basis",
        "检查对象范围": "target_tags",
        "适用对象标签": "target_tags",
        "事项类别": "kind",
        "事项类型": "kind",
    },
    "inspectors": {
        "执法证号": "cert_no",
        "执法证件号": "cert_no",
        "姓名": "name",
        "所属部门": "department",
        "所属单位": "unit",
        "是否持证": "certified",
    },
    "conflicts": {
        "执法证号": "cert_no",
        "执法证件号": "cert_no",
        "统一社会信用代码": "uscc",
        "回避原因": "reason",
    },
    "tags": {"代码": "code", "标签代码": "code", "名称": "name", "标签名称": "name"},
    "results": {
        "检查编号": "visit",
        "统一社会信用代码": "uscc",
        "抽查事项编号": "item",
        "检查开始日期": "start",
        "检查结束日期": "end",
        "实际检查人员": "inspectors",
        "检查结果": "categories",
        "发现问题": "findings",
        "后续处置": "disposition",
        "移交部门": "receiving_department",
        "处置进展": "status",
        "公示日期": "published",
        "处罚决定书文号": "penalty_number",
        "处罚决定日期": "penalty_date",
        "列入经营异常名录": "abnormal_list",
    },
}

GRADE_LABELS = {"低风险": "A", "中风险": "B", "中高风险": "C", "高风险": "D"}

# Registration status (登记状态). Only active entities take part in a draw.
ACTIVE_STATUSES = frozenset({"active", "存续", "在业", "在营", "开业", "正常"})
INACTIVE_STATUSES = frozenset(
    {"inactive", "deregistered", "revoked", "moved_out", "closed",
     "注销", "吊销", "迁出", "撤销", "停业", "歇业", "清算"}
)

ITEM_KINDS = {"一般": "general", "general": "general", "重点": "key", "key": "key"}
TRUE_WORDS = frozenset({"是", "yes", "y", "true", "1", "持证"})
FALSE_WORDS = frozenset({"否", "no", "n", "false", "0", "未持证"})
ALL_ENTITIES = "*"  # an item scope that covers every entity
TAG_CODE = re.compile(r"[A-Z][A-Z0-9_]*\Z")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
COMPACT_DATE = re.compile(r"[0-9]{8}\Z")  # "%Y%m%d" only for exactly 8 digits
# A date as Excel's serial day number (the 1900 date system of Excel, WPS and ECMA-376): what a date cell shows once
# formatted as General, or pasted as a value. Only days of SERIAL_YEARS are taken for dates: their serials (32874
# for 1990-01-01 to 73050 for 2099-12-31) have exactly five digits, so no count, code or year is taken for one.
SERIAL_DATE = re.compile(r"[0-9]{5}\Z")
SERIAL_YEARS = range(1990, 2100)

# File signatures: [MS-CFB] 2.2 (the compound file of Excel 97-2003 .xls and of
# password-protected workbooks) and the ZIP local file header (APPNOTE 4.3.7),
# which starts every .xlsx package (ECMA-376 Part 2).
COMPOUND_FILE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
PARQUET_SIGNATURE = b"PAR1"  # Apache Parquet: the file starts (and ends) with these four bytes
# A number as Excel writes it into a CSV in the General format: 9.14104E+17.
SCIENTIFIC_NUMBER = re.compile(r"[0-9](\.[0-9]+)?E\+[0-9]+\Z", re.IGNORECASE)

SAVE_AS = ("请在 Excel 中打开，另存为“CSV UTF-8（逗号分隔）(*.csv)”或“Excel 工作簿 (*.xlsx)” "
           "(open it in Excel and save it as 'CSV UTF-8 (Comma delimited)' or 'Excel Workbook (*.xlsx)')")


@dataclass(frozen=True, slots=True)
class Entity:
    uscc: str
    name: str
    grade: str
    tags: frozenset[str]
    unit: str
    status: str
    established: date
    active: bool
    row: int


@dataclass(frozen=True)
class Item:
    item_id: str
    name: str
    department: str
    legal_basis: str
    target_tags: frozenset[str]  # may contain ALL_ENTITIES
    kind: str  # "general" or "key"
    row: int


@dataclass(frozen=True)
class Inspector:
    cert_no: str
    name: str
    department: str
    unit: str
    certified: bool
    row: int


@dataclass(frozen=True)
class Conflict:
    cert_no: str
    uscc: str
    reason: str
    row: int


@dataclass(frozen=True)
class Registers:
    entities: tuple[Entity, ...]
    items: dict[str, Item]
    inspectors: dict[str, Inspector]
    conflicts: tuple[Conflict, ...]
    tags: dict[str, str]  # code -> name


@dataclass(frozen=True)
class Table:
    """A file's cells as string columns keyed by canonical column, with row numbers.

    ``numbers`` holds the spreadsheet row of each data row (blank rows are left out).
    ``readable`` is false when the file itself could not be used (missing, empty,
    unreadable, a column missing); that problem is reported already, so the file's rows
    are not checked further. ``numeric`` holds the (row, column) of every cell a workbook
    stored as a number, whose string is the number's digits (a CSV has none: every cell
    is text). ``rows`` gives the same cells a row at a time, for the small registers.
    """

    file: str
    numbers: list[int]
    columns: dict[str, pa.Array]
    readable: bool = True
    numeric: frozenset[tuple[int, str]] = frozenset()

    def __len__(self) -> int:
        return len(self.numbers)

    @functools.cached_property
    def rows(self) -> list[tuple[int, dict[str, str]]]:
        values = {column: array.to_pylist() for column, array in self.columns.items()}
        return [(number, {column: cells[index] for column, cells in values.items()})
                for index, number in enumerate(self.numbers)]


def _unreadable(shown: str, message: str) -> tuple[Table, list[Problem]]:
    return Table(shown, [], {}, readable=False), [Problem(shown, None, None, message)]


@dataclass(frozen=True)
class _Grid:
    """A file's non-blank rows as columns of cleaned cells: ``numbers`` (the spreadsheet row of each,
    the header's first), one string array per position, and the (row, position) of cells stored as numbers."""

    numbers: list[int]
    cells: list[pa.Array]
    numeric: frozenset[tuple[int, int]] = frozenset()


WHITE_SPACE = "".join(chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace())  # what str.strip() removes


def _grid(rows: list[tuple[int, list[str]]], numeric: frozenset[tuple[int, int]] = frozenset()) -> _Grid:
    """Rows of cleaned cells as a grid: short rows padded with blank cells, blank rows left out."""
    width = max((len(cells) for _, cells in rows), default=0)
    columns = [pa.array([cells[position] if position < len(cells) else "" for _, cells in rows], pa.string())
               for position in range(width)]
    return _filled_rows([number for number, _ in rows], columns, numeric)


class _Unreadable(Exception):
    """A file that is not in a register format; the message says so in plain words."""


def _clean(value: object) -> str:
    if isinstance(value, str):
        return value.strip()  # str.strip() removes the full-width space U+3000 too (it is white space)
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().strip("\u3000").strip()


def decode(data: bytes) -> tuple[str, bool]:
    """Text of a text register, and whether it is Excel's "Unicode text".

    A byte-order mark decides: UTF-32, UTF-16 (Excel's "Unicode text",
    little- or big-endian) or UTF-8. Without one, UTF-8 is tried first
    because GBK bytes are almost never valid UTF-8, while UTF-8 bytes often
    are valid GB 18030; else GBK, read as GB 18030, its superset, so every
    GBK export decodes. Zero bytes never occur in UTF-8 or GBK text: they
    mean UTF-16 without a byte-order mark, or not a text file, and are
    refused rather than guessed at.
    """
    for boms, encoding in (((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE), "utf-32"),
                           ((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE), "utf-16")):
        if data.startswith(boms):
            try:
                return data.decode(encoding), True
            except UnicodeDecodeError:
                raise _Unreadable(
                    f"文件带有 {encoding.upper()} 标记（Excel 的“Unicode 文本”），但内容不完整或已损坏 "
                    f"(marked as {encoding.upper()} 'Unicode text' but cut off or damaged); {SAVE_AS}"
                ) from None
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8):].decode("utf-8"), False
        except UnicodeDecodeError:
            raise _Unreadable(
                f"文件带有 UTF-8 标记，但内容不是 UTF-8 文本 (marked as UTF-8 but not UTF-8 text); {SAVE_AS}"
            ) from None
    if b"\x00" in data:
        raise _Unreadable(_zero_bytes_message(data))
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), False
    except UnicodeDecodeError:
        raise _Unreadable(
            f"不是 UTF-8 或 GBK 编码的文本文件 (neither UTF-8 nor GBK text); {SAVE_AS}"
        ) from None


def _zero_bytes_message(data: bytes) -> str:
    """What a file with zero bytes most likely is, for the refusal.

    In UTF-16 every ASCII character (separators, line ends, digits of a
    USCC) has a zero byte on the same side (odd offsets little-endian, even
    offsets big-endian); a binary file has a few zero bytes on both sides.
    Only the wording depends on this guess: the file is refused either way.
    """
    sample = data[:65536]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if max(even, odd) >= 4 * min(even, odd) and max(even, odd) * 20 >= len(sample):
        return ("看起来是没有字节顺序标记 (BOM) 的 UTF-16 文本，无法可靠读取 "
                f"(looks like UTF-16 text without a byte-order mark, which cannot be read reliably); {SAVE_AS}")
    return f"含有零字节，不是文本文件（CSV）(contains zero bytes: not a text file such as CSV); {SAVE_AS}"


def _text_grid(data: bytes) -> _Grid:
    """The rows of a text register (CSV or tab-separated) with their spreadsheet row numbers.

    Arrow's CSV reader parses the file in C++ (a million rows in about a second) and every
    cell is stripped of exactly what ``str.strip`` removes. Where Arrow refuses the file
    (a row with more or fewer cells than the header, a quote left open) Python's ``csv``
    reads it, as it always did: on every file both accept they give the same cells
    (``tests/test_registers_columns.py``).
    """
    text, unicode_text = decode(data)
    # the first non-blank line, looked for at the start before in the whole text (a gigabyte at province scale)
    header = next((line for line in text[:1 << 16].splitlines() if line.strip()), None) \
        or next((line for line in text.splitlines() if line.strip()), "")
    if header.lstrip().startswith("<"):
        raise _Unreadable(
            "是网页 (HTML) 或 XML 文件，不是 CSV；有的平台以 .xls 为名导出这种文件 "
            f"(a web page (HTML) or XML file, not CSV, as some platforms export under the name .xls); {SAVE_AS}"
        )
    # Excel's "Unicode text" is tab-separated; any other file is when its
    # header row has tabs and no commas.
    delimiter = "\t" if "\t" in header and ("," not in header or unicode_text) else ","
    # One record is one spreadsheet row, also when a quoted cell holds a
    # line break (csv's line_num would count that break as a row).
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    width = len(next(reader, []))
    if width:
        try:
            return _arrow_grid(text, delimiter, width)
        except pa.ArrowInvalid:
            pass
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return _grid([(number, [_clean(value) for value in cells]) for number, cells in enumerate(reader, start=1)])


def _arrow_grid(text: str, delimiter: str, width: int) -> _Grid:
    """``text`` parsed by Arrow as records of ``width`` cells (``ArrowInvalid`` when one has another count)."""
    table = arrow_csv.read_csv(
        pa.py_buffer(text.encode("utf-8")),
        read_options=arrow_csv.ReadOptions(autogenerate_column_names=True),
        parse_options=arrow_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False),
        convert_options=arrow_csv.ConvertOptions(column_types={f"f{position}": pa.string() for position in range(width)},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    if any((pa.compute.max(pa.compute.utf8_length(column)).as_py() or 0) > csv.field_size_limit() for column in table.columns):
        raise pa.ArrowInvalid("a cell longer than Python's csv allows: csv reads the file, and refuses it as before")
    return _filled_rows(list(range(1, table.num_rows + 1)), [_trimmed(column.combine_chunks()) for column in table.columns])


def _workbook_cells(data: bytes) -> tuple[list[tuple[int, list[str]]], frozenset[tuple[int, int]]]:
    """Rows of the first sheet, and the (row, position) of cells stored as numbers.

    Read by calamine (in Rust: 100,000 rows in about 1.5 s, where openpyxl took 15 s). Its
    cells are openpyxl's once cleaned: a blank cell is '' (openpyxl: None), a date cell a date
    (openpyxl: a datetime at midnight), a whole number a float (openpyxl: an int).
    """
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        values = sheet.to_python(skip_empty_area=False)
    # A ZIP package that is not a readable workbook: another program's format, a damaged file.
    except (CalamineError, ValueError, IndexError) as error:
        raise _Unreadable(
            "是 ZIP 压缩文件，但不是可读取的 Excel 工作簿 (.xlsx)，可能已损坏或由其他程序生成 "
            f"(a ZIP file but not a readable .xlsx workbook: damaged, or another program's format); {SAVE_AS}"
        ) from error
    rows = [(number, [_clean(value) for value in row]) for number, row in enumerate(values, start=1)]
    numeric = frozenset((number, position) for number, row in enumerate(values, start=1)
                        for position, value in enumerate(row) if isinstance(value, (int, float)) and not isinstance(value, bool))
    return rows, numeric


def _parquet_grid(data: bytes) -> _Grid:
    """The rows of a Parquet file (a platform's columnar export): the header is the column names, row 1;
    data rows are numbered from 2, as a spreadsheet of the same table would show them. Text columns
    are trimmed as columns; a column of another type is cleaned cell by cell, as a workbook's cells
    are, and the cells of a numeric column are marked as numbers."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError) as error:
        raise _Unreadable(f"是 Parquet 文件，但无法读取 (a Parquet file that cannot be read: {error}); {SAVE_AS}") from None
    cells: list[pa.Array] = []
    numeric: set[tuple[int, int]] = set()
    for position, (name, column) in enumerate(zip(table.column_names, table.columns, strict=True)):
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            cleaned = _trimmed(pa.compute.fill_null(column.combine_chunks(), "").cast(pa.string()))
        else:
            values = column.to_pylist()
            cleaned = pa.array([_clean(value) for value in values], pa.string())
            if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
                numeric.update((index + 2, position) for index, value in enumerate(values) if value is not None)
        cells.append(pa.concat_arrays([pa.array([_clean(name)], pa.string()), cleaned]))
    return _filled_rows(list(range(1, table.num_rows + 2)), cells, frozenset(numeric))


def _trimmed(cells: pa.Array) -> pa.Array:
    """Each cell without the white space around it: what ``str.strip`` removes, no more, no less."""
    return pa.compute.utf8_trim(cells, characters=WHITE_SPACE)


def _filled_rows(numbers: list[int], cells: list[pa.Array], numeric: frozenset[tuple[int, int]] = frozenset()) -> _Grid:
    """The grid of ``cells`` (one array per position, a row per number) without its blank rows."""
    if not cells:
        return _Grid([], [], numeric)
    filled = functools.reduce(pa.compute.or_, (pa.compute.not_equal(column, "") for column in cells))
    return _Grid(pa.compute.filter(pa.array(numbers, pa.int64()), filled).to_pylist(),
                 [pa.compute.filter(column, filled) for column in cells], numeric)


def _read_grid(path: Path) -> _Grid:
    """Every non-blank row of the file with its spreadsheet row number, and the
    (row, position) of cells a workbook stored as numbers. The content decides
    the format, not the name."""
    data = path.read_bytes()
    if data.startswith(COMPOUND_FILE_SIGNATURE):
        raise _Unreadable(
            "是 Excel 97-2003 工作簿 (.xls) 或设有密码的工作簿，无法读取；如有密码请先取消 "
            "(an Excel 97-2003 workbook (.xls) or a password-protected workbook, which cannot be read; "
            f"remove any password); {SAVE_AS}"
        )
    if data.startswith(ZIP_SIGNATURE):
        return _grid(*_workbook_cells(data))
    if data.startswith(PARQUET_SIGNATURE):
        return _parquet_grid(data)
    return _text_grid(data)


def read_table(
    path: Path, register: str, shown: str, headers: dict[str, str] | None = None
) -> tuple[Table, list[Problem]]:
    """Read one register file into canonical columns.

    ``shown`` is the file name used in messages; ``headers`` maps this
    file's own header names to canonical ones (from the params file).
    """
    if not path.is_file():
        return _unreadable(shown, "file not found")
    try:
        grid = _read_grid(path)
    except _Unreadable as error:
        return _unreadable(shown, str(error))
    except csv.Error as error:
        return _unreadable(shown, f"CSV 格式有误 (not valid CSV: {error}); {SAVE_AS}")
    except OSError as error:
        return _unreadable(shown, f"无法打开 (cannot be opened: {error.strerror or error})")
    if not grid.numbers:
        return _unreadable(shown, "the file is empty: expected a header row and data rows")
    header_row, header = grid.numbers[0], [column[0].as_py() for column in grid.cells]
    canonical = COLUMNS[register]
    mapping = {name.lower(): name for name in canonical}
    mapping.update(CHINESE_HEADERS[register])
    mapping.update(headers or {})
    positions: dict[str, int] = {}
    for position, title in enumerate(header):
        column = mapping.get(title) or mapping.get(title.lower())
        if column in canonical and column not in positions:
            positions[column] = position
    missing = [column for column in canonical if column not in positions]
    if missing:
        found = ", ".join(f"'{title}'" for title in header if title) or "nothing"
        return Table(shown, [], {}, readable=False), [
            Problem(
                shown,
                header_row,
                column,
                f"missing column '{column}' ({_chinese_header(register, column)}); "
                f"the header row has {found}; name it in params 'headers.{register}' "
                "if the file uses another header",
            )
            for column in missing
        ]
    columns = {column: grid.cells[positions[column]].slice(1) for column in canonical}
    column_at = {position: column for column, position in positions.items()}
    numeric = frozenset((number, column_at[at]) for number, at in grid.numeric if at in column_at)
    return Table(shown, grid.numbers[1:], columns, numeric=numeric), []


def _chinese_header(register: str, column: str) -> str:
    names = [zh for zh, canonical in CHINESE_HEADERS[register].items() if canonical == column]
    return names[0] if names else column


@functools.lru_cache(maxsize=4096)
def normalise_grade(raw: str) -> str | None:
    """The grade letter for a cell, or ``None`` when it is not a grade."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if text in GRADE_LABELS:
        return GRADE_LABELS[text]
    text = text.upper()
    return text if text in GRADES else None


def normalise_tag(raw: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw)).upper()


def split_tags(raw: str) -> list[str]:
    return list(_split_tags(raw))


@functools.lru_cache(maxsize=65536)  # a register repeats the same few tag combinations
def _split_tags(raw: str) -> tuple[str, ...]:
    text = unicodedata.normalize("NFKC", raw)
    return tuple(tag for tag in (normalise_tag(piece) for piece in text.split(";")) if tag)


@functools.lru_cache(maxsize=65536)  # and the same dates, many times over
def parse_date(raw: str) -> date | None:
    """The date of a cleaned cell, or ``None``: one of ``DATE_FORMATS``, or Excel's serial day number.

    A date in a General-format cell of Excel or WPS (formatted back to General, or pasted as a value) is a
    number: calamine reads it as a float, which ``_clean`` writes as digits ('46279'), and their CSV export
    writes the same digits. Those are read with openpyxl's ``from_excel`` (the 1900 date system, with its
    1900-02-29), within ``SERIAL_YEARS`` only. A fraction (46279.5: a time of day, or no date at all) is refused.
    """
    for pattern in DATE_FORMATS:
        if pattern == "%Y%m%d" and not COMPACT_DATE.match(raw):
            continue  # strptime would read '2019111' as 2019-11-01: ambiguous, refused
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    if SERIAL_DATE.match(raw):
        from openpyxl.utils.datetime import from_excel  # imported here: 0.2 s, and only a serial needs it

        day = from_excel(int(raw)).date()
        return day if day.year in SERIAL_YEARS else None
    return None


def _uscc_problem(table: Table, row: int, code: str) -> str | None:
    """Why the USCC cell is not a valid code, or ``None``.

    A code Excel turned into a number is reported as that, with the fix,
    not as the wrong check character its lost digits give.
    """
    if (row, "uscc") in table.numeric:
        return (
            f"该单元格在 Excel 中存储为数字（读到 {code}）；Excel 的数字只保留 15 位有效数字，"
            "18 位的信用代码因此已被损坏。请将该列设置为文本（设置单元格格式 → 文本），"
            "以文本重新录入或导出代码，然后保存 "
            f"(the cell is stored as a number, read as {code}; Excel keeps only 15 significant digits, "
            "so the 18-character code is already damaged. Format the column as text "
            "(Format Cells → Text), enter or export the codes again as text, and save)"
        )
    if SCIENTIFIC_NUMBER.match(code):
        return (
            f"'{code}' 是科学计数法的数字，不是信用代码：文件曾用 Excel 打开并保存，代码被当作数字，"
            "只保留 15 位有效数字，已无法恢复。请重新导出该名录；如需在 Excel 中编辑，"
            "用“数据 → 从文本/CSV”导入并将该列设为文本，或将该列设置为文本（设置单元格格式 → 文本）后重新录入 "
            f"('{code}' is a number in scientific notation, not a USCC: the file was opened and saved in Excel, "
            "which turned the code into a number and kept 15 significant digits. Export the register again; "
            "to edit it in Excel, import it with Data → From Text/CSV and set the column to Text)"
        )
    return uscc_codes.problem(code)


LIST_SEPARATOR = ";"  # joins item ids, departments and certificate numbers in the archive's CSV files


def _no_separator(problems: list[Problem], table: Table, row: int, cells: dict[str, str], *columns: str) -> None:
    """Values the archive lists joined by ';' (visits.csv, history.csv) must not contain it."""
    for column in columns:
        if LIST_SEPARATOR in cells[column]:
            problems.append(Problem(table.file, row, column,
                                    f"'{cells[column]}' contains ';', which separates lists in the archive's files; "
                                    "use another character (e.g. '、' or '，')"))


def _require(problems: list[Problem], table: Table, row: int, cells: dict[str, str], *columns: str) -> None:
    for column in columns:
        if not cells[column]:
            problems.append(Problem(table.file, row, column, f"'{column}' is blank; a value is required"))


def _tags(table: Table, row: int, column: str, raw: str, known: dict[str, str] | None,
          problems: list[Problem], allow_all: bool = False) -> frozenset[str]:
    """The cell's tags; each unknown one is a problem.

    ``known`` is ``None`` when the tag catalogue has no usable code: that
    problem is reported on the catalogue, not again on every tag.
    """
    tags = split_tags(raw)
    if known is None:
        return frozenset(tags)
    for tag in tags:
        if tag == ALL_ENTITIES and allow_all:
            continue
        if tag not in known:
            problems.append(Problem(
                table.file, row, column,
                f"unknown tag '{tag}'; expected a code of the tag catalogue"
                + (" or '*' for every entity" if allow_all else ""),
            ))
    return _tag_set(tuple(tags))


@functools.lru_cache(maxsize=65536)  # one set per distinct combination, shared by every entity that has it
def _tag_set(tags: tuple[str, ...]) -> frozenset[str]:
    return frozenset(tags)


def parse_tags(table: Table) -> tuple[dict[str, str], list[Problem]]:
    problems = Problems()
    tags: dict[str, str] = {}
    first_row: dict[str, int] = {}
    for row, cells in table.rows:
        _require(problems, table, row, cells, "code", "name")
        code = normalise_tag(cells["code"])
        if not code:
            continue
        if not TAG_CODE.match(code):
            problems.append(Problem(table.file, row, "code",
                                    f"'{cells['code']}' is not a tag code; expected letters, digits and '_', starting with a letter"))
        elif code in tags:
            problems.append(Problem(table.file, row, "code", f"duplicate tag code '{code}', first at row {first_row[code]}"))
        else:
            tags[code] = cells["name"]
            first_row[code] = row
    if table.readable and not len(table) and not problems:
        problems.append(Problem(table.file, None, None, "no tags: expected at least one data row"))
    return tags, problems


def _grade(raw: str, unclassified_grade: str | None) -> str | None:
    """The grade of a grade cell, or ``None`` when it is not one (a blank or 未分类 only with ``unclassified_grade``)."""
    grade = normalise_grade(raw)
    if grade is None and unclassified_grade and raw in ("", "未分类", "unclassified"):
        return unclassified_grade
    return grade


def _status(raw: str) -> str | None:
    """A status cell as compared with the known statuses (English ones in any case), ``None`` when unknown."""
    status = raw.lower() if raw.isascii() else raw
    return status if status in ACTIVE_STATUSES or status in INACTIVE_STATUSES else None


def _known_tags(raw: str, known: dict[str, str] | None) -> frozenset[str] | None:
    """The cell's tags, ``None`` when one is not in the catalogue (never when the catalogue has no usable code)."""
    tags = tuple(split_tags(raw))
    return None if known is not None and any(tag not in known for tag in tags) else _tag_set(tags)


def _checked_entity(problems: list[Problem], table: Table, row: int, cells: dict[str, str],
                    known_tags: dict[str, str] | None, unclassified_grade: str | None,
                    first_row: dict[str, int]) -> Entity | None:
    """One entity row checked rule by rule, each problem worded; ``None`` when it has one."""
    before = len(problems)
    _require(problems, table, row, cells, "uscc", "name", "unit")
    code = cells["uscc"]
    if code:
        why = _uscc_problem(table, row, code)
        if why:
            problems.append(Problem(table.file, row, "uscc", why))
        elif code in first_row:
            problems.append(Problem(table.file, row, "uscc", f"duplicate USCC '{code}', first at row {first_row[code]}"))
        else:
            first_row[code] = row
    grade = _grade(cells["grade"], unclassified_grade)
    if grade is None:
        shown = f"'{cells['grade']}'" if cells["grade"] else "a blank"
        problems.append(Problem(
            table.file, row, "grade",
            f"found {shown}; expected A, B, C or D (or 低风险/中风险/中高风险/高风险)"
            + ("" if unclassified_grade else "; map unclassified entities with params 'unclassified_grade' if intended"),
        ))
    status = _status(cells["status"])
    if status is None:
        problems.append(Problem(
            table.file, row, "status",
            f"unknown status '{cells['status']}'; expected one of "
            + ", ".join(sorted(ACTIVE_STATUSES)) + " (active) or "
            + ", ".join(sorted(INACTIVE_STATUSES)) + " (not active)",
        ))
    established = parse_date(cells["established"])
    if established is None:
        problems.append(Problem(table.file, row, "established",
                                f"'{cells['established']}' is not a date; expected e.g. 2019-03-15 or 2019年3月15日"))
    tags = _tags(table, row, "tags", cells["tags"], known_tags, problems)
    if len(problems) > before or grade is None or established is None:
        return None
    # a register repeats a few units and statuses a million times: one string object each
    return Entity(code, cells["name"], grade, tags, sys.intern(cells["unit"]), sys.intern(cells["status"]), established,
                  status in ACTIVE_STATUSES, row)


def _per_value(column: pa.Array, function: Callable[[str], T]) -> tuple[list[int], list[T]]:
    """``function`` of each distinct value of ``column``, once, and where each row's value is in that list."""
    encoded = column.dictionary_encode()
    return encoded.indices.to_pylist(), [function(value) for value in encoded.dictionary.to_pylist()]


def _unchecked_codes(table: Table) -> list[bool]:
    """Rows whose USCC needs the row-by-row checks: blank, not a valid code, a cell Excel stored as a
    number, or a code listed more than once (each of its rows, so the first is known)."""
    codes = table.columns["uscc"]
    counts = pa.compute.value_counts(codes)
    repeated = counts.field("values").filter(pa.compute.greater(counts.field("counts"), 1))
    unchecked = pa.compute.or_(pa.compute.invert(uscc_codes.valid_column(codes)), pa.compute.is_in(codes, repeated))
    flags = unchecked.to_pylist()
    numbers = {row for row, column in table.numeric if column == "uscc"}
    return [flag or row in numbers for flag, row in zip(flags, table.numbers, strict=True)] if numbers else flags


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused while many objects are made (it would pass over all of them repeatedly)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_entities(table: Table, known_tags: dict[str, str] | None,
                   unclassified_grade: str | None = None) -> tuple[tuple[Entity, ...], list[Problem]]:
    """The entities register, checked a column at a time: every USCC's shape and check character in
    one pass, repeated codes by counting, and each distinct grade, status, date, unit and tag list
    once (a register repeats a few of them a million times). A row that fails one of these goes
    through ``_checked_entity``, which words its problems; the others become entities as they are."""
    problems = Problems()
    if not len(table):
        if table.readable:
            problems.append(Problem(table.file, None, None, "no entities: expected at least one data row"))
        return (), problems
    entities: list[Entity] = []
    first_row: dict[str, int] = {}
    columns = table.columns
    unchecked = _unchecked_codes(table)
    grade_at, grades = _per_value(columns["grade"], lambda raw: _grade(raw, unclassified_grade))
    status_at, statuses = _per_value(columns["status"], lambda raw: (sys.intern(raw), _status(raw)))
    date_at, dates = _per_value(columns["established"], parse_date)
    tags_at, tag_sets = _per_value(columns["tags"], lambda raw: _known_tags(raw, known_tags))
    unit_at, units = _per_value(columns["unit"], sys.intern)
    codes, names = columns["uscc"].to_pylist(), columns["name"].to_pylist()
    with _no_cycle_collection():  # a million entities hold no cycle: the collector's passes over them find nothing
        for index, row in enumerate(table.numbers):
            grade, (status, known), established = grades[grade_at[index]], statuses[status_at[index]], dates[date_at[index]]
            tags, unit = tag_sets[tags_at[index]], units[unit_at[index]]
            if unchecked[index] or not names[index] or not unit or grade is None or known is None or established is None \
                    or tags is None:
                cells = {column: array[index].as_py() for column, array in columns.items()}
                entity = _checked_entity(problems, table, row, cells, known_tags, unclassified_grade, first_row)
                if entity is not None:
                    entities.append(entity)
            else:
                entities.append(Entity(codes[index], names[index], grade, tags, unit, status, established,
                                       known in ACTIVE_STATUSES, row))
    return tuple(entities), problems


def parse_items(table: Table, known_tags: dict[str, str] | None) -> tuple[dict[str, Item], list[Problem]]:
    problems = Problems()
    items: dict[str, Item] = {}
    for row, cells in table.rows:
        before = len(problems)
        _require(problems, table, row, cells, "item_id", "name", "department", "legal_basis", "target_tags")
        _no_separator(problems, table, row, cells, "item_id", "department")
        item_id = cells["item_id"]
        if item_id in items:
            problems.append(Problem(table.file, row, "item_id", f"duplicate item id '{item_id}', first at row {items[item_id].row}"))
        kind = ITEM_KINDS.get(cells["kind"].lower() if cells["kind"].isascii() else cells["kind"])
        if kind is None:
            problems.append(Problem(table.file, row, "kind", f"found '{cells['kind']}'; expected 一般 (general) or 重点 (key)"))
        tags = _tags(table, row, "target_tags", cells["target_tags"], known_tags, problems, allow_all=True)
        if len(problems) == before and kind is not None:
            items[item_id] = Item(item_id, cells["name"], cells["department"], cells["legal_basis"], tags, kind, row)
    if table.readable and not len(table) and not problems:
        problems.append(Problem(table.file, None, None, "no inspection items: expected at least one data row"))
    return items, problems


def parse_inspectors(table: Table) -> tuple[dict[str, Inspector], list[Problem]]:
    problems = Problems()
    inspectors: dict[str, Inspector] = {}
    for row, cells in table.rows:
        before = len(problems)
        if not cells["cert_no"]:
            problems.append(Problem(table.file, row, "cert_no",
                                    "inspector without a certificate number (执法证号); only certified inspectors may be listed"))
        _require(problems, table, row, cells, "name", "department", "unit")
        _no_separator(problems, table, row, cells, "cert_no", "department")
        cert_no = cells["cert_no"]
        if cert_no in inspectors:
            problems.append(Problem(table.file, row, "cert_no", f"duplicate certificate number '{cert_no}', first at row {inspectors[cert_no].row}"))
        flag = cells["certified"].lower()
        if flag not in TRUE_WORDS and flag not in FALSE_WORDS:
            problems.append(Problem(table.file, row, "certified", f"found '{cells['certified']}'; expected 是 or 否 (yes or no)"))
        if len(problems) == before:
            inspectors[cert_no] = Inspector(cert_no, cells["name"], cells["department"], cells["unit"], flag in TRUE_WORDS, row)
    if table.readable and not len(table) and not problems:
        problems.append(Problem(table.file, None, None, "no inspectors: expected at least one data row"))
    return inspectors, problems


def parse_conflicts(table: Table, listed: Collection[str] | None) -> tuple[tuple[Conflict, ...], list[Problem]]:
    """Declared conflicts; ``listed`` are the certificate numbers of the inspectors register.

    ``listed`` holds every number the register lists, also on rows with
    other problems (those are reported there); it is ``None`` when the
    inspectors register lists none, which is reported already.
    """
    problems = Problems()
    conflicts: list[Conflict] = []
    for row, cells in table.rows:
        before = len(problems)
        _require(problems, table, row, cells, "cert_no", "uscc", "reason")
        if cells["cert_no"] and listed is not None and cells["cert_no"] not in listed:
            problems.append(Problem(table.file, row, "cert_no", f"certificate number '{cells['cert_no']}' is not in the inspectors register"))
        if cells["uscc"]:
            why = _uscc_problem(table, row, cells["uscc"])
            if why:
                problems.append(Problem(table.file, row, "uscc", why))
        if len(problems) == before:
            conflicts.append(Conflict(cells["cert_no"], cells["uscc"], cells["reason"], row))
    return tuple(conflicts), problems


def load_registers(
    paths: dict[str, Path],
    shown: dict[str, str] | None = None,
    headers: dict[str, dict[str, str]] | None = None,
    unclassified_grade: str | None = None,
) -> Registers:
    """Read and validate all five registers; raise one ``RegisterError`` listing every problem."""
    shown = shown or {name: str(path) for name, path in paths.items()}
    headers = headers or {}
    problems = Problems()
    tables: dict[str, Table] = {}
    for name in REGISTER_NAMES:
        table, found = read_table(paths[name], name, shown[name], headers.get(name))
        tables[name] = table
        problems += found
    tags, found = parse_tags(tables["tags"])
    problems += found
    # An empty catalogue has its problem reported already (see _tags).
    known_tags = tags or None
    entities, found = parse_entities(tables["entities"], known_tags, unclassified_grade)
    problems += found
    items, found = parse_items(tables["items"], known_tags)
    problems += found
    inspectors, found = parse_inspectors(tables["inspectors"])
    problems += found
    listed = {cells["cert_no"] for _, cells in tables["inspectors"].rows if cells["cert_no"]}
    conflicts, found = parse_conflicts(tables["conflicts"], listed or None)
    problems += found
    if problems:
        raise RegisterError(problems)
    return Registers(entities, items, inspectors, conflicts, tags)


def grade_counts(entities: tuple[Entity, ...]) -> dict[str, int]:
    counts = Counter(entity.grade for entity in entities)
    return {grade: counts.get(grade, 0) for grade in GRADES}
