"""Evidence of fairness: floors met, samples balanced, inclusion probabilities uniform,
and the freeze, seed and draw in the right order.

The reviewers' question (mission.md) is "was this draw fair, and was it done by the
rules?". Everything here is computed from the archive's files.

- Compliance: achieved ratio n/N per task and grade against the floor (Zhanhe plan,
  section 3.3) and the configured percentage; per grade the quarter's and the year's
  share of active entities drawn at least once.
- Balance: per grade, the sample's distribution over home units and main categories
  against the eligible population's, by a chi-square goodness-of-fit test
  (scipy.stats.chisquare), categories with an expected count under 5 merged. A fair
  draw still gives p < 0.05 in about one test in twenty.
- Inclusion probability: a Monte Carlo through the real selection code (``inclusion``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import pyarrow as pa
import pyarrow.compute  # noqa: F401 -- pa.compute

from .formulas import StratumSummary
from .gitorder import Order
from .history import History, year_of

# the Monte Carlo's steps, as the notebooks spell them (fairness.inclusion): make verify runs the notebooks again
from .inclusion import inclusion, inclusion_row, rounded, strata_of  # noqa: F401
from .layout import GIT_ORDER
from .params import FLOORS
from .registers import GRADES, Entity, Registers
from .registers.entities import key_tags
from .tickets import Ranked

SIGNIFICANCE = 0.05
MIN_EXPECTED = 5  # the usual rule for a chi-square approximation
MERGED = "其他（合并）"


@dataclass(frozen=True)
class Coverage:
    grade: str
    active: int
    drawn: int  # distinct entities drawn at least once

    @property
    def share(self) -> Fraction:
        return Fraction(self.drawn, self.active) if self.active else Fraction(0)


def quarter_coverage(tickets: Ranked, registers: Registers) -> list[Coverage]:
    """Per grade: active entities, and how many the quarter drew at least once (any task)."""
    active = registers.entities.grade_counts(active_only=True)
    drawn: dict[str, set[str]] = {grade: set() for grade in GRADES}
    for row in tickets.selected():
        drawn[row.grade].add(row.uscc)
    return [Coverage(grade, active[grade], len(drawn[grade])) for grade in GRADES]


def year_coverage(history: History, quarter: str, visits_uscc: set[str], registers: Registers) -> list[Coverage]:
    """Per grade: the share of the active entities drawn at least once this calendar year so far
    (earlier quarters of the year from the history, and this quarter's visits)."""
    seen = history.visited(year_of(quarter)) | visits_uscc
    entities = registers.entities
    active = entities.grade_counts(active_only=True)
    drawn = entities.where(pa.compute.is_in(entities.column("uscc"), pa.array(sorted(seen), pa.string())))
    return [Coverage(grade, active[grade], drawn.grade_counts(active_only=True)[grade]) for grade in GRADES]


def below_floor(row: StratumSummary) -> bool:
    return row.eligible > 0 and row.selected * 100 < row.eligible * FLOORS[row.grade]


# --- balance --------------------------------------------------------------------------------


def main_category(entity: Entity, tag_counts: Counter) -> str:
    """The entity's most specific tag: the one fewest entities carry (ties: alphabetical)."""
    return main_of(entity.tags, tag_counts)


def main_of(tags: frozenset[str], tag_counts: Counter) -> str:
    """Of a set of tags, the one fewest entities carry (ties: alphabetical)."""
    if not tags:
        return "（无标签）"
    return min(tags, key=lambda tag: (tag_counts[tag], tag))


@dataclass(frozen=True)
class BalanceRow:
    """One balance test as ``fairness/balance.csv`` holds it."""

    grade: str
    attribute: str  # "unit" or "category"
    categories: int
    statistic: float | None
    dof: int | None
    p_value: float | None
    note: str

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < SIGNIFICANCE


@dataclass(frozen=True)
class Balance(BalanceRow):
    """One balance test with its table: (category, population, sample, expected sample) per category."""

    table: list[tuple[str, int, int, float]] = field(default_factory=list)


def _merge_small(rows: list[list]) -> list[list]:
    """Merge every category with an expected count under 5 into one, growing it with the next
    smallest categories until it reaches 5 too (rows: [name, population, sample, expected])."""
    rows = sorted(rows, key=lambda row: (-row[3], row[0]))
    big = [row for row in rows if row[3] >= MIN_EXPECTED]
    small = [row for row in rows if row[3] < MIN_EXPECTED]
    if not small:
        return big
    merged = [MERGED, sum(r[1] for r in small), sum(r[2] for r in small), sum(r[3] for r in small)]
    while merged[3] < MIN_EXPECTED and big:
        row = big.pop()
        merged = [MERGED, merged[1] + row[1], merged[2] + row[2], merged[3] + row[3]]
    return big + [merged]


ATTRIBUTES = ("unit", "category")


def categories(tickets: Ranked, registers: Registers) -> dict[str, pa.Array]:
    """Per ticket row, its entity's home unit (``unit``) and main category (``category``), as columns: each
    distinct unit and tag combination is named once, then taken for every row."""
    entities = registers.entities
    units, tags = entities.column("unit"), entities.column("tags")
    keys = tags.dictionary.to_pylist()
    per_key = pa.compute.value_counts(tags.indices).to_pylist()
    tag_counts: Counter = Counter()
    for entry in per_key:
        for tag in key_tags(keys[entry["values"]]):
            tag_counts[tag] += entry["counts"]
    at = pa.compute.index_in(tickets.table.column("uscc"), value_set=entities.column("uscc"))
    mains = pa.array([main_of(key_tags(key), tag_counts) for key in keys], pa.string())
    return {"unit": units.dictionary.take(units.indices.take(at)),
            "category": mains.take(tags.indices.take(at))}


def balances(tickets: Ranked, registers: Registers) -> list[Balance]:
    """Every grade's balance over home units and main categories (``balance``), the rows' categories found once."""
    named = categories(tickets, registers)
    return [_balance(tickets, named[attribute], grade, attribute) for grade in GRADES for attribute in ATTRIBUTES]


def balance(tickets: Ranked, registers: Registers, grade: str, attribute: str) -> Balance:
    """Chi-square goodness of fit of the grade's sample against its eligible population."""
    return _balance(tickets, categories(tickets, registers)[attribute], grade, attribute)


def _counts(names: pa.Array) -> Counter:
    return Counter({row["values"]: row["counts"] for row in pa.compute.value_counts(names).to_pylist()})


def _balance(tickets: Ranked, names: pa.Array, grade: str, attribute: str) -> Balance:
    of_grade = pa.compute.equal(tickets.table.column("grade"), grade)
    population = _counts(names.filter(of_grade))
    sample = _counts(names.filter(pa.compute.and_(of_grade, tickets.table.column("selected"))))
    n, total = sum(sample.values()), sum(population.values())
    table: list[list[Any]] = ([[name, population[name], sample[name], n * population[name] / total]
                               for name in population] if total else [])
    shown = [(str(name), int(size), int(drawn), float(expected))
             for name, size, drawn, expected in sorted(table, key=lambda row: (-row[1], row[0]))]
    if n < 10 or len(population) < 2:
        return Balance(grade, attribute, len(shown), None, None, None,
                       f"样本 {n} 户，过小，不做检验 (sample too small to test)", shown)
    merged = _merge_small(table)
    if len(merged) < 2 or any(row[3] < MIN_EXPECTED for row in merged):
        return Balance(grade, attribute, len(shown), None, None, None,
                       "各类期望数过小，不做检验 (expected counts too small)", shown)
    statistic, p_value = chi_square([row[2] for row in merged], [row[3] for row in merged])
    note = f"卡方拟合优度检验 chi-square goodness of fit, {len(merged)} 类" + (
        f"（期望数小于 {MIN_EXPECTED} 的类已合并）" if len(merged) < len(table) else "")
    return Balance(grade, attribute, len(shown), statistic, len(merged) - 1, p_value, note, shown)


def chi_square(observed: list[int], expected: list[float]) -> tuple[float, float]:
    """Pearson's chi-square goodness of fit: the statistic and its p-value, the floats ``scipy.stats.chisquare``
    gives (its terms, numpy's sum, and the survival function it calls, ``scipy.special.chdtrc``), without
    importing ``scipy.stats``: 0.45 s of every process that renders 04-compliance (docs/measured.md)."""
    import numpy as np  # imported where used: reading the archive's files needs neither
    from scipy import special

    found, wanted = np.asarray(observed, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    statistic = np.sum((found - wanted) ** 2 / wanted)
    return float(statistic), float(special.chdtrc(len(found) - 1, statistic))


def reading(result: Balance, tests: int) -> str:
    """A plain-language reading of one balance test, for a non-statistician."""
    if result.p_value is None:
        return result.note
    if result.significant:
        return (f"p = {result.p_value:.3f} < 0.05：样本分布与总体有差异。注意：即使抽取完全公平，每 20 次检验约有 1 次"
                f"出现 p < 0.05；本页共 {tests} 次检验，预计偶然出现约 {tests / 20:.1f} 次。")
    return f"p = {result.p_value:.3f}：样本分布与总体无显著差异 (no significant difference)。"


# --- timeline -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    what: str
    when: str  # ISO date or time as recorded
    source: str


def timeline(frozen_at: str, seed_provenance: dict, order: Order) -> tuple[list[Event], list[str]]:
    """The freeze, the seed and their commits in time order, and what is out of order (must be empty).

    ``order`` is the git proof the draw archived (``draw/git-order.json``): the draw ran only after git showed
    the seed committed after the freeze, so the draw needs no clock time of its own here (the manifest keeps
    when it was sealed). Dates compare by their ISO text, to the precision both sides give.
    """
    events = [Event("名录冻结 registers frozen", frozen_at, "inputs/params/<quarter>.freeze.json")]
    if order.freeze:
        events.append(Event(f"冻结记录提交 freeze committed ({order.freeze.short}, {order.freeze.author})",
                            order.freeze.time, GIT_ORDER))
    events.append(Event("种子产生 seed produced", str(seed_provenance.get("date", "")), "inputs/params/<quarter>.yaml"))
    if order.seed:
        events.append(Event(f"种子提交 seed committed ({order.seed.short}, {order.seed.author})", order.seed.time,
                            GIT_ORDER))
    problems = []
    for index, earlier in enumerate(events):  # every pair: a date-only entry must not mask two times
        for later in events[index + 1:]:
            width = min(len(earlier.when), len(later.when), 19)
            if earlier.when[:width] > later.when[:width]:
                problems.append(f"{earlier.what} ({earlier.when}) 晚于 {later.what} ({later.when})")
    return events, problems


# --- the rows of fairness/*.csv -------------------------------------------------------------


def balance_row(result: Balance) -> BalanceRow:
    return BalanceRow(result.grade, result.attribute, result.categories, rounded(result.statistic), result.dof,
                      rounded(result.p_value), result.note)


@dataclass(frozen=True)
class TimelineRow:
    """One event of ``fairness/timeline.csv``; ``in_order`` is the verdict on the whole timeline."""

    event: str
    when: str
    source: str
    in_order: bool


def timeline_rows(events: list[Event], problems: list[str]) -> list[TimelineRow]:
    return [TimelineRow(e.what, e.when, e.source, not problems) for e in events]
