"""The quarterly workbook: the notebooks run by papermill, exported to HTML, archived.

This is the one module that imports papermill and nbconvert. ``make draw``
calls ``draw``: every check first, then the archive is built in a temporary
folder (inputs copied, the engine's draw written, notebooks executed in one
kernel, HTML exported, manifest written) and renamed into ``outputs/<quarter>/``
in one step.

``STEPS`` declares each notebook: its parameters, the archive files it reads
and those it writes. The notebooks call ``open_step`` to get their quarter's
inputs and the folder they read and write (``StepRun.read`` and ``StepRun.write``
hold them to the declaration). Run by hand or by nbval (no ``archive``
parameter), they work on a throw-away preview folder instead, and archive nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TypeVar

from . import engine, ranking, results
from .calendar import Calendar
from .errors import ArchiveError, StepFailed, rebuilt
from .evidence.archived import load_archived
from .evidence.files import RESULTS_CSV, CsvFile
from .evidence.manifest import Link, chain_head, read, series
from .evidence.records import record_folders
from .evidence.store import write_new
from .findings import Result, task_of
from .gitorder import Order
from .history import year_of
from .inputs import Inputs
from .kinds import apply_records, states_before
from .layout import (
    BALANCE,
    CAP_EXCEPTIONS,
    DRAW_RECORD,
    EXCLUDED,
    GIT_ORDER,
    HISTORY,
    HTML,
    INCLUSION,
    INPUTS,
    INSPECTOR_LOAD,
    MANIFEST,
    MATCH,
    POPULATIONS,
    RECORDS,
    REPORT_PAGE,
    RESULTS_FILE,
    RESULTS_RECORD,
    SUMMARY,
    TICKETS,
    TIMELINE,
    VISITS,
)
from .layout import NOTEBOOKS as NOTEBOOKS_FOLDER
from .paths import PARAMS, Project
from .quarter import QuarterState
from .report import results_page
from .tickets import Ranked, read_tickets

CODE_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = CODE_ROOT / "notebooks"
TEMPLATES = Path(__file__).resolve().parent / "templates"
REPORT = "report"
KERNEL = "python3"
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


ARCHIVE_STEP = ("quarter", "archive")
STEPS: tuple[Step, ...] = (
    Step("01-draw", ARCHIVE_STEP, (INPUTS, DRAW_RECORD, SUMMARY, TICKETS)),
    Step("02-match", ARCHIVE_STEP, (INPUTS, HISTORY, POPULATIONS, EXCLUDED, MATCH, VISITS)),
    Step("03-inspectors", ARCHIVE_STEP, (INPUTS, HISTORY, VISITS, INSPECTOR_LOAD, CAP_EXCEPTIONS)),
    Step("04-compliance", (*ARCHIVE_STEP, "monte_carlo_seeds"), (INPUTS, HISTORY, SUMMARY, TICKETS, VISITS, GIT_ORDER),
         (BALANCE, INCLUSION, TIMELINE)),
    Step(REPORT, ARCHIVE_STEP, (INPUTS, DRAW_RECORD, SUMMARY, TICKETS, VISITS, INSPECTOR_LOAD, CAP_EXCEPTIONS,
                                GIT_ORDER, BALANCE, INCLUSION, TIMELINE)),
)
# The page of each results record, run into the record being built (``results.PAGE``).
RESULTS_STEP = Step("05-results", ("quarter", "archive", "record", "form", "as_of"),
                    (INPUTS, VISITS, RESULTS_RECORD, RESULTS_FILE))
STEP = {step.notebook: step for step in (*STEPS, RESULTS_STEP)}


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
        key = (self.folder, file.path)
        if key not in _READ:
            found = file.read_if_present(self.folder) if self.preview or file.optional else file.read(self.folder)
            if not (self.folder / file.path).is_file():
                return found  # not written yet: a later step of a preview may write it
            _READ[key] = found
        return _READ[key]

    def tickets(self) -> Ranked:
        """``draw/tickets.csv``, as columns: at province scale a Python row per ticket would not fit. Read once
        per kernel (at 10,000,000 entities it is 1.5 GB and takes about 8 s)."""
        self._declared(TICKETS)
        if self.folder not in _TICKETS:
            _TICKETS[self.folder] = read_tickets(self.folder)
        return _TICKETS[self.folder]

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
            raise ArchiveError(f"{self.step.notebook} reads {path}, which workbook.STEPS does not declare")

    def write(self, file: CsvFile[T], rows: list[T]) -> None:
        """A product of this step, written once, never overwritten."""
        if file.path not in self.step.writes:
            raise ArchiveError(f"{self.step.notebook} writes {file.path}, which workbook.STEPS does not declare")
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


_LOADED: dict[tuple[Path, str], Inputs] = {}  # the steps of a draw share one kernel: inputs are loaded once
_READ: dict[tuple[Path, str], list] = {}  # and each file of the folder being built is read once
_TICKETS: dict[Path, Ranked] = {}


def inputs_cache(folder: Path) -> Path:
    """Beside the archive being built, never inside it (every file inside is evidence): the inputs the
    draw validated, handed to the kernel so that no step reads and validates the registers again. Its
    name marks it temporary (``.<quarter>.partial-<pid>.inputs.pickle``): a killed run's is swept away."""
    return folder.with_name(f"{folder.name}.inputs.pickle")


def archived_inputs(folder: Path, quarter: str) -> Inputs:
    """The inputs of the archive being built: from the draw's cache when there is one, else read and validated."""
    cache = inputs_cache(folder)
    if cache.is_file():
        with cache.open("rb") as handle:
            return replace(pickle.load(handle), project=Project(folder / INPUTS))
    return load_archived(folder, quarter)


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
        if (folder, quarter) not in _LOADED:
            _LOADED[folder, quarter] = archived_inputs(folder, quarter)
        return StepRun(STEP[notebook], quarter, folder, _LOADED[folder, quarter], False)
    _, folder = preview_draw(Project(find_root()), quarter)
    return StepRun(STEP[notebook], quarter, folder, load_archived(folder, quarter), True)


def preview_draw(project: Project, quarter: str) -> tuple[Inputs, Path]:
    """The project's quarter drawn by the engine into a new temporary folder (a preview: nothing is archived)."""
    inputs = engine.project_inputs(project, quarter)
    folder = Path(tempfile.mkdtemp(prefix=f"zhanhe-preview-{quarter}-"))
    engine.copy_inputs(inputs, folder)
    engine.write_draw(engine.run_draw(inputs, folder))
    return inputs, folder


def notebooks() -> list[Path]:
    """The draw's notebooks, in order."""
    return [NOTEBOOKS / f"{step.notebook}.ipynb" for step in STEPS]


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
        context = results.context_of(inputs, folder, state, day, Calendar(project.calendar()))
        found = results.check(results.read_filled(project.root / form, form).table.rows, context, form)
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
    this = results_page.grade_counts(latest, grades)
    year = dict(this)
    for name, other in (year_before(folder.parent, quarter, chained_before(built, folder.parent, quarter)) if archive else {}).items():
        other_latest = results.latest(other)
        other_grades = {uscc: e.grade for uscc, e in load_archived(folder.parent / name, name).registers.entities
                        .lookup(r.uscc for r in other_latest).items()}
        for grade, (found_, total) in results_page.grade_counts(other_latest, other_grades).items():
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


def results_pages(project: Project, quarter: str) -> Callable[[Path, Path], None]:
    """What runs in a results record being built: 05-results by papermill, and its HTML page."""

    def run(record: Path, archive: Path) -> None:
        render_results(quarter, archive, record, project.relative(archive), project.relative(archive / RECORDS /
                                                                                             record.name))

    return run


def render_results(quarter: str, archive: Path, record: Path, archive_name: str, record_name: str) -> None:
    """05-results run into ``record`` (a results record of ``archive``) and exported to HTML; the notebook's
    parameters name both as archived (``where``)."""
    notebook = NOTEBOOKS / f"{RESULTS_STEP.notebook}.ipynb"
    target = f"{NOTEBOOKS_FOLDER}/{notebook.name}"
    with kernel({archive_name: archive, record_name: record}) as manager:
        execute(notebook, record / target, f"{record_name.split('/', 1)[1]}/{target}",
                {"quarter": quarter, "archive": archive_name, "record": record_name}, manager)
    export_html(record / target, record / HTML / f"{notebook.stem}.html")


def render_draw(quarter: str, folder: Path, name: str, progress: Callable[[str], None] = lambda line: None,
                first: int = 2, total: int = 7) -> None:
    """The draw's notebooks run in ``folder`` (the archive being built, or a copy ``make verify`` renders again),
    their parameters naming it as archived (``name``: ``outputs/<quarter>``), then their HTML pages."""
    steps = notebooks()
    with kernel({name: folder}) as manager:
        for number, (step, notebook) in enumerate(zip(STEPS, steps, strict=True), start=first):
            since = time.perf_counter()
            progress(f"[{number}/{total}] {notebook.name} (papermill)")
            target = f"{NOTEBOOKS_FOLDER}/{notebook.name}"
            execute(notebook, folder / target, target, {"quarter": quarter, "archive": name}, manager)
            missing = [path for path in step.writes if not (folder / path).is_file()]
            if missing:
                raise StepFailed(f"{notebook.name} did not write {', '.join(missing)}, which workbook.STEPS declares")
            progress(f"      {time.perf_counter() - since:.1f} s")
    since = time.perf_counter()
    progress(f"[{total}/{total}] HTML pages (nbconvert), then manifest and hash chain (清单与哈希链)")
    for notebook in steps:
        export_html(folder / NOTEBOOKS_FOLDER / notebook.name, folder / html_name(notebook))
    progress(f"      {time.perf_counter() - since:.1f} s")


@contextlib.contextmanager
def kernel(folders: dict[str, Path]) -> Iterator[object]:
    """One Python kernel for all the steps of a draw: started once, shut down at the end.

    Starting a kernel and importing the package stack costs about 1.5 s; the steps share
    one, and ``execute`` gives each notebook a fresh namespace in it. The kernel ends with
    this process however it ends (ipykernel watches its parent). ``folders``: where the
    archive and record its notebooks name are being built (``where``).
    """
    from jupyter_client.manager import KernelManager

    env = {**os.environ, FOLDERS: json.dumps({name: str(path) for name, path in folders.items()})}
    with tempfile.TemporaryDirectory(prefix="zhanhe-kernel-") as sockets:
        # over local sockets (IPC) at an absolute path, not TCP: nothing listens on a port, and ipykernel has no
        # warning to print; the kernel runs in another folder, so a relative socket path would not meet
        manager = KernelManager(kernel_name=KERNEL, transport="ipc", ip=str(Path(sockets) / "kernel"))
        manager.start_kernel(cwd=str(NOTEBOOKS), env=env)
        try:
            yield manager
        finally:
            manager.shutdown_kernel(now=True)


def fresh_namespace(manager) -> None:
    """Empty the kernel's namespace and restart its execution count, as a new kernel would have them;
    imported modules stay loaded."""
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        reply = client.execute_interactive("get_ipython().reset(new_session=True)", store_history=False, timeout=60)
        if reply["content"]["status"] != "ok":
            raise ArchiveError(f"the kernel could not be reset between steps: {reply['content']}")
    finally:
        client.stop_channels()


def execute(source: Path, target: Path, archived_as: str, parameters: dict, manager=None) -> None:
    """Run one notebook with papermill (in ``manager``'s kernel when given, see ``kernel``) and write it to
    ``target`` as the archive keeps it (``archived``), named ``archived_as`` there."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    if manager is not None:
        fresh_namespace(manager)
    try:
        notebook = papermill.execute_notebook(
            str(source), None, parameters=parameters, kernel_name=KERNEL, cwd=str(source.parent),
            progress_bar=False, request_save_on_cell_execute=False, km=manager,
        )
    except PapermillExecutionError as error:  # the error of the package's own type that the step raised
        raise rebuilt(error.ename, f"{source.name}: {error.evalue}") or StepFailed(
            f"{source.name} failed at cell {error.exec_count}: {error.ename}: {error.evalue}") from None
    write_new(target, archived(notebook, source, archived_as))


TIMES = ("start_time", "end_time", "duration")  # what papermill records of the clock


def archived(notebook, source: Path, archived_as: str) -> str:
    """An executed notebook as the archive keeps it: papermill's metadata (parameters, its version, each cell's
    status) without the clock (start, end, duration) and with the notebook's paths as the project names them,
    and no cell timing of nbclient's, so that the same inputs give the same bytes (``make verify`` renders the
    pages again and compares)."""
    import nbformat

    papermill = notebook.metadata.papermill
    for key in TIMES:
        papermill.pop(key, None)
    papermill["input_path"] = source.relative_to(CODE_ROOT).as_posix()
    papermill["output_path"] = archived_as
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        for key in TIMES:
            cell.metadata.get("papermill", {}).pop(key, None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"  # papermill gives the cell it adds a random id
    return nbformat.writes(notebook) + "\n"


def export_html(notebook: Path, target: Path) -> None:
    """A self-contained HTML page: inputs hidden, images embedded, nothing fetched from the network."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="zhanhe", extra_template_basedirs=[str(TEMPLATES)], exclude_input=True,
        exclude_input_prompt=True, exclude_output_prompt=True, embed_images=True,
    )
    body, _ = exporter.from_filename(str(notebook))
    write_new(target, body)


def html_name(notebook: Path) -> str:
    return REPORT_PAGE if notebook.stem == REPORT else f"{HTML}/{notebook.stem}.html"


def draw(project: Project, quarter_name: str, progress: Callable[[str], None] = print,
         rank: ranking.Rank = ranking.rank_all) -> Path:
    """``make draw``: the whole workbook for one quarter, archived once, with progress shown; ``rank`` ranks
    the strata (DuckDB's ``ranking.rank_all`` or Spark's ``spark.rank_all``: the same files)."""
    steps = notebooks()
    total = len(steps) + 2
    started = time.perf_counter()
    progress(f"[1/{total}] checking params, registers and freeze record; copying the inputs; the draw (检查输入、抽取)")

    def run(inputs: Inputs, folder: Path) -> None:
        progress(f"      {time.perf_counter() - started:.1f} s")
        cache = inputs_cache(folder)
        with cache.open("wb") as handle:  # the archived copies are byte-identical (engine.copy_inputs checks)
            pickle.dump(inputs, handle, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            render_draw(quarter_name, folder, project.relative(project.archive(quarter_name)), progress, 2, total)
        finally:
            cache.unlink(missing_ok=True)

    final, _ = engine.draw_quarter(project, quarter_name, steps=run, progress=progress, rank=rank)
    progress(f"archive: {project.relative(final)}/ in {time.perf_counter() - started:.1f} s; "
             f"open {project.relative(final / REPORT_PAGE)} first")
    return final


def remove_preview(run: StepRun) -> None:
    if run.preview:
        shutil.rmtree(run.folder, ignore_errors=True)


def remove_results_preview(run: ResultsRun) -> None:
    if run.preview is not None:
        shutil.rmtree(run.preview, ignore_errors=True)
