"""The quarter on columns against the reference, the old path against the new (eligibility.py, feasibility.py).

``oracle.matching.eligible`` (one ``Entity`` at a time) is the reference of protocol v1, "Eligibility", and
``oracle.inspectors.feasibility`` (a pair at a time) that of the feasibility proved at the freeze. The draw and the
freeze now run ``eligibility`` and ``feasibility`` on the register's columns. These tests compare the two
task by task (every stratum's entities in order, counts, exclusions with their reasons in order, the items
of every eligible entity, the feasibility's count, fewest candidates and shortfalls), and compare every
file of the draw: ``reference_draw`` below is the draw as it ran before the columns (``oracle.matching.eligible``
per task, then the same ranking and inspectors), on the demo, the kept draw-v1 archive, the hostile
quarter and random registers of 10,000 and 100,000 entities with exclusions, frequency caps, a history and
declared conflicts.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
from test_hostile import QUARTER as HOSTILE_QUARTER
from test_hostile import hostile_project

from oracle import inspectors as reference_inspectors
from oracle import matching as reference_matching
from projects import ROOT, write_rows_project
from zhanhe_audit import eligibility, engine, feasibility, history, inspectors, ranking
from zhanhe_audit.evidence import files as evidence_files
from zhanhe_audit.evidence.archived import load_archived
from zhanhe_audit.formulas import quota, summarise
from zhanhe_audit.history import History, PastVisit
from zhanhe_audit.inputs import Inputs, load_inputs
from zhanhe_audit.inspectors import Assignment
from zhanhe_audit.paths import DEMO_QUARTER, Project
from zhanhe_audit.tickets import write_tickets
from zhanhe_audit.uscc import complete

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "archive-draw-v1" / "outputs" / "2026Q1"
Q = "2026Q1"
SEED = "eligibility test seed 2026-01-05 48213 90377 15620 73184"
D1, D2, D3 = "湛河区市场监督管理局", "湛河区卫生健康委员会", "湛河区应急管理局"
UNITS = ["马庄市场监管所", "曹镇市场监管所", "北渡市场监管所", "荆山市场监管所"]
TAGS = ["ENTERPRISE,企业", "INDIVIDUAL,个体工商户", "FOOD_SALE,食品销售", "FOOD_SERVICE,餐饮服务",
        "PUBLIC_VENUE,公共场所", "RETAIL,零售商业", "HAZCHEM,危险化学品"]
ITEMS = [
    f"SX01,企业公示信息抽查,{D1},《企业信息公示暂行条例》,ENTERPRISE,一般",
    f"SX02,个体工商户公示信息抽查,{D1},《市场主体登记管理条例》,INDIVIDUAL,一般",
    f"SX03,食品销售者监督检查,{D1},《食品安全法》,FOOD_SALE;RETAIL,重点",
    f"SX04,餐饮服务提供者监督检查,{D1},《食品安全法》,FOOD_SERVICE,重点",
    f"SX13,公共场所卫生监督检查,{D2},《公共场所卫生管理条例》,PUBLIC_VENUE,一般",
    f"SX14,危险化学品经营单位检查,{D3},《危险化学品安全管理条例》,HAZCHEM,重点",
    f"SX99,全部对象抽查,{D1},《市场监督管理行政处罚程序规定》,*,一般",
]
TASKS = [
    {"id": "T01", "items": ["SX01", "SX03"], "grades": ["A", "B", "C", "D"]},
    {"id": "T02", "items": ["SX04", "SX13", "SX14"], "grades": ["C", "D"], "batches": 2},
    {"id": "T03", "items": ["SX99"], "grades": ["A"]},
    {"id": "T04", "items": ["SX02", "SX03"], "grades": ["B", "C"]},
]


def random_project(root: Path, count: int, seed: int) -> tuple[Project, History]:
    """A project of ``count`` random entities (grades 65/25/8/2 %, 0-3 tags, four units, 8 % not active), params
    exclusions (some for one task), both frequency caps, a history of 2025 and 2026 visits and declared conflicts;
    with enough inspectors in every department and unit that the freeze passes (``per_department`` 2)."""
    rng = random.Random(seed)
    codes = [complete(f"91410411{index:09d}") for index in range(count)]
    entities = [f"{code},主体{index},{rng.choices('ABCD', (65, 25, 8, 2))[0]},"
                f"{';'.join(rng.sample([t.split(',')[0] for t in TAGS], rng.randint(0, 3)))},"
                f"{rng.choice(UNITS)},{'注销' if rng.random() < 0.08 else '存续'},2019-03-15"
                for index, code in enumerate(codes)]
    inspectors = [f"41040020{d}{u}{n:02d},人{d}{u}{n},{department},{unit},是"
                  for d, department in enumerate((D1, D2, D3)) for u, unit in enumerate(UNITS) for n in range(3)]
    certs = [row.split(",")[0] for row in inspectors]
    conflicts = [f"{rng.choice(certs)},{rng.choice(codes)},近亲属" for _ in range(count // 200)]
    exclusions = [{"uscc": code, "reason": f"另案处理 {n}"} for n, code in enumerate(rng.sample(codes, count // 300))]
    exclusions += [{"uscc": code, "reason": "仅本任务", "tasks": [f"{Q}-T01"]} for code in rng.sample(codes, 5)]
    visited = rng.sample(codes, count // 20)
    past = tuple(PastVisit(rng.choice(("2025Q4", "2026Q1")), f"V{n}", code,
                           tuple(sorted(rng.sample(["SX01", "SX02", "SX03", "SX04", "SX13", "SX99"],
                                                   rng.randint(1, 3)))),
                           tuple(rng.sample(certs, 2)))
                 for n, code in enumerate(visited))
    project = write_rows_project(root, Q, SEED, {"entities": entities, "items": ITEMS, "inspectors": inspectors,
                                                 "tags": TAGS, "conflicts": conflicts}, TASKS,
                                 percent={"A": 1, "B": 3, "C": 10, "D": 20}, exclusions=exclusions,
                                 frequency={"per_year": 2, "per_item_per_year": 1})
    return project, History(past)


def reference_eligibility(inputs: Inputs) -> list[reference_matching.Eligibility]:
    """Every task's eligibility as the reference decides it, one ``Entity`` at a time."""
    year = history.year_of(inputs.quarter)
    return [reference_matching.eligible(task, inputs.registers, inputs.params, inputs.history, year)
            for task in inputs.params.tasks]


def reference_draw(inputs: Inputs, folder: Path, found: list[reference_matching.Eligibility]) -> engine.DrawResult:
    ("""The draw as it ran before the quarter was on columns: ``oracle.matching.eligible`` per task (``found``: """
     """one object
    per entity), then the same ranking, visits and inspectors.""")
    params, registers = inputs.params, inputs.registers
    strata = []
    for task, eligible in zip(params.tasks, found, strict=True):
        for grade in task.grades:
            usccs = [entity.uscc for entity in eligible.population.get(grade, [])]
            strata.append((task, ranking.Stratum(task.task_id, grade, usccs, quota(len(usccs), params.percent[grade]),
                                                 task.batches)))
    with engine.new_file(folder / evidence_files.TICKETS_CSV.path) as written, \
            ranking.rank_all(inputs.seed, [stratum for _, stratum in strata]) as rows:
        selected = write_tickets(rows, written)
    drawn_in = Counter((row.task_id, row.grade) for row in selected)
    summary = [summarise(task, s.grade, len(s.usccs), s.quota, drawn_in[s.task_id, s.grade], params)
               for task, s in strata]
    items_for = {eligible.task_id: eligible.items_for for eligible in found}
    drawn = [(row.task_id, row.uscc, row.ticket, row.batch, items_for[row.task_id][row.uscc]) for row in selected]
    visits = inspectors.plan_visits(inputs.quarter, drawn, registers)
    assignment = Assignment(caps=inspectors.workload_caps(visits, registers, params.inspection))
    visits = inspectors.assign(inputs.seed, visits, registers, params.inspection, inputs.history, assignment)
    return engine.DrawResult(inputs, folder, selected, summary, found, visits, assignment)  # type: ignore[arg-type]


def assert_same(inputs: Inputs, tmp_path: Path | None = None) -> None:
    """Every task: the columns' strata, counts, exclusions and items are the reference's, and so is the
    feasibility; with ``tmp_path``, every file of the draw too, byte for byte."""
    columns = engine.quarter_eligibility(inputs)
    references = reference_eligibility(inputs)
    for task, found, reference in zip(inputs.params.tasks, columns, references, strict=True):
        assert {grade: codes.to_pylist() for grade, codes in found.strata.items()} == \
            {grade: [e.uscc for e in members] for grade, members in reference.population.items()}, task.task_id
        assert (found.active, found.in_scope) == (reference.active, reference.in_scope), task.task_id
        assert found.excluded == reference.excluded, task.task_id
        assert found.populations() == reference.populations()
        eligible = [e for members in reference.population.values() for e in members]
        assert {e.uscc: found.items_for(e) for e in eligible} == reference.items_for, task.task_id
    pairs = [(e.task_id, uscc, items) for e in references for uscc, items in e.items_for.items()]
    expected = reference_inspectors.feasibility(pairs, inputs.registers, inputs.params.inspection, inputs.history)
    assert feasibility.feasibility(columns, inputs.registers, inputs.params.inspection, inputs.history) == expected
    if tmp_path is None:
        return
    (tmp_path / "new").mkdir()
    (tmp_path / "old").mkdir()
    new, old = engine.run_draw(inputs, tmp_path / "new"), reference_draw(inputs, tmp_path / "old", references)
    assert engine.draw_files(new) == engine.draw_files(old)
    tickets = evidence_files.TICKETS_CSV.path
    assert (tmp_path / "new" / tickets).read_bytes() == (tmp_path / "old" / tickets).read_bytes()


@pytest.mark.parametrize("count", [10_000, 100_000])
def test_random_register_with_exclusions_caps_history_and_conflicts_as_the_reference(tmp_path, count):
    project, past = random_project(tmp_path / "project", count, seed=count)
    inputs = load_inputs(project, Q, past)
    columns = engine.quarter_eligibility(inputs)
    reasons = Counter(x.reason.split(":")[0] for found in columns for x in found.excluded)
    assert reasons["参数排除 (params)"] and reasons["频次上限 (frequency cap)"] > 10  # the rules are exercised
    assert any(found.judged for found in columns)  # and some entity keeps fewer items than its scope
    assert_same(inputs, tmp_path)


def test_demo_quarter_as_the_reference(tmp_path):
    inputs = load_inputs(Project(ROOT), DEMO_QUARTER, History())
    assert_same(inputs, tmp_path)


def test_kept_draw_v1_archive_as_the_reference(tmp_path):
    inputs = load_archived(FIXTURE, "2026Q1")
    assert_same(inputs, tmp_path)


def test_hostile_quarter_as_the_reference(tmp_path):
    root = hostile_project(tmp_path / "hostile")
    inputs = load_inputs(Project(root), HOSTILE_QUARTER, History())
    assert_same(inputs, tmp_path)


def test_shortfalls_are_the_references_in_its_order(tmp_path):
    """Few inspectors, cross-unit: many (entity, department) pairs fall short, ordinary and special ones."""
    project, past = random_project(tmp_path / "project", 3_000, seed=7)
    folder = project.root / "registers" / Q
    lines = (folder / "inspectors.csv").read_text(encoding="utf-8").splitlines()
    # two departments' only certified inspectors are of 马庄: their entities of 马庄 have none (所所交叉)
    kept = [line if D3 in line or line.endswith(f"{UNITS[0]},是") else line[:-1] + "否" for line in lines[1:]]
    (folder / "inspectors.csv").write_text("\n".join([lines[0], *kept]) + "\n", encoding="utf-8")
    inputs = load_inputs(project, Q, past)
    columns = engine.quarter_eligibility(inputs)
    found = feasibility.feasibility(columns, inputs.registers, inputs.params.inspection, inputs.history)
    assert len(found.shortfalls) > 100 and {s.department for s in found.shortfalls} == {D1, D2}
    special = {c.uscc for c in inputs.registers.conflicts} | {v.uscc for v in past.visits}
    assert {s.uscc for s in found.shortfalls} & special  # entities counted one by one fall short too
    assert_same(inputs)


def test_an_entity_eligible_in_no_task_and_an_empty_register_of_a_grade(tmp_path):
    project, _ = random_project(tmp_path / "project", 40, seed=3)
    inputs = load_inputs(project, Q, History())
    found = eligibility.of_task(inputs.params.tasks[1], inputs.registers, inputs.params, History(), 2026)
    assert sum(map(len, found.strata.values())) < 40  # task T02 takes only C and D: a few of 40 or none
    assert_same(inputs)
