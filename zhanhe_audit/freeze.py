"""The freeze record (protocol v1, "Freeze").

Before the seed exists, the quarter's registers are frozen: their SHA-256
file hashes, row counts and per-grade counts are recorded and committed,
with the SHA-256 of the params without their seed and of the history of
earlier archives that eligibility and the inspector rules read. The record
also states that every entity that could be drawn has enough inspectors
(``inspectors.feasibility``, run by ``engine.freeze_quarter`` before the
freeze is written), and which published items would disclose grades (``disclosure``: a warning,
never a refusal). The draw refuses when any of the hashes no longer matches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypedDict

from .disclosure import DisclosureEntry
from .errors import FreezeError
from .registers import GRADES, REGISTER_NAMES, Registers

FORMAT = "zhanhe-freeze-1"
OPTIONAL = ("history", "inspector_feasibility", "grade_disclosure")  # absent from records made before them


class FrozenRegister(TypedDict):
    path: str
    sha256: str
    rows: int


class FrozenHistory(TypedDict):
    visits: int
    sha256: str


class Feasibility(TypedDict):
    entity_departments: int
    fewest_candidates: int | None
    per_department: int


@dataclass(frozen=True)
class FreezeRecord:
    """``params/<quarter>.freeze.json``. Records made before the history, the inspector feasibility and
    the grade disclosure were recorded have none of them (``None``)."""

    protocol: str
    quarter: str
    frozen_at: str
    registers: dict[str, FrozenRegister]
    params_without_seed_sha256: str
    history: FrozenHistory | None
    inspector_feasibility: Feasibility | None
    entities_per_grade: dict[str, int]
    active_entities_per_grade: dict[str, int]
    grade_disclosure: list[DisclosureEntry] | None = None  # the items that would disclose grades (empty: none)

    def to_json(self) -> str:
        data: dict[str, object] = {"format": FORMAT}
        data.update((key, value) for key, value in vars(self).items()
                    if value is not None or key not in OPTIONAL)
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, shown: str, quarter: str) -> FreezeRecord:
        """The record in ``text``; ``FreezeError`` naming ``shown`` when it is not a freeze record of ``quarter``."""
        try:
            data = json.loads(text)
        except ValueError as error:
            raise FreezeError(f"{shown}: the freeze record is not valid JSON ({error})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("quarter") != quarter:
            raise FreezeError(f"{shown}: not a freeze record of {quarter}")
        try:
            record = cls(data["protocol"], data["quarter"], data["frozen_at"], data["registers"],
                         data["params_without_seed_sha256"], data.get("history"), data.get("inspector_feasibility"),
                         data["entities_per_grade"], data["active_entities_per_grade"], data.get("grade_disclosure"))
            if not all(isinstance(record.registers[name]["sha256"], str) for name in REGISTER_NAMES):
                raise TypeError("a register's SHA-256 is not text")
            if record.history is not None and not (isinstance(record.history, dict)
                                                   and isinstance(record.history.get("sha256"), str)):
                raise TypeError("the history is not an object with a SHA-256")
        except (TypeError, KeyError) as error:
            raise FreezeError(f"{shown}: the freeze record is incomplete ({error!r})") from None
        return record

    @property
    def grades_line(self) -> str:
        counts = self.active_entities_per_grade
        return ", ".join(f"{grade} {counts[grade]}" for grade in GRADES)


def freeze_record(quarter: str, protocol: str, *, files: dict[str, str], hashes: dict[str, str],
                  registers: Registers, params_digest: str, history: FrozenHistory, feasibility: Feasibility,
                  disclosed: list[DisclosureEntry], frozen_at: datetime | None = None) -> FreezeRecord:
    """The record for registers read from ``files`` (register -> relative path) with ``hashes``,
    for the params without their seed (``params_digest``), for the history of earlier archives
    (``history``: visits and SHA-256 of ``inputs/history.csv`` as the draw will write it), and
    what the inspector feasibility check found (``feasibility``), and the items whose publication
    would disclose grades (``disclosed``)."""
    rows = {
        "entities": len(registers.entities),
        "items": len(registers.items),
        "inspectors": len(registers.inspectors),
        "conflicts": len(registers.conflicts),
        "tags": len(registers.tags),
    }
    return FreezeRecord(
        protocol=protocol,
        quarter=quarter,
        frozen_at=(frozen_at or datetime.now(UTC)).isoformat(timespec="seconds"),
        registers={name: {"path": files[name], "sha256": hashes[name], "rows": rows[name]} for name in REGISTER_NAMES},
        params_without_seed_sha256=params_digest,
        history=history,
        inspector_feasibility=feasibility,
        entities_per_grade=registers.entities.grade_counts(),
        active_entities_per_grade=registers.entities.grade_counts(active_only=True),
        grade_disclosure=disclosed,
    )


def read_record(path: Path, quarter: str) -> FreezeRecord:
    if not path.is_file():
        raise FreezeError(
            f"{path.name}: no freeze record for {quarter}; run 'make freeze QUARTER={quarter}' "
            "and commit it before the seed is drawn"
        )
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise FreezeError(f"{path.name}: the freeze record cannot be read ({error})") from None
    return FreezeRecord.from_json(text, path.name, quarter)


def check(record: FreezeRecord, files: dict[str, str], hashes: dict[str, str], params_digest: str,
          history_digest: str) -> None:
    """Refuse when any register's path or hash, the params apart from the seed, or the history differ
    from the freeze. (Records made before the history was frozen have no ``history`` entry.)"""
    problems = []
    if record.params_without_seed_sha256 != params_digest:
        problems.append("params: the params file changed apart from its seed since the freeze (percentages, tasks, "
                        "exclusions or caps); they are fixed before the seed is known")
    if record.history is not None and record.history.get("sha256") != history_digest:
        problems.append("history: the visits of earlier archives on the chain changed since the freeze (a draw or "
                        "record of an earlier quarter was appended or removed); frequency caps and inspector "
                        "rotation read them, so they are fixed before the seed is known")
    for name in REGISTER_NAMES:
        frozen: dict[str, object] = dict(record.registers.get(name) or {})
        if frozen.get("path") != files[name]:
            problems.append(f"{name}: the params name '{files[name]}', the freeze recorded '{frozen.get('path')}'")
        elif frozen.get("sha256") != hashes[name]:
            problems.append(
                f"{name}: {files[name]} has SHA-256 {hashes[name]}, the freeze recorded {frozen.get('sha256')}; "
                "the register changed after it was frozen"
            )
    if problems:
        raise FreezeError("the inputs do not match their freeze record; the draw refuses:\n"
                          + "\n".join(f"  - {line}" for line in problems))
