"""``outputs/violations-<series>.csv``: per entity, across a series' quarters, every latest result that found a
problem, carries a penalty or an abnormal-list entry (联合惩戒), with the record that holds it. What the next credit
classification takes in; derived from the archives alone, and rebuilt whole after every results record.
"""

from __future__ import annotations

from pathlib import Path

from . import publish, results_form
from .evidence.archived import load_archived
from .evidence.manifest import series
from .evidence.store import archives, replace_file
from .history import order_of
from .kinds import apply_records
from .paths import Project

# the result's own cells, as a filled form spells them (``results_form.cells_of``)
RESULT_COLUMNS = ("end", "categories", "findings", "disposition", "status", "penalty_number", "penalty_date",
                  "abnormal_list")
COLUMNS = ("uscc", "name", "quarter", "visit", "item", "department", *RESULT_COLUMNS, "record")


def violations_text(project: Project, series_name: str) -> str:
    """The file's text for ``series_name``: rows sorted by USCC, then quarter, visit and item."""
    rows = []
    for folder in sorted((f for f in archives(project.outputs) if series(f.name) == series_name),
                         key=lambda f: order_of(f.name)):
        state = apply_records(folder)
        if not state.results:
            continue
        found = load_archived(folder, folder.name).registers.entities.lookup(r.uscc for _, r in state.results.values())
        names = {uscc: entity.name for uscc, entity in found.items()}
        for record, result in sorted(state.results.values(), key=lambda entry: entry[1].key):
            if result.sanctioned:
                cells = results_form.cells_of(result)
                rows.append((result.uscc, names.get(result.uscc, ""), folder.name, result.visit, result.item,
                             result.department, *(cells[column] for column in RESULT_COLUMNS),
                             f"{folder.name}/{record}"))
    rows.sort(key=lambda row: (row[0], order_of(row[2]), row[3], row[4]))
    return publish.excel_csv(COLUMNS, rows, 2)  # staff open it in Excel: quoted as the public files are


def write_violations(project: Project, quarter: str) -> Path:
    """Rebuild the violations file of ``quarter``'s series (a derived file: replaced whole, atomically)."""
    target = project.violations(series(quarter))
    replace_file(target, violations_text(project, series(quarter)))
    return target
