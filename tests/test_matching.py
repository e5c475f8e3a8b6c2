"""Eligibility: items' scopes, status, params exclusions and frequency caps (zhanhe_audit.matching).

Expected values are worked out here with this file's own tag logic (split on ';',
trim, upper case) from the raw CSV files, or by hand on tiny registers; they are
never copied from what the module returns.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pytest

from oracle import matching as reference_matching
from projects import ROOT, write_rows_project
from zhanhe_audit import engine, matching
from zhanhe_audit.errors import RegisterError
from zhanhe_audit.history import History, PastVisit
from zhanhe_audit.inputs import load_inputs
from zhanhe_audit.paths import Project
from zhanhe_audit.uscc import complete

DEMO_QUARTER = "demo-2026Q4"
DEMO_REGISTERS = ROOT / "registers" / DEMO_QUARTER
ACTIVE = {"存续"}  # the only active status the demo register uses (the others: 注销, 吊销)

SEED = "matching test seed 2026-01-05 48213 90377 15620 73184"
Q = "2026Q1"
U = [complete("91410411MA" + f"{n:07d}") for n in range(1, 30)]  # valid, distinct USCCs
D1, D2 = "湛河区市场监督管理局", "湛河区卫生健康委员会"

TAGS = ["ENTERPRISE,企业", "INDIVIDUAL,个体工商户", "FOOD_SALE,食品销售", "FOOD_SERVICE,餐饮服务",
        "PUBLIC_VENUE,公共场所", "RETAIL,零售商业"]
ITEMS = [
    f"SX01,企业公示信息抽查,{D1},《企业信息公示暂行条例》,ENTERPRISE,一般",
    f"SX02,个体工商户公示信息抽查,{D1},《市场主体登记管理条例》,INDIVIDUAL,一般",
    f"SX03,食品销售者监督检查,{D1},《食品安全法》,FOOD_SALE,重点",
    f"SX04,餐饮服务提供者监督检查,{D1},《食品安全法》,FOOD_SERVICE,重点",
    f"SX13,公共场所卫生监督检查,{D2},《公共场所卫生管理条例》,PUBLIC_VENUE,一般",
    f"SX99,全部对象抽查,{D1},《市场监督管理行政处罚程序规定》,*,一般",
]
# Plenty of certified inspectors in both departments, of units no entity below uses.
INSPECTORS = ([f"4104002010{n:04d},甲{n},{D1},检查一所,是" for n in range(1, 9)]
              + [f"4104002020{n:04d},乙{n},{D2},卫健委执法大队,是" for n in range(1, 9)])


def entity_row(code: str, tags: str, grade: str = "A", status: str = "存续", unit: str = "马庄市场监管所") -> str:
    return f"{code},主体{code[-4:]},{grade},{tags},{unit},{status},2019-03-15"


def write_project(root: Path, entities: list[str], tasks: list[dict], items: list[str] = ITEMS,
                  tags: list[str] = TAGS, **params) -> Project:
    """A throw-away project: registers/<Q>/*.csv and params/<Q>.yaml (100 % of every grade drawn)."""
    rows = {"entities": entities, "items": items, "inspectors": INSPECTORS, "tags": tags}
    return write_rows_project(root, Q, SEED, rows, tasks, **params)


def eligibility_of(project: Project, history: History = History()) -> list[reference_matching.Eligibility]:
    inputs = load_inputs(project, Q, history)
    return [reference_matching.eligible(task, inputs.registers, inputs.params, history, 2026)
            for task in inputs.params.tasks]


def excluded_reasons(found) -> dict[str, str]:
    return {x.uscc: x.reason for x in found.excluded}


def population_codes(found) -> dict[str, list[str]]:
    """grade -> eligible USCCs, of the reference (oracle.matching.Eligibility) or of the columns (TaskEligibility)."""
    if isinstance(found, reference_matching.Eligibility):
        return {grade: [entity.uscc for entity in entities] for grade, entities in found.population.items()}
    return {grade: codes.to_pylist() for grade, codes in found.strata.items()}


def eligible_codes(found) -> set[str]:
    return {code for codes in population_codes(found).values() for code in codes}


def items_of(found, registers) -> dict[str, tuple[str, ...]]:
    """Every eligible entity's items, of the reference or of the columns."""
    if isinstance(found, reference_matching.Eligibility):
        return found.items_for
    return {code: found.items_for(entity) for code, entity in registers.entities.lookup(eligible_codes(found)).items()}


# --- the demo quarter, checked with this file's own tag logic -------------------------------------


def own_tags(cell: str) -> set[str]:
    return {piece.strip().upper() for piece in cell.split(";") if piece.strip()}


def raw_rows(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((DEMO_REGISTERS / f"{name}.csv").read_text(encoding="utf-8"))))


def covers(item_tags: set[str], entity_tags: set[str]) -> bool:
    return "*" in item_tags or bool(item_tags & entity_tags)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo quarter drawn from the committed params and registers, with no earlier archive."""
    inputs = load_inputs(Project(ROOT), DEMO_QUARTER, History())
    return engine.run_draw(inputs, tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module", params=["columns", "reference"])
def found_by(request, demo):
    """Each task's eligibility of the demo: as the draw computed it (columns), and by the reference."""
    if request.param == "columns":
        return demo.eligibility
    inputs = demo.inputs
    return [reference_matching.eligible(task, inputs.registers, inputs.params, inputs.history, 2026)
            for task in inputs.params.tasks]


@pytest.fixture(scope="module")
def raw():
    entities = {row["uscc"]: row for row in raw_rows("entities")}
    items = {row["item_id"]: own_tags(row["target_tags"]) for row in raw_rows("items")}
    return entities, items


def test_demo_every_visit_item_covers_its_entity_by_own_tag_logic(demo, raw):
    entities, items = raw
    assert demo.visits
    for visit in demo.visits:
        tags = own_tags(entities[visit.uscc]["tags"])
        assert entities[visit.uscc]["status"] in ACTIVE
        for item in visit.items:
            assert covers(items[item], tags), (visit.visit_id, visit.uscc, item)


def test_demo_match_evidence_names_tags_the_entity_has_and_the_item_targets(demo, raw):
    entities, items = raw
    rows = list(csv.DictReader(io.StringIO(engine.draw_files(demo)["draw/match.csv"])))
    assert rows
    for row in rows:
        qualifying = set(row["qualifying_tags"].split(";"))
        entity_tags = own_tags(entities[row["uscc"]]["tags"])
        assert qualifying, row
        if "*" in items[row["item_id"]]:
            assert qualifying == entity_tags
        else:
            assert qualifying == entity_tags & items[row["item_id"]], row
    # every selected (task, entity) has at least one evidence row, and only for its task's items
    selected = {(t.task_id, t.uscc) for t in demo.selected}
    assert {(row["task_id"], row["uscc"]) for row in rows} == selected
    task_items = {task.task_id: set(task.items) for task in demo.inputs.params.tasks}
    assert all(row["item_id"] in task_items[row["task_id"]] for row in rows)


def test_demo_populations_are_exactly_the_active_in_scope_entities_of_the_tasks_grades(demo, found_by, raw):
    entities, items = raw
    stated = {e.uscc for e in demo.inputs.params.exclusions}
    for task, found in zip(demo.inputs.params.tasks, found_by, strict=True):
        in_scope = {
            code for code, row in entities.items()
            if row["status"] in ACTIVE and row["grade"] in task.grades
            and any(covers(items[item], own_tags(row["tags"])) for item in task.items)
        }
        assert eligible_codes(found) | {x.uscc for x in found.excluded} == in_scope
        assert not eligible_codes(found) & {x.uscc for x in found.excluded}
        assert not eligible_codes(found) & stated
        # no earlier archive: every in-scope item of the task is inspected
        found_items = items_of(found, demo.inputs.registers)
        for code in eligible_codes(found):
            expected = tuple(item for item in task.items if covers(items[item], own_tags(entities[code]["tags"])))
            assert found_items[code] == expected
        for grade, members in population_codes(found).items():
            assert all(entities[code]["grade"] == grade for code in members)


def test_demo_populations_add_up(demo, found_by, raw):
    entities, _ = raw
    rows = list(csv.DictReader(io.StringIO(engine.draw_files(demo)["draw/populations.csv"])))
    for task, found in zip(demo.inputs.params.tasks, found_by, strict=True):
        for grade in task.grades:
            active = sum(row["grade"] == grade and row["status"] in ACTIVE for row in entities.values())
            excluded = sum(x.grade == grade for x in found.excluded)
            assert found.active[grade] == active
            assert found.in_scope[grade] == excluded + len(population_codes(found)[grade])
            assert found.in_scope[grade] <= active
            (row,) = [r for r in rows if (r["task_id"], r["grade"]) == (task.task_id, grade)]
            assert (int(row["active"]), int(row["in_scope"]), int(row["excluded"]), int(row["eligible"])) == (
                active, found.in_scope[grade], excluded, len(population_codes(found)[grade]))


def test_demo_params_exclusion_is_listed_with_its_written_reason_in_every_task_that_scopes_it(demo, found_by, raw):
    entities, items = raw
    (exclusion,) = demo.inputs.params.exclusions
    row = entities[exclusion.uscc]
    scoping = [task for task in demo.inputs.params.tasks
               if row["grade"] in task.grades and any(covers(items[i], own_tags(row["tags"])) for i in task.items)]
    assert scoping  # the demo's exclusion matters to at least one task
    for task, found in zip(demo.inputs.params.tasks, found_by, strict=True):
        reasons = excluded_reasons(found)
        if task in scoping:
            assert reasons[exclusion.uscc] == f"参数排除 (params): {exclusion.reason}"
        else:
            assert exclusion.uscc not in reasons
        assert exclusion.uscc not in eligible_codes(found)


def test_mismatches_is_empty_on_the_demo_draw(demo):
    visit_items = {visit.uscc: visit.items for visit in demo.visits}
    assert matching.mismatches(visit_items, demo.inputs.registers) == []


def test_mismatches_finds_a_planted_item_out_of_scope(demo, raw):
    entities, items = raw
    visit = next(v for v in demo.visits if "SX13" not in v.items
                 and not covers(items["SX13"], own_tags(entities[v.uscc]["tags"])))
    visit_items = {v.uscc: v.items for v in demo.visits}
    visit_items[visit.uscc] = (*visit.items, "SX13")
    assert matching.mismatches(visit_items, demo.inputs.registers) == [(visit.uscc, "SX13")]


# --- tags as a provincial export writes them -------------------------------------------------------


def test_tags_with_stray_spaces_lower_case_and_full_width_separators_are_normalised_and_match(tmp_path):
    items = [*ITEMS[:2], f"SX03,食品销售者监督检查,{D1},《食品安全法》, food_sale ； Retail ,重点", *ITEMS[3:]]
    project = write_project(tmp_path, [
        entity_row(U[0], " food_sale ; enterprise"),
        entity_row(U[1], "Food_Sale；ENTERPRISE "),
        entity_row(U[2], "retail"),
        entity_row(U[3], "ENTERPRISE"),
    ], tasks=[{"id": "T01", "items": ["SX03"]}], items=items)
    registers = load_inputs(project, Q, History()).registers
    assert registers.entities[0].tags == registers.entities[1].tags == frozenset({"FOOD_SALE", "ENTERPRISE"})
    assert registers.items["SX03"].target_tags == frozenset({"FOOD_SALE", "RETAIL"})
    (found,) = eligibility_of(project)
    assert eligible_codes(found) == {U[0], U[1], U[2]}
    assert all(found.items_for[code] == ("SX03",) for code in (U[0], U[1], U[2]))


@pytest.mark.parametrize("register, line, column, cell", [
    ("entities", 3, "tags", "ENTERPRISE;FOOD_SAEL"),
    ("items", 4, "target_tags", "FOOD_SAEL"),
])
def test_an_unknown_tag_code_is_a_register_error_naming_file_row_and_column(tmp_path, register, line, column, cell):
    entities = [entity_row(U[0], "ENTERPRISE"), entity_row(U[1], "ENTERPRISE"), entity_row(U[2], "ENTERPRISE")]
    items = list(ITEMS)
    if register == "entities":
        entities[line - 2] = entity_row(U[line - 2], cell)
    else:
        items[line - 2] = f"SX03,食品销售者监督检查,{D1},《食品安全法》,{cell},重点"
    project = write_project(tmp_path, entities, tasks=[{"id": "T01", "items": ["SX01"]}], items=items)
    with pytest.raises(RegisterError) as caught:
        load_inputs(project, Q, History())
    (problem,) = caught.value.problems
    assert (problem.file, problem.row, problem.column) == (f"registers/{Q}/{register}.csv", line, column)
    assert "FOOD_SAEL" in problem.message
    assert f"registers/{Q}/{register}.csv, row {line}, column '{column}'" in str(caught.value)


# --- scope, status and one ticket per entity --------------------------------------------------------


def test_star_scope_covers_every_active_entity_and_never_an_inactive_one(tmp_path):
    project = write_project(tmp_path, [
        entity_row(U[0], "ENTERPRISE", grade="A"),
        entity_row(U[1], "INDIVIDUAL", grade="B"),
        entity_row(U[2], "PUBLIC_VENUE", grade="C"),
        entity_row(U[3], "", grade="D"),  # no tag at all: '*' still covers it
        entity_row(U[4], "ENTERPRISE", grade="A", status="注销"),
        entity_row(U[5], "INDIVIDUAL", grade="D", status="吊销"),
        entity_row(U[6], "ENTERPRISE", grade="B", status="迁出"),
    ], tasks=[{"id": "T01", "items": ["SX99"]}])
    (found,) = eligibility_of(project)
    assert {g: [e.uscc for e in members] for g, members in found.population.items()} == {
        "A": [U[0]], "B": [U[1]], "C": [U[2]], "D": [U[3]]}
    assert found.active == {"A": 1, "B": 1, "C": 1, "D": 1}
    assert found.excluded == []
    assert all(found.items_for[code] == ("SX99",) for code in U[:4])


def test_inactive_entities_are_never_eligible_even_when_their_tags_match(tmp_path):
    project = write_project(tmp_path, [
        entity_row(U[0], "FOOD_SALE", status="注销"),
        entity_row(U[1], "FOOD_SALE", status="吊销"),
        entity_row(U[2], "FOOD_SALE", status="存续"),
    ], tasks=[{"id": "T01", "items": ["SX03", "SX99"]}])
    (found,) = eligibility_of(project)
    assert eligible_codes(found) == {U[2]}
    assert found.active["A"] == 1 and found.in_scope["A"] == 1
    assert found.excluded == []  # inactive entities are not part of the population at all


def test_an_entity_out_of_every_items_scope_is_not_eligible(tmp_path):
    project = write_project(tmp_path, [
        entity_row(U[0], "FOOD_SALE"),
        entity_row(U[1], "ENTERPRISE;RETAIL"),
        entity_row(U[2], "INDIVIDUAL;FOOD_SERVICE"),
    ], tasks=[{"id": "T01", "items": ["SX03", "SX04"]}])
    (found,) = eligibility_of(project)
    assert eligible_codes(found) == {U[0], U[2]}
    assert found.items_for == {U[0]: ("SX03",), U[2]: ("SX04",)}
    assert (found.active["A"], found.in_scope["A"]) == (3, 2)


def test_entity_matching_two_items_of_a_task_gets_one_ticket_and_both_items(tmp_path):
    project = write_project(tmp_path, [
        entity_row(U[0], "FOOD_SALE;FOOD_SERVICE"),
        entity_row(U[1], "FOOD_SALE"),
    ], tasks=[{"id": "T01", "items": ["SX03", "SX04"]}])
    (found,) = eligibility_of(project)
    assert [e.uscc for e in found.population["A"]] == [U[0], U[1]]
    assert found.items_for[U[0]] == ("SX03", "SX04")
    result = engine.run_draw(load_inputs(project, Q, History()), tmp_path)
    rows = [t for t in result.tickets() if t.uscc == U[0]]
    assert len(rows) == 1
    assert rows[0].ticket == hashlib.sha256(f"{SEED}\n{Q}-T01\n{U[0]}".encode()).hexdigest()
    (visit,) = [v for v in result.visits if v.uscc == U[0]]
    assert visit.items == ("SX03", "SX04")
    evidence = [r for r in csv.DictReader(io.StringIO(engine.draw_files(result)["draw/match.csv"]))
                if r["uscc"] == U[0]]
    assert {(r["item_id"], r["qualifying_tags"]) for r in evidence} == {("SX03", "FOOD_SALE"), ("SX04", "FOOD_SERVICE")}


def test_only_the_tasks_grades_are_counted(tmp_path):
    project = write_project(tmp_path, [
        entity_row(U[0], "FOOD_SALE", grade="C"),
        entity_row(U[1], "FOOD_SALE", grade="D"),
        entity_row(U[2], "FOOD_SALE", grade="A"),
    ], tasks=[{"id": "T01", "items": ["SX03"], "grades": ["C"]}])
    (found,) = eligibility_of(project)
    assert set(found.population) == {"C"} and [e.uscc for e in found.population["C"]] == [U[0]]
    assert found.active == {"C": 1}


# --- exclusions stated in the params ----------------------------------------------------------------


def test_params_exclusion_for_all_tasks_removes_the_entity_with_its_written_reason(tmp_path):
    project = write_project(tmp_path, [
        entity_row(U[0], "ENTERPRISE;FOOD_SALE"),
        entity_row(U[1], "ENTERPRISE;FOOD_SALE"),
        entity_row(U[2], "INDIVIDUAL"),  # excluded, but out of T02's scope: nothing to list there
    ], tasks=[{"id": "T01", "items": ["SX01", "SX02"]}, {"id": "T02", "items": ["SX03"]}],
        exclusions=[{"uscc": U[0], "reason": "已立案调查"}, {"uscc": U[2], "reason": "正在整改"}])
    first, second = eligibility_of(project)
    assert eligible_codes(first) == {U[1]} and eligible_codes(second) == {U[1]}
    assert [(x.task_id, x.grade, x.uscc, x.reason) for x in first.excluded] == [
        (f"{Q}-T01", "A", U[0], "参数排除 (params): 已立案调查"),
        (f"{Q}-T01", "A", U[2], "参数排除 (params): 正在整改")]
    assert [(x.task_id, x.uscc, x.reason) for x in second.excluded] == [
        (f"{Q}-T02", U[0], "参数排除 (params): 已立案调查")]
    for found in (first, second):
        assert found.in_scope["A"] == len(found.excluded) + len(found.population["A"])
        assert found.active["A"] == 3
    assert (first.in_scope["A"], second.in_scope["A"]) == (3, 2)


def test_params_exclusion_limited_to_one_task_leaves_the_entity_in_the_others(tmp_path):
    project = write_project(tmp_path, [
        entity_row(U[0], "ENTERPRISE;FOOD_SALE"),
        entity_row(U[1], "ENTERPRISE"),
    ], tasks=[{"id": "T01", "items": ["SX01"]}, {"id": "T02", "items": ["SX03"]}],
        exclusions=[{"uscc": U[0], "reason": "本季度另行专项检查", "tasks": [f"{Q}-T02"]}])
    first, second = eligibility_of(project)
    assert eligible_codes(first) == {U[0], U[1]} and first.excluded == []
    assert eligible_codes(second) == set()
    assert excluded_reasons(second) == {U[0]: "参数排除 (params): 本季度另行专项检查"}
    assert (second.active["A"], second.in_scope["A"], len(second.population["A"])) == (2, 1, 0)


# --- frequency caps counted from earlier archives ---------------------------------------------------


def past(quarter_name: str, code: str, *items: str) -> PastVisit:
    return PastVisit(quarter_name, f"{quarter_name}-V0001", code, items, ("41040020100001", "41040020100002"))


def test_per_year_cap_excludes_with_a_reason_naming_the_year(tmp_path):
    project = write_project(tmp_path, [
        entity_row(U[0], "ENTERPRISE"),
        entity_row(U[1], "ENTERPRISE"),
        entity_row(U[2], "ENTERPRISE"),
    ], tasks=[{"id": "T01", "items": ["SX01"]}], frequency={"per_year": 1})
    history = History((past("2026Q1", U[0], "SX04"),  # a visit for another item still counts as a visit
                       past("2025Q4", U[1], "SX01"), past("2025Q3", U[1], "SX01")))
    (found,) = eligibility_of(project, history)
    assert eligible_codes(found) == {U[1], U[2]}
    (excluded,) = found.excluded
    assert excluded.uscc == U[0]
    assert excluded.reason.startswith("频次上限 (frequency cap)")
    assert "2026" in excluded.reason and "2025" not in excluded.reason
    assert "1 次" in excluded.reason


def test_per_year_cap_counts_only_up_to_the_cap(tmp_path):
    project = write_project(tmp_path, [entity_row(U[0], "ENTERPRISE"), entity_row(U[1], "ENTERPRISE")],
                            tasks=[{"id": "T01", "items": ["SX01"]}], frequency={"per_year": 2})
    history = History((past("2026Q1", U[0], "SX01"), past("2026Q1", U[1], "SX03"), past("2026Q2", U[1], "SX04")))
    (found,) = eligibility_of(project, history)
    assert eligible_codes(found) == {U[0]}
    assert list(excluded_reasons(found)) == [U[1]]
    assert "2026" in excluded_reasons(found)[U[1]]


def test_per_item_cap_removes_only_the_capped_item(tmp_path):
    project = write_project(tmp_path,
                            [entity_row(U[0], "ENTERPRISE;FOOD_SALE"), entity_row(U[1], "ENTERPRISE;FOOD_SALE")],
                            tasks=[{"id": "T01", "items": ["SX01", "SX03"]}], frequency={"per_item_per_year": 1})
    history = History((past("2026Q2", U[0], "SX03"),))
    (found,) = eligibility_of(project, history)
    assert eligible_codes(found) == {U[0], U[1]}
    assert found.items_for == {U[0]: ("SX01",), U[1]: ("SX01", "SX03")}
    assert found.excluded == []
    result = engine.run_draw(load_inputs(project, Q, history), tmp_path)
    assert {v.uscc: v.items for v in result.visits} == {U[0]: ("SX01",), U[1]: ("SX01", "SX03")}


def test_per_item_cap_excludes_the_entity_once_all_its_in_scope_items_are_capped(tmp_path):
    project = write_project(tmp_path, [entity_row(U[0], "ENTERPRISE;FOOD_SALE")],
                            tasks=[{"id": "T01", "items": ["SX01", "SX03", "SX04"]}],  # SX04 is out of its scope
                            frequency={"per_item_per_year": 1})
    history = History((past("2026Q1", U[0], "SX01"), past("2026Q2", U[0], "SX03", "SX13")))
    (found,) = eligibility_of(project, history)
    assert eligible_codes(found) == set() and U[0] not in found.items_for
    (excluded,) = found.excluded
    assert excluded.uscc == U[0]
    assert "SX01" in excluded.reason and "SX03" in excluded.reason and "SX04" not in excluded.reason
    assert "2026" in excluded.reason
    assert (found.in_scope["A"], len(found.population["A"])) == (1, 0)


def test_per_item_cap_of_two_allows_a_second_draw_of_the_item(tmp_path):
    project = write_project(tmp_path, [entity_row(U[0], "ENTERPRISE"), entity_row(U[1], "ENTERPRISE")],
                            tasks=[{"id": "T01", "items": ["SX01"]}], frequency={"per_item_per_year": 2})
    history = History((past("2026Q1", U[0], "SX01"), past("2026Q1", U[1], "SX01"), past("2026Q2", U[1], "SX01")))
    (found,) = eligibility_of(project, history)
    assert eligible_codes(found) == {U[0]}
    assert list(excluded_reasons(found)) == [U[1]]


def test_visits_of_another_year_count_for_no_cap(tmp_path):
    project = write_project(tmp_path, [entity_row(U[0], "ENTERPRISE;FOOD_SALE")],
                            tasks=[{"id": "T01", "items": ["SX01", "SX03"]}],
                            frequency={"per_year": 1, "per_item_per_year": 1})
    history = History((past("2025Q4", U[0], "SX01", "SX03"), past("2025Q2", U[0], "SX01"),
                       past("2027Q1", U[0], "SX01", "SX03"), past("demo-2026Q4", U[0], "SX01", "SX03")))
    # demo-2026Q4 is of 2026: it is the one visit of the draw's year
    (found,) = eligibility_of(project, History(history.visits[:3]))
    assert eligible_codes(found) == {U[0]} and found.items_for[U[0]] == ("SX01", "SX03")
    (found,) = eligibility_of(project, history)
    assert eligible_codes(found) == set() and "2026" in excluded_reasons(found)[U[0]]


def test_params_exclusion_is_reported_before_a_frequency_cap(tmp_path):
    project = write_project(tmp_path, [entity_row(U[0], "ENTERPRISE")], tasks=[{"id": "T01", "items": ["SX01"]}],
                            frequency={"per_year": 1}, exclusions=[{"uscc": U[0], "reason": "已立案调查"}])
    (found,) = eligibility_of(project, History((past("2026Q1", U[0], "SX01"),)))
    assert [x.reason for x in found.excluded] == ["参数排除 (params): 已立案调查"]  # listed once, not twice
