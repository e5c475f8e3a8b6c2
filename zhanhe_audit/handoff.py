"""What the draw hands the kernel its notebooks run in, and what that kernel keeps once read.

The steps of a draw share one kernel (``workbook.kernel``). The draw has read and validated the inputs
already: it pickles them beside the archive being built (``handed_over``), never inside it, and the
kernel loads them from there instead of reading and validating the registers again (``archived_inputs``).
Within the kernel nothing in the folder being built changes once written, so what one step reads is kept
for the next (``KEPT``): the inputs, each file, the tickets as columns.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from .evidence.archived import load_archived
from .inputs import Inputs
from .layout import INPUTS
from .paths import Project
from .tickets import Ranked


@dataclass
class Kept:
    """What the kernel has read: the inputs per (folder, quarter), each file's rows per (folder, path), and the
    tickets per folder (tickets.csv is the largest file: docs/measured.md, "Figures behind the design")."""

    inputs: dict[tuple[Path, str], Inputs] = field(default_factory=dict)
    files: dict[tuple[Path, str], list] = field(default_factory=dict)
    tickets: dict[Path, Ranked] = field(default_factory=dict)


KEPT = Kept()  # one per kernel: the module is imported once in it


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


@contextmanager
def handed_over(inputs: Inputs, folder: Path) -> Iterator[None]:
    """``inputs`` pickled beside ``folder`` while the ``with`` block runs its notebooks; removed however it ends.
    The archived copies are byte-identical to what was validated (``engine.copy_inputs`` checks)."""
    cache = inputs_cache(folder)
    with cache.open("wb") as handle:
        pickle.dump(inputs, handle, protocol=pickle.HIGHEST_PROTOCOL)
    try:
        yield
    finally:
        cache.unlink(missing_ok=True)
