"""Draw protocol v1: known answers from shared/design/draw-vectors.json, and properties."""

from __future__ import annotations

import hashlib
import json
from fractions import Fraction
from pathlib import Path

import pytest

from oracle import draw as oracle_draw
from zhanhe_audit import formulas
from zhanhe_audit.params import FLOORS, PROTOCOL, Task, parse_params
from zhanhe_audit.seed import normalise_seed
from zhanhe_audit.uscc import complete

ROOT = Path(__file__).resolve().parents[1]
VECTORS_PATH = ROOT / "docs" / "draw-vectors.json"  # copy of shared/design/draw-vectors.json
SHARED = ROOT.parent / "shared" / "design"
VECTORS = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["draw-vectors.json", "draw-protocol.md"])
def test_docs_copy_of_the_protocol_matches_shared_design(name):
    if not (SHARED / name).is_file():
        pytest.skip(f"no {SHARED / name} beside this checkout to compare with")
    assert (ROOT / "docs" / name).read_bytes() == (SHARED / name).read_bytes()


def test_vectors_are_protocol_v1():
    assert VECTORS["protocol"] == PROTOCOL == "draw-v1"


@pytest.mark.parametrize("grade", sorted(VECTORS["strata"]))
def test_vector_stratum_reproduced_ticket_rank_and_selection(grade):
    expected = VECTORS["strata"][grade]
    percent = Fraction(str(VECTORS["percent"][grade]))
    n = formulas.quota(len(expected), percent)
    usccs = [row["uscc"] for row in reversed(expected)]  # register order must not matter
    rows = oracle_draw.rank_stratum(VECTORS["seed"], VECTORS["task_id"], grade, usccs, n)
    got = [{"uscc": r.uscc, "ticket": r.ticket, "rank": r.rank, "selected": r.selected} for r in rows]
    assert got == expected


@pytest.mark.parametrize("case", VECTORS["single_tickets"], ids=lambda c: c.get("note", c["task_id"]))
def test_vector_single_ticket(case):
    seed = normalise_seed(case["seed"])
    assert formulas.ticket(seed, case["task_id"], case["uscc"]) == case["ticket"]


@pytest.mark.parametrize("case", VECTORS["quota_cases"], ids=lambda c: f"{c['percent']}% of {c['eligible']}")
def test_vector_quota(case):
    assert formulas.quota(case["eligible"], Fraction(str(case["percent"]))) == case["quota"]


@pytest.mark.parametrize("case", VECTORS["inspector_tickets"], ids=lambda c: c["inspector_id"])
def test_vector_inspector_ticket(case):
    got = formulas.inspector_ticket(normalise_seed(case["seed"]), case["task_id"], case["uscc"], case["inspector_id"])
    assert got == case["ticket"]


@pytest.mark.parametrize("case", VECTORS["inspector_tickets"], ids=lambda c: c["inspector_id"])
def test_vector_inspector_tickets_of_a_team_hash_each_candidate_as_the_protocol_and_sort(case):
    seed, others = normalise_seed(case["seed"]), ["41040020150003", "4104002015000X 甲", "41040020150017x"]
    found = formulas.inspector_tickets(seed, case["task_id"], case["uscc"], [*others, case["inspector_id"]])
    assert (case["ticket"], case["inspector_id"]) in found
    expected = [(hashlib.sha256(f"{seed}\n{case['task_id']}\n{case['uscc']}\n{cert}".encode()).hexdigest(), cert)
                for cert in [*others, case["inspector_id"]]]
    assert found == sorted(expected)


def test_ticket_is_the_documented_printf_sha256sum_message():
    # printf '%s\n%s\n%s' "$SEED" "$T" "$USCC" | sha256sum  -- no trailing newline
    message = b"seed 12345678901234567890\n2026Q1-T01\n91410411AY4CL12TH9"
    assert (formulas.ticket("seed 12345678901234567890", "2026Q1-T01", "91410411AY4CL12TH9")
            == hashlib.sha256(message).hexdigest())


@pytest.mark.parametrize(("eligible", "quota"), [(100, 7), (200, 14), (300, 21)])
def test_quota_rounds_up_exactly_for_7_percent_where_floats_fail(eligible, quota):
    assert formulas.quota(eligible, Fraction(7)) == quota


def test_quota_of_empty_stratum_is_zero_and_of_one_entity_is_one():
    assert formulas.quota(0, Fraction(20)) == 0
    assert formulas.quota(1, Fraction(1, 100)) == 1


def test_quota_never_exceeds_pool():
    for eligible in range(0, 400):
        for percent in (Fraction(1), Fraction(3), Fraction(15, 2), Fraction(10), Fraction(20), Fraction(995, 10),
                        Fraction(100)):
            n = formulas.quota(eligible, percent)
            assert 0 <= n <= eligible
            # n is the smallest whole number with n/N >= p/100
            assert n * 100 >= eligible * percent
            assert n == 0 or (n - 1) * 100 < eligible * percent


def test_quota_refuses_negative_input():
    with pytest.raises(ValueError):
        formulas.quota(-1, Fraction(1))


# --- properties on a synthetic population -------------------------------------------------

SEED = "property test seed 1234567890 1234567890"


def _usccs(prefix: str, count: int) -> list[str]:
    """Valid, distinct USCCs: a 9-digit serial in the organisation-code position."""
    return [complete(f"9{prefix}410411{index:09d}") for index in range(count)]


POPULATION = {"A": _usccs("1", 300), "B": _usccs("2", 120), "C": _usccs("1", 400)[300:], "D": _usccs("2", 140)[120:]}


def _params(percent=None, justification=None):
    data = {
        "quarter": "2026Q1",
        "tasks": [{"id": "2026Q1-T01", "items": ["SX01"]}],
        "registers": {name: f"registers/{name}.csv"
                      for name in ("entities", "items", "inspectors", "conflicts", "tags")},
    }
    if percent:
        data["percent"] = percent
    if justification:
        data["justification"] = justification
    return parse_params(data, "params/2026Q1.yaml")


TASK = Task("2026Q1-T01", ("SX01",), ("A", "B", "C", "D"))


def test_shuffling_register_rows_changes_nothing():
    params = _params()
    reference = oracle_draw.draw_task(SEED, TASK, POPULATION, params)
    for turn in range(5):
        shuffled = {grade: sorted(codes, key=lambda code: hashlib.sha256(f"{turn}{code}".encode()).digest())
                    for grade, codes in reversed(POPULATION.items())}
        assert oracle_draw.draw_task(SEED, TASK, shuffled, params) == reference


def test_changing_one_grades_population_leaves_other_grades_identical():
    params = _params()
    before, _ = oracle_draw.draw_task(SEED, TASK, POPULATION, params)
    changed = dict(POPULATION, B=POPULATION["B"][:-7] + _usccs("1", 420)[400:])
    after, _ = oracle_draw.draw_task(SEED, TASK, changed, params)
    for grade in ("A", "C", "D"):
        assert [r for r in before if r.grade == grade] == [r for r in after if r.grade == grade]
    assert [r for r in before if r.grade == "B"] != [r for r in after if r.grade == "B"]


def test_adding_one_entity_moves_at_most_that_entity_in_and_the_last_selected_out():
    rows = oracle_draw.rank_stratum(SEED, "2026Q1-T01", "A", POPULATION["A"], 10)
    newcomer = _usccs("1", 301)[300]
    grown = oracle_draw.rank_stratum(SEED, "2026Q1-T01", "A", POPULATION["A"] + [newcomer], 10)
    before = {r.uscc for r in rows if r.selected}
    after = {r.uscc for r in grown if r.selected}
    assert after - before <= {newcomer}
    assert len(before - after) == len(after - before)


def test_selected_are_exactly_the_lowest_tickets_by_ticket_then_uscc():
    rows = oracle_draw.rank_stratum(SEED, "2026Q1-T01", "C", POPULATION["C"], 10)
    independent = sorted((hashlib.sha256(f"{SEED}\n2026Q1-T01\n{code}".encode()).hexdigest(), code)
                         for code in POPULATION["C"])
    assert [(r.ticket, r.uscc) for r in rows] == independent
    assert [r.rank for r in rows] == list(range(1, 101))
    assert [r.selected for r in rows] == [True] * 10 + [False] * 90


def test_an_entity_listed_twice_gets_one_ticket():
    rows = oracle_draw.rank_stratum(SEED, "2026Q1-T01", "D", POPULATION["D"] + POPULATION["D"][:5], 2)
    assert len(rows) == len(POPULATION["D"])


def test_summary_counts_and_floor_exception_reason():
    params = _params(percent={"A": "0.5"}, justification={"A": "two inspectors on leave this quarter"})
    _, summary = oracle_draw.draw_task(SEED, TASK, POPULATION, params)
    by_grade = {row.grade: row for row in summary}
    assert (by_grade["A"].eligible, by_grade["A"].percent, by_grade["A"].quota) == (300, "0.5", 2)
    assert by_grade["A"].reason == "two inspectors on leave this quarter"
    assert by_grade["B"].reason == "" and by_grade["B"].floor == str(FLOORS["B"])
    assert all(row.selected == row.quota for row in summary)


def test_mode_c_batches_rank_r_goes_to_batch_r_minus_1_mod_b_plus_1():
    task = Task("2026Q1-T02", ("SX01",), ("A", "B", "C", "D"), batches=3)
    rows, _ = oracle_draw.draw_task(SEED, task, POPULATION, _params(percent={"A": 10, "B": 10, "C": 10, "D": 20}))
    for row in rows:
        assert row.batch == (((row.rank - 1) % 3) + 1 if row.selected else None)
    # every batch gets a mix of every grade
    for grade in "ABCD":
        assert {row.batch for row in rows if row.grade == grade and row.selected} == {1, 2, 3}


def test_mode_a_has_no_batches():
    rows, _ = oracle_draw.draw_task(SEED, TASK, POPULATION, _params())
    assert {row.batch for row in rows} == {None}


SELECTION_PATH = ("formulas.py", "ranking.py", "tickets.py", "matching.py", "eligibility.py", "feasibility.py",
                  "inspectors.py", "engine.py")


def test_selection_path_imports_no_random_stream_numpy_or_pandas():
    # DuckDB and Arrow import numpy and random themselves; the selection path may not use them
    import ast

    for module in SELECTION_PATH:
        tree = ast.parse((ROOT / "zhanhe_audit" / module).read_text(encoding="utf-8"))
        names = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for alias in node.names}
        names |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not names & {"random", "numpy", "pandas"}, module


def test_the_draw_is_the_same_with_every_random_stream_broken(monkeypatch, tmp_path):
    # Any use of Python's shared random stream or numpy's would now raise or change the result.
    import random

    import numpy

    from zhanhe_audit import engine
    from zhanhe_audit.evidence.archived import load_archived

    def broken(*args, **kwargs):
        raise AssertionError("the selection path used a random stream")

    for name in ("random", "randint", "randrange", "choice", "choices", "shuffle", "sample", "getrandbits", "seed"):
        monkeypatch.setattr(random, name, broken)
    for name in ("default_rng", "random", "permutation", "shuffle", "choice", "seed"):
        monkeypatch.setattr(numpy.random, name, broken)
    fixture = ROOT / "tests" / "fixtures" / "archive-draw-v1" / "outputs" / "2026Q1"
    engine.write_draw(engine.run_draw(load_archived(fixture, "2026Q1"), tmp_path))
    for name in ("draw/tickets.csv", "draw/visits.csv"):
        assert (tmp_path / name).read_bytes() == (fixture / name).read_bytes()


def test_selection_path_has_no_float_arithmetic():
    import ast

    for module in ("formulas.py", "ranking.py", "tickets.py", "matching.py", "eligibility.py", "feasibility.py"):
        # engine.py only passes their results on
        tree = ast.parse((ROOT / "zhanhe_audit" / module).read_text(encoding="utf-8"))
        floats = [node.lineno for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, float)]
        calls = [node.lineno for node in ast.walk(tree)
                 if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("float", "round")]
        divisions = [node.lineno for node in ast.walk(tree)
                     if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)]
        assert (floats, calls, divisions) == ([], [], []), module


def test_order_gives_the_protocol_tickets_in_ascending_order():
    usccs = POPULATION["A"][:50] + POPULATION["A"][:5]
    pairs = formulas.order(SEED, "2026Q1-T09", usccs)
    assert pairs == sorted((formulas.ticket(SEED, "2026Q1-T09", code), code) for code in set(usccs))
