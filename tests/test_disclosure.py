"""What the public files reveal of the grades (disclosure.py): the definition on tables of tasks, the
freeze's warning and its record, ``make results``' check of what it publishes, and the demo's SX09
case on the report's first screen and on the 05-results page.

Expected grade sets are written out here from the tasks of each case, never computed with the code
under test.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest

from projects import make_project, seed_after_freeze
from zhanhe_audit import append, cli, disclosure, engine
from zhanhe_audit.params import Task
from zhanhe_audit.paths import Project
from zhanhe_audit.registers import Item

SAMR = "湛河区市场监督管理局"
AS_OF = date(2026, 3, 31)
ITEMS = {item_id: Item(item_id, f"事项 {item_id}", SAMR, "", frozenset({"*"}), "general", row)
         for row, item_id in enumerate(("SX01", "SX02", "SX03", "SX09"), start=2)}


def _tasks(*specs: tuple[str, tuple[str, ...], str]) -> list[Task]:
    return [Task(task_id, items, tuple(grades)) for task_id, items, grades in specs]


# name: (tasks as (id, items, grades), {item: (grades it discloses, tasks that draw it)})
CASES = {
    "the demo's mode (b): SX09 in a C-only and a D-only task": (
        [("T01", ("SX01", "SX02"), "ABCD"), ("T03", ("SX09",), "C"), ("T04", ("SX09",), "D")],
        {"SX09": (("C", "D"), ("T03", "T04"))}),
    "a single-grade item also drawn in a task of all grades discloses nothing": (
        [("T01", ("SX01", "SX09"), "ABCD"), ("T03", ("SX09",), "C")], {}),
    "two tasks of two grades each cover all four together": (
        [("T01", ("SX01",), "AB"), ("T02", ("SX01",), "CD")], {}),
    "one task of three grades discloses those three": (
        [("T01", ("SX01", "SX02"), "ABC")], {"SX01": (("A", "B", "C"), ("T01",)), "SX02": (("A", "B", "C"), ("T01",))}),
    "grades listed out of order are reported in A-D order": (
        [("T02", ("SX03",), "DB"), ("T01", ("SX03",), "B")], {"SX03": (("B", "D"), ("T01", "T02"))}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_disclosures_are_the_items_whose_tasks_name_fewer_than_four_grades(case):
    specs, expected = CASES[case]
    found = disclosure.disclosures(_tasks(*specs), ITEMS)
    assert {d.item: (d.grades, d.tasks) for d in found} == expected
    assert all(d.department == SAMR for d in found)


def test_only_published_items_are_checked_when_the_publication_is_given():
    tasks = _tasks(("T01", ("SX01",), "A"), ("T02", ("SX02",), "D"))
    assert [d.item for d in disclosure.disclosures(tasks, ITEMS, published={"SX02"})] == ["SX02"]
    assert disclosure.disclosures(tasks, ITEMS, published=set()) == []


def test_warnings_name_each_task_its_disclosing_items_and_their_grades():
    tasks = _tasks(("T01", ("SX01", "SX02"), "ABCD"), ("T03", ("SX09", "SX03"), "C"), ("T04", ("SX09",), "D"))
    lines = disclosure.warnings(disclosure.disclosures(tasks, ITEMS))
    assert lines == [
        "任务 T03：事项 SX03 的主体公示后可推知为 C 级（该事项仅由 T03 抽取）；"
        "事项 SX09 的主体公示后可推知为 C、D 级（该事项仅由 "
        "T03、T04 抽取）。Task T03: item SX03 would disclose grade C (drawn only by T03); item SX09 would disclose "
        "grades C, D (drawn only by T03, T04).",
        "任务 T04：事项 SX09 的主体公示后可推知为 C、D 级（该事项仅由 T03、T04 抽取）。"
        "Task T04: item SX09 would disclose "
        "grades C, D (drawn only by T03, T04).",
    ]
    assert disclosure.warnings([]) == []


# --- the freeze warns and records; it never refuses ------------------------------------------------------

DEMO_LIKE = [
    {"id": "{q}-T01", "items": ["SX01", "SX02"], "grades": ["A", "B", "C", "D"]},
    {"id": "{q}-T03", "items": ["SX09"], "grades": ["C"]},
    {"id": "{q}-T04", "items": ["SX09"], "grades": ["D"]},
]


def test_freeze_warns_of_sx09_records_it_and_still_writes_the_freeze(tmp_path, capsys):
    make_project(tmp_path, "2026Q1", entities=2000, tasks=DEMO_LIKE)
    assert cli.main(["--root", str(tmp_path), "freeze", "2026Q1"]) == 0
    out = capsys.readouterr().out
    assert "警告 Warning: 1 个事项" in out and "1 item(s) would disclose grades" in out
    assert "任务 2026Q1-T03：事项 SX09 的主体公示后可推知为 C、D 级（该事项仅由 2026Q1-T03、2026Q1-T04 抽取）" in out
    assert "Task 2026Q1-T04: item SX09 would disclose grades C, D (drawn only by 2026Q1-T03, 2026Q1-T04)" in out
    assert "Remedy: list the item in a task of all four grades" in out and "neutral task label" in out
    assert "2026Q1-T01" not in out.split("警告")[1]  # the task of all grades is not named in the warning
    record = json.loads((tmp_path / "params" / "2026Q1.freeze.json").read_text(encoding="utf-8"))
    assert record["grade_disclosure"] == [{"item": "SX09", "department": SAMR, "grades": ["C", "D"],
                                           "tasks": ["2026Q1-T03", "2026Q1-T04"]}]


def test_freeze_of_tasks_of_all_grades_records_an_empty_disclosure_and_says_so(tmp_path, capsys):
    make_project(tmp_path, "2026Q1", entities=300)
    assert cli.main(["--root", str(tmp_path), "freeze", "2026Q1"]) == 0
    out = capsys.readouterr().out
    assert "警告" not in out and "no published item would narrow down its entities' grades" in out
    record = json.loads((tmp_path / "params" / "2026Q1.freeze.json").read_text(encoding="utf-8"))
    assert record["grade_disclosure"] == []


# --- make results checks what it is about to publish --------------------------------------------------------


def _drawn_demo_like(root: Path) -> Project:
    make_project(root, "2026Q1", entities=2000, tasks=DEMO_LIKE)
    project = Project(root)
    engine.freeze_quarter(project, "2026Q1")
    seed_after_freeze(root, "2026Q1", tasks=DEMO_LIKE)
    engine.draw_quarter(project, "2026Q1")
    return project


def _visits(project: Project) -> list[dict[str, str]]:
    text = (project.archive("2026Q1") / "draw" / "visits.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _form(project: Project, rows: list[tuple[dict[str, str], str]]) -> Path:
    """A filled form (the form's Chinese headers): one result per (visit, item), nothing found."""
    from zhanhe_audit.results_form import FORM_COLUMNS

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([column.header for column in FORM_COLUMNS])
    for visit, item in rows:
        cells = {"visit": visit["visit"], "uscc": visit["uscc"], "item": item, "start": "2026-02-02",
                 "end": "2026-02-03", "inspectors": "；".join(visit["inspectors"].split(";")),
                 "categories": "未发现问题", "published": "2026-02-10"}
        writer.writerow([cells.get(column.key, "") for column in FORM_COLUMNS])
    path = project.forms("2026Q1") / "filled.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _no_pages(record: Path, archive: Path) -> None:
    for name in ("notebooks/05-results.ipynb", "html/05-results.html"):
        (record / name).parent.mkdir(parents=True, exist_ok=True)
        (record / name).write_text("placeholder for the 05-results page\n", encoding="utf-8")


def test_results_warn_only_when_a_disclosing_item_is_published(tmp_path):
    project = _drawn_demo_like(tmp_path)
    visits = _visits(project)
    sx09 = next(v for v in visits if "SX09" in v["items"].split(";"))
    sx01 = next(v for v in visits if "SX01" in v["items"].split(";"))
    lines: list[str] = []
    append.record_results(project, "2026Q1", _form(project, [(sx01, "SX01")]), AS_OF, lines.append, _no_pages)
    assert not [line for line in lines if "Warning" in line]
    append.record_results(project, "2026Q1", _form(project, [(sx09, "SX09")]), AS_OF, lines.append, _no_pages)
    warned = [line for line in lines if "Warning" in line]
    assert warned == [
        "警告 Warning: 事项 SX09 的主体公示后可推知为 C、D 级（该事项仅由 2026Q1-T03、2026Q1-T04 抽取）；"
        "公示将透露等级 "
        "(方案四(二))。The publication: item SX09 would disclose grades C, D (drawn only by 2026Q1-T03, 2026Q1-T04). "
        + disclosure.REMEDY]
    # the entity published under SX09 really is of grade C or D, as the warning says the public can infer
    grades = {row["uscc"]: row["grade"] for row in csv.DictReader(
        io.StringIO((project.archive("2026Q1") / "draw" / "tickets.csv").read_text(encoding="utf-8")))}
    assert grades[sx09["uscc"]] in {"C", "D"}


# --- the demo: report's first screen, make results, the 05-results page ------------------------------------


def test_demo_report_first_screen_names_sx09_and_the_grades_it_discloses(demo_drawn):
    root, _ = demo_drawn
    page = (root / "outputs" / "demo-2026Q4" / "report.html").read_text(encoding="utf-8")
    first_screen = page[: page.index("对象与事项相统一")]  # the verdicts before the matching verdict
    assert "公示不透露等级 (grades not inferable from the publication)" in first_screen
    assert "1 个事项仅由部分等级的任务抽取" in first_screen
    assert ("SX09（湛河区市场监督管理局）的主体可推知为 C、D 级（仅由 demo-2026Q4-T03、demo-2026Q4-T04 抽取）"
            in first_screen)


def test_demo_make_results_warns_of_sx09_and_the_results_page_shows_it(demo_results):
    root, result = demo_results
    assert "警告 Warning: 事项 SX09 的主体公示后可推知为 C、D 级" in result.stdout
    page = (root / "outputs" / "demo-2026Q4" / "records" / "0001-results" / "html" / "05-results.html").read_text(
        encoding="utf-8")
    section = page[page.index("8. 公示是否透露等级"):]
    assert "1 个事项仅由部分等级的任务抽取" in section
    assert "<td" in section and ">SX09<" in section and ">C、D<" in section
    assert ">demo-2026Q4-T03、demo-2026Q4-T04<" in section
