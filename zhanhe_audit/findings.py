"""What an inspection found, and what follows (Zhanhe plan, sections 三(一)1, 三(四), 三(五)).

One result per (visit, item): the standard result categories of the national enterprise
credit publicity system (mission.md, "Standard result categories"), the findings, the
disposition (后续处置无例外: every problem gets one; 谁审批、谁监管，谁主管、谁监管: another
department's matter is transferred to it), the follow-up status, the date the result was
entered in the public system, and the penalty and abnormal-list entry recorded under the
entity (联合惩戒). A later result for the same (visit, item) supersedes the earlier one.

Pure: no file is read here. ``results`` reads and checks a filled form; ``publish``
derives the public files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from .registers import GRADES

# The standard result categories (mission.md), in the order the national system lists them.
NO_PROBLEM = "未发现问题"
CATEGORIES = (
    NO_PROBLEM,
    "未按规定公示应当公示的信息",
    "公示信息隐瞒真实情况、弄虚作假",
    "通过登记的住所（经营场所）无法联系",
    "发现问题已责令改正",
    "发现问题待后续处理",
    "未发现开展本次抽查涉及的经营活动",
    "已关闭停业或正在组织清算",
    "不配合检查情节严重",
)
# Categories that are not a problem to follow up: nothing found, no such business, closed.
NOT_PROBLEMS = frozenset({NO_PROBLEM, "未发现开展本次抽查涉及的经营活动", "已关闭停业或正在组织清算"})

NONE_NEEDED, ORDERED, CASE, TRANSFER = "无需处置", "责令改正", "立案查处", "移交"
DISPOSITIONS = (NONE_NEEDED, ORDERED, CASE, TRANSFER)

# Follow-up progress, recorded by later results records for the same (visit, item).
PENDING, CLOSED = "待处置", "已办结"
STATUSES = (PENDING, "已移交已接收", "已立案", "已整改已复查", CLOSED)


@dataclass(frozen=True)
class Result:
    """The result of one (visit, item), as a results record holds it."""

    visit: str
    uscc: str
    item: str
    department: str  # the item's responsible department: the inspecting authority
    start: date
    end: date
    inspectors: tuple[str, ...]  # certificate numbers of those who went
    categories: tuple[str, ...]
    findings: str
    disposition: str
    receiving_department: str  # with 移交 only
    status: str  # follow-up progress; "" when there is nothing to follow up
    published: date | None  # entered in the national enterprise credit publicity system
    penalty_number: str
    penalty_date: date | None
    abnormal_list: bool  # 列入经营异常名录
    deadline: date  # 20 working days after ``end``
    supersedes: str  # the record holding the result this one replaces, or ""

    @property
    def key(self) -> tuple[str, str]:
        return self.visit, self.item

    @property
    def problem(self) -> bool:
        return any(category not in NOT_PROBLEMS for category in self.categories)

    @property
    def open(self) -> bool:
        """A problem whose follow-up is not closed."""
        return self.problem and self.status != CLOSED

    def overdue(self, as_of: date) -> bool:
        """Published after its deadline, or not published by ``as_of`` although the deadline passed."""
        return self.published > self.deadline if self.published else as_of > self.deadline

    @property
    def sanctioned(self) -> bool:
        """What the entity's credit record carries: a problem, a penalty or an abnormal-list entry."""
        return self.problem or bool(self.penalty_number) or self.abnormal_list


def problem_visits(results: list[Result]) -> tuple[int, int]:
    """(visits whose results found a problem, visits with a result): a visit counts once."""
    visits: dict[str, bool] = {}
    for result in results:
        visits[result.visit] = visits.get(result.visit, False) or result.problem
    return sum(visits.values()), len(visits)


def grade_counts(results: list[Result], grades: dict[str, str]) -> dict[str, tuple[int, int]]:
    """Per grade: (visits that found a problem, visits with a result)."""
    return {grade: problem_visits([r for r in results if grades.get(r.uscc) == grade]) for grade in GRADES}


@dataclass(frozen=True)
class Suggestion:
    grade: str
    current: Fraction
    floor: Fraction
    share: Fraction | None  # of the grade's visits that found a problem
    suggested: Fraction
    reasoning: str


def round_up_to_half(value: Fraction) -> Fraction:
    """Percentages are suggested in steps of 0.5, rounded up."""
    doubled = value * 2
    return Fraction(-(-doubled.numerator // doubled.denominator), 2)


def suggest_percentages(percent: dict[str, Fraction], floors: dict[str, Fraction],
                        counts: dict[str, tuple[int, int]]) -> list[Suggestion]:
    """Next quarter's percentages from each grade's (visits with a problem, visits) (动态调整, Zhanhe plan 三(三)).

    The rule, transparent on purpose: a grade whose visits found problems more often than the
    visits of all grades together gets its percentage scaled by the ratio of the two shares;
    one that found them less often is scaled down the same way; never below the floor, never
    above 100, in steps of 0.5 rounded up. Without visits of a grade, or without any problem,
    its percentage stays. It is a suggestion for the next params, which are frozen as always.
    """
    problems = sum(found for found, _ in counts.values())
    visits = sum(total for _, total in counts.values())
    overall = Fraction(problems, visits) if visits else Fraction(0)
    suggestions = []
    for grade, current in percent.items():
        found, total = counts.get(grade, (0, 0))
        share = Fraction(found, total) if total else None
        floor = floors[grade]
        if share is None or not overall:
            suggested = current  # as the params have it (a percentage below the floor has its written reason)
            why = ("无本等级检查结果，维持现比例 (no results for this grade: unchanged)" if share is None else
                   "各等级均未发现问题，维持现比例 (no problem found in any grade: unchanged)")
        else:
            ratio = share / overall
            scaled = round_up_to_half(current * ratio)
            suggested = min(max(scaled, floor), Fraction(100))
            why = (f"{total} 次检查中 {found} 次发现问题 ({float(share):.1%})，全部等级 {float(overall):.1%}，"
                   f"比值 {float(ratio):.2f}；{float(current):g}% × {float(ratio):.2f} → {float(scaled):g}%"
                   + (f"，不低于下限 {float(floor):g}%" if scaled < floor else "")
                   + ("，不高于 100%" if scaled > 100 else ""))
        suggestions.append(Suggestion(grade, current, floor, share, suggested, why))
    return suggestions


def task_of(visit_tasks: tuple[str, ...], item: str, task_items: dict[str, tuple[str, ...]]) -> str:
    """The task a result of ``item`` in a visit of ``visit_tasks`` belongs to: the smallest (as text) of the
    visit's tasks whose items include it (a joint visit may come from several tasks)."""
    return min((task for task in visit_tasks if item in task_items.get(task, ())), default=min(visit_tasks))
