"""The pages of an archive rendered again from its own files, for ``make verify`` to compare byte for byte.

The draw's notebooks and pages (``notebooks/``, ``html/``, ``report.html``) and what they wrote
(``fairness/*.csv``) are made from the archived inputs and draw files alone, and hold no clock
time, temporary path or random id (``workbook.archived``, ``report.table``). So ``make verify``
copies what a draw had before its notebooks ran (``inputs/``, ``draw/`` and the verifiers) into
a scratch folder, runs the same notebooks there, and compares what they write with the archive.
A results record's page is rendered the same way from the archive as it stood when the record
was made: the draw and the records before it.

Rendering needs the notebooks' packages; pages rendered by other versions of them (matplotlib's
images, pandas' table markup) may differ in bytes where their text does not: ``pages`` then
compares the text the pages show and says which versions differ.
"""

from __future__ import annotations

import html
import json
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import workbook
from .evidence.manifest import environment
from .evidence.records import record_folders
from .evidence.store import archives, read_text
from .layout import (
    DRAW,
    FAIRNESS,
    HTML,
    INPUTS,
    MANIFEST,
    NOTEBOOKS,
    RECORDS,
    REPORT_PAGE,
    SEAL,
    SUMS,
    VERIFIER,
    VERIFIER_PAGE,
)

BEFORE_STEPS = (INPUTS, DRAW, VERIFIER, VERIFIER_PAGE)  # what a draw's folder holds when its notebooks start
RENDERED = (FAIRNESS, NOTEBOOKS, HTML, REPORT_PAGE)  # what they write


def _link_tree(source: Path, target: Path, tops: tuple[str, ...]) -> None:
    """Every file of ``source`` under the names ``tops`` linked (symbolically) at the same path under ``target``."""
    for top in tops:
        start = source / top
        for path in [start] if start.is_file() else sorted(start.rglob("*")) if start.is_dir() else []:
            if path.is_file():
                link = target / path.relative_to(source)
                link.parent.mkdir(parents=True, exist_ok=True)
                link.symlink_to(path.resolve())


def _produced(scratch: Path, tops: tuple[str, ...]) -> dict[str, Path]:
    found = {}
    for top in tops:
        start = scratch / top
        for path in [start] if start.is_file() else sorted(start.rglob("*")) if start.is_dir() else []:
            if path.is_file() and not path.is_symlink():
                found[path.relative_to(scratch).as_posix()] = path
    return found


@contextmanager
def draw_pages(folder: Path, quarter: str) -> Iterator[dict[str, Path]]:
    """The draw's notebooks run again on the archive ``folder``'s files: archive path -> the file rendered again."""
    if not (folder / NOTEBOOKS).is_dir():
        yield {}
        return
    with tempfile.TemporaryDirectory(prefix="zhanhe-pages-") as temporary:
        scratch = Path(temporary) / "outputs" / quarter
        _link_tree(folder, scratch, BEFORE_STEPS)
        workbook.render_draw(quarter, scratch, f"outputs/{quarter}")
        yield _produced(scratch, RENDERED)


@contextmanager
def results_pages(folder: Path, quarter: str, record: Path) -> Iterator[dict[str, Path]]:
    """A results record's page rendered again as it was when the record was made: archive path -> the file."""
    with tempfile.TemporaryDirectory(prefix="zhanhe-pages-") as temporary:
        outputs = Path(temporary) / "outputs"
        scratch = outputs / quarter
        outputs.mkdir()
        for other in archives(folder.parent):  # earlier quarters: the page counts the year so far from the chain
            if other.name != quarter:
                (outputs / other.name).symlink_to(other.resolve(), target_is_directory=True)
        earlier = [other for other in record_folders(folder) if other.name < record.name]
        _link_tree(folder, scratch, (INPUTS, DRAW, MANIFEST, *(f"{RECORDS}/{other.name}" for other in earlier)))
        own = f"{RECORDS}/{record.name}"
        _link_tree(folder, scratch, tuple(f"{own}/{name}" for name in _record_data(record)))
        built = scratch / RECORDS / record.name
        workbook.render_results(quarter, scratch, built, f"outputs/{quarter}", f"outputs/{quarter}/{own}")
        yield {f"{own}/{name}": path for name, path in _produced(built, (NOTEBOOKS, HTML)).items()}


def _record_data(record: Path) -> list[str]:
    """What a results record held before its page ran, and its manifest (which names the chain's head before
    it, ``results_view.chained_before``): everything but the page and the other seals."""
    return sorted(path.name for path in record.iterdir() if path.name not in (NOTEBOOKS, HTML, SEAL, SUMS))


def environment_differences(folder: Path) -> list[str]:
    """How this machine's packages differ from those the archive's manifest records (its pages were rendered
    with those): ``name: archived -> here``."""
    try:
        archived = json.loads(read_text(folder / MANIFEST, MANIFEST)).get("environment", {})
    except ValueError:
        return ["the manifest's environment cannot be read"]
    here = environment()
    found = ([f"Python: {archived.get('python')} -> {here['python']}"]
             if archived.get("python") != here["python"] else [])
    for name, version in here["packages"].items():
        if archived.get("packages", {}).get(name) != version:
            found.append(f"{name}: {archived.get('packages', {}).get(name)} -> {version}")
    return found


def shown_text(page: bytes) -> str:
    """What a page shows as text: its markup, styles, scripts and embedded images left out, white space folded."""
    text = page.decode("utf-8", errors="replace")
    text = re.sub(r"<(style|script)\b.*?</\1>", " ", text, flags=re.S | re.I)
    text = re.sub(r"data:[^\"')\s]+", " ", text)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return re.sub(r"\s+", " ", text).strip()
