"""Feasibility a (task, entity) pair at a time (protocol v1, "Inspectors"): the reference
``feasibility.feasibility`` is compared with."""

from __future__ import annotations

from collections.abc import Iterable

from zhanhe_audit.feasibility import Feasibility
from zhanhe_audit.history import History
from zhanhe_audit.inspectors import Shortfall, allowed, certified, previous_inspectors
from zhanhe_audit.params import Inspection
from zhanhe_audit.registers import Registers


def feasibility(task_items: Iterable[tuple[str, str, tuple[str, ...]]], registers: Registers, rules: Inspection,
                history: History) -> Feasibility:
    """Whether every entity that could be drawn keeps ``per_department`` candidates in each department of
    its items; ``task_items`` are ``(task_id, uscc, items)`` of every eligible entity.

    None of the rules depends on the seed, so the freeze runs this before the seed exists. The
    count depends only on the department and the home unit for an entity without a declared
    conflict or a previous visit; those are counted once per (department, unit).
    """
    entities = {entity.uscc: entity for entity in registers.entities}
    conflicts = {(c.cert_no, c.uscc) for c in registers.conflicts}
    special = {c.uscc for c in registers.conflicts} | {visit.uscc for visit in history.visits}
    common: dict[tuple[str, str], int] = {}
    seen: set[tuple[str, str]] = set()
    counts: list[int] = []
    found = []
    for task_id, uscc, items in task_items:
        entity = entities[uscc]
        for department in sorted({registers.items[item].department for item in items}):
            if (uscc, department) in seen:
                continue
            seen.add((uscc, department))
            key = (department, entity.unit)
            if uscc not in special and key in common and common[key] >= rules.per_department:
                continue
            people, removed = allowed(registers, department, uscc, entity.unit, rules,
                                      previous_inspectors(history, uscc), conflicts)
            counts.append(len(people))
            if uscc not in special:
                common[key] = len(people)
            if len(people) < rules.per_department:
                found.append(Shortfall(task_id, uscc, entity.unit, department,
                                       len(certified(registers, department)), len(people), removed))
    return Feasibility(len(seen), min(counts, default=None), found)


