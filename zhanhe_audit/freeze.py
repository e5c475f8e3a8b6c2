"""The freeze record (protocol v1, "Freeze").

Before the seed exists, the quarter's registers are frozen: their SHA-256
file hashes, row counts and per-grade counts are recorded and committed.
The draw refuses when any register no longer matches its freeze.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from .errors import FreezeError
from .registers import GRADES, REGISTER_NAMES, Registers, grade_counts

FORMAT = "zhanhe-freeze-1"


def freeze_record(quarter: str, protocol: str, files: dict[str, str], hashes: dict[str, str],
                  registers: Registers, params_digest: str, frozen_at: datetime | None = None) -> dict:
    """The record for registers read from ``files`` (register -> relative path) with ``hashes``,
    and for the params without their seed (``params_digest``)."""
    rows = {
        "entities": len(registers.entities),
        "items": len(registers.items),
        "inspectors": len(registers.inspectors),
        "conflicts": len(registers.conflicts),
        "tags": len(registers.tags),
    }
    active = grade_counts(tuple(entity for entity in registers.entities if entity.active))
    return {
        "format": FORMAT,
        "protocol": protocol,
        "quarter": quarter,
        "frozen_at": (frozen_at or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
        "registers": {
            name: {"path": files[name], "sha256": hashes[name], "rows": rows[name]} for name in REGISTER_NAMES
        },
        "params_without_seed_sha256": params_digest,
        "entities_per_grade": grade_counts(registers.entities),
        "active_entities_per_grade": active,
    }


def record_json(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, indent=2) + "\n"


def read_record(path: Path, quarter: str) -> dict:
    if not path.is_file():
        raise FreezeError(
            f"{path.name}: no freeze record for {quarter}; run 'make freeze QUARTER={quarter}' "
            "and commit it before the seed is drawn"
        )
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise FreezeError(f"{path.name}: the freeze record is not valid JSON ({error})") from None
    if record.get("format") != FORMAT or record.get("quarter") != quarter:
        raise FreezeError(f"{path.name}: not a freeze record of {quarter}")
    return record


def check(record: dict, files: dict[str, str], hashes: dict[str, str], params_digest: str) -> None:
    """Refuse when any register's path or hash, or the params apart from the seed, differ from the freeze."""
    problems = []
    if record.get("params_without_seed_sha256") != params_digest:
        problems.append("params: the params file changed apart from its seed since the freeze (percentages, tasks, "
                        "exclusions or caps); they are fixed before the seed is known")
    for name in REGISTER_NAMES:
        frozen = record["registers"].get(name, {})
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


def grades_line(record: dict) -> str:
    counts = record["active_entities_per_grade"]
    return ", ".join(f"{grade} {counts[grade]}" for grade in GRADES)
