"""Replacements: when a selected entity proves out of scope (protocol v1, "Selection").

At inspection time a drawn entity may turn out to be deregistered, not in the business
the item covers, or unreachable. Its replacement, in each task that drew it, is the
lowest-ranked reserve of the same (task, grade) stratum not yet used. Nothing is ever
re-drawn, and the draw's files never change: each replacement is appended to the
quarter's archive as a record of its own,

    outputs/<quarter>/records/NNNN-replacement/
      replacement.json        what was replaced, why, and by whom (no clock time)
      visits.csv              the new visit(s), same columns as draw/visits.csv
      SHA256SUMS, manifest.json, manifest.json.sha256
                              the record's manifest, chained to the series' latest

so the quarter's visits now are ``draw/visits.csv`` with each record applied in order
(its replaced visit removed, its visits added): ``KIND.apply``, which ``kinds.apply_records``
and ``kinds.history_before`` use.

The project's rules, all deterministic, so ``make verify`` recomputes every record from
the archived inputs and the records before it:

- A reserve is passed over when it was already taken by an earlier record in that
  stratum, when it has a visit this quarter already (drawn by another task, or a
  replacement: one visit per entity), or when it was itself replaced this quarter (found
  out of scope). The passed-over ranks are listed in ``replacement.json``.
- The replacement inherits the batch the replaced entity had in that task.
- Its items are those of the task it is eligible for, as the draw computed them; one
  entity taken by two tasks of the replaced visit gets one visit.
- Visit numbers continue after the largest the quarter ever used (replaced ones
  included, so a visit id is never reused).
- Its inspectors are drawn as in the draw (same tickets, conflict rules, the draw's
  soft workload caps from ``draw/inspector_load.csv``, cap exceptions listed in
  ``replacement.json`` when there are any), counting the loads of the current
  visits without the replaced one. A department that had no visit in the draw (so no
  cap there) gets the cap the same rule gives for the new visits.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from . import history, inspectors, matching
from .errors import ArchiveError, InspectorShortfall, ReplacementRefused
from .evidence.files import INSPECTOR_LOAD_CSV, VISITS_CSV
from .evidence.records import DrawRecord, load_json, shown
from .inputs import Inputs
from .inspectors import Assignment, CapException
from .layout import REPLACEMENT_RECORD, VISITS_FILE
from .quarter import QuarterState, RecordKind, visit_number
from .tickets import read_tickets


class Skipped(TypedDict):
    rank: int
    uscc: str
    why: str


class TaskReplacement(TypedDict):
    task_id: str
    grade: str
    replaced_rank: int
    replacement_uscc: str
    replacement_rank: int
    batch: int | None
    skipped: list[Skipped]


@dataclass(frozen=True)
class ReplacementRecord:
    """``replacement.json``: what was replaced, why, by which reserves (no clock time)."""

    quarter: str
    protocol: str
    replaced_uscc: str
    replaced_visit: str
    reason: str
    tasks: list[TaskReplacement]
    new_visits: list[str]
    cap_exceptions: list[CapException] = field(default_factory=list)

    def to_json(self) -> str:
        data: dict[str, object] = {key: value for key, value in vars(self).items() if key != "cap_exceptions"}
        if self.cap_exceptions:  # only then, so that records made before the cap was soft keep their bytes
            data["cap_exceptions"] = [vars(exception) for exception in self.cap_exceptions]
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, data: dict, shown_as: str) -> ReplacementRecord:
        try:
            record = cls(**{key: value for key, value in data.items() if key != "cap_exceptions"},
                         cap_exceptions=[CapException(**entry) for entry in data.get("cap_exceptions", [])])
            if not all(isinstance(task["replacement_uscc"], str) and isinstance(task["task_id"], str)
                       for task in record.tasks) or not isinstance(record.replaced_visit, str):
                raise TypeError("task ids, codes and visit ids must be text")
        except (TypeError, KeyError) as error:
            raise ArchiveError(f"{shown_as} is not a replacement record ({error})") from None
        return record

    @classmethod
    def read(cls, record: Path) -> ReplacementRecord:
        shown_as = f"{shown(record)}/{REPLACEMENT_RECORD}"
        return cls.from_json(load_json(record / REPLACEMENT_RECORD, shown_as), shown_as)


def apply(state: QuarterState, record: Path) -> None:
    """The quarter after this replacement: its replaced visit removed, its new visits added."""
    data = ReplacementRecord.read(record)
    added = VISITS_CSV.read(record, VISITS_FILE)
    state.visits = [v for v in state.visits if v.visit_id != data.replaced_visit] + added
    state.largest = max([state.largest, *(visit_number(v.visit_id) for v in added)])
    state.replaced[data.replaced_uscc] = shown(record)
    for task in data.tasks:
        state.used.add((task["task_id"], task["replacement_uscc"]))
        state.batches[task["task_id"], task["replacement_uscc"]] = task["batch"]


def compute(inputs: Inputs, folder: Path, now: QuarterState, uscc: str, reason: str) -> dict[str, str]:
    """The record replacing ``uscc`` in the archive ``folder`` whose state is ``now``: the texts of
    ``replacement.json`` and ``visits.csv``.

    Deterministic: computed from the archive's inputs, its draw files and the records before
    it. Raises ``ReplacementRefused``.
    """
    q = inputs.quarter
    reason = reason.strip()
    if not reason:
        raise ReplacementRefused("a replacement needs its reason (e.g. --reason '已注销 deregistered on 2026-02-03'): "
                                 "why the entity is out of scope is part of the evidence")
    holding = [visit for visit in now.visits if visit.uscc == uscc]
    inspected = [record for (visit, _), (record, _) in now.results.items() if holding and visit == holding[0].visit_id]
    if inspected:
        raise ReplacementRefused(f"{uscc} was inspected already ({inspected[0]} holds its result): an entity found out "
                                 "of scope is replaced before its inspection, never after its result is recorded")
    if not holding:
        if uscc in now.replaced:
            raise ReplacementRefused(f"{uscc} was replaced already in {q} ({now.replaced[uscc]}); "
                                     "only an entity with a current visit can be replaced")
        known = inputs.registers.entities.get(uscc) is not None
        where = "" if known else f" (it is not in the archived entities register of {q} either)"
        raise ReplacementRefused(f"{uscc} is not selected in {q}{where}; only a drawn entity can be replaced")
    replaced = holding[0]
    tickets = read_tickets(folder)  # as columns: a province's draw has millions
    tasks = {task.task_id: task for task in inputs.params.tasks}
    year = history.year_of(q)
    visiting = {visit.uscc: visit.visit_id for visit in now.visits if visit is not replaced}
    entries: list[TaskReplacement] = []
    drawn = []
    for task_id in replaced.tasks:
        own = tickets.ticket(task_id, uscc)
        if own is None or task_id not in tasks:
            raise ArchiveError(f"visit {replaced.visit_id} names task {task_id} for {uscc}, but the draw has no such "
                               "ticket: the archive is inconsistent; run 'make verify'")
        skipped: list[Skipped] = []
        chosen = None
        for row in tickets.reserves(task_id, own.grade):
            if (task_id, row.uscc) in now.used or row.uscc == uscc:
                continue  # taken by an earlier record (which says so), or the entity being replaced
            if row.uscc in visiting:
                skipped.append({"rank": row.rank, "uscc": row.uscc,
                                "why": f"has a visit this quarter already ({visiting[row.uscc]})"})
            elif row.uscc in now.replaced:
                skipped.append({"rank": row.rank, "uscc": row.uscc,
                                "why": f"was found out of scope this quarter ({now.replaced[row.uscc]})"})
            else:
                chosen = row
                break
        if chosen is None:
            raise ReplacementRefused(f"no reserve left in stratum task {task_id}, grade {own.grade}: every reserve is "
                                     f"used, visited already or out of scope, so {uscc} cannot be replaced there; "
                                     "nothing was written")
        batch = now.batches.get((task_id, uscc))
        rules = matching.Rules.of(tasks[task_id], inputs.registers, inputs.params, inputs.history, year)
        entity = inputs.registers.entities.get(chosen.uscc)
        items = None if entity is None else rules.items_of(entity)
        if items is None:
            raise ArchiveError(f"reserve {chosen.uscc} of task {task_id} is not eligible when recomputed from the "
                               "archived inputs: the archive is inconsistent; run 'make verify'")
        drawn.append((task_id, chosen.uscc, chosen.ticket, batch, items))
        entries.append({"task_id": task_id, "grade": own.grade, "replaced_rank": own.rank,
                        "replacement_uscc": chosen.uscc, "replacement_rank": chosen.rank, "batch": batch,
                        "skipped": skipped})
    visits = inspectors.plan_visits(q, drawn, inputs.registers, first_number=now.largest + 1)
    caps = inspectors.caps_of(INSPECTOR_LOAD_CSV.read(folder))  # as the draw computed them
    missing = [visit for visit in visits if any(d not in caps for d in visit.departments)]
    caps |= {d: cap for d, cap in inspectors.workload_caps(missing, inputs.registers, inputs.params.inspection).items()
             if d not in caps}
    loads = Counter(cert_no for visit in now.visits if visit is not replaced for cert_no in visit.inspectors)
    assignment = Assignment(caps=caps, loads=loads)
    try:
        visits = inspectors.assign(inputs.seed, visits, inputs.registers, inputs.params.inspection,
                                   inputs.history, assignment)
    except InspectorShortfall as error:  # only for archives frozen before feasibility was proved at the freeze
        raise ReplacementRefused(f"the replacement's inspectors cannot be drawn: {error} (A replacement draws under "
                                 f"the archived registers and params of {q}, which cannot change.) "
                                 "Nothing was written.") from None
    record = ReplacementRecord(q, DrawRecord.read(folder).protocol, uscc, replaced.visit_id, reason, entries,
                               [visit.visit_id for visit in visits], assignment.exceptions)
    return {REPLACEMENT_RECORD: record.to_json(), VISITS_FILE: VISITS_CSV.text(visits)}


def recompute(inputs: Inputs, folder: Path, before: QuarterState, record: Path) -> dict[str, str]:
    """The files of the replacement record in ``record``, recomputed from what it says it replaced and why."""
    data = ReplacementRecord.read(record)
    return compute(inputs, folder, before, data.replaced_uscc, data.reason)


KIND = RecordKind("replacement", (REPLACEMENT_RECORD, VISITS_FILE), apply, recompute, changes_visits=True)
