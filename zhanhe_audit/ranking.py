"""The draw's ranking as columns, at city and province scale: ``draw.sql`` run on DuckDB.

``tests/oracle/draw.py`` is the readable reference of protocol v1 ("Ticket", "Selection"): one Python row per
entity, ordered by ``(ticket, uscc)``. This module gives the same rows without building one:

- every stratum of every task goes to DuckDB in one Arrow table, and DuckDB runs the project's
  own ``draw.sql`` (the query for a cluster, Spark SQL) with the seed as a parameter: SHA-256
  and one sort in C on all cores, in at most ``MEMORY_LIMIT`` of memory, spilling the rest to a
  temporary folder;
- the rows stream out in ``tickets.csv`` order; ``number`` counts their ranks, selects and
  batches them as they come; the engine writes them to the file batch by batch
  (``tickets.write_tickets``), keeping only the selected rows (a few per cent) as ``TicketRow``
  objects. At 10,000,000 entities the file is 1.1 GB and is never held in memory.

Nothing here reads a float, a random stream or the row order: the order is the total order
``(ticket, uscc)`` within each stratum, which no thread count changes. ``tests/test_ranking.py``
compares every row with that reference on the demo, the kept draw-v1 archive and
random registers of 10,000 and 100,000 entities.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute  # noqa: F401 -- pa.compute

from . import tickets
from .uscc import LENGTH

SQL = Path(__file__).with_name("draw.sql").read_text(encoding="utf-8")
# draw.sql is Spark SQL: Spark's sha2(text, 256) is DuckDB's sha256(text), and its :name parameters are $name here
DUCKDB_SQL = SQL.replace(":seed", "$seed")
SHA2 = "CREATE MACRO sha2(text, bits) AS sha256(text)"
MEMORY_LIMIT = "2GB"  # what DuckDB may hold while it ranks; beyond it, it spills to a temporary folder
BATCH_ROWS = 65536  # rows per batch streamed from DuckDB into tickets.csv
SORTED = pa.schema([("stratum", pa.int32()), ("uscc", pa.string()), ("ticket", pa.string())])  # what draw.sql returns
NO_START = pa.scalar(-(2**62), pa.int64())  # below any row's index: a row that does not start its stratum


@dataclass(frozen=True)
class Stratum:
    """One (task, grade) stratum: its eligible entities, its quota and the task's batches (mode c)."""

    task_id: str
    grade: str
    usccs: Sequence[str] | pa.Array  # an Arrow string column as eligibility gives it, or a list
    quota: int
    batches: int | None = None


# what ranks a draw: ``rank_all`` here (DuckDB), or ``spark.rank_all`` (the same draw.sql on Apache Spark); each
# gives the numbered rows of ``tickets.csv`` as a stream, open while the ``with`` block lasts
Rank = Callable[[str, Sequence[Stratum]], AbstractContextManager[pa.RecordBatchReader]]


def eligible_table(strata: Sequence[Stratum]) -> pa.Table:
    """``draw.sql``'s ``eligible(task_id, grade, uscc)``: one row per entity of each stratum (task and grade
    dictionary-encoded: one string per stratum, not per row)."""
    stratum = pa.concat_arrays([pa.repeat(pa.scalar(index, pa.int32()), len(s.usccs)) for index, s in enumerate(strata)]
                               or [pa.array([], pa.int32())])
    tasks = pa.DictionaryArray.from_arrays(stratum, pa.array([s.task_id for s in strata], pa.string()))
    grades = pa.DictionaryArray.from_arrays(stratum, pa.array([s.grade for s in strata], pa.string()))
    codes = pa.concat_arrays([_codes(s.usccs) for s in strata] or [pa.array([], pa.string())])
    return pa.table([tasks, grades, codes], names=["task_id", "grade", "uscc"])


def _codes(usccs: Sequence[str] | pa.Array) -> pa.Array:
    """A stratum's USCCs as an Arrow string column: a column as it is. Of a list, validated codes are 18 ASCII
    characters each: the column is then their concatenation with an offset every 18 bytes (a third of
    ``pa.array``'s time: docs/measured.md). Any other list, or one too long for 32-bit offsets, goes through
    ``pa.array``."""
    if isinstance(usccs, pa.Array):
        return usccs.cast(pa.string())
    text = "".join(usccs)
    fixed = (usccs and text.isascii() and len(text) == LENGTH * len(usccs) < 2**31
             and max(map(len, usccs)) == LENGTH)  # each at most 18 and 18 on average: each exactly 18
    if not fixed:
        return pa.array(usccs, pa.string())
    ends = pa.compute.cumulative_sum(pa.repeat(pa.scalar(LENGTH, pa.int32()), len(usccs)))
    offsets = pa.concat_arrays([pa.array([0], pa.int32()), ends])
    return pa.Array.from_buffers(pa.string(), len(usccs),
                                 [None, offsets.buffers()[1], pa.py_buffer(text.encode("ascii"))])


def strata_table(strata: Sequence[Stratum]) -> pa.Table:
    """``draw.sql``'s ``strata(task_id, grade, stratum)``: one row per stratum, its place in drawn order."""
    return pa.table({
        "task_id": pa.array([s.task_id for s in strata], pa.string()),
        "grade": pa.array([s.grade for s in strata], pa.string()),
        "stratum": pa.array(range(len(strata)), pa.int32()),
    })


@contextmanager
def rank_all(seed: str, strata: Sequence[Stratum]) -> Iterator[pa.RecordBatchReader]:
    """Rank every stratum (protocol v1) on DuckDB: the rows of ``draw/tickets.csv`` (``tickets.SCHEMA``), numbered
    as they stream out (``number``), for the ``with`` block to write (``tickets.write_tickets``). Rows and file
    are what the reference (``tests/oracle/draw.py``) and ``evidence.files.TICKETS_CSV.text`` give.

    Each stratum lists an entity once (a register refuses a USCC listed twice, and ``draw.sql``
    asks for it): one listed twice is a caller's error, ``ValueError``, raised as its rows stream.
    """
    with tempfile.TemporaryDirectory(prefix="zhanhe-rank-") as spill:
        connection = duckdb.connect(config={"temp_directory": spill, "memory_limit": MEMORY_LIMIT})
        try:
            connection.execute(SHA2)
            connection.register("eligible", eligible_table(strata))
            connection.register("strata", strata_table(strata))
            yield number(connection.sql(DUCKDB_SQL, params={"seed": seed}).to_arrow_reader(BATCH_ROWS), strata)
        finally:
            connection.close()


def number(rows: pa.RecordBatchReader, strata: Sequence[Stratum]) -> pa.RecordBatchReader:
    """``draw.sql``'s rows (stratum, uscc, ticket), sorted by stratum, ticket and uscc, as the rows of
    ``tickets.csv`` (``tickets.SCHEMA``): each row's rank is its place in its stratum, ranks 1..quota are selected
    and the selected of rank r go to batch ((r - 1) mod B) + 1. Exact integers, counted batch by batch as the rows
    stream (a stratum may run over many batches). An entity listed twice in a stratum is refused as its rows
    stream (``ValueError``)."""
    if rows.schema.names != list(SORTED.names):
        raise ValueError(f"draw.sql returns {rows.schema.names}, expected {SORTED.names}")
    tasks, grades = pa.array([s.task_id for s in strata], pa.string()), pa.array([s.grade for s in strata], pa.string())
    quotas = pa.array([s.quota for s in strata], pa.int64())
    batches = pa.array([s.batches for s in strata], pa.int64())

    def numbered() -> Iterator[pa.RecordBatch]:
        stratum, counted = -1, 0  # the stratum of the rows so far, and how many of its rows came before this batch
        last = ""  # the USCC of the previous batch's last row
        for batch in rows:
            if batch.num_rows == 0:
                continue
            places = batch.column("stratum").cast(pa.int64())
            before = pa.concat_arrays([pa.array([stratum], pa.int64()), places.slice(0, len(places) - 1)])
            index = pa.compute.subtract(pa.compute.cumulative_sum(pa.repeat(pa.scalar(1, pa.int64()), len(places))), 1)
            # where each row's stratum starts in this batch: its first row's index, or before the batch (-counted)
            starts = pa.compute.if_else(pa.compute.not_equal(places, before), index, NO_START)
            if places[0].as_py() == stratum:
                starts = pa.concat_arrays([pa.array([-counted], pa.int64()), starts.slice(1)])
            rank = pa.compute.add(pa.compute.subtract(index, pa.compute.cumulative_max(starts)), 1)
            selected = pa.compute.less_equal(rank, quotas.take(places))
            size = batches.take(places)
            after = pa.compute.subtract(rank, 1)  # (r - 1) mod B, of positive integers
            place = pa.compute.subtract(after, pa.compute.multiply(pa.compute.divide(after, size), size))
            batch_of = pa.compute.if_else(selected, pa.compute.add(place, 1),
                                          pa.scalar(None, pa.int64())).cast(pa.int32())
            stratum, counted = places[-1].as_py(), rank[-1].as_py()
            rows_of = pa.record_batch([tasks.take(places), grades.take(places), batch.column("uscc"),
                                       batch.column("ticket"), rank, selected, batch_of], schema=tickets.SCHEMA)
            last = _refuse_repeats(rows_of, last)
            yield rows_of

    return pa.RecordBatchReader.from_batches(tickets.SCHEMA, numbered())


def _refuse_repeats(batch: pa.RecordBatch, before: str) -> str:
    """An entity listed twice in a stratum has two rows with one ticket, side by side in ``tickets.csv``
    order: a USCC equal to the row before's, at a rank above 1 (rank 1 starts a stratum). Raise on
    one; ``before`` is the USCC of the previous batch's last row, and this batch's is returned."""
    if batch.num_rows == 0:
        return before
    codes = batch.column("uscc")
    previous = pa.concat_arrays([pa.array([before], pa.string()), codes.slice(0, len(codes) - 1)])
    repeated = pa.compute.and_(pa.compute.equal(codes, previous), pa.compute.greater(batch.column("rank"), 1))
    if pa.compute.any(repeated).as_py():
        row = batch.filter(repeated).slice(0, 1).to_pylist()[0]
        raise ValueError(f"task {row['task_id']} lists entity {row['uscc']} twice; each entity counts once")
    return codes[-1].as_py()
