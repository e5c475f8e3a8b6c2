"""The inspectors register (执法检查人员名录库): certificate number, name, department, home unit, certified flag."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Problem, Problems
from .cells import FALSE_WORDS, TRUE_WORDS, no_separator, require
from .reading import Table


@dataclass(frozen=True)
class Inspector:
    cert_no: str
    name: str
    department: str
    unit: str
    certified: bool
    row: int


def parse_inspectors(table: Table) -> tuple[dict[str, Inspector], list[Problem]]:
    problems = Problems()
    inspectors: dict[str, Inspector] = {}
    for row, cells in table.rows:
        before = len(problems)
        if not cells["cert_no"]:
            problems.append(Problem(table.file, row, "cert_no",
                                    "inspector without a certificate number (执法证号); "
                                    "only certified inspectors may be listed"))
        require(problems, table, row, cells, "name", "department", "unit")
        no_separator(problems, table, row, cells, "cert_no", "department")
        cert_no = cells["cert_no"]
        if cert_no in inspectors:
            problems.append(Problem(table.file, row, "cert_no", f"duplicate certificate number '{cert_no}', "
                                    f"first at row {inspectors[cert_no].row}"))
        flag = cells["certified"].lower()
        if flag not in TRUE_WORDS and flag not in FALSE_WORDS:
            problems.append(Problem(table.file, row, "certified",
                                    f"found '{cells['certified']}'; expected 是 or 否 (yes or no)"))
        if len(problems) == before:
            inspectors[cert_no] = Inspector(cert_no, cells["name"], cells["department"], cells["unit"],
                                            flag in TRUE_WORDS, row)
    if table.readable and not len(table) and not problems:
        problems.append(Problem(table.file, None, None, "no inspectors: expected at least one data row"))
    return inspectors, problems

