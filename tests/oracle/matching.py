"""Eligibility one entity at a time (protocol v1, "Eligibility"): the reference ``eligibility.of_task`` is
compared with. It judges each entity with the product's own ``matching.Rules``."""

from __future__ import annotations

from dataclasses import dataclass

from zhanhe_audit.history import History
from zhanhe_audit.matching import Excluded, Population, Qualified, Rules, qualifying_tags
from zhanhe_audit.params import Params, Task
from zhanhe_audit.registers import Entity, Registers


@dataclass(frozen=True)
class Eligibility:
    task_id: str
    population: dict[str, list[Entity]]  # grade -> eligible entities, in register order
    items_for: dict[str, tuple[str, ...]]  # uscc -> the task's items it is inspected for
    active: dict[str, int]  # grade -> active entities, before matching
    in_scope: dict[str, int]  # grade -> active entities meeting the scope of an item
    excluded: list[Excluded]

    def populations(self) -> list[Population]:
        return [Population(self.task_id, grade, self.active[grade], self.in_scope[grade],
                           sum(x.grade == grade for x in self.excluded), len(self.population[grade]))
                for grade in self.population]

    def qualified(self, entity: Entity, registers: Registers) -> list[Qualified]:
        """For a drawn entity: the tags that qualified it for each of its items in this task."""
        return [Qualified(self.task_id, entity.uscc, item,
                          tuple(sorted(qualifying_tags(entity, registers.items[item]))))
                for item in self.items_for[entity.uscc]]



def eligible(task: Task, registers: Registers, params: Params, history: History, year: int) -> Eligibility:
    """The task's eligible population per grade, with the reason for every exclusion: the readable reference,
    one entity at a time (``eligibility.of_task`` gives the same as columns, for the draw).

    An entity matching several of the task's items appears once; it is inspected for
    each matching item that its frequency cap still allows.
    """
    rules = Rules.of(task, registers, params, history, year)
    population: dict[str, list[Entity]] = {grade: [] for grade in task.grades}
    active = dict.fromkeys(task.grades, 0)
    matched = dict.fromkeys(task.grades, 0)
    items_for: dict[str, tuple[str, ...]] = {}
    excluded: list[Excluded] = []
    for entity in registers.entities:
        if not entity.active or entity.grade not in population:
            continue
        active[entity.grade] += 1
        scoped = rules.scoped(entity.tags)
        if not scoped:
            continue
        matched[entity.grade] += 1
        reason, allowed = rules.judge(entity, scoped)
        if reason:
            excluded.append(Excluded(task.task_id, entity.grade, entity.uscc, reason))
            continue
        population[entity.grade].append(entity)
        items_for[entity.uscc] = allowed
    return Eligibility(task.task_id, population, items_for, active, matched, excluded)


