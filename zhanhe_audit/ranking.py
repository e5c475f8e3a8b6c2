"""The draw's ranking as columns, at city and province scale: ``draw.sql`` run on DuckDB.

``draw`` is the readable reference of protocol v1 ("Ticket", "Selection"): one Python row per
entity, ordered by ``(ticket, uscc)``. This module gives the same rows without building one:

- every stratum of every task goes to DuckDB in one Arrow table, and DuckDB runs the project's
  own ``draw.sql`` (the query for a cluster, Spark SQL) with the seed as a parameter: SHA-256
  and ``ROW_NUMBER()`` in C on all cores, spilling to disk when memory runs short;
- the result stays an Arrow table in ``tickets.csv`` order; only the selected rows (a few per
  cent) become ``TicketRow`` objects, and ``tickets.csv`` is written from the columns.

Nothing here reads a float, a random stream or the row order: the order is the total order
``(ticket, uscc)`` within each stratum, which no thread count changes. ``tests/test_ranking.py``
compares every row with ``draw.rank_stratum`` on the demo, the kept draw-v1 archive and
random registers of 10,000 and 100,000 entities.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute  # noqa: F401 -- pa.compute
import pyarrow.csv as arrow_csv

from .draw import TicketRow
from .errors import ArchiveError
from .evidence.files import TICKETS_CSV

SQL = Path(__file__).with_name("draw.sql").read_text(encoding="utf-8")
# draw.sql is Spark SQL: Spark's sha2(text, 256) is DuckDB's sha256(text), and its :name parameters are $name here
DUCKDB_SQL = SQL.replace(":seed", "$seed")
SHA2 = "CREATE MACRO sha2(text, bits) AS sha256(text)"
HEADER = ",".join(TICKETS_CSV.columns)  # the first line of draw/tickets.csv


@dataclass(frozen=True)
class Stratum:
    """One (task, grade) stratum: its eligible entities, its quota and the task's batches (mode c)."""

    task_id: str
    grade: str
    usccs: Sequence[str]
    quota: int
    batches: int | None = None


@dataclass(frozen=True)
class Ranked:
    """Every ticket of a draw as columns, in ``tickets.csv`` order (task and grade as drawn, then rank)."""

    table: pa.Table

    def __len__(self) -> int:
        return self.table.num_rows

    def __iter__(self) -> Iterator[TicketRow]:
        for batch in self.table.to_batches():
            for row in zip(*(column.to_pylist() for column in batch.columns), strict=True):
                yield TicketRow(*row)

    def selected(self) -> list[TicketRow]:
        """The drawn entities: ranks 1..n of each stratum."""
        return list(Ranked(self.table.filter(self.table.column("selected"))))

    def of_grade(self, grade: str) -> Ranked:
        return Ranked(self.table.filter(pa.compute.equal(self.table.column("grade"), grade)))

    def csv_text(self) -> str:
        """``draw/tickets.csv``, byte for byte as ``TICKETS_CSV.text`` writes the same rows.

        No value of the file ever needs quoting (validated task ids, grade letters, USCCs,
        hex tickets, numbers): Arrow is told to quote nothing, and would raise rather than
        write a value that needed it differently from Python's ``csv``.
        """
        buffer = io.BytesIO()
        buffer.write((HEADER + "\n").encode())
        options = arrow_csv.WriteOptions(include_header=False, quoting_style="none", batch_size=65536)
        arrow_csv.write_csv(self.table, buffer, options)
        return buffer.getvalue().decode("utf-8")


COLUMN_TYPES = {"task_id": pa.string(), "grade": pa.string(), "uscc": pa.string(), "ticket": pa.string(),
                "rank": pa.int64(), "selected": pa.bool_(), "batch": pa.int32()}


def read_tickets(folder: Path) -> Ranked:
    """``draw/tickets.csv`` of the archive (or preview) ``folder``, read as columns: at 1,000,000 entities
    0.3 s and 160 MB, where ``TICKETS_CSV.read`` (one Python row each) takes 7 s and 1.6 GB."""
    path = folder.joinpath(TICKETS_CSV.path)
    try:
        with path.open("rb") as handle:
            first = handle.readline().decode("utf-8").rstrip("\n")
        if first != HEADER:
            raise ArchiveError(f"{TICKETS_CSV.path}: the header is '{first}', expected '{HEADER}'")
        table = arrow_csv.read_csv(path, convert_options=arrow_csv.ConvertOptions(
            column_types=COLUMN_TYPES, strings_can_be_null=False, true_values=["true"], false_values=["false"]))
    except (OSError, UnicodeDecodeError, pa.ArrowInvalid) as error:
        raise ArchiveError(f"{TICKETS_CSV.path} cannot be read: {error}") from None
    return Ranked(table)


def eligible_table(strata: Sequence[Stratum]) -> pa.Table:
    """``draw.sql``'s ``eligible(task_id, grade, uscc)``: one row per entity of each stratum."""
    tasks, grades, codes = [], [], []
    for stratum in strata:
        count = len(stratum.usccs)
        tasks.append(pa.repeat(pa.scalar(stratum.task_id, pa.string()), count))
        grades.append(pa.repeat(pa.scalar(stratum.grade, pa.string()), count))
        codes.append(pa.array(stratum.usccs, pa.string()))
    columns = [pa.concat_arrays(parts) if parts else pa.array([], pa.string()) for parts in (tasks, grades, codes)]
    return pa.table(columns, names=["task_id", "grade", "uscc"])


def quota_table(strata: Sequence[Stratum]) -> pa.Table:
    """``draw.sql``'s ``quotas(task_id, grade, quota, stratum, batches)``: one row per stratum, in drawn order."""
    return pa.table({
        "task_id": pa.array([s.task_id for s in strata], pa.string()),
        "grade": pa.array([s.grade for s in strata], pa.string()),
        "quota": pa.array([s.quota for s in strata], pa.int32()),
        "stratum": pa.array(range(len(strata)), pa.int32()),
        "batches": pa.array([s.batches for s in strata], pa.int32()),
    })


def rank_all(seed: str, strata: Sequence[Stratum], macro: str = SHA2) -> Ranked:
    """Tickets and ranks of every stratum, ranks 1..quota selected (protocol v1), as ``draw.rank_stratum`` gives them.

    ``macro`` defines ``sha2``; only a test replaces it (to force a tie between two tickets).
    """
    with tempfile.TemporaryDirectory(prefix="zhanhe-rank-") as spill:
        connection = duckdb.connect(config={"temp_directory": spill})
        try:
            connection.execute(macro)
            connection.register("eligible", eligible_table(strata))
            connection.register("quotas", quota_table(strata))
            table = connection.sql(DUCKDB_SQL, params={"seed": seed}).to_arrow_table()
        finally:
            connection.close()
    return Ranked(table.select(list(TICKETS_CSV.columns)))
