"""The notebooks' side of the workbook: what each notebook is declared to read and write (``STEPS``), and what
it works with (``open_step``: its quarter's inputs and the folder it reads and writes, held to the declaration).

``STEPS`` declares each notebook as ploomber declares a task: its parameters, the archive files it reads and
those it writes. Run by hand or by nbval (no ``archive`` parameter), a notebook works on a throw-away preview
folder the engine draws into, and nothing is archived.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from . import engine
from .errors import ArchiveError
from .evidence.archived import load_archived
from .evidence.files import CsvFile
from .evidence.store import write_new
from .gitorder import Order
from .handoff import KEPT, archived_inputs
from .inputs import Inputs
from .layout import (
    BALANCE,
    CAP_EXCEPTIONS,
    DRAW_RECORD,
    EXCLUDED,
    GIT_ORDER,
    HISTORY,
    INCLUSION,
    INPUTS,
    INSPECTOR_LOAD,
    MATCH,
    POPULATIONS,
    RESULTS_FILE,
    RESULTS_RECORD,
    SUMMARY,
    TICKETS,
    TIMELINE,
    VISITS,
)
from .paths import PARAMS, Project
from .tickets import Ranked, read_tickets

REPORT = "report"
T = TypeVar("T")


@dataclass(frozen=True)
class Step:
    """One notebook of the workbook, declared as ploomber declares a task: its parameters, the archive
    files it reads (upstream) and those it writes (product). ``draw/`` is the engine's product: it is
    written once, before any notebook runs."""

    notebook: str
    parameters: tuple[str, ...]
    reads: tuple[str, ...]
    writes: tuple[str, ...] = ()
    lane: int = 0  # the kernel it runs in: steps of different lanes run side by side (``waves``)


ARCHIVE_STEP = ("quarter", "archive")
STEPS: tuple[Step, ...] = (
    Step("01-draw", ARCHIVE_STEP, (INPUTS, DRAW_RECORD, SUMMARY, TICKETS)),
    Step("02-match", ARCHIVE_STEP, (INPUTS, HISTORY, POPULATIONS, EXCLUDED, MATCH, VISITS)),
    Step("03-inspectors", ARCHIVE_STEP, (INPUTS, HISTORY, VISITS, INSPECTOR_LOAD, CAP_EXCEPTIONS)),
    Step("04-compliance", (*ARCHIVE_STEP, "monte_carlo_seeds"), (INPUTS, HISTORY, SUMMARY, TICKETS, VISITS, GIT_ORDER),
         (BALANCE, INCLUSION, TIMELINE), lane=1),  # the Monte Carlo, beside 01 to 03
    Step(REPORT, ARCHIVE_STEP, (INPUTS, DRAW_RECORD, SUMMARY, TICKETS, VISITS, INSPECTOR_LOAD, CAP_EXCEPTIONS,
                                GIT_ORDER, BALANCE, INCLUSION, TIMELINE)),
)
# The page of each results record, run into the record being built (``results.PAGE``).
RESULTS_STEP = Step("05-results", ("quarter", "archive", "record", "form", "as_of"),
                    (INPUTS, VISITS, RESULTS_RECORD, RESULTS_FILE))
STEP = {step.notebook: step for step in (*STEPS, RESULTS_STEP)}


def waves(steps: tuple[Step, ...]) -> list[list[Step]]:
    """``steps`` in waves, each in declared order: a step runs in the wave after the last earlier step that writes
    a file it reads; the steps of one wave read nothing another of them writes, so its lanes run side by side."""
    wave: dict[str, int] = {}
    for index, step in enumerate(steps):
        wave[step.notebook] = max((wave[other.notebook] + 1 for other in steps[:index]
                                   if set(other.writes) & set(step.reads)), default=0)
    return [[step for step in steps if wave[step.notebook] == number] for number in range(max(wave.values()) + 1)]


@dataclass(frozen=True)
class StepRun:
    """What a notebook works with: its declaration, its quarter's inputs and the folder it reads and writes."""

    step: Step
    quarter: str
    folder: Path  # the archive being built (or a preview folder)
    inputs: Inputs
    preview: bool

    def read(self, file: CsvFile[T]) -> list[T]:
        """An upstream file; one written only when it has rows, and in a preview one that a later step of
        the draw writes, read as empty when absent. A file is read once per kernel: nothing in the folder
        being built changes once written, and the steps share the kernel."""
        self._declared(file.path)
        key, kept = (self.folder, file.path), KEPT.files
        if key not in kept:
            found = file.read_if_present(self.folder) if self.preview or file.optional else file.read(self.folder)
            if not (self.folder / file.path).is_file():
                return found  # not written yet: a later step of a preview may write it
            kept[key] = found
        return kept[key]

    def tickets(self) -> Ranked:
        """``draw/tickets.csv``, as columns: at province scale a Python row per ticket would not fit. Read once
        per kernel (``handoff.KEPT``)."""
        self._declared(TICKETS)
        if self.folder not in KEPT.tickets:
            KEPT.tickets[self.folder] = read_tickets(self.folder)
        return KEPT.tickets[self.folder]

    def git_order(self) -> Order:
        """``draw/git-order.json``: the freeze and seed commits the draw was proved with; in a preview, or an
        archive drawn before the proof was archived, an unproved order saying so."""
        self._declared(GIT_ORDER)
        path = self.folder / GIT_ORDER
        if path.is_file():
            return Order.from_json(path.read_text(encoding="utf-8"))
        return Order(None, None, "预览：未经抽取 a preview, nothing was drawn" if self.preview else
                     f"{GIT_ORDER} 不在此档案中 is not in this archive (drawn before the proof was archived)")

    def _declared(self, path: str) -> None:
        if path not in self.step.reads:
            raise ArchiveError(f"{self.step.notebook} reads {path}, which steps.STEPS does not declare")

    def write(self, file: CsvFile[T], rows: list[T]) -> None:
        """A product of this step, written once, never overwritten."""
        if file.path not in self.step.writes:
            raise ArchiveError(f"{self.step.notebook} writes {file.path}, which steps.STEPS does not declare")
        if not self.folder.is_dir():  # the draw that started this kernel was killed, and its folder removed
            raise ArchiveError(f"{self.folder} is gone: the run this step belongs to has ended")
        write_new(self.folder / file.path, file.text(rows))


def find_root(start: Path | None = None) -> Path:
    """The project folder: the nearest folder upwards holding ``params/``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PARAMS).is_dir():
            return folder
    raise ArchiveError(f"no project folder (one with {PARAMS}/) above {here}")


FOLDERS = "ZHANHE_FOLDERS"  # the kernel's environment: where the folders its notebooks name are being built


def where(name: str) -> Path:
    """The folder a notebook parameter names. Parameters name an archive (or record) as it is archived,
    relative to the project (``outputs/2026Q1``), so that the executed notebook holds no temporary path;
    the kernel is told where each is being built (``kernel``), by the draw or by ``make verify`` re-rendering
    the pages. A name the kernel was not told is a folder of the project."""
    folders = json.loads(os.environ.get(FOLDERS, "{}"))
    return Path(folders[name]) if name in folders else find_root() / name


def open_step(notebook: str, quarter: str, archive: str = "") -> StepRun:
    """For a notebook: its step, the quarter's inputs (from the archive's ``inputs/``) and its folder.

    Without ``archive`` the step previews (run by hand or by nbval): the engine draws from the
    project's params and registers into a new temporary folder, and nothing is archived.
    """
    if archive:
        folder = where(archive)
        if (folder, quarter) not in KEPT.inputs:
            KEPT.inputs[folder, quarter] = archived_inputs(folder, quarter)
        return StepRun(STEP[notebook], quarter, folder, KEPT.inputs[folder, quarter], False)
    _, folder = preview_draw(Project(find_root()), quarter)
    return StepRun(STEP[notebook], quarter, folder, load_archived(folder, quarter), True)


def preview_draw(project: Project, quarter: str) -> tuple[Inputs, Path]:
    """The project's quarter drawn by the engine into a new temporary folder (a preview: nothing is archived)."""
    inputs = engine.project_inputs(project, quarter)
    folder = Path(tempfile.mkdtemp(prefix=f"zhanhe-preview-{quarter}-"))
    engine.copy_inputs(inputs, folder)
    engine.write_draw(engine.run_draw(inputs, folder))
    return inputs, folder


def remove_preview(run: StepRun) -> None:
    if run.preview:
        shutil.rmtree(run.folder, ignore_errors=True)
