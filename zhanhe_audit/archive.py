"""Writing evidence: atomic, never overwriting.

A file is written to a temporary name in its folder and then hard-linked
to its final name, which fails when that name exists: nothing is ever
overwritten and a reader never sees half a file. A whole archive folder is
built under a temporary name and renamed into place in one step, so an
interrupted run (Ctrl-C, kill) leaves no partial archive.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import shutil
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from .errors import DrawRefused

PARTIAL = ".partial-"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV as the archive writes it: UTF-8, no BOM, LF line ends, minimal quoting."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_new(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` atomically; refuse when ``path`` exists."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}{PARTIAL}{os.getpid()}")
    try:
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            raise DrawRefused(f"{path} exists already; evidence is never overwritten") from None
    finally:
        temporary.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_partials(folder: Path) -> None:
    """Remove what runs that were killed left behind under temporary names."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        name, _, pid = path.name.rpartition(PARTIAL)
        if name and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(path) if path.is_dir() else path.unlink()


@contextlib.contextmanager
def building(final: Path) -> Iterator[Path]:
    """Yield a temporary folder that becomes ``final`` in one rename when the block succeeds."""
    if final.exists():
        raise DrawRefused(f"{final} exists already; an archive is never overwritten")
    final.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(final.parent)
    temporary = final.with_name(f".{final.name}{PARTIAL}{os.getpid()}")
    temporary.mkdir()
    try:
        yield temporary
        if final.exists():
            raise DrawRefused(f"{final} appeared while this run was building it; nothing was changed")
        os.rename(temporary, final)
    finally:
        if temporary.exists():
            shutil.rmtree(temporary)
