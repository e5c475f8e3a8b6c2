"""A quarter as it is now: the draw's visits with every record appended since applied in order.

``QuarterState`` is what the draw left (``draw_state``) and what each record then changed; each kind of
record says how it changes that state and how ``make verify`` recomputes it (``RecordKind``). The kinds
are listed in one place, ``kinds.KINDS``; the records' folders are ``evidence.records``'.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .evidence.files import VISITS_CSV
from .inputs import Inputs
from .inspectors import Visit
from .tickets import read_tickets


def visit_number(visit_id: str) -> int:
    return int(visit_id.rpartition("-V")[2])


@dataclass
class QuarterState:
    """A quarter after its draw and some of its records."""

    visits: list[Visit]  # the current visits, in order
    largest: int  # the largest visit number ever used in the quarter
    folder: Path  # the archive: the drawn entities' batches are read from its tickets when first asked for
    used: set[tuple[str, str]] = field(default_factory=set)  # (task, uscc) taken as a replacement
    replaced: dict[str, str] = field(default_factory=dict)  # uscc found out of scope -> its record
    results: dict[tuple[str, str], Any] = field(default_factory=dict)  # (visit, item) -> (record, latest result)
    as_of: date | None = None  # the as-of date of the latest results record
    _batches: dict[tuple[str, str], int | None] | None = field(default=None, repr=False)

    @property
    def batches(self) -> dict[tuple[str, str], int | None]:
        """(task, uscc) -> batch, of the drawn and the replacements: read from ``draw/tickets.csv`` (as columns)
        when first asked for, since only a replacement needs them (a history of many quarters does not)."""
        if self._batches is None:
            self._batches = {(row.task_id, row.uscc): row.batch for row in read_tickets(self.folder).selected()}
        return self._batches


def draw_state(folder: Path) -> QuarterState:
    """The quarter as its draw left it: ``draw/visits.csv`` (and, when asked for, each drawn entity's batch)."""
    visits = VISITS_CSV.read(folder)
    return QuarterState(visits, max((visit_number(v.visit_id) for v in visits), default=0), folder)


@dataclass(frozen=True)
class RecordKind:
    """What a kind of record is: its files, how it changes the quarter, how verify recomputes it."""

    name: str
    files: tuple[str, ...]  # its files besides the seals, relative to the record folder
    apply: Callable[[QuarterState, Path], None]  # the state after the record in this folder
    # The texts its files must have, recomputed from the archived inputs, the archive and the state
    # before it; files that cannot be recomputed byte for byte (a page) are left out and re-validated.
    recompute: Callable[[Inputs, Path, QuarterState, Path], dict[str, str]]
    changes_visits: bool  # whether it changes the quarter's visits (and so later quarters' history)
    optional_folders: tuple[str, ...] = ()  # folders of the record whose files vary (listed in its manifest)
