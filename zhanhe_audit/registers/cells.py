"""The rules for cells that several registers share: grades, statuses, tags, dates, USCCs, flags.

Normalisation (documented in docs/registers.md):
- grade: Unicode NFKC (full-width ``Ａ`` becomes ``A``), then upper case, so
  `` a ``, ``Ａ`` and ``A`` are all grade A; the platform's Chinese labels
  低风险/中风险/中高风险/高风险 map to A/B/C/D;
- tags and tag codes: NFKC, white space removed, upper case; ``；`` and ``;``
  both separate tags; empty pieces are ignored;
- USCC and certificate numbers are not case-folded: a lower-case USCC is
  reported as an error, never silently changed, since it is the identity
  the tickets hash.

Excel keeps 15 significant digits of a number, so an 18-digit USCC that
Excel stored as a number has lost its last digits: such a cell (a number in
the workbook, or ``9.14104E+17`` in a CSV that Excel saved) is reported as
that, with the fix, never as a wrong check character.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date, datetime

from .. import uscc as uscc_codes
from ..errors import Problem
from .reading import Table

GRADES = ("A", "B", "C", "D")  # Zhanhe plan, section 3.2: A low ... D high risk

GRADE_LABELS = {"低风险": "A", "中风险": "B", "中高风险": "C", "高风险": "D"}

# Registration status (登记状态). Only active entities take part in a draw.
ACTIVE_STATUSES = frozenset({"active", "存续", "在业", "在营", "开业", "正常"})
INACTIVE_STATUSES = frozenset(
    {"inactive", "deregistered", "revoked", "moved_out", "closed",
     "注销", "吊销", "迁出", "撤销", "停业", "歇业", "清算"}
)

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
# A number as Excel writes it into a CSV in the General format: 9.14104E+17.
SCIENTIFIC_NUMBER = re.compile(r"[0-9](\.[0-9]+)?E\+[0-9]+\Z", re.IGNORECASE)
LIST_SEPARATOR = ";"  # joins lists (items, departments, inspectors, tags) inside one cell of the archive's CSV files


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
    number: calamine reads it as a float, which ``clean_cell`` writes as digits ('46279'), and their CSV export
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


def uscc_problem(table: Table, row: int, code: str) -> str | None:
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


def no_separator(problems: list[Problem], table: Table, row: int, cells: dict[str, str], *columns: str) -> None:
    """Values the archive lists joined by ';' (visits.csv, history.csv) must not contain it."""
    for column in columns:
        if LIST_SEPARATOR in cells[column]:
            problems.append(Problem(table.file, row, column,
                                    f"'{cells[column]}' contains ';', which separates lists in the archive's files; "
                                    "use another character (e.g. '、' or '，')"))


def require(problems: list[Problem], table: Table, row: int, cells: dict[str, str], *columns: str) -> None:
    for column in columns:
        if not cells[column]:
            problems.append(Problem(table.file, row, column, f"'{column}' is blank; a value is required"))


def cell_tags(table: Table, row: int, column: str, raw: str, known: dict[str, str] | None,
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
    return tag_set(tuple(tags))


@functools.lru_cache(maxsize=65536)  # one set per distinct combination, shared by every entity that has it
def tag_set(tags: tuple[str, ...]) -> frozenset[str]:
    return frozenset(tags)

