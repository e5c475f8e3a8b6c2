"""The records of an archive: ``draw/draw.json``, and what is appended later.

Nothing in a quarter's archive is ever changed. What happens after the draw is appended
as a numbered record, ``records/NNNN-<kind>/``, with its own SHA256SUMS and manifest in
the hash chain (protocol v1, "Records"). The quarter as it is now is the draw's visits
with every record applied in order: ``QuarterState``. Each kind of record says how it
changes that state and how ``make verify`` recomputes it (``RecordKind``); the kinds are
listed in one place, ``kinds.KINDS``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import ArchiveError
from ..inputs import Inputs
from ..inspectors import Visit
from ..ranking import read_tickets
from . import DRAW_RECORD, RECORDS
from .files import VISITS_CSV
from .store import read_text

RECORD_NAME = re.compile(r"(?P<number>\d{4,})-(?P<kind>[a-z]+)\Z")


def record_folders(folder: Path) -> list[Path]:
    """The records appended to an archive, in order (``records/NNNN-<kind>/``; temporary folders apart)."""
    base = folder / RECORDS
    if not base.is_dir():
        return []
    found = [(int(match["number"]), path) for path in base.iterdir()
             if path.is_dir() and (match := RECORD_NAME.match(path.name))]
    return [path for _, path in sorted(found)]


def kind_of(record: Path) -> str:
    match = RECORD_NAME.match(record.name)
    if not match:
        raise ArchiveError(f"{RECORDS}/{record.name} is not named NNNN-<kind>")
    return match["kind"]


def next_name(folder: Path, kind: str) -> str:
    return f"{len(record_folders(folder)) + 1:04d}-{kind}"


def shown(record: Path) -> str:
    """A record's folder as the archive names it: ``records/NNNN-<kind>``."""
    return f"{RECORDS}/{record.name}"


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


def load_json(path: Path, shown_as: str) -> dict:
    try:
        data = json.loads(read_text(path, shown_as))
    except ValueError as error:
        raise ArchiveError(f"{shown_as} is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise ArchiveError(f"{shown_as} is not a JSON object")
    return data


@dataclass(frozen=True)
class DrawRecord:
    """``draw/draw.json``: what was drawn under which protocol, seed and registers (no clock time)."""

    protocol: str
    quarter: str
    demo: bool
    seed: str
    seed_provenance: dict
    percent: dict[str, str]
    inspection: dict
    frequency: dict
    exclusions: list[dict]
    tasks: list[dict]
    registers: dict[str, dict[str, str]]

    def to_json(self) -> str:
        return json.dumps(vars(self), ensure_ascii=False, indent=2, default=str) + "\n"

    @classmethod
    def from_json(cls, text: str, shown_as: str) -> DrawRecord:
        try:
            data = json.loads(text)
            record = cls(**data)
            if not (isinstance(record.protocol, str) and isinstance(record.seed, str)
                    and all(isinstance(task["id"], str) for task in record.tasks)):
                raise TypeError("protocol, seed and task ids must be text")
        except (ValueError, TypeError, KeyError) as error:
            raise ArchiveError(f"{shown_as} is not a draw record ({error})") from None
        return record

    @classmethod
    def read(cls, folder: Path) -> DrawRecord:
        return cls.from_json(read_text(folder / DRAW_RECORD, DRAW_RECORD), DRAW_RECORD)

    @property
    def task_ids(self) -> list[str]:
        return [task["id"] for task in self.tasks]
