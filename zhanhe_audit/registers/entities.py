"""The entities register (检查对象名录库): USCC, name, grade, tags, home unit, status, established date."""

from __future__ import annotations

import contextlib
import gc
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import pyarrow as pa
import pyarrow.compute  # noqa: F401 -- pa.compute

from .. import uscc as uscc_codes
from ..errors import Problem, Problems
from .cells import (
    ACTIVE_STATUSES,
    GRADES,
    INACTIVE_STATUSES,
    cell_tags,
    normalise_grade,
    parse_date,
    require,
    split_tags,
    tag_set,
    uscc_problem,
)
from .reading import Table

T = TypeVar("T")


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
    return None if known is not None and any(tag not in known for tag in tags) else tag_set(tags)


def _checked_entity(problems: list[Problem], table: Table, row: int, cells: dict[str, str],
                    known_tags: dict[str, str] | None, unclassified_grade: str | None,
                    first_row: dict[str, int]) -> Entity | None:
    """One entity row checked rule by rule, each problem worded; ``None`` when it has one."""
    before = len(problems)
    require(problems, table, row, cells, "uscc", "name", "unit")
    code = cells["uscc"]
    if code:
        why = uscc_problem(table, row, code)
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
    tags = cell_tags(table, row, "tags", cells["tags"], known_tags, problems)
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


def grade_counts(entities: tuple[Entity, ...]) -> dict[str, int]:
    counts = Counter(entity.grade for entity in entities)
    return {grade: counts.get(grade, 0) for grade in GRADES}

