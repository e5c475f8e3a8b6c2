"""Fairness evidence: balance tests, Monte Carlo inclusion, coverage, timeline."""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from datetime import date
from fractions import Fraction

import pytest

from oracle.draw import as_columns
from zhanhe_audit import fairness, inclusion
from zhanhe_audit.formulas import StratumSummary
from zhanhe_audit.gitorder import Commit, Order
from zhanhe_audit.history import History, PastVisit, year_of
from zhanhe_audit.registers import Entities, Entity, Registers
from zhanhe_audit.tickets import TicketRow
from zhanhe_audit.uscc import complete

UNITS = ["甲所", "乙所", "丙所", "丁所"]


def _entities(count=400, grade="A"):
    return [Entity(complete(f"91410411{i:09d}"), f"n{i}", grade, frozenset({"ENTERPRISE", f"T{i % 5}"}),
                   UNITS[i % 4], "存续", date(2020, 1, 1), True, i + 2) for i in range(count)]


def _registers(entities):
    return Registers(Entities.from_objects(tuple(entities)), {}, {}, (), {})


def _tickets(entities, selected):
    return as_columns(TicketRow("2026Q1-T01", e.grade, e.uscc, "", i + 1, e.uscc in selected, None)
                     for i, e in enumerate(entities))


def test_balanced_sample_is_not_flagged_and_a_one_unit_sample_is():
    entities = _entities()
    fair = {e.uscc for e in entities[:80]}  # units rotate, so 20 of each
    result = fairness.balance(_tickets(entities, fair), _registers(entities), "A", "unit")
    assert result.p_value == pytest.approx(1.0) and not result.significant
    biased = {e.uscc for e in entities if e.unit == "甲所"}
    result = fairness.balance(_tickets(entities, biased), _registers(entities), "A", "unit")
    assert result.p_value < 1e-6 and result.significant and result.dof == 3
    assert "p < 0.05" in fairness.reading(result, 8) and "0.4" in fairness.reading(result, 8)


def test_small_expected_categories_are_merged_and_totals_kept():
    rows = [["a", 500, 50, 50.0], ["b", 400, 40, 40.0], ["c", 30, 3, 3.0], ["d", 20, 1, 2.0], ["e", 10, 0, 1.0]]
    merged = fairness._merge_small(rows)
    assert [row[0] for row in merged] == ["a", "b", fairness.MERGED]
    assert merged[-1][1:] == [60, 4, 6.0]
    assert all(row[3] >= fairness.MIN_EXPECTED for row in merged)


def test_too_small_a_sample_is_not_tested():
    entities = _entities(40)
    result = fairness.balance(_tickets(entities, {entities[0].uscc}), _registers(entities), "A", "unit")
    assert result.p_value is None and "过小" in result.note


def test_main_category_is_the_rarest_tag():
    entities = _entities(10)
    counts = Counter(tag for e in entities for tag in e.tags)
    assert fairness.main_category(entities[3], counts) == "T3"


def test_monte_carlo_through_the_real_selection_is_uniform_with_exact_mean():
    stratum = inclusion.Stratum("2026Q1-T01", "C", tuple(complete(f"91410411{i:09d}") for i in range(60)), 6, 60)
    [result] = inclusion.inclusion([stratum], seeds=1000, workers=1)
    assert sum(result.counts) == 6 * 1000  # exactly n per seed
    assert Fraction(sum(result.counts), result.seeds * result.eligible) == result.expected_rate == Fraction(1, 10)
    assert result.p_value > 0.001


def test_monte_carlo_uniformity_test_catches_a_biased_selection(monkeypatch):
    stratum = inclusion.Stratum("2026Q1-T01", "C", tuple(complete(f"91410411{i:09d}") for i in range(60)), 6, 60)
    real = inclusion.first

    def biased(seed, task_id, usccs, n):
        drawn = real(seed, task_id, usccs, n)
        # the first entity is slipped into every sample: what "redraw until satisfied" produces
        favourite = min(usccs)
        return drawn if favourite in drawn else [favourite, *drawn[:-1]]

    monkeypatch.setattr(inclusion, "first", biased)
    [result] = inclusion.inclusion([stratum], seeds=1000, workers=1)
    assert result.p_value < 1e-6


def test_uniformity_is_not_tested_when_everyone_or_no_one_is_drawn():
    stratum = inclusion.Stratum("2026Q1-T01", "D", tuple(complete(f"91410411{i:09d}") for i in range(3)), 3, 3)
    [result] = inclusion.inclusion([stratum], seeds=10, workers=1)
    assert result.p_value is None and result.counts == (10, 10, 10)


def test_chi_square_and_the_uniformity_p_value_are_scipy_stats_floats_to_the_last_bit():
    """``fairness.chi_square`` and ``inclusion._uniformity`` call ``scipy.special`` instead of importing
    ``scipy.stats`` (0.45 s a process): on random tables, of 2 to 40 categories and counts up to 100,000, the
    statistic and p-value are the very floats ``scipy.stats.chisquare`` and ``chi2.sf`` give."""
    from scipy import stats

    generator = random.Random("chi-square")
    for _ in range(300):
        sizes = [generator.randint(1, 100_000) for _ in range(generator.randint(2, 40))]
        n, total = generator.randint(10, sum(sizes)), sum(sizes)
        expected = [n * size / total for size in sizes]
        observed = [generator.randint(0, 2 * round(e) + 5) for e in expected]
        observed[-1] = max(0, n - sum(observed[:-1]))
        expected = [e * sum(observed) / n for e in expected] if sum(observed) else expected
        old = stats.chisquare(observed, expected)
        assert fairness.chi_square(observed, expected) == (float(old.statistic), float(old.pvalue))
    for count in (2, 7, 60, 1000):
        codes = tuple(complete(f"91410411{i:09d}") for i in range(count))
        stratum = inclusion.Stratum("2026Q1-T01", "C", codes, max(1, count // 10), count)
        counts = [generator.randint(0, 300) for _ in codes]
        statistic, p_value = inclusion._uniformity(stratum, counts, 1000)
        assert p_value == float(stats.chi2.sf(statistic, count - 1))


def test_year_coverage_counts_earlier_quarters_of_the_same_year_only():
    entities = _entities(8)
    history = History((PastVisit("2026Q1", "V1", entities[0].uscc, ("SX01",), ()),
                       PastVisit("2025Q4", "V9", entities[1].uscc, ("SX01",), ())))
    [row] = [r for r in fairness.year_coverage(history, "2026Q3", {entities[2].uscc}, _registers(entities))
             if r.grade == "A"]
    assert (row.active, row.drawn, row.share) == (8, 2, Fraction(1, 4))


def test_quarter_coverage_counts_an_entity_drawn_twice_once():
    entities = _entities(10)
    tickets = as_columns([*_tickets(entities, {entities[0].uscc}),
                          TicketRow("2026Q1-T02", "A", entities[0].uscc, "", 1, True, None)])
    [row] = [r for r in fairness.quarter_coverage(tickets, _registers(entities)) if r.grade == "A"]
    assert (row.active, row.drawn) == (10, 1)


PROVED = Order(Commit("f" * 40, "2026-11-26T05:00:00+00:00", "staff"),
               Commit("5" * 40, "2026-11-27T08:00:00+00:00", "staff"))


def test_timeline_in_order_and_a_seed_dated_before_the_freeze_is_flagged():
    record = "2026-11-26T04:43:33+00:00"  # when the freeze record says it was frozen
    events, problems = fairness.timeline(record, {"date": "2026-11-27"}, PROVED)
    assert (problems == []
            and [e.what.split()[0] for e in events] == ["名录冻结", "冻结记录提交", "种子产生", "种子提交"])
    assert [e.when for e in events] == [record, "2026-11-26T05:00:00+00:00", "2026-11-27", "2026-11-27T08:00:00+00:00"]
    _, problems = fairness.timeline(record, {"date": "2026-10-12"}, PROVED)
    assert len(problems) == 2 and "2026-11-26T04:43:33" in problems[0] and "2026-10-12" in problems[0]


def test_timeline_flags_a_seed_committed_before_the_freeze_commit():
    record = "2026-11-26T04:43:33+00:00"  # when the freeze record says it was frozen
    order = Order(PROVED.freeze, Commit("5" * 40, "2026-11-26T04:50:00+00:00", "staff"))
    _, problems = fairness.timeline(record, {"date": "2026-11-26"}, order)
    assert problems and "freeze committed" in problems[0]


def test_timeline_of_an_unproved_order_has_no_commits_and_the_dates_alone():
    events, problems = fairness.timeline("2026-11-26T04:43:33+00:00", {"date": "2026-11-27"},
                                         Order(None, None, "no git"))
    assert problems == [] and [e.what.split()[0] for e in events] == ["名录冻结", "种子产生"]


def test_a_stratum_larger_than_follow_is_simulated_on_a_fixed_subset_drawing_the_same_share():
    usccs = [complete(f"91410411{i:09d}") for i in range(5000)]
    rows = [TicketRow("2026Q1-T01", "A", uscc, "", i + 1, i < 50, None) for i, uscc in enumerate(usccs)]
    tickets = as_columns(rows)
    summary = [StratumSummary("2026Q1-T01", "A", 5000, "1", "1", 50, 50, "")]
    (stratum,) = inclusion.strata_of(tickets, summary, follow=300)
    # the 300 with the smallest SHA-256 of "monte carlo ⏎ USCC", whatever the ticket or the register order
    by_hash = sorted(usccs, key=lambda u: hashlib.sha256(f"monte carlo\n{u}".encode()).hexdigest())[:300]
    assert stratum.usccs == tuple(sorted(by_hash)) and stratum.eligible == 5000
    assert stratum.n == 3  # round(300 × 50 / 5000)
    assert inclusion.strata_of(as_columns(rows[::-1]), summary, follow=300) == [stratum]
    [result] = inclusion.inclusion([stratum], seeds=200, workers=1)
    assert (result.eligible, result.followed, result.n) == (5000, 300, 3) and sum(result.counts) == 3 * 200
    assert result.expected_rate == Fraction(3, 300)


# --- the columns against the code they replaced ----------------------------------------------------------
# The functions below are the fairness evidence as 04-compliance computed it before the quarter was on
# columns: one Python object per ticket and per entity. The page's files (fairness/balance.csv, inclusion.csv)
# must not change by a byte, so the columnar functions are compared with them.


def old_quarter_coverage(tickets, registers):
    active = Counter(entity.grade for entity in registers.entities if entity.active)
    drawn = {grade: set() for grade in "ABCD"}
    for row in tickets:
        if row.selected:
            drawn[row.grade].add(row.uscc)
    return [fairness.Coverage(grade, active[grade], len(drawn[grade])) for grade in "ABCD"]


def old_year_coverage(history, quarter, visits_uscc, registers):
    year = year_of(quarter)
    seen = {visit.uscc for visit in history.visits if visit.year == year} | visits_uscc
    active = [entity for entity in registers.entities if entity.active]
    return [fairness.Coverage(grade, sum(e.grade == grade for e in active),
                              sum(e.grade == grade and e.uscc in seen for e in active)) for grade in "ABCD"]


def old_balance(tickets, entities, grade, attribute):
    """(``entities``: the register's objects by USCC, made once here where the old code made them per call)"""
    tag_counts = Counter(tag for entity in entities.values() for tag in entity.tags)

    def category(uscc):
        entity = entities[uscc]
        return entity.unit if attribute == "unit" else fairness.main_category(entity, tag_counts)

    rows = [row for row in tickets if row.grade == grade]
    population = Counter(category(row.uscc) for row in rows)
    sample = Counter(category(row.uscc) for row in rows if row.selected)
    return population, sample


def old_strata_of(tickets, summary, follow):
    members = {}
    for row in tickets:
        members.setdefault((row.task_id, row.grade), []).append(row.uscc)
    found = []
    for stratum in summary:
        if stratum.eligible:
            subset = inclusion.followed(members[stratum.task_id, stratum.grade], follow)
            share = Fraction(len(subset) * stratum.quota, stratum.eligible)
            n = stratum.quota if len(subset) == stratum.eligible else max(1, int(share + Fraction(1, 2)))
            found.append(inclusion.Stratum(stratum.task_id, stratum.grade, subset, n, stratum.eligible))
    return found


@pytest.fixture(scope="module")
def drawn_quarters(tmp_path_factory):
    """The demo drawn with its committed registers, and a random register of 30,000 with a history."""
    from test_eligibility import Q, random_project

    from projects import ROOT
    from zhanhe_audit import engine
    from zhanhe_audit.inputs import load_inputs
    from zhanhe_audit.paths import DEMO_QUARTER, Project

    demo = load_inputs(Project(ROOT), DEMO_QUARTER, History())
    project, past = random_project(tmp_path_factory.mktemp("random") / "project", 30_000, seed=5)
    drawn = []
    for inputs in (demo, load_inputs(project, Q, past)):
        drawn.append(engine.run_draw(inputs, tmp_path_factory.mktemp("draw")))
    return drawn


def test_coverage_balance_and_monte_carlo_strata_are_the_old_codes(drawn_quarters):
    for result in drawn_quarters:
        tickets, registers, quarter = result.tickets(), result.inputs.registers, result.inputs.quarter
        rows = list(tickets)
        assert fairness.quarter_coverage(tickets, registers) == old_quarter_coverage(rows, registers)
        visited = {visit.uscc for visit in result.visits}
        assert fairness.year_coverage(result.inputs.history, quarter, visited, registers) == \
            old_year_coverage(result.inputs.history, quarter, visited, registers)
        found = fairness.balances(tickets, registers)
        assert [(b.grade, b.attribute) for b in found] == [(g, a) for g in "ABCD" for a in ("unit", "category")]
        entities = {entity.uscc: entity for entity in registers.entities}
        for new in found:
            population, sample = old_balance(rows, entities, new.grade, new.attribute)
            assert {name: (size, drawn) for name, size, drawn, _ in new.table} == \
                {name: (population[name], sample[name]) for name in population}
        assert inclusion.strata_of(tickets, result.summary) == old_strata_of(rows, result.summary, inclusion.FOLLOW)
        assert any(len(s.usccs) < s.eligible for s in inclusion.strata_of(tickets, result.summary))  # a subset


def test_monte_carlo_counts_are_those_of_the_whole_order_cut_at_n_as_before():
    """``formulas.first`` takes the n smallest tickets instead of sorting each stratum: the counts of the code it
    replaced (``formulas.order(...)[:n]`` for every seed), on strata of the demo's sizes and shares."""
    from collections import Counter

    from zhanhe_audit.formulas import order

    usccs = tuple(sorted(complete(f"91410411{i:09d}") for i in range(300)))
    strata = [inclusion.Stratum("2026Q1-T01", "A", usccs, 3, 300),
              inclusion.Stratum("2026Q1-T02", "D", usccs[:40], 10, 40)]
    found = inclusion.inclusion(strata, seeds=60, workers=1)
    for stratum, result in zip(strata, found, strict=True):
        before: Counter = Counter()
        for index in range(60):
            before.update(uscc for _, uscc in order(inclusion.monte_carlo_seed(index), stratum.task_id, stratum.usccs)[
                :stratum.n])
        assert result.counts == tuple(before[uscc] for uscc in stratum.usccs)
        assert sum(result.counts) == 60 * stratum.n
