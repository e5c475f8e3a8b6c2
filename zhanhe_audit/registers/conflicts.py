"""Declared conflicts of interest (回避): inspector, entity, reason."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from ..errors import Problem, Problems
from .cells import require, uscc_problem
from .reading import Table


@dataclass(frozen=True)
class Conflict:
    cert_no: str
    uscc: str
    reason: str
    row: int


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
        require(problems, table, row, cells, "cert_no", "uscc", "reason")
        if cells["cert_no"] and listed is not None and cells["cert_no"] not in listed:
            problems.append(Problem(table.file, row, "cert_no",
                                    f"certificate number '{cells['cert_no']}' is not in the inspectors register"))
        if cells["uscc"]:
            why = uscc_problem(table, row, cells["uscc"])
            if why:
                problems.append(Problem(table.file, row, "uscc", why))
        if len(problems) == before:
            conflicts.append(Conflict(cells["cert_no"], cells["uscc"], cells["reason"], row))
    return tuple(conflicts), problems

