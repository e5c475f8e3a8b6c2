"""The package's own exception types.

Every error a user can cause (a bad register, a bad params file, a draw that
must refuse) is one of these, with a message a non-programmer can act on.
The CLI prints ``str(error)`` without a traceback and exits non-zero.
"""

from __future__ import annotations

from dataclasses import dataclass


class ZhanheError(Exception):
    """Base class of every error the user can cause."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file.

    ``row`` is 1-based as the user's spreadsheet shows it (the header is row
    1); ``None`` when the problem concerns the whole file or a params key.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return ", ".join(where) + f": {self.message}"


class InputError(ZhanheError):
    """One or more problems in an input file; all are reported at once."""

    def __init__(self, problems: list[Problem]):
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.problems = list(problems)
        count = len(self.problems)
        head = "1 problem" if count == 1 else f"{count} problems"
        lines = [f"{head} found; nothing was written:"]
        lines += [f"  - {p}" for p in self.problems[:200]]
        if count > 200:
            lines.append(f"  ... and {count - 200} more of the same kind")
        super().__init__("\n".join(lines))


class RegisterError(InputError):
    """A register (entities, items, inspectors, conflicts, tags) is invalid."""


class ParamsError(InputError):
    """The quarter's params file is invalid."""


class FreezeError(ZhanheError):
    """Registers do not match their freeze record, or a freeze is refused."""


class DrawRefused(ZhanheError):
    """The draw will not run (no seed, already drawn, pool exhausted...)."""


class ArchiveError(ZhanheError):
    """An archive or its hash chain is missing, broken or inconsistent."""
