"""Visits and the second random: drawing the inspectors (protocol v1, "Inspectors").

One visit per entity (进一次门、查多项): when several tasks draw the same entity, it is
one visit listing all its items, the departments responsible for them joined. The
visit is ordered by the first task that drew the entity (smallest task id) and that
task's ticket; visits are served in that order.

For each department of a visit, candidates are that department's certified
inspectors minus every conflict of interest: a declared conflict with the entity,
the entity's own home unit when cross-unit inspection (所所交叉) is on, an inspector
of the entity's previous visit (from earlier archives), and anyone at the workload
cap. Candidates are ordered by ``H(seed ⏎ T ⏎ u ⏎ i)``; the lowest ``per_department``
go (at least two: 执法人员不少于两人).

Workload cap (the project's rule, deterministic): for each department,
``cap = ceil(demand / certified inspectors) + workload_slack``, where demand is
``per_department`` times the number of visits involving the department. When the
rules leave too few candidates the draw stops with an error naming the visit, the
department and how many candidates each rule removed; it never runs short silently.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .draw import inspector_ticket
from .errors import DrawRefused
from .history import History
from .params import Inspection
from .registers import Inspector, Registers

RULES = ("conflict", "home_unit", "previous_visit", "workload_cap")
RULE_NAMES = {
    "conflict": "申报的利害关系回避 (declared conflict)",
    "home_unit": "所所交叉：本所人员回避 (same home unit)",
    "previous_visit": "不与上次检查人员相同 (inspected this entity last time)",
    "workload_cap": "工作量上限 (workload cap)",
    "uncertified": "未持执法证 (not certified)",
    "department": "非事项责任部门 (not of a responsible department)",
    "too_few": "每部门不少于规定人数 (fewer than per_department)",
}


@dataclass(frozen=True)
class Visit:
    visit_id: str
    uscc: str
    task_id: str  # the first task that drew the entity: its ticket orders the visits
    ticket: str
    tasks: tuple[str, ...]
    items: tuple[str, ...]
    departments: tuple[str, ...]
    batch: int | None
    inspectors: tuple[str, ...] = ()


@dataclass
class Assignment:
    """The inspectors' loads and how often each rule removed a candidate."""

    caps: dict[str, int]
    loads: Counter = field(default_factory=Counter)
    removed: Counter = field(default_factory=Counter)


def plan_visits(quarter: str, drawn: list[tuple[str, str, str, int | None, tuple[str, ...]]],
                registers: Registers, first_number: int = 1) -> list[Visit]:
    """Visits for the drawn ``(task_id, uscc, ticket, batch, items)``, one per entity, in serving order."""
    by_entity: dict[str, list] = {}
    for row in drawn:
        by_entity.setdefault(row[1], []).append(row)
    visits = []
    for rows in by_entity.values():
        rows.sort()
        first = rows[0]
        items = tuple(sorted({item for row in rows for item in row[4]}))
        departments = tuple(sorted({registers.items[item].department for item in items}))
        visits.append(Visit("", first[1], first[0], first[2], tuple(row[0] for row in rows), items, departments,
                            first[3]))
    visits.sort(key=lambda visit: (visit.task_id, visit.ticket, visit.uscc))
    return [Visit(f"{quarter}-V{number:04d}", *fields(visit)[1:])
            for number, visit in enumerate(visits, start=first_number)]


def fields(visit: Visit) -> tuple:
    return (visit.visit_id, visit.uscc, visit.task_id, visit.ticket, visit.tasks, visit.items, visit.departments,
            visit.batch, visit.inspectors)


def certified(registers: Registers, department: str) -> list[Inspector]:
    return [i for i in registers.inspectors.values() if i.certified and i.department == department]


def workload_caps(visits: list[Visit], registers: Registers, rules: Inspection) -> dict[str, int]:
    """Per department: ceil(per_department x visits involving it / certified inspectors) + slack."""
    demand = Counter(department for visit in visits for department in visit.departments)
    caps = {}
    for department, count in sorted(demand.items()):
        staff = len(certified(registers, department))
        if staff == 0:
            raise DrawRefused(f"department {department} is responsible for {count} visit(s) but has no certified "
                              "inspector in the inspectors register")
        caps[department] = -(-(count * rules.per_department) // staff) + rules.workload_slack
    return caps


def assign(seed: str, visits: list[Visit], registers: Registers, rules: Inspection, history: History,
           assignment: Assignment) -> list[Visit]:
    """Draw each visit's inspectors, in order; updates ``assignment`` (loads, rule counts)."""
    entities = {entity.uscc: entity for entity in registers.entities}
    conflicts = {(c.cert_no, c.uscc) for c in registers.conflicts}
    done = []
    for visit in visits:
        entity = entities[visit.uscc]
        last = history.last_visit(visit.uscc)
        previous = set(last.inspectors) if last else set()
        chosen: list[str] = []
        for department in visit.departments:
            pool = certified(registers, department)
            removed = Counter()
            candidates = []
            for inspector in pool:
                if (inspector.cert_no, visit.uscc) in conflicts:
                    removed["conflict"] += 1
                elif rules.cross_unit and inspector.unit == entity.unit:
                    removed["home_unit"] += 1
                elif inspector.cert_no in previous:
                    removed["previous_visit"] += 1
                elif assignment.loads[inspector.cert_no] >= assignment.caps[department]:
                    removed["workload_cap"] += 1
                else:
                    candidates.append((inspector_ticket(seed, visit.task_id, visit.uscc, inspector.cert_no),
                                       inspector.cert_no))
            if len(candidates) < rules.per_department:
                ran_out = ", ".join(f"{RULE_NAMES[rule]} removed {removed[rule]}" for rule in RULES if removed[rule])
                raise DrawRefused(
                    f"visit {visit.visit_id} (entity {visit.uscc}, home unit {entity.unit}): department {department} "
                    f"has {len(pool)} certified inspector(s), {len(candidates)} left after the rules "
                    f"({ran_out or 'no rule removed any'}); {rules.per_department} are needed. "
                    "Add certified inspectors, or raise 'inspection.workload_slack' in the params if the cap ran out; "
                    "the params are frozen with the registers, so either means freezing again and a new seed. "
                    "Anyone can reproduce this refusal from the same inputs."
                )
            assignment.removed.update(removed)
            for _, cert_no in sorted(candidates)[: rules.per_department]:
                chosen.append(cert_no)
                assignment.loads[cert_no] += 1
        done.append(Visit(*fields(visit)[:-1], tuple(chosen)))
    return done


def violations(visits: list[Visit], registers: Registers, rules: Inspection, history: History,
               caps: dict[str, int]) -> dict[str, list[tuple[str, str]]]:
    """Independent re-check of drawn inspectors: (visit, inspector) pairs breaking each rule.

    Every list must be empty; the notebook shows the counts as evidence.
    """
    entities = {entity.uscc: entity for entity in registers.entities}
    conflicts = {(c.cert_no, c.uscc) for c in registers.conflicts}
    found: dict[str, list[tuple[str, str]]] = {rule: [] for rule in (*RULES, "uncertified", "department", "too_few")}
    loads: Counter = Counter()
    for visit in visits:
        entity = entities[visit.uscc]
        last = history.last_visit(visit.uscc)
        for cert_no in visit.inspectors:
            inspector = registers.inspectors[cert_no]
            loads[cert_no] += 1
            if (cert_no, visit.uscc) in conflicts:
                found["conflict"].append((visit.visit_id, cert_no))
            if rules.cross_unit and inspector.unit == entity.unit:
                found["home_unit"].append((visit.visit_id, cert_no))
            if last and cert_no in last.inspectors:
                found["previous_visit"].append((visit.visit_id, cert_no))
            if not inspector.certified:
                found["uncertified"].append((visit.visit_id, cert_no))
            if inspector.department not in visit.departments:
                found["department"].append((visit.visit_id, cert_no))
        for department in visit.departments:
            sent = sum(registers.inspectors[c].department == department for c in visit.inspectors)
            if sent < rules.per_department:
                found["too_few"].append((visit.visit_id, department))
    for cert_no, load in loads.items():
        if load > caps.get(registers.inspectors[cert_no].department, 0):
            found["workload_cap"].append(("", cert_no))
    return found
