"""The draw's SQL for a distributed engine (zhanhe_audit/draw.sql, Spark SQL) gives exactly the reference
engine's tickets, ranks and selected flags, run here on DuckDB: a tested query to take to a cluster."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhanhe_audit import draw, engine
from zhanhe_audit.inputs import load_archived
from zhanhe_audit.paths import DEMO_QUARTER, Project

duckdb = pytest.importorskip("duckdb", reason="DuckDB runs the SQL here (a test dependency)")
ROOT = Path(__file__).resolve().parents[1]
SQL = (ROOT / "zhanhe_audit" / "draw.sql").read_text(encoding="utf-8")


def run_sql(seed: str, result: engine.DrawResult) -> list[tuple]:
    connection = duckdb.connect()
    # Spark's sha2(text, 256) is DuckDB's sha256(text); named parameters are :name in Spark, $name in DuckDB
    connection.execute("CREATE MACRO sha2(x, bits) AS sha256(x)")
    columns = {"t": [row.task_id for row in result.tickets], "g": [row.grade for row in result.tickets],
               "u": [row.uscc for row in result.tickets]}
    connection.execute("CREATE TABLE eligible AS SELECT unnest($t) AS task_id, unnest($g) AS grade, "
                       "unnest($u) AS uscc", columns)
    connection.execute("CREATE TABLE quotas AS SELECT unnest($t) AS task_id, unnest($g) AS grade, "
                       "CAST(unnest($q) AS INTEGER) AS quota",
                       {"t": [s.task_id for s in result.summary], "g": [s.grade for s in result.summary],
                        "q": [s.quota for s in result.summary]})
    return connection.execute(SQL.replace(":seed", "$seed"), {"seed": seed}).fetchall()


def reference(result: engine.DrawResult) -> list[tuple]:
    return sorted((row.task_id, row.grade, row.uscc, row.ticket, row.rank, row.selected) for row in result.tickets)


def test_the_sql_draws_the_kept_draw_v1_archive_exactly():
    result = engine.run_draw(load_archived(ROOT / "tests" / "fixtures" / "archive-draw-v1" / "outputs" / "2026Q1",
                                           "2026Q1"))
    assert sorted(run_sql(result.inputs.seed, result)) == reference(result)


def test_the_sql_draws_the_demo_quarter_exactly():
    result = engine.run_draw(engine.project_inputs(Project(ROOT), DEMO_QUARTER))
    rows = run_sql(result.inputs.seed, result)
    assert sorted(rows) == reference(result) and len(rows) > 20_000


def test_the_sql_passes_a_seed_of_quotes_backslashes_and_cjk_as_a_parameter():
    result = engine.run_draw(load_archived(ROOT / "tests" / "fixtures" / "archive-draw-v1" / "outputs" / "2026Q1",
                                           "2026Q1"))
    hostile = "公开摇号 'O''Brien' \\n \\\\ \"x\" 48213 90377 15620 73184"
    quotas = {(s.task_id, s.grade): s.quota for s in result.summary}
    strata: dict[tuple[str, str], list[str]] = {}
    for row in result.tickets:
        strata.setdefault((row.task_id, row.grade), []).append(row.uscc)
    expected = sorted((row.task_id, row.grade, row.uscc, row.ticket, row.rank, row.selected)
                      for (task, grade), usccs in strata.items()
                      for row in draw.rank_stratum(hostile, task, grade, usccs, quotas[task, grade]))
    assert sorted(run_sql(hostile, result)) == expected
