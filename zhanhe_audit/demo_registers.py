"""The five SYNTHETIC demo registers, generated and written: the tags, items, inspectors and declared conflicts
beside the entities (``demo_entities``), each a CSV file of ``registers/demo-2026Q4``, with its README.md.

Everything written here is made up: the entities, names, codes and inspectors are not real companies or people,
and any resemblance is coincidental. Files are UTF-8 without BOM, LF line endings, written with the ``csv``
module in a fixed row order, each file atomically (temporary file in the same folder, then ``os.replace``).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from .demo_choices import choice, draw, percent
from .demo_district import (
    ACTIVE_STATUS,
    CONFLICT_COUNT,
    CONFLICT_REASONS,
    DEPT_EMERGENCY,
    DEPT_HEALTH,
    DEPT_SAMR,
    EMERGENCY_INSPECTORS,
    FILE_ORDER,
    GIVEN_CHARS,
    GRADE_SHARES,
    HEADERS,
    HEALTH_INSPECTORS,
    ITEMS,
    SAMR_INSPECTORS,
    STATUS_SHARES,
    SURNAMES,
    TAGS,
    TWO_CHAR_GIVEN_PERCENT,
    UNCERTIFIED_INSPECTORS,
    UNIT_EMERGENCY,
    UNIT_HEALTH,
    UNITS,
    Row,
)
from .demo_entities import entity_rows

# --- other registers -----------------------------------------------------------


def tag_rows() -> list[Row]:
    return [{"code": code, "name": name} for code, name in TAGS]


def item_rows() -> list[Row]:
    return [dict(zip(HEADERS["items"], item, strict=True)) for item in ITEMS]


def _person_name(*key: object) -> str:
    name = choice(SURNAMES, *key, "surname") + choice(GIVEN_CHARS, *key, "given-1")
    if percent(*key, "two-char?") < TWO_CHAR_GIVEN_PERCENT:
        name += choice(GIVEN_CHARS, *key, "given-2")
    return name


def inspector_rows() -> list[Row]:
    """60 inspectors: the SAMR spread over its units (at least 5 each), then
    the health and emergency-management enforcement teams."""
    postings: list[tuple[str, str]] = []
    unit_names = [unit for unit, _ in UNITS]
    for position in range(SAMR_INSPECTORS):
        postings.append((DEPT_SAMR, unit_names[position % len(unit_names)]))
    postings.sort(key=lambda posting: unit_names.index(posting[1]))
    postings += [(DEPT_HEALTH, UNIT_HEALTH)] * HEALTH_INSPECTORS
    postings += [(DEPT_EMERGENCY, UNIT_EMERGENCY)] * EMERGENCY_INSPECTORS

    uncertified: list[int] = []
    attempt = 0
    while len(uncertified) < UNCERTIFIED_INSPECTORS:
        pick = draw("inspector", "uncertified", attempt) % len(postings)
        if pick not in uncertified:
            uncertified.append(pick)
        attempt += 1

    rows: list[Row] = []
    numbers: set[str] = set()
    names: set[str] = set()
    for index, (department, unit) in enumerate(postings):
        attempt = 0
        while True:
            key = ("inspector", index, attempt)
            year = 2010 + draw(*key, "year") % 15
            serial = 1 + draw(*key, "serial") % 9999
            cert_no = f"410400{year:04d}{serial:04d}"
            name = _person_name(*key)
            if cert_no not in numbers and name not in names:
                numbers.add(cert_no)
                names.add(name)
                break
            attempt += 1
        rows.append(
            {
                "cert_no": cert_no,
                "name": name,
                "department": department,
                "unit": unit,
                "certified": "否" if index in uncertified else "是",
            }
        )
    return rows


def conflict_rows(inspectors: list[Row], entities: list[Row]) -> list[Row]:
    """Declared conflicts (回避) of SAMR inspectors with active enterprises of
    their own unit, one per inspector; the reasons take turns."""
    samr = [row for row in inspectors if row["department"] == DEPT_SAMR]
    first_reason = draw("conflict", "first-reason") % len(CONFLICT_REASONS)
    rows: list[Row] = []
    used: set[str] = set()
    attempt = 0
    while len(rows) < CONFLICT_COUNT:
        inspector = choice(samr, "conflict", attempt, "inspector")
        attempt += 1
        if inspector["cert_no"] in used:
            continue
        candidates = [
            row
            for row in entities
            if row["unit"] == inspector["unit"]
            and row["status"] == ACTIVE_STATUS
            and row["uscc"][1] == "1"  # enterprises: the reasons speak of 企业
        ]
        entity = choice(candidates, "conflict", attempt, "entity")
        used.add(inspector["cert_no"])
        reason = CONFLICT_REASONS[(first_reason + len(rows)) % len(CONFLICT_REASONS)]
        rows.append({"cert_no": inspector["cert_no"], "uscc": entity["uscc"], "reason": reason})
    return rows


# --- writing -------------------------------------------------------------------


def csv_text(header: Sequence[str], rows: list[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(header), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 (no BOM) to ``path`` via a temporary file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
        os.chmod(temporary, 0o644)  # mkstemp creates 0600; registers are shared files
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _readme(entities: list[Row], counts: dict[str, int]) -> str:
    grades = Counter(row["grade"] for row in entities)
    lines = [
        "# Demo registers, 2026 Q4 (SYNTHETIC)",
        "",
        "These registers are **synthetic demo data** made by `zhanhe_audit.demo`.",
        "They are not real companies or people; any resemblance to real entities,",
        "names, codes or inspectors is coincidental. The unified social credit codes",
        "have valid check characters but were generated, not looked up.",
        "",
        "Regenerate them (byte-identical on every platform) with:",
        "",
        "```",
        "python -m zhanhe_audit.demo registers/demo-2026Q4",
        "```",
        "",
        "Rows per file: "
        + ", ".join(f"`{name}.csv` {counts[name]}" for name in FILE_ORDER)
        + ".",
        "",
        "Entities per credit-risk grade:",
        "",
        "| grade | entities |",
        "|---|---|",
    ]
    lines += [f"| {grade} | {grades[grade]} |" for grade, _ in GRADE_SHARES]
    return "\n".join(lines) + "\n"


def generate(out_dir: Path) -> dict[str, Path]:
    """Write the five demo registers (and a README.md) into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    entities = entity_rows()
    inspectors = inspector_rows()
    registers = {
        "tags": tag_rows(),
        "entities": entities,
        "items": item_rows(),
        "inspectors": inspectors,
        "conflicts": conflict_rows(inspectors, entities),
    }
    paths: dict[str, Path] = {}
    for name in FILE_ORDER:
        paths[name] = out_dir / f"{name}.csv"
        write_atomic(paths[name], csv_text(HEADERS[name], registers[name]))
    counts = {name: len(rows) for name, rows in registers.items()}
    write_atomic(out_dir / "README.md", _readme(entities, counts))
    return paths


def summary(paths: dict[str, Path]) -> str:
    def read(name: str) -> list[Row]:
        with paths[name].open(encoding="utf-8", newline="") as file:
            return list(csv.DictReader(file))

    lines = [f"{paths[name]}: {len(read(name))} rows" for name in FILE_ORDER]
    entities = read("entities")
    grades = Counter(row["grade"] for row in entities)
    tags = Counter(tag for row in entities for tag in row["tags"].split(";"))
    units = Counter(row["unit"] for row in entities)
    statuses = Counter(row["status"] for row in entities)
    lines.append("grades: " + ", ".join(f"{g} {grades[g]}" for g, _ in GRADE_SHARES))
    lines.append("tags: " + ", ".join(f"{code} {tags[code]}" for code, _ in TAGS))
    lines.append("units: " + ", ".join(f"{unit} {units[unit]}" for unit, _ in UNITS))
    lines.append("status: " + ", ".join(f"{s} {statuses[s]}" for s, _ in STATUS_SHARES))
    return "\n".join(lines)
