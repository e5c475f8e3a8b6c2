"""Registers: the quarter's input files, read and validated.

The registers are the exports of the provincial platform listed in
mission.md ("Registers (inputs)"): entities (检查对象名录库), inspection items
(抽查事项清单), inspectors (执法检查人员名录库), declared conflicts, plus the
catalogue of category tags (分类标注目录) that entities and items refer to.

This package is the one place that reads input files (``reading``, the file's format read by ``formats``);
one module a register holds its rules (``entities``, ``items``, ``inspectors``, ``conflicts``, ``tags``), and
``cells`` the rules their cells share. Everything else works on the validated records ``load_registers``
returns. Every problem of every file is collected and raised at once as one ``RegisterError`` naming file,
spreadsheet row and column. Imports point one way: ``formats`` <- ``reading`` <- ``cells`` <- the registers
<- here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import Problems, RegisterError
from .cells import (
    ALL_ENTITIES,
    FALSE_WORDS,
    GRADES,
    LIST_SEPARATOR,
    TRUE_WORDS,
    parse_date,
    split_tags,
)
from .conflicts import Conflict, parse_conflicts
from .entities import Entities, Entity, parse_entities
from .inspectors import Inspector, parse_inspectors
from .items import Item, parse_items
from .reading import COLUMNS, Table, read_table
from .tags import parse_tags

__all__ = ["ALL_ENTITIES", "COLUMNS", "FALSE_WORDS", "GRADES", "LIST_SEPARATOR", "REGISTER_NAMES", "TRUE_WORDS",
           "Conflict", "Entities", "Entity", "Inspector", "Item", "Registers", "Table", "load_registers",
           "parse_date", "read_table", "split_tags"]

REGISTER_NAMES = ("entities", "items", "inspectors", "conflicts", "tags")


@dataclass(frozen=True)
class Registers:
    entities: Entities  # as columns
    items: dict[str, Item]
    inspectors: dict[str, Inspector]
    conflicts: tuple[Conflict, ...]
    tags: dict[str, str]  # code -> name


def load_registers(
    paths: dict[str, Path],
    shown: dict[str, str] | None = None,
    headers: dict[str, dict[str, str]] | None = None,
    unclassified_grade: str | None = None,
    values: dict[str, dict[str, dict[str, str]]] | None = None,
) -> Registers:
    """Read and validate all five registers; raise one ``RegisterError`` listing every problem. ``headers`` and
    ``values``: the params' names for a file's own headers and values (``params.Params``)."""
    shown = shown or {name: str(path) for name, path in paths.items()}
    headers, values = headers or {}, values or {}
    problems = Problems()
    tables: dict[str, Table] = {}
    for name in REGISTER_NAMES:
        table, found = read_table(paths[name], name, shown[name], headers.get(name), values.get(name))
        tables[name] = table
        problems += found
    tags, found = parse_tags(tables["tags"])
    problems += found
    # An empty catalogue has its problem reported already (see cell_tags).
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

