"""The checks of ``make verify`` on the archived inputs: the registers and params against the archived freeze record
('freeze'), and the archived history against the visits the earlier archives on the chain hold ('history').
"""

from __future__ import annotations

from pathlib import Path

from . import freeze
from .errors import ZhanheError
from .evidence.files import history_text
from .evidence.manifest import read
from .hashing import sha256_file
from .kinds import history_before
from .layout import HISTORY, INPUTS, MANIFEST
from .params import load_params
from .paths import Project
from .verify_check import Check, compare, from_text


def frozen(folder: Path, quarter_name: str) -> Check:
    inputs_root = Project(folder / INPUTS)
    try:
        record = freeze.read_record(inputs_root.freeze_file(quarter_name), quarter_name)
        files = {name: entry["path"] for name, entry in record.registers.items()}
        hashes = {name: sha256_file(inputs_root.root / path) for name, path in files.items()}
        params = load_params(inputs_root.params_file(quarter_name))
        freeze.check(record, files, hashes, params.digest, sha256_file(folder / HISTORY))
    except ZhanheError as error:
        return Check("freeze", "FAIL", str(error).replace("\n", " "))
    frozen = "the params (seed apart) and the history" if record.history is not None else "the params (seed apart)"
    return Check("freeze", "PASS", f"the {len(files)} archived registers, {frozen} match the archived freeze "
                 f"record of {record.frozen_at}")


def history(outputs: Path, folder: Path, quarter_name: str) -> Check:
    """``inputs/history.csv`` is what the chain held before the draw: recomputed from the draw
    manifest's previous manifest back to the first (visits of earlier quarters only)."""
    archived = folder / HISTORY
    if not archived.is_file():
        return Check("history", "FAIL", f"{HISTORY} is missing")
    try:
        previous = read(folder / MANIFEST, MANIFEST).previous
        expected = history_text(history_before(outputs, previous, quarter_name))
    except ZhanheError as error:
        return Check("history", "FAIL", f"the earlier manifests cannot be read to recompute the history: {error}")
    problem = compare(folder, {HISTORY: from_text(expected)}, "the visits the chain held before the draw")
    if problem:
        return Check("history", "FAIL", problem)
    visits = len(expected.splitlines()) - 1
    return Check("history", "PASS", f"{HISTORY} ({visits} earlier visits) matches the archives before this draw on "
                 "the chain")
