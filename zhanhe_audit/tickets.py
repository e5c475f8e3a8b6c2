"""``draw/tickets.csv``, the draw's every ticket: its format, written and read as columns (``Ranked``).

This module owns the file: its columns and their types (``COLUMN_TYPES``, ``SCHEMA``), its header, the writer
the draw streams its rows into (``write_tickets``) and the reader every later step uses (``read_tickets``).
Protocol v1's rows (``TicketRow``: task, grade, USCC, ticket, rank, selected, batch) are held as an Arrow
table in ``tickets.csv`` order, so that a province's millions of tickets are never a Python object each;
``TicketRow`` objects are made only for the rows asked for (the selected, a stratum's reserves). The same file
row by row, for the reference engine and the tests, is ``evidence.files.TICKETS_CSV``, of these columns.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NamedTuple

import pyarrow as pa
import pyarrow.compute  # noqa: F401 -- pa.compute
import pyarrow.csv as arrow_csv

from .errors import ArchiveError
from .layout import TICKETS


class TicketRow(NamedTuple):
    """One eligible entity of a stratum with its ticket and rank (a row of ``draw/tickets.csv``).

    A named tuple, not a dataclass: a draw at city or province scale makes millions of them."""

    task_id: str
    grade: str
    uscc: str
    ticket: str
    rank: int
    selected: bool
    batch: int | None


@dataclass(frozen=True)
class Ranked:
    """Tickets of a draw as columns, in ``tickets.csv`` order (task and grade as drawn, then rank)."""

    table: pa.Table

    def __len__(self) -> int:
        return self.table.num_rows

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
        stratum = pa.compute.and_(pa.compute.equal(column("task_id"), task_id),
                                  pa.compute.equal(column("grade"), grade))
        return Ranked(self.table.filter(pa.compute.and_(stratum, pa.compute.invert(column("selected"))))
                      .sort_by("rank"))


COLUMN_TYPES = {"task_id": pa.string(), "grade": pa.string(), "uscc": pa.string(), "ticket": pa.string(),
                "rank": pa.int64(), "selected": pa.bool_(), "batch": pa.int32()}
COLUMNS = tuple(COLUMN_TYPES)  # the file's columns, in order
HEADER = ",".join(COLUMNS)  # its first line
SCHEMA = pa.schema(list(COLUMN_TYPES.items()))  # its rows as the draw streams them and as they are read back


def read_tickets(folder: Path) -> Ranked:
    """``draw/tickets.csv`` of the archive (or preview) ``folder``, read as columns, a twentieth of the time and
    a tenth of the memory of ``evidence.files.TICKETS_CSV.read``, one Python row each (docs/measured.md)."""
    path = folder.joinpath(TICKETS)
    try:
        with path.open("rb") as handle:
            first = handle.readline().decode("utf-8").rstrip("\n")
        if first != HEADER:
            raise ArchiveError(f"{TICKETS}: the header is '{first}', expected '{HEADER}'")
        table = arrow_csv.read_csv(path, convert_options=arrow_csv.ConvertOptions(
            column_types=COLUMN_TYPES, strings_can_be_null=False, true_values=["true"], false_values=["false"]))
    except (OSError, UnicodeDecodeError, pa.ArrowInvalid) as error:
        raise ArchiveError(f"{TICKETS} cannot be read: {error}") from None
    return Ranked(table)


def write_tickets(rows: pa.RecordBatchReader, into: BinaryIO) -> list[TicketRow]:
    """Write ``tickets.csv`` (the header, then ``rows``) to ``into``, batch by batch; return the selected rows
    (the only ones made objects: a few per cent).

    No value of the file ever needs quoting (validated task ids, grade letters, USCCs, hex
    tickets, numbers): Arrow is told to quote nothing, and would raise rather than write a
    value that needed it differently from Python's ``csv``.
    """
    if rows.schema.names != list(COLUMNS):
        raise ValueError(f"rows of {rows.schema.names} given to write, {TICKETS} has {list(COLUMNS)}")
    into.write((HEADER + "\n").encode())
    writer = arrow_csv.CSVWriter(into, rows.schema, write_options=arrow_csv.WriteOptions(
        include_header=False, quoting_style="none"))
    selected = []
    for batch in _ahead(rows):
        writer.write_batch(batch)
        selected.append(batch.filter(batch.column("selected")))
    writer.close()
    return list(Ranked(pa.Table.from_batches(selected, rows.schema)))


def _ahead(batches: Iterable[pa.RecordBatch], depth: int = 4) -> Iterator[pa.RecordBatch]:
    """``batches`` in their order, fetched by a thread of their own up to ``depth`` ahead: the engine emits the
    next batches while this one is written (docs/measured.md). The thread ends with the iteration, however it
    ends."""
    waiting: queue.Queue = queue.Queue(depth)
    stop = threading.Event()
    done = object()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                waiting.put(item, timeout=1)  # seconds: how late the thread may notice the reader stopped
                return True
            except queue.Full:
                continue
        return False

    def fetch() -> None:
        try:
            for batch in batches:
                if not put(batch):
                    return
            put(done)
        except BaseException as error:  # handed to the reader, which raises it
            put(error)

    thread = threading.Thread(target=fetch, name="tickets-ahead", daemon=True)
    thread.start()
    try:
        while (item := waiting.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()
