"""The freeze record: its JSON both ways (older records without history or feasibility still
read), what it refuses, and ``freeze.check`` naming every difference on its own line."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from zhanhe_audit.errors import FreezeError
from zhanhe_audit.freeze import FreezeRecord, check, read_record

ROOT = Path(__file__).resolve().parents[1]
DEMO_FREEZE = ROOT / "params" / "demo-2026Q4.freeze.json"
OLD_FREEZE = (Path(__file__).resolve().parent / "fixtures" / "archive-draw-v1" / "outputs" / "2026Q1" / "inputs"
              / "params" / "2026Q1.freeze.json")

NAMES = ("entities", "items", "inspectors", "conflicts", "tags")
FILES = {name: f"registers/2026Q1/{name}.csv" for name in NAMES}
HASHES = {name: f"{index}" * 64 for index, name in enumerate(NAMES, start=1)}
PARAMS = "a" * 64
HISTORY = "b" * 64


def _record(history: bool = True, feasibility: bool = True) -> FreezeRecord:
    return FreezeRecord(
        protocol="draw-v1",
        quarter="2026Q1",
        frozen_at="2026-01-03T08:00:00+00:00",
        registers={name: {"path": FILES[name], "sha256": HASHES[name], "rows": rows}
                   for name, rows in zip(NAMES, (300, 14, 60, 0, 18), strict=True)},
        params_without_seed_sha256=PARAMS,
        history={"visits": 19, "sha256": HISTORY} if history else None,
        inspector_feasibility=({"entity_departments": 21, "fewest_candidates": None, "per_department": 2}
                               if feasibility else None),
        entities_per_grade={"A": 200, "B": 60, "C": 30, "D": 10},
        active_entities_per_grade={"A": 190, "B": 55, "C": 30, "D": 0},
    )


@pytest.mark.parametrize(("history", "feasibility"), [(True, True), (False, False), (True, False), (False, True)])
def test_freeze_record_round_trips_with_and_without_history_and_feasibility(history, feasibility):
    record = _record(history, feasibility)
    text = record.to_json()
    assert FreezeRecord.from_json(text, "params/2026Q1.freeze.json", "2026Q1") == record
    data = json.loads(text)
    assert data["format"] == "zhanhe-freeze-1"
    assert ("history" in data) is history
    assert ("inspector_feasibility" in data) is feasibility


@pytest.mark.parametrize("disclosed", [None, [], [{"item": "SX09", "department": "湛河区市场监督管理局",
                                                    "grades": ["C", "D"], "tasks": ["2026Q1-T03", "2026Q1-T04"]}]])
def test_freeze_record_round_trips_its_grade_disclosure_absent_empty_or_listed(disclosed):
    record = dataclasses.replace(_record(), grade_disclosure=disclosed)
    text = record.to_json()
    assert FreezeRecord.from_json(text, "params/2026Q1.freeze.json", "2026Q1") == record
    data = json.loads(text)
    assert ("grade_disclosure" in data) is (disclosed is not None)
    assert list(data)[-1] == ("grade_disclosure" if disclosed is not None else "active_entities_per_grade")
    if disclosed:
        assert "湛河区市场监督管理局" in text  # written as UTF-8, not \u escapes


def test_freeze_record_json_is_utf8_indented_and_ends_with_a_newline():
    text = _record().to_json()
    assert text.startswith('{\n  "format": "zhanhe-freeze-1",\n  "protocol": "draw-v1",\n  "quarter": "2026Q1",\n')
    assert text.endswith("\n}\n")


def test_older_freeze_record_without_history_or_feasibility_reads_and_rewrites_byte_for_byte():
    text = OLD_FREEZE.read_bytes().decode("utf-8")
    raw = json.loads(text)
    assert "history" not in raw and "inspector_feasibility" not in raw  # the fixture is an older record
    record = FreezeRecord.from_json(text, OLD_FREEZE.name, "2026Q1")
    assert record.history is None and record.inspector_feasibility is None and record.grade_disclosure is None
    assert {name: record.registers[name]["sha256"] for name in NAMES} == \
        {name: raw["registers"][name]["sha256"] for name in NAMES}
    assert record.to_json().encode("utf-8") == OLD_FREEZE.read_bytes()


def test_demo_freeze_record_reads_and_rewrites_byte_for_byte():
    record = read_record(DEMO_FREEZE, "demo-2026Q4")
    raw = json.loads(DEMO_FREEZE.read_text(encoding="utf-8"))
    assert record.quarter == "demo-2026Q4"
    assert record.history == raw["history"] and record.history is not None
    assert record.inspector_feasibility == raw["inspector_feasibility"]
    assert record.to_json().encode("utf-8") == DEMO_FREEZE.read_bytes()


def test_freeze_record_of_another_quarter_is_refused_naming_the_file_and_quarter():
    with pytest.raises(FreezeError, match=r"^params/2026Q2\.freeze\.json: not a freeze record of 2026Q2"):
        FreezeRecord.from_json(_record().to_json(), "params/2026Q2.freeze.json", "2026Q2")


def test_freeze_record_of_another_format_is_refused():
    data = json.loads(_record().to_json())
    data["format"] = "zhanhe-freeze-2"
    with pytest.raises(FreezeError, match=r"^params/2026Q1\.freeze\.json: not a freeze record of 2026Q1"):
        FreezeRecord.from_json(json.dumps(data), "params/2026Q1.freeze.json", "2026Q1")


def test_freeze_record_without_a_format_is_refused():
    data = json.loads(_record().to_json())
    del data["format"]
    with pytest.raises(FreezeError, match="not a freeze record"):
        FreezeRecord.from_json(json.dumps(data), "params/2026Q1.freeze.json", "2026Q1")


@pytest.mark.parametrize("text", ['{"format": "zhanhe-freeze-1",', "", "nan nan"], ids=["truncated", "empty", "words"])
def test_freeze_record_that_is_not_json_is_refused_naming_the_file(text):
    with pytest.raises(FreezeError, match=r"^params/2026Q1\.freeze\.json: the freeze record is not valid JSON"):
        FreezeRecord.from_json(text, "params/2026Q1.freeze.json", "2026Q1")


@pytest.mark.parametrize("text", ["[]", "null", '"zhanhe-freeze-1"'], ids=["a_list", "null", "a_string"])
def test_freeze_record_that_is_json_but_not_an_object_is_refused(text):
    with pytest.raises(FreezeError, match=r"^params/2026Q1\.freeze\.json: not a freeze record of 2026Q1"):
        FreezeRecord.from_json(text, "params/2026Q1.freeze.json", "2026Q1")


@pytest.mark.parametrize("change", ["no_registers", "no_tags_register", "hash_a_number", "no_frozen_at"])
def test_incomplete_freeze_record_is_refused_naming_the_file(change):
    data = json.loads(_record().to_json())
    if change == "no_registers":
        del data["registers"]
    elif change == "no_tags_register":
        del data["registers"]["tags"]
    elif change == "hash_a_number":
        data["registers"]["items"]["sha256"] = 12
    else:
        del data["frozen_at"]
    with pytest.raises(FreezeError, match=r"^params/2026Q1\.freeze\.json: the freeze record is incomplete"):
        FreezeRecord.from_json(json.dumps(data), "params/2026Q1.freeze.json", "2026Q1")


def test_read_record_of_a_missing_file_says_to_run_make_freeze(tmp_path):
    with pytest.raises(FreezeError, match=r"2026Q1\.freeze\.json: no freeze record for 2026Q1; "
                                          r"run 'make freeze QUARTER=2026Q1'"):
        read_record(tmp_path / "2026Q1.freeze.json", "2026Q1")


# --- check ----------------------------------------------------------------------------------------


def _problems(error: pytest.ExceptionInfo) -> list[str]:
    lines = str(error.value).split("\n")
    assert lines[0] == "the inputs do not match their freeze record; the draw refuses:"
    assert all(line.startswith("  - ") for line in lines[1:])
    return [line[4:] for line in lines[1:]]


def test_check_passes_when_everything_matches_the_freeze():
    check(_record(), dict(FILES), dict(HASHES), PARAMS, HISTORY)


def test_check_of_an_older_record_ignores_the_history():
    check(_record(history=False), dict(FILES), dict(HASHES), PARAMS, "c" * 64)


def test_check_names_each_changed_register_the_params_and_the_history_on_its_own_line():
    files = dict(FILES, items="registers/2026Q1/items-v2.csv")
    hashes = dict(HASHES, entities="e" * 64, conflicts="f" * 64)
    with pytest.raises(FreezeError) as error:
        check(_record(), files, hashes, "d" * 64, "c" * 64)
    problems = _problems(error)
    assert len(problems) == 5
    by_subject = {line.split(":")[0]: line for line in problems}
    assert set(by_subject) == {"params", "history", "entities", "items", "conflicts"}
    assert "e" * 64 in by_subject["entities"] and HASHES["entities"] in by_subject["entities"]
    assert "registers/2026Q1/entities.csv" in by_subject["entities"]
    assert "f" * 64 in by_subject["conflicts"] and HASHES["conflicts"] in by_subject["conflicts"]
    assert "'registers/2026Q1/items-v2.csv'" in by_subject["items"]
    assert "'registers/2026Q1/items.csv'" in by_subject["items"]
    for unchanged in ("inspectors", "tags"):
        assert not any(unchanged in line for line in problems)


@pytest.mark.parametrize("subject", ["params", "history", *NAMES])
def test_check_names_a_single_difference_alone(subject):
    files, hashes, params, history = dict(FILES), dict(HASHES), PARAMS, HISTORY
    if subject == "params":
        params = "d" * 64
    elif subject == "history":
        history = "c" * 64
    else:
        hashes[subject] = "9" * 64
    with pytest.raises(FreezeError) as error:
        check(_record(), files, hashes, params, history)
    problems = _problems(error)
    assert len(problems) == 1 and problems[0].startswith(f"{subject}: ")


def test_check_names_a_register_missing_from_the_freeze():
    record = _record()
    del record.registers["tags"]
    with pytest.raises(FreezeError) as error:
        check(record, dict(FILES), dict(HASHES), PARAMS, HISTORY)
    assert [line.split(":")[0] for line in _problems(error)] == ["tags"]


@pytest.mark.parametrize("history", ["b" * 64, [19, "b" * 64]], ids=["a_string", "a_list"])
def test_freeze_record_whose_history_is_not_an_object_is_refused_as_a_freeze_error(history):
    """A hand-edited record gives the package's own error naming the file (so when it is read),
    never an AttributeError when it is checked."""
    data = json.loads(_record().to_json())
    data["history"] = history
    with pytest.raises(FreezeError, match=r"params/2026Q1\.freeze\.json"):
        record = FreezeRecord.from_json(json.dumps(data), "params/2026Q1.freeze.json", "2026Q1")
        check(record, dict(FILES), dict(HASHES), PARAMS, HISTORY)
