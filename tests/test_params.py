"""Tests of the params file (zhanhe_audit.params).

A params problem concerns a key, not a spreadsheet cell: its ``row`` and
``column`` are ``None`` and its message starts with ``key '<key>':``.
Expected values are worked out by hand.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pytest

from zhanhe_audit.errors import InputError, ParamsError, Problem
from zhanhe_audit.params import load_params, parse_params

SHOWN = "params/2026Q1.yaml"
SEED = "31415926535897932384 62643"  # 25 decimal digits
PROVENANCE = {"method": "five 10-sided dice rolled four times, filmed", "date": "2026-01-05 09:30",
              "witnesses": ["张三", "李四"]}
REGISTER_PATHS = {name: f"registers/2026Q1/{name}.csv"
                  for name in ("entities", "items", "inspectors", "conflicts", "tags")}


def minimal(**changes: object) -> dict:
    """A valid params mapping with ``changes`` applied (a value of ``None`` removes the key)."""
    data: dict = {
        "quarter": "2026Q1",
        "tasks": [{"id": "2026Q1-T01", "items": ["SX01", "SX02"]}],
        "registers": dict(REGISTER_PATHS),
    }
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def problems_of(data: object) -> list[Problem]:
    with pytest.raises(ParamsError) as caught:
        parse_params(data, SHOWN)
    return caught.value.problems


def keyed(problems: list[Problem], key: str) -> Problem:
    """The one problem about ``key``; it names the file and no row or column."""
    found = [problem for problem in problems if problem.message.startswith(f"key '{key}':")]
    assert len(found) == 1, problems
    problem = found[0]
    assert (problem.file, problem.row, problem.column) == (SHOWN, None, None)
    return problem


def keys(problems: list[Problem]) -> list[str]:
    return [re.match(r"key '([^']*)':", problem.message).group(1) for problem in problems]


# --- a valid file --------------------------------------------------------------------------


def test_minimal_params_parse() -> None:
    params = parse_params(minimal(), SHOWN)
    assert params.quarter == "2026Q1"
    assert params.demo is False
    assert params.seed is None
    assert [(t.task_id, t.items, t.grades, t.batches) for t in params.tasks] == [
        ("2026Q1-T01", ("SX01", "SX02"), ("A", "B", "C", "D"), None)]
    assert params.registers == REGISTER_PATHS
    assert params.source == SHOWN


def test_default_percentages_are_the_floors_1_3_10_20() -> None:
    params = parse_params(minimal(), SHOWN)
    assert params.percent == {"A": Fraction(1), "B": Fraction(3), "C": Fraction(10), "D": Fraction(20)}
    assert not any(params.below_floor(grade) for grade in "ABCD")


def test_percent_string_7_5_becomes_exactly_fraction_15_2() -> None:
    params = parse_params(minimal(percent={"B": "7.5", "D": "25"}), SHOWN)
    assert params.percent["B"] == Fraction(15, 2)
    assert isinstance(params.percent["B"], Fraction)
    assert params.percent["D"] == Fraction(25)
    assert params.percent["A"] == Fraction(1)  # grades not given keep their floor
    assert params.percent_text["B"] == "7.5"


def test_percent_with_a_long_decimal_is_exact() -> None:
    # 0.1 is not exact as a float; as text it must be exactly one tenth.
    params = parse_params(minimal(percent={"D": "20.1"}), SHOWN)
    assert params.percent["D"] == Fraction(201, 10)


def test_percent_of_exactly_100_is_accepted() -> None:
    assert parse_params(minimal(percent={"D": 100}), SHOWN).percent["D"] == Fraction(100)


# --- seed ----------------------------------------------------------------------------------


def test_seed_and_provenance_are_read() -> None:
    params = parse_params(minimal(seed={"value": SEED, "provenance": PROVENANCE}), SHOWN)
    assert params.seed.value == SEED
    assert params.seed.provenance == PROVENANCE


def test_absent_seed_is_none_because_the_freeze_comes_first() -> None:
    assert parse_params(minimal(), SHOWN).seed is None


def test_seed_written_as_a_yaml_number_names_seed_value(tmp_path: Path) -> None:
    path = tmp_path / "2026Q1.yaml"
    path.write_text(
        "quarter: '2026Q1'\n"
        "tasks:\n"
        "  - id: 2026Q1-T01\n"
        "    items: [SX01]\n"
        "registers:\n"
        + "".join(f"  {name}: {value}\n" for name, value in REGISTER_PATHS.items())
        + "seed:\n"
        "  value: 12345678901234567890123\n"
        "  provenance:\n"
        "    method: dice\n"
        "    date: '2026-01-05'\n"
        "    witnesses: [张三]\n",
        encoding="utf-8",
    )
    with pytest.raises(ParamsError, match=re.escape("key 'seed.value': loads as a int")) as caught:
        load_params(path)
    [problem] = caught.value.problems
    assert (problem.file, problem.row, problem.column) == (str(path), None, None)
    assert "quotes" in problem.message


def test_seed_with_19_digits_is_refused_and_20_accepted() -> None:
    problem = keyed(problems_of(minimal(seed={"value": "1234567890123456789", "provenance": PROVENANCE})),
                    "seed.value")
    assert "19 decimal digits" in problem.message
    assert "at least 20" in problem.message
    assert parse_params(minimal(seed={"value": "12345678901234567890", "provenance": PROVENANCE}), SHOWN).seed


def test_seed_letters_do_not_count_as_digits() -> None:
    # 20 characters but only 10 decimal digits
    problem = keyed(problems_of(minimal(seed={"value": "a1b2c3d4e5f6g7h8i9j0", "provenance": PROVENANCE})),
                    "seed.value")
    assert "10 decimal digits" in problem.message


def test_seed_is_stripped_and_nfc_normalised() -> None:
    raw = "  e\u0301 " + SEED + "\u3000\n"
    params = parse_params(minimal(seed={"value": raw, "provenance": PROVENANCE}), SHOWN)
    assert params.seed.value == "\u00e9 " + SEED


def test_seed_without_provenance_names_seed_provenance() -> None:
    with pytest.raises(ParamsError, match=re.escape("key 'seed.provenance': missing")):
        parse_params(minimal(seed={"value": SEED}), SHOWN)
    keyed(problems_of(minimal(seed={"value": SEED})), "seed.provenance")


def test_seed_without_witnesses_names_seed_provenance_witnesses() -> None:
    provenance = {key: value for key, value in PROVENANCE.items() if key != "witnesses"}
    problems = problems_of(minimal(seed={"value": SEED, "provenance": provenance}))
    assert keys(problems) == ["seed.provenance.witnesses"]
    keyed(problems, "seed.provenance.witnesses")


def test_empty_witness_list_is_refused() -> None:
    problems = problems_of(minimal(seed={"value": SEED, "provenance": {**PROVENANCE, "witnesses": []}}))
    keyed(problems, "seed.provenance.witnesses")


def test_seed_date_loaded_as_a_yaml_date_must_be_quoted(tmp_path: Path) -> None:
    import datetime

    provenance = {**PROVENANCE, "date": datetime.date(2026, 1, 5)}
    problem = keyed(problems_of(minimal(seed={"value": SEED, "provenance": provenance})), "seed.provenance.date")
    assert "quotes" in problem.message


def test_seed_number_and_missing_provenance_are_both_reported() -> None:
    problems = problems_of(minimal(seed={"value": 12345678901234567890123}))
    assert sorted(keys(problems)) == ["seed.provenance", "seed.value"]


# --- percent -------------------------------------------------------------------------------


def test_percent_as_a_float_names_the_grade(tmp_path: Path) -> None:
    path = tmp_path / "2026Q1.yaml"
    path.write_text(
        "quarter: '2026Q1'\n"
        "percent:\n"
        "  C: 12.5\n"
        "tasks: [{id: 2026Q1-T01, items: [SX01]}]\n"
        "registers:\n"
        + "".join(f"  {name}: {value}\n" for name, value in REGISTER_PATHS.items()),
        encoding="utf-8",
    )
    with pytest.raises(ParamsError, match=re.escape("key 'percent.C'")) as caught:
        load_params(path, SHOWN)
    problem = keyed(caught.value.problems, "percent.C")
    assert "'7.5'" in problem.message or "quotes" in problem.message


def test_percent_above_100_is_refused() -> None:
    problem = keyed(problems_of(minimal(percent={"D": "100.5"})), "percent.D")
    assert "more than 100" in problem.message


@pytest.mark.parametrize("value", ["-5", "7,5", "1e1", "ten", ""])
def test_percent_that_is_not_a_decimal_is_refused(value: str) -> None:
    keyed(problems_of(minimal(percent={"B": value})), "percent.B")


def test_percent_of_an_unknown_grade_is_refused() -> None:
    keyed(problems_of(minimal(percent={"E": "5"})), "percent.E")


def test_percent_below_floor_without_justification_is_refused() -> None:
    with pytest.raises(ParamsError, match="justification") as caught:
        parse_params(minimal(percent={"C": "7.5"}), SHOWN)
    problem = keyed(caught.value.problems, "percent.C")
    assert "justification.C" in problem.message
    assert "floor of 10" in problem.message


def test_percent_below_floor_with_blank_justification_is_refused() -> None:
    keyed(problems_of(minimal(percent={"C": "7.5"}, justification={"C": "   "})), "percent.C")


def test_percent_below_floor_with_justification_is_accepted_and_marked() -> None:
    params = parse_params(minimal(percent={"C": "7.5"}, justification={"C": "专项整治已全覆盖检查"}), SHOWN)
    assert params.percent["C"] == Fraction(15, 2)
    assert params.below_floor("C") is True
    assert params.below_floor("D") is False
    assert params.justification == {"C": "专项整治已全覆盖检查"}


def test_percent_at_the_floor_needs_no_justification() -> None:
    params = parse_params(minimal(percent={"A": "1", "B": "3.0", "C": 10, "D": "20"}), SHOWN)
    assert not any(params.below_floor(grade) for grade in "ABCD")


# --- tasks ---------------------------------------------------------------------------------


def test_task_id_not_starting_with_the_quarter_names_tasks_0_id() -> None:
    data = minimal(tasks=[{"id": "2026Q2-T01", "items": ["SX01"]}])
    with pytest.raises(ParamsError, match=re.escape("key 'tasks[0].id'")):
        parse_params(data, SHOWN)
    problem = keyed(problems_of(data), "tasks[0].id")
    assert "2026Q1-T01" in problem.message  # the example uses the file's quarter


@pytest.mark.parametrize("task_id", ["2026Q1T01", "2026Q1-", "2026Q1-T 01", 101])
def test_malformed_task_id_is_refused(task_id: object) -> None:
    keyed(problems_of(minimal(tasks=[{"id": task_id, "items": ["SX01"]}])), "tasks[0].id")


def test_duplicate_task_id_names_the_second_task() -> None:
    tasks = [{"id": "2026Q1-T01", "items": ["SX01"]}, {"id": "2026Q1-T02", "items": ["SX02"]},
             {"id": "2026Q1-T01", "items": ["SX03"]}]
    problem = keyed(problems_of(minimal(tasks=tasks)), "tasks[2].id")
    assert "used twice" in problem.message


def test_zero_batches_is_refused() -> None:
    problem = keyed(problems_of(minimal(tasks=[{"id": "2026Q1-T01", "items": ["SX01"], "batches": 0}])),
                    "tasks[0].batches")
    assert "1 or more" in problem.message


def test_three_batches_are_kept() -> None:
    params = parse_params(minimal(tasks=[{"id": "2026Q1-T01", "items": ["SX01"], "batches": 3}]), SHOWN)
    assert params.tasks[0].batches == 3


@pytest.mark.parametrize("grades", [["A", "E"], ["a"], ["B", "B"], []])
def test_unknown_or_repeated_grade_in_a_task_is_refused(grades: list[str]) -> None:
    keyed(problems_of(minimal(tasks=[{"id": "2026Q1-T01", "items": ["SX01"], "grades": grades}])),
          "tasks[0].grades")


def test_task_grades_are_returned_in_a_to_d_order() -> None:
    params = parse_params(minimal(tasks=[{"id": "2026Q1-T01", "items": ["SX01"], "grades": ["D", "B"]}]), SHOWN)
    assert params.tasks[0].grades == ("B", "D")


def test_task_without_items_is_refused() -> None:
    keyed(problems_of(minimal(tasks=[{"id": "2026Q1-T01", "items": []}])), "tasks[0].items")


def test_task_with_an_unknown_key_is_refused() -> None:
    problem = keyed(problems_of(minimal(tasks=[{"id": "2026Q1-T01", "items": ["SX01"], "batch": 2}])), "tasks[0]")
    assert "batch" in problem.message


def test_no_tasks_is_refused() -> None:
    keyed(problems_of(minimal(tasks=[])), "tasks")


# --- registers, quarter, demo --------------------------------------------------------------


def test_missing_register_path_names_registers_entities() -> None:
    paths = {name: path for name, path in REGISTER_PATHS.items() if name != "entities"}
    with pytest.raises(ParamsError, match=re.escape("key 'registers.entities'")) as caught:
        parse_params(minimal(registers=paths), SHOWN)
    assert keys(caught.value.problems) == ["registers.entities"]


@pytest.mark.parametrize("quarter", ["2026-Q1", "2026Q5", "2026q1", "Q1 2026", 2026])
def test_quarter_not_like_2026q1_names_quarter(quarter: object) -> None:
    problems = problems_of(minimal(quarter=quarter))
    keyed(problems, "quarter")
    # the task ids cannot be checked against a bad quarter, so they are not blamed
    assert keys(problems) == ["quarter"]


def test_demo_quarter_is_accepted() -> None:
    data = minimal(quarter="demo-2026Q4", demo=True, tasks=[{"id": "demo-2026Q4-T01", "items": ["SX01"]}])
    params = parse_params(data, SHOWN)
    assert (params.quarter, params.demo) == ("demo-2026Q4", True)


def test_demo_flag_in_quotes_is_refused_not_read_as_true() -> None:
    keyed(problems_of(minimal(demo="false")), "demo")


def test_unclassified_grade_must_be_a_grade() -> None:
    keyed(problems_of(minimal(unclassified_grade="E")), "unclassified_grade")
    assert parse_params(minimal(unclassified_grade="B"), SHOWN).unclassified_grade == "B"


def test_headers_are_read_per_register() -> None:
    params = parse_params(minimal(headers={"entities": {"Credit Code": "uscc"}}), SHOWN)
    assert params.headers == {"entities": {"Credit Code": "uscc"}}


def test_headers_of_an_unknown_register_are_refused() -> None:
    keyed(problems_of(minimal(headers={"companies": {"Credit Code": "uscc"}})), "headers")


def test_several_problems_are_reported_at_once() -> None:
    paths = {name: path for name, path in REGISTER_PATHS.items() if name != "tags"}
    data = minimal(
        percent={"C": 7.5},
        tasks=[{"id": "2026Q1-T01", "items": ["SX01"], "batches": 0}],
        registers=paths,
        seed={"value": "123", "provenance": PROVENANCE},
    )
    with pytest.raises(ParamsError, match="^4 problems found") as caught:
        parse_params(data, SHOWN)
    problems = caught.value.problems
    assert sorted(keys(problems)) == ["percent.C", "registers.tags", "seed.value", "tasks[0].batches"]
    for key in keys(problems):
        keyed(problems, key)


def test_not_a_mapping_is_refused() -> None:
    with pytest.raises(ParamsError) as caught:
        parse_params(["quarter", "2026Q1"], SHOWN)
    [problem] = caught.value.problems
    assert (problem.file, problem.row, problem.column) == (SHOWN, None, None)


# --- files ---------------------------------------------------------------------------------


def test_yaml_syntax_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "2026Q1.yaml"
    path.write_text("quarter: '2026Q1'\ntasks: [{id: 2026Q1-T01, items: [SX01]\nregisters: {\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="not valid YAML") as caught:
        load_params(path, SHOWN)
    [problem] = caught.value.problems
    assert (problem.file, problem.row, problem.column) == (SHOWN, None, None)


def test_yaml_syntax_error_names_the_path_when_no_name_is_given(tmp_path: Path) -> None:
    path = tmp_path / "2026Q1.yaml"
    path.write_text("quarter: [unclosed\n", encoding="utf-8")
    with pytest.raises(ParamsError) as caught:
        load_params(path)
    assert caught.value.problems[0].file == str(path)
    assert str(path) in str(caught.value)


def test_missing_params_file_is_a_params_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        load_params(tmp_path / "2026Q1.yaml", SHOWN)


def test_valid_yaml_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "2026Q1.yaml"
    path.write_text(
        "quarter: '2026Q1'\n"
        "percent: {B: '7.5', D: 25}\n"
        "tasks:\n"
        "  - {id: 2026Q1-T01, items: [SX01, SX02], grades: [D, A], batches: 2}\n"
        "registers:\n"
        + "".join(f"  {name}: {value}\n" for name, value in REGISTER_PATHS.items())
        + f"seed:\n  value: '{SEED}'\n  provenance:\n    method: dice\n    date: '2026-01-05'\n"
        "    witnesses: [张三, 李四]\n",
        encoding="utf-8",
    )
    params = load_params(path, SHOWN)
    assert params.percent == {"A": Fraction(1), "B": Fraction(15, 2), "C": Fraction(10), "D": Fraction(25)}
    assert params.tasks[0].grades == ("A", "D")
    assert params.tasks[0].batches == 2
    assert params.seed.value == SEED
    assert params.seed.provenance["witnesses"] == ["张三", "李四"]


def test_misspelt_top_level_key_is_reported_by_name():
    data = {
        "quarter": "2026Q1",
        "precent": {"A": 2},
        "tasks": [{"id": "2026Q1-T01", "items": ["SX01"]}],
        "registers": {name: f"r/{name}.csv" for name in ("entities", "items", "inspectors", "conflicts", "tags")},
    }
    with pytest.raises(ParamsError, match="key 'precent': unknown key") as caught:
        parse_params(data, "params/2026Q1.yaml")
    assert [p.file for p in caught.value.problems] == ["params/2026Q1.yaml"]
