"""Eligibility as columns (protocol v1, "Eligibility"): what the draw and the freeze run, a task at a time
over the entities register's columns, with no Python object per entity.

``tests/oracle/matching.py`` is the readable reference: one ``Entity`` at a time. This gives the same
populations, the same exclusions with the same reasons in the same order, each stratum's entities in
register order, and the same items for each of them:

- the task's grades, the status and the scope are decided once per distinct grade and tag combination
  (``matching.Rules.scoped``), then taken for every row;
- the entities that could be excluded (the params name them, or a frequency cap counts their visits
  of the year: the drawn entities of earlier quarters, thousands) are judged one by one, as objects, by
  ``matching.Rules.judge``, the reference's own rule;
- every other entity in scope is eligible for the items of its tag combination.

``tests/test_eligibility.py`` compares every task's result with the reference on the demo, the kept
draw-v1 archive and random registers with exclusions, caps and a history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute  # noqa: F401 -- pa.compute

from .history import History
from .matching import Excluded, Population, Qualified, Rules, qualifying_tags
from .params import Params, Task
from .registers import Entities, Entity, Registers
from .registers.entities import key_tags


@dataclass(frozen=True)
class TaskEligibility:
    """One task's eligible population per grade, as columns (``strata``: grade -> USCCs, in register order)."""

    task_id: str
    rules: Rules
    strata: dict[str, pa.Array]
    eligible: pa.Array  # per register row: whether it is eligible (in any grade)
    active: dict[str, int]  # grade -> active entities, before matching
    in_scope: dict[str, int]  # grade -> active entities meeting the scope of an item
    excluded: list[Excluded]
    judged: dict[str, tuple[str, ...]]  # the items of the eligible entities judged one by one (a cap may drop some)

    def populations(self) -> list[Population]:
        return [Population(self.task_id, grade, self.active[grade], self.in_scope[grade],
                           sum(x.grade == grade for x in self.excluded), len(self.strata[grade]))
                for grade in self.strata]

    def items_for(self, entity: Entity) -> tuple[str, ...]:
        """The task's items an eligible entity is inspected for."""
        found = self.judged.get(entity.uscc)
        return found if found is not None else tuple(item.item_id for item in self.rules.scoped(entity.tags))

    def qualified(self, entity: Entity, registers: Registers) -> list[Qualified]:
        """For a drawn entity: the tags that qualified it for each of its items in this task."""
        return [Qualified(self.task_id, entity.uscc, item,
                          tuple(sorted(qualifying_tags(entity, registers.items[item]))))
                for item in self.items_for(entity)]


def per_value(column: pa.Array, test: Callable[[str], bool]) -> pa.Array:
    """Per row of a dictionary-encoded column: ``test`` of its value, run once per distinct value."""
    flags = pa.array([test(value) for value in column.dictionary.to_pylist()], pa.bool_())
    return pa.compute.take(flags, column.indices)


def of_task(task: Task, registers: Registers, params: Params, history: History, year: int) -> TaskEligibility:
    ("The task's eligible population per grade, with the reason for every exclusion (as the reference, "
     "``tests/oracle/matching.py``).")
    rules = Rules.of(task, registers, params, history, year)
    entities: Entities = registers.entities
    grades, tags, codes = entities.column("grade"), entities.column("tags"), entities.column("uscc")
    in_task = pa.compute.and_(entities.column("active"), per_value(grades, lambda grade: grade in task.grades))
    in_scope = pa.compute.and_(in_task, per_value(tags, lambda key: bool(rules.scoped(key_tags(key)))))
    of_grade = {grade: per_value(grades, grade.__eq__) for grade in task.grades}
    candidates = set(rules.stated) | (history.visited(year) if params.frequency.per_year is not None
                                      or params.frequency.per_item_per_year is not None else set())
    judging = pa.compute.and_(in_scope, pa.compute.is_in(codes, pa.array(sorted(candidates), pa.string())))
    excluded: list[Excluded] = []
    judged: dict[str, tuple[str, ...]] = {}
    for entity in entities.where(judging):  # register order, as the reference meets them
        reason, allowed = rules.judge(entity, rules.scoped(entity.tags))
        if reason:
            excluded.append(Excluded(task.task_id, entity.grade, entity.uscc, reason))
        else:
            judged[entity.uscc] = allowed
    eligible = pa.compute.and_(in_scope, pa.compute.invert(
        pa.compute.is_in(codes, pa.array([x.uscc for x in excluded], pa.string()))))
    return TaskEligibility(
        task.task_id, rules,
        {grade: codes.filter(pa.compute.and_(eligible, of_grade[grade])) for grade in task.grades},
        eligible,
        {grade: _count(pa.compute.and_(in_task, of_grade[grade])) for grade in task.grades},
        {grade: _count(pa.compute.and_(in_scope, of_grade[grade])) for grade in task.grades},
        excluded, judged)


def _count(mask: pa.Array) -> int:
    return int(pa.compute.sum(mask.cast(pa.int64())).as_py() or 0)


def of_quarter(registers: Registers, params: Params, history: History, year: int) -> list[TaskEligibility]:
    """Every task's eligibility, in the params' order."""
    return [of_task(task, registers, params, history, year) for task in params.tasks]
