"""The catalogue of category tags (分类标注目录) that entities and items refer to."""

from __future__ import annotations

from ..errors import Problem, Problems
from .cells import TAG_CODE, normalise_tag, require
from .reading import Table


def parse_tags(table: Table) -> tuple[dict[str, str], list[Problem]]:
    problems = Problems()
    tags: dict[str, str] = {}
    first_row: dict[str, int] = {}
    for row, cells in table.rows:
        require(problems, table, row, cells, "code", "name")
        code = normalise_tag(cells["code"])
        if not code:
            continue
        if not TAG_CODE.match(code):
            problems.append(Problem(table.file, row, "code",
                                    f"'{cells['code']}' is not a tag code; expected letters, digits and '_', "
                                    "starting with a letter"))
        elif code in tags:
            problems.append(Problem(table.file, row, "code",
                                    f"duplicate tag code '{code}', first at row {first_row[code]}"))
        else:
            tags[code] = cells["name"]
            first_row[code] = row
    if table.readable and not len(table) and not problems:
        problems.append(Problem(table.file, None, None, "no tags: expected at least one data row"))
    return tags, problems

