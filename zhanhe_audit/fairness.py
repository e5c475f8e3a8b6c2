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
- Inclusion probability: a Monte Carlo through the real selection code
  (``formulas.order``) over many seeds; each entity's inclusion count is compared with
  M·n/N by a chi-square test whose statistic is divided by (1 − n/N), the variance of
  an inclusion count when exactly n of N are drawn (approximately χ² with N − 1
  degrees of freedom). Its cost is bounded: a stratum of more than ``FOLLOW`` entities
  is simulated on a fixed subset of ``FOLLOW`` of them (those with the smallest
  SHA-256 of "monte carlo ⏎ USCC", chosen without any seed) drawing the same share,
  ``round(FOLLOW · n / N)``; the page says so for each stratum.
"""

from __future__ import annotations

import heapq
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import pyarrow as pa
import pyarrow.compute  # noqa: F401 -- pa.compute

from .formulas import StratumSummary, first, sha256_hex
from .gitorder import Order
from .history import History, year_of
from .layout import GIT_ORDER
from .params import FLOORS
from .registers import GRADES, Entity, Registers
from .registers.entities import key_tags
from .tickets import Ranked

SIGNIFICANCE = 0.05
FOLLOW = 1000  # entities the Monte Carlo follows per stratum: its cost stays bounded at any scale
MIN_EXPECTED = 5  # the usual rule for a chi-square approximation
MERGED = "其他（合并）"
PARALLEL_FROM = 2_000_000  # tickets hashed by the Monte Carlo (about 1 s on one core) before a worker pool pays off


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
        return Balance(grade, attribute, len(shown), None, None, None, f"样本 {n} 户，过小，不做检验 (sample too small to test)",
                       shown)
    merged = _merge_small(table)
    if len(merged) < 2 or any(row[3] < MIN_EXPECTED for row in merged):
        return Balance(grade, attribute, len(shown), None, None, None, "各类期望数过小，不做检验 (expected counts too small)",
                       shown)
    from scipy import stats  # imported where used: reading the archive's files needs no scipy

    result = stats.chisquare([row[2] for row in merged], [row[3] for row in merged])
    note = f"卡方拟合优度检验 chi-square goodness of fit, {len(merged)} 类" + (
        f"（期望数小于 {MIN_EXPECTED} 的类已合并）" if len(merged) < len(table) else "")
    return Balance(grade, attribute, len(shown), float(result.statistic), len(merged) - 1, float(result.pvalue), note,
                   shown)


def reading(result: Balance, tests: int) -> str:
    """A plain-language reading of one balance test, for a non-statistician."""
    if result.p_value is None:
        return result.note
    if result.significant:
        return (f"p = {result.p_value:.3f} < 0.05：样本分布与总体有差异。注意：即使抽取完全公平，每 20 次检验约有 1 次"
                f"出现 p < 0.05；本页共 {tests} 次检验，预计偶然出现约 {tests / 20:.1f} 次。")
    return f"p = {result.p_value:.3f}：样本分布与总体无显著差异 (no significant difference)。"


# --- inclusion probability (Monte Carlo) -----------------------------------------------------


@dataclass(frozen=True)
class Stratum:
    task_id: str
    grade: str
    usccs: tuple[str, ...]  # the entities followed: all of the stratum, or a fixed subset of FOLLOW
    n: int  # drawn among them
    eligible: int  # N, the whole stratum


@dataclass(frozen=True)
class Inclusion:
    task_id: str
    grade: str
    eligible: int  # N, the whole stratum
    followed: int  # the entities simulated: N, or FOLLOW of them
    n: int  # drawn among the followed
    seeds: int
    counts: tuple[int, ...]  # per followed entity, in uscc order
    statistic: float | None
    p_value: float | None

    @property
    def expected_rate(self) -> Fraction:
        return Fraction(self.n, self.followed)


def monte_carlo_seed(index: int) -> str:
    """The Monte Carlo's seeds: fixed, so that the report is reproducible (not the quarter's seed)."""
    return f"Monte Carlo {index:05d} 00000000000000000000"


def _count(stratum: Stratum, start: int, stop: int) -> Counter:
    """How often each followed entity is drawn, over the Monte Carlo seeds ``start`` to ``stop``: by the real
    selection order (``formulas.first``, the first n of ``formulas.order``)."""
    counts: Counter = Counter()
    for index in range(start, stop):
        counts.update(first(monte_carlo_seed(index), stratum.task_id, stratum.usccs, stratum.n))
    return counts


def _uniformity(stratum: Stratum, counts: list[int], seeds: int) -> tuple[float | None, float | None]:
    p = Fraction(stratum.n, len(stratum.usccs))
    if len(counts) < 2 or p in (0, 1):
        return None, None
    expected = seeds * p
    statistic = float(sum((Fraction(c) - expected) ** 2 for c in counts) / (expected * (1 - p)))
    from scipy import stats

    return statistic, float(stats.chi2.sf(statistic, len(counts) - 1))


def _tested(strata: list[Stratum], seeds: int, counted) -> list[Inclusion]:
    found = []
    for index, stratum in enumerate(strata):
        counts = [counted(index, stratum)[uscc] for uscc in stratum.usccs]
        statistic, p_value = _uniformity(stratum, counts, seeds)
        found.append(Inclusion(stratum.task_id, stratum.grade, stratum.eligible, len(stratum.usccs), stratum.n, seeds,
                               tuple(counts), statistic, p_value))
    return found


def inclusion(strata: list[Stratum], seeds: int = 1000, workers: int | None = None) -> list[Inclusion]:
    """Run the real selection ``seeds`` times per stratum and test each stratum's inclusion counts.

    Worker processes pay off only for large strata: below ``PARALLEL_FROM`` tickets in all
    (times seeds) the work stays in this process, as starting the pool costs more.
    """
    small = seeds * sum(len(stratum.usccs) for stratum in strata) < PARALLEL_FROM
    workers = 1 if small else workers or min(2, os.cpu_count() or 1)
    chunks = [(stratum, first, min(first + 250, seeds)) for stratum in strata for first in range(0, seeds, 250)]
    totals: dict[tuple[str, str], Counter] = defaultdict(Counter)
    if workers > 1:
        from concurrent.futures import ProcessPoolExecutor  # not on the draw's import path: it imports random

        with ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(_count, *zip(*chunks, strict=True)))
    else:
        results = [_count(*chunk) for chunk in chunks]
    for (stratum, _, _), found_in_chunk in zip(chunks, results, strict=True):
        totals[stratum.task_id, stratum.grade].update(found_in_chunk)
    return _tested(strata, seeds, lambda index, stratum: totals[stratum.task_id, stratum.grade])


def followed(usccs: list[str], count: int) -> tuple[str, ...]:
    """The entities the Monte Carlo follows in a stratum: all of them, or the ``count`` with the smallest
    SHA-256 of "monte carlo ⏎ USCC" (fixed before any seed, the same for every seed), in USCC order."""
    if len(usccs) <= count:
        return tuple(sorted(usccs))
    return tuple(sorted(heapq.nsmallest(count, usccs, key=lambda uscc: sha256_hex(f"monte carlo\n{uscc}"))))


FOLLOWED_SQL = """
SELECT task_id, grade, min_by(uscc, sha256('monte carlo' || chr(10) || uscc) || lpad(CAST(position AS VARCHAR), 12, '0'),
                              $count) AS followed
FROM tickets GROUP BY task_id, grade
"""


def followed_of(tickets: Ranked, count: int) -> dict[tuple[str, str], tuple[str, ...]]:
    """``followed`` of every stratum of ``tickets`` at once, as columns: DuckDB keeps, per stratum, the ``count``
    entities of the smallest SHA-256 hex text, ties by the row's place in ``tickets.csv`` (as ``heapq.nsmallest``
    breaks them: the place is part of the key, so no two keys are equal)."""
    import duckdb

    table = tickets.table.select(["task_id", "grade", "uscc"])
    table = table.append_column("position", pa.array(range(table.num_rows), pa.int64()))
    with duckdb.connect() as connection:
        connection.register("tickets", table)
        found = connection.sql(FOLLOWED_SQL, params={"count": count}).fetchall()
    return {(task_id, grade): tuple(sorted(usccs)) for task_id, grade, usccs in found}


def strata_of(tickets: Ranked, summary: list[StratumSummary], follow: int = FOLLOW) -> list[Stratum]:
    """The strata the Monte Carlo simulates; one larger than ``follow`` on a fixed subset drawing its share."""
    members = followed_of(tickets, follow)
    found = []
    for stratum in summary:
        if stratum.eligible:
            subset = members[stratum.task_id, stratum.grade]
            share = Fraction(len(subset) * stratum.quota, stratum.eligible)
            n = stratum.quota if len(subset) == stratum.eligible else max(1, int(share + Fraction(1, 2)))
            found.append(Stratum(stratum.task_id, stratum.grade, subset, n, stratum.eligible))
    return found


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


def _rounded(value: float | None) -> float | None:
    """As the file holds it: six decimals."""
    return None if value is None else round(value, 6)


def balance_row(result: Balance) -> BalanceRow:
    return BalanceRow(result.grade, result.attribute, result.categories, _rounded(result.statistic), result.dof,
                      _rounded(result.p_value), result.note)


@dataclass(frozen=True)
class InclusionRow:
    """One stratum's Monte Carlo as ``fairness/inclusion.csv`` holds it."""

    task_id: str
    grade: str
    eligible: int
    followed: int
    n: int
    seeds: int
    min_count: int
    max_count: int
    statistic: float | None
    p_value: float | None


def inclusion_row(result: Inclusion) -> InclusionRow:
    return InclusionRow(result.task_id, result.grade, result.eligible, result.followed, result.n, result.seeds,
                        min(result.counts), max(result.counts), _rounded(result.statistic), _rounded(result.p_value))


@dataclass(frozen=True)
class TimelineRow:
    """One event of ``fairness/timeline.csv``; ``in_order`` is the verdict on the whole timeline."""

    event: str
    when: str
    source: str
    in_order: bool


def timeline_rows(events: list[Event], problems: list[str]) -> list[TimelineRow]:
    return [TimelineRow(e.what, e.when, e.source, not problems) for e in events]
