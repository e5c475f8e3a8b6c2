"""``make verify``: an untouched archive passes; every kind of tampering fails and is named.

Each tampering changes one thing at a place the test chooses, so the file and row the
verification must name are known without running it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from projects import SEED, make_project, seed_after_freeze, write_params
from zhanhe_audit import engine, gitorder, verify, verify_check
from zhanhe_audit.evidence import store
from zhanhe_audit.hashing import sha256_file
from zhanhe_audit.paths import Project

ENTITIES = 300  # enough rows for every tampering below, small enough to draw quickly
CHECK_NAMES = ["manifest", "files", "accounted", "seed", "freeze", "history", "redraw", "inspectors", "fairness",
               "pages", "records", "chain", "public", "git order", "announced seed", "announced head", "verifiers"]


@pytest.fixture(autouse=True)
def no_outer_git(tmp_path, monkeypatch):
    """git must not find a repository above tmp_path, so 'no git here' means no git."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))


def _prepare(root: Path, name: str = "2026Q1") -> Project:
    """Registers and params of ``name``, frozen, then given a seed: ready to draw."""
    make_project(root, name, entities=ENTITIES)
    project = Project(root)
    engine.freeze_quarter(project, name)
    seed_after_freeze(root, name)
    return project


def _draw(root: Path, name: str = "2026Q1") -> Path:
    final, _ = engine.draw_quarter(_prepare(root, name), name)
    return final


@pytest.fixture
def drawn(tmp_path) -> Path:
    """The archive folder of 2026Q1, drawn once git proved the freeze came before the seed."""
    return _draw(tmp_path)


@pytest.fixture
def two_quarters(tmp_path) -> tuple[Path, Path]:
    return _draw(tmp_path, "2026Q1"), _draw(tmp_path, "2026Q2")


def _results(root: Path, name: str = "2026Q1") -> dict[str, verify.Check]:
    results = verify.checks(Project(root), name)
    by_name = {result.name: result for result in results}
    assert len(by_name) == len(results), "a check was reported twice"
    return by_name


def _report(root: Path, name: str = "2026Q1", seed: str | None = None,
            head: str | None = None) -> tuple[bool, list[str]]:
    lines: list[str] = []
    passed = verify.report(Project(root), name, out=lines.append, seed=seed, head=head)
    return passed, lines


def _change_char(path: Path, line: int, column: int) -> tuple[str, str]:
    """Change the character at ``column`` (0-based) of ``line`` (1-based); return the line before and after."""
    lines = path.read_bytes().decode("utf-8").split("\n")
    before = lines[line - 1]
    new = "7" if before[column] != "7" else "8"
    after = before[:column] + new + before[column + 1:]
    lines[line - 1] = after
    path.write_bytes("\n".join(lines).encode("utf-8"))
    return before, after


def _field_start(path: Path, line: int, field: int) -> int:
    """The column where CSV field number ``field`` (0-based) of ``line`` starts (no quoted fields here)."""
    row = path.read_text(encoding="utf-8").split("\n")[line - 1]
    return len(",".join(row.split(",")[:field])) + (1 if field else 0)


def _run_cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zhanhe_audit.cli", "--root", str(root), *args],
                          capture_output=True, text=True, env=dict(os.environ))


# --- an untouched archive -------------------------------------------------------------------


def test_untouched_archive_passes_every_check_and_names_the_two_announced_values_not_given(drawn, tmp_path):
    results = verify.checks(Project(tmp_path), "2026Q1")
    assert [result.name for result in results] == CHECK_NAMES
    statuses = {result.name: result.status for result in results}
    assert statuses == {name: "PASS" for name in CHECK_NAMES} | {"public": "NOTE", "announced seed": "SKIP",
                                                                 "announced head": "SKIP"}
    passed, lines = _report(tmp_path)
    assert passed is True
    assert lines[-1] == "PASS, 2 checks not run: announced seed (not given); announced head (not given)"
    assert len(lines) == 1 + 3 + len(CHECK_NAMES) + 1  # heading, seed and digests, one line per check, verdict
    manifest = hashlib.sha256((drawn / "manifest.json").read_bytes()).hexdigest()
    assert lines[1:4] == [f"  seed           {SEED['value']}", f"  draw manifest  {manifest}",
                          f"  chain head     {manifest}  (2026Q1/manifest.json; 0 record(s); written "
                          f"{json.loads((drawn / 'manifest.json').read_text(encoding='utf-8'))['created_at']})"]


def test_the_announced_seed_and_head_given_pass_and_the_verdict_is_a_bare_pass(drawn, tmp_path):
    manifest = hashlib.sha256((drawn / "manifest.json").read_bytes()).hexdigest()
    passed, lines = _report(tmp_path, seed=f"  {SEED['value']} ", head=manifest.upper())
    assert passed is True and lines[-1] == "PASS"
    assert any(line.startswith("PASS  announced head") and "this archive's head" in line for line in lines)


def test_cli_verify_of_an_untouched_archive_exits_0(drawn, tmp_path):
    result = _run_cli(tmp_path, "verify", "2026Q1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("PASS, 2 checks not run: announced seed")


def test_quarter_never_drawn_fails_naming_the_missing_folder(tmp_path):
    passed, lines = _report(tmp_path, "2026Q3")
    assert passed is False and lines[-1] == "FAIL: archive"
    assert any(line.startswith("FAIL") and "outputs/2026Q3 does not exist" in line for line in lines)


# --- tampering with one archive ---------------------------------------------------------------


def test_changed_register_fails_files_and_freeze_naming_it(drawn, tmp_path):
    register = drawn / "inputs" / "registers" / "2026Q1" / "entities.csv"
    _change_char(register, line=5, column=_field_start(register, 5, 0) + 3)
    results = _results(tmp_path)
    assert results["files"].status == "FAIL"
    assert "inputs/registers/2026Q1/entities.csv does not match its SHA-256" in results["files"].detail
    assert results["freeze"].status == "FAIL"
    assert "registers/2026Q1/entities.csv" in results["freeze"].detail
    assert "changed after it was frozen" in results["freeze"].detail
    assert _report(tmp_path)[0] is False


def test_visited_entity_removed_from_the_archived_register_fails_inspectors_naming_it(drawn, tmp_path):
    visited = (drawn / "draw" / "visits.csv").read_text(encoding="utf-8").splitlines()[1].split(",")[1]
    register = drawn / "inputs" / "registers" / "2026Q1" / "entities.csv"
    lines = register.read_text(encoding="utf-8").splitlines(keepends=True)
    register.write_text("".join(line for line in lines if not line.startswith(visited + ",")), encoding="utf-8")
    results = _results(tmp_path)
    assert results["freeze"].status == "FAIL"
    assert results["inspectors"].status == "FAIL"
    assert "draw/visits.csv row 2" in results["inspectors"].detail and visited in results["inspectors"].detail
    assert "not in the archived registers" in results["inspectors"].detail


def test_changed_ticket_fails_redraw_naming_row(drawn, tmp_path):
    tickets = drawn / "draw" / "tickets.csv"
    before, after = _change_char(tickets, line=10, column=_field_start(tickets, 10, 3) + 5)
    results = _results(tmp_path)
    assert results["files"].status == "FAIL"
    assert "draw/tickets.csv does not match its SHA-256" in results["files"].detail
    redraw = results["redraw"]
    assert redraw.status == "FAIL"
    assert "draw/tickets.csv differs" in redraw.detail
    assert f"row 10: recomputed '{before}', archived '{after}'" in redraw.detail


def test_changed_summary_fails_redraw_naming_row(drawn, tmp_path):
    summary = drawn / "draw" / "summary.csv"
    before, after = _change_char(summary, line=3, column=_field_start(summary, 3, 2))  # the 'eligible' count
    results = _results(tmp_path)
    assert results["files"].status == "FAIL"
    assert "draw/summary.csv does not match its SHA-256" in results["files"].detail
    assert results["redraw"].status == "FAIL"
    assert "draw/summary.csv differs" in results["redraw"].detail
    assert f"row 3: recomputed '{before}', archived '{after}'" in results["redraw"].detail


def test_removed_last_line_end_of_tickets_fails_redraw_naming_the_last_row(drawn, tmp_path):
    tickets = drawn / "draw" / "tickets.csv"
    data = tickets.read_bytes()
    rows = data.count(b"\n")  # every row ends with LF, so this is the number of the last row
    tickets.write_bytes(data[:-1])
    redraw = _results(tmp_path)["redraw"]
    assert redraw.status == "FAIL"
    assert f"draw/tickets.csv differs from the draw recomputed under draw-v1: row {rows}: " in redraw.detail
    assert "line end" in redraw.detail


def test_changed_manifest_fails_manifest(drawn, tmp_path):
    manifest = drawn / "manifest.json"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace('"kind": "draw"', '"kind": "drax"', 1), encoding="utf-8")
    assert manifest.read_text(encoding="utf-8") != text
    results = _results(tmp_path)
    assert results["manifest"].status == "FAIL"
    assert "manifest.json has SHA-256" in results["manifest"].detail and "changed" in results["manifest"].detail
    passed, lines = _report(tmp_path)
    assert passed is False and lines[-1] == "FAIL: manifest"


@pytest.mark.parametrize("column", [0, 63, 66, 78], ids=["hash-first", "hash-last", "name-first", "name-last"])
def test_changed_manifest_seal_fails_manifest(drawn, tmp_path, column):
    # manifest.json.sha256 is '<64 hex>  manifest.json': columns 0-63 the hash, 66-78 the name
    seal = drawn / "manifest.json.sha256"
    _change_char(seal, line=1, column=column)
    results = _results(tmp_path)
    assert results["manifest"].status == "FAIL"
    assert "manifest.json.sha256" in results["manifest"].detail
    assert _report(tmp_path)[0] is False


def test_extra_line_in_manifest_seal_fails_manifest(drawn, tmp_path):
    seal = drawn / "manifest.json.sha256"
    seal.write_bytes(seal.read_bytes() + b"0" * 64 + b"  draw/tickets.csv\n")
    assert _results(tmp_path)["manifest"].status == "FAIL"


@pytest.mark.parametrize("column", [0, 70], ids=["hash", "name"])
def test_changed_sha256sums_fails_files_naming_it(drawn, tmp_path, column):
    sums = drawn / "SHA256SUMS"
    _change_char(sums, line=2, column=column)
    files = _results(tmp_path)["files"]
    assert files.status == "FAIL"
    assert "SHA256SUMS" in files.detail


@pytest.mark.parametrize("added", ["draw/extra.csv", "notes/readme.txt", "inputs/registers/2026Q1/more.csv"])
def test_file_added_to_the_archive_fails_files_naming_it(drawn, tmp_path, added):
    target = drawn / added
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("task_id\n", encoding="utf-8")
    files = _results(tmp_path)["files"]
    assert files.status == "FAIL"
    assert f"{added} is in the archive but in no manifest" in files.detail


@pytest.mark.parametrize("deleted", ["inputs/registers/2026Q1/tags.csv", "draw/summary.csv", "SHA256SUMS"])
def test_file_deleted_from_the_archive_fails_files_naming_it(drawn, tmp_path, deleted):
    (drawn / deleted).unlink()
    files = _results(tmp_path)["files"]
    assert files.status == "FAIL"
    assert deleted in files.detail and "missing" in files.detail
    assert _report(tmp_path)[0] is False


def test_deleted_draw_file_fails_redraw_naming_it(drawn, tmp_path):
    (drawn / "draw" / "summary.csv").unlink()
    redraw = _results(tmp_path)["redraw"]
    assert redraw.status == "FAIL"
    assert "draw/summary.csv is missing" in redraw.detail


def test_unknown_protocol_fails_redraw_saying_so(drawn, tmp_path):
    record = drawn / "draw" / "draw.json"
    data = json.loads(record.read_text(encoding="utf-8"))
    assert data["protocol"] == "draw-v1"
    data["protocol"] = "draw-v0"
    record.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    redraw = _results(tmp_path)["redraw"]
    assert redraw.status == "FAIL"
    assert "'draw-v0' is unknown" in redraw.detail


def test_cli_verify_of_a_tampered_archive_exits_1_without_traceback(drawn, tmp_path):
    tickets = drawn / "draw" / "tickets.csv"
    _change_char(tickets, line=10, column=_field_start(tickets, 10, 3))
    result = _run_cli(tmp_path, "verify", "2026Q1")
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1].startswith("FAIL: ") and "redraw" in lines[-1]
    assert any(line.startswith("FAIL") and "redraw" in line and "row 10:" in line for line in lines)
    assert "Traceback" not in result.stdout + result.stderr


# --- the hash chain ---------------------------------------------------------------------------


def test_second_quarter_names_the_first_manifest_by_path_and_sha256(two_quarters, tmp_path):
    first, second = two_quarters
    previous = json.loads((second / "manifest.json").read_text(encoding="utf-8"))["previous"]
    assert previous == {"path": "2026Q1/manifest.json",
                        "sha256": hashlib.sha256((first / "manifest.json").read_bytes()).hexdigest()}
    assert json.loads((first / "manifest.json").read_text(encoding="utf-8"))["previous"] is None
    chain = _results(tmp_path, "2026Q2")["chain"]
    assert chain.status == "PASS" and "1 earlier manifest" in chain.detail
    assert _report(tmp_path, "2026Q2")[0] is True


def test_deleted_earlier_quarter_fails_chain_naming_its_manifest(two_quarters, tmp_path):
    first, _ = two_quarters
    shutil.rmtree(first)
    chain = _results(tmp_path, "2026Q2")["chain"]
    assert chain.status == "FAIL"
    assert "2026Q1/manifest.json" in chain.detail and "missing" in chain.detail
    assert _report(tmp_path, "2026Q2")[0] is False


def test_changed_earlier_manifest_fails_chain_naming_it(two_quarters, tmp_path):
    first, _ = two_quarters
    _change_char(first / "manifest.json", line=3, column=12)  # inside '"kind": "draw"'
    chain = _results(tmp_path, "2026Q2")["chain"]
    assert chain.status == "FAIL"
    assert "2026Q1/manifest.json does not have the SHA-256 that 2026Q2/manifest.json recorded" in chain.detail


def test_earlier_manifest_changed_and_resealed_still_fails_the_later_chain(two_quarters, tmp_path):
    first, _ = two_quarters
    manifest = first / "manifest.json"
    _change_char(manifest, line=3, column=12)
    digest = hashlib.sha256(manifest.read_bytes()).hexdigest()
    (first / "manifest.json.sha256").write_text(f"{digest}  manifest.json\n", encoding="utf-8")
    assert _results(tmp_path, "2026Q2")["chain"].status == "FAIL"


def test_demo_quarter_does_not_chain_to_a_real_one(tmp_path):
    _draw(tmp_path, "2026Q1")
    demo = _draw(tmp_path, "demo-2026Q1")
    second = _draw(tmp_path, "2026Q2")  # drawn after the demo quarter, it still chains to 2026Q1
    assert json.loads((demo / "manifest.json").read_text(encoding="utf-8"))["previous"] is None
    previous = json.loads((second / "manifest.json").read_text(encoding="utf-8"))["previous"]
    assert previous["path"] == "2026Q1/manifest.json"
    assert _results(tmp_path, "demo-2026Q1")["chain"].status == "PASS"
    assert _results(tmp_path, "2026Q2")["chain"].status == "PASS"


# --- git order --------------------------------------------------------------------------------


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", *args],
                   cwd=root, check=True, capture_output=True)


def _commit(root: Path, message: str, *paths: str) -> None:
    _git(root, "add", *(paths or (".",)))
    _git(root, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path) -> Path:
    _git(tmp_path, "init", "-q")
    return tmp_path


def _freeze_without_seed(root: Path) -> Project:
    make_project(root, entities=ENTITIES)
    project = Project(root)
    engine.freeze_quarter(project, "2026Q1")
    return project


FORGED = gitorder.Order(gitorder.Commit("f" * 40, "2026-01-04T09:00:00+08:00", "someone"),
                        gitorder.Commit("5" * 40, "2026-01-05T09:00:00+08:00", "someone"))


def _forged_draw(project: Project, monkeypatch) -> Path:
    """A draw whose git proof was forged: what a copy of the tool that skips the proof would archive (the draw
    itself refuses every history below; ``tests/test_gitorder.py``)."""
    with monkeypatch.context() as patch:
        patch.setattr(engine, "prove_order", lambda inputs: FORGED)
        final, _ = engine.draw_quarter(project, "2026Q1")
    return final


def test_freeze_committed_before_the_seed_passes_git_order(repo):
    project = _freeze_without_seed(repo)
    _commit(repo, "freeze")
    write_params(repo, "2026Q1", seed=True)
    _commit(repo, "seed")
    final, _ = engine.draw_quarter(project, "2026Q1")
    results = _results(repo)
    assert results["git order"].status == "PASS"
    order = gitorder.Order.from_json((final / "draw" / "git-order.json").read_text(encoding="utf-8"))
    assert order.freeze.short in results["git order"].detail and order.seed.short in results["git order"].detail
    assert order.freeze.author == "t" and order.seed.time.startswith("20")
    passed, lines = _report(repo)
    assert passed is True and lines[-1].startswith("PASS")


def test_a_forged_proof_fails_git_order_naming_the_commits_git_gives(repo, monkeypatch):
    project = _freeze_without_seed(repo)
    _commit(repo, "freeze")
    write_params(repo, "2026Q1", seed=True)
    _commit(repo, "seed")
    _forged_draw(project, monkeypatch)
    order = _results(repo)["git order"]
    assert order.status == "FAIL" and "records the freeze commit ffffffffff" in order.detail
    assert "git history gives" in order.detail


def test_freeze_and_seed_in_the_same_commit_fails_git_order(repo, monkeypatch):
    project = _freeze_without_seed(repo)
    write_params(repo, "2026Q1", seed=True)
    _commit(repo, "freeze and seed together")
    _forged_draw(project, monkeypatch)
    order = _results(repo)["git order"]
    assert order.status == "FAIL" and "together with the seed" in order.detail
    assert _report(repo)[0] is False


def test_seed_committed_before_the_freeze_fails_git_order(repo, monkeypatch):
    project = _freeze_without_seed(repo)
    write_params(repo, "2026Q1", seed=True)
    _commit(repo, "registers and seed", "registers", "params/2026Q1.yaml")
    _commit(repo, "freeze", "params/2026Q1.freeze.json")
    _forged_draw(project, monkeypatch)
    order = _results(repo)["git order"]
    assert order.status == "FAIL" and "together with the seed, or after it" in order.detail


def test_seed_never_committed_fails_git_order(repo, monkeypatch):
    project = _freeze_without_seed(repo)
    _commit(repo, "freeze")
    write_params(repo, "2026Q1", seed=True)  # only in the working tree
    _forged_draw(project, monkeypatch)
    order = _results(repo)["git order"]
    assert order.status == "FAIL"
    assert "no commit of params/2026Q1.yaml holds the seed" in order.detail


def test_registers_swapped_after_the_seed_with_a_rewritten_freeze_fails_only_git_order(repo, monkeypatch):
    project = _freeze_without_seed(repo)
    _commit(repo, "freeze")
    write_params(repo, "2026Q1", seed=True)
    _commit(repo, "seed")
    # after seeing the seed, drop one entity and rewrite the freeze record to match
    entities = repo / "registers" / "2026Q1" / "entities.csv"
    lines = entities.read_text(encoding="utf-8").splitlines(keepends=True)
    dropped = lines.pop(7).split(",")[0]
    entities.write_text("".join(lines), encoding="utf-8")
    conflicts = repo / "registers" / "2026Q1" / "conflicts.csv"
    header, *rest = conflicts.read_text(encoding="utf-8").splitlines(keepends=True)
    conflicts.write_text("".join([header] + [line for line in rest if line.split(",")[1] != dropped]), encoding="utf-8")
    record_file = project.freeze_file("2026Q1")
    record = json.loads(record_file.read_text(encoding="utf-8"))
    for name in ("entities", "conflicts"):
        path = repo / record["registers"][name]["path"]
        record["registers"][name]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    record_file.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    with pytest.raises(gitorder.OrderUnproved, match="No commit holds params/2026Q1.freeze.json as it is now"):
        engine.draw_quarter(project, "2026Q1")
    _commit(repo, "the swap, committed")
    _forged_draw(project, monkeypatch)
    results = _results(repo)
    assert {name: check.status for name, check in results.items() if check.status not in ("PASS", "SKIP", "NOTE")} == {
        "git order": "FAIL"}
    assert "was committed in" in results["git order"].detail
    assert "together with the seed, or after it" in results["git order"].detail


def test_archived_freeze_record_deleted_fails_files_and_git_order_without_traceback(repo):
    project = _freeze_without_seed(repo)
    _commit(repo, "freeze")
    write_params(repo, "2026Q1", seed=True)
    _commit(repo, "seed")
    final, _ = engine.draw_quarter(project, "2026Q1")
    (final / "inputs" / "params" / "2026Q1.freeze.json").unlink()
    results = _results(repo)
    assert "inputs/params/2026Q1.freeze.json is missing" in results["files"].detail
    assert results["git order"].status == "FAIL"
    assert "2026Q1.freeze.json" in results["git order"].detail


def test_project_in_a_subfolder_of_the_repository_passes_git_order(repo):
    root = repo / "audit"
    project = _freeze_without_seed(root)
    _commit(repo, "freeze")
    write_params(root, "2026Q1", seed=True)
    _commit(repo, "seed")
    engine.draw_quarter(project, "2026Q1")
    assert _results(root)["git order"].status == "PASS"


def test_params_deleted_or_broken_in_history_still_find_the_seed_commit(repo):
    project = _freeze_without_seed(repo)
    _commit(repo, "freeze")
    params = repo / "params" / "2026Q1.yaml"
    params.write_text("quarter: [unclosed\n", encoding="utf-8")
    _commit(repo, "broken params")
    _git(repo, "rm", "-q", "params/2026Q1.yaml")
    _git(repo, "commit", "-q", "-m", "params removed")
    write_params(repo, "2026Q1", seed=True)
    _commit(repo, "seed")
    engine.draw_quarter(project, "2026Q1")
    order = _results(repo)["git order"]
    assert order.status == "PASS", order.detail


def test_no_git_repository_skips_git_order_naming_the_archived_commits(drawn, tmp_path):
    """A reviewer given the archive alone: the commits are named, to be looked up where the repository is."""
    shutil.rmtree(tmp_path / ".git")
    order = _results(tmp_path)["git order"]
    archived = gitorder.Order.from_json((drawn / "draw" / "git-order.json").read_text(encoding="utf-8"))
    assert order.status == "SKIP"
    assert "no git history" in order.detail and archived.freeze.short in order.detail
    passed, lines = _report(tmp_path)
    assert passed is True and lines[-1].startswith("PASS, ") and "git order" in lines[-1]


# --- first_difference -------------------------------------------------------------------------


def difference(expected: str, found: str) -> str:
    """first_difference of two files holding the texts (it reads them a row at a time)."""
    return verify_check.first_difference(io.BytesIO(expected.encode()), io.BytesIO(found.encode()))


def test_first_difference_names_the_differing_row_of_equal_length_texts():
    assert difference("h\na\nb\nc\n", "h\na\nX\nc\n") == "row 3: recomputed 'b', archived 'X'"


def test_first_difference_names_the_header_as_row_1():
    assert difference("h\na\n", "H\na\n") == "row 1: recomputed 'h', archived 'H'"


def test_first_difference_of_a_shorter_archived_file_names_the_first_missing_row():
    assert (difference("h\na\nb\n", "h\na\n")
            == "row 3: the archived file has 2 rows, the recomputation 3")


def test_first_difference_of_a_longer_archived_file_names_the_first_extra_row():
    assert (difference("h\na\n", "h\na\nb\nc\n")
            == "row 3: the archived file has 4 rows, the recomputation 2")


@pytest.mark.parametrize(("found", "row", "archived_end"),
                         [("h\na", 2, "no line end"), ("h\r\na\n", 1, "CRLF"), ("h\na\r\n", 2, "CRLF")])
def test_first_difference_names_a_changed_line_end(found, row, archived_end):
    found = difference("h\na\n", found)
    assert found.startswith(f"row {row}: ")
    assert "line end" in found and f"archived {archived_end}" in found


def test_frozen_again_before_the_seed_passes_git_order(repo):
    project = _freeze_without_seed(repo)
    _commit(repo, "first freeze")
    # the registers change before any seed exists: freeze again (allowed), then the seed
    entities = repo / "registers" / "2026Q1" / "entities.csv"
    entities.write_text(entities.read_text(encoding="utf-8").replace("存续", "注销", 1), encoding="utf-8")
    (repo / "params" / "2026Q1.freeze.json").unlink()
    engine.freeze_quarter(project, "2026Q1")
    _commit(repo, "second freeze")
    write_params(repo, "2026Q1", seed=True)
    _commit(repo, "seed")
    engine.draw_quarter(project, "2026Q1")
    assert _results(repo)["git order"].status == "PASS"


def test_frozen_again_after_the_seed_was_committed_fails_git_order(repo, monkeypatch):
    project = _freeze_without_seed(repo)
    _commit(repo, "first freeze")
    write_params(repo, "2026Q1", seed=True)
    _commit(repo, "seed")
    # registers changed once the seed was known, then frozen again with the same seed
    entities = repo / "registers" / "2026Q1" / "entities.csv"
    entities.write_text(entities.read_text(encoding="utf-8").replace("存续", "注销", 1), encoding="utf-8")
    write_params(repo, "2026Q1", seed=False)
    (repo / "params" / "2026Q1.freeze.json").unlink()
    engine.freeze_quarter(project, "2026Q1")
    _commit(repo, "second freeze")
    write_params(repo, "2026Q1", seed=True)
    _commit(repo, "seed again")
    with pytest.raises(gitorder.OrderUnproved, match="does not come after the freeze commit"):
        engine.draw_quarter(project, "2026Q1")
    _forged_draw(project, monkeypatch)
    order = _results(repo)["git order"]
    assert order.status == "FAIL" and "does not come after the freeze" in order.detail


def test_forged_history_fails_the_history_check_naming_the_row(two_quarters, tmp_path):
    """A fake earlier visit slipped into inputs/history.csv (to cap an entity out of the draw)."""
    _, final = two_quarters
    path = final / "inputs" / "history.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert len(lines) > 1  # 2026Q1's visits are 2026Q2's history
    path.write_text("".join(lines + ["2026Q1,2026Q1-V9999,91410411AY4CL12TH9,SX01,\n"]), encoding="utf-8")
    results = _results(tmp_path, "2026Q2")
    assert results["history"].status == "FAIL"
    assert "history.csv" in results["history"].detail and f"row {len(lines) + 1}" in results["history"].detail
    assert _results(tmp_path, "2026Q1")["history"].status == "PASS"


# --- the inspector rules, re-checked ----------------------------------------------------------


def _reseal(archive_folder: Path) -> None:
    """Rewrite the draw's manifest, SHA256SUMS and seal over the files as they are now: what an operator
    forging the archive before publishing it would do. Only the chain and the recomputations catch it."""
    manifest = json.loads((archive_folder / "manifest.json").read_text(encoding="utf-8"))
    seals = {"manifest.json", "manifest.json.sha256", "SHA256SUMS"}
    files = {p.relative_to(archive_folder).as_posix(): sha256_file(p) for p in sorted(archive_folder.rglob("*"))
             if p.is_file() and p.relative_to(archive_folder).as_posix() not in seals}
    (archive_folder / "SHA256SUMS").write_text("".join(f"{d}  {n}\n" for n, d in sorted(files.items())),
                                               encoding="utf-8")
    manifest["files"], manifest["sha256sums"] = files, sha256_file(archive_folder / "SHA256SUMS")
    (archive_folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                                  encoding="utf-8")
    digest = sha256_file(archive_folder / "manifest.json")
    (archive_folder / "manifest.json.sha256").write_text(f"{digest}  manifest.json\n", encoding="utf-8")


def test_forged_cap_exception_file_fails_redraw_and_inspectors_naming_it(drawn, tmp_path):
    visit = next(csv.DictReader(io.StringIO((drawn / "draw" / "visits.csv").read_text(encoding="utf-8"))))
    cert = visit["inspectors"].split(";")[0]
    (drawn / "draw" / "cap_exceptions.csv").write_text(
        "visit,uscc,department,cert_no,visits_before,cap,under_cap_candidates\n"
        f"{visit['visit']},{visit['uscc']},{visit['departments'].split(';')[0]},{cert},9,9,1\n", encoding="utf-8")
    _reseal(drawn)
    results = _results(tmp_path)
    assert results["files"].status == "PASS"
    assert results["redraw"].status == "FAIL"
    assert "draw/cap_exceptions.csv is in the archive, but the draw recomputed under draw-v1 has no such file" in \
        results["redraw"].detail
    assert results["inspectors"].status == "FAIL"
    assert f"列为例外但未达上限 (listed as a cap exception, but under the cap): {visit['visit']} {cert}" in \
        results["inspectors"].detail


def test_inspector_of_the_entitys_home_unit_fails_inspectors_naming_the_rule(drawn, tmp_path):
    inputs = engine.project_inputs(Project(drawn / "inputs"), "2026Q1")
    entities = {e.uscc: e for e in inputs.registers.entities}
    path = drawn / "draw" / "visits.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    visit = rows[0]
    department = visit["departments"].split(";")[0]
    home = next(i.cert_no for i in inputs.registers.inspectors.values()
                if i.certified and i.department == department and i.unit == entities[visit["uscc"]].unit)
    team = visit["inspectors"].split(";")
    visit["inspectors"] = ";".join([home, *team[1:]])
    path.write_text(store.csv_text(rows[0].keys(), (row.values() for row in rows)), encoding="utf-8")
    _reseal(drawn)
    results = _results(tmp_path)
    assert results["files"].status == "PASS" and results["redraw"].status == "FAIL"
    assert results["inspectors"].status == "FAIL"
    assert f"所所交叉：本所人员回避 (same home unit): {visit['visit']} {home}" in results["inspectors"].detail
