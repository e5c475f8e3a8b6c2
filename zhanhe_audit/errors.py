"""The package's own exception types.

Every error a user can cause (a bad register, a bad params file, a draw that
must refuse) is one of these, with a message a non-programmer can act on.
The CLI prints ``str(error)`` without a traceback and exits non-zero.
Callers match on these types, never on message text.
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
    column: str | None  # the canonical column
    message: str
    header: str | None = None  # the column as the user's form heads it, when it says it otherwise

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.header or self.column}'")
        return ", ".join(where) + f": {self.message}"


SHOWN_PROBLEMS = 100  # a file with many bad rows lists the first ones and counts the rest


class Problems(list):
    """The problems found in a file: the first ``SHOWN_PROBLEMS`` kept, the others only counted, so that
    a huge file with many bad rows costs no memory for them. ``len`` counts them all."""

    def __init__(self) -> None:
        super().__init__()
        self.more = 0

    def append(self, problem: Problem) -> None:
        if list.__len__(self) < SHOWN_PROBLEMS:
            super().append(problem)
        else:
            self.more += 1

    def extend(self, problems) -> None:
        for problem in problems:
            self.append(problem)
        self.more += getattr(problems, "more", 0)

    def __iadd__(self, problems):  # type: ignore[misc]
        self.extend(problems)
        return self

    def __len__(self) -> int:
        return list.__len__(self) + self.more


class InputError(ZhanheError):
    """One or more problems in an input file; all are reported at once (the first
    ``SHOWN_PROBLEMS``, then how many more)."""

    def __init__(self, problems: list[Problem], more: int = 0):
        if not problems:
            raise ValueError("InputError needs at least one problem")
        more += getattr(problems, "more", 0)
        self.problems = list(problems)
        count = len(self.problems) + more
        head = "1 problem" if count == 1 else f"{count} problems"
        lines = [f"{head} found; nothing was written:"]
        lines += [f"  - {line}" for line in _grouped(self.problems[:SHOWN_PROBLEMS])]
        if count > SHOWN_PROBLEMS:
            lines.append(f"  ... and {count - SHOWN_PROBLEMS} more")
        super().__init__("\n".join(lines))


def _grouped(problems: list[Problem]) -> list[str]:
    """One line per problem, but the same problem of the same file and column on several rows once, naming its rows
    (a register whose export writes every grade its own way gives one line, not a hundred)."""
    rows: dict[tuple[str, str | None, str, str | None], list[int]] = {}
    order: list[Problem] = []
    for problem in problems:
        key = (problem.file, problem.column, problem.message, problem.header)
        if problem.row is None or key not in rows:
            order.append(problem)
        if problem.row is not None:
            rows.setdefault(key, []).append(problem.row)
    lines = []
    for problem in order:
        found = rows.get((problem.file, problem.column, problem.message, problem.header), [])
        if problem.row is None:
            lines.append(str(problem))
        elif len(found) < 3:
            lines += [str(Problem(problem.file, row, problem.column, problem.message, problem.header)) for row in found]
        else:
            shown = ", ".join(map(str, found[:8])) + (", …" if len(found) > 8 else "")
            lines.append(str(Problem(problem.file, None, problem.column, problem.message, problem.header))
                         .replace(f"{problem.file}, ", f"{problem.file}, rows {shown} ({len(found)} rows), ", 1))
    return lines


class RegisterError(InputError):
    """A register (entities, items, inspectors, conflicts, tags) is invalid."""


class ParamsError(InputError):
    """The quarter's params file is invalid."""


class ResultsError(InputError):
    """A filled results form is invalid against the archive."""


class FreezeError(ZhanheError):
    """Inputs do not match their freeze record."""


class FreezeRefused(FreezeError):
    """A freeze is refused: a seed exists already, or the inputs would let a draw fail after the seed."""


class DrawRefused(ZhanheError):
    """The draw will not run (no seed, drawn already, a task id reused...)."""


class AlreadyDrawn(DrawRefused):
    """The quarter has an archive already: a draw is never repeated."""


class EngineUnavailable(DrawRefused):
    """The engine asked to rank the draw (Apache Spark) cannot run here: pyspark or Java is missing."""


class InspectorShortfall(DrawRefused):
    """Too few inspectors for a visit: the freeze proves this cannot happen once the seed exists."""


class RunInProgress(ZhanheError):
    """Another run is writing evidence under the same ``outputs/`` right now."""


class EvidenceExists(ZhanheError):
    """A file or folder of evidence exists already; evidence is never overwritten."""


class ReplacementRefused(ZhanheError):
    """A replacement cannot be appended (no such drawn entity, no reserve left, no reason...)."""


class ArchiveError(ZhanheError):
    """An archive, a record or the hash chain is missing, broken or inconsistent."""


class NoticeError(InputError):
    """A State Council holiday notice that cannot be read completely (the line is the problem's row)."""


class CalendarError(ZhanheError):
    """A date falls in a year that no working-day calendar covers (``year``)."""

    def __init__(self, message: str, year: int | None = None):
        super().__init__(message)
        self.year = year


class StepFailed(ZhanheError):
    """A notebook step failed with an error that is not one of the package's own."""


def rebuilt(name: str, message: str) -> ZhanheError | None:
    """An error of the package's type called ``name`` (as a notebook reports it), with ``message``;
    None when ``name`` is not one of the package's types. A step that raises ``AlreadyDrawn`` in
    its kernel thus raises ``AlreadyDrawn`` in the process that ran it."""
    found = [ZhanheError]
    for kind in found:
        if kind.__name__ == name:
            error = kind.__new__(kind)
            Exception.__init__(error, message)
            if isinstance(error, InputError):
                error.problems = []  # the problems stayed in the kernel; the message lists them
            return error
        found += kind.__subclasses__()
    return None
