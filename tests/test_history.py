"""The history of earlier visits: the counts the frequency caps read, and ``kinds.history_before``
on a chain with a replacement appended to an earlier quarter.

Expected visits are read from the archives' CSV and JSON files with ``csv`` and ``json``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from projects import drawn_project
from zhanhe_audit import append
from zhanhe_audit.errors import ParamsError
from zhanhe_audit.evidence.manifest import Link, chain_head
from zhanhe_audit.history import History, PastVisit, order_of, year_of
from zhanhe_audit.kinds import history_before

U1, U2, U3 = "91410411MA7ENJG8K2", "92410411MA88T9LN0X", "91410411314587721C"

VISITS = (
    PastVisit("2025Q3", "2025Q3-V0001", U1, ("SX01", "SX02"), ("I1", "I2")),
    PastVisit("2025Q4", "2025Q4-V0004", U1, ("SX01",), ("I3", "I4")),
    PastVisit("2026Q1", "2026Q1-V0002", U1, ("SX03",), ("I5", "I6")),
    PastVisit("2026Q1", "2026Q1-V0003", U2, (), ()),
    PastVisit("2026Q1", "2026Q1-V0019", U2, ("SX01",), ("I7",)),  # a replacement's visit, later in the chain
)


def test_visits_in_year_counts_each_visit_of_the_entity_in_that_calendar_year():
    history = History(VISITS)
    assert history.visits_in_year(U1, 2025) == 2
    assert history.visits_in_year(U1, 2026) == 1
    assert history.visits_in_year(U2, 2026) == 2
    assert history.visits_in_year(U2, 2025) == 0
    assert history.visits_in_year(U3, 2026) == 0


def test_item_visits_in_year_counts_visits_of_one_item_and_a_visit_without_items_counts_for_none():
    history = History(VISITS)
    assert history.item_visits_in_year(U1, "SX01", 2025) == 2
    assert history.item_visits_in_year(U1, "SX02", 2025) == 1
    assert history.item_visits_in_year(U1, "SX01", 2026) == 0
    assert history.item_visits_in_year(U2, "SX01", 2026) == 1
    assert history.item_visits_in_year(U2, "SX03", 2026) == 0


def test_last_visit_is_the_latest_in_chain_order_even_within_one_quarter():
    history = History(VISITS)
    assert history.last_visit(U1).visit == "2026Q1-V0002"
    assert history.last_visit(U2).visit == "2026Q1-V0019"
    assert history.last_visit(U3) is None


def test_last_visit_follows_the_order_given_not_the_visit_number():
    history = History((VISITS[4], VISITS[3]))
    assert history.last_visit(U2).visit == "2026Q1-V0003"


def test_empty_history_counts_nothing():
    history = History()
    assert history.visits == ()
    assert history.visits_in_year(U1, 2026) == 0
    assert history.item_visits_in_year(U1, "SX01", 2026) == 0
    assert history.last_visit(U1) is None


def test_histories_with_the_same_visits_are_equal_whatever_their_counters():
    assert History(VISITS) == History(tuple(VISITS))
    assert History(VISITS) != History(VISITS[:-1])


@pytest.mark.parametrize(("quarter", "year", "order"), [
    ("2026Q1", 2026, (2026, 1)),
    ("2025Q4", 2025, (2025, 4)),
    ("demo-2026Q4", 2026, (2026, 4)),
    ("1999Q2", 1999, (1999, 2)),
])
def test_year_and_order_of_a_quarter(quarter, year, order):
    assert year_of(quarter) == year
    assert order_of(quarter) == order


def test_quarters_order_in_time_across_a_year_end_and_not_as_text():
    quarters = ["2026Q1", "2025Q4", "2026Q3", "2025Q1"]
    assert sorted(quarters, key=order_of) == ["2025Q1", "2025Q4", "2026Q1", "2026Q3"]
    assert order_of("2025Q4") < order_of("2026Q1")


@pytest.mark.parametrize("quarter", ["2026Q5", "2026Q0", "2026q1", "26Q1", "2026Q1 ", "Q1-2026"])
def test_year_of_refuses_what_is_not_a_quarter(quarter):
    with pytest.raises(ParamsError, match="not a quarter"):
        year_of(quarter)


def test_past_visit_year_is_its_quarter_s_year():
    assert PastVisit("2025Q4", "2025Q4-V0001", U1, (), ()).year == 2025


# --- history_before on a chain ----------------------------------------------------------------------


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def chain(tmp_path_factory) -> Path:
    """2026Q1 and 2026Q2 drawn, then a replacement appended to 2026Q1 (after 2026Q2): outputs/."""
    root = tmp_path_factory.mktemp("history")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIT_CEILING_DIRECTORIES", str(root.parent))
        for quarter in ("2026Q1", "2026Q2"):
            project = drawn_project(root, quarter)
        replaced = _rows(root / "outputs" / "2026Q1" / "draw" / "visits.csv")[0]
        append.replace(project, "2026Q1", replaced["uscc"], "已注销 deregistered")
    return root / "outputs"


def _expected(outputs: Path) -> list[tuple[str, str, str, str, str]]:
    """(quarter, visit, uscc, items, inspectors) of 2026Q1 after its replacement, then of 2026Q2."""
    first = outputs / "2026Q1"
    record = first / "records" / "0001-replacement"
    replaced = json.loads((record / "replacement.json").read_text(encoding="utf-8"))["replaced_visit"]
    rows = [("2026Q1", row) for row in _rows(first / "draw" / "visits.csv") if row["visit"] != replaced]
    rows += [("2026Q1", row) for row in _rows(record / "visits.csv")]
    rows += [("2026Q2", row) for row in _rows(outputs / "2026Q2" / "draw" / "visits.csv")]
    return [(quarter, row["visit"], row["uscc"], row["items"], row["inspectors"]) for quarter, row in rows]


def _as_rows(history: History) -> list[tuple[str, str, str, str, str]]:
    return [(v.quarter, v.visit, v.uscc, ";".join(v.items), ";".join(v.inspectors)) for v in history.visits]


def test_the_chain_ends_in_the_replacement_record_appended_after_the_second_quarter(chain):
    head = chain_head(chain, "real")
    assert head.path == "2026Q1/records/0001-replacement/manifest.json"


def test_history_before_a_third_quarter_holds_the_replacement_and_not_the_replaced_visit(chain):
    history = history_before(chain, chain_head(chain, "real"), "2026Q3")
    record = chain / "2026Q1" / "records" / "0001-replacement"
    replaced = json.loads((record / "replacement.json").read_text(encoding="utf-8"))
    added = {row["visit"] for row in _rows(record / "visits.csv")}
    found = {visit.visit for visit in history.visits}
    assert added and added <= found
    assert replaced["replaced_visit"] not in found
    assert _as_rows(history) == _expected(chain)


def test_history_before_a_third_quarter_is_oldest_quarter_first(chain):
    quarters = [visit.quarter for visit in history_before(chain, chain_head(chain, "real"), "2026Q3").visits]
    first = sum(quarter == "2026Q1" for quarter in quarters)
    assert first and quarters == ["2026Q1"] * first + ["2026Q2"] * (len(quarters) - first)


def test_history_before_a_third_quarter_counts_the_replacement_s_visit_for_its_entity(chain):
    record = chain / "2026Q1" / "records" / "0001-replacement"
    new = _rows(record / "visits.csv")[0]
    replaced_uscc = json.loads((record / "replacement.json").read_text(encoding="utf-8"))["replaced_uscc"]
    history = history_before(chain, chain_head(chain, "real"), "2026Q3")
    assert history.last_visit(new["uscc"]).visit == new["visit"]
    # the replaced entity counts only where it was visited elsewhere (in 2026Q2, if drawn there)
    assert history.visits_in_year(replaced_uscc, 2026) == sum(row[2] == replaced_uscc for row in _expected(chain))
    assert all(visit.quarter != "2026Q1" for visit in history.visits if visit.uscc == replaced_uscc)


def test_history_before_the_second_quarter_is_the_first_quarter_alone(chain):
    history = history_before(chain, chain_head(chain, "real"), "2026Q2")
    assert _as_rows(history) == [row for row in _expected(chain) if row[0] == "2026Q1"]


def test_history_before_the_first_quarter_is_empty(chain):
    assert history_before(chain, chain_head(chain, "real"), "2026Q1").visits == ()
    assert history_before(chain, chain_head(chain, "real"), "2025Q4").visits == ()


def test_history_before_without_a_chain_is_empty(chain):
    assert history_before(chain, None, "2026Q3") == History()


def test_history_before_from_the_second_draw_does_not_see_the_later_replacement(chain):
    """Walking from 2026Q2's manifest (as verify of 2026Q2 would): 2026Q1 as drawn, without its record."""
    history = history_before(chain, Link("2026Q2/manifest.json", ""), "2026Q3")
    drawn = [("2026Q1", row["visit"]) for row in _rows(chain / "2026Q1" / "draw" / "visits.csv")]
    drawn += [("2026Q2", row["visit"]) for row in _rows(chain / "2026Q2" / "draw" / "visits.csv")]
    assert [(visit.quarter, visit.visit) for visit in history.visits] == drawn
