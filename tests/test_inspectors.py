"""Visits and the second random: drawing inspectors (zhanhe_audit.inspectors).

Known answers are computed here with hashlib from the protocol's formula
``H(seed ⏎ T ⏎ u ⏎ i)``; properties are checked with this file's own reading of
the rules (docs/draw-protocol.md, "Inspectors", and the cap rule of the params),
then against ``inspectors.violations``.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from projects import ROOT, make_project, run_draw, write_rows_project
from projects import SEED as PROJECT_SEED
from zhanhe_audit import engine, formulas, inspectors
from zhanhe_audit.errors import FreezeError
from zhanhe_audit.history import History, PastVisit
from zhanhe_audit.inputs import load_inputs
from zhanhe_audit.layout import CAP_EXCEPTIONS
from zhanhe_audit.paths import Project
from zhanhe_audit.uscc import complete

Q = "2026Q1"
SEED = "inspector test seed 2026-01-05 48213 90377 15620 73184"
U = [complete("91410411MA" + f"{n:07d}") for n in range(1, 30)]
D1, D2, D3 = "湛河区市场监督管理局", "湛河区卫生健康委员会", "湛河区应急管理局"
HOME, OTHER = "马庄市场监管所", "南环路市场监管所"
CERTS = [f"410400201{n:05d}" for n in range(1, 9)]
TAGS = ["ENTERPRISE,企业", "FOOD_SALE,食品销售", "PUBLIC_VENUE,公共场所", "HAZCHEM,危险化学品经营"]
ITEMS = [
    f"SX01,企业公示信息抽查,{D1},《企业信息公示暂行条例》,ENTERPRISE,一般",
    f"SX03,食品销售者监督检查,{D1},《食品安全法》,FOOD_SALE,重点",
    f"SX13,公共场所卫生监督检查,{D2},《公共场所卫生管理条例》,PUBLIC_VENUE,一般",
    f"SX14,危险化学品经营单位监督检查,{D3},《危险化学品安全管理条例》,HAZCHEM,重点",
]
VECTORS = json.loads((ROOT / "docs" / "draw-vectors.json").read_text(encoding="utf-8"))


def h(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def inspector_row(cert: str, department: str = D1, unit: str = OTHER, certified: str = "是") -> str:
    return f"{cert},人员{cert[-3:]},{department},{unit},{certified}"


def entity_row(code: str, tags: str = "ENTERPRISE", unit: str = HOME, grade: str = "A") -> str:
    return f"{code},主体{code[-4:]},{grade},{tags},{unit},存续,2019-03-15"


def write_project(root: Path, entities: list[str], inspector_rows: list[str], conflicts: list[str] = (),
                  tasks: list[dict] = ({"id": "T01", "items": ["SX01"]},), **inspection) -> Project:
    """A throw-away project drawing 100 % of every grade, so that every eligible entity is visited."""
    rows = {"entities": entities, "items": ITEMS, "inspectors": inspector_rows, "conflicts": list(conflicts),
            "tags": TAGS}
    return write_rows_project(root, Q, SEED, rows, list(tasks), inspection=inspection)


def draw_of(project: Project, history: History = History(), quarter_name: str = Q) -> engine.DrawResult:
    return run_draw(load_inputs(project, quarter_name, history), project.root)


def conflict(cert: str, code: str) -> str:
    return f"{cert},{code},近亲属担任该企业负责人"


# --- properties, checked with this file's own reading of the rules ----------------------------------


def check_inspectors(result: engine.DrawResult) -> None:
    """Every rule of the second random, on a whole draw."""
    inputs = result.inputs
    registers, rules, history, seed = (inputs.registers, inputs.params.inspection, inputs.history,
                                       inputs.params.seed.value)
    people = registers.inspectors
    entities = {e.uscc: e for e in registers.entities}
    declared = {(c.cert_no, c.uscc) for c in registers.conflicts}
    certified = {d: sorted(c for c, i in people.items() if i.certified and i.department == d)
                 for d in {i.department for i in people.values()}}
    # caps: ceil(per_department x visits involving the department / certified inspectors) + slack
    demand = Counter(d for v in result.visits for d in v.departments)
    caps = {d: -(-rules.per_department * n // len(certified[d])) + rules.workload_slack for d, n in demand.items()}
    assert result.assignment.caps == caps

    exceptions: dict[tuple[str, str], list] = {}
    for exception in result.assignment.exceptions:
        exceptions.setdefault((exception.visit_id, exception.department), []).append(exception)
    listed = 0
    loads: Counter = Counter()
    for visit in result.visits:
        entity = entities[visit.uscc]
        assert visit.departments == tuple(sorted({registers.items[i].department for i in visit.items}))
        assert len(set(visit.inspectors)) == len(visit.inspectors)
        last = history.last_visit(visit.uscc)
        before = set(last.inspectors) if last else set()
        for department in visit.departments:
            sent = [c for c in visit.inspectors if people[c].department == department]
            assert len(sent) == rules.per_department >= 2, (visit.visit_id, department)
            allowed = [c for c in certified[department]
                       if (c, visit.uscc) not in declared
                       and not (rules.cross_unit and people[c].unit == entity.unit)
                       and c not in before]
            ranked = sorted(allowed, key=lambda c: h(seed, visit.task_id, visit.uscc, c))
            free = [c for c in ranked if loads[c] < caps[department]]
            # the lowest tickets among the inspectors every rule allows and the cap leaves win; when too few
            # are under the cap, the lowest tickets at or over it fill the places, each a listed cap exception
            team = free[: rules.per_department]
            over = [c for c in ranked if c not in free][: rules.per_department - len(team)]
            assert sent == team + over, (visit.visit_id, department)
            assert {c for c in over} == {e.cert_no for e in exceptions.get((visit.visit_id, department), [])}
            assert all(e.under_cap == len(free) and e.cap == caps[department] and e.load == loads[e.cert_no]
                       for e in exceptions.get((visit.visit_id, department), []))
            listed += len(over)
        for cert in visit.inspectors:
            inspector = people[cert]
            assert inspector.certified and inspector.department in visit.departments
            assert (cert, visit.uscc) not in declared
            assert not (rules.cross_unit and inspector.unit == entity.unit)
            assert cert not in before
            loads[cert] += 1
    assert listed == len(result.assignment.exceptions)
    if not result.assignment.exceptions:
        assert all(loads[c] <= caps[people[c].department] for c in loads)
    assert loads == result.assignment.loads
    found = inspectors.violations(result.visits, registers, rules, history, result.assignment.caps,
                                  result.assignment.exceptions)
    assert found == {rule: [] for rule in found}
    assert set(found) >= {"conflict", "home_unit", "previous_visit", "workload_cap", "uncertified", "department",
                          "too_few"}


def check_visit_order(result: engine.DrawResult) -> None:
    """Visits are numbered 1, 2, 3 ... in order of (first task, its ticket); one per entity."""
    seed = result.inputs.params.seed.value
    assert len({v.uscc for v in result.visits}) == len(result.visits)
    for visit in result.visits:
        assert visit.task_id == min(visit.tasks)
        assert visit.ticket == h(seed, visit.task_id, visit.uscc)
    keys = [(v.task_id, v.ticket) for v in result.visits]
    assert keys == sorted(keys)
    assert [v.visit_id for v in result.visits] == [f"{result.inputs.quarter}-V{n:04d}" for n in
                                                   range(1, len(result.visits) + 1)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    inputs = load_inputs(Project(ROOT), "demo-2026Q4", History())
    return engine.run_draw(inputs, tmp_path_factory.mktemp("demo"))


def test_demo_draw_keeps_every_inspector_rule(demo):
    check_inspectors(demo)
    check_visit_order(demo)


def test_demo_draw_after_an_earlier_quarter_of_the_same_year_keeps_every_inspector_rule(demo, tmp_path):
    """The demo's own visits taken as the history of an earlier quarter: previous inspectors must change."""
    earlier = History(tuple(PastVisit("demo-2026Q3", v.visit_id, v.uscc, v.items, v.inspectors) for v in demo.visits))
    again = engine.run_draw(replace(demo.inputs, history=earlier), tmp_path)
    revisited = [v for v in again.visits if earlier.last_visit(v.uscc)]
    assert revisited  # the per-item cap leaves some entities with items not yet drawn
    check_inspectors(again)
    check_visit_order(again)


SYNTHETIC = [
    # seed, entities, percent, per_department, cross_unit, workload_slack
    ("11111 11111 22222 22222 a", 2000, None, 2, True, 1),
    ("33333 33333 44444 44444 b", 2000, None, 3, True, 1),
    ("55555 55555 66666 66666 c", 2000, None, 2, False, 0),
    ("55555 55555 66666 66666 c", 2000, None, 2, True, 0),
    ("11111 11111 22222 22222 a", 20000, {"A": 2, "B": 5, "C": 20, "D": 40}, 2, True, 1),
    ("33333 33333 44444 44444 b", 20000, {"A": 2, "B": 5, "C": 20, "D": 40}, 3, True, 1),
]
TASKS = [
    {"id": "{q}-T01", "items": ["SX01", "SX02"]},
    {"id": "{q}-T02", "items": ["SX03", "SX04", "SX05"], "batches": 2},
    {"id": "{q}-T03", "items": ["SX13", "SX14"]},
    {"id": "{q}-T04", "items": ["SX03", "SX13"]},  # overlaps T02 and T03: entities drawn twice
]


def synthetic(root: Path, seed: str, entities: int, percent, per_department: int, cross_unit: bool,
              slack: int) -> Project:
    make_project(root, entities=entities, tasks=TASKS)
    path = root / "params" / f"{Q}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["seed"] = dict(PROJECT_SEED, value=seed)
    data["percent"] = percent or data["percent"]
    data["inspection"] = {"per_department": per_department, "cross_unit": cross_unit, "workload_slack": slack}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return Project(root)


@pytest.fixture(scope="module")
def synthetic_draw(tmp_path_factory):
    """The first draw of a SYNTHETIC case, made once per module."""
    made = {}

    def get(case) -> engine.DrawResult:
        if repr(case) not in made:
            made[repr(case)] = draw_of(synthetic(tmp_path_factory.mktemp("synthetic"), *case))
        return made[repr(case)]

    return get


CASE_IDS = [f"{c[0][0]}-{c[1]}-per{c[3]}-cross{c[4]}-slack{c[5]}" for c in SYNTHETIC]


@pytest.mark.parametrize("case", SYNTHETIC, ids=CASE_IDS)
def test_synthetic_draws_keep_every_inspector_rule(synthetic_draw, case):
    result = synthetic_draw(case)
    assert any(len(v.tasks) > 1 for v in result.visits)
    check_inspectors(result)
    check_visit_order(result)


@pytest.mark.parametrize("case", SYNTHETIC, ids=CASE_IDS)
def test_synthetic_redraw_with_the_same_entities_as_history_draws_within_every_rule_or_the_freeze_refuses(
        synthetic_draw, case, tmp_path):
    """Every entity visited again (no frequency cap), so the previous-visit rule bites on every visit.

    With slack 0, or 3 per department and 8 health inspectors, the old hard cap refused such draws
    after the seed was known. Now the freeze's feasibility check refuses before any seed exists, or
    the draw completes: every conflict rule kept, every place over the cap a listed exception.
    """
    first = synthetic_draw(case)
    earlier = History(tuple(PastVisit(Q, v.visit_id, v.uscc, v.items, v.inspectors) for v in first.visits))
    inputs = replace(first.inputs, history=earlier)
    try:
        engine.check_feasible(inputs)
    except FreezeError as refused:
        found = re.search(rf"entity \w{{18}} \(home unit .+\), eligible in task {Q}-T\d\d: department \S+ has \d+ "
                          rf"certified inspector\(s\), (\d+) left after the rules \(.*\(inspected this entity last "
                          rf"time\) removed [1-9]", str(refused))
        assert found and int(found[1]) < case[3], str(refused)
        assert case[3] == 3  # two per department always leave enough here
        return
    again = engine.run_draw(inputs, tmp_path)
    assert [v.uscc for v in again.visits] == [v.uscc for v in first.visits]
    assert all(earlier.last_visit(v.uscc) for v in again.visits)
    check_inspectors(again)
    if case[5] == 0:  # the settings where the hard cap refused: the soft cap serves them with exceptions
        assert again.assignment.exceptions


def test_without_cross_unit_a_home_unit_inspector_can_be_chosen(synthetic_draw, tmp_path):
    result = synthetic_draw(SYNTHETIC[2])
    assert result.inputs.params.inspection.cross_unit is False
    people, entities = result.inputs.registers.inspectors, {e.uscc: e for e in result.inputs.registers.entities}
    home = [(v.visit_id, c) for v in result.visits for c in v.inspectors if people[c].unit == entities[v.uscc].unit]
    assert home
    # with cross_unit on, the same draw never sends one
    on = engine.run_draw(replace(result.inputs, params=replace(
        result.inputs.params, inspection=replace(result.inputs.params.inspection, cross_unit=True))), tmp_path)
    assert not [c for v in on.visits for c in v.inspectors if people[c].unit == entities[v.uscc].unit]


# --- known answers ------------------------------------------------------------------------------------


def test_inspector_ticket_reproduces_the_protocol_vector():
    (vector,) = VECTORS["inspector_tickets"]
    parts = (vector["seed"], vector["task_id"], vector["uscc"], vector["inspector_id"])
    assert h(*parts) == vector["ticket"]
    assert formulas.inspector_ticket(*parts) == vector["ticket"]


def ranked_certs(task: str, code: str) -> list[str]:
    """CERTS ordered by their inspector ticket for (task, entity), lowest first."""
    return sorted(CERTS, key=lambda cert: hashlib.sha256(f"{SEED}\n{task}\n{code}\n{cert}".encode()).hexdigest())


def known_answer_project(root: Path) -> tuple[Project, list[str]]:
    """One entity, one item of D1; the four lowest-ticket inspectors are each ruled out by one rule."""
    order = ranked_certs(f"{Q}-T01", U[0])
    rows = [
        inspector_row(order[0], department=D2),  # not of the item's department
        inspector_row(order[1], unit=HOME),  # the entity's home unit
        inspector_row(order[2]),  # declared conflict
        inspector_row(order[3], certified="否"),  # not certified
        *(inspector_row(cert, unit=unit)
          for cert, unit in zip(order[4:], ["南环路市场监管所", "姚孟市场监管所", "高阳市场监管所", "曹镇市场监管所"],
                                strict=True)),
    ]
    random.Random(7).shuffle(rows)  # register order must not matter
    return write_project(root, [entity_row(U[0])], rows, [conflict(order[2], U[0])]), order


def test_known_answer_the_two_lowest_tickets_among_the_allowed_inspectors_go(tmp_path):
    project, order = known_answer_project(tmp_path)
    (visit,) = draw_of(project).visits
    assert (visit.visit_id, visit.uscc, visit.task_id, visit.items, visit.departments) == (
        f"{Q}-V0001", U[0], f"{Q}-T01", ("SX01",), (D1,))
    assert visit.ticket == h(SEED, f"{Q}-T01", U[0])
    assert set(visit.inspectors) == {order[4], order[5]}


def test_known_answer_the_previous_visits_inspectors_are_not_chosen_again(tmp_path):
    project, order = known_answer_project(tmp_path)
    history = History((PastVisit("2025Q2", "2025Q2-V0007", U[0], ("SX01",), (order[4], "41040020199999")),
                       PastVisit("2025Q4", "2025Q4-V0003", U[0], ("SX01",), (order[5],))))
    # only the last visit counts: order[4] (2025Q2) is allowed again, order[5] (2025Q4) is not
    (visit,) = draw_of(project, history).visits
    assert set(visit.inspectors) == {order[4], order[6]}
    history = History((PastVisit("2025Q4", "2025Q4-V0003", U[0], ("SX01",), (order[4], order[5])),))
    (visit,) = draw_of(project, history).visits
    assert set(visit.inspectors) == {order[6], order[7]}


# --- one visit per entity -----------------------------------------------------------------------------


def test_entity_drawn_by_two_tasks_is_one_visit_with_the_union_of_items_and_departments(tmp_path):
    inspector_rows = ([inspector_row(f"4104002010{n:04d}", unit=OTHER) for n in range(1, 7)]
                      + [inspector_row(f"4104002020{n:04d}", department=D2, unit="卫健委执法大队")
                         for n in range(1, 7)])
    entities = [
        entity_row(U[0], "ENTERPRISE;FOOD_SALE;PUBLIC_VENUE"),  # both tasks: SX01, SX03, SX13
        entity_row(U[1], "ENTERPRISE"),  # T01 only
        entity_row(U[2], "PUBLIC_VENUE", grade="C"),  # T02 only
        entity_row(U[3], "FOOD_SALE", grade="D"),  # both tasks, SX03 only
        entity_row(U[4], "ENTERPRISE;FOOD_SALE"),  # T01: SX01, SX03; T02: SX03
    ]
    tasks = [{"id": "T02", "items": ["SX03", "SX13"]}, {"id": "T01", "items": ["SX01", "SX03"]}]  # listed T02 first
    result = draw_of(write_project(tmp_path, entities, inspector_rows, tasks=tasks))
    t1, t2 = f"{Q}-T01", f"{Q}-T02"
    expected = {
        U[0]: ((t1, t2), ("SX01", "SX03", "SX13"), tuple(sorted((D1, D2)))),  # departments in code-point order
        U[1]: ((t1,), ("SX01",), (D1,)),
        U[2]: ((t2,), ("SX13",), (D2,)),
        U[3]: ((t1, t2), ("SX03",), (D1,)),
        U[4]: ((t1, t2), ("SX01", "SX03"), (D1,)),
    }
    assert {v.uscc: (v.tasks, v.items, v.departments) for v in result.visits} == expected
    # numbered in (task, ticket) order, computed here
    order = sorted(expected, key=lambda code: (expected[code][0][0], h(SEED, expected[code][0][0], code)))
    assert [(v.visit_id, v.uscc, v.task_id) for v in result.visits] == [
        (f"{Q}-V{n:04d}", code, expected[code][0][0]) for n, code in enumerate(order, start=1)]
    both = next(v for v in result.visits if v.uscc == U[0])
    assert Counter(result.inputs.registers.inspectors[c].department for c in both.inspectors) == {D1: 2, D2: 2}
    # the first task's ticket decides the inspectors too
    people = [c for c in both.inspectors if result.inputs.registers.inspectors[c].department == D2]
    assert sorted(people) == sorted(sorted((c for c in result.inputs.registers.inspectors
                                             if c.startswith("41040020200")),
                                            key=lambda c: h(SEED, t1, U[0], c))[:2])
    check_inspectors(result)


def test_demo_entities_drawn_by_several_tasks_are_one_visit_each(demo):
    drawn: dict[str, list[str]] = {}
    for row in demo.tickets():
        if row.selected:
            drawn.setdefault(row.uscc, []).append(row.task_id)
    by_task = {e.task_id: e for e in demo.eligibility}
    entities = demo.inputs.registers.entities.lookup(drawn)
    assert sorted(v.uscc for v in demo.visits) == sorted(drawn)
    several = [v for v in demo.visits if len(drawn[v.uscc]) > 1]
    assert several
    for visit in demo.visits:
        assert visit.tasks == tuple(sorted(drawn[visit.uscc]))
        assert visit.items == tuple(sorted({i for t in drawn[visit.uscc]
                                            for i in by_task[t].items_for(entities[visit.uscc])}))


# --- feasibility at the freeze, and the soft cap ---------------------------------------------------------


def freeze_refusal(project: Project, history: History = History()) -> str:
    """The freeze's feasibility check on ``project`` (what ``make freeze`` runs before the seed exists)."""
    with pytest.raises(FreezeError) as caught:
        engine.check_feasible(load_inputs(project, Q, history))
    return str(caught.value)


def test_department_without_a_certified_inspector_is_refused_at_the_freeze_naming_it(tmp_path):
    rows = [inspector_row(CERTS[0]), inspector_row(CERTS[1]), inspector_row(CERTS[2], department=D2, certified="否")]
    project = write_project(tmp_path, [entity_row(U[0], "ENTERPRISE;PUBLIC_VENUE")], rows,
                            tasks=[{"id": "T01", "items": ["SX01", "SX13"]}])
    message = freeze_refusal(project)
    assert f"entity {U[0]} (home unit {HOME}), eligible in task {Q}-T01: department {D2} has 0 certified " \
           "inspector(s), 0 left after the rules (no rule removed any)" in message
    assert f"department {D1}" not in message  # D1 has its two


def test_conflicts_for_all_but_one_inspector_are_refused_at_the_freeze_naming_entity_department_and_counts(tmp_path):
    rows = [inspector_row(cert) for cert in CERTS[:3]]
    project = write_project(tmp_path, [entity_row(U[0]), entity_row(U[1])], rows,
                            [conflict(CERTS[0], U[0]), conflict(CERTS[1], U[0])])
    message = freeze_refusal(project)
    assert message.startswith("the freeze is refused: 1 entity/department pair(s) that could be drawn would have "
                              "fewer than 2 inspectors"), message
    assert f"entity {U[0]} (home unit {HOME}), eligible in task {Q}-T01: department {D1} has 3 certified " \
           "inspector(s), 1 left after the rules (申报的利害关系回避 (declared conflict) removed 2)" in message
    assert U[1] not in message and "Nothing was written" in message


def test_three_per_department_in_a_tiny_register_is_refused_at_the_freeze_naming_the_home_unit_rule(tmp_path):
    rows = [inspector_row(CERTS[0], unit=HOME), inspector_row(CERTS[1]), inspector_row(CERTS[2]),
            inspector_row(CERTS[3], certified="否")]
    project = write_project(tmp_path, [entity_row(U[0])], rows, per_department=3)
    message = freeze_refusal(project)
    assert f"department {D1} has 3 certified inspector(s), 2 left after the rules (所所交叉：本所人员回避 " \
           "(same home unit) removed 1)" in message and "fewer than 3 inspectors" in message
    # without cross-unit inspection the home unit's inspector makes up the team
    project = write_project(tmp_path / "off", [entity_row(U[0])], rows, per_department=3, cross_unit=False)
    engine.check_feasible(load_inputs(project, Q, History()))
    (visit,) = draw_of(project).visits
    assert set(visit.inspectors) == set(CERTS[:3])


def test_previous_visit_rule_leaving_too_few_is_refused_at_the_freeze(tmp_path):
    project = write_project(tmp_path, [entity_row(U[0])], [inspector_row(cert) for cert in CERTS[:3]])
    history = History((PastVisit("2025Q4", "2025Q4-V0001", U[0], ("SX01",), (CERTS[0], CERTS[2])),))
    message = freeze_refusal(project, history)
    assert f"entity {U[0]}" in message and "(inspected this entity last time) removed 2" in message
    engine.check_feasible(load_inputs(project, Q, History()))  # without that visit: enough


def test_fewer_certified_inspectors_than_per_department_is_refused_at_the_freeze_even_with_no_rule(tmp_path):
    project = write_project(tmp_path, [entity_row(U[0])],
                            [inspector_row(CERTS[0]), inspector_row(CERTS[1], certified="否")])
    message = freeze_refusal(project)
    assert "has 1 certified inspector(s), 1 left after the rules (no rule removed any)" in message


def test_freeze_of_a_project_without_enough_inspectors_writes_nothing_and_the_cli_says_why(tmp_path, capsys):
    project = write_project(tmp_path, [entity_row(U[0])], [inspector_row(cert) for cert in CERTS[:3]],
                            [conflict(CERTS[0], U[0]), conflict(CERTS[1], U[0])])
    params = tmp_path / "params" / f"{Q}.yaml"
    data = yaml.safe_load(params.read_text(encoding="utf-8"))
    del data["seed"]  # the freeze comes before the seed
    params.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    from zhanhe_audit import cli

    assert cli.main(["--root", str(tmp_path), "freeze", Q]) == 2
    error = capsys.readouterr().err
    assert "the freeze is refused" in error and f"entity {U[0]}" in error and "Traceback" not in error
    assert not project.freeze_file(Q).exists()


def test_workload_cap_running_out_gives_a_listed_cap_exception_instead_of_a_refusal(tmp_path):
    # cap = ceil(2 x 3 visits / 3 inspectors) + 0 = 2; the third inspector may not visit U0 or U1, so
    # in any serving order the third visit finds at most one inspector under the cap: the hard cap refused
    rows = [inspector_row(cert) for cert in CERTS[:3]]
    conflicts = [conflict(CERTS[2], U[0]), conflict(CERTS[2], U[1])]
    project = write_project(tmp_path, [entity_row(code) for code in U[:3]], rows, conflicts, workload_slack=0)
    engine.check_feasible(load_inputs(project, Q, History()))
    result = draw_of(project)
    check_inspectors(result)
    (exception,) = result.assignment.exceptions
    third = result.visits[2]
    assert (exception.visit_id, exception.uscc, exception.department, exception.cap) == (
        third.visit_id, third.uscc, D1, 2)
    assert exception.load == 2 and exception.under_cap == 1 and exception.cert_no in third.inspectors
    assert result.assignment.loads[exception.cert_no] == 3
    written = engine.draw_files(result)[CAP_EXCEPTIONS]
    assert written == ("visit,uscc,department,cert_no,visits_before,cap,under_cap_candidates\n"
                       f"{third.visit_id},{third.uscc},{D1},{exception.cert_no},2,2,1\n")
    # one more unit of slack and the same registers draw within the caps: no exception, no file
    project = write_project(tmp_path / "slack", [entity_row(code) for code in U[:3]], rows, conflicts,
                            workload_slack=1)
    relaxed = draw_of(project)
    check_inspectors(relaxed)
    assert relaxed.assignment.exceptions == [] and CAP_EXCEPTIONS not in engine.draw_files(relaxed)


def test_violations_flag_an_unlisted_over_cap_place_and_a_listed_one_under_the_cap(tmp_path):
    rows = [inspector_row(cert) for cert in CERTS[:3]]
    conflicts = [conflict(CERTS[2], U[0]), conflict(CERTS[2], U[1])]
    project = write_project(tmp_path, [entity_row(code) for code in U[:3]], rows, conflicts, workload_slack=0)
    result = draw_of(project)
    inputs, (exception,) = result.inputs, result.assignment.exceptions
    arguments = (result.visits, inputs.registers, inputs.params.inspection, inputs.history, result.assignment.caps)
    assert inspectors.violations(*arguments)["workload_cap"] == [(exception.visit_id, exception.cert_no)]
    bogus = replace(exception, visit_id=result.visits[0].visit_id, cert_no=result.visits[0].inspectors[0])
    found = inspectors.violations(*arguments, [exception, bogus])
    assert found["workload_cap"] == [] and found["not_over_cap"] == [(bogus.visit_id, bogus.cert_no)]


# --- determinism ----------------------------------------------------------------------------------------


def test_same_inputs_give_identical_visits_and_row_order_changes_nothing(tmp_path):
    case = ("33333 33333 44444 44444 b", 2000, None, 2, True, 1)
    first = draw_of(synthetic(tmp_path / "a", *case))
    again = draw_of(synthetic(tmp_path / "a2", *case))
    assert again.visits == first.visits and again.assignment == first.assignment
    shuffled = synthetic(tmp_path / "b", *case)
    for name in ("inspectors", "entities", "conflicts"):
        path = tmp_path / "b" / "registers" / Q / f"{name}.csv"
        header, *rows = path.read_text(encoding="utf-8").splitlines(keepends=True)
        random.Random(name).shuffle(rows)
        path.write_text("".join([header, *rows]), encoding="utf-8")
    other = draw_of(shuffled)
    assert other.visits == first.visits
    assert other.assignment.loads == first.assignment.loads and other.assignment.caps == first.assignment.caps
