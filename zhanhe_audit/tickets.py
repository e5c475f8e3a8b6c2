"""A draw's tickets as columns (``draw/tickets.csv`` read by Arrow): ``Ranked``.

Protocol v1's rows (``draw.TicketRow``: task, grade, USCC, ticket, rank, selected, batch), held as an Arrow
table in ``tickets.csv`` order, so that a province's millions of tickets are never a Python object each;
``TicketRow`` objects are made only for the rows asked for (the selected, a stratum's reserves).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute  # noqa: F401 -- pa.compute

from .draw import TicketRow


@dataclass(frozen=True)
class Ranked:
    """Tickets of a draw as columns, in ``tickets.csv`` order (task and grade as drawn, then rank)."""

    table: pa.Table

    def __len__(self) -> int:
        return self.table.num_rows

    @classmethod
    def of(cls, rows: Iterable[TicketRow]) -> Ranked:
        """Rows given one by one (tests, small examples), as columns."""
        found = list(rows)
        return cls(pa.table({name: pa.array([getattr(row, name) for row in found], kind)
                             for name, kind in COLUMN_TYPES.items()}))

    def __iter__(self) -> Iterator[TicketRow]:
        for batch in self.table.to_batches():
            for row in zip(*(column.to_pylist() for column in batch.columns), strict=True):
                yield TicketRow(*row)

    def selected(self) -> Ranked:
        """The drawn entities: ranks 1..n of each stratum."""
        return Ranked(self.table.filter(self.table.column("selected")))

    def of_grade(self, grade: str) -> Ranked:
        return Ranked(self.table.filter(pa.compute.equal(self.table.column("grade"), grade)))

    def ticket(self, task_id: str, uscc: str) -> TicketRow | None:
        """The entity's row in the task, if it has one."""
        found = self.table.filter(pa.compute.and_(pa.compute.equal(self.table.column("task_id"), task_id),
                                                  pa.compute.equal(self.table.column("uscc"), uscc)))
        return next(iter(Ranked(found)), None)

    def first_reserves(self, last: int) -> Ranked:
        """The entities not selected of rank ``last`` or better, in every stratum."""
        column = self.table.column
        return Ranked(self.table.filter(pa.compute.and_(pa.compute.invert(column("selected")),
                                                        pa.compute.less_equal(column("rank"), last))))

    def reserves(self, task_id: str, grade: str) -> Ranked:
        """The stratum's entities that were not selected, by rank: the reserve list replacements take from."""
        column = self.table.column
        stratum = pa.compute.and_(pa.compute.equal(column("task_id"), task_id), pa.compute.equal(column("grade"), grade))
        return Ranked(self.table.filter(pa.compute.and_(stratum, pa.compute.invert(column("selected")))).sort_by("rank"))


COLUMN_TYPES = {"task_id": pa.string(), "grade": pa.string(), "uscc": pa.string(), "ticket": pa.string(),
                "rank": pa.int64(), "selected": pa.bool_(), "batch": pa.int32()}
