"""Inspection results: the results record (``records/NNNN-results/``) that ``make results`` appends and
``make verify`` re-validates; the form and its checks are ``results_form``.

After the visits, staff fill one row per (visit, item) of the form that ``results-form``
writes (pre-filled with the visit, entity, item, department, batch and drawn inspectors; no
grade). ``results`` reads the filled form (``.xlsx``, or CSV in UTF-8, UTF-8 with BOM or GBK),
checks every row against the archive and the records before it, and appends a record:

    records/NNNN-results/
      results.json      as-of date, the source file's name and SHA-256, counts, the public files' SHA-256
      results.csv       the normalised rows, each with its deadline and the record it supersedes
      calendar/<year>.yaml   copies of the calendar files the deadlines were counted with, if any
      notebooks/05-results.ipynb, html/05-results.html   the page, run by papermill

A row for a (visit, item) that has a result already supersedes it and names the record it
supersedes; nothing is edited. That is also how follow-up progress is recorded. Rows with
nothing filled in are not results yet and are skipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .calendar import Calendar
from .errors import ArchiveError
from .evidence.files import RESULTS_CSV
from .evidence.records import DrawRecord, load_json, shown
from .findings import (
    Result,
)
from .inputs import Inputs
from .layout import CALENDAR, FORM, HTML, NOTEBOOKS, RESULTS_FILE, RESULTS_RECORD
from .quarter import QuarterState, RecordKind
from .results_form import KIND_NAME, cells_of, check, context_of, read_filled

PAGE = "05-results"  # the notebook run into each results record


# --- the record ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultsRecord:
    """``results.json``: the as-of date, the form it came from, and what the rows amount to."""

    quarter: str
    protocol: str
    as_of: str
    source: dict[str, str]  # name, sha256
    rows: int
    superseded: int
    open_findings: int  # after this record: problems whose follow-up is not closed
    overdue_publications: int  # after this record, by the as-of date
    calendar_files: list[str]
    public: dict[str, str]  # public/<quarter>/<file> -> SHA-256
    public_format: int = 1  # the public files' format (``publish.FORMATS``): 1 for records made before it was named

    def to_json(self) -> str:
        data = vars(self).copy()
        if self.public_format == 1:  # records of format 1 were written without the field: their bytes stay
            del data["public_format"]
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def read(cls, record: Path) -> ResultsRecord:
        shown_as = f"{shown(record)}/{RESULTS_RECORD}"
        data = load_json(record / RESULTS_RECORD, shown_as)
        try:
            found = cls(**data)
            date.fromisoformat(found.as_of)
        except (TypeError, ValueError) as error:
            raise ArchiveError(f"{shown_as} is not a results record ({error})") from None
        return found


def latest(state: QuarterState) -> list[Result]:
    """The latest result of every (visit, item), in visit and item order."""
    return latest_after(state, [])


def record_texts(inputs: Inputs, folder: Path, before: QuarterState, results: list[Result], as_of: date,
                 source: dict[str, str], calendar_files: list[str], public: dict[str, str],
                 public_format: int) -> dict[str, str]:
    """The texts of ``results.json`` and ``results.csv`` for ``results`` appended after ``before``."""
    final = latest_after(before, results)
    record = ResultsRecord(
        inputs.quarter, DrawRecord.read(folder).protocol, as_of.isoformat(), source, len(results),
        sum(bool(result.supersedes) for result in results), sum(result.open for result in final),
        sum(result.overdue(as_of) for result in final), calendar_files, public, public_format)
    return {RESULTS_RECORD: record.to_json(), RESULTS_FILE: RESULTS_CSV.text(results)}


def apply(state: QuarterState, record: Path) -> None:
    """The quarter after this results record: each row is now the latest result of its (visit, item)."""
    for result in RESULTS_CSV.read(record, RESULTS_FILE):
        state.results[result.key] = (shown(record), result)
    state.as_of = date.fromisoformat(ResultsRecord.read(record).as_of)


def recompute(inputs: Inputs, folder: Path, before: QuarterState, record: Path) -> dict[str, str]:
    """The record's ``results.json`` and ``results.csv``, re-validated: its rows checked again against the
    archive and the records before it (with the calendar files it holds), its supersessions and counts
    derived again. The public files' SHA-256 are checked by verify's 'public' check."""
    data = ResultsRecord.read(record)
    context = context_of(inputs, folder, before, date.fromisoformat(data.as_of), Calendar(record / CALENDAR))
    form = form_copy(record)
    if form is None:  # a record made before the form was kept: its normalised rows, checked again
        rows = RESULTS_CSV.read(record, RESULTS_FILE)
        results = check([(number, cells_of(result)) for number, result in enumerate(rows, start=2)], context,
                        f"{shown(record)}/{RESULTS_FILE}")
    else:  # the form as staff filled it, read and checked again as make results did
        shown_as = f"{shown(record)}/{FORM}/{form.name}"
        filled = read_filled(form, shown_as)
        if (form.name, filled.sha256) != (data.source["name"], data.source["sha256"]):
            raise ArchiveError(f"{shown_as} is not the form {RESULTS_RECORD} names ({data.source['name']}, SHA-256 "
                               f"{data.source['sha256']})")
        results = check(filled.table.rows, context, shown_as)
    return record_texts(inputs, folder, before, results, context.as_of, data.source, data.calendar_files, data.public,
                        data.public_format)


def form_copy(record: Path) -> Path | None:
    """The filled form a results record keeps (``form/<its name>``), or None for a record made before."""
    found = sorted(path for path in (record / FORM).iterdir() if path.is_file()) if (record / FORM).is_dir() else []
    if len(found) > 1:
        raise ArchiveError(f"{shown(record)}/{FORM}/ holds {len(found)} files; a results record keeps its one form")
    return found[0] if found else None


def calendar_files(calendar: Calendar, results: list[Result]) -> dict[str, str]:
    """The calendar files the deadlines were counted with (years the chinesecalendar package does not
    know), as the record keeps copies of them: ``calendar/<year>.yaml`` -> text."""
    # and the year after the last deadline: its notice may set days of the year before (``previous_year``)
    years = range(min(r.end.year for r in results), max(r.deadline.year for r in results) + 2) if results else []
    return {f"{CALENDAR}/{year}.yaml": (calendar.folder / f"{year}.yaml").read_text(encoding="utf-8")
            for year in years if calendar.folder and calendar.year_file(year) is not None}


def latest_after(state: QuarterState, results: list[Result]) -> list[Result]:
    """The latest result of every (visit, item) once ``results`` are recorded after ``state``."""
    after = {**state.results, **{result.key: ("", result) for result in results}}
    return [result for _, result in sorted(after.values(), key=lambda entry: entry[1].key)]


KIND = RecordKind(KIND_NAME, (RESULTS_RECORD, RESULTS_FILE, f"{NOTEBOOKS}/{PAGE}.ipynb", f"{HTML}/{PAGE}.html"),
                  apply, recompute, changes_visits=False, optional_folders=(CALENDAR, FORM))
