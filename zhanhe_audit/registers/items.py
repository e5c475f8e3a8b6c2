"""The inspection items register (抽查事项清单): id, name, responsible department, legal basis, target tags, kind."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Problem, Problems
from .cells import cell_tags, no_separator, require
from .reading import Table

ITEM_KINDS = {"一般": "general", "general": "general", "重点": "key", "key": "key"}


@dataclass(frozen=True)
class Item:
    item_id: str
    name: str
    department: str
    legal_basis: str
    target_tags: frozenset[str]  # may contain ALL_ENTITIES
    kind: str  # "general" or "key"
    row: int


def parse_items(table: Table, known_tags: dict[str, str] | None) -> tuple[dict[str, Item], list[Problem]]:
    problems = Problems()
    items: dict[str, Item] = {}
    for row, cells in table.rows:
        before = len(problems)
        require(problems, table, row, cells, "item_id", "name", "department", "legal_basis", "target_tags")
        no_separator(problems, table, row, cells, "item_id", "department")
        item_id = cells["item_id"]
        if item_id in items:
            problems.append(Problem(table.file, row, "item_id",
                                    f"duplicate item id '{item_id}', first at row {items[item_id].row}"))
        kind = ITEM_KINDS.get(cells["kind"].lower() if cells["kind"].isascii() else cells["kind"])
        if kind is None:
            problems.append(Problem(table.file, row, "kind",
                                    f"found '{cells['kind']}'; expected 一般 (general) or 重点 (key)"))
        tags = cell_tags(table, row, "target_tags", cells["target_tags"], known_tags, problems, allow_all=True)
        if len(problems) == before and kind is not None:
            items[item_id] = Item(item_id, cells["name"], cells["department"], cells["legal_basis"], tags, kind, row)
    if table.readable and not len(table) and not problems:
        problems.append(Problem(table.file, None, None, "no inspection items: expected at least one data row"))
    return items, problems

