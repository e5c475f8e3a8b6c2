"""Visits and the second random: drawing the inspectors (protocol v1, "Inspectors").

One visit per entity (进一次门、查多项): when several tasks draw the same entity, it is
one visit listing all its items, the departments responsible for them joined. The
visit is ordered by the first task that drew the entity (smallest task id) and that
task's ticket; visits are served in that order.

For each department of a visit, candidates are that department's certified
inspectors minus every conflict of interest: a declared conflict with the entity,
the entity's own home unit when cross-unit inspection (所所交叉) is on, and an
inspector of the entity's previous visit (from earlier archives). Candidates are
ordered by ``H(seed ⏎ T ⏎ u ⏎ i)``; the lowest ``per_department`` go (at least two:
执法人员不少于两人).

Workload cap (soft; protocol v1, "Inspectors"): for each department,
``cap = ceil(demand / certified inspectors) + workload_slack``, where demand is
``per_department`` times the number of visits involving the department. A candidate
at the cap is passed over while enough candidates under the cap remain; when they do
not, the places left go to the candidates at or over the cap, lowest ticket first, and
the visit is a cap exception (``draw/cap_exceptions.csv``). The cap never makes a draw
fail and never overrides a conflict rule.

Feasibility is proved at the freeze, before the seed exists (the ``feasibility`` module): the
conflict rules do not depend on the seed, so every entity that could be drawn must keep
at least ``per_department`` candidates in every department of its items.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from .errors import InspectorShortfall
from .formulas import inspector_tickets
from .history import History
from .params import Inspection
from .registers import Inspector, Registers

CONFLICT_RULES = ("conflict", "home_unit", "previous_visit")  # never broken, whatever the cap
RULES = (*CONFLICT_RULES, "workload_cap")
RULE_NAMES = {
    "conflict": "申报的利害关系回避 (declared conflict)",
    "home_unit": "所所交叉：本所人员回避 (same home unit)",
    "previous_visit": "不与上次检查人员相同 (inspected this entity last time)",
    "workload_cap": "工作量上限，未列为例外 (over the workload cap, not a listed cap exception)",
    "uncertified": "未持执法证 (not certified)",
    "department": "非事项责任部门 (not of a responsible department)",
    "too_few": "每部门不少于规定人数 (fewer than per_department)",
    "not_over_cap": "列为例外但未达上限 (listed as a cap exception, but under the cap)",
}


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True)
class CapException:
    """A place filled by an inspector at or over the department's workload cap, because fewer than
    ``per_department`` candidates under the cap remained (protocol v1, "Workload cap (soft)")."""

    visit_id: str
    uscc: str
    department: str
    cert_no: str
    load: int  # the inspector's visits before this one
    cap: int
    under_cap: int  # the candidates under the cap that remained for this visit and department


@dataclass
class Assignment:
    """The inspectors' loads under the departments' caps, and the cap exceptions."""

    caps: dict[str, int]
    loads: Counter = field(default_factory=Counter)
    exceptions: list[CapException] = field(default_factory=list)


@dataclass(frozen=True)
class InspectorLoad:
    """An inspector's visits after the draw, against the department's cap (``draw/inspector_load.csv``)."""

    cert_no: str
    name: str
    department: str
    unit: str
    certified: bool
    visits: int
    cap: int | None  # None: the department had no visit


def loads(registers: Registers, assignment: Assignment) -> list[InspectorLoad]:
    """Every inspector of the register, in register order, with the visits the draw gave them."""
    return [InspectorLoad(i.cert_no, i.name, i.department, i.unit, i.certified, assignment.loads[i.cert_no],
                          assignment.caps.get(i.department)) for i in registers.inspectors.values()]


def caps_of(rows: Iterable[InspectorLoad]) -> dict[str, int]:
    """Each department's workload cap, as the draw computed it."""
    return {row.department: row.cap for row in rows if row.cap is not None}


@dataclass(frozen=True)
class Shortfall:
    """An entity that could be drawn, left with too few candidates in a department by the conflict rules."""

    task_id: str
    uscc: str
    unit: str
    department: str
    certified: int
    left: int
    removed: Counter

    def __str__(self) -> str:
        ran_out = ", ".join(f"{RULE_NAMES[rule]} removed {self.removed[rule]}" for rule in CONFLICT_RULES
                            if self.removed[rule])
        return (f"entity {self.uscc} (home unit {self.unit}), eligible in task {self.task_id}: department "
                f"{self.department} has {self.certified} certified inspector(s), {self.left} left after the rules "
                f"({ran_out or 'no rule removed any'})")


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
    return [Visit(f"{quarter}-V{number:04d}", v.uscc, v.task_id, v.ticket, v.tasks, v.items, v.departments, v.batch)
            for number, v in enumerate(visits, start=first_number)]


def certified(registers: Registers, department: str) -> list[Inspector]:
    return [i for i in registers.inspectors.values() if i.certified and i.department == department]


def workload_caps(visits: list[Visit], registers: Registers, rules: Inspection) -> dict[str, int]:
    """Per department: ceil(per_department x visits involving it / certified inspectors) + slack."""
    demand = Counter(department for visit in visits for department in visit.departments)
    caps = {}
    for department, count in sorted(demand.items()):
        staff = len(certified(registers, department))
        if staff == 0:
            raise InspectorShortfall(f"department {department} is responsible for {count} visit(s) but has no "
                              "certified inspector in the inspectors register")
        caps[department] = -(-(count * rules.per_department) // staff) + rules.workload_slack
    return caps


def allowed(registers: Registers, department: str, uscc: str, unit: str, rules: Inspection, previous: Collection[str],
            conflicts: Collection[tuple[str, str]],
            staff: list[Inspector] | None = None) -> tuple[list[Inspector], Counter]:
    """The department's certified inspectors that the conflict rules allow for the entity ``uscc`` of home unit
    ``unit``, and how many each rule removed (``previous``: the inspectors of the entity's last visit;
    ``staff``: the department's certified inspectors, when the caller has them already)."""
    removed: Counter = Counter()
    found = []
    for inspector in certified(registers, department) if staff is None else staff:
        if (inspector.cert_no, uscc) in conflicts:
            removed["conflict"] += 1
        elif rules.cross_unit and inspector.unit == unit:
            removed["home_unit"] += 1
        elif inspector.cert_no in previous:
            removed["previous_visit"] += 1
        else:
            found.append(inspector)
    return found, removed


def previous_inspectors(history: History, uscc: str) -> frozenset[str]:
    last = history.last_visit(uscc)
    return frozenset(last.inspectors) if last else frozenset()


def assign(seed: str, visits: list[Visit], registers: Registers, rules: Inspection, history: History,
           assignment: Assignment) -> list[Visit]:
    """Draw each visit's inspectors, in order; updates ``assignment`` (loads, cap exceptions)."""
    entities = registers.entities.lookup(visit.uscc for visit in visits)
    conflicts = {(c.cert_no, c.uscc) for c in registers.conflicts}
    staff = {department: certified(registers, department) for department in {d for v in visits for d in v.departments}}
    done = []
    for visit in visits:
        entity = entities[visit.uscc]
        previous = previous_inspectors(history, visit.uscc)
        chosen: list[str] = []
        for department in visit.departments:
            people, removed = allowed(registers, department, entity.uscc, entity.unit, rules, previous, conflicts,
                                      staff[department])
            if len(people) < rules.per_department:  # the freeze proves this never happens (``feasibility``)
                shortfall = Shortfall(visit.task_id, visit.uscc, entity.unit, department,
                                      len(certified(registers, department)), len(people), removed)
                raise InspectorShortfall(f"visit {visit.visit_id}: {shortfall}; {rules.per_department} are needed. "
                                  "The freeze should have refused these inputs: run 'make freeze' on them.")
            cap = assignment.caps[department]
            ranked = inspector_tickets(seed, visit.task_id, visit.uscc, (i.cert_no for i in people))
            under = [cert_no for _, cert_no in ranked if assignment.loads[cert_no] < cap]
            team = under[: rules.per_department]
            if len(team) < rules.per_department:
                over = [cert_no for _, cert_no in ranked if assignment.loads[cert_no] >= cap]
                for cert_no in over[: rules.per_department - len(team)]:
                    assignment.exceptions.append(CapException(visit.visit_id, visit.uscc, department, cert_no,
                                                              assignment.loads[cert_no], cap, len(under)))
                    team.append(cert_no)
            for cert_no in team:
                chosen.append(cert_no)
                assignment.loads[cert_no] += 1
        done.append(Visit(visit.visit_id, visit.uscc, visit.task_id, visit.ticket, visit.tasks, visit.items,
                          visit.departments, visit.batch, tuple(chosen)))
    return done


def violations(visits: list[Visit], registers: Registers, rules: Inspection, history: History,
               caps: dict[str, int], exceptions: Iterable[CapException] = ()) -> dict[str, list[tuple[str, str]]]:
    """Independent re-check of drawn inspectors: (visit, inspector) pairs breaking each rule.

    Every list must be empty; the notebook shows the counts as evidence. A place taken at or
    over the department's cap must be a listed cap exception, and a listed exception must be
    at or over the cap (loads counted in visit order).
    """
    entities = registers.entities.lookup(visit.uscc for visit in visits)
    conflicts = {(c.cert_no, c.uscc) for c in registers.conflicts}
    listed = {(e.visit_id, e.cert_no) for e in exceptions}
    found: dict[str, list[tuple[str, str]]] = {rule: [] for rule in (*RULES, "uncertified", "department", "too_few",
                                                                      "not_over_cap")}
    loads: Counter = Counter()
    for visit in visits:
        entity = entities[visit.uscc]
        last = history.last_visit(visit.uscc)
        for cert_no in visit.inspectors:
            inspector = registers.inspectors[cert_no]
            over = loads[cert_no] >= caps.get(inspector.department, 0)
            if over and (visit.visit_id, cert_no) not in listed:
                found["workload_cap"].append((visit.visit_id, cert_no))
            if not over and (visit.visit_id, cert_no) in listed:
                found["not_over_cap"].append((visit.visit_id, cert_no))
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
    found["not_over_cap"] += sorted(listed - {(v.visit_id, c) for v in visits for c in v.inspectors})
    return found
