"""One typed writer and reader per CSV file of an archive: ``draw/*.csv``, ``inputs/history.csv``
and ``fairness/*.csv`` (``draw/draw.json`` is a record: ``records.DrawRecord``).

Each file is a ``CsvFile``: its path, its columns, and how one typed row becomes a CSV row
and back. ``text`` writes what the archive holds (UTF-8, LF, ``csv`` quoting); ``read``
reads it back and raises ``ArchiveError`` naming the file and row when it is malformed, so
``parse(text(rows)) == rows`` for every file (``tests/evidence/test_evidence.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Generic, TypeVar

from .. import tickets
from ..errors import ArchiveError
from ..fairness import BalanceRow, TimelineRow
from ..findings import Result
from ..formulas import StratumSummary
from ..history import History, PastVisit
from ..inclusion import InclusionRow
from ..inspectors import CapException, InspectorLoad, Visit
from ..layout import (
    BALANCE,
    CAP_EXCEPTIONS,
    EXCLUDED,
    HISTORY,
    INCLUSION,
    INSPECTOR_LOAD,
    MATCH,
    POPULATIONS,
    RESULTS_FILE,
    SUMMARY,
    TICKETS,
    TIMELINE,
    VISITS,
)
from ..matching import Excluded, Population, Qualified
from ..registers.cells import LIST_SEPARATOR
from ..tickets import TicketRow
from .store import csv_rows, csv_text, read_text

T = TypeVar("T")

@dataclass(frozen=True)
class CsvFile(Generic[T]):
    path: str  # inside the archive
    columns: tuple[str, ...]
    to_row: Callable[[T], Sequence[object]]
    from_row: Callable[[dict[str, str]], T]
    optional: bool = False  # written only when it has rows: absent means none

    def text(self, rows: Iterable[T]) -> str:
        return csv_text(self.columns, (self.to_row(row) for row in rows))

    def parse(self, text: str, shown: str | None = None) -> list[T]:
        shown = shown or self.path
        found = []
        for number, row in enumerate(csv_rows(text, self.columns, shown), start=2):
            if None in row or None in row.values():  # too many fields, or too few
                raise ArchiveError(f"{shown}, row {number}: expected {len(self.columns)} fields "
                                   f"({', '.join(self.columns)})")
            try:
                found.append(self.from_row(row))
            except (ValueError, TypeError) as error:
                raise ArchiveError(f"{shown}, row {number}: {error}") from None
        return found

    def read(self, folder: Path, path: str | None = None) -> list[T]:
        """The rows of this file in the archive (or record) ``folder``; ``path`` when it sits elsewhere there."""
        path = path or self.path
        return self.parse(read_text(folder / path, path), path)

    def read_if_present(self, folder: Path) -> list[T]:
        """The rows, or none when the file is not there (a file written only when it has rows)."""
        return self.read(folder) if (folder / self.path).is_file() else []


def joined(values: Iterable[str]) -> str:
    return LIST_SEPARATOR.join(values)


def split(text: str) -> tuple[str, ...]:
    return tuple(filter(None, text.split(LIST_SEPARATOR)))


def one_of(text: str, yes: str, no: str) -> bool:
    """A two-word column: ``yes`` or ``no``, nothing else."""
    if text not in (yes, no):
        raise ValueError(f"'{text}' is not {yes} or {no}")
    return text == yes


def flag(text: str) -> bool:
    return one_of(text, "true", "false")


def optional_int(text: str) -> int | None:
    return int(text) if text else None


def optional_float(text: str) -> float | None:
    return float(text) if text else None


def optional_date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def shown(value: object | None, pattern: str = "{}") -> str:
    return "" if value is None else pattern.format(value)


# draw/tickets.csv row by row (the reference engine, the tests); its format is tickets.py's, read and written as columns
TICKETS_CSV = CsvFile[TicketRow](
    TICKETS, tickets.COLUMNS,
    lambda r: (r.task_id, r.grade, r.uscc, r.ticket, r.rank, "true" if r.selected else "false", shown(r.batch)),
    lambda r: TicketRow(r["task_id"], r["grade"], r["uscc"], r["ticket"], int(r["rank"]), flag(r["selected"]),
                        optional_int(r["batch"])),
)

SUMMARY_CSV = CsvFile[StratumSummary](
    SUMMARY, ("task_id", "grade", "eligible", "percent", "floor", "quota", "selected", "reason"),
    lambda r: (r.task_id, r.grade, r.eligible, r.percent, r.floor, r.quota, r.selected, r.reason),
    lambda r: StratumSummary(r["task_id"], r["grade"], int(r["eligible"]), r["percent"], r["floor"], int(r["quota"]),
                             int(r["selected"]), r["reason"]),
)

POPULATIONS_CSV = CsvFile[Population](
    POPULATIONS, ("task_id", "grade", "active", "in_scope", "excluded", "eligible"),
    lambda r: (r.task_id, r.grade, r.active, r.in_scope, r.excluded, r.eligible),
    lambda r: Population(r["task_id"], r["grade"], int(r["active"]), int(r["in_scope"]), int(r["excluded"]),
                         int(r["eligible"])),
)

EXCLUDED_CSV = CsvFile[Excluded](
    EXCLUDED, ("task_id", "grade", "uscc", "reason"),
    lambda r: (r.task_id, r.grade, r.uscc, r.reason),
    lambda r: Excluded(r["task_id"], r["grade"], r["uscc"], r["reason"]),
)

MATCH_CSV = CsvFile[Qualified](
    MATCH, ("task_id", "uscc", "item_id", "qualifying_tags"),
    lambda r: (r.task_id, r.uscc, r.item_id, joined(r.tags)),
    lambda r: Qualified(r["task_id"], r["uscc"], r["item_id"], split(r["qualifying_tags"])),
)

# The ticket that ordered a visit is in draw/tickets.csv, not here: a visit read back has ticket "".
VISITS_CSV = CsvFile[Visit](
    VISITS, ("visit", "uscc", "task_id", "tasks", "items", "departments", "inspectors", "batch"),
    lambda v: (v.visit_id, v.uscc, v.task_id, joined(v.tasks), joined(v.items), joined(v.departments),
               joined(v.inspectors), shown(v.batch)),
    lambda r: Visit(r["visit"], r["uscc"], r["task_id"], "", split(r["tasks"]), split(r["items"]),
                    split(r["departments"]), optional_int(r["batch"]), split(r["inspectors"])),
)

INSPECTOR_LOAD_CSV = CsvFile[InspectorLoad](
    INSPECTOR_LOAD, ("cert_no", "name", "department", "unit", "certified", "visits", "cap"),
    lambda i: (i.cert_no, i.name, i.department, i.unit, "是" if i.certified else "否", i.visits, shown(i.cap)),
    lambda r: InspectorLoad(r["cert_no"], r["name"], r["department"], r["unit"], one_of(r["certified"], "是", "否"),
                            int(r["visits"]), optional_int(r["cap"])),
)

CAP_EXCEPTIONS_CSV = CsvFile[CapException](
    CAP_EXCEPTIONS, ("visit", "uscc", "department", "cert_no", "visits_before", "cap", "under_cap_candidates"),
    lambda e: (e.visit_id, e.uscc, e.department, e.cert_no, e.load, e.cap, e.under_cap),
    lambda r: CapException(r["visit"], r["uscc"], r["department"], r["cert_no"], int(r["visits_before"]),
                           int(r["cap"]), int(r["under_cap_candidates"])),
    optional=True,
)

HISTORY_CSV = CsvFile[PastVisit](
    HISTORY, ("quarter", "visit", "uscc", "items", "inspectors"),
    lambda v: (v.quarter, v.visit, v.uscc, joined(v.items), joined(v.inspectors)),
    lambda r: PastVisit(r["quarter"], r["visit"], r["uscc"], split(r["items"]), split(r["inspectors"])),
)


def history_text(history: History) -> str:
    return HISTORY_CSV.text(history.visits)


def read_history(folder: Path) -> History:
    """``inputs/history.csv`` of an archive (or of a project folder that mirrors it)."""
    return History(tuple(HISTORY_CSV.read(folder)))


BALANCE_CSV = CsvFile[BalanceRow](
    BALANCE, ("grade", "attribute", "categories", "statistic", "dof", "p_value", "note"),
    lambda r: (r.grade, r.attribute, r.categories, shown(r.statistic, "{:.6f}"), shown(r.dof),
               shown(r.p_value, "{:.6f}"), r.note),
    lambda r: BalanceRow(r["grade"], r["attribute"], int(r["categories"]), optional_float(r["statistic"]),
                         optional_int(r["dof"]), optional_float(r["p_value"]), r["note"]),
)

INCLUSION_CSV = CsvFile[InclusionRow](
    INCLUSION, ("task_id", "grade", "eligible", "followed", "n", "seeds", "min_count", "max_count", "statistic",
                "p_value"),
    lambda r: (r.task_id, r.grade, r.eligible, r.followed, r.n, r.seeds, r.min_count, r.max_count,
               shown(r.statistic, "{:.6f}"), shown(r.p_value, "{:.6f}")),
    lambda r: InclusionRow(r["task_id"], r["grade"], int(r["eligible"]), int(r["followed"]), int(r["n"]),
                           int(r["seeds"]), int(r["min_count"]), int(r["max_count"]), optional_float(r["statistic"]),
                           optional_float(r["p_value"])),
)

TIMELINE_CSV = CsvFile[TimelineRow](
    TIMELINE, ("event", "when", "source", "in_order"),
    lambda r: (r.event, r.when, r.source, "yes" if r.in_order else "no"),
    lambda r: TimelineRow(r["event"], r["when"], r["source"], one_of(r["in_order"], "yes", "no")),
)

# A results record's rows (records/NNNN-results/results.csv): one result per (visit, item).
RESULTS_CSV = CsvFile[Result](
    RESULTS_FILE, ("visit", "uscc", "item", "department", "start", "end", "inspectors", "categories", "findings",
                   "disposition", "receiving_department", "status", "published", "penalty_number", "penalty_date",
                   "abnormal_list", "deadline", "supersedes"),
    lambda r: (r.visit, r.uscc, r.item, r.department, r.start.isoformat(), r.end.isoformat(), joined(r.inspectors),
               joined(r.categories), r.findings, r.disposition, r.receiving_department, r.status,
               shown(r.published), r.penalty_number, shown(r.penalty_date), "true" if r.abnormal_list else "false",
               r.deadline.isoformat(), r.supersedes),
    lambda r: Result(r["visit"], r["uscc"], r["item"], r["department"], date.fromisoformat(r["start"]),
                     date.fromisoformat(r["end"]), split(r["inspectors"]), split(r["categories"]), r["findings"],
                     r["disposition"], r["receiving_department"], r["status"], optional_date(r["published"]),
                     r["penalty_number"], optional_date(r["penalty_date"]), flag(r["abnormal_list"]),
                     date.fromisoformat(r["deadline"]), r["supersedes"]),
)
