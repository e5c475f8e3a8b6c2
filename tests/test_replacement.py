"""Replacements: a drawn entity found out of scope gives way to the next reserve of its stratum.

Every expected value is read from the archive's own files with the csv module (the
reserve order from ``draw/tickets.csv``, the visits from ``visits.csv``), never from
the code under test; the record is then checked against it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from projects import drawn_project, make_project, seed_after_freeze, tree
from zhanhe_audit import append, engine, verify
from zhanhe_audit.errors import ArchiveError, ReplacementRefused
from zhanhe_audit.evidence.files import VISITS_CSV
from zhanhe_audit.evidence.manifest import chain_head
from zhanhe_audit.evidence.records import record_folders
from zhanhe_audit.kinds import apply_records, history_before
from zhanhe_audit.paths import Project

Q = "2026Q1"
ENTITIES = 300
REASON = "已注销 deregistered on 2026-02-03"
RECORD_FILES = {"replacement.json", "visits.csv", "SHA256SUMS", "manifest.json", "manifest.json.sha256"}


@pytest.fixture(autouse=True)
def no_outer_git(tmp_path, monkeypatch):
    """git must not find a repository above tmp_path."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))


def _draw(root: Path, name: str = Q, entities: int = ENTITIES, tasks: list[dict] | None = None,
          conflicts: tuple[str, ...] = ()) -> Project:
    return drawn_project(root, name, entities, tasks, conflicts)


@pytest.fixture
def project(tmp_path) -> Project:
    return _draw(tmp_path)


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _folder(project: Project, name: str = Q) -> Path:
    return project.archive(name)


def _draw_visits(project: Project) -> list[dict[str, str]]:
    return _rows(_folder(project) / "draw" / "visits.csv")


def _ticket(project: Project, task: str, uscc: str) -> dict[str, str]:
    return next(r for r in _rows(_folder(project) / "draw" / "tickets.csv")
                if (r["task_id"], r["uscc"]) == (task, uscc))


def _reserves(project: Project, task: str, grade: str) -> list[dict[str, str]]:
    """The stratum's unselected rows, lowest rank first."""
    rows = [r for r in _rows(_folder(project) / "draw" / "tickets.csv")
            if r["task_id"] == task and r["grade"] == grade and r["selected"] == "false"]
    return sorted(rows, key=lambda r: int(r["rank"]))


def _single_task_visit(project: Project, task: str = f"{Q}-T01", index: int = 0) -> dict[str, str]:
    return [v for v in _draw_visits(project) if v["tasks"] == task][index]


def _record(path: Path) -> dict:
    return json.loads((path / "replacement.json").read_text(encoding="utf-8"))


def _visits_now(project: Project) -> dict[str, str]:
    """uscc -> visit id, from draw/visits.csv and each record's files, read here with csv and json."""
    folder = _folder(project)
    visits = {v["visit"]: v["uscc"] for v in _draw_visits(project)}
    for record in sorted((folder / "records").iterdir()) if (folder / "records").is_dir() else []:
        del visits[_record(record)["replaced_visit"]]
        visits |= {v["visit"]: v["uscc"] for v in _rows(record / "visits.csv")}
    return {uscc: visit for visit, uscc in visits.items()}


def _results(project: Project, name: str = Q) -> dict[str, verify.Check]:
    return {check.name: check for check in verify.checks(project, name)}


def _run_cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zhanhe_audit.cli", "--root", str(root), *args],
                          capture_output=True, text=True)


# --- the record ---------------------------------------------------------------------------------


def test_replacement_appends_record_0001_with_its_own_manifest_chained_to_the_draw(project):
    folder = _folder(project)
    draw_manifest = hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()
    record = append.replace(project, Q, _single_task_visit(project)["uscc"], REASON)
    assert record == folder / "records" / "0001-replacement"
    assert {path.name for path in record.iterdir()} == RECORD_FILES
    manifest = json.loads((record / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "replacement" and manifest["quarter"] == Q and manifest["protocol"] == "draw-v1"
    assert manifest["previous"] == {"path": f"{Q}/manifest.json", "sha256": draw_manifest}
    hashes = {name: hashlib.sha256((record / name).read_bytes()).hexdigest()
              for name in ("replacement.json", "visits.csv")}
    assert manifest["files"] == {f"records/0001-replacement/{name}": digest for name, digest in hashes.items()}
    # SHA256SUMS names the record's own files, as 'sha256sum -c' run in the record folder reads them
    assert (record / "SHA256SUMS").read_text(encoding="utf-8") == "".join(
        f"{digest}  {name}\n" for name, digest in sorted(hashes.items()))
    seal = hashlib.sha256((record / "manifest.json").read_bytes()).hexdigest()
    assert (record / "manifest.json.sha256").read_text(encoding="utf-8") == f"{seal}  manifest.json\n"
    # nothing temporary is left behind
    assert [path.name for path in (folder / "records").iterdir()] == ["0001-replacement"]


def test_record_holds_the_reason_ranks_and_new_visit_and_no_clock_time(project):
    replaced = _single_task_visit(project)
    record = append.replace(project, Q, replaced["uscc"], f"  {REASON} \n")
    data = _record(record)
    assert data["reason"] == REASON  # surrounding white space is not part of it
    assert (data["quarter"], data["replaced_uscc"], data["replaced_visit"]) == (Q, replaced["uscc"], replaced["visit"])
    own = _ticket(project, replaced["task_id"], replaced["uscc"])
    [task] = data["tasks"]
    assert ((task["task_id"], task["grade"], task["replaced_rank"])
            == (replaced["task_id"], own["grade"], int(own["rank"])))
    new_visits = _rows(record / "visits.csv")
    assert data["new_visits"] == [v["visit"] for v in new_visits]
    text = (record / "replacement.json").read_text(encoding="utf-8")
    assert "created" not in text and "2026-11" not in text
    assert text.endswith("}\n") and REASON in text  # UTF-8, not \\u escapes
    assert (record / "visits.csv").read_text(encoding="utf-8").splitlines()[0] == ",".join(VISITS_CSV.columns)


def test_files_outside_records_stay_byte_identical(project, tmp_path):
    before = tree(tmp_path)
    first = _single_task_visit(project, index=0)["uscc"]
    second = _single_task_visit(project, index=1)["uscc"]
    append.replace(project, Q, first, REASON)
    append.replace(project, Q, second, "无此经营项目 no such business")
    after = tree(tmp_path)
    outside = {name: data for name, data in after.items() if not name.startswith(f"outputs/{Q}/records/")}
    assert outside == before
    assert (sorted({name.split("/")[3] for name in after if name not in outside})
            == ["0001-replacement", "0002-replacement"])


@pytest.mark.parametrize("task", [f"{Q}-T01", f"{Q}-T02"], ids=["no-batches", "two-batches"])
def test_replacement_is_the_lowest_unused_reserve_of_the_same_stratum_with_the_batch(project, task):
    replaced = _single_task_visit(project, task)
    own = _ticket(project, task, replaced["uscc"])
    visited = {v["uscc"] for v in _draw_visits(project)}
    expected = next(r for r in _reserves(project, task, own["grade"]) if r["uscc"] not in visited)
    record = append.replace(project, Q, replaced["uscc"], REASON)
    [entry] = _record(record)["tasks"]
    assert (entry["replacement_uscc"], entry["replacement_rank"]) == (expected["uscc"], int(expected["rank"]))
    assert entry["batch"] == (int(own["batch"]) if own["batch"] else None)
    [visit] = _rows(record / "visits.csv")
    assert ((visit["uscc"], visit["task_id"], visit["tasks"], visit["batch"])
            == (expected["uscc"], task, task, own["batch"]))
    # the draw's last visit number was len(draw visits): numbering continues after it
    assert visit["visit"] == f"{Q}-V{len(_draw_visits(project)) + 1:04d}"


def test_second_replacement_in_the_same_stratum_takes_the_next_reserve(project):
    # two selected entities of one stratum (T01 selects at least 2 of grade A: 1 % of ~190)
    visits = [v for v in _draw_visits(project) if v["tasks"] == f"{Q}-T01"]
    by_grade: dict[str, list[str]] = {}
    for visit in visits:
        by_grade.setdefault(_ticket(project, f"{Q}-T01", visit["uscc"])["grade"], []).append(visit["uscc"])
    grade, (first, second, *_) = next((g, u) for g, u in sorted(by_grade.items()) if len(u) >= 2)
    visited = {v["uscc"] for v in _draw_visits(project)}
    free = [r for r in _reserves(project, f"{Q}-T01", grade) if r["uscc"] not in visited]
    one = _record(append.replace(project, Q, first, REASON))["tasks"][0]
    two = _record(append.replace(project, Q, second, REASON))["tasks"][0]
    assert [(one["replacement_uscc"], one["replacement_rank"]), (two["replacement_uscc"], two["replacement_rank"])] == [
        (free[0]["uscc"], int(free[0]["rank"])), (free[1]["uscc"], int(free[1]["rank"]))]


def test_replacing_the_replacement_takes_the_next_reserve_and_retires_its_visit(project):
    replaced = _single_task_visit(project)
    grade = _ticket(project, replaced["task_id"], replaced["uscc"])["grade"]
    visited = {v["uscc"] for v in _draw_visits(project)}
    free = [r for r in _reserves(project, replaced["task_id"], grade) if r["uscc"] not in visited]
    first = _record(append.replace(project, Q, replaced["uscc"], REASON))
    second = _record(append.replace(project, Q, free[0]["uscc"], "联系不上 unreachable"))
    assert second["replaced_visit"] == first["new_visits"][0]
    assert second["tasks"][0]["replaced_rank"] == int(free[0]["rank"])
    assert second["tasks"][0]["replacement_uscc"] == free[1]["uscc"]
    now = _visits_now(project)
    assert free[1]["uscc"] in now and free[0]["uscc"] not in now and replaced["uscc"] not in now
    draw_count = len(_draw_visits(project))
    assert ([first["new_visits"], second["new_visits"]]
            == [[f"{Q}-V{draw_count + 1:04d}"], [f"{Q}-V{draw_count + 2:04d}"]])
    assert {v.uscc: v.visit_id for v in apply_records(_folder(project)).visits} == now


def test_an_entity_replaced_once_cannot_be_replaced_again(project):
    replaced = _single_task_visit(project)["uscc"]
    append.replace(project, Q, replaced, REASON)
    before = tree(_folder(project))
    with pytest.raises(ReplacementRefused,
                       match=f"{replaced} was replaced already in {Q} \\(records/0001-replacement\\)"):
        append.replace(project, Q, replaced, REASON)
    assert tree(_folder(project)) == before


# --- a visit of two tasks -----------------------------------------------------------------------

TWO_TASKS = [{"id": "{q}-T01", "items": ["SX01", "SX02"], "grades": ["C", "D"]},
             {"id": "{q}-T02", "items": ["SX01", "SX02"], "grades": ["C", "D"], "batches": 2}]


def test_a_visit_of_two_tasks_is_replaced_in_each_stratum_passing_over_visited_reserves(tmp_path):
    project = _draw(tmp_path, entities=1500, tasks=TWO_TASKS)  # both tasks draw some of the same entities
    draw_visits = _draw_visits(project)
    replaced = next(v for v in draw_visits if v["tasks"] == f"{Q}-T01;{Q}-T02")
    visited = {v["uscc"]: v["visit"] for v in draw_visits}
    record = append.replace(project, Q, replaced["uscc"], REASON)
    data = _record(record)
    assert [entry["task_id"] for entry in data["tasks"]] == [f"{Q}-T01", f"{Q}-T02"]
    for entry in data["tasks"]:
        own = _ticket(project, entry["task_id"], replaced["uscc"])
        reserves = _reserves(project, entry["task_id"], own["grade"])
        expected = next(r for r in reserves if r["uscc"] not in visited)
        assert (entry["replacement_uscc"], entry["replacement_rank"]) == (expected["uscc"], int(expected["rank"]))
        assert entry["batch"] == (int(own["batch"]) if own["batch"] else None)
        passed_over = [r for r in reserves if int(r["rank"]) < int(expected["rank"])]
        assert [(s["rank"], s["uscc"]) for s in entry["skipped"]] == [(int(r["rank"]), r["uscc"]) for r in passed_over]
        assert all(visited[s["uscc"]] in s["why"] for s in entry["skipped"])
    # one visit per entity: each replacement entity has one new visit listing the tasks that took it
    new_visits = _rows(record / "visits.csv")
    taken: dict[str, list[str]] = {}
    for entry in data["tasks"]:
        taken.setdefault(entry["replacement_uscc"], []).append(entry["task_id"])
    assert {v["uscc"]: v["tasks"].split(";") for v in new_visits} == taken
    assert verify.report(project, Q, out=lambda line: None) is True


def test_an_entity_found_out_of_scope_is_passed_over_as_a_reserve_of_another_task(tmp_path):
    project = _draw(tmp_path, entities=1500, tasks=TWO_TASKS)  # the two tasks share one population
    draw_visits = _draw_visits(project)
    visited = {v["uscc"] for v in draw_visits}
    # an entity drawn by T01 only, and a T02 stratum of its grade where it is a reserve
    out = next(v["uscc"] for v in draw_visits if v["tasks"] == f"{Q}-T01")
    grade = _ticket(project, f"{Q}-T02", out)["grade"]
    free = [r["uscc"] for r in _reserves(project, f"{Q}-T02", grade) if r["uscc"] not in visited or r["uscc"] == out]
    assert out in free[:-1]  # a T02 reserve with a free one after it
    append.replace(project, Q, out, "已注销 deregistered")
    # replace along T02's stratum (each replacement in turn) until the walk has gone past the entity
    current = next(v["uscc"] for v in draw_visits if v["tasks"] == f"{Q}-T02"
                   and _ticket(project, f"{Q}-T02", v["uscc"])["grade"] == grade)
    taken, passed_over = [], []
    for _ in range(free.index(out) + 1):
        entry = _record(append.replace(project, Q, current, "联系不上 unreachable"))["tasks"][0]
        taken.append(entry["replacement_uscc"])
        passed_over += [s for s in entry["skipped"] if s["uscc"] == out]
        current = entry["replacement_uscc"]
    assert taken == [uscc for uscc in free if uscc != out][: len(taken)]
    assert len(passed_over) == 1 and "out of scope this quarter (records/0001-replacement)" in passed_over[0]["why"]


# --- refusals -----------------------------------------------------------------------------------


def _refused(project: Project, root: Path, uscc: str, reason: str, message: str,
             error: type[Exception] = ReplacementRefused) -> None:
    before = tree(root)
    with pytest.raises(error, match=message):
        append.replace(project, Q, uscc, reason)
    assert tree(root) == before
    assert not (_folder(project) / "records").exists() or not any((_folder(project) / "records").iterdir())


def test_replacing_a_reserve_that_was_not_selected_is_refused_and_writes_nothing(project, tmp_path):
    task = _single_task_visit(project)["task_id"]
    reserve = _reserves(project, task, "A")[0]["uscc"]
    _refused(project, tmp_path, reserve, REASON, f"{reserve} is not selected in {Q}; only a drawn entity")


def test_replacing_an_unknown_uscc_is_refused_and_writes_nothing(project, tmp_path):
    # a valid code of the demo register beyond the project's first 300 rows
    lines = (Path(__file__).resolve().parents[1] / "registers" / "demo-2026Q4" / "entities.csv").read_text(
        encoding="utf-8").splitlines()
    unknown = lines[ENTITIES + 5].split(",")[0]
    _refused(project, tmp_path, unknown, REASON, "not in the archived entities register")


@pytest.mark.parametrize("reason", ["", "   \n"], ids=["empty", "white-space"])
def test_replacement_without_a_reason_is_refused_and_writes_nothing(project, tmp_path, reason):
    _refused(project, tmp_path, _single_task_visit(project)["uscc"], reason, "needs its reason")


def test_replacement_in_a_quarter_not_drawn_points_to_make_draw(project, tmp_path):
    with pytest.raises(ArchiveError, match="make draw QUARTER=2026Q2"):
        append.replace(project, "2026Q2", _single_task_visit(project)["uscc"], REASON)
    assert not (tmp_path / "outputs" / "2026Q2").exists()


def test_replacement_in_an_archive_that_fails_verification_is_refused(project, tmp_path):
    tickets = _folder(project) / "draw" / "tickets.csv"
    tickets.write_bytes(tickets.read_bytes().replace(b",true,", b",false,", 1))
    _refused(project, tmp_path, _single_task_visit(project)["uscc"], REASON, "make verify QUARTER=2026Q1", ArchiveError)


def test_exhausted_stratum_is_refused_naming_task_and_grade(tmp_path):
    # one task, one grade, a handful of entities: 20 % of grade D selects one, the rest are reserves
    project = _draw(tmp_path, tasks=[{"id": "{q}-T01", "items": ["SX03", "SX04"], "grades": ["D"]}])
    [visit] = _draw_visits(project)
    reserves = _reserves(project, f"{Q}-T01", "D")
    assert 1 <= len(reserves) <= 5
    current = visit["uscc"]
    for reserve in reserves:  # each replacement takes the next one, until none is left
        entry = _record(append.replace(project, Q, current, REASON))["tasks"][0]
        assert entry["replacement_uscc"] == reserve["uscc"]
        current = reserve["uscc"]
    _refused_after = tree(tmp_path)
    with pytest.raises(ReplacementRefused, match=f"no reserve left in stratum task {Q}-T01, grade D"):
        append.replace(project, Q, current, REASON)
    assert tree(tmp_path) == _refused_after


# --- the second random for the new visit ---------------------------------------------------------


def _register(project: Project, name: str) -> list[dict[str, str]]:
    return _rows(_folder(project) / "inputs" / "registers" / Q / f"{name}.csv")


def test_new_visits_inspectors_obey_conflicts_home_unit_and_caps(project):
    for index in range(4):
        append.replace(project, Q, _single_task_visit(project, index=index)["uscc"], REASON)
    folder = _folder(project)
    entities = {r["uscc"]: r for r in _register(project, "entities")}
    staff = {r["cert_no"]: r for r in _register(project, "inspectors")}
    conflicts = {(r["cert_no"], r["uscc"]) for r in _register(project, "conflicts")}
    caps = {r["department"]: int(r["cap"]) for r in _rows(folder / "draw" / "inspector_load.csv") if r["cap"]}
    items = {r["item_id"]: r["department"] for r in _register(project, "items")}
    now = set(_visits_now(project).values())
    every = _draw_visits(project) + [v for record in sorted((folder / "records").iterdir())
                                     for v in _rows(record / "visits.csv")]
    loads = Counter(cert for v in every if v["visit"] in now for cert in v["inspectors"].split(";"))
    for record in sorted((folder / "records").iterdir()):
        for visit in _rows(record / "visits.csv"):
            chosen = visit["inspectors"].split(";")
            departments = sorted({items[item] for item in visit["items"].split(";")})
            assert visit["departments"].split(";") == departments
            assert sorted(Counter(staff[c]["department"] for c in chosen).items()) == [(d, 2) for d in departments]
            for cert in chosen:
                assert staff[cert]["certified"] == "是"
                assert (cert, visit["uscc"]) not in conflicts
                assert staff[cert]["unit"] != entities[visit["uscc"]]["unit"]
    assert all(loads[cert] <= caps[staff[cert]["department"]] for cert in loads)


def test_a_declared_conflict_keeps_the_inspector_from_the_new_visit(tmp_path):
    plain = _draw(tmp_path / "plain")
    replaced = _single_task_visit(plain)["uscc"]
    record = append.replace(plain, Q, replaced, REASON)
    [visit] = _rows(record / "visits.csv")
    first = visit["inspectors"].split(";")[0]
    # the same quarter, but the first inspector drawn for the new visit declared a conflict with its entity
    declared = _draw(tmp_path / "declared", conflicts=(f"{first},{visit['uscc']},近亲属担任该企业负责人",))
    assert _draw_visits(declared) == _draw_visits(plain)  # the conflict touches no drawn visit
    [again] = _rows(append.replace(declared, Q, replaced, REASON) / "visits.csv")
    assert again["uscc"] == visit["uscc"]
    assert first not in again["inspectors"].split(";")


# --- history ------------------------------------------------------------------------------------


def test_history_counts_the_replacement_entity_and_not_the_replaced_one(project, tmp_path):
    replaced = _single_task_visit(project)["uscc"]
    record = append.replace(project, Q, replaced, REASON)
    [visit] = _rows(record / "visits.csv")
    past = history_before(project.outputs, chain_head(project.outputs, "real"), "2026Q2")
    assert past.visits_in_year(replaced, 2026) == 0
    assert past.visits_in_year(visit["uscc"], 2026) == 1
    assert past.last_visit(visit["uscc"]).visit == visit["visit"]
    assert len(past.visits) == len(_draw_visits(project))
    # the next quarter's draw copies that history into its archive
    make_project(tmp_path, "2026Q2", entities=ENTITIES)
    engine.freeze_quarter(project, "2026Q2")
    seed_after_freeze(tmp_path, "2026Q2")
    engine.draw_quarter(project, "2026Q2")
    copied = _rows(project.archive("2026Q2") / "inputs" / "history.csv")
    assert visit["uscc"] in {r["uscc"] for r in copied} and replaced not in {r["uscc"] for r in copied}
    manifest = json.loads((project.archive("2026Q2") / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["previous"]["path"] == f"{Q}/records/0001-replacement/manifest.json"


# --- make verify --------------------------------------------------------------------------------


def test_verify_passes_after_replacements_and_recomputes_each_record(project):
    assert _results(project)["records"].detail == "no appended records"
    append.replace(project, Q, _single_task_visit(project, index=0)["uscc"], REASON)
    append.replace(project, Q, _single_task_visit(project, index=1)["uscc"], REASON)
    results = _results(project)
    assert {name: check.status for name, check in results.items() if check.status != "PASS"} == {
        "public": "NOTE", "announced seed": "SKIP", "announced head": "SKIP"}
    assert "records/0001-replacement, records/0002-replacement" in results["records"].detail
    assert "2 record(s)" in results["chain"].detail
    assert verify.report(project, Q, out=lambda line: None) is True


def _change_line(path: Path, contains: str, old: str, new: str) -> tuple[int, str, str]:
    """Replace ``old`` by ``new`` once in the first line containing ``contains``; return (row, before, after)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    number = next(i for i, line in enumerate(lines) if contains in line)
    before = lines[number]
    lines[number] = before.replace(old, new, 1)
    assert lines[number] != before
    path.write_text("\n".join(lines), encoding="utf-8")
    return number + 1, before, lines[number]


@pytest.fixture
def replaced(project) -> Path:
    return append.replace(project, Q, _single_task_visit(project)["uscc"], REASON)


def test_changed_replacement_rank_fails_files_and_records_naming_the_file_and_row(project, replaced):
    data = _record(replaced)
    rank = str(data["tasks"][0]["replacement_rank"])
    row, before, after = _change_line(replaced / "replacement.json", '"replacement_rank"', rank, str(int(rank) + 1))
    results = _results(project)
    assert results["files"].status == "FAIL"
    assert "records/0001-replacement/replacement.json does not match its SHA-256" in results["files"].detail
    assert results["records"].status == "FAIL"
    assert "records/0001-replacement/replacement.json differs" in results["records"].detail
    assert f"row {row}: recomputed '{before}', archived '{after}'" in results["records"].detail


def test_changed_inspector_in_the_new_visit_fails_records_naming_visits_csv_row_2(project, replaced):
    path = replaced / "visits.csv"
    cert = _rows(path)[0]["inspectors"].split(";")[0]
    row, before, after = _change_line(path, cert, cert, cert[:-1] + ("7" if cert[-1] != "7" else "8"))
    assert row == 2
    results = _results(project)
    assert results["files"].status == "FAIL"
    assert "records/0001-replacement/visits.csv does not match its SHA-256" in results["files"].detail
    assert results["records"].status == "FAIL"
    assert "records/0001-replacement/visits.csv differs" in results["records"].detail
    assert f"row 2: recomputed '{before}', archived '{after}'" in results["records"].detail


def _reseal(record: Path, change) -> None:
    """Change a record's manifest with ``change`` and write its seal again, as a forger would."""
    manifest = json.loads((record / "manifest.json").read_text(encoding="utf-8"))
    change(manifest)
    (record / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    digest = hashlib.sha256((record / "manifest.json").read_bytes()).hexdigest()
    (record / "manifest.json.sha256").write_text(f"{digest}  manifest.json\n", encoding="utf-8")


def test_forged_record_with_files_and_manifest_resealed_fails_records(project, replaced):
    # another reserve put in, every hash made to match: only the recomputation can tell
    other = _reserves(project, _record(replaced)["tasks"][0]["task_id"], _record(replaced)["tasks"][0]["grade"])[-1]
    path = replaced / "replacement.json"
    old = _record(replaced)["tasks"][0]["replacement_uscc"]
    path.write_text(path.read_text(encoding="utf-8").replace(old, other["uscc"]), encoding="utf-8")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    sums = replaced / "SHA256SUMS"
    sums.write_text("".join(f"{digest}  replacement.json\n" if line.endswith("  replacement.json") else f"{line}\n"
                            for line in sums.read_text(encoding="utf-8").splitlines()), encoding="utf-8")

    def forge(manifest):
        manifest["files"]["records/0001-replacement/replacement.json"] = digest
        manifest["sha256sums"] = hashlib.sha256(sums.read_bytes()).hexdigest()

    _reseal(replaced, forge)
    results = _results(project)
    assert results["files"].status == "PASS"
    assert results["records"].status == "FAIL"
    assert "records/0001-replacement/replacement.json differs" in results["records"].detail


def test_forged_record_chained_to_nothing_fails_chain(project, replaced):
    _reseal(replaced, lambda manifest: manifest.update(previous=None))
    results = _results(project)
    assert results["files"].status == "PASS"
    assert results["chain"].status == "FAIL"
    assert f"does not pass through {Q}/manifest.json" in results["chain"].detail


def test_deleted_first_of_two_records_fails_chain_and_records(project, replaced):
    append.replace(project, Q, _single_task_visit(project, index=1)["uscc"], REASON)
    shutil.rmtree(replaced)
    results = _results(project)
    assert results["chain"].status == "FAIL"
    assert "records/0001-replacement/manifest.json" in results["chain"].detail and "missing" in results["chain"].detail
    assert results["records"].status == "FAIL" and "record 0001" in results["records"].detail
    assert verify.report(project, Q, out=lambda line: None) is False


def test_deleted_last_record_fails_chain_once_a_later_manifest_names_it(project, replaced, tmp_path):
    make_project(tmp_path, "2026Q2", entities=ENTITIES)
    engine.freeze_quarter(project, "2026Q2")
    seed_after_freeze(tmp_path, "2026Q2")
    engine.draw_quarter(project, "2026Q2")
    shutil.rmtree(replaced)
    chain = _results(project)["chain"]
    assert chain.status == "FAIL"
    assert f"2026Q2/manifest.json names {Q}/records/0001-replacement/manifest.json" in chain.detail
    assert _results(project, "2026Q2")["chain"].status == "FAIL"


def test_replacement_after_a_later_quarter_was_drawn_chains_to_it_and_both_verify(project, tmp_path):
    make_project(tmp_path, "2026Q2", entities=ENTITIES)
    engine.freeze_quarter(project, "2026Q2")
    seed_after_freeze(tmp_path, "2026Q2")
    engine.draw_quarter(project, "2026Q2")
    record = append.replace(project, Q, _single_task_visit(project)["uscc"], REASON)
    previous = json.loads((record / "manifest.json").read_text(encoding="utf-8"))["previous"]
    assert previous["path"] == "2026Q2/manifest.json"
    for name in (Q, "2026Q2"):
        assert {c.name: c.status for c in verify.checks(project, name)}["chain"] == "PASS"
        assert verify.report(project, name, out=lambda line: None) is True
    # in the history of a later quarter, the record's visits stay with 2026Q1, before 2026Q2's
    past = history_before(project.outputs, chain_head(project.outputs, "real"), "2026Q3")
    assert [v.quarter for v in past.visits] == sorted(v.quarter for v in past.visits)
    [visit] = _rows(record / "visits.csv")
    assert [v.quarter for v in past.visits if v.visit == visit["visit"]] == [Q]


def test_leftover_file_in_a_record_folder_fails_files(project, replaced):
    (replaced / "notes.txt").write_text("x\n", encoding="utf-8")
    files = _results(project)["files"]
    assert (files.status == "FAIL"
            and "records/0001-replacement/notes.txt is in the archive but in no manifest" in files.detail)


# --- the command --------------------------------------------------------------------------------


def test_cli_replace_prints_what_it_did_and_exits_0(project, tmp_path):
    replaced = _single_task_visit(project)
    result = _run_cli(tmp_path, "replace", Q, replaced["uscc"], "--reason", REASON)
    assert result.returncode == 0, result.stderr
    data = _record(_folder(project) / "records" / "0001-replacement")
    [visit] = _rows(_folder(project) / "records" / "0001-replacement" / "visits.csv")
    out = result.stdout
    assert replaced["visit"] in out and REASON in out
    entry = data["tasks"][0]
    assert f"rank {entry['replacement_rank']}, {entry['replacement_uscc']}" in out
    assert visit["visit"] in out and all(cert in out for cert in visit["inspectors"].split(";"))
    assert f"outputs/{Q}/records/0001-replacement/" in out and "Commit" in out


def test_cli_replace_error_exits_2_without_traceback_and_writes_nothing(project, tmp_path):
    reserve = _reserves(project, f"{Q}-T01", "A")[0]["uscc"]
    before = tree(tmp_path)
    result = _run_cli(tmp_path, "replace", Q, reserve, "--reason", REASON)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "is not selected in 2026Q1" in result.stderr
    assert tree(tmp_path) == before


def test_record_left_half_built_by_a_killed_replace_is_removed_by_the_next_one_and_never_counted(project):
    # a replace killed with SIGKILL leaves its scratch folder under records/, with a manifest inside
    stale = _folder(project) / "records" / ".0001-replacement.partial-99999999" / "records" / "0001-replacement"
    stale.mkdir(parents=True)
    (stale / "manifest.json").write_text("{}", encoding="utf-8")
    assert record_folders(_folder(project)) == []
    lines: list[str] = []
    record = append.replace(project, Q, _single_task_visit(project)["uscc"], REASON, progress=lines.append)
    assert record.name == "0001-replacement"
    assert lines == [f"removed outputs/{Q}/records/.0001-replacement.partial-99999999: left by a run that was killed "
                     "before it finished; it was never an archive or a record"]
    assert sorted(p.name for p in (_folder(project) / "records").iterdir()) == ["0001-replacement"]
    assert verify.report(project, Q, out=lambda line: None) is True
