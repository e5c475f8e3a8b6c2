"""The draw on Apache Spark (zhanhe_audit.spark: the project's draw.sql, unchanged, run by Spark SQL) gives
every row and byte that DuckDB (ranking.rank_all) and the reference engine (oracle.draw.rank_stratum) give: on the
demo quarter, the kept draw-v1 archive, a random register of 100,000 entities, a hostile seed, a forced tie.

One local[2] session serves the module. Without pyspark or Java the Spark tests are skipped, saying why;
the refusal of ``--engine spark`` without pyspark is tested either way.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import io
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from projects import make_project, seed_after_freeze, tree
from test_ranking import FIXTURE, ROOT, SEED, random_usccs, reference
from zhanhe_audit import cli, engine, ranking, spark, tickets, verify, workbook
from zhanhe_audit.errors import EngineUnavailable
from zhanhe_audit.evidence.archived import load_archived
from zhanhe_audit.evidence.files import TICKETS_CSV
from zhanhe_audit.paths import DEMO_QUARTER, Project

pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")
MISSING = spark.missing()
needs_spark = pytest.mark.skipif(MISSING is not None, reason=f"Spark tests skipped: {MISSING}")
needs_pyspark = pytest.mark.skipif(importlib.util.find_spec("pyspark") is None,
                                   reason="Spark tests skipped: pyspark is not installed: "
                                          "run pip install -e '.[spark]'")
HOSTILE = "'; DROP TABLE x; -- \\ \" 中文 $seed :seed 12345678901234567890"


@pytest.fixture(scope="module")
def session():
    started = time.perf_counter()
    found = spark.start()
    print(f"\n{spark.describe(found)} started in {time.perf_counter() - started:.1f} s")
    yield found
    found.stop()


def ranked(rank, seed: str, strata: list[ranking.Stratum]) -> tuple[bytes, list]:
    """tickets.csv as the engine writes ``rank``'s rows, and the selected rows."""
    into = io.BytesIO()
    with rank(seed, strata) as rows:
        selected = tickets.write_tickets(rows, into)
    return into.getvalue(), selected


def check(session, seed: str, strata: list[ranking.Stratum]) -> list:
    """Spark's tickets.csv and selected rows are DuckDB's and the reference engine's, row by row and byte by byte."""
    expected = reference(seed, strata)
    text, selected = ranked(functools.partial(spark.rank_all, session=session), seed, strata)
    on_duckdb, selected_on_duckdb = ranked(ranking.rank_all, seed, strata)
    assert text == TICKETS_CSV.text(expected).encode("utf-8") == on_duckdb  # every row, as the reference writes it
    assert selected == [row for row in expected if row.selected] == selected_on_duckdb
    return expected


def recording(session):
    """A ``ranking.Rank`` ranking on Spark that keeps the seed and strata ``engine.run_draw`` gives it."""
    given: list[tuple[str, list[ranking.Stratum]]] = []

    def rank(seed, strata):
        # the engine gives each stratum's codes as an Arrow column; the reference engine takes a list
        given.append((seed, [replace(s, usccs=s.usccs.to_pylist() if isinstance(s.usccs, pa.Array) else list(s.usccs))
                             for s in strata]))
        return spark.rank_all(seed, strata, session)

    return rank, given


@needs_spark
def test_spark_gives_duckdbs_and_the_reference_rows_on_a_random_register_of_100000(session):
    codes = random_usccs(100_000, 5)
    # two tasks over one register, grades drawn in a non-alphabetical order, an empty stratum, batches and none
    strata = [ranking.Stratum("2027Q1-T07", "C", codes[:50_000], 1_000, 3),
              ranking.Stratum("2027Q1-T07", "A", codes[50_000:], 501, 3),
              ranking.Stratum("2027Q1-T07", "D", [], 0, 3),
              ranking.Stratum("2027Q1-T03", "C", codes[::3], 2_000, None)]
    assert len(check(session, SEED, strata)) == 100_000 + len(codes[::3])


@needs_spark
def test_demo_quarter_on_spark_draws_the_reference_rows_and_duckdbs_files(session, tmp_path):
    inputs = engine.project_inputs(Project(ROOT), DEMO_QUARTER)
    rank, given = recording(session)
    on_spark = engine.run_draw(inputs, tmp_path / "spark", rank)
    on_duckdb = engine.run_draw(inputs, tmp_path / "duckdb")
    [(seed, strata)] = given
    expected = reference(seed, strata)
    text = (tmp_path / "spark" / TICKETS_CSV.path).read_bytes()
    assert TICKETS_CSV.parse(text.decode("utf-8")) == expected and len(expected) > 20_000
    assert text == (tmp_path / "duckdb" / TICKETS_CSV.path).read_bytes() == TICKETS_CSV.text(expected).encode()
    assert on_spark.selected == on_duckdb.selected == [row for row in expected if row.selected]
    assert on_spark.visits == on_duckdb.visits


@needs_spark
def test_spark_recomputes_the_kept_draw_v1_archive_byte_for_byte(session, tmp_path):
    rank, given = recording(session)
    engine.write_draw(engine.run_draw(load_archived(FIXTURE, "2026Q1"), tmp_path, rank))
    [(seed, strata)] = given
    assert TICKETS_CSV.read(tmp_path) == reference(seed, strata)
    for name in (TICKETS_CSV.path, "draw/summary.csv", "draw/visits.csv"):
        assert (tmp_path / name).read_bytes() == (FIXTURE / name).read_bytes()


@needs_spark
def test_a_seed_of_quotes_backslashes_sql_and_cjk_is_bound_and_ranks_as_in_the_reference(session):
    check(session, HOSTILE, [ranking.Stratum("2027Q1-T01", "A", random_usccs(500, 2), 9, 2),
                             ranking.Stratum("2027Q1-T01", "B", random_usccs(40, 3), 40, 2)])


@needs_spark
def test_the_sql_text_spark_runs_is_draw_sql_unchanged_with_no_seed_in_it(session, monkeypatch):
    seen = []
    run = session.sql
    monkeypatch.setattr(session, "sql", lambda text, args=None: seen.append((text, args)) or run(text, args=args))
    ranked(functools.partial(spark.rank_all, session=session), HOSTILE,
           [ranking.Stratum("T", "A", random_usccs(20, 4), 3)])
    [(text, args)] = seen
    assert text == Path(ranking.__file__).with_name("draw.sql").read_text(encoding="utf-8")
    assert args == {"seed": HOSTILE} and "中文" not in text and "DROP TABLE x" not in text


@needs_spark
def test_spark_orders_strings_by_their_utf8_bytes_as_python_and_duckdb_do(session):
    # Java compares strings as UTF-16 (U+1F600 before U+FF61); UTF-8 bytes and code points put U+FF61 first
    values = ["a", "B", "b", "0", "~", " ", "a ", "aa", "A", "é", "名", "\uff61", "\U0001f600", "", "9" * 19, "9" * 17]
    on_spark = session.createDataFrame(pa.table({"v": values})).orderBy("v").toArrow().column("v").to_pylist()
    on_duckdb = [row[0] for row in duckdb.sql("SELECT v FROM (SELECT unnest($v) AS v) ORDER BY v",
                                              params={"v": values}).fetchall()]
    assert on_spark == on_duckdb == sorted(values) == sorted(values, key=lambda v: v.encode("utf-8"))


@needs_spark
def test_codes_of_other_lengths_and_non_ascii_rank_on_spark_as_in_the_reference(session):
    check(session, SEED, [ranking.Stratum("T", "A", ["9" * 17, "9" * 19, "A", "名字", "91410411MA0000001名"], 2, 2)])


@needs_spark
def test_a_tie_between_two_tickets_is_broken_by_uscc_on_spark(session, monkeypatch):
    # SHA-256 makes a tie practically impossible: force one in the SQL text and compute the order with hashlib
    codes = random_usccs(50, 7)
    twins = sorted(codes[:2])
    hashed = "sha2(concat_ws(chr(10), :seed, e.task_id, e.uscc), 256)"
    assert hashed in ranking.SQL
    listed = ", ".join(f"'{code}'" for code in twins)
    monkeypatch.setattr(ranking, "SQL", ranking.SQL.replace(
        hashed, f"CASE WHEN e.uscc IN ({listed}) THEN repeat('0', 64) ELSE {hashed} END"))
    tickets = {code: "0" * 64 if code in twins else hashlib.sha256(f"{SEED}\nT\n{code}".encode()).hexdigest()
               for code in codes}
    text, _ = ranked(functools.partial(spark.rank_all, session=session), SEED,
                     [ranking.Stratum("T", "A", list(reversed(codes)), 5)])
    rows = TICKETS_CSV.parse(text.decode("utf-8"))
    assert [(row.uscc, row.ticket, row.rank) for row in rows] == \
        [(code, tickets[code], rank) for rank, code in enumerate(sorted(codes, key=lambda c: (tickets[c], c)), 1)]
    assert [row.uscc for row in rows[:2]] == twins


@needs_spark
def test_spark_returns_draw_sqls_columns_with_duckdbs_types_and_both_are_numbered_alike(session, monkeypatch):
    strata = [ranking.Stratum("T", "A", random_usccs(30, 8), 4, 2), ranking.Stratum("T", "B", random_usccs(9, 9), 2)]
    session.createDataFrame(spark._plain(ranking.eligible_table(strata))).createOrReplaceTempView("eligible")
    session.createDataFrame(spark._plain(ranking.strata_table(strata))).createOrReplaceTempView("strata")
    raw = session.sql(ranking.SQL, args={"seed": SEED}).toArrow().schema
    assert [(field.name, field.type) for field in raw] == [(field.name, field.type) for field in ranking.SORTED]
    schemas = []
    write = tickets.write_tickets
    monkeypatch.setattr(tickets, "write_tickets", lambda rows, into: schemas.append(rows.schema) or write(rows, into))
    ranked(functools.partial(spark.rank_all, session=session), SEED, strata)
    ranked(ranking.rank_all, SEED, strata)
    on_spark, on_duckdb = schemas
    assert on_spark == on_duckdb == tickets.SCHEMA


@needs_spark
def test_no_strata_at_all_give_the_header_alone_on_spark(session):
    assert check(session, SEED, []) == [] and TICKETS_CSV.text([]) == tickets.HEADER + "\n"


@needs_spark
def test_an_entity_listed_twice_is_refused_on_spark_as_on_duckdb(session):
    codes = random_usccs(300, 1)
    strata = [ranking.Stratum("2027Q1-T01", "B", codes + [codes[17]], 31)]
    for rank in (ranking.rank_all, functools.partial(spark.rank_all, session=session)):
        with pytest.raises(ValueError, match=f"task 2027Q1-T01 lists entity {codes[17]} twice"):
            ranked(rank, SEED, strata)


@needs_spark
def test_draw_engine_spark_archives_duckdbs_draw_files_and_verifies(session, tmp_path, monkeypatch, capsys):
    # the CLI's --engine spark, with the notebooks left out (workbook.draw runs them; engine.draw_quarter is the rest)
    roots = {name: tmp_path / name for name in ("spark", "duckdb")}
    for root in roots.values():
        make_project(root, entities=600)
        engine.freeze_quarter(Project(root), "2026Q1")
        seed_after_freeze(root, "2026Q1")
    used = []

    def draw(project, quarter, progress=print, rank=ranking.rank_all):
        used.append(rank)
        return engine.draw_quarter(project, quarter, progress=progress, rank=rank)[0]

    monkeypatch.setattr(workbook, "draw", draw)
    assert cli.main(["--root", str(roots["spark"]), "draw", "2026Q1", "--engine", "spark"]) == 0
    assert "ranking on the active Spark 4" in capsys.readouterr().out
    assert [rank.func for rank in used] == [spark.rank_all]
    engine.draw_quarter(Project(roots["duckdb"]), "2026Q1")
    # draw/git-order.json names each project's own commits (their ids and times differ): git's proof, not the draw
    drawn = {name: {path.relative_to(root): path.read_bytes()
                    for path in (root / "outputs" / "2026Q1" / "draw").rglob("*")
                    if path.name != "git-order.json"}
             for name, root in roots.items()}
    assert drawn["spark"] == drawn["duckdb"] and len(drawn["spark"]) >= 6
    results = verify.checks(Project(roots["spark"]), "2026Q1")
    assert [check for check in results if check.status == "FAIL"] == [] and "redraw" in {c.name for c in results}


def _cli(root: Path, *args: str, before: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``zhanhe-audit ARGS`` in a new process in ``root``, after the Python statement ``before``."""
    code = f"{before}\nimport sys\nfrom zhanhe_audit import cli\nsys.exit(cli.main({list(args)!r}))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, env=env)


def _seeded(root: Path) -> None:
    make_project(root, entities=50)
    engine.freeze_quarter(Project(root), "2026Q1")
    seed_after_freeze(root, "2026Q1")


def test_engine_spark_without_pyspark_names_the_extra_exits_2_and_writes_nothing(tmp_path):
    _seeded(tmp_path)
    before = tree(tmp_path)
    result = _cli(tmp_path, "draw", "2026Q1", "--engine", "spark", before="import sys; sys.modules['pyspark'] = None")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "needs pyspark" in result.stderr and "pip install -e '.[spark]'" in result.stderr
    assert tree(tmp_path) == before


@needs_pyspark
def test_engine_spark_without_java_names_it_exits_2_and_writes_nothing(tmp_path):
    _seeded(tmp_path)
    before = tree(tmp_path)
    environment = {key: value for key, value in os.environ.items() if key != "SPARK_REMOTE"}
    result = _cli(tmp_path, "draw", "2026Q1", "--engine", "spark",
                  env={**environment, "JAVA_HOME": str(tmp_path / "no-java")})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "needs Java 17 or newer" in result.stderr and "JAVA_HOME" in result.stderr
    assert tree(tmp_path) == before


@pytest.mark.parametrize(("environment", "defaults", "chosen"), [
    ({}, None, False),  # spark-submit would take local[*]: the local[2] default is used
    ({"MASTER": "spark://host:7077"}, None, True),
    ({"PYSPARK_SUBMIT_ARGS": "--master yarn --deploy-mode client pyspark-shell"}, None, True),
    ({"PYSPARK_SUBMIT_ARGS": "--driver-memory 4g pyspark-shell"}, None, False),
    ({}, "spark.master  spark://host:7077\n", True),
    ({}, "spark.driver.memory 4g\n# spark.master local[8]\n", False),
])
def test_a_master_the_user_chose_for_spark_submit_is_honoured(environment, defaults, chosen, monkeypatch, tmp_path):
    for name in ("MASTER", "PYSPARK_SUBMIT_ARGS", "SPARK_CONF_DIR", "SPARK_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    if defaults is not None:
        (tmp_path / "spark-defaults.conf").write_text(defaults, encoding="utf-8")
        monkeypatch.setenv("SPARK_CONF_DIR", str(tmp_path))
    assert spark._user_master() is chosen


@needs_pyspark
def test_spark_connect_without_its_client_names_the_extra(monkeypatch):
    monkeypatch.setenv("SPARK_REMOTE", "sc://spark.example:15002")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *rest: None if name == "grpc" else real(name, *rest))
    assert "pip install 'pyspark[connect]'" in spark.missing() and "sc://spark.example:15002" in spark.missing()
    with pytest.raises(EngineUnavailable, match=r"Spark Connect, whose client is not installed"):
        spark.start()
