"""What 05-results shows: a results record, the quarter's latest results after it, and the year so far
(``open_results``), counted from the chain as it stood when the record was made.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from . import results, results_form
from .calendar import Calendar
from .evidence.archived import load_archived
from .evidence.files import RESULTS_CSV
from .evidence.manifest import Link, chain_head, read, series
from .evidence.records import record_folders
from .evidence.store import write_new
from .findings import Result, grade_counts, task_of
from .history import year_of
from .inputs import Inputs
from .kinds import apply_records, states_before
from .layout import MANIFEST, RECORDS, RESULTS_FILE
from .paths import Project
from .quarter import QuarterState
from .steps import find_root, preview_draw, where


@dataclass(frozen=True)
class ResultsRun:
    """What 05-results shows: a results record, the quarter's latest results after it, and the year so far."""

    quarter: str
    inputs: Inputs
    record: results.ResultsRecord
    record_name: str  # records/NNNN-results
    recorded: list[Result]  # the record's own rows
    latest: list[Result]  # every (visit, item)'s latest result after the record
    record_of: dict[tuple[str, str], str]  # (visit, item) -> the record holding its latest result
    task_of: dict[tuple[str, str], str]
    grades: dict[str, tuple[int, int]]  # grade -> (visits that found a problem, visits), this quarter
    year: dict[str, tuple[int, int]]  # the same for the calendar year so far (earlier quarters on the chain too)
    preview: Path | None  # the throw-away folder of a preview


def open_results(quarter: str, archive: str = "", record: str = "", form: str = "", as_of: str = "") -> ResultsRun:
    """For 05-results: the record being built in ``record`` of the archive ``archive``. Without them it
    previews: the engine draws into a temporary folder, and ``form`` is checked as of ``as_of`` there."""
    if archive:
        folder, built, preview = where(archive), where(record), None
    else:
        project = Project(find_root())
        inputs, preview = preview_draw(project, quarter)
        folder, built = preview, preview / RECORDS / f"0001-{results.KIND.name}"
        state = apply_records(folder)
        day = date.fromisoformat(as_of)
        context = results_form.context_of(inputs, folder, state, day, Calendar(project.calendar()))
        found = results_form.check(results_form.read_filled(project.root / form, form).table.rows, context, form)
        for name, text in results.record_texts(inputs, folder, state, found, day, {"name": form, "sha256": ""}, [],
                                               {}, 1).items():
            write_new(built / name, text)
    inputs = load_archived(folder, quarter)
    state = apply_records(folder, [path for path in record_folders(folder) if path != built])
    results.apply(state, built)
    latest = results.latest(state)
    task_items = {task.task_id: task.items for task in inputs.params.tasks}
    visit_tasks = {visit.visit_id: visit.tasks for visit in state.visits}
    grades = {uscc: e.grade for uscc, e in inputs.registers.entities.lookup(r.uscc for r in latest).items()}
    this = grade_counts(latest, grades)
    year = dict(this)
    for name, other in (year_before(folder.parent, quarter, chained_before(built, folder.parent, quarter))
                        if archive else {}).items():
        other_latest = results.latest(other)
        other_grades = {uscc: e.grade for uscc, e in load_archived(folder.parent / name, name).registers.entities
                        .lookup(r.uscc for r in other_latest).items()}
        for grade, (found_, total) in grade_counts(other_latest, other_grades).items():
            year[grade] = (year[grade][0] + found_, year[grade][1] + total)
    return ResultsRun(quarter, inputs, results.ResultsRecord.read(built), f"{RECORDS}/{built.name}",
                      RESULTS_CSV.read(built, RESULTS_FILE), latest,
                      {key: name or f"{RECORDS}/{built.name}" for key, (name, _) in state.results.items()},
                      {r.key: task_of(visit_tasks[r.visit], r.item, task_items) for r in latest}, this, year, preview)


def chained_before(record: Path, outputs: Path, quarter: str) -> Link | None:
    """The head of the chain a record is made after: the latest manifest of its series while it is being built,
    and, once built, the manifest its own manifest names as previous (``make verify`` renders its page again)."""
    if (record / MANIFEST).is_file():
        return read(record / MANIFEST, MANIFEST).previous
    return chain_head(outputs, series(quarter))


def year_before(outputs: Path, quarter: str, head: Link | None) -> dict[str, QuarterState]:
    """The quarters of the same series and calendar year as ``quarter``, drawn before it, as the chain up to
    ``head`` left them (their results recorded later are not this record's)."""
    return {name: state for name, state in states_before(outputs, head, quarter, every=True).items()
            if year_of(name) == year_of(quarter)}


def remove_results_preview(run: ResultsRun) -> None:
    if run.preview is not None:
        shutil.rmtree(run.preview, ignore_errors=True)
