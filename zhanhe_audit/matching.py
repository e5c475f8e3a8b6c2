"""Matching entities to inspection items (检查对象与抽查检查事项相统一).

Zhanhe plan, section 3.2: drawn objects must match the inspection items. An
item's scope is its set of target tags ('*' covers every entity); an entity
meets it when it carries at least one of them. This module is the one place
that decides a task's eligible population (protocol v1, "Eligibility"): the
active entities of the task's grades that meet the scope of at least one of
its items, minus the exclusions the params state and the frequency caps
(counted from earlier archives). Every excluded entity keeps its reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import DrawRefused
from .history import History
from .params import Params, Task
from .registers import ALL_ENTITIES, Entity, Item, Registers


def qualifying_tags(entity: Entity, item: Item) -> frozenset[str]:
    """The entity's tags that put it in the item's scope (empty when it is out of scope)."""
    if ALL_ENTITIES in item.target_tags:
        return entity.tags or frozenset({ALL_ENTITIES})
    return entity.tags & item.target_tags


def in_scope(entity: Entity, item: Item) -> bool:
    return bool(qualifying_tags(entity, item))


@dataclass(frozen=True, slots=True)
class Excluded:
    task_id: str
    grade: str
    uscc: str
    reason: str


@dataclass(frozen=True)
class Population:
    """One (task, grade) stratum before and after matching and exclusions (``draw/populations.csv``)."""

    task_id: str
    grade: str
    active: int
    in_scope: int
    excluded: int
    eligible: int


@dataclass(frozen=True, slots=True)
class Qualified:
    """Which of a drawn entity's tags put it in the scope of one of the task's items (``draw/match.csv``)."""

    task_id: str
    uscc: str
    item_id: str
    tags: tuple[str, ...]


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


def task_items(task: Task, registers: Registers) -> list[Item]:
    missing = [item for item in task.items if item not in registers.items]
    if missing:
        raise DrawRefused(
            f"task {task.task_id} names inspection items {', '.join(missing)} that are not in the items register"
        )
    return [registers.items[item] for item in task.items]


def eligible(task: Task, registers: Registers, params: Params, history: History, year: int) -> Eligibility:
    """The task's eligible population per grade, with the reason for every exclusion.

    An entity matching several of the task's items appears once; it is inspected for
    each matching item that its frequency cap still allows.
    """
    items = task_items(task, registers)
    stated = {e.uscc: e.reason for e in params.exclusions if not e.tasks or task.task_id in e.tasks}
    caps = params.frequency
    population: dict[str, list[Entity]] = {grade: [] for grade in task.grades}
    active = dict.fromkeys(task.grades, 0)
    matched = dict.fromkeys(task.grades, 0)
    items_for: dict[str, tuple[str, ...]] = {}
    excluded: list[Excluded] = []
    scopes: dict[frozenset[str], list[Item]] = {}  # items in scope of each tag combination: a register repeats a few
    for entity in registers.entities:
        if not entity.active or entity.grade not in population:
            continue
        active[entity.grade] += 1
        scoped = scopes.get(entity.tags)
        if scoped is None:
            scoped = scopes[entity.tags] = [item for item in items if in_scope(entity, item)]
        if not scoped:
            continue
        matched[entity.grade] += 1
        if entity.uscc in stated:
            excluded.append(Excluded(task.task_id, entity.grade, entity.uscc, f"参数排除 (params): {stated[entity.uscc]}"))
            continue
        if caps.per_year is not None and history.visits_in_year(entity.uscc, year) >= caps.per_year:
            excluded.append(Excluded(task.task_id, entity.grade, entity.uscc,
                                     f"频次上限 (frequency cap): {year} 年已检查 {history.visits_in_year(entity.uscc, year)} 次，"
                                     f"每年至多 {caps.per_year} 次"))
            continue
        allowed = [item for item in scoped if caps.per_item_per_year is None
                   or history.item_visits_in_year(entity.uscc, item.item_id, year) < caps.per_item_per_year]
        if not allowed:
            capped = ", ".join(item.item_id for item in scoped)
            excluded.append(Excluded(task.task_id, entity.grade, entity.uscc,
                                     f"频次上限 (frequency cap): {year} 年已就事项 {capped} 被抽查，"
                                     f"每年每事项至多 {caps.per_item_per_year} 次"))
            continue
        population[entity.grade].append(entity)
        items_for[entity.uscc] = tuple(item.item_id for item in allowed)
    return Eligibility(task.task_id, population, items_for, active, matched, excluded)


def mismatches(visit_items: dict[str, tuple[str, ...]], registers: Registers) -> list[tuple[str, str]]:
    """(uscc, item) pairs where an entity is to be inspected for an item whose scope does not cover it.

    An independent re-check of the draw's result: it must always be empty.
    """
    entities = registers.entities.lookup(visit_items)
    return [(uscc, item) for uscc, items in visit_items.items() for item in items
            if not in_scope(entities[uscc], registers.items[item])]
