"""The inputs an archive was drawn from: its ``inputs/`` folder, which mirrors the project's layout."""

from __future__ import annotations

from pathlib import Path

from ..inputs import Inputs, load_inputs
from ..layout import INPUTS
from ..paths import Project
from .files import read_history


def load_archived(folder: Path, quarter: str) -> Inputs:
    """The params, registers and history archived in ``folder``, validated as ``make draw`` validated them."""
    return load_inputs(Project(folder / INPUTS), quarter, read_history(folder))
