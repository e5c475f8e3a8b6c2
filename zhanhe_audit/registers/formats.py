"""The formats a register file comes in, each read into a grid of cleaned cells with the spreadsheet row of
each: the part of ``reading`` that opens the file.

The format is taken from the file's content, not its name: a ZIP package is
read as an ``.xlsx`` workbook, a file starting "PAR1" as Parquet, anything else as text: CSV (UTF-8,
UTF-8 with BOM or GBK, detected) or Excel's "Unicode text" (UTF-16 with a byte-order mark,
tab-separated). Formats Excel can write by mistake (an ``.xls`` workbook, a web page, UTF-16
without a byte-order mark) are refused in plain words saying how to save the file instead
(``Unreadable``). A text file whose header row has tabs and no commas is tab-separated. Every cell
loses the white space around it (exactly what ``str.strip`` removes, including the full-width space
U+3000).
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import mmap
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute  # noqa: F401 -- pa.compute
import pyarrow.csv as arrow_csv

# File signatures: [MS-CFB] 2.2 (the compound file of Excel 97-2003 .xls and of
# password-protected workbooks) and the ZIP local file header (APPNOTE 4.3.7),
# which starts every .xlsx package (ECMA-376 Part 2).
COMPOUND_FILE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
PARQUET_SIGNATURE = b"PAR1"  # Apache Parquet: the file starts (and ends) with these four bytes

PREFIX = 1 << 20  # bytes of a text register looked at for its header before Arrow reads the file

SAVE_AS = ("请在 Excel 中打开，另存为“CSV UTF-8（逗号分隔）(*.csv)”或“Excel 工作簿 (*.xlsx)” "
           "(open it in Excel and save it as 'CSV UTF-8 (Comma delimited)' or 'Excel Workbook (*.xlsx)')")


@dataclass(frozen=True)
class _Grid:
    """A file's non-blank rows as columns of cleaned cells: ``numbers`` (the spreadsheet row of each,
    the header's first), one string array per position, and the (row, position) of cells stored as numbers."""

    numbers: pa.Array
    cells: list[pa.Array]
    numeric: frozenset[tuple[int, int]] = frozenset()


# what str.strip() removes
WHITE_SPACE = "".join(chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace())


def _grid(rows: list[tuple[int, list[str]]], numeric: frozenset[tuple[int, int]] = frozenset()) -> _Grid:
    """Rows of cleaned cells as a grid: short rows padded with blank cells, blank rows left out."""
    width = max((len(cells) for _, cells in rows), default=0)
    columns = [pa.array([cells[position] if position < len(cells) else "" for _, cells in rows], pa.string())
               for position in range(width)]
    return _filled_rows([number for number, _ in rows], columns, numeric)


class Unreadable(Exception):
    """A file that is not in a register format; the message says so in plain words."""


def clean_cell(value: object) -> str:
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
                raise Unreadable(
                    f"文件带有 {encoding.upper()} 标记（Excel 的“Unicode 文本”），但内容不完整或已损坏 "
                    f"(marked as {encoding.upper()} 'Unicode text' but cut off or damaged); {SAVE_AS}"
                ) from None
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8):].decode("utf-8"), False
        except UnicodeDecodeError:
            raise Unreadable(
                f"文件带有 UTF-8 标记，但内容不是 UTF-8 文本 (marked as UTF-8 but not UTF-8 text); {SAVE_AS}"
            ) from None
    if b"\x00" in data:
        raise Unreadable(_zero_bytes_message(data))
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), False
    except UnicodeDecodeError:
        raise Unreadable(
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


def _utf8_grid(path: Path) -> _Grid | None:
    """The rows of a text register in UTF-8 (with or without a byte-order mark) read by Arrow from the file
    itself, never held as Python bytes or text (a province's register is gigabytes); ``None`` for any other
    file, and for one Arrow refuses, which ``_text_grid`` then reads as before. The header is found in the
    first ``PREFIX`` bytes, as ``_text_grid`` finds it; Arrow checks that every cell is UTF-8."""
    with path.open("rb") as handle:
        if not path.stat().st_size:
            return None
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            if data[:4].startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE,
                                    codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) \
                    or data.find(b"\x00") != -1:
                return None
            whole = len(data) <= PREFIX
            prefix = data[:PREFIX]
    try:  # a character cut at the end of the prefix is left out, a byte that is not UTF-8 is refused
        text = codecs.getincrementaldecoder("utf-8")().decode(prefix.removeprefix(codecs.BOM_UTF8), final=whole)
    except UnicodeDecodeError:
        return None
    lines = text.splitlines()
    at = next((index for index, line in enumerate(lines) if line.strip()), None)
    if at is None or (not whole and at == len(lines) - 1) or lines[at].lstrip().startswith("<"):
        return None  # no whole header within the prefix, or a web page: _text_grid says so in plain words
    delimiter = "\t" if "\t" in lines[at] and "," not in lines[at] else ","
    try:
        width = len(next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), []))
    except csv.Error:
        return None
    if not width:
        return None
    try:
        return _arrow_grid(str(path), delimiter, width)
    except pa.ArrowInvalid:
        return None


def _text_grid(data: bytes) -> _Grid:
    """The rows of a text register (CSV or tab-separated) with their spreadsheet row numbers.

    Arrow's CSV reader parses the file in C++ (a million rows in about a second) and every
    cell is stripped of exactly what ``str.strip`` removes. Where Arrow refuses the file
    (a row with more or fewer cells than the header, a quote left open) Python's ``csv``
    reads it, as it always did: on every file both accept they give the same cells
    (``tests/registers/test_registers_columns.py``).
    """
    text, unicode_text = decode(data)
    # the first non-blank line, looked for at the start before in the whole text (a gigabyte at province scale)
    header = next((line for line in text[:1 << 16].splitlines() if line.strip()), None) \
        or next((line for line in text.splitlines() if line.strip()), "")
    if header.lstrip().startswith("<"):
        raise Unreadable(
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
            return _arrow_grid(pa.py_buffer(text.encode("utf-8")), delimiter, width)
        except pa.ArrowInvalid:
            pass
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return _grid([(number, [clean_cell(value) for value in cells]) for number, cells in enumerate(reader, start=1)])


def _arrow_grid(source: pa.Buffer | str, delimiter: str, width: int) -> _Grid:
    """UTF-8 CSV text (a buffer, or the path of a file Arrow reads itself, skipping a byte-order mark) parsed by
    Arrow as records of ``width`` cells (``ArrowInvalid`` when one has another count, or a cell is not UTF-8).
    Each column is joined into one array and trimmed, two columns at a time, the untrimmed one let go once
    trimmed, so a register is held about once (at 10,000,000 entities: 2.7 s instead of 3.8, docs/measured.md)."""
    table = arrow_csv.read_csv(
        source,
        read_options=arrow_csv.ReadOptions(autogenerate_column_names=True),
        parse_options=arrow_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False),
        convert_options=arrow_csv.ConvertOptions(column_types={f"f{position}": pa.string()
                                                               for position in range(width)},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    if any(_longest(column) > csv.field_size_limit() for column in table.columns):
        raise pa.ArrowInvalid("a cell longer than Python's csv allows: csv reads the file, and refuses it as before")
    rows, trimming = table.num_rows, []
    with ThreadPoolExecutor(2) as pool:  # Arrow lets go of the GIL: two columns at a time, each on its own
        while table.num_columns:
            trimming.append(pool.submit(lambda column: _trimmed(column.combine_chunks()), table.column(0)))
            table = table.drop_columns([table.column_names[0]])
        cells = [column.result() for column in trimming]
    return _filled_rows(pa.array(range(1, rows + 1), pa.int64()), cells)


def _longest(column: pa.ChunkedArray) -> int:
    """The length in characters of the column's longest cell, as far as it matters: its bytes, which no cell's
    characters outnumber, unless they pass csv's limit."""
    most = pa.compute.max(pa.compute.binary_length(column)).as_py() or 0
    return most if most <= csv.field_size_limit() else pa.compute.max(pa.compute.utf8_length(column)).as_py() or 0


def _workbook_cells(data: bytes) -> tuple[list[tuple[int, list[str]]], frozenset[tuple[int, int]]]:
    """Rows of the first sheet, and the (row, position) of cells stored as numbers.

    Read by calamine (in Rust: a tenth of openpyxl's time, docs/measured.md). Its
    cells are openpyxl's once cleaned: a blank cell is '' (openpyxl: None), a date cell a date
    (openpyxl: a datetime at midnight), a whole number a float (openpyxl: an int).
    """
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        values = sheet.to_python(skip_empty_area=False)
    # A ZIP package that is not a readable workbook: another program's format, a damaged file.
    except (CalamineError, ValueError, IndexError) as error:
        raise Unreadable(
            "是 ZIP 压缩文件，但不是可读取的 Excel 工作簿 (.xlsx)，可能已损坏或由其他程序生成 "
            f"(a ZIP file but not a readable .xlsx workbook: damaged, or another program's format); {SAVE_AS}"
        ) from error
    rows = [(number, [clean_cell(value) for value in row]) for number, row in enumerate(values, start=1)]
    numeric = frozenset((number, position) for number, row in enumerate(values, start=1)
                        for position, value in enumerate(row)
                        if isinstance(value, (int, float)) and not isinstance(value, bool))
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
        raise Unreadable(f"是 Parquet 文件，但无法读取 (a Parquet file that cannot be read: {error}); "
                         f"{SAVE_AS}") from None
    cells: list[pa.Array] = []
    numeric: set[tuple[int, int]] = set()
    for position, (name, column) in enumerate(zip(table.column_names, table.columns, strict=True)):
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            cleaned = _trimmed(pa.compute.fill_null(column.combine_chunks(), "").cast(pa.string()))
        else:
            values = column.to_pylist()
            cleaned = pa.array([clean_cell(value) for value in values], pa.string())
            if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
                numeric.update((index + 2, position) for index, value in enumerate(values) if value is not None)
        cells.append(pa.concat_arrays([pa.array([clean_cell(name)], pa.string()), cleaned]))
    return _filled_rows(list(range(1, table.num_rows + 2)), cells, frozenset(numeric))


def _trimmed(cells: pa.Array) -> pa.Array:
    """Each cell without the white space around it: what ``str.strip`` removes, no more, no less."""
    return pa.compute.utf8_trim(cells, characters=WHITE_SPACE)


def _filled_rows(numbers: list[int] | pa.Array, cells: list[pa.Array], numeric: frozenset[tuple[int, int]] = frozenset()
                 ) -> _Grid:
    """The grid of ``cells`` (one array per position, a row per number) without its blank rows."""
    if not cells:
        return _Grid([], [], numeric)
    filled = functools.reduce(pa.compute.or_, (pa.compute.not_equal(column, "") for column in cells))
    rows = pa.array(numbers, pa.int64())
    if pa.compute.all(filled).as_py():  # no blank row (a register as exported): the columns as they are, not copied
        return _Grid(rows, cells, numeric)
    return _Grid(pa.compute.filter(rows, filled), [pa.compute.filter(column, filled) for column in cells], numeric)


def read_grid(path: Path) -> _Grid:
    """Every non-blank row of the file with its spreadsheet row number, and the
    (row, position) of cells a workbook stored as numbers. The content decides
    the format, not the name."""
    with path.open("rb") as handle:
        start = handle.read(len(COMPOUND_FILE_SIGNATURE))
    if not start.startswith((COMPOUND_FILE_SIGNATURE, ZIP_SIGNATURE, PARQUET_SIGNATURE)):
        found = _utf8_grid(path)
        if found is not None:
            return found
    data = path.read_bytes()
    if data.startswith(COMPOUND_FILE_SIGNATURE):
        raise Unreadable(
            "是 Excel 97-2003 工作簿 (.xls) 或设有密码的工作簿，无法读取；如有密码请先取消 "
            "(an Excel 97-2003 workbook (.xls) or a password-protected workbook, which cannot be read; "
            f"remove any password); {SAVE_AS}"
        )
    if data.startswith(ZIP_SIGNATURE):
        return _grid(*_workbook_cells(data))
    if data.startswith(PARQUET_SIGNATURE):
        return _parquet_grid(data)
    return _text_grid(data)
