"""Matching entities to inspection items (检查对象与抽查检查事项相统一).

Zhanhe plan, section 3.2: drawn objects must match the inspection items.
An item's scope is its set of target tags ('*' covers every entity); an
entity meets it when it carries at least one of them. This module is the
one place that decides a task's eligible population (protocol v1,
"Eligibility").
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import DrawRefused
from .params import Task
from .registers import ALL_ENTITIES, Entity, Item, Registers


def qualifying_tags(entity: Entity, item: Item) -> frozenset[str]:
    """The entity's tags that put it in the item's scope (empty when it is out of scope)."""
    if ALL_ENTITIES in item.target_tags:
        return entity.tags or frozenset({ALL_ENTITIES})
    return entity.tags & item.target_tags


def in_scope(entity: Entity, item: Item) -> bool:
    return bool(qualifying_tags(entity, item))


@dataclass(frozen=True)
class Eligibility:
    task_id: str
    population: dict[str, list[Entity]]  # grade -> eligible entities, in register order


def task_items(task: Task, registers: Registers) -> list[Item]:
    missing = [item for item in task.items if item not in registers.items]
    if missing:
        raise DrawRefused(
            f"task {task.task_id} names inspection items {', '.join(missing)} that are not in the items register"
        )
    return [registers.items[item] for item in task.items]


def eligible(task: Task, registers: Registers) -> Eligibility:
    """Active entities of the task's grades that meet the scope of at least one of its items.

    An entity matching several of the task's items appears once.
    """
    items = task_items(task, registers)
    population: dict[str, list[Entity]] = {grade: [] for grade in task.grades}
    for entity in registers.entities:
        if entity.active and entity.grade in population and any(in_scope(entity, item) for item in items):
            population[entity.grade].append(entity)
    return Eligibility(task.task_id, population)
