"""The kinds of record a quarter's archive can be appended, in one place, and what follows from them.

Adding a kind ("results", "follow-up") is one entry in ``KINDS`` plus its own module, which
gives a ``RecordKind``: its files, how it changes the quarter (``apply``) and how
``make verify`` recomputes it (``recompute``).
"""

from __future__ import annotations

from pathlib import Path

from . import replacement, results
from .errors import ArchiveError
from .evidence.manifest import Link, walk_chain
from .evidence.records import kind_of, record_folders, shown
from .history import History, PastVisit, order_of
from .quarter import QuarterState, RecordKind, draw_state

KINDS: dict[str, RecordKind] = {kind.name: kind for kind in (replacement.KIND, results.KIND)}


def kind(record: Path) -> RecordKind:
    name = kind_of(record)
    if name not in KINDS:
        raise ArchiveError(f"{shown(record)}: records of kind '{name}' are unknown to this version of zhanhe-audit")
    return KINDS[name]


def apply_records(folder: Path, records: list[Path] | None = None) -> QuarterState:
    """The quarter in the archive ``folder`` after its draw and ``records`` (default: every record so far)."""
    state = draw_state(folder)
    for record in record_folders(folder) if records is None else records:
        kind(record).apply(state, record)
    return state


def states_before(outputs: Path, head: Link | None, quarter: str, every: bool = False) -> dict[str, QuarterState]:
    """Each quarter earlier than ``quarter`` on the chain from ``head`` back to the first manifest, as the records
    chained before ``head`` left it (those that change visits; with ``every``, results records too)."""
    states: dict[str, QuarterState] = {}
    if head is None:
        return states
    for step in reversed(walk_chain(outputs, head.path, checked=False)):
        folder = (outputs / step.path).parent
        if order_of(step.manifest.quarter) >= order_of(quarter):
            continue
        if step.manifest.kind == "draw":
            states[step.manifest.quarter] = draw_state(folder)
        elif every or kind(folder).changes_visits:
            if step.manifest.quarter not in states:
                raise ArchiveError(f"{step.path} comes before the draw of {step.manifest.quarter} on the chain: "
                                   "a record cannot precede its quarter's draw")
            kind(folder).apply(states[step.manifest.quarter], folder)
    return states


def history_before(outputs: Path, head: Link | None, quarter: str) -> History:
    """Every visit of a quarter earlier than ``quarter`` on the chain from ``head`` back to the first
    manifest, oldest first: each draw's visits with the records that change visits applied."""
    states = states_before(outputs, head, quarter)
    # A record appended to a quarter after a later quarter was drawn comes later in the chain
    # than that quarter's visits; in time it belongs to its own quarter (sorted by quarter).
    return History(tuple(PastVisit(name, v.visit_id, v.uscc, v.items, v.inspectors)
                         for name in sorted(states, key=order_of) for v in states[name].visits))
