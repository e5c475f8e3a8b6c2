"""Visits recorded in earlier archives: what frequency caps and the "never the same
inspector twice" rule read (protocol v1, "Eligibility" and "Inspectors").

The history of a draw is every visit on the hash chain before it, oldest first:
each quarter's ``draw/visits.csv``, then what appended records changed
(``kinds.history_before``). It is copied into the archive as ``inputs/history.csv``
(``evidence.files.HISTORY_CSV``) so that the draw can be recomputed from the archive
alone, and ``make verify`` recomputes it from the chain.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .params import parse_quarter


@dataclass(frozen=True, slots=True)
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
    return int(parse_quarter(quarter)["year"])


def order_of(quarter: str) -> tuple[int, int]:
    """(year, quarter number): quarters compare in time order."""
    match = parse_quarter(quarter)
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

    def visited(self, year: int | None = None) -> set[str]:
        """The entities with a visit (in ``year``, when given)."""
        return {visit.uscc for visit in self.visits if year is None or visit.year == year}

    def last_visit(self, uscc: str) -> PastVisit | None:
        return self._last.get(uscc)
