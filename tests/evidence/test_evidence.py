"""The evidence layer: every CSV file's writer and reader, the draw record, manifests and the
chain, the atomic store and its lock, and the record folders.

Expected values are written out by hand here or read from the kept fixture with ``csv`` and
``json``, never produced by the code under test.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from projects import drawn_project
from zhanhe_audit import evidence as paths
from zhanhe_audit.errors import ArchiveError, EvidenceExists, RunInProgress
from zhanhe_audit.evidence import files
from zhanhe_audit.evidence.files import (
    BALANCE_CSV,
    CAP_EXCEPTIONS_CSV,
    EXCLUDED_CSV,
    HISTORY_CSV,
    INCLUSION_CSV,
    INSPECTOR_LOAD_CSV,
    MATCH_CSV,
    POPULATIONS_CSV,
    RESULTS_CSV,
    SUMMARY_CSV,
    TICKETS_CSV,
    TIMELINE_CSV,
    VISITS_CSV,
    CsvFile,
)
from zhanhe_audit.evidence.manifest import Manifest, read_sealed, walk_chain
from zhanhe_audit.evidence.records import DrawRecord, kind_of, next_name, record_folders
from zhanhe_audit.evidence.store import archives, building, exclusive, write_new
from zhanhe_audit.fairness import BalanceRow, TimelineRow
from zhanhe_audit.findings import Result
from zhanhe_audit.formulas import StratumSummary
from zhanhe_audit.history import PastVisit
from zhanhe_audit.inclusion import InclusionRow
from zhanhe_audit.inspectors import CapException, InspectorLoad, Visit
from zhanhe_audit.kinds import apply_records
from zhanhe_audit.matching import Excluded, Population, Qualified
from zhanhe_audit.tickets import TicketRow

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "archive-draw-v1" / "outputs" / "2026Q1"
RECORD = FIXTURE / "records" / "0001-replacement"

# Text a CSV writer must quote: a comma, a double quote, line breaks (LF and CR LF), Chinese.
AWKWARD = '湛河区, "新城" 分局\n第二行\r\n第三行'
TAB_AND_SPACES = "  leading and trailing spaces\tand a tab  "


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


# --- one round trip per CSV file -------------------------------------------------------------------

ROUND_TRIPS: dict[str, tuple[CsvFile, list]] = {
    "TICKETS_CSV": (TICKETS_CSV, [
        TicketRow("2026Q1-T01", "A", "91410411MA7ENJG8K2", "0" * 64, 1, True, None),
        TicketRow("2026Q1-T02", "D", "92410411MA88T9LN0X", "f" * 64, 12345, False, 2),
        TicketRow("2026Q1-T02", "C", "91410411314587721C", "ab" * 32, 2, True, 1),
    ]),
    "SUMMARY_CSV": (SUMMARY_CSV, [
        StratumSummary("2026Q1-T01", "A", 0, "7.5", "5", 0, 0, ""),
        StratumSummary("2026Q1-T01", "D", 300, "20", "50", 60, 60, AWKWARD),
    ]),
    "POPULATIONS_CSV": (POPULATIONS_CSV, [
        Population("2026Q1-T01", "A", 0, 0, 0, 0),
        Population("2026Q1-T02", "B", 1_000_000, 999_999, 1, 999_998),
    ]),
    "EXCLUDED_CSV": (EXCLUDED_CSV, [
        Excluded("2026Q1-T01", "C", "91410411MA7ENJG8K2", "已在本年度检查 2 次 (per_year cap, 2 visits)"),
        Excluded("2026Q1-T01", "C", "91410411414116353J", AWKWARD),
    ]),
    "MATCH_CSV": (MATCH_CSV, [
        Qualified("2026Q1-T01", "91410411MA7ENJG8K2", "SX01", ()),
        Qualified("2026Q1-T01", "91410411MA7ENJG8K2", "SX02", ("FOOD_SALE",)),
        Qualified("2026Q1-T02", "92410411MA88T9LN0X", "SX03", ("FOOD_SALE", "FOOD_SERVICE", "食品,经营")),
    ]),
    # A visit read back has ticket "" (the ticket is in tickets.csv), so the typed rows here have it empty.
    "VISITS_CSV": (VISITS_CSV, [
        Visit("2026Q1-V0001", "91410411MA7ENJG8K2", "2026Q1-T01", "", ("2026Q1-T01",), ("SX01",),
              ("湛河区市场监督管理局",), None, ("41040020184861", "41040020202686")),
        Visit("2026Q1-V0002", "92410411MA88T9LN0X", "2026Q1-T02", "", ("2026Q1-T01", "2026Q1-T02"),
              ("SX02", "SX03"), ("湛河区市场监督管理局", '卫生, "健康" 委员会'), 2, ()),
        Visit("2026Q1-V0003", "91410411314587721C", "2026Q1-T02", "", (), (), (), 1, ()),
    ]),
    "INSPECTOR_LOAD_CSV": (INSPECTOR_LOAD_CSV, [
        InspectorLoad("41040020184861", "张三", "湛河区市场监督管理局", "曙光街所", True, 3, 4),
        InspectorLoad("41040020202686", '李四, "小李"', "卫生健康委员会", AWKWARD, False, 0, None),
    ]),
    "CAP_EXCEPTIONS_CSV": (CAP_EXCEPTIONS_CSV, [
        CapException("2026Q1-V0007", "91410411314587721C", "湛河区市场监督管理局", "41040020114623", 4, 4, 0),
        CapException("2026Q1-V0008", "91410411MAUFG2MUG5", '卫生, "健康"', "41040020177597", 9, 3, 1),
    ]),
    "HISTORY_CSV": (HISTORY_CSV, [
        PastVisit("2025Q4", "2025Q4-V0001", "91410411MA7ENJG8K2", ("SX01", "SX02"), ("41040020184861",)),
        PastVisit("2026Q1", "2026Q1-V0019", "91410411957337515F", (), ()),
    ]),
    # Floats as the file holds them: six decimals (fairness rounds before writing).
    "BALANCE_CSV": (BALANCE_CSV, [
        BalanceRow("A", "unit", 5, 3.841459, 4, 0.05, ""),
        BalanceRow("D", "category", 1, None, None, None, "只有一个类别，无法检验 (one category, no test)"),
        BalanceRow("B", "unit", 3, 0.0, 2, 1.0, AWKWARD),
    ]),
    "INCLUSION_CSV": (INCLUSION_CSV, [
        InclusionRow("2026Q1-T01", "A", 120, 120, 2, 1000, 3, 31, 117.25, 0.412345),
        InclusionRow("2026Q1-T01", "D", 5000, 1000, 1, 1000, 1000, 1000, None, None),
    ]),
    "TIMELINE_CSV": (TIMELINE_CSV, [
        TimelineRow("冻结名录 freeze", "2026-01-03T08:00:00+08:00", "git 2f1e3a9", True),
        TimelineRow("种子 seed", "", AWKWARD, False),
    ]),
    "RESULTS_CSV": (RESULTS_CSV, [
        Result("2026Q1-V0001", "91410411MA7ENJG8K2", "SX01", "湛河区市场监督管理局", date(2026, 2, 3), date(2026, 2, 4),
               ("41040020184861", "41040020202686"), ("未发现问题",), "", "", "", "", None, "", None, False,
               date(2026, 3, 4), ""),
        Result("2026Q1-V0002", "92410411MA88T9LN0X", "SX03", "湛河区市场监督管理局", date(2026, 2, 28),
               date(2026, 3, 2), (), ("发现问题", "责令整改"), AWKWARD, "移交", "卫生健康委员会", "整改中",
               date(2026, 3, 20), "湛市监罚〔2026〕12号", date(2026, 3, 19), True, date(2026, 3, 30),
               "records/0002-results"),
    ]),
}


def test_every_csv_file_of_the_evidence_layer_has_a_round_trip_case_here():
    defined = {name for name, value in vars(files).items() if isinstance(value, CsvFile)}
    assert defined == set(ROUND_TRIPS)


@pytest.mark.parametrize("name", sorted(ROUND_TRIPS))
def test_csv_file_round_trips_typed_rows_with_edge_values(name):
    file, rows = ROUND_TRIPS[name]
    text = file.text(rows)
    assert file.parse(text) == rows
    # what the file holds is plain CSV: the standard reader sees the header and one record per row
    records = _csv(text)
    assert records[0] == list(file.columns)
    assert len(records) == len(rows) + 1 and all(len(record) == len(file.columns) for record in records)


@pytest.mark.parametrize("name", sorted(ROUND_TRIPS))
def test_csv_file_round_trips_no_rows_as_the_header_alone(name):
    file, _ = ROUND_TRIPS[name]
    assert file.text([]) == ",".join(file.columns) + "\n"
    assert file.parse(file.text([])) == []


def test_visits_csv_round_trips_an_empty_batch_and_no_inspectors():
    visit = Visit("2026Q1-V0009", "92410411MA88T9LN0X", "2026Q1-T01", "", ("2026Q1-T01",), ("SX02",),
                  ("湛河区市场监督管理局",), None, ())
    text = VISITS_CSV.text([visit])
    assert text.splitlines()[1] == "2026Q1-V0009,92410411MA88T9LN0X,2026Q1-T01,2026Q1-T01,SX02,湛河区市场监督管理局,,"
    assert VISITS_CSV.parse(text) == [visit]


def test_text_with_commas_quotes_and_line_breaks_is_quoted_and_kept_byte_for_byte():
    row = Excluded("T", "A", "U", AWKWARD)
    text = EXCLUDED_CSV.text([row])
    assert text == 'task_id,grade,uscc,reason\nT,A,U,"湛河区, ""新城"" 分局\n第二行\r\n第三行"\n'
    assert EXCLUDED_CSV.parse(text)[0].reason == AWKWARD
    spaced = Excluded("T", "A", "U", TAB_AND_SPACES)
    assert EXCLUDED_CSV.parse(EXCLUDED_CSV.text([spaced])) == [spaced]


def test_tickets_csv_text_is_exactly_header_then_rows_with_true_false_and_empty_batch():
    rows = [
        TicketRow("2026Q1-T01", "A", "91410411MA7ENJG8K2", "0a" * 32, 1, True, None),
        TicketRow("2026Q1-T02", "D", "92410411MA88T9LN0X", "ff" * 32, 7, False, 2),
    ]
    expected = (
        "task_id,grade,uscc,ticket,rank,selected,batch\n"
        f"2026Q1-T01,A,91410411MA7ENJG8K2,{'0a' * 32},1,true,\n"
        f"2026Q1-T02,D,92410411MA88T9LN0X,{'ff' * 32},7,false,2\n"
    )
    text = TICKETS_CSV.text(rows)
    assert text == expected
    data = text.encode("utf-8")
    assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data


def test_balance_csv_holds_statistics_with_six_decimals_and_none_as_empty():
    text = BALANCE_CSV.text([BalanceRow("A", "unit", 5, 3.8414588, 4, 1e-7, ""),
                             BalanceRow("D", "unit", 1, None, None, None, "n/a")])
    assert text.splitlines()[1:] == ["A,unit,5,3.841459,4,0.000000,", "D,unit,1,,,,n/a"]


def test_inspector_load_csv_writes_certified_as_shi_or_fou():
    rows = [InspectorLoad("1", "甲", "D", "U", True, 0, None), InspectorLoad("2", "乙", "D", "U", False, 1, 2)]
    assert INSPECTOR_LOAD_CSV.text(rows).splitlines()[1:] == ["1,甲,D,U,是,0,", "2,乙,D,U,否,1,2"]


def test_match_csv_joins_tags_with_semicolons():
    text = MATCH_CSV.text([Qualified("T", "U", "SX01", ("FOOD_SALE", "FOOD_SERVICE"))])
    assert text.splitlines()[1] == "T,U,SX01,FOOD_SALE;FOOD_SERVICE"


# --- refusing malformed files ---------------------------------------------------------------------


def _with_header(file: CsvFile, *lines: str) -> str:
    return ",".join(file.columns) + "\n" + "".join(f"{line}\n" for line in lines)


@pytest.mark.parametrize("name", sorted(ROUND_TRIPS))
def test_csv_file_with_a_renamed_column_is_refused_naming_the_file(name):
    file, rows = ROUND_TRIPS[name]
    lines = file.text(rows).split("\n")
    lines[0] = lines[0].replace(file.columns[-1], file.columns[-1] + "_x", 1)
    with pytest.raises(ArchiveError, match=re.escape(file.path)):
        file.parse("\n".join(lines))


@pytest.mark.parametrize("name", sorted(ROUND_TRIPS))
def test_csv_file_with_columns_in_another_order_is_refused(name):
    file, _ = ROUND_TRIPS[name]
    swapped = (file.columns[1], file.columns[0], *file.columns[2:])
    with pytest.raises(ArchiveError, match=re.escape(file.path)):
        file.parse(",".join(swapped) + "\n")


def test_an_empty_file_is_refused_naming_it():
    with pytest.raises(ArchiveError, match=re.escape("draw/tickets.csv")):
        TICKETS_CSV.parse("")


GOOD_TICKET = "2026Q1-T01,A,91410411MA7ENJG8K2,00,1,true,"

# (file, the good rows before it, the bad row) -> the bad row is row len(good) + 2 of the file
BAD_VALUES = {
    "tickets_selected_yes": (TICKETS_CSV, [GOOD_TICKET], "2026Q1-T01,A,U,00,2,yes,"),
    "tickets_rank_x": (TICKETS_CSV, [GOOD_TICKET, GOOD_TICKET], "2026Q1-T01,A,U,00,x,true,"),
    "tickets_selected_capitalised": (TICKETS_CSV, [], "2026Q1-T01,A,U,00,1,True,"),
    "tickets_batch_fraction": (TICKETS_CSV, [GOOD_TICKET], "2026Q1-T01,A,U,00,1,true,1.5"),
    "summary_quota_x": (SUMMARY_CSV, ["T,A,10,1,5,1,1,"], "T,A,10,1,5,x,1,"),
    "populations_eligible_empty": (POPULATIONS_CSV, [], "T,A,1,1,0,"),
    "visits_batch_x": (VISITS_CSV, [], "V1,U,T,T,SX01,D,I1;I2,x"),
    "inspector_load_visits_x": (INSPECTOR_LOAD_CSV, ["1,甲,D,U,是,0,"], "2,乙,D,U,否,x,"),
    "cap_exceptions_cap_empty": (CAP_EXCEPTIONS_CSV, [], "V1,U,D,C,4,,0"),
    "balance_statistic_x": (BALANCE_CSV, ["A,unit,5,1.000000,4,0.500000,"], "A,unit,5,x,4,0.500000,"),
    "inclusion_seeds_x": (INCLUSION_CSV, [], "T,A,10,1,x,0,1,,"),
    "results_abnormal_list_yes": (
        RESULTS_CSV, [],
        "V1,U,SX01,D,2026-02-03,2026-02-04,I1,未发现问题,,,,,,,,yes,2026-03-04,"),
    "results_start_not_a_date": (
        RESULTS_CSV, [],
        "V1,U,SX01,D,2026-02-30,2026-02-04,I1,未发现问题,,,,,,,,false,2026-03-04,"),
}


@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_csv_file_with_a_bad_value_is_refused_naming_the_file_and_row(case):
    file, good, bad = BAD_VALUES[case]
    row = len(good) + 2  # the header is row 1
    with pytest.raises(ArchiveError, match=rf"^{re.escape(file.path)}, row {row}\b"):
        file.parse(_with_header(file, *good, bad))


# A column written as two fixed words must not read every other word as the second one.
STRICT_WORDS = {
    "inspector_load_certified_yes": (INSPECTOR_LOAD_CSV, "1,甲,D,U,yes,0,"),
    "inspector_load_certified_empty": (INSPECTOR_LOAD_CSV, "1,甲,D,U,,0,"),
    "timeline_in_order_true": (TIMELINE_CSV, "freeze,2026-01-03,git,true"),
    "timeline_in_order_x": (TIMELINE_CSV, "freeze,2026-01-03,git,x"),
}


@pytest.mark.parametrize("case", sorted(STRICT_WORDS))
def test_csv_file_with_an_unknown_word_in_a_two_word_column_is_refused(case):
    file, bad = STRICT_WORDS[case]
    with pytest.raises(ArchiveError, match=rf"^{re.escape(file.path)}, row 2\b"):
        file.parse(_with_header(file, bad))


# A row with a field too few or too many is a broken file, never a row with an empty last field.
WRONG_WIDTH = {
    "tickets_short": (TICKETS_CSV, GOOD_TICKET, "2026Q1-T01,A,U,00,1,true"),
    "tickets_long": (TICKETS_CSV, GOOD_TICKET, "2026Q1-T01,A,U,00,1,true,,extra"),
    "summary_short": (SUMMARY_CSV, "T,A,10,1,5,1,1,", "T,A,10,1,5,1,1"),
    "history_short": (HISTORY_CSV, "2026Q1,2026Q1-V0001,U,SX01,I1", "2026Q1,2026Q1-V0002,U"),
    "visits_short": (VISITS_CSV, "V1,U,T,T,SX01,D,I1;I2,", "V2,U,T"),
}


@pytest.mark.parametrize("case", sorted(WRONG_WIDTH))
def test_csv_row_with_a_wrong_number_of_fields_is_refused_naming_file_and_row(case):
    file, good, bad = WRONG_WIDTH[case]
    assert len(file.parse(_with_header(file, good))) == 1  # the good row alone reads
    with pytest.raises(ArchiveError, match=rf"^{re.escape(file.path)}, row 3\b"):
        file.parse(_with_header(file, good, bad))


def test_parse_names_the_file_as_shown_when_given():
    with pytest.raises(ArchiveError, match=r"^records/0001-replacement/visits\.csv, row 2\b"):
        VISITS_CSV.parse(_with_header(VISITS_CSV, "V1,U,T,T,SX01,D,I1,x"), "records/0001-replacement/visits.csv")


def test_read_of_a_missing_file_is_refused_naming_it(tmp_path):
    with pytest.raises(ArchiveError, match=re.escape("draw/tickets.csv")):
        TICKETS_CSV.read(tmp_path)


def test_read_of_a_file_that_is_not_utf8_is_refused_naming_it(tmp_path):
    (tmp_path / "draw").mkdir()
    (tmp_path / "draw" / "excluded.csv").write_bytes("task_id,grade,uscc,reason\nT,A,U,已注销\n".encode("gb18030"))
    with pytest.raises(ArchiveError, match=re.escape("draw/excluded.csv")):
        EXCLUDED_CSV.read(tmp_path)


def test_read_if_present_gives_no_rows_for_an_absent_optional_file(tmp_path):
    assert CAP_EXCEPTIONS_CSV.read_if_present(tmp_path) == []


def test_read_if_present_reads_the_file_when_it_is_there(tmp_path):
    file, rows = ROUND_TRIPS["CAP_EXCEPTIONS_CSV"]
    write_new(tmp_path / "draw" / "cap_exceptions.csv", file.text(rows))
    assert CAP_EXCEPTIONS_CSV.read_if_present(tmp_path) == rows


def test_cap_exceptions_is_the_only_optional_csv_file():
    assert [name for name, (file, _) in ROUND_TRIPS.items() if file.optional] == ["CAP_EXCEPTIONS_CSV"]


def test_read_with_a_path_reads_a_record_s_visits_from_the_kept_fixture():
    with (RECORD / "visits.csv").open(encoding="utf-8", newline="") as handle:
        expected = [row["visit"] for row in csv.DictReader(handle)]
    assert [visit.visit_id for visit in VISITS_CSV.read(RECORD, "visits.csv")] == expected == ["2026Q1-V0019"]


# --- paths --------------------------------------------------------------------------------------


def _constants() -> dict[str, str]:
    return {name: value for name, value in vars(paths).items() if name.isupper() and isinstance(value, str)}


def test_every_csv_file_path_is_a_constant_of_the_evidence_package():
    values = set(_constants().values())
    outside = {name: file.path for name, (file, _) in ROUND_TRIPS.items() if file.path not in values}
    assert outside == {}


def test_no_two_csv_files_share_a_path():
    seen = [file.path for file, _ in ROUND_TRIPS.values()]
    assert len(seen) == len(set(seen)), sorted(path for path in seen if seen.count(path) > 1)


def test_draw_file_paths_are_the_protocol_s_names():
    """Protocol v1, "Archive": the names make verify and verify-task.sh look for."""
    expected = {"TICKETS": "draw/tickets.csv", "SUMMARY": "draw/summary.csv", "VISITS": "draw/visits.csv",
                "DRAW_RECORD": "draw/draw.json", "HISTORY": "inputs/history.csv", "MANIFEST": "manifest.json",
                "SEAL": "manifest.json.sha256", "SUMS": "SHA256SUMS", "VERIFIER": "verify-task.sh",
                "REPORT_PAGE": "report.html", "REPLACEMENT_RECORD": "replacement.json"}
    constants = _constants()
    assert {name: constants[name] for name in expected} == expected


# --- the draw record ------------------------------------------------------------------------------

DRAW_RECORD = DrawRecord(
    protocol="draw-v1", quarter="2026Q1", demo=False, seed="48213 90377 15620 73184",
    seed_provenance={"method": "十面骰子 five 10-sided dice", "date": "2026-01-05", "witnesses": ["王五", "赵六"]},
    percent={"A": "1", "B": "3", "C": "7.5", "D": "20"},
    inspection={"per_department": 2, "cross_unit": True, "workload_slack": 1},
    frequency={"per_item_per_year": None, "per_year": 2},
    exclusions=[],
    tasks=[{"id": "2026Q1-T01", "items": ["SX01"], "grades": ["A", "B"], "batches": None}],
    registers={"entities": {"path": "registers/2026Q1/entities.csv", "sha256": "0" * 64}},
)


def test_draw_record_round_trips_through_its_json():
    text = DRAW_RECORD.to_json()
    assert text.endswith("}\n") and "十面骰子" in text  # UTF-8, not \\u escapes
    assert DrawRecord.from_json(text, "draw/draw.json") == DRAW_RECORD


@pytest.mark.parametrize("text", [
    "{", "", "[]", "null", '"draw-v1"',
], ids=["truncated", "empty", "a_list", "null", "a_string"])
def test_draw_record_that_is_not_json_or_not_an_object_is_refused_naming_it(text):
    with pytest.raises(ArchiveError, match=r"^somewhere/draw\.json "):
        DrawRecord.from_json(text, "somewhere/draw.json")


@pytest.mark.parametrize("change", ["missing_seed", "unknown_field", "seed_a_number", "task_id_a_number",
                                    "task_without_id"])
def test_draw_record_with_a_missing_or_wrong_field_is_refused(change):
    data = json.loads(DRAW_RECORD.to_json())
    if change == "missing_seed":
        del data["seed"]
    elif change == "unknown_field":
        data["redrawn"] = True
    elif change == "seed_a_number":
        data["seed"] = 4821390377
    elif change == "task_id_a_number":
        data["tasks"][0]["id"] = 1
    else:
        del data["tasks"][0]["id"]
    with pytest.raises(ArchiveError, match=r"^draw/draw\.json is not a draw record"):
        DrawRecord.from_json(json.dumps(data), "draw/draw.json")


def test_draw_record_of_the_kept_fixture_reads_and_rewrites_byte_for_byte():
    record = DrawRecord.read(FIXTURE)
    assert record.protocol == "draw-v1"
    assert record.quarter == "2026Q1"
    raw = json.loads((FIXTURE / "draw" / "draw.json").read_text(encoding="utf-8"))
    assert record.task_ids == [task["id"] for task in raw["tasks"]]
    assert record.to_json().encode("utf-8") == (FIXTURE / "draw" / "draw.json").read_bytes()


def test_draw_record_read_of_a_folder_without_one_is_refused(tmp_path):
    with pytest.raises(ArchiveError, match=re.escape("draw/draw.json")):
        DrawRecord.read(tmp_path)


# --- manifests ------------------------------------------------------------------------------------

GOOD_MANIFEST = {"format": "zhanhe-manifest-1", "kind": "draw", "quarter": "2026Q1", "series": "real",
                 "protocol": "draw-v1", "previous": {"path": "2025Q4/manifest.json", "sha256": "a" * 64},
                 "files": {"draw/tickets.csv": "b" * 64}, "sha256sums": "c" * 64}


def test_manifest_from_json_reads_every_field():
    manifest = Manifest.from_json(json.dumps(GOOD_MANIFEST), "2026Q1/manifest.json")
    assert (manifest.kind, manifest.quarter, manifest.protocol, manifest.sha256sums) == \
        ("draw", "2026Q1", "draw-v1", "c" * 64)
    assert (manifest.previous.path, manifest.previous.sha256) == ("2025Q4/manifest.json", "a" * 64)
    assert manifest.files == {"draw/tickets.csv": "b" * 64}
    assert Manifest.from_json(json.dumps(dict(GOOD_MANIFEST, previous=None)), "m").previous is None


def _broken(change: str) -> str:
    data = json.loads(json.dumps(GOOD_MANIFEST))
    if change == "not_json":
        return "{" + json.dumps(data)
    if change == "a_list":
        return json.dumps([data])
    if change == "missing_files":
        del data["files"]
    elif change == "missing_previous":
        del data["previous"]
    elif change == "files_a_list":
        data["files"] = [["draw/tickets.csv", "b" * 64]]
    elif change == "files_a_string":
        data["files"] = "draw/tickets.csv"
    elif change == "hash_a_number":
        data["files"]["draw/tickets.csv"] = 7
    elif change == "previous_without_sha256":
        del data["previous"]["sha256"]
    elif change == "previous_a_string":
        data["previous"] = "2025Q4/manifest.json"
    elif change == "kind_a_number":
        data["kind"] = 1
    return json.dumps(data)


@pytest.mark.parametrize("change", ["not_json", "a_list", "missing_files", "missing_previous", "files_a_list",
                                    "files_a_string", "hash_a_number", "previous_without_sha256",
                                    "previous_a_string", "kind_a_number"])
def test_manifest_that_is_not_one_is_refused_naming_it(change):
    with pytest.raises(ArchiveError, match=r"^2026Q1/manifest\.json is not a zhanhe-audit manifest"):
        Manifest.from_json(_broken(change), "2026Q1/manifest.json")


def test_read_sealed_passes_on_the_kept_fixture_and_its_record():
    digest = hashlib.sha256((FIXTURE / "manifest.json").read_bytes()).hexdigest()
    manifest, found = read_sealed(FIXTURE)
    assert found == digest
    assert (manifest.kind, manifest.quarter, manifest.previous) == ("draw", "2026Q1", None)
    record, _ = read_sealed(RECORD)
    assert record.kind == "replacement"
    assert (record.previous.path, record.previous.sha256) == ("2026Q1/manifest.json", digest)


@pytest.fixture
def fixture_copy(tmp_path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / "2026Q1"))


def _flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] = ord("7") if data[offset] != ord("7") else ord("8")
    path.write_bytes(bytes(data))


def test_read_sealed_refuses_a_manifest_changed_by_one_byte(fixture_copy):
    text = (fixture_copy / "manifest.json").read_bytes()
    _flip_byte(fixture_copy / "manifest.json", text.index(b'"created_at": "') + len(b'"created_at": "') + 3)
    with pytest.raises(ArchiveError, match=r"manifest\.json has SHA-256 .* it was changed"):
        read_sealed(fixture_copy)


def test_read_sealed_refuses_a_seal_changed_by_one_byte(fixture_copy):
    _flip_byte(fixture_copy / "manifest.json.sha256", 10)
    with pytest.raises(ArchiveError, match=re.escape("manifest.json.sha256")):
        read_sealed(fixture_copy)


def test_read_sealed_refuses_a_seal_with_a_second_line(fixture_copy):
    seal = fixture_copy / "manifest.json.sha256"
    seal.write_bytes(seal.read_bytes() + b"0" * 64 + b"  SHA256SUMS\n")
    with pytest.raises(ArchiveError, match=re.escape("manifest.json.sha256 should hold only the line")):
        read_sealed(fixture_copy)


@pytest.mark.parametrize("name", ["manifest.json", "manifest.json.sha256"])
def test_read_sealed_refuses_a_folder_missing_its_manifest_or_seal(fixture_copy, name):
    (fixture_copy / name).unlink()
    with pytest.raises(ArchiveError, match=re.escape(f"{name} is missing")):
        read_sealed(fixture_copy)


# --- the chain ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_quarters(tmp_path_factory) -> Path:
    """A project (no git) with 2026Q1 and then 2026Q2 frozen, seeded and drawn; returns its outputs/."""
    root = tmp_path_factory.mktemp("chain")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIT_CEILING_DIRECTORIES", str(root.parent))
        for quarter in ("2026Q1", "2026Q2"):
            drawn_project(root, quarter)
    return root / "outputs"


@pytest.fixture
def chain_copy(two_quarters, tmp_path) -> Path:
    return Path(shutil.copytree(two_quarters, tmp_path / "outputs"))


def test_walk_chain_from_the_second_quarter_gives_it_then_the_first(two_quarters):
    steps = walk_chain(two_quarters, "2026Q2/manifest.json")
    assert [step.path for step in steps] == ["2026Q2/manifest.json", "2026Q1/manifest.json"]
    assert [step.manifest.quarter for step in steps] == ["2026Q2", "2026Q1"]


def test_walk_chain_from_the_first_quarter_is_the_first_alone(two_quarters):
    assert [step.path for step in walk_chain(two_quarters, "2026Q1/manifest.json")] == ["2026Q1/manifest.json"]


def test_walk_chain_refuses_a_changed_earlier_manifest_naming_it(chain_copy):
    manifest = chain_copy / "2026Q1" / "manifest.json"
    text = manifest.read_bytes()
    _flip_byte(manifest, text.index(b'"created_at": "') + len(b'"created_at": "') + 3)
    with pytest.raises(ArchiveError, match=r"^2026Q1/manifest\.json does not have the SHA-256 that "
                                           r"2026Q2/manifest\.json recorded"):
        walk_chain(chain_copy, "2026Q2/manifest.json")
    # unchecked (as the history is gathered) the walk goes on
    assert len(walk_chain(chain_copy, "2026Q2/manifest.json", checked=False)) == 2


def test_walk_chain_refuses_a_missing_earlier_manifest_naming_it(chain_copy):
    shutil.rmtree(chain_copy / "2026Q1")
    with pytest.raises(ArchiveError, match=r"names 2026Q1/manifest\.json .* missing"):
        walk_chain(chain_copy, "2026Q2/manifest.json")


def test_walk_chain_refuses_a_missing_start(chain_copy):
    with pytest.raises(ArchiveError, match=r"^2026Q3/manifest\.json is missing"):
        walk_chain(chain_copy, "2026Q3/manifest.json")


def test_walk_chain_refuses_a_manifest_naming_a_later_one_as_a_loop(chain_copy):
    manifest = chain_copy / "2026Q1" / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    later = chain_copy / "2026Q2" / "manifest.json"
    data["previous"] = {"path": "2026Q2/manifest.json", "sha256": hashlib.sha256(later.read_bytes()).hexdigest()}
    manifest.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ArchiveError, match=r"2026Q1/manifest\.json names 2026Q2/manifest\.json .*the chain loops"):
        walk_chain(chain_copy, "2026Q2/manifest.json", checked=False)


def test_walk_chain_refuses_a_manifest_naming_itself_as_a_loop(tmp_path):
    (tmp_path / "2026Q1").mkdir()
    data = dict(GOOD_MANIFEST, previous={"path": "2026Q1/manifest.json", "sha256": "0" * 64})
    (tmp_path / "2026Q1" / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    for checked in (True, False):
        with pytest.raises(ArchiveError, match="loops"):
            walk_chain(tmp_path, "2026Q1/manifest.json", checked=checked)


# --- the store ------------------------------------------------------------------------------------


def test_write_new_writes_utf8_text_exactly(tmp_path):
    write_new(tmp_path / "a" / "b.csv", "名称,x\n")
    assert (tmp_path / "a" / "b.csv").read_bytes() == "名称,x\n".encode()


def test_write_new_refuses_an_existing_file_and_leaves_it_and_no_temporary_file(tmp_path):
    target = tmp_path / "tickets.csv"
    write_new(target, b"first\n")
    with pytest.raises(EvidenceExists, match=re.escape(str(target))):
        write_new(target, b"second\n")
    assert target.read_bytes() == b"first\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["tickets.csv"]


def test_archives_lists_quarter_folders_in_name_order_and_never_a_dot_folder(tmp_path):
    outputs = tmp_path / "outputs"
    for name in ("2026Q2", "2026Q1", ".2026Q3.partial-123", ".hidden", "demo-2026Q4"):
        (outputs / name).mkdir(parents=True)
    (outputs / "notes.txt").write_text("x", encoding="utf-8")
    assert [path.name for path in archives(outputs)] == ["2026Q1", "2026Q2", "demo-2026Q4"]
    assert archives(tmp_path / "none") == []


HOLD = """
import sys
from pathlib import Path
from zhanhe_audit.evidence.store import exclusive
with exclusive(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.readline()
print("released", flush=True)
"""


@pytest.fixture
def held(tmp_path):
    """``outputs/`` held by another process (which waits for a line on its stdin, or is killed)."""
    outputs = tmp_path / "outputs"
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(outputs)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline() == "held\n"
        yield outputs, process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def test_exclusive_refuses_a_second_run_naming_the_folder_being_built(held):
    outputs, process = held
    partial = outputs / ".2026Q1.partial-123"
    partial.mkdir()
    lines = []
    with pytest.raises(RunInProgress, match=re.escape("(building outputs/.2026Q1.partial-123)")):
        with exclusive(outputs, lines.append):
            pytest.fail("a second run entered while the first held outputs/")
    assert partial.is_dir() and lines == []  # the refused run removes nothing of the running one
    process.stdin.write("\n")
    process.stdin.flush()
    assert process.stdout.readline() == "released\n"


def test_exclusive_refuses_a_second_run_in_the_same_process(tmp_path):
    outputs = tmp_path / "outputs"
    with exclusive(outputs):
        with pytest.raises(RunInProgress, match=r"another run is writing evidence under outputs/"):
            with exclusive(outputs):
                pytest.fail("entered twice")
    with exclusive(outputs):  # released when the block ended
        pass


def test_exclusive_is_released_when_the_holder_is_killed_and_removes_its_folder(held):
    outputs, process = held
    (outputs / ".2026Q1.partial-4242").mkdir()
    process.kill()
    process.wait(timeout=10)
    lines = []
    with exclusive(outputs, lines.append):
        pass
    assert not (outputs / ".2026Q1.partial-4242").exists()
    assert len(lines) == 1 and lines[0].startswith("removed outputs/.2026Q1.partial-4242: ")


def test_exclusive_removes_a_partial_draw_and_a_partial_record_with_one_line_each(tmp_path):
    outputs = tmp_path / "outputs"
    (outputs / ".2026Q1.partial-123" / "draw").mkdir(parents=True)
    (outputs / ".2026Q1.partial-123" / "draw" / "tickets.csv").write_text("x", encoding="utf-8")
    records = outputs / "2026Q1" / "records"
    (records / "0001-replacement").mkdir(parents=True)
    (records / ".0002-replacement.partial-123" / "records" / "0002-replacement").mkdir(parents=True)
    (outputs / "2026Q1" / "manifest.json").write_text("{}", encoding="utf-8")
    lines = []
    with exclusive(outputs, lines.append):
        assert sorted(path.name for path in outputs.iterdir()) == ["2026Q1"]
        assert sorted(path.name for path in records.iterdir()) == ["0001-replacement"]
    assert len(lines) == 2
    assert sorted(line.split(":")[0] for line in lines) == [
        "removed outputs/.2026Q1.partial-123", "removed outputs/2026Q1/records/.0002-replacement.partial-123"]
    assert (outputs / "2026Q1" / "manifest.json").read_text(encoding="utf-8") == "{}"


def test_exclusive_keeps_dot_folders_that_are_not_partials(tmp_path):
    outputs = tmp_path / "outputs"
    (outputs / ".git-keep").mkdir(parents=True)
    lines = []
    with exclusive(outputs, lines.append):
        pass
    assert (outputs / ".git-keep").is_dir() and lines == []


def test_building_a_record_yields_its_archive_path_inside_the_scratch_and_renames_it(tmp_path):
    final = tmp_path / "outputs" / "2026Q1" / "records" / "0001-replacement"
    with building(final, depth=1) as folder:
        inside = folder.relative_to(final.parent)
        assert inside.parts == (f".0001-replacement.partial-{os.getpid()}", "records", "0001-replacement")
        (folder / "replacement.json").write_text("{}", encoding="utf-8")
        assert not final.exists()
    assert (final / "replacement.json").read_text(encoding="utf-8") == "{}"
    assert sorted(path.name for path in final.parent.iterdir()) == ["0001-replacement"]


def test_building_a_draw_yields_the_scratch_folder_itself(tmp_path):
    final = tmp_path / "outputs" / "2026Q1"
    with building(final) as folder:
        assert folder == final.with_name(f".2026Q1.partial-{os.getpid()}")
        (folder / "manifest.json").write_text("{}", encoding="utf-8")
    assert (final / "manifest.json").is_file()
    assert [path.name for path in final.parent.iterdir()] == ["2026Q1"]


def test_building_that_fails_leaves_neither_the_final_nor_the_scratch_folder(tmp_path):
    final = tmp_path / "outputs" / "2026Q1" / "records" / "0001-replacement"
    with pytest.raises(RuntimeError, match="interrupted"):
        with building(final, depth=1) as folder:
            (folder / "visits.csv").write_text("x", encoding="utf-8")
            raise RuntimeError("interrupted")
    assert list(final.parent.iterdir()) == []


def test_building_refuses_a_final_folder_that_exists(tmp_path):
    final = tmp_path / "2026Q1"
    final.mkdir()
    with pytest.raises(EvidenceExists, match=re.escape(str(final))):
        with building(final):
            pytest.fail("built over an existing archive")
    assert [path.name for path in tmp_path.iterdir()] == ["2026Q1"]


def test_building_refuses_a_final_folder_that_appears_meanwhile_and_keeps_it(tmp_path):
    final = tmp_path / "2026Q1"
    with pytest.raises(EvidenceExists, match="appeared while this run was building it"):
        with building(final) as folder:
            (folder / "mine").write_text("x", encoding="utf-8")
            final.mkdir()
            (final / "theirs").write_text("y", encoding="utf-8")
    assert [path.name for path in final.iterdir()] == ["theirs"]
    assert [path.name for path in tmp_path.iterdir()] == ["2026Q1"]


# --- record folders -------------------------------------------------------------------------------


def test_record_folders_sorts_by_number_and_ignores_temporary_and_badly_named_ones(tmp_path):
    records = tmp_path / "records"
    for name in ("9999-replacement", "0001-replacement", "10000-results", "0002-results",
                 ".0003-replacement.partial-77", "abc", "01-replacement", "0004-Replacement", "0005_results",
                 "0006-replacement.old", "0007-"):
        (records / name).mkdir(parents=True)
    (records / "0008-replacement").write_text("a file, not a record", encoding="utf-8")
    assert [path.name for path in record_folders(tmp_path)] == [
        "0001-replacement", "0002-results", "9999-replacement", "10000-results"]


def test_record_folders_of_an_archive_without_records_is_empty(tmp_path):
    assert record_folders(tmp_path) == []


def test_next_name_counts_records_and_not_a_temporary_one(tmp_path):
    assert next_name(tmp_path, "replacement") == "0001-replacement"
    (tmp_path / "records" / "0001-replacement").mkdir(parents=True)
    (tmp_path / "records" / ".0002-replacement.partial-77").mkdir()
    assert next_name(tmp_path, "results") == "0002-results"


def test_kind_of_reads_the_kind_from_the_folder_name():
    assert kind_of(Path("records/0001-replacement")) == "replacement"
    assert kind_of(Path("10000-results")) == "results"


@pytest.mark.parametrize("name", ["replacement", "1-replacement", "0001_replacement", "0001-Replacement",
                                  ".0001-replacement.partial-9", "0001-replacement.partial-9", "0001-"])
def test_kind_of_refuses_a_badly_named_record_naming_it(name):
    with pytest.raises(ArchiveError, match=re.escape(f"records/{name} is not named NNNN-<kind>")):
        kind_of(Path("outputs/2026Q1/records") / name)


# --- records applied ------------------------------------------------------------------------------


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_apply_records_on_the_fixture_replaces_the_replaced_visit_by_the_new_one():
    drawn = _csv_rows(FIXTURE / "draw" / "visits.csv")
    replacement = json.loads((RECORD / "replacement.json").read_text(encoding="utf-8"))
    added = _csv_rows(RECORD / "visits.csv")
    assert replacement["replaced_visit"] in {row["visit"] for row in drawn}  # the fixture is what we think
    expected = [(row["visit"], row["uscc"]) for row in drawn if row["visit"] != replacement["replaced_visit"]]
    expected += [(row["visit"], row["uscc"]) for row in added]

    state = apply_records(FIXTURE)
    assert [(visit.visit_id, visit.uscc) for visit in state.visits] == expected
    assert replacement["replaced_visit"] not in {visit.visit_id for visit in state.visits}
    assert state.replaced == {replacement["replaced_uscc"]: "records/0001-replacement"}
    assert state.largest == max(int(visit.rpartition("-V")[2]) for visit, _ in expected)


def test_apply_records_with_no_records_is_the_draw():
    drawn = _csv_rows(FIXTURE / "draw" / "visits.csv")
    state = apply_records(FIXTURE, [])
    assert [visit.visit_id for visit in state.visits] == [row["visit"] for row in drawn]
    assert state.replaced == {}
