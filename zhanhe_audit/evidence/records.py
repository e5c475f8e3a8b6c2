"""The records of an archive: ``draw/draw.json``, and what is appended later.

Nothing in a quarter's archive is ever changed. What happens after the draw is appended
as a numbered record, ``records/NNNN-<kind>/``, with its own SHA256SUMS and manifest in
the hash chain (protocol v1, "Records"): here are their folders, in order, and their names.
What a record does to the quarter is ``quarter.RecordKind``; the kinds are listed in one
place, ``kinds.KINDS``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ArchiveError
from ..layout import DRAW_RECORD, RECORDS
from .store import read_text

RECORD_NAME = re.compile(r"(?P<number>\d{4,})-(?P<kind>[a-z]+)\Z")


def record_folders(folder: Path) -> list[Path]:
    """The records appended to an archive, in order (``records/NNNN-<kind>/``; temporary folders apart)."""
    base = folder / RECORDS
    if not base.is_dir():
        return []
    found = [(int(match["number"]), path) for path in base.iterdir()
             if path.is_dir() and (match := RECORD_NAME.match(path.name))]
    return [path for _, path in sorted(found)]


def kind_of(record: Path) -> str:
    match = RECORD_NAME.match(record.name)
    if not match:
        raise ArchiveError(f"{RECORDS}/{record.name} is not named NNNN-<kind>")
    return match["kind"]


def next_name(folder: Path, kind: str) -> str:
    return f"{len(record_folders(folder)) + 1:04d}-{kind}"


def shown(record: Path) -> str:
    """A record's folder as the archive names it: ``records/NNNN-<kind>``."""
    return f"{RECORDS}/{record.name}"


def load_json(path: Path, shown_as: str) -> dict:
    try:
        data = json.loads(read_text(path, shown_as))
    except ValueError as error:
        raise ArchiveError(f"{shown_as} is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise ArchiveError(f"{shown_as} is not a JSON object")
    return data


@dataclass(frozen=True)
class DrawRecord:
    """``draw/draw.json``: what was drawn under which protocol, seed and registers (no clock time)."""

    protocol: str
    quarter: str
    demo: bool
    seed: str
    seed_provenance: dict
    percent: dict[str, str]
    inspection: dict
    frequency: dict
    exclusions: list[dict]
    tasks: list[dict]
    registers: dict[str, dict[str, str]]

    def to_json(self) -> str:
        return json.dumps(vars(self), ensure_ascii=False, indent=2, default=str) + "\n"

    @classmethod
    def from_json(cls, text: str, shown_as: str) -> DrawRecord:
        try:
            data = json.loads(text)
            record = cls(**data)
            if not (isinstance(record.protocol, str) and isinstance(record.seed, str)
                    and all(isinstance(task["id"], str) for task in record.tasks)):
                raise TypeError("protocol, seed and task ids must be text")
        except (ValueError, TypeError, KeyError) as error:
            raise ArchiveError(f"{shown_as} is not a draw record ({error})") from None
        return record

    @classmethod
    def read(cls, folder: Path) -> DrawRecord:
        return cls.from_json(read_text(folder / DRAW_RECORD, DRAW_RECORD), DRAW_RECORD)

    @property
    def task_ids(self) -> list[str]:
        return [task["id"] for task in self.tasks]
