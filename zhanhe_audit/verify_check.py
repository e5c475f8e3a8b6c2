"""One check of ``make verify`` (``Check``: a line PASS, FAIL, SKIP or NOTE) and how a check compares the files it
recomputes with the archived ones: byte for byte, a block at a time, naming the first row that differs.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from . import text

BLOCK = 1 << 20  # files are compared a block at a time: a province's tickets.csv is a gigabyte


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # "PASS", "FAIL", "SKIP" (could not run here: named in the verdict), or "NOTE": a fact about the
    # quarter that does not make verify fail
    detail: str

    def __str__(self) -> str:
        return f"{self.status:<4}  {self.name:<13} {self.detail}"


LINE_ENDS = {b"\n": "LF", b"\r\n": "CRLF", b"": "no line end"}


def first_difference(expected: BinaryIO, found: BinaryIO) -> str:
    """Where two files first differ, as 'row N: recomputed … archived …' (row 1 is the header), read a row
    at a time ('\\n' only separates rows; the last may lack it).

    Rows are compared with their line ends, so a changed or missing line end is named too.
    """
    for number, (a, b) in enumerate(itertools.zip_longest(expected, found), start=1):
        if a is None or b is None:
            old = number - 1 + (a is not None) + sum(1 for _ in expected)
            new = number - 1 + (b is not None) + sum(1 for _ in found)
            return f"row {number}: the archived file has {new} rows, the recomputation {old}"
        if a != b:
            text_a, text_b = a.rstrip(b"\r\n"), b.rstrip(b"\r\n")
            if text_a == text_b:
                end_a, end_b = a[len(text_a):], b[len(text_b):]
                return (f"row {number}: same text, different line end: recomputed {LINE_ENDS.get(end_a, repr(end_a))}, "
                        f"archived {LINE_ENDS.get(end_b, repr(end_b))}")
            shown_a, shown_b = _shown(text_a), _shown(text_b)
            return f"row {number}: recomputed '{text.visible(shown_a)}', archived '{text.visible(shown_b)}'" + (
                f"; {text.first_difference(shown_a, shown_b)}" if any(map(text.hidden, shown_a + shown_b)) else "")
    return "the files are identical"


def _shown(row: bytes) -> str:
    return row.decode("utf-8", errors="replace")


def compare(folder: Path, recomputed: dict[str, Callable[[], BinaryIO]], what: str) -> str | None:
    """Where the archived files first differ from their recomputation (each opened by its function), or None."""
    for name, recomputation in recomputed.items():
        archived = folder / name
        if not archived.is_file():
            return f"{name} is missing from the archive"
        with recomputation() as expected, archived.open("rb") as found:
            if not _same(expected, found):
                expected.seek(0)
                found.seek(0)
                return f"{name} differs from {what}: " + first_difference(expected, found)
    return None


def from_file(path: Path) -> Callable[[], BinaryIO]:
    return lambda: path.open("rb")


def from_text(text: str) -> Callable[[], BinaryIO]:
    return lambda: io.BytesIO(text.encode("utf-8"))


def _same(expected: BinaryIO, found: BinaryIO) -> bool:
    while True:
        block = expected.read(BLOCK)
        if block != found.read(BLOCK):
            return False
        if not block:
            return True
