"""Tests of the synthetic demo registers (zhanhe_audit.demo).

The properties are checked on rows read back with the ``csv`` module, not
with code from the generator.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

from zhanhe_audit.demo_registers import generate
from zhanhe_audit.uscc import is_valid

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "registers" / "demo-2026Q4"
FILES = ("entities", "items", "inspectors", "conflicts", "tags")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return generate(tmp_path_factory.mktemp("demo"))


def read(paths: dict[str, Path], name: str) -> list[dict[str, str]]:
    with paths[name].open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def test_generate_returns_the_five_registers(generated: dict[str, Path]) -> None:
    assert set(generated) == set(FILES)
    for name, path in generated.items():
        assert path.name == f"{name}.csv"
        assert path.is_file()


@pytest.mark.parametrize("name", FILES)
def test_regenerated_file_is_byte_identical_to_committed(generated: dict[str, Path], name: str) -> None:
    assert generated[name].read_bytes() == (COMMITTED / f"{name}.csv").read_bytes()


def test_committed_readme_matches_regenerated(generated: dict[str, Path]) -> None:
    readme = generated["entities"].parent / "README.md"
    assert readme.read_bytes() == (COMMITTED / "README.md").read_bytes()


@pytest.mark.parametrize("name", FILES)
def test_files_are_utf8_without_bom_with_lf_endings(generated: dict[str, Path], name: str) -> None:
    data = generated[name].read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in data
    assert data.endswith(b"\n")
    data.decode("utf-8")


def test_headers_are_exact(generated: dict[str, Path]) -> None:
    expected = {
        "entities": "uscc,name,grade,tags,unit,status,established",
        "items": "item_id,name,department,legal_basis,target_tags,kind",
        "inspectors": "cert_no,name,department,unit,certified",
        "conflicts": "cert_no,uscc,reason",
        "tags": "code,name",
    }
    for name, header in expected.items():
        first_line = generated[name].read_text(encoding="utf-8").split("\n", 1)[0]
        assert first_line == header


def test_entities_are_20000_unique_valid_zhanhe_usccs(generated: dict[str, Path]) -> None:
    codes = [row["uscc"] for row in read(generated, "entities")]
    assert len(codes) == 20000
    assert len(set(codes)) == 20000
    for code in codes:
        assert is_valid(code), code
        assert code[0] == "9" and code[1] in "12" and code[2:8] == "410411", code


def test_entity_type_matches_enterprise_or_individual_tag(generated: dict[str, Path]) -> None:
    for row in read(generated, "entities"):
        tags = row["tags"].split(";")
        expected = "ENTERPRISE" if row["uscc"][1] == "1" else "INDIVIDUAL"
        assert tags[0] == expected, row
        assert ("INDIVIDUAL" if expected == "ENTERPRISE" else "ENTERPRISE") not in tags
        assert 2 <= len(tags) <= 3, row


def test_grade_shares_are_within_two_points_of_65_25_8_2(generated: dict[str, Path]) -> None:
    rows = read(generated, "entities")
    grades = Counter(row["grade"] for row in rows)
    assert set(grades) == {"A", "B", "C", "D"}
    for grade, percent in {"A": 65, "B": 25, "C": 8, "D": 2}.items():
        assert abs(100 * grades[grade] / len(rows) - percent) <= 2, (grade, grades[grade])


def test_entity_status_and_established_values(generated: dict[str, Path]) -> None:
    rows = read(generated, "entities")
    assert {row["status"] for row in rows} <= {"存续", "注销", "吊销"}
    for row in rows:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["established"]), row
        assert "1995-01-01" <= row["established"] <= "2026-06-30", row


def test_tag_codes_are_upper_case_and_unique(generated: dict[str, Path]) -> None:
    codes = [row["code"] for row in read(generated, "tags")]
    assert len(codes) == len(set(codes))
    assert {"ENTERPRISE", "INDIVIDUAL"} <= set(codes)
    for code in codes:
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", code), code


def test_every_entity_tag_is_in_the_catalogue_in_catalogue_order(generated: dict[str, Path]) -> None:
    order = {row["code"]: index for index, row in enumerate(read(generated, "tags"))}
    for row in read(generated, "entities"):
        tags = row["tags"].split(";")
        assert all(tag in order for tag in tags), row
        assert tags == sorted(tags, key=order.__getitem__), row
        assert len(set(tags)) == len(tags), row


def test_every_item_target_tag_is_in_the_catalogue(generated: dict[str, Path]) -> None:
    codes = {row["code"] for row in read(generated, "tags")}
    items = read(generated, "items")
    assert [row["item_id"] for row in items] == [f"SX{n:02d}" for n in range(1, 15)]
    for row in items:
        assert row["kind"] in {"一般", "重点"}
        for tag in row["target_tags"].split(";"):
            assert tag in codes, row


def test_inspectors_are_60_with_unique_14_digit_cert_numbers(generated: dict[str, Path]) -> None:
    numbers = [row["cert_no"] for row in read(generated, "inspectors")]
    assert len(numbers) == 60
    assert len(set(numbers)) == 60
    for number in numbers:
        assert re.fullmatch(r"410400(20[12]\d)\d{4}", number), number
        assert 2010 <= int(number[6:10]) <= 2024, number


def test_every_samr_unit_has_at_least_five_inspectors(generated: dict[str, Path]) -> None:
    units = Counter(
        row["unit"] for row in read(generated, "inspectors") if row["department"] == "湛河区市场监督管理局"
    )
    assert len(units) == 8
    assert min(units.values()) >= 5


def test_every_item_department_has_at_least_four_certified_inspectors(generated: dict[str, Path]) -> None:
    certified = Counter(
        row["department"] for row in read(generated, "inspectors") if row["certified"] == "是"
    )
    for row in read(generated, "items"):
        assert certified[row["department"]] >= 4, row["department"]


def test_conflicts_refer_to_existing_inspectors_and_active_entities(generated: dict[str, Path]) -> None:
    inspectors = {row["cert_no"]: row for row in read(generated, "inspectors")}
    entities = {row["uscc"]: row for row in read(generated, "entities")}
    conflicts = read(generated, "conflicts")
    assert len(conflicts) == 6
    for row in conflicts:
        assert row["cert_no"] in inspectors, row
        assert inspectors[row["cert_no"]]["department"] == "湛河区市场监督管理局", row
        assert row["uscc"] in entities, row
        assert entities[row["uscc"]]["status"] == "存续", row
        assert row["reason"], row
