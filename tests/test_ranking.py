"""The fast ranking (zhanhe_audit.ranking) gives exactly the rows of the reference (draw.rank_stratum):
on random strata of 10,000 and 100,000 entities, on the demo quarter's draw files and on the kept
draw-v1 archive."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest

from zhanhe_audit import draw, engine, ranking
from zhanhe_audit.inputs import load_archived
from zhanhe_audit.paths import DEMO_QUARTER, Project
from zhanhe_audit.uscc import ALPHABET, complete

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "archive-draw-v1" / "outputs" / "2026Q1"


def random_usccs(count: int, seed: int) -> list[str]:
    """Valid codes from a fixed pseudo-random stream (test data only; the draw uses none)."""
    stream = random.Random(seed)
    return [complete("9141" + "".join(stream.choice(ALPHABET) for _ in range(13))) for _ in range(count)]


@pytest.mark.parametrize(("count", "n", "batches"), [(10_000, 100, None), (10_000, 2_000, 3), (100_000, 1_000, None)])
def test_fast_ranking_gives_the_reference_rows_on_random_strata(count, n, batches):
    usccs = random_usccs(count, count + n)
    args = ("random stratum seed 12345678901234567890", "2027Q1-T07", "B", usccs, n, batches)
    assert ranking.rank_stratum(*args) == draw.rank_stratum(*args)


def test_fast_ranking_ties_are_broken_by_uscc_as_the_reference_does(monkeypatch):
    # SHA-256 makes a tie practically impossible; force one to check the (ticket, uscc) order
    usccs = random_usccs(50, 7)
    twins = sorted(usccs[:2])
    real = hashlib.sha256

    class Tied:
        def __init__(self, data=b""):
            self.data = data

        def copy(self):
            return Tied(self.data)

        def update(self, more):
            self.data += more

        def hexdigest(self):
            code = self.data.rsplit(b"\n", 1)[-1].decode()
            return "0" * 64 if code in twins else real(self.data).hexdigest()

    monkeypatch.setattr(ranking.hashlib, "sha256", Tied)
    monkeypatch.setattr(draw.hashlib, "sha256", Tied)
    rows = ranking.rank_stratum("s" * 20, "T", "A", list(reversed(usccs)), 5)
    assert [row.uscc for row in rows[:2]] == twins and rows == draw.rank_stratum("s" * 20, "T", "A", usccs, 5)


def test_engine_with_the_fast_ranking_recomputes_the_kept_draw_v1_archive_byte_for_byte():
    recomputed = engine.draw_files(engine.run_draw(load_archived(FIXTURE, "2026Q1")))
    assert recomputed["draw/tickets.csv"] == (FIXTURE / "draw" / "tickets.csv").read_text(encoding="utf-8")


def test_demo_quarter_draws_the_same_tickets_with_either_ranking():
    inputs = engine.project_inputs(Project(ROOT), DEMO_QUARTER)
    fast = engine.run_draw(inputs)
    year = int(DEMO_QUARTER[-6:-2])
    reference = []
    for task in inputs.params.tasks:
        eligibility = engine.matching.eligible(task, inputs.registers, inputs.params, inputs.history, year)
        population = {grade: [e.uscc for e in entities] for grade, entities in eligibility.population.items()}
        reference += draw.draw_task(inputs.seed, task, population, inputs.params)[0]
    assert fast.tickets == reference and len(reference) > 20_000
