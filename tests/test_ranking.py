"""The columnar draw (zhanhe_audit.ranking: the project's draw.sql on DuckDB) gives exactly the rows of
the reference engine (oracle.draw.rank_stratum), and tickets.csv exactly as the reference writes it: on random
registers of 10,000 and 100,000 entities, on the demo quarter and on the kept draw-v1 archive."""

from __future__ import annotations

import hashlib
import io
import random
from pathlib import Path

import pyarrow as pa
import pytest

from oracle import draw
from oracle import matching as reference_matching
from zhanhe_audit import engine, formulas, ranking
from zhanhe_audit.errors import ArchiveError
from zhanhe_audit.evidence.archived import load_archived
from zhanhe_audit.evidence.files import TICKETS_CSV
from zhanhe_audit.history import year_of
from zhanhe_audit.paths import DEMO_QUARTER, Project
from zhanhe_audit.tickets import TicketRow, _ahead, read_tickets, write_tickets
from zhanhe_audit.uscc import ALPHABET, complete

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "archive-draw-v1" / "outputs" / "2026Q1"
SEED = "random stratum seed 12345678901234567890"


def random_usccs(count: int, seed: int) -> list[str]:
    """Valid codes from a fixed pseudo-random stream (test data only; the draw uses none)."""
    stream = random.Random(seed)
    return [complete("9141" + "".join(stream.choice(ALPHABET) for _ in range(13))) for _ in range(count)]


def reference(seed: str, strata: list[ranking.Stratum]) -> list[TicketRow]:
    return [row for s in strata for row in draw.rank_stratum(seed, s.task_id, s.grade, s.usccs, s.quota, s.batches)]


def rank(seed: str, strata: list[ranking.Stratum]) -> tuple[str, list[TicketRow]]:
    """tickets.csv as the engine writes ranking.rank_all's rows, and the selected rows."""
    into = io.BytesIO()
    with ranking.rank_all(seed, strata) as rows:
        selected = write_tickets(rows, into)
    return into.getvalue().decode("utf-8"), selected


def check(seed: str, strata: list[ranking.Stratum]) -> list[TicketRow]:
    """tickets.csv (so every row) and the selected rows are the reference's; returns the rows."""
    expected = reference(seed, strata)
    text, selected = rank(seed, strata)
    assert text == TICKETS_CSV.text(expected)
    assert selected == [row for row in expected if row.selected]
    return TICKETS_CSV.parse(text)


@pytest.mark.parametrize(("count", "n", "batches"), [(10_000, 100, None), (10_000, 2_000, 3), (100_000, 1_000, None)])
def test_columnar_draw_gives_the_reference_rows_on_a_random_register(count, n, batches):
    codes = random_usccs(count, count + n)
    # two tasks over the same register, grades in a drawn order that is not alphabetical, an empty stratum
    strata = [ranking.Stratum("2027Q1-T07", "C", codes[: count // 2], n, batches),
              ranking.Stratum("2027Q1-T07", "A", codes[count // 2:], n // 2 + 1, batches),
              ranking.Stratum("2027Q1-T07", "D", [], 0, batches),
              ranking.Stratum("2027Q1-T03", "C", codes[::3], n, None)]
    assert len(check(SEED, strata)) == count + len(codes[::3])


@pytest.mark.parametrize("rows", [1, 7, 64])
def test_ranks_are_counted_across_batches_of_any_size(rows, monkeypatch):
    # ranking.number counts each row's place in its stratum as the rows stream out: a stratum starts, ends or
    # runs on over a batch's edge, and strata of one entity or none lie between others
    monkeypatch.setattr(ranking, "BATCH_ROWS", rows)
    codes = random_usccs(400, 11)
    strata = [ranking.Stratum("2027Q1-T02", "B", codes[:150], 20, 4),
              ranking.Stratum("2027Q1-T02", "A", codes[150:151], 1, 4),
              ranking.Stratum("2027Q1-T02", "D", [], 0, 4), ranking.Stratum("2027Q1-T02", "C", codes[151:], 30, 4),
              ranking.Stratum("2027Q1-T05", "C", codes[::5], 9, None)]
    rows_of = check(SEED, strata)
    assert [row.rank for row in rows_of if row.task_id == "2027Q1-T02" and row.grade == "A"] == [1]
    assert max(row.batch or 0 for row in rows_of) == 4


def test_draw_sql_returning_other_columns_is_refused_naming_them():
    wrong = pa.table({"stratum": pa.array([0], pa.int32()), "ticket": ["0" * 64]}).to_reader()
    with pytest.raises(ValueError,
                       match=r"draw.sql returns \['stratum', 'ticket'\], expected \['stratum', 'uscc', 'ticket'\]"):
        list(ranking.number(wrong, [ranking.Stratum("T", "A", ["x"], 1)]))


@pytest.mark.parametrize("repeated", [0, 17, 299])
def test_an_entity_listed_twice_in_a_stratum_is_refused_where_the_reference_counts_it_once(repeated, monkeypatch):
    # draw.sql asks for each entity once (the registers refuse a USCC twice), so a repeat is a caller's error,
    # caught wherever the pair falls: within a batch of rows or across two (one row per batch here)
    codes = random_usccs(300, 1)
    strata = [ranking.Stratum("2027Q1-T01", "B", codes + [codes[repeated]], 31)]
    assert len(reference(SEED, strata)) == 300
    with pytest.raises(ValueError, match=f"task 2027Q1-T01 lists entity {codes[repeated]} twice"):
        rank(SEED, strata)
    monkeypatch.setattr(ranking, "BATCH_ROWS", 1)
    with pytest.raises(ValueError, match=f"lists entity {codes[repeated]} twice"):
        rank(SEED, strata)


def test_a_seed_of_quotes_backslashes_and_cjk_is_a_parameter_not_sql():
    hostile = "公开摇号 'O''Brien' \\n \\\\ \"x\" $seed :seed; DROP TABLE eligible; -- 48213 90377"
    check(hostile, [ranking.Stratum("2027Q1-T01", "A", random_usccs(500, 2), 9, 2)])


def test_ties_are_broken_by_uscc_as_in_the_reference(monkeypatch):
    # SHA-256 makes a tie practically impossible: force one in both engines to check the (ticket, uscc) order
    codes = random_usccs(50, 7)
    twins = sorted(codes[:2])
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

    monkeypatch.setattr(formulas.hashlib, "sha256", Tied)
    strata = [ranking.Stratum("T", "A", list(reversed(codes)), 5)]
    tied = "CREATE MACRO sha2(text, bits) AS CASE WHEN right(text, 18) IN ({}) THEN repeat('0', 64) " \
           "ELSE sha256(text) END".format(", ".join(f"'{code}'" for code in twins))
    monkeypatch.setattr(ranking, "SHA2", tied)
    rows = TICKETS_CSV.parse(rank("s" * 20, strata)[0])
    assert [row.uscc for row in rows[:2]] == twins and rows == reference("s" * 20, strata)


def test_a_value_that_would_need_quoting_is_refused_rather_than_written_differently():
    # validated registers never hold one; if one got through, Arrow must not quote it its own way
    table = pa.table({"task_id": ["T"], "grade": ["A"], "uscc": ['91,"x'], "ticket": ["0" * 64],
                      "rank": [1], "selected": [True], "batch": pa.array([None], pa.int32())})
    with pytest.raises(pa.ArrowInvalid):
        write_tickets(table.to_reader(), io.BytesIO())


def test_engine_recomputes_the_kept_draw_v1_archive_byte_for_byte(tmp_path):
    engine.write_draw(engine.run_draw(load_archived(FIXTURE, "2026Q1"), tmp_path))
    for name in (TICKETS_CSV.path, "draw/summary.csv", "draw/visits.csv"):
        assert (tmp_path / name).read_bytes() == (FIXTURE / name).read_bytes()


def test_demo_quarter_draws_the_reference_engines_tickets_and_summary(tmp_path):
    inputs = engine.project_inputs(Project(ROOT), DEMO_QUARTER)
    columnar = engine.run_draw(inputs, tmp_path)
    rows, summary = [], []
    for task in inputs.params.tasks:  # the reference eligibility (matching) and the reference draw
        reference = reference_matching.eligible(task, inputs.registers, inputs.params, inputs.history,
                                                year_of(DEMO_QUARTER))
        population = {grade: [e.uscc for e in entities] for grade, entities in reference.population.items()}
        task_rows, task_summary = draw.draw_task(inputs.seed, task, population, inputs.params)
        rows += task_rows
        summary += task_summary
    assert list(columnar.tickets()) == rows and len(rows) > 20_000
    assert columnar.selected == [row for row in rows if row.selected]
    assert columnar.summary == summary
    assert (tmp_path / TICKETS_CSV.path).read_text(encoding="utf-8") == TICKETS_CSV.text(rows)


def test_the_order_entities_arrive_in_changes_nothing():
    codes = random_usccs(5_000, 3)
    strata = [ranking.Stratum("2027Q1-T02", "B", codes, 400, 4)]
    shuffled = list(codes)
    random.Random(9).shuffle(shuffled)
    assert rank(SEED, strata) == rank(SEED, [ranking.Stratum("2027Q1-T02", "B", shuffled, 400, 4)])


def test_tickets_csv_read_as_columns_gives_the_rows_the_typed_reader_gives():
    assert list(read_tickets(FIXTURE)) == TICKETS_CSV.read(FIXTURE)


@pytest.mark.parametrize(("text", "expected"), [
    ("task,grade,uscc,ticket,rank,selected,batch\n", "the header is 'task,grade"),
    ("task_id,grade,uscc,ticket,rank,selected,batch\nT,A,U,t,one,true,\n", "cannot be read"),
    ("task_id,grade,uscc,ticket,rank,selected,batch\nT,A,U,t,1,yes,\n", "cannot be read"),
    ("task_id,grade,uscc,ticket,rank,selected,batch\nT,A,U,t,1,true\n", "cannot be read"),
])
def test_a_malformed_tickets_csv_is_an_archive_error_naming_it(tmp_path, text, expected):
    (tmp_path / "draw").mkdir()
    (tmp_path / TICKETS_CSV.path).write_text(text, encoding="utf-8")
    with pytest.raises(ArchiveError, match=expected) as raised:
        read_tickets(tmp_path)
    assert TICKETS_CSV.path in str(raised.value)


@pytest.mark.parametrize("codes", [
    random_usccs(1000, 12),  # 18 ASCII characters each: one buffer cut every 18 bytes
    ["9" * 17, "9" * 19] * 3,  # 18 characters on average, but not each
    ["91410411MA0000001名", "914104110000000001"],  # 18 characters, one of them not ASCII
    ["A", "BB", ""],
    [],
])
def test_a_strata_column_of_codes_is_what_arrow_makes_of_the_list(codes):
    column = ranking._codes(codes)
    assert column.equals(pa.array(codes, pa.string())) and column.to_pylist() == codes


def test_codes_of_other_lengths_rank_as_in_the_reference():
    check(SEED, [ranking.Stratum("T", "A", ["9" * 17, "9" * 19, "A", "名字", "91410411MA0000001名"], 2, 2)])


def test_the_reserves_of_a_stratum_and_an_entitys_ticket_read_from_the_columns():
    tickets = read_tickets(FIXTURE)
    rows = TICKETS_CSV.read(FIXTURE)
    last = [row for row in rows if not row.selected][-1]  # a stratum with reserves
    task, grade = last.task_id, last.grade
    expected = sorted((r for r in rows if r.task_id == task and r.grade == grade and not r.selected),
                      key=lambda r: r.rank)
    assert list(tickets.reserves(task, grade)) == expected and len(expected) > 1
    assert tickets.ticket(task, last.uscc) == last
    assert tickets.ticket(task, "914104110000000001") is None


def test_batches_fetched_ahead_keep_their_order_pass_on_an_engines_error_and_end_their_thread():
    import threading

    batches = [pa.record_batch([pa.array([n])], names=["n"]) for n in range(50)]
    assert [b.column(0)[0].as_py() for b in _ahead(iter(batches), depth=3)] == list(range(50))

    def failing():
        yield from batches[:5]
        raise RuntimeError("the engine failed mid-stream")

    with pytest.raises(RuntimeError, match="mid-stream"):
        list(_ahead(failing(), depth=2))
    stopped_early = _ahead(iter(batches), depth=2)
    next(stopped_early)
    stopped_early.close()  # the reader stops (a repeated entity refused): the fetching thread ends too
    assert not [t for t in threading.enumerate() if t.name == "tickets-ahead"]
