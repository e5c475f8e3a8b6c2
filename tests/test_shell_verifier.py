"""The coreutils-only verifier (zhanhe_audit/verify-task.sh) agrees with the Python draw."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from projects import make_project, write_params
from zhanhe_audit import engine
from zhanhe_audit.paths import Project

SCRIPT = "verify-task.sh"
pytestmark = pytest.mark.skipif(not shutil.which("sha256sum"), reason="no sha256sum on this machine")


def _archive(root, seed_value=None):
    make_project(root, entities=400)
    project = Project(root)
    engine.freeze_quarter(project, "2026Q1")
    path = write_params(root, "2026Q1", seed=True)
    if seed_value is not None:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("test seed 2026-01-05 48213 90377 15620 73184", seed_value), encoding="utf-8")
    final, result = engine.draw_quarter(project, "2026Q1")
    return final, result


def _run(final, task):
    return subprocess.run(["sh", str(final / SCRIPT), str(final), task], capture_output=True, text=True)


def test_archive_carries_the_script():
    from zhanhe_audit.engine import VERIFIER_SOURCE as VERIFIER
    from zhanhe_audit.evidence.store import sha256_file

    assert VERIFIER.name == SCRIPT and VERIFIER.is_file()
    assert sha256_file(VERIFIER)


@pytest.mark.parametrize("task", ["2026Q1-T01", "2026Q1-T02"])
def test_shell_verifier_matches_python_for_every_task(tmp_path, task):
    final, result = _archive(tmp_path)
    out = _run(final, task)
    rows = sum(row.task_id == task for row in result.tickets)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip() == f"MATCH: {rows} tickets, ranks and selected flags of {task} recomputed from the seed"


def test_shell_verifier_handles_quotes_backslashes_and_chinese_in_the_seed(tmp_path):
    final, _ = _archive(tmp_path, seed_value='公开摇号 "第一轮" C:\\\\dice 48213 90377 15620 73184')
    assert '\\"' in (final / "draw" / "draw.json").read_text(encoding="utf-8")  # JSON escapes the quotes
    out = _run(final, "2026Q1-T01")
    assert out.returncode == 0 and out.stdout.startswith("MATCH"), out.stdout + out.stderr


def test_shell_verifier_names_the_first_mismatch_of_a_flipped_flag(tmp_path):
    final, result = _archive(tmp_path)
    first = next(row for row in result.tickets if row.task_id == "2026Q1-T01" and row.selected)
    tickets = final / "draw" / "tickets.csv"
    line = f"2026Q1-T01,{first.grade},{first.uscc},{first.ticket},{first.rank},true,"
    tickets.write_text(tickets.read_text(encoding="utf-8").replace(line, line.replace(",true,", ",false,")),
                       encoding="utf-8")
    out = _run(final, "2026Q1-T01")
    assert out.returncode == 1
    assert out.stdout.startswith("MISMATCH") and first.uscc in out.stdout and ",false" in out.stdout


def test_shell_verifier_catches_a_changed_ticket(tmp_path):
    final, result = _archive(tmp_path)
    row = next(r for r in result.tickets if r.task_id == "2026Q1-T02")
    tickets = final / "draw" / "tickets.csv"
    forged = ("f" if row.ticket[0] != "f" else "0") + row.ticket[1:]
    tickets.write_text(tickets.read_text(encoding="utf-8").replace(row.ticket, forged), encoding="utf-8")
    out = _run(final, "2026Q1-T02")
    assert out.returncode == 1 and row.uscc in out.stdout


def test_shell_verifier_refuses_an_unknown_task(tmp_path):
    final, _ = _archive(tmp_path)
    out = _run(final, "2026Q1-T99")
    assert out.returncode == 2 and "no rows" in out.stderr
