"""The quarterly workbook: the notebooks run by papermill, exported to HTML, archived.

This is the one module that imports papermill and nbconvert. ``make draw``
calls ``draw``: every check first, then the archive is built in a temporary
folder (inputs copied, the engine's draw written, notebooks executed in one
kernel, HTML exported, manifest written) and renamed into ``outputs/<quarter>/``
in one step. What each notebook reads and writes is declared in ``steps``;
what the draw hands the kernel, in ``handoff``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import engine, ranking
from .errors import ArchiveError, StepFailed, rebuilt
from .evidence.store import write_new
from .handoff import handed_over
from .inputs import Inputs
from .layout import HTML, RECORDS, REPORT_PAGE
from .layout import NOTEBOOKS as NOTEBOOKS_FOLDER
from .paths import Project
from .steps import FOLDERS, REPORT, RESULTS_STEP, STEPS, Step, waves

CODE_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = CODE_ROOT / "notebooks"
TEMPLATES = Path(__file__).resolve().parent / "templates"
KERNEL = "python3"
# jsonschema, which nbformat imports to validate a notebook, compiles a Lark grammar of RFC 3987 as it is imported
# when rfc3987_syntax is installed (JupyterLab brings it, through jsonschema[format-nongpl]): 2.5 to 3 s of every
# process that runs or exports a notebook, before its first cell (docs/measured.md). No notebook schema has an IRI
# format, and jsonschema goes without the module when it cannot be imported: this process keeps it out.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # None: "cannot be imported"


def notebooks() -> list[Path]:
    """The draw's notebooks, in order."""
    return [NOTEBOOKS / f"{step.notebook}.ipynb" for step in STEPS]


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
    their parameters naming it as archived (``name``: ``outputs/<quarter>``), each exported to its HTML page as
    soon as it has run. The steps of one wave (``steps.waves``) run side by side, a kernel for each lane; a
    step's number is its place in ``STEPS``, and its line is shown when it is done."""
    number = {step.notebook: place for place, step in enumerate(STEPS, start=first)}

    def run(lane: list[Step], manager) -> None:
        for step in lane:
            since = time.perf_counter()
            notebook = NOTEBOOKS / f"{step.notebook}.ipynb"
            target = f"{NOTEBOOKS_FOLDER}/{notebook.name}"
            execute(notebook, folder / target, target, {"quarter": quarter, "archive": name}, manager)
            missing = [path for path in step.writes if not (folder / path).is_file()]
            if missing:
                raise StepFailed(f"{notebook.name} did not write {', '.join(missing)}, which steps.STEPS declares")
            export_html(folder / target, folder / html_name(notebook))
            progress(f"[{number[step.notebook]}/{total}] {notebook.name} (papermill, then its page) "
                     f"{time.perf_counter() - since:.1f} s")

    lanes = sorted({step.lane for step in STEPS})
    # the kernels are shut down before the pool is left: on Ctrl-C (or a lane's error) a notebook still running in
    # another lane fails within a second (its kernel gone) instead of being waited for to its end
    with ThreadPoolExecutor(len(lanes)) as pool, kernels({name: folder}, len(lanes)) as managers:
        for wave in waves(STEPS):
            running = [pool.submit(run, [step for step in wave if step.lane == lane], managers[lane])
                       for lane in lanes if any(step.lane == lane for step in wave)]
            for done in running:  # every lane ends before the next wave; the first lane's error first
                done.exception()
            for done in running:
                done.result()
    progress(f"[{total}/{total}] manifest and hash chain (清单与哈希链)")


@contextlib.contextmanager
def kernel(folders: dict[str, Path]) -> Iterator[object]:
    """One Python kernel, started now and shut down at the end (``kernels``, for one)."""
    with kernels(folders, 1) as managers:
        yield managers[0]


@contextlib.contextmanager
def kernels(folders: dict[str, Path], count: int) -> Iterator[list]:
    """``count`` Python kernels for the steps of a draw, started at once (they boot side by side) and shut down at
    the end.

    Starting a kernel and importing the package stack is the dearest part of a step (docs/measured.md,
    "Figures behind the design"); the steps of a lane share one, and ``execute`` gives each notebook a fresh
    namespace in it. A kernel ends with this process however it ends (ipykernel watches its parent).
    ``folders``: where the archive and record its notebooks name are being built (``where``).
    """
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    env = {**os.environ, FOLDERS: json.dumps({name: str(path) for name, path in folders.items()})}
    with tempfile.TemporaryDirectory(prefix="zhanhe-kernel-") as sockets, contextlib.ExitStack() as started:
        managers = []
        for index in range(count):
            # over local sockets (IPC) at an absolute path, not TCP: nothing listens on a port, and ipykernel has
            # no warning to print; the kernel runs in another folder, so a relative socket path would not meet.
            # Asynchronous, as nbclient's own: with a blocking client, nbclient waits for a cell's output without
            # end, and never sees that the kernel it waits on was shut down (Ctrl-C: tests/test_interrupts.py)
            manager = AsyncKernelManager(kernel_name=KERNEL, transport="ipc",
                                         ip=str(Path(sockets) / f"kernel-{index}"))
            run_sync(manager.start_kernel)(cwd=str(NOTEBOOKS), env=env)
            started.callback(run_sync(manager.shutdown_kernel), now=True)
            managers.append(manager)
        yield managers


def fresh_namespace(manager) -> None:
    """Empty the kernel's namespace and restart its execution count, as a new kernel would have them;
    imported modules stay loaded."""
    from jupyter_core.utils import run_sync

    async def reset() -> dict:
        client = manager.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=60)
            reply = asyncio.ensure_future(client.execute_interactive("get_ipython().reset(new_session=True)",
                                                                     store_history=False, timeout=60))
            while not reply.done():  # as nbclient does: a kernel shut down meanwhile (Ctrl-C) ends the wait
                await asyncio.wait({reply}, timeout=0.25)
                if not reply.done() and not await manager.is_alive():
                    reply.cancel()
                    raise StepFailed("the kernel stopped while it was being reset between steps")
            return reply.result()
        finally:
            client.stop_channels()

    reply = run_sync(reset)()
    if reply["content"]["status"] != "ok":
        raise ArchiveError(f"the kernel could not be reset between steps: {reply['content']}")


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
        with handed_over(inputs, folder):
            render_draw(quarter_name, folder, project.relative(project.archive(quarter_name)), progress, 2, total)

    final, _ = engine.draw_quarter(project, quarter_name, steps=run, progress=progress, rank=rank)
    progress(f"archive: {project.relative(final)}/ in {time.perf_counter() - started:.1f} s; "
             f"open {project.relative(final / REPORT_PAGE)} first")
    return final


# The notebooks' entry points, as the notebooks spell them (``workbook.open_step``): ``make verify`` runs the
# notebooks of every archive again, so these names stay where the notebooks find them.
from .results_view import open_results, remove_results_preview  # noqa: E402, F401
from .steps import open_step, remove_preview  # noqa: E402, F401
