"""The formulas of draw protocol v1 (docs/draw-protocol.md): ticket, quota, batch, selection order, summary.

Pure functions: no file I/O, no numpy/pandas/``random`` streams, no floats.
A ticket is the SHA-256 hex of ``seed \\n task \\n uscc``; within each
(task, grade) stratum entities are ranked by ``(ticket, uscc)`` and ranks
1..n are selected, with ``n = ceil(N * p / 100)`` in exact arithmetic. The draw
itself runs as columns (``ranking``, ``draw.sql``); ``tests/oracle/draw.py`` keeps
the readable one-row-per-entity reference the tests compare it with.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from .params import FLOORS, Params, Task


def sha256_hex(message: str) -> str:
    """``H(m)`` of the protocol: SHA-256 of the UTF-8 bytes, 64 lower-case hex characters."""
    return hashlib.sha256(message.encode("utf-8")).hexdigest()


def ticket(seed: str, task_id: str, uscc: str) -> str:
    """Protocol v1 "Ticket": ``H(seed + "\\n" + T + "\\n" + u)``; ``seed`` already normalised."""
    return sha256_hex(f"{seed}\n{task_id}\n{uscc}")


def inspector_ticket(seed: str, task_id: str, uscc: str, cert_no: str) -> str:
    """Protocol v1 "Inspectors": ``H(seed + "\\n" + T + "\\n" + u + "\\n" + i)``."""
    return sha256_hex(f"{seed}\n{task_id}\n{uscc}\n{cert_no}")


def inspector_tickets(seed: str, task_id: str, uscc: str, cert_nos: Iterable[str]) -> list[tuple[str, str]]:
    """``(inspector_ticket, cert_no)`` of each candidate, in ascending order: the order the second random serves
    them in. ``H(seed ⏎ T ⏎ u ⏎`` is hashed once and copied for each certificate number."""
    prefix = hashlib.sha256(f"{seed}\n{task_id}\n{uscc}\n".encode())

    def ticket_of(cert_no: str) -> str:
        digest = prefix.copy()
        digest.update(cert_no.encode("utf-8"))
        return digest.hexdigest()

    return sorted((ticket_of(cert_no), cert_no) for cert_no in cert_nos)


def quota(eligible: int, percent: Fraction) -> int:
    """Protocol v1 "Quota per grade": ``ceil(N * p / 100)`` in exact rational arithmetic."""
    if eligible < 0 or percent < 0:
        raise ValueError("eligible and percent must not be negative")
    return -(-(eligible * percent.numerator) // (100 * percent.denominator))


def batch_of(rank: int, batches: int) -> int:
    """Mode (c): the selected entity of rank r goes to batch ((r - 1) mod B) + 1."""
    return (rank - 1) % batches + 1


@dataclass(frozen=True)
class StratumSummary:
    task_id: str
    grade: str
    eligible: int
    percent: str  # as written in the params, e.g. "7.5"
    floor: str
    quota: int
    selected: int
    reason: str  # the written justification when below the floor


def order(seed: str, task_id: str, usccs: Iterable[str]) -> list[tuple[str, str]]:
    """Protocol v1 "Selection": the stratum's ``(ticket, uscc)`` pairs in ascending order.

    The one function that orders a stratum: the draw and the Monte Carlo of the fairness
    evidence both call it. Each entity counts once.
    """
    prefix = hashlib.sha256(f"{seed}\n{task_id}\n".encode())  # H(seed ⏎ T ⏎ u), prefix hashed once

    def ticket_of(code: str) -> str:
        digest = prefix.copy()
        digest.update(code.encode("utf-8"))
        return digest.hexdigest()

    return sorted((ticket_of(code), code) for code in set(usccs))


def first(seed: str, task_id: str, usccs: Sequence[str], n: int) -> list[str]:
    """The first ``n`` entities of ``order`` (each of ``usccs`` once): the drawn of a stratum, without sorting it
    all. Tickets are compared as digest bytes, which order as their hex does."""
    prefix = hashlib.sha256(f"{seed}\n{task_id}\n".encode())
    keyed = []
    for code in usccs:
        digest = prefix.copy()
        digest.update(code.encode("utf-8"))
        keyed.append((digest.digest(), code))
    return [code for _, code in heapq.nsmallest(n, keyed)]


def summarise(task: Task, grade: str, eligible: int, n: int, selected: int, params: Params) -> StratumSummary:
    """The stratum's line of ``draw/summary.csv``: its count, percent, floor, quota, and the written reason when
    the percent is below the floor."""
    return StratumSummary(task.task_id, grade, eligible, params.percent_text[grade], str(FLOORS[grade]), n, selected,
                          params.justification.get(grade, "") if params.below_floor(grade) else "")
