"""Where things live: every path of the project layout is defined here, once.

    params/<quarter>.yaml           the quarter's params (seed, percentages, tasks, registers)
    params/<quarter>.freeze.json    the freeze record, committed before the seed
    params/calendar/<year>.yaml     working days of a year chinesecalendar does not know
    registers/<quarter>/            the registers as exported (paths are set in the params),
                                    the results form and the filled forms
    outputs/<quarter>/              the quarter's archive, written once by the draw
    public/<quarter>/               the quarter's public files (results publication, tasks)

An archive's ``inputs/`` folder mirrors this layout, so the draw can be re-run
with ``Project(archive / "inputs")`` as the root.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import ParamsError, Problem

DEMO_QUARTER = "demo-2026Q4"
PARAMS = "params"
PUBLIC = "public"


def params_name(quarter: str) -> str:
    """The quarter's params file, relative to the project (and to an archive's ``inputs/``)."""
    return f"{PARAMS}/{quarter}.yaml"


def freeze_name(quarter: str) -> str:
    """The quarter's freeze record, relative to the project (and to an archive's ``inputs/``)."""
    return f"{PARAMS}/{quarter}.freeze.json"


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def outputs(self) -> Path:
        return self.root / "outputs"

    def public(self, quarter: str) -> Path:
        """``public/<quarter>/``: the quarter's public files, a tree that can be handed out whole."""
        return self.root / PUBLIC / quarter

    def violations(self, series: str) -> Path:
        """``outputs/violations.csv`` (real quarters) or ``outputs/demo-violations.csv``: derived, rebuilt."""
        return self.outputs / ("violations.csv" if series == "real" else f"{series}-violations.csv")

    def calendar(self) -> Path:
        """``params/calendar/``: working-day calendars for years the chinesecalendar package does not know."""
        return self.root / PARAMS / "calendar"

    def forms(self, quarter: str) -> Path:
        """``registers/<quarter>/``: where the quarter's results form is written and filled forms are kept."""
        return self.root / "registers" / quarter

    def params_file(self, quarter: str) -> Path:
        return self.root / params_name(quarter)

    def freeze_file(self, quarter: str) -> Path:
        return self.root / freeze_name(quarter)

    def archive(self, quarter: str) -> Path:
        return self.outputs / quarter

    def relative(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def register_path(self, relative: str, shown: str, key: str) -> Path:
        """A register path from the params, which must stay inside the project folder."""
        pure = PurePosixPath(relative)
        if pure.is_absolute() or ".." in pure.parts:
            raise ParamsError([Problem(shown, None, None,
                                       f"key '{key}': '{relative}' must be a path inside the project folder, "
                                       "e.g. registers/2026Q1/entities.csv, so the archive can hold a copy")])
        return self.root / pure
