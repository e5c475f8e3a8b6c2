"""Writing evidence: atomic, never overwriting; one run at a time.

A file is written to a temporary name in its folder and then hard-linked
to its final name, which fails when that name exists: nothing is ever
overwritten and a reader never sees half a file. A whole archive folder (or
record) is built under a temporary name and renamed into place in one step,
so an interrupted run (Ctrl-C, kill) leaves no partial archive. While a run
writes evidence it holds ``outputs/`` (``exclusive``).
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import io
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from ..errors import ArchiveError, EvidenceExists, RunInProgress
from ..layout import PARTIAL, RECORDS


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV as the archive writes it: UTF-8, no BOM, LF line ends, minimal quoting."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def read_text(path: Path, shown: str | None = None) -> str:
    """A UTF-8 file of the archive; a missing or unreadable one is an ``ArchiveError`` naming it."""
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ArchiveError(f"{shown or path.name} cannot be read: {error}") from None


def csv_rows(text: str, columns: Sequence[str], shown: str) -> list[dict[str, str]]:
    """The rows of a CSV text the archive wrote; its header must be exactly ``columns``."""
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != tuple(columns):
        raise ArchiveError(f"{shown} has the columns {reader.fieldnames}, expected {list(columns)}")
    return list(reader)


@contextlib.contextmanager
def _atomic(path: Path, place: Callable[[Path, Path], None]) -> Iterator[BinaryIO]:
    """A file written under a temporary name beside ``path``, synced, then ``place``d at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}{PARTIAL}{os.getpid()}")
    try:
        with temporary.open("wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        place(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


@contextlib.contextmanager
def new_file(path: Path) -> Iterator[BinaryIO]:
    """A file of evidence written as a stream (one too large to hold as text), placed at ``path`` as
    ``write_new`` places one: atomically, refused when ``path`` exists."""
    try:
        with _atomic(path, os.link) as handle:
            yield handle
    except FileExistsError:
        raise EvidenceExists(f"{path} exists already; evidence is never overwritten") from None


def write_new(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` atomically; refuse when ``path`` exists (a hard link never replaces)."""
    with new_file(path) as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)


def replace_file(path: Path, data: bytes | str) -> None:
    """Write a derived file (never evidence: the public tree, the violations file) atomically, replacing it."""
    with _atomic(path, os.replace) as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)


def archives(outputs: Path) -> list[Path]:
    """The quarters' archive folders under ``outputs`` (never a temporary folder), in name order."""
    if not outputs.is_dir():
        return []
    return sorted(path for path in outputs.iterdir() if path.is_dir() and not path.name.startswith("."))


def partials(outputs: Path) -> list[Path]:
    """What runs left under temporary names: draws being built (``outputs/.<quarter>.partial-<pid>``)
    and records being built (``outputs/<quarter>/records/.<record>.partial-<pid>``)."""
    places = [outputs, *(folder / RECORDS for folder in archives(outputs))]
    return sorted(path for place in places if place.is_dir() for path in place.iterdir()
                  if path.name.startswith(".") and PARTIAL in path.name)


@contextlib.contextmanager
def exclusive(outputs: Path, progress: Callable[[str], None] = lambda line: None) -> Iterator[None]:
    """Hold ``outputs`` for one run that writes evidence (a draw or an appended record).

    The lock is an advisory ``flock`` on the ``outputs`` folder itself: the operating system
    releases it when the process ends, however it ends (Ctrl-C, ``kill -9``, power loss), so
    no lock file is ever left behind. While one run holds it, a second run refuses. Once a
    run holds it, every temporary folder under ``outputs`` belongs to a run that is gone: it
    was never an archive or a record, and is removed, each with one line of ``progress``.
    """
    outputs.mkdir(parents=True, exist_ok=True)
    handle = os.open(outputs, os.O_RDONLY)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            busy = ", ".join(path.relative_to(outputs.parent).as_posix() for path in partials(outputs))
            raise RunInProgress(f"another run is writing evidence under {outputs.name}/ right now"
                                + (f" (building {busy})" if busy else "")
                                + "; wait until it has finished, then run this again") from None
        for path in partials(outputs):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
            progress(f"removed {path.relative_to(outputs.parent).as_posix()}: left by a run that was killed "
                     "before it finished; it was never an archive or a record")
        yield
    finally:
        os.close(handle)


@contextlib.contextmanager
def building(final: Path, depth: int = 0) -> Iterator[Path]:
    """Yield the folder in which ``final`` is built; it becomes ``final`` in one rename when the block succeeds.

    Call it inside ``exclusive``, which removes what killed runs left behind. With ``depth``
    1 the yielded folder sits one level deeper in a scratch folder (``.<name>.partial-<pid>/
    records/<name>``), so that a record being built has, inside the scratch folder, the path
    it will have in the archive, and no half-built manifest is ever where the chain looks.
    """
    if final.exists():
        raise EvidenceExists(f"{final} exists already; evidence is never overwritten")
    final.parent.mkdir(parents=True, exist_ok=True)
    scratch = final.with_name(f".{final.name}{PARTIAL}{os.getpid()}")
    folder = scratch / final.parent.name / final.name if depth else scratch
    folder.mkdir(parents=True)
    try:
        yield folder
        if final.exists():
            raise EvidenceExists(f"{final} appeared while this run was building it; nothing was changed")
        os.rename(folder, final)
    finally:
        if scratch.exists():
            shutil.rmtree(scratch)
