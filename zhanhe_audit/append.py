"""Appending a record to a quarter's archive (protocol v1, "Records"): a replacement, inspection results.

The archive must verify first; the record is computed from the archived inputs and the
quarter as its earlier records left it, built aside, and renamed into
``records/NNNN-<kind>/`` with its own SHA256SUMS and a manifest chained to the series'
latest. The draw's files, and every earlier record, never change.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from . import replacement, verify
from .errors import ArchiveError
from .evidence import RECORDS
from .evidence.manifest import chain_head, file_hashes, series, write_manifest
from .evidence.records import DrawRecord, QuarterState, RecordKind, next_name
from .evidence.store import building, exclusive, write_new
from .inputs import Inputs, load_archived
from .kinds import apply_records
from .paths import Project

# What a kind's command computes: the texts of the record's files, from the archived inputs,
# the archive folder and the quarter as its records left it.
Compute = Callable[[Inputs, Path, QuarterState], dict[str, str]]


def append_record(project: Project, quarter: str, kind: RecordKind, compute: Compute,
                  progress: Callable[[str], None] = lambda line: None) -> Path:
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
            scratch = built.parents[1]
            write_manifest(scratch, built, kind=kind.name, quarter=quarter, protocol=DrawRecord.read(folder).protocol,
                           previous=chain_head(project.outputs, series(quarter)), root=project.root,
                           files=file_hashes(scratch))
    return record


def replace(project: Project, quarter: str, uscc: str, reason: str,
            progress: Callable[[str], None] = lambda line: None) -> Path:
    """``make replace``: append a replacement of the drawn entity ``uscc``, out of scope for ``reason``."""
    return append_record(project, quarter, replacement.KIND,
                         lambda inputs, folder, state: replacement.compute(inputs, folder, state, uscc, reason), progress)
