"""Appending a record to a quarter's archive (protocol v1, "Records"): a replacement, inspection results.

The archive must verify first; the record is computed from the archived inputs and the
quarter as its earlier records left it, built aside, and renamed into
``records/NNNN-<kind>/`` with its own SHA256SUMS and a manifest chained to the series'
latest. The draw's files, and every earlier record, never change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path

from . import disclosure, publish, replacement, results, results_form, verify
from .calendar import Calendar
from .errors import ArchiveError
from .evidence.archived import load_archived
from .evidence.manifest import chain_head, file_hashes, series, write_manifest
from .evidence.records import DrawRecord, next_name
from .evidence.store import building, exclusive, write_new
from .hashing import sha256_bytes
from .inputs import Inputs
from .kinds import apply_records
from .layout import FORM, RECORDS
from .paths import PUBLIC, Project
from .quarter import QuarterState, RecordKind

# What a kind's command computes: the texts of the record's files, from the archived inputs,
# the archive folder and the quarter as its records left it.
Compute = Callable[[Inputs, Path, QuarterState], Mapping[str, str | bytes]]  # record path -> its text or bytes
# What runs in the record being built once its files are written (a page): (record, archive).
Pages = Callable[[Path, Path], None]


def append_record(project: Project, quarter: str, kind: RecordKind, compute: Compute,
                  progress: Callable[[str], None] = lambda line: None, pages: Pages | None = None) -> Path:
    """Append a record of ``kind`` to ``quarter``'s archive; return its folder."""
    folder = project.archive(quarter)
    shown = project.relative(folder)
    if not folder.is_dir():
        raise ArchiveError(f"{shown} does not exist: {quarter} has not been drawn, so no record can be appended. "
                           f"Draw it first with 'make draw QUARTER={quarter}'.")
    with exclusive(project.outputs, progress):
        failed = [check for check in verify.before_append(project, quarter) if check.status == "FAIL"]
        if failed:
            lines = "; ".join(f"{check.name}: {check.detail}" for check in failed)
            raise ArchiveError(f"{shown} does not verify ({lines}); nothing is appended to an archive that fails. "
                               f"Run 'make verify QUARTER={quarter}' and restore it from git first.")
        texts = compute(load_archived(folder, quarter), folder, apply_records(folder))
        name = next_name(folder, kind.name)
        record = folder / RECORDS / name
        with building(record, depth=1) as built:
            for file, text in texts.items():
                write_new(built / file, text)
            if pages is not None:
                pages(built, folder)
            scratch = built.parents[1]
            write_manifest(scratch, built, kind=kind.name, quarter=quarter, protocol=DrawRecord.read(folder).protocol,
                           previous=chain_head(project.outputs, series(quarter)), root=project.root,
                           files=file_hashes(scratch))
    return record


def replace(project: Project, quarter: str, uscc: str, reason: str,
            progress: Callable[[str], None] = lambda line: None) -> Path:
    """``make replace``: append a replacement of the drawn entity ``uscc``, out of scope for ``reason``."""
    return append_record(project, quarter, replacement.KIND,
                         lambda inputs, folder, state: replacement.compute(inputs, folder, state, uscc, reason),
                         progress)


def record_results(project: Project, quarter: str, form: Path, as_of: date,
                   progress: Callable[[str], None] = lambda line: None, pages: Pages | None = None) -> Path:
    """``make results``: append the results of a filled form, as of ``as_of``; then write ``public/<quarter>/``
    (a derived tree, rewritten each time): the very files whose SHA-256 the record lists. Warns, through
    ``progress``, of each published item that would disclose grades (``disclosure``)."""
    shown_as = project.relative(form)
    published: dict[str, bytes] = {}

    def compute(inputs: Inputs, folder: Path, state: QuarterState) -> dict[str, str | bytes]:
        filled = results_form.read_filled(form, shown_as)
        calendar = Calendar(project.calendar())
        context = results_form.context_of(inputs, folder, state, as_of, calendar)
        found = results_form.check(filled.table.rows, context, shown_as)
        copies = results.calendar_files(calendar, found)
        latest = results.latest_after(state, found)
        head = chain_head(project.outputs, series(quarter))  # the record's previous manifest: the head it is made from
        published.update(publish.public_files(inputs, state.visits, latest, publish.FORMAT,
                                              head.sha256 if head else ""))
        for disclosed in disclosure.in_publication(inputs, latest):
            progress(f"警告 Warning: {disclosed.chinese}；公示将透露等级 (方案四(二))。"
                     f"The publication: {disclosed.english}. "
                     f"{disclosure.REMEDY}")
        public = {f"{PUBLIC}/{quarter}/{name}": sha256_bytes(data) for name, data in published.items()}
        texts = results.record_texts(inputs, folder, state, found, as_of,
                                     {"name": filled.name, "sha256": filled.sha256},
                                     sorted(copies), public, publish.FORMAT)
        return {**texts, **copies, f"{FORM}/{filled.name}": form.read_bytes()}  # the form itself, beside its hash

    record = append_record(project, quarter, results.KIND, compute, progress, pages)
    publish.write_public(project.public(quarter), published)
    return record
