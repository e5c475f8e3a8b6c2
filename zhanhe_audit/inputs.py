"""A quarter's inputs: its params, its five registers and the history of earlier archives, validated.

Everything a draw (or its recomputation by ``make verify``) reads comes through here. The
history is passed in: the engine reads it from the hash chain in ``outputs/``, and an
archive holds its own copy in ``inputs/history.csv`` (``evidence.archived.load_archived``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import DrawRefused
from .hashing import sha256_file
from .history import History
from .params import Params, load_params
from .paths import Project
from .registers import REGISTER_NAMES, Registers, load_registers


@dataclass(frozen=True)
class Inputs:
    project: Project
    quarter: str
    params: Params
    files: dict[str, str]  # register -> path relative to the project root
    hashes: dict[str, str]  # register -> SHA-256 of the file
    registers: Registers
    history: History  # visits of earlier archives on the chain

    def path(self, register: str) -> Path:
        return self.project.root / self.files[register]

    @property
    def params_shown(self) -> str:
        return self.project.relative(self.project.params_file(self.quarter))

    @property
    def seed(self) -> str:
        """The normalised seed; ``DrawRefused`` when the params have none yet."""
        if self.params.seed is None:
            raise DrawRefused(f"{self.params_shown} has no seed yet: after the freeze is committed, hold the seed "
                              "ceremony and write 'seed.value' with its provenance into the params")
        return self.params.seed.value


def load_inputs(project: Project, quarter: str, history: History) -> Inputs:
    """Params and registers of ``quarter`` under ``project``, validated (raises the package's errors)."""
    params_path = project.params_file(quarter)
    shown = project.relative(params_path)
    params = load_params(params_path, shown)
    if params.quarter != quarter:
        raise DrawRefused(f"{shown} says quarter '{params.quarter}', expected '{quarter}'")
    files = dict(params.registers)
    paths = {name: project.register_path(files[name], shown, f"registers.{name}") for name in REGISTER_NAMES}
    registers = load_registers(paths, files, params.headers, params.unclassified_grade, params.values)
    hashes = {name: sha256_file(paths[name]) for name in REGISTER_NAMES}
    return Inputs(project, quarter, params, files, hashes, registers, history)
