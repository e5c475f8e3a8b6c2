"""Reading a register file into columns of cleaned cells: with ``formats``, which opens the file and reads its
cells whatever its format, the one place that reads input files.

Headers are the canonical English names, the Chinese names of a provincial-platform export, or any
name mapped in the params file.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute  # noqa: F401 -- pa.compute

from ..errors import Problem
from .formats import SAVE_AS, Unreadable, read_grid

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
    numbers: pa.Array
    columns: dict[str, pa.Array]
    readable: bool = True
    numeric: frozenset[tuple[int, str]] = frozenset()

    def __len__(self) -> int:
        return len(self.numbers)

    @functools.cached_property
    def rows(self) -> list[tuple[int, dict[str, str]]]:
        values = {column: array.to_pylist() for column, array in self.columns.items()}
        return [(number, {column: cells[index] for column, cells in values.items()})
                for index, number in enumerate(self.numbers.to_pylist())]


def unreadable(shown: str, message: str) -> tuple[Table, list[Problem]]:
    return Table(shown, pa.array([], pa.int64()), {}, readable=False), [Problem(shown, None, None, message)]


def read_table(
    path: Path, register: str, shown: str, headers: dict[str, str] | None = None,
    values: dict[str, dict[str, str]] | None = None,
) -> tuple[Table, list[Problem]]:
    """Read one register file into canonical columns.

    ``shown`` is the file name used in messages; ``headers`` maps this
    file's own header names to canonical ones, ``values`` a column's own
    values (as trimmed) to the register's (both from the params file).
    """
    if not path.is_file():
        return unreadable(shown, "file not found")
    try:
        grid = read_grid(path)
    except Unreadable as error:
        return unreadable(shown, str(error))
    except csv.Error as error:
        return unreadable(shown, f"CSV 格式有误 (not valid CSV: {error}); {SAVE_AS}")
    except OSError as error:
        return unreadable(shown, f"无法打开 (cannot be opened: {error.strerror or error})")
    if not len(grid.numbers):
        return unreadable(shown, "the file is empty: expected a header row and data rows")
    header_row, header = grid.numbers[0].as_py(), [column[0].as_py() for column in grid.cells]
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
        return Table(shown, pa.array([], pa.int64()), {}, readable=False), [
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
    columns = {column: _mapped(grid.cells[positions[column]].slice(1), (values or {}).get(column, {}))
               for column in canonical}
    column_at = {position: column for column, position in positions.items()}
    numeric = frozenset((number, column_at[at]) for number, at in grid.numeric if at in column_at)
    return Table(shown, grid.numbers.slice(1), columns, numeric=numeric), []


def _mapped(cells: pa.Array, mapping: dict[str, str]) -> pa.Array:
    """The cells with each value ``mapping`` names replaced by the register's own (exactly, after trimming)."""
    if not mapping:
        return cells
    keys = pa.array(list(mapping), pa.string())
    at = pa.compute.index_in(cells, value_set=keys)
    replaced = pa.array(list(mapping.values()), pa.string()).take(at)
    return pa.compute.if_else(pa.compute.is_null(at), cells, replaced)


def _chinese_header(register: str, column: str) -> str:
    names = [zh for zh, canonical in CHINESE_HEADERS[register].items() if canonical == column]
    return names[0] if names else column

