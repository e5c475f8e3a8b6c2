"""The quarterly workbook: the notebooks run by papermill, exported to HTML, archived.

This is the one module that imports papermill and nbconvert. ``make draw``
calls ``draw``: every check first, then the archive is built in a temporary
folder (inputs copied, notebooks executed, HTML exported, manifest written)
and renamed into ``outputs/<quarter>/`` in one step.

The notebooks call ``open_step`` to get their quarter's inputs and the folder
they write to. Run by hand or by nbval (no ``archive`` parameter), they work
on a throw-away preview folder instead, and archive nothing.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import archive, quarter
from .errors import ArchiveError, DrawRefused
from .paths import Project

CODE_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = CODE_ROOT / "notebooks"
TEMPLATES = Path(__file__).resolve().parent / "templates"
REPORT = "report"
KERNEL = "python3"


@dataclass(frozen=True)
class Step:
    quarter: str
    folder: Path  # the archive being built (or a preview folder)
    inputs: quarter.Inputs
    preview: bool


def find_root(start: Path | None = None) -> Path:
    """The project folder: the nearest folder upwards holding ``params/``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "params").is_dir():
            return folder
    raise ArchiveError(f"no project folder (one with params/) above {here}")


def open_step(quarter_name: str, archive_folder: str = "", needs_draw: bool = False) -> Step:
    """For a notebook: the quarter's inputs (from the archive's ``inputs/``) and its output folder.

    Without ``archive_folder`` the step previews: it reads the project's params and
    registers and writes into a new temporary folder; with ``needs_draw`` the draw's
    files are made there first by the engine, as ``01-draw`` would have.
    """
    if archive_folder:
        folder = Path(archive_folder)
        return Step(quarter_name, folder, quarter.load_inputs(Project(folder / quarter.INPUTS_FOLDER), quarter_name), False)
    inputs = quarter.load_inputs(Project(find_root()), quarter_name)
    folder = Path(tempfile.mkdtemp(prefix=f"zhanhe-preview-{quarter_name}-"))
    quarter.copy_inputs(inputs, folder)
    if needs_draw:
        quarter.write_draw(quarter.run_draw(inputs), folder)
    return Step(quarter_name, folder, quarter.load_inputs(Project(folder / quarter.INPUTS_FOLDER), quarter_name), True)


def notebooks() -> list[Path]:
    """The steps in order: ``NN-name.ipynb``, then the report."""
    steps = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
    return steps + [NOTEBOOKS / f"{REPORT}.ipynb"]


@contextlib.contextmanager
def kernel() -> Iterator[object]:
    """One Python kernel for all the steps of a draw: started once, shut down at the end.

    Starting a kernel and importing the package stack costs about 1.5 s; the steps share
    one, and ``execute`` gives each notebook a fresh namespace in it. The kernel ends with
    this process however it ends (ipykernel watches its parent).
    """
    from jupyter_client.manager import KernelManager

    manager = KernelManager(kernel_name=KERNEL)
    manager.start_kernel(cwd=str(NOTEBOOKS))
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


def execute(source: Path, target: Path, parameters: dict, manager=None) -> None:
    """Run one notebook with papermill into ``target``; in ``manager``'s kernel when given (see ``kernel``)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    target.parent.mkdir(parents=True, exist_ok=True)
    if manager is not None:
        fresh_namespace(manager)
    try:
        papermill.execute_notebook(
            str(source), str(target), parameters=parameters, kernel_name=KERNEL, cwd=str(source.parent),
            progress_bar=False, request_save_on_cell_execute=False, km=manager,
        )
    except PapermillExecutionError as error:
        if error.ename in {"RegisterError", "ParamsError", "FreezeError", "DrawRefused", "ArchiveError"}:
            raise DrawRefused(f"{source.name}: {error.evalue}") from None
        raise ArchiveError(f"{source.name} failed at cell {error.exec_count}: {error.ename}: {error.evalue}") from None


def export_html(notebook: Path, target: Path) -> None:
    """A self-contained HTML page: inputs hidden, images embedded, nothing fetched from the network."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="zhanhe", extra_template_basedirs=[str(TEMPLATES)], exclude_input=True,
        exclude_input_prompt=True, exclude_output_prompt=True, embed_images=True,
    )
    body, _ = exporter.from_filename(str(notebook))
    archive.write_new(target, body)


def html_name(notebook: Path) -> str:
    return f"{REPORT}.html" if notebook.stem == REPORT else f"html/{notebook.stem}.html"


def draw(project: Project, quarter_name: str, progress: Callable[[str], None] = print) -> Path:
    """``make draw``: the whole workbook for one quarter, archived once, with progress shown."""
    steps = notebooks()
    total = len(steps) + 2
    started = time.perf_counter()
    progress(f"[1/{total}] checking params, registers and freeze record; copying the inputs (检查输入)")

    def run(inputs: quarter.Inputs, folder: Path) -> None:
        with kernel() as manager:
            for number, notebook in enumerate(steps, start=2):
                since = time.perf_counter()
                progress(f"[{number}/{total}] {notebook.name} (papermill)")
                execute(notebook, folder / "notebooks" / notebook.name, {"quarter": quarter_name, "archive": str(folder)},
                        manager)
                progress(f"      {time.perf_counter() - since:.1f} s")
        since = time.perf_counter()
        progress(f"[{total}/{total}] HTML pages (nbconvert), then manifest and hash chain (清单与哈希链)")
        for notebook in steps:
            export_html(folder / "notebooks" / notebook.name, folder / html_name(notebook))
        progress(f"      {time.perf_counter() - since:.1f} s")

    final, _ = quarter.draw_quarter(project, quarter_name, steps=run, progress=progress)
    progress(f"archive: {project.relative(final)}/ in {time.perf_counter() - started:.1f} s; "
             f"open {project.relative(final / (REPORT + '.html'))} first")
    return final


def remove_preview(step: Step) -> None:
    if step.preview:
        shutil.rmtree(step.folder, ignore_errors=True)


def draw_started(step: Step) -> str:
    """When the draw ran: papermill's start time of the executed 01-draw notebook, else now (a preview)."""
    import json
    from datetime import datetime, timezone

    executed = step.folder / "notebooks" / "01-draw.ipynb"
    if executed.is_file():
        started = json.loads(executed.read_text(encoding="utf-8")).get("metadata", {}).get("papermill", {})
        if started.get("start_time"):
            return started["start_time"]
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def write_files(step: Step, files: dict[str, str]) -> None:
    """Files a step adds to the archive (never overwriting)."""
    if not step.folder.is_dir():  # the draw that started this kernel was killed, and its folder removed
        raise ArchiveError(f"{step.folder} is gone: the run this step belongs to has ended")
    for name, text in files.items():
        archive.write_new(step.folder / name, text)


def project_root(step: Step) -> Path:
    """The project folder of a step: the one holding ``outputs/`` (an archive) or ``params/`` (a preview)."""
    return step.folder.parents[1] if not step.preview else find_root()


def commit_times(step: Step) -> tuple[tuple[str, str], tuple[str, str]] | None:
    """((freeze commit, time), (seed commit, time)) from the project's git history, where known."""
    from .verify import find_commits

    root = project_root(step)
    commits = find_commits(root, step.folder, step.quarter, step.inputs.params.seed.value)
    if commits is None or commits.freeze is None or commits.seed is None:
        return None
    return ((commits.freeze, commits.time(root, commits.freeze)), (commits.seed, commits.time(root, commits.seed)))
