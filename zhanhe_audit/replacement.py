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
(its replaced visit removed, its visits added); ``history.from_chain`` reads them so.

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

import contextlib
import json
import os
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import archive, history, inspectors, matching, quarter
from .draw import TicketRow
from .errors import DrawRefused
from .inspectors import Assignment, Visit
from .paths import Project

RECORDS = "records"
KIND = "replacement"
RECORD_FILE = "replacement.json"
VISITS_FILE = "visits.csv"
RECORD_NAME = re.compile(r"(?P<number>\d{4,})-(?P<kind>[a-z]+)\Z")


# --- reading the quarter as it is now ------------------------------------------------------------


def record_folders(folder: Path) -> list[Path]:
    """The records appended to an archive, in order (``records/NNNN-<kind>/``; temporary folders apart)."""
    base = folder / RECORDS
    if not base.is_dir():
        return []
    found = [(int(match["number"]), path) for path in base.iterdir()
             if path.is_dir() and (match := RECORD_NAME.match(path.name))]
    return [path for _, path in sorted(found)]


def read_visits(path: Path) -> list[Visit]:
    """The visits of a ``visits.csv`` (draw or record); the ticket column is not archived there."""
    return quarter.parse_visits(quarter.csv_rows(path))


def read_record(record: Path) -> dict:
    return json.loads((record / RECORD_FILE).read_text(encoding="utf-8"))


def visit_number(visit_id: str) -> int:
    return int(visit_id.rpartition("-V")[2])


@dataclass
class State:
    """A quarter after its draw and some of its records."""

    visits: list[Visit]  # the current visits, in order
    largest: int  # the largest visit number ever used in the quarter
    used: set[tuple[str, str]] = field(default_factory=set)  # (task, uscc) taken as a replacement
    replaced: dict[str, str] = field(default_factory=dict)  # uscc found out of scope -> its record folder
    batches: dict[tuple[str, str], int | None] = field(default_factory=dict)  # (task, uscc) -> batch


def state(folder: Path, tickets: list[TicketRow], records: list[Path] | None = None) -> State:
    """The quarter after its draw and ``records`` (default: every record appended so far)."""
    drawn = folder / quarter.DRAW_FOLDER / VISITS_FILE
    if not drawn.is_file():
        raise DrawRefused(f"{folder.name} has no {quarter.DRAW_FOLDER}/{VISITS_FILE}: it was drawn before visits and "
                          "inspectors were part of the draw, so it has no visit to replace")
    visits = read_visits(drawn)
    now = State(visits, max((visit_number(v.visit_id) for v in visits), default=0))
    now.batches = {(row.task_id, row.uscc): row.batch for row in tickets if row.selected}
    for record in record_folders(folder) if records is None else records:
        data = read_record(record)
        added = read_visits(record / VISITS_FILE)
        now.visits = [v for v in now.visits if v.visit_id != data["replaced_visit"]] + added
        now.largest = max([now.largest, *(visit_number(v.visit_id) for v in added)])
        now.replaced[data["replaced_uscc"]] = f"{RECORDS}/{record.name}"
        for task in data["tasks"]:
            now.used.add((task["task_id"], task["replacement_uscc"]))
            now.batches[task["task_id"], task["replacement_uscc"]] = task["batch"]
    return now


def current_visits(folder: Path) -> list[Visit]:
    """The quarter's visits now: ``draw/visits.csv``, then each appended record in order."""
    return state(folder, quarter.read_tickets(folder)).visits


# --- computing a replacement ---------------------------------------------------------------------


def replace(inputs: quarter.Inputs, folder: Path, uscc: str, reason: str,
            records: list[Path] | None = None) -> tuple[str, str]:
    """The record replacing ``uscc`` in the archive ``folder``: (``replacement.json``, ``visits.csv``) texts.

    Deterministic: computed from the archive's inputs, its draw files and the records before
    it (``records``; default: every record appended so far). Raises ``DrawRefused``.
    """
    q = inputs.quarter
    reason = reason.strip()
    if not reason:
        raise DrawRefused("a replacement needs its reason (e.g. --reason '已注销 deregistered on 2026-02-03'): "
                          "why the entity is out of scope is part of the evidence")
    tickets = quarter.read_tickets(folder)
    now = state(folder, tickets, records)
    holding = [visit for visit in now.visits if visit.uscc == uscc]
    if not holding:
        if uscc in now.replaced:
            raise DrawRefused(f"{uscc} was replaced already in {q} ({now.replaced[uscc]}); "
                              "only an entity with a current visit can be replaced")
        known = any(entity.uscc == uscc for entity in inputs.registers.entities)
        where = "" if known else f" (it is not in the archived entities register of {q} either)"
        raise DrawRefused(f"{uscc} is not selected in {q}{where}; only a drawn entity can be replaced")
    replaced = holding[0]
    tasks = {task.task_id: task for task in inputs.params.tasks}
    rows = {(row.task_id, row.uscc): row for row in tickets}
    year = history.year_of(q)
    visiting = {visit.uscc: visit.visit_id for visit in now.visits if visit is not replaced}
    entries, drawn = [], []
    for task_id in replaced.tasks:
        own = rows.get((task_id, uscc))
        if own is None or task_id not in tasks:
            raise DrawRefused(f"visit {replaced.visit_id} names task {task_id} for {uscc}, but draw/tickets.csv "
                              "has no such ticket: the archive is inconsistent; run 'make verify'")
        skipped, chosen = [], None
        for row in sorted((r for r in tickets if r.task_id == task_id and r.grade == own.grade and not r.selected),
                          key=lambda r: r.rank):
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
            raise DrawRefused(f"no reserve left in stratum task {task_id}, grade {own.grade}: every reserve is used, "
                              f"visited already or out of scope, so {uscc} cannot be replaced there; nothing was written")
        batch = now.batches.get((task_id, uscc))
        items = matching.eligible(tasks[task_id], inputs.registers, inputs.params, inputs.history, year).items_for
        if chosen.uscc not in items:
            raise DrawRefused(f"reserve {chosen.uscc} of task {task_id} is not eligible when recomputed from the "
                              "archived inputs: the archive is inconsistent; run 'make verify'")
        drawn.append((task_id, chosen.uscc, chosen.ticket, batch, items[chosen.uscc]))
        entries.append({"task_id": task_id, "grade": own.grade, "replaced_rank": own.rank,
                        "replacement_uscc": chosen.uscc, "replacement_rank": chosen.rank, "batch": batch,
                        "skipped": skipped})
    visits = inspectors.plan_visits(q, drawn, inputs.registers, first_number=now.largest + 1)
    caps = quarter.caps_of(quarter.read_rows(folder, "inspector_load.csv"))  # as the draw computed them
    missing = [visit for visit in visits if any(d not in caps for d in visit.departments)]
    caps |= {d: cap for d, cap in inspectors.workload_caps(missing, inputs.registers, inputs.params.inspection).items()
             if d not in caps}
    loads = Counter(cert_no for visit in now.visits if visit is not replaced for cert_no in visit.inspectors)
    assignment = Assignment(caps=caps, loads=loads)
    try:
        visits = inspectors.assign(inputs.params.seed.value, visits, inputs.registers, inputs.params.inspection,
                                   inputs.history, assignment)
    except DrawRefused as error:  # only for archives frozen before feasibility was proved at the freeze
        raise DrawRefused(f"the replacement's inspectors cannot be drawn: {error} (A replacement draws under the "
                          f"archived registers and params of {q}, which cannot change.) Nothing was written.") from None
    record = {
        "quarter": q,
        "protocol": json.loads((folder / quarter.DRAW_FOLDER / "draw.json").read_text(encoding="utf-8"))["protocol"],
        "replaced_uscc": uscc,
        "replaced_visit": replaced.visit_id,
        "reason": reason,
        "tasks": entries,
        "new_visits": [visit.visit_id for visit in visits],
    }
    if assignment.exceptions:  # only then, so that records made before the cap was soft keep their bytes
        record["cap_exceptions"] = [vars(exception) for exception in assignment.exceptions]
    return json.dumps(record, ensure_ascii=False, indent=2) + "\n", quarter.visits_csv(visits)


# --- appending the record ------------------------------------------------------------------------


@contextlib.contextmanager
def building_record(folder: Path, name: str) -> Iterator[tuple[Path, Path]]:
    """Yield ``(scratch, record)``: build the record in ``record`` = ``scratch/records/<name>``, renamed at the end
    to ``folder/records/<name>`` in one step.

    Like ``archive.building``, but one level deeper: inside the scratch folder the record
    has the same path as it will have in the archive, so ``archive.write_manifest(scratch,
    record, ...)`` writes SHA256SUMS with the record's own file names, and no half-built
    manifest is ever at ``records/*/manifest.json``, where the chain looks for manifests.
    """
    final = folder / RECORDS / name
    if final.exists():
        raise DrawRefused(f"{final} exists already; a record is never overwritten")
    final.parent.mkdir(parents=True, exist_ok=True)
    scratch = final.with_name(f".{name}{archive.PARTIAL}{os.getpid()}")
    record = scratch / RECORDS / name
    record.mkdir(parents=True)
    try:
        yield scratch, record
        if final.exists():
            raise DrawRefused(f"{final} appeared while this run was building it; nothing was changed")
        try:
            os.rename(record, final)
        except OSError as error:
            raise DrawRefused(f"{final} could not be put in place ({error}); nothing was changed") from None
    finally:
        if scratch.exists():
            shutil.rmtree(scratch)


def next_name(folder: Path) -> str:
    numbers = [int(RECORD_NAME.match(path.name)["number"]) for path in record_folders(folder)]
    return f"{max(numbers, default=0) + 1:04d}-{KIND}"


def append(project: Project, q: str, uscc: str, reason: str, progress: Callable[[str], None] = lambda line: None) -> Path:
    """Replace ``uscc`` in quarter ``q``: append ``records/NNNN-replacement/`` to its archive; return that folder."""
    from . import verify

    folder = project.archive(q)
    shown = project.relative(folder)
    if not folder.is_dir():
        raise DrawRefused(f"{shown} does not exist: {q} has not been drawn, so nothing can be replaced. "
                          f"Draw it first with 'make draw QUARTER={q}'.")
    with archive.exclusive(project.outputs, progress):
        failed = [check for check in verify.before_append(project, q) if check.status == "FAIL"]
        if failed:
            lines = "; ".join(f"{check.name}: {check.detail}" for check in failed)
            raise DrawRefused(f"{shown} does not verify ({lines}); nothing is appended to an archive that fails. "
                              f"Run 'make verify QUARTER={q}' and restore it from git first.")
        inputs = quarter.load_inputs(Project(folder / quarter.INPUTS_FOLDER), q)
        record_text, visits_text = replace(inputs, folder, uscc, reason)
        protocol = json.loads(record_text)["protocol"]
        name = next_name(folder)
        with building_record(folder, name) as (scratch, record):
            archive.write_new(record / RECORD_FILE, record_text)
            archive.write_new(record / VISITS_FILE, visits_text)
            previous = archive.chain_head(project.outputs, archive.series(q))
            archive.write_manifest(scratch, record, kind=KIND, quarter=q, protocol=protocol, previous=previous,
                                   root=project.root, files=archive.file_hashes(scratch))
    return folder / RECORDS / name
