"""A quarter's freeze and draw, end to end on small projects, and every refusal."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from projects import ROOT, SEED, make_project, seed_after_freeze, tree, write_params
from zhanhe_audit import engine
from zhanhe_audit.errors import DrawRefused, EvidenceExists, FreezeError, ParamsError
from zhanhe_audit.evidence import store
from zhanhe_audit.evidence.archived import load_archived
from zhanhe_audit.gitorder import OrderUnproved
from zhanhe_audit.layout import PARTIAL
from zhanhe_audit.paths import Project


@pytest.fixture
def frozen(tmp_path):
    """A project whose registers were frozen, then given a seed: ready to draw."""
    make_project(tmp_path)
    project = Project(tmp_path)
    engine.freeze_quarter(project, "2026Q1")
    seed_after_freeze(tmp_path, "2026Q1")
    return project


def _rows(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_draw_writes_tickets_and_summary_that_recompute_independently(frozen):
    final, _ = engine.draw_quarter(frozen, "2026Q1")
    tickets = _rows(final / "draw" / "tickets.csv")
    assert list(tickets[0]) == ["task_id", "grade", "uscc", "ticket", "rank", "selected", "batch"]
    for row in tickets:
        message = f"{SEED['value']}\n{row['task_id']}\n{row['uscc']}".encode()
        assert row["ticket"] == hashlib.sha256(message).hexdigest()
    summary = _rows(final / "draw" / "summary.csv")
    assert list(summary[0]) == ["task_id", "grade", "eligible", "percent", "floor", "quota", "selected", "reason"]
    for stratum in summary:
        rows = [r for r in tickets if (r["task_id"], r["grade"]) == (stratum["task_id"], stratum["grade"])]
        assert len(rows) == int(stratum["eligible"])
        assert sum(r["selected"] == "true" for r in rows) == int(stratum["selected"]) == int(stratum["quota"])
        ordered = sorted(rows, key=lambda r: (r["ticket"], r["uscc"]))
        assert [int(r["rank"]) for r in ordered] == list(range(1, len(rows) + 1))
        assert all((r["selected"] == "true") == (int(r["rank"]) <= int(stratum["quota"])) for r in rows)


def test_eligibility_follows_item_scope_and_status(frozen):
    final, _ = engine.draw_quarter(frozen, "2026Q1")
    entities = {r["uscc"]: r for r in _rows(frozen.root / "registers" / "2026Q1" / "entities.csv")}
    food = [r for r in _rows(final / "draw" / "tickets.csv") if r["task_id"] == "2026Q1-T02"]
    expected = {u for u, r in entities.items()
                if r["status"] == "存续" and {"FOOD_SALE", "FOOD_SERVICE"} & set(r["tags"].split(";"))}
    assert {r["uscc"] for r in food} == expected
    assert all(entities[r["uscc"]]["grade"] == r["grade"] for r in food)


def test_archive_holds_exact_copies_of_the_inputs(frozen):
    final, _ = engine.draw_quarter(frozen, "2026Q1")
    for relative in ("params/2026Q1.yaml", "params/2026Q1.freeze.json", "registers/2026Q1/entities.csv",
                     "registers/2026Q1/conflicts.csv"):
        assert (final / "inputs" / relative).read_bytes() == (frozen.root / relative).read_bytes()


def test_draw_from_the_archived_inputs_gives_identical_files(frozen, tmp_path):
    final, _ = engine.draw_quarter(frozen, "2026Q1")
    engine.write_draw(engine.run_draw(load_archived(final, "2026Q1"), tmp_path))
    for path in (final / "draw").iterdir():
        if path.name != "git-order.json":  # from git history, not from the inputs (verify's 'git order' check)
            assert (tmp_path / "draw" / path.name).read_bytes() == path.read_bytes()


def test_draw_refuses_without_a_seed_and_writes_nothing(tmp_path):
    make_project(tmp_path)
    project = Project(tmp_path)
    engine.freeze_quarter(project, "2026Q1")
    with pytest.raises(DrawRefused, match="no seed yet"):
        engine.draw_quarter(project, "2026Q1")
    assert not (tmp_path / "outputs").exists()


def test_draw_refuses_without_a_freeze_record(tmp_path):
    make_project(tmp_path, seed=True)
    with pytest.raises(FreezeError, match="make freeze QUARTER=2026Q1"):
        engine.draw_quarter(Project(tmp_path), "2026Q1")


def test_freeze_refuses_once_the_seed_exists(tmp_path):
    make_project(tmp_path, seed=True)
    with pytest.raises(FreezeError, match="before the seed exists"):
        engine.freeze_quarter(Project(tmp_path), "2026Q1")
    assert not (tmp_path / "params" / "2026Q1.freeze.json").exists()


def test_freezing_again_keeps_the_first_record(tmp_path):
    make_project(tmp_path)
    project = Project(tmp_path)
    path, _ = engine.freeze_quarter(project, "2026Q1")
    before = path.read_bytes()
    engine.freeze_quarter(project, "2026Q1")
    assert path.read_bytes() == before


def test_draw_refuses_a_register_changed_after_the_freeze_naming_it(frozen):
    entities = frozen.root / "registers" / "2026Q1" / "entities.csv"
    entities.write_bytes(entities.read_bytes().replace("存续".encode(), "注销".encode(), 1))
    with pytest.raises(OrderUnproved, match=r"registers/2026Q1/entities.csv differ\(s\) from the freeze commit"):
        engine.draw_quarter(frozen, "2026Q1")
    assert not (frozen.root / "outputs").exists()


def test_draw_of_a_demo_quarter_refuses_a_register_changed_after_the_freeze_naming_its_hash(tmp_path):
    """A demo quarter may be drawn outside git, so the freeze record alone refuses the changed register."""
    make_project(tmp_path, "demo-2026Q1")
    project = Project(tmp_path)
    engine.freeze_quarter(project, "demo-2026Q1")
    write_params(tmp_path, "demo-2026Q1", seed=True)
    entities = tmp_path / "registers" / "demo-2026Q1" / "entities.csv"
    entities.write_bytes(entities.read_bytes().replace("存续".encode(), "注销".encode(), 1))
    with pytest.raises(FreezeError, match=r"entities: registers/demo-2026Q1/entities.csv has SHA-256"):
        engine.draw_quarter(project, "demo-2026Q1")
    assert not (tmp_path / "outputs").exists()


def test_second_draw_refuses_pointing_to_verify_and_leaves_archive_identical(frozen):
    final, _ = engine.draw_quarter(frozen, "2026Q1")
    before = tree(final)
    with pytest.raises(DrawRefused, match="make verify QUARTER=2026Q1"):
        engine.draw_quarter(frozen, "2026Q1")
    assert tree(final) == before


def test_task_id_of_an_earlier_quarter_is_refused(frozen):
    engine.draw_quarter(frozen, "2026Q1")
    make_project(frozen.root, "2026Q2", tasks=[{"id": "2026Q1-T01", "items": ["SX01"]}])
    # a task id must start with its own quarter, so reuse is caught as a params error first
    with pytest.raises(ParamsError, match="tasks\\[0\\].id"):
        engine.draw_quarter(frozen, "2026Q2")


def _clone_holding(final: Path, task_id: str) -> None:
    """An archive of another quarter that (wrongly) holds ``task_id``."""
    clone = final.parent / "2025Q4"
    (clone / "draw").mkdir(parents=True)
    record = json.loads((final / "draw" / "draw.json").read_text(encoding="utf-8"))
    record["tasks"][0]["id"] = task_id
    (clone / "draw" / "draw.json").write_text(json.dumps(record), encoding="utf-8")


def test_task_id_reused_by_another_archive_is_refused_at_the_freeze(frozen):
    final, _ = engine.draw_quarter(frozen, "2026Q1")
    _clone_holding(final, "2026Q2-T01")
    make_project(frozen.root, "2026Q2")
    with pytest.raises(DrawRefused, match="2026Q2-T01 was drawn already in 2025Q4"):
        engine.freeze_quarter(frozen, "2026Q2")
    assert not frozen.freeze_file("2026Q2").exists()


def test_task_id_reused_by_an_archive_made_after_the_freeze_is_refused_by_the_draw(frozen):
    final, _ = engine.draw_quarter(frozen, "2026Q1")
    make_project(frozen.root, "2026Q2")
    engine.freeze_quarter(frozen, "2026Q2")
    seed_after_freeze(frozen.root, "2026Q2")
    _clone_holding(final, "2026Q2-T01")
    with pytest.raises(DrawRefused, match="2026Q2-T01 was drawn already in 2025Q4"):
        engine.draw_quarter(frozen, "2026Q2")


def test_failure_midway_leaves_no_archive_and_a_rerun_succeeds(frozen, monkeypatch):
    def broken(result):
        (result.folder / "draw" / "summary.csv").write_text("half", encoding="utf-8")
        raise KeyboardInterrupt

    monkeypatch.setattr(engine, "write_draw", broken)
    with pytest.raises(KeyboardInterrupt):
        engine.draw_quarter(frozen, "2026Q1")
    assert [p.name for p in (frozen.root / "outputs").iterdir()] == []
    monkeypatch.undo()
    final, _ = engine.draw_quarter(frozen, "2026Q1")
    assert (final / "draw" / "summary.csv").read_text(encoding="utf-8").startswith("task_id,")


def test_partial_folder_of_a_killed_run_is_removed_by_the_next_run(frozen):
    # a run killed with SIGKILL leaves its temporary folder; its pid no longer exists
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = frozen.root / "outputs" / f".2026Q1{PARTIAL}{dead.stdout.strip()}"
    (stale / "draw").mkdir(parents=True)
    final, _ = engine.draw_quarter(frozen, "2026Q1")
    assert not stale.exists() and final.is_dir()


def test_write_new_never_overwrites(tmp_path):
    target = tmp_path / "a.txt"
    store.write_new(target, "first")
    with pytest.raises(EvidenceExists, match="never overwritten"):
        store.write_new(target, "second")
    assert target.read_text() == "first"
    assert os.listdir(tmp_path) == ["a.txt"]


def test_register_path_outside_the_project_is_refused(tmp_path):
    make_project(tmp_path, seed=True)
    params = tmp_path / "params" / "2026Q1.yaml"
    params.write_text(params.read_text(encoding="utf-8").replace("registers/2026Q1/tags.csv", "../tags.csv"),
                      encoding="utf-8")
    with pytest.raises(ParamsError, match="registers.tags"):
        engine.project_inputs(Project(tmp_path), "2026Q1")


def test_demo_quarter_draws_from_the_committed_params(tmp_path):
    for folder in ("params", "registers"):
        (tmp_path / folder).symlink_to(ROOT / folder)
    final, result = engine.draw_quarter(Project(tmp_path), "demo-2026Q4")
    assert (final / "draw" / "tickets.csv").is_file() and (final / "draw" / "summary.csv").is_file()
    assert {row.task_id for row in result.summary} == {f"demo-2026Q4-T0{i}" for i in range(1, 6)}
    assert all(row.selected == row.quota >= 1 for row in result.summary)


def test_readme_hand_check_is_rank_1_of_the_demo_draw(tmp_path):
    """The by-hand check of the reviewer's guide (moved there from the README) is rank 1 of the demo draw."""
    import re

    guide = (ROOT / "docs" / "guide-reviewer.md").read_text(encoding="utf-8")
    seed = re.search(r"^SEED='(.*)'$", guide, flags=re.MULTILINE).group(1)
    task, uscc = re.search(r"""^printf '%s\\n%s\\n%s' "\$SEED" (\S+) (\S+) \| sha256sum$""", guide,
                           flags=re.MULTILINE).groups()
    expected = re.search(r"^# ([0-9a-f]{64})  -$", guide, flags=re.MULTILINE).group(1)
    assert hashlib.sha256(f"{seed}\n{task}\n{uscc}".encode()).hexdigest() == expected
    result = engine.run_draw(engine.project_inputs(Project(ROOT), "demo-2026Q4"), tmp_path)
    first = next(r for r in result.tickets() if r.task_id == task and r.grade == "A" and r.rank == 1)
    assert (first.uscc, first.ticket, result.inputs.params.seed.value) == (uscc, expected, seed)
