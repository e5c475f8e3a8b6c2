"""The draw one row per entity (protocol v1, "Selection"): the reference ``ranking.rank_all`` is compared with."""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

from zhanhe_audit.formulas import StratumSummary, batch_of, order, quota, summarise
from zhanhe_audit.params import Params, Task
from zhanhe_audit.tickets import COLUMN_TYPES, Ranked, TicketRow


def rank_stratum(seed: str, task_id: str, grade: str, usccs: Iterable[str], n: int,
                 batches: int | None = None) -> list[TicketRow]:
    """Every entity of one stratum with its ticket and rank; ranks 1..n selected."""
    tickets = order(seed, task_id, usccs)
    return [
        TicketRow(task_id, grade, code, value, rank, rank <= n,
                  batch_of(rank, batches) if batches and rank <= n else None)
        for rank, (value, code) in enumerate(tickets, start=1)
    ]




def draw_task(seed: str, task: Task, population: dict[str, list[str]],
              params: Params) -> tuple[list[TicketRow], list[StratumSummary]]:
    """Draw one task: ``population`` maps each of the task's grades to its eligible USCCs.

    ``ranking.rank_all`` gives the same rows for every task at once, as columns."""
    rows: list[TicketRow] = []
    summaries: list[StratumSummary] = []
    for grade in task.grades:
        usccs = population.get(grade, [])
        eligible = len(set(usccs))
        n = quota(eligible, params.percent[grade])
        ranked = rank_stratum(seed, task.task_id, grade, usccs, n, task.batches)
        rows += ranked
        summaries.append(summarise(task, grade, eligible, n, sum(row.selected for row in ranked), params))
    return rows, summaries


def as_columns(rows: Iterable[TicketRow]) -> Ranked:
    """Rows given one by one, as the columns the product holds tickets in."""
    found = list(rows)
    return Ranked(pa.table({name: pa.array([getattr(row, name) for row in found], kind)
                            for name, kind in COLUMN_TYPES.items()}))
