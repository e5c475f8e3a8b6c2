"""What an inspection found (findings.py): problem, open, overdue and sanctioned results; visits with a
problem; the suggested percentages for the next quarter; the task a result belongs to.

Results are made by hand; every expected value is worked out in the comments, with exact fractions.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from fractions import Fraction as F

import pytest

from zhanhe_audit.findings import Result, problem_visits, suggest_percentages, task_of

DEADLINE = date(2026, 3, 9)  # 20 working days after 2026-02-03 (the Spring Festival in between)
NOT_PROBLEMS = ("未发现问题", "未发现开展本次抽查涉及的经营活动", "已关闭停业或正在组织清算")
PROBLEMS = ("未按规定公示应当公示的信息", "公示信息隐瞒真实情况、弄虚作假", "通过登记的住所（经营场所）无法联系",
            "发现问题已责令改正", "发现问题待后续处理", "不配合检查情节严重")


def result(visit: str = "2026Q1-V0001", item: str = "SX01", categories: tuple[str, ...] = ("未发现问题",),
           **changes) -> Result:
    made = Result(visit, "91410411MAHPTR7BTE", item, "湛河区市场监督管理局", date(2026, 2, 2), date(2026, 2, 3),
                  ("41040020210759", "41040020228150"), categories, "", "无需处置", "", "", None, "", None, False,
                  DEADLINE, "")
    return replace(made, **changes)


# --- problem, open, overdue, sanctioned -------------------------------------------------------------


@pytest.mark.parametrize("category", NOT_PROBLEMS)
def test_not_a_problem_category_alone_is_no_problem(category):
    assert not result(categories=(category,)).problem


@pytest.mark.parametrize("category", PROBLEMS)
def test_each_problem_category_is_a_problem(category):
    assert result(categories=(category,)).problem


def test_problem_category_beside_nothing_found_is_still_a_problem():
    assert result(categories=("未发现问题", "发现问题已责令改正")).problem
    assert not result(categories=NOT_PROBLEMS).problem


@pytest.mark.parametrize("status, is_open", [("待处置", True), ("已移交已接收", True), ("已立案", True),
                                             ("已整改已复查", True), ("已办结", False)])
def test_problem_is_open_until_its_follow_up_is_closed(status, is_open):
    assert result(categories=("发现问题已责令改正",), disposition="责令改正", status=status).open is is_open


def test_no_problem_is_never_open():
    assert not result().open
    assert not result(categories=("已关闭停业或正在组织清算",)).open


@pytest.mark.parametrize("published, as_of, overdue", [
    (None, date(2026, 3, 8), False),  # unpublished, deadline not reached
    (None, DEADLINE, False),  # unpublished on the deadline itself: still in time
    (None, date(2026, 3, 10), True),  # unpublished the day after the deadline
    (DEADLINE, date(2026, 12, 31), False),  # published on the deadline, whatever the as-of
    (date(2026, 2, 10), date(2027, 6, 30), False),  # published early, looked at much later
    (date(2026, 3, 10), date(2026, 3, 10), True),  # published the day after the deadline
    (date(2026, 3, 10), date(2026, 12, 31), True),  # ... stays overdue for good
], ids=["unpublished_before_deadline", "unpublished_on_deadline", "unpublished_day_after_deadline",
        "published_on_deadline", "published_early_seen_later", "published_day_late_as_of_that_day",
        "published_day_late_seen_later"])
def test_overdue_by_publication_or_by_the_as_of_date(published, as_of, overdue):
    assert result(published=published).overdue(as_of) is overdue


@pytest.mark.parametrize("changes, sanctioned", [
    ({}, False),
    ({"categories": ("未发现开展本次抽查涉及的经营活动",)}, False),
    ({"categories": ("发现问题已责令改正",), "disposition": "责令改正"}, True),
    ({"disposition": "立案查处", "penalty_number": "湛市监罚〔2026〕1号", "penalty_date": date(2026, 2, 20)}, True),
    ({"categories": ("通过登记的住所（经营场所）无法联系",), "abnormal_list": True}, True),
    ({"categories": ("已关闭停业或正在组织清算",), "abnormal_list": True}, True),
], ids=["nothing_found", "no_such_business", "problem", "penalty_without_problem_category",
        "abnormal_list_with_problem", "abnormal_list_without_problem"])
def test_sanctioned_by_problem_penalty_or_abnormal_list(changes, sanctioned):
    assert result(**changes).sanctioned is sanctioned


# --- problem_visits ---------------------------------------------------------------------------------


def test_problem_visits_counts_a_visit_with_two_problem_items_once():
    results = [
        result("V1", "SX01", ("发现问题已责令改正",)),
        result("V1", "SX02", ("未按规定公示应当公示的信息",)),  # the same visit: still one visit with a problem
        result("V2", "SX01"),
        result("V3", "SX01"),
        result("V3", "SX02", ("不配合检查情节严重",)),  # a problem in the visit's second item
        result("V4", "SX03", ("已关闭停业或正在组织清算",)),
    ]
    assert problem_visits(results) == (2, 4)


def test_problem_visits_order_does_not_matter():
    results = [result("V1", "SX01", ("发现问题已责令改正",)), result("V1", "SX02")]
    assert problem_visits(results) == problem_visits(results[::-1]) == (1, 1)


def test_problem_visits_of_nothing():
    assert problem_visits([]) == (0, 0)


# --- suggest_percentages ------------------------------------------------------------------------------

FLOORS = {"A": F(1), "B": F(3), "C": F(10), "D": F(20)}

# (percent, counts, expected suggestions); each worked out by hand.
SUGGESTIONS = {
    # overall 2/10 = 1/5; A: share 2/5, ratio 2, 1.3 × 2 = 2.6 → 3 (rounded up to 0.5);
    # B: share 0, ratio 0, 0 → the floor 3
    "twice_the_overall_share_doubles_rounded_up_to_half":
        ({"A": F(13, 10), "B": F(3)}, {"A": (2, 5), "B": (0, 5)}, {"A": F(3), "B": F(3)}),
    # the same with 1.25: 1.25 × 2 = 2.5 exactly, not rounded further
    "doubling_to_an_exact_half_stays":
        ({"A": F(5, 4), "B": F(3)}, {"A": (2, 5), "B": (0, 5)}, {"A": F(5, 2), "B": F(3)}),
    # overall 20/40 = 1/2; C: share 7/20, ratio 7/10, 17 × 0.7 = 11.9 → 12; D: 13/20, ratio 13/10, 20 × 1.3 = 26
    "scaled_down_and_up_rounded_up_to_half":
        ({"C": F(17), "D": F(20)}, {"C": (7, 20), "D": (13, 20)}, {"C": F(12), "D": F(26)}),
    # overall 4/20 = 1/5; C: share 1/10, ratio 1/2, 12 × 0.5 = 6 → the floor 10; D: 3/10, ratio 3/2, 20 × 1.5 = 30
    "never_below_the_floor":
        ({"C": F(12), "D": F(20)}, {"C": (1, 10), "D": (3, 10)}, {"C": F(10), "D": F(30)}),
    # overall 5/20 = 1/4; D: share 1/2, ratio 2, 60 × 2 = 120 → 100; C: share 0 → the floor 10
    "never_above_100":
        ({"C": F(10), "D": F(60)}, {"C": (0, 10), "D": (5, 10)}, {"C": F(10), "D": F(100)}),
    # B has no visits: it keeps 3.5; A: share 1/4 = the overall share, ratio 1, 1 → 1
    "grade_without_visits_keeps_its_percentage":
        ({"A": F(1), "B": F(7, 2)}, {"A": (1, 4)}, {"A": F(1), "B": F(7, 2)}),
    "grade_with_zero_visits_keeps_its_percentage":
        ({"A": F(1), "B": F(7, 2)}, {"A": (1, 4), "B": (0, 0)}, {"A": F(1), "B": F(7, 2)}),
    # no problem anywhere: every grade keeps its percentage, 1.3 too (not rounded)
    "no_problem_anywhere_keeps_all":
        ({"A": F(13, 10), "B": F(7, 2), "C": F(10), "D": F(20)},
         {"A": (0, 30), "B": (0, 20), "C": (0, 10), "D": (0, 5)},
         {"A": F(13, 10), "B": F(7, 2), "C": F(10), "D": F(20)}),
    # no visit at all: the same
    "no_results_at_all_keeps_all":
        ({"A": F(1), "D": F(45, 2)}, {}, {"A": F(1), "D": F(45, 2)}),
    # overall 6/18 = 1/3; A: share 1/9, ratio 1/3, 3 × 1/3 = 1 (the floor, exactly);
    # D: share 5/9, ratio 5/3, 21 × 5/3 = 35
    "a_third_of_the_overall_share_to_the_floor_exactly":
        ({"A": F(3), "D": F(21)}, {"A": (1, 9), "D": (5, 9)}, {"A": F(1), "D": F(35)}),
    # overall 3/10; B: share 1/5, ratio 2/3, 4.5 × 2/3 = 3 exactly; D: share 2/5, ratio 4/3, 22.5 × 4/3 = 30
    "half_percentages_scaled_exactly":
        ({"B": F(9, 2), "D": F(45, 2)}, {"B": (1, 5), "D": (2, 5)}, {"B": F(3), "D": F(30)}),
}


@pytest.mark.parametrize("percent, counts, expected", SUGGESTIONS.values(), ids=SUGGESTIONS.keys())
def test_suggested_percentages_known_answers(percent, counts, expected):
    found = suggest_percentages(percent, {grade: FLOORS[grade] for grade in percent}, counts)
    assert [suggestion.grade for suggestion in found] == list(percent)
    assert {suggestion.grade: suggestion.suggested for suggestion in found} == expected
    for suggestion in found:
        assert type(suggestion.suggested) is F  # exact, never a float
        assert suggestion.current == percent[suggestion.grade] and suggestion.floor == FLOORS[suggestion.grade]
        assert suggestion.reasoning


def test_suggestion_share_is_exact_or_none_without_visits():
    found = suggest_percentages({"A": F(1), "B": F(3)}, {"A": F(1), "B": F(3)}, {"A": (1, 3)})
    assert [(s.grade, s.share) for s in found] == [("A", F(1, 3)), ("B", None)]


def test_suggestion_reasoning_names_the_floor_when_it_applies():
    found = suggest_percentages({"C": F(12), "D": F(20)}, {"C": F(10), "D": F(20)}, {"C": (1, 10), "D": (3, 10)})
    reasons = {s.grade: s.reasoning for s in found}
    assert "10%" in reasons["C"] and "不低于下限" in reasons["C"]
    assert "不低于下限" not in reasons["D"]


# --- task_of ----------------------------------------------------------------------------------------

TASK_ITEMS = {"2026Q1-T01": ("SX01", "SX03"), "2026Q1-T02": ("SX03", "SX04"), "2026Q1-T03": ("SX13",)}


@pytest.mark.parametrize("visit_tasks, item, task", [
    (("2026Q1-T02", "2026Q1-T01"), "SX03", "2026Q1-T01"),  # both list it: the smaller, whatever the order
    (("2026Q1-T01", "2026Q1-T02"), "SX03", "2026Q1-T01"),
    (("2026Q1-T02", "2026Q1-T01"), "SX04", "2026Q1-T02"),  # only the larger lists it
    (("2026Q1-T01", "2026Q1-T02"), "SX01", "2026Q1-T01"),
    (("2026Q1-T02", "2026Q1-T03"), "SX13", "2026Q1-T03"),  # T01 is not the visit's task
    (("2026Q1-T02",), "SX03", "2026Q1-T02"),  # T01 lists SX03 too, but is not the visit's task
], ids=["two_tasks_list_it_smaller_first_given_second", "two_tasks_list_it_smaller_given_first",
        "only_the_larger_lists_it", "only_the_smaller_lists_it", "the_visits_own_task_only",
        "smaller_task_of_another_visit_ignored"])
def test_task_of_picks_the_smallest_task_of_the_visit_that_lists_the_item(visit_tasks, item, task):
    assert task_of(visit_tasks, item, TASK_ITEMS) == task
