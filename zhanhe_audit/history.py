"""Visits recorded in earlier archives: what frequency caps and the "never the same
inspector twice" rule read (protocol v1, "Eligibility" and "Inspectors").

The history of a draw is every visit on the hash chain before it, oldest first:
each quarter's ``draw/visits.csv``, then what appended replacement records changed.
It is copied into the archive as ``inputs/history.csv`` so that the draw can be
recomputed from the archive alone, and ``make verify`` recomputes it from the chain.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .params import QUARTER

COLUMNS = ("quarter", "visit", "uscc", "items", "inspectors")
FILE = "history.csv"


@dataclass(frozen=True)
class PastVisit:
    quarter: str
    visit: str
    uscc: str
    items: tuple[str, ...]
    inspectors: tuple[str, ...]

    @property
    def year(self) -> int:
        return year_of(self.quarter)


def year_of(quarter: str) -> int:
    return int(QUARTER.match(quarter)["year"])


def order_of(quarter: str) -> tuple[int, int]:
    """(year, quarter number): quarters compare in time order."""
    match = QUARTER.match(quarter)
    return int(match["year"]), int(match["quarter"])


@dataclass(frozen=True)
class History:
    visits: tuple[PastVisit, ...] = ()  # oldest first
    _per_year: Counter = field(default_factory=Counter, compare=False, repr=False)
    _per_item: Counter = field(default_factory=Counter, compare=False, repr=False)
    _last: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for visit in self.visits:
            self._per_year[visit.uscc, visit.year] += 1
            for item in visit.items:
                self._per_item[visit.uscc, item, visit.year] += 1
            self._last[visit.uscc] = visit

    def visits_in_year(self, uscc: str, year: int) -> int:
        return self._per_year[uscc, year]

    def item_visits_in_year(self, uscc: str, item: str, year: int) -> int:
        return self._per_item[uscc, item, year]

    def last_visit(self, uscc: str) -> PastVisit | None:
        return self._last.get(uscc)


def to_csv(history: History) -> str:
    from .archive import csv_text

    return csv_text(COLUMNS, ((v.quarter, v.visit, v.uscc, ";".join(v.items), ";".join(v.inspectors))
                              for v in history.visits))


def parse_csv(text: str) -> History:
    rows = csv.DictReader(io.StringIO(text))
    return History(tuple(
        PastVisit(r["quarter"], r["visit"], r["uscc"], tuple(filter(None, r["items"].split(";"))),
                  tuple(filter(None, r["inspectors"].split(";"))))
        for r in rows
    ))


def read_visits(path: Path, quarter: str) -> list[PastVisit]:
    """The visits of a ``visits.csv`` (draw or replacement record)."""
    if not path.is_file():
        return []  # archives drawn before visits existed
    return [
        PastVisit(quarter, r["visit"], r["uscc"], tuple(filter(None, r["items"].split(";"))),
                  tuple(filter(None, r["inspectors"].split(";"))))
        for r in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    ]


def from_chain(outputs: Path, head: dict | None, before: str) -> History:
    """Every visit of a quarter earlier than ``before`` recorded by the manifests from ``head``
    back to the first, oldest first."""
    records = []
    current = head
    while current:
        path = outputs / current["path"]
        manifest = json.loads(path.read_text(encoding="utf-8"))
        records.append((path.parent, manifest))
        current = manifest.get("previous")
    visits: list[PastVisit] = []
    for folder, manifest in reversed(records):
        quarter = manifest["quarter"]
        if order_of(quarter) >= order_of(before):
            continue
        if manifest["kind"] == "draw":
            visits += read_visits(folder / "draw" / "visits.csv", quarter)
        elif manifest["kind"] == "replacement":
            replaced = json.loads((folder / "replacement.json").read_text(encoding="utf-8"))["replaced_visit"]
            visits = [v for v in visits if (v.quarter, v.visit) != (quarter, replaced)]
            visits += read_visits(folder / "visits.csv", quarter)
    # A replacement appended to a quarter after a later quarter was drawn comes later in the
    # chain than that quarter's visits; in time it belongs to its own quarter (stable sort).
    return History(tuple(sorted(visits, key=lambda visit: order_of(visit.quarter))))
