"""Inclusion probability: a Monte Carlo through the real selection code (``formulas.first``, the first n of
``formulas.order``) over many fixed seeds, and ``fairness/inclusion.csv``'s rows.

Each entity's inclusion count is compared with M·n/N by a chi-square test whose statistic is divided by
(1 − n/N), the variance of an inclusion count when exactly n of N are drawn (approximately χ² with N − 1
degrees of freedom). Its cost is bounded: a stratum of more than ``FOLLOW`` entities is simulated on a
fixed subset of ``FOLLOW`` of them (those with the smallest SHA-256 of "monte carlo ⏎ USCC", chosen
without any seed) drawing the same share, ``round(FOLLOW · n / N)``; the page says so for each stratum.
"""

from __future__ import annotations

import heapq
import os
from collections import Counter, defaultdict
from dataclasses import dataclass
from fractions import Fraction

import pyarrow as pa
import pyarrow.compute  # noqa: F401 -- pa.compute

from .formulas import StratumSummary, first, sha256_hex
from .tickets import Ranked

FOLLOW = 1000  # entities the Monte Carlo follows per stratum: its cost stays bounded at any scale
PARALLEL_FROM = 2_000_000  # tickets hashed by the Monte Carlo (about 1 s on one core) before a worker pool pays off


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
    from scipy import special  # chi2.sf of scipy.stats, which costs 0.45 s to import (fairness.chi_square)

    return statistic, float(special.chdtrc(len(counts) - 1, statistic))


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
SELECT task_id, grade, min_by(uscc, sha256('monte carlo' || chr(10) || uscc) || \
lpad(CAST(position AS VARCHAR), 12, '0'),
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


# --- the rows of fairness/inclusion.csv ---


def rounded(value: float | None) -> float | None:
    """As the file holds it: six decimals."""
    return None if value is None else round(value, 6)


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
                        min(result.counts), max(result.counts), rounded(result.statistic), rounded(result.p_value))
