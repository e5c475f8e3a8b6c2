"""The entities register (检查对象名录库): USCC, name, grade, tags, home unit, status, established date."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
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


def tag_key(tags: frozenset[str]) -> str:
    """A set of tags as one text (its codes sorted, joined by ';'): the ``tags`` column holds these."""
    return ";".join(sorted(tags))


SCHEMA = pa.schema([("uscc", pa.string()), ("name", pa.string()), ("grade", pa.dictionary(pa.int32(), pa.string())),
                    ("tags", pa.dictionary(pa.int32(), pa.string())), ("unit", pa.dictionary(pa.int32(), pa.string())),
                    ("status", pa.dictionary(pa.int32(), pa.string())), ("established", pa.date32()),
                    ("active", pa.bool_()), ("row", pa.int64())])


@dataclass(frozen=True, eq=False)
class Entities:
    """The entities register as columns (``SCHEMA``), one row per entity in register order: no Python object
    per entity. Grade, tags (``tag_key``), unit and status are dictionary-encoded, so a rule that depends on
    them runs once per distinct value. ``Entity`` objects are made only for the entities asked for
    (``lookup``: the drawn ones, thousands) or, slowly, by iterating (the reference engine and tests)."""

    table: pa.Table
    _found: dict[str, Entity | None] = field(default_factory=dict, repr=False)  # what lookup found (None: absent)

    def __len__(self) -> int:
        return self.table.num_rows

    def __eq__(self, other: object) -> bool:
        """Equal to the same entities, row by row."""
        return isinstance(other, Entities) and list(self) == list(other)

    def __iter__(self) -> Iterator[Entity]:
        for batch in self.table.to_batches():
            yield from _objects(batch)

    def __getitem__(self, index: int) -> Entity:
        return next(_objects(self.table.slice(index % len(self) if index < 0 else index, 1).to_batches()[0]))

    def column(self, name: str) -> pa.Array:
        return self.table.column(name).combine_chunks()

    def where(self, mask: pa.Array) -> Entities:
        return Entities(self.table.filter(mask))

    def lookup(self, usccs: Iterable[str]) -> dict[str, Entity]:
        """The entities of ``usccs`` that the register has, as objects (for the few drawn, visited or named).
        What was looked up once is kept: every page of a draw looks up the same drawn entities."""
        wanted = set(usccs)
        missing = sorted(wanted - self._found.keys())
        if missing:
            found = self.where(pa.compute.is_in(self.column("uscc"), pa.array(missing, pa.string())))
            self._found.update(dict.fromkeys(missing))
            self._found.update((entity.uscc, entity) for entity in found)
        return {uscc: entity for uscc in wanted if (entity := self._found[uscc]) is not None}

    def get(self, uscc: str) -> Entity | None:
        return self.lookup([uscc]).get(uscc)

    def grade_counts(self, active_only: bool = False) -> dict[str, int]:
        grades = self.column("grade")
        if active_only:
            grades = grades.filter(self.column("active"))
        counts = {row["values"]: row["counts"] for row in pa.compute.value_counts(grades.cast(pa.string())).to_pylist()}
        return {grade: counts.get(grade, 0) for grade in GRADES}

    @classmethod
    def from_objects(cls, entities: Iterable[Entity]) -> Entities:
        """Entities given as objects (tests, and rows checked one by one), as columns."""
        rows = list(entities)
        plain = {
            "uscc": pa.array([e.uscc for e in rows], pa.string()),
            "name": pa.array([e.name for e in rows], pa.string()),
            "grade": pa.array([e.grade for e in rows], pa.string()),
            "tags": pa.array([tag_key(e.tags) for e in rows], pa.string()),
            "unit": pa.array([e.unit for e in rows], pa.string()),
            "status": pa.array([e.status for e in rows], pa.string()),
            "established": pa.array([e.established for e in rows], pa.date32()),
            "active": pa.array([e.active for e in rows], pa.bool_()),
            "row": pa.array([e.row for e in rows], pa.int64()),
        }
        return cls(pa.table({name: (array.dictionary_encode() if pa.types.is_dictionary(SCHEMA.field(name).type)
                                    else array)
                             for name, array in plain.items()}, schema=SCHEMA))

    @classmethod
    def merged(cls, found: pa.Table, checked: list[Entity]) -> Entities:
        """The rows ``found`` as columns and those ``checked`` one by one, in register order."""
        objects = cls.from_objects(checked).table
        plain = [pa.table([c.cast(pa.string()) if pa.types.is_dictionary(c.type) else c for c in t.columns],
                          names=SCHEMA.names) for t in (found, objects)]
        both = pa.concat_tables(plain).sort_by("row")
        return cls(pa.table([c.dictionary_encode() if pa.types.is_dictionary(SCHEMA.field(n).type) else c
                             for n, c in zip(SCHEMA.names, both.columns, strict=True)], schema=SCHEMA))


def _objects(batch: pa.RecordBatch) -> Iterator[Entity]:
    columns = [batch.column(name).to_pylist() for name in SCHEMA.names]
    for uscc, name, grade, tags, unit, status, established, active, row in zip(*columns, strict=True):
        yield Entity(uscc, name, grade, key_tags(tags), unit, status, established, active, row)


@functools.lru_cache(maxsize=65536)
def key_tags(key: str) -> frozenset[str]:
    """The set of tags a ``tags`` column value stands for (``tag_key``, inverted)."""
    return frozenset(key.split(";")) if key else frozenset()


def _grade(raw: str, unclassified_grade: str | None) -> str | None:
    ("The grade of a grade cell, or ``None`` when it is not one (a blank or 未分类 only with "
     "``unclassified_grade``).")
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
            problems.append(Problem(table.file, row, "uscc",
                                    f"duplicate USCC '{code}', first at row {first_row[code]}"))
        else:
            first_row[code] = row
    grade = _grade(cells["grade"], unclassified_grade)
    if grade is None:
        shown = f"'{cells['grade']}'" if cells["grade"] else "a blank"
        problems.append(Problem(
            table.file, row, "grade",
            f"found {shown}; expected A, B, C or D (or 低风险/中风险/中高风险/高风险)"
            + ("; map unclassified entities with params 'unclassified_grade' if intended"
               if cells["grade"] in ("", "未分类", "unclassified") and not unclassified_grade else
               f"; if the export writes grades its own way, map them in the params: values: {{entities: {{grade: "
               f"{{'{cells['grade']}': A}}}}}}" if cells["grade"] else ""),
        ))
    status = _status(cells["status"])
    if status is None:
        problems.append(Problem(
            table.file, row, "status",
            f"unknown status '{cells['status']}'; expected one of "
            + ", ".join(sorted(ACTIVE_STATUSES)) + " (active) or "
            + ", ".join(sorted(INACTIVE_STATUSES)) + " (not active)"
            + (f"; if the export writes statuses its own way, map them in the params: values: {{entities: {{status: "
               f"{{'{cells['status']}': 存续}}}}}}" if cells["status"] else ""),
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


def _per_value(column: pa.Array, function: Callable[[str], T]) -> tuple[pa.Array, list[T]]:
    """``function`` of each distinct value of ``column``, once, and where each row's value is in that list."""
    encoded = column.dictionary_encode()
    return encoded.indices, [function(value) for value in encoded.dictionary.to_pylist()]


def _flags(at: pa.Array, values: list, test: Callable[[object], bool]) -> pa.Array:
    """Per row: ``test`` of its distinct value (``values[at]``), run once per distinct value."""
    return pa.compute.take(pa.array([test(value) for value in values], pa.bool_()), at)


def _encoded(at: pa.Array, values: list, keep: pa.Array) -> pa.DictionaryArray:
    """The rows ``keep`` of a column given as distinct ``values`` (text, or None where a row is bad) and where
    each row's is (``at``): dictionary-encoded, each text once in the dictionary, in order of first use."""
    unique = list(dict.fromkeys(value for value in values if value is not None))
    position = {value: index for index, value in enumerate(unique)}
    remap = pa.array([position.get(value) for value in values], pa.int32())
    return pa.DictionaryArray.from_arrays(pa.compute.filter(pa.compute.take(remap, at), keep),
                                          pa.array(unique, pa.string()))


def _unchecked_codes(table: Table) -> pa.Array:
    """Rows whose USCC needs the row-by-row checks: blank, not a valid code, a cell Excel stored as a
    number, or a code listed more than once (each of its rows, so the first is known)."""
    codes = table.columns["uscc"]
    counts = pa.compute.value_counts(codes)
    repeated = counts.field("values").filter(pa.compute.greater(counts.field("counts"), 1))
    unchecked = pa.compute.or_(pa.compute.invert(uscc_codes.valid_column(codes)), pa.compute.is_in(codes, repeated))
    numbers = [row for row, column in table.numeric if column == "uscc"]
    if not numbers:
        return unchecked
    stored_as_numbers = pa.compute.is_in(table.numbers, pa.array(numbers, pa.int64()))
    return pa.compute.or_(unchecked, stored_as_numbers)


def parse_entities(table: Table, known_tags: dict[str, str] | None,
                   unclassified_grade: str | None = None) -> tuple[Entities, list[Problem]]:
    """The entities register, checked a column at a time: every USCC's shape and check character in
    one pass, repeated codes by counting, and each distinct grade, status, date, unit and tag list
    once (a register repeats a few of them a million times). A row that fails one of these goes
    through ``_checked_entity``, which words its problems; the others become columns as they are,
    without a Python object per entity."""
    problems = Problems()
    if not len(table):
        if table.readable:
            problems.append(Problem(table.file, None, None, "no entities: expected at least one data row"))
        return Entities.from_objects(()), problems
    columns = table.columns
    grade_at, grades = _per_value(columns["grade"], lambda raw: _grade(raw, unclassified_grade))
    status_at, statuses = _per_value(columns["status"], lambda raw: raw if _status(raw) is not None else None)
    date_at, dates = _per_value(columns["established"], parse_date)
    tags_at, tag_sets = _per_value(columns["tags"], lambda raw: _known_tags(raw, known_tags))
    unit_at, units = _per_value(columns["unit"], lambda raw: raw or None)
    bad = pa.compute.or_(_unchecked_codes(table),
                         pa.compute.equal(columns["name"], ""))
    for at, values in ((grade_at, grades), (status_at, statuses), (date_at, dates), (tags_at, tag_sets),
                       (unit_at, units)):
        bad = pa.compute.or_(bad, _flags(at, values, lambda value: value is None))
    keep = pa.compute.invert(bad)
    found = pa.table({
        "uscc": pa.compute.filter(columns["uscc"], keep),
        "name": pa.compute.filter(columns["name"], keep),
        "grade": _encoded(grade_at, grades, keep),
        "tags": _encoded(tags_at, [None if tags is None else tag_key(tags) for tags in tag_sets], keep),
        "unit": _encoded(unit_at, units, keep),
        "status": _encoded(status_at, statuses, keep),
        "established": pa.compute.filter(pa.compute.take(pa.array(dates, pa.date32()), date_at), keep),
        "active": pa.compute.filter(_flags(status_at, statuses,
                                           lambda raw: isinstance(raw, str) and _status(raw) in ACTIVE_STATUSES),
                                    keep),
        "row": pa.compute.filter(table.numbers, keep),
    }, schema=SCHEMA)
    if not pa.compute.any(bad).as_py():
        return Entities(found), problems
    checked: list[Entity] = []
    first_row: dict[str, int] = {}
    for index in pa.compute.indices_nonzero(bad).to_pylist():
        cells = {column: array[index].as_py() for column, array in columns.items()}
        entity = _checked_entity(problems, table, table.numbers[index].as_py(), cells, known_tags, unclassified_grade,
                                 first_row)
        if entity is not None:
            checked.append(entity)
    return Entities.merged(found, checked), problems
