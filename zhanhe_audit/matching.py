"""Matching entities to inspection items (检查对象与抽查检查事项相统一).

Zhanhe plan, section 3.2: drawn objects must match the inspection items. An
item's scope is its set of target tags ('*' covers every entity); an entity
meets it when it carries at least one of them. This module holds the rules
an entity is judged by (protocol v1, "Eligibility", ``Rules``): the active
entities of the task's grades that meet the scope of at least one of its items,
minus the exclusions the params state and the frequency caps (counted from
earlier archives), each excluded entity with its reason; and the rows of
``draw/populations.csv`` and ``draw/match.csv``. ``eligibility`` applies the
rules to a whole register as columns, for the draw and the freeze;
``tests/oracle/matching.py`` applies them one entity at a time, as the reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import DrawRefused
from .history import History
from .params import Frequency, Params, Task
from .registers import ALL_ENTITIES, Entity, Item, Registers


def scope_tags(tags: frozenset[str], item: Item) -> frozenset[str]:
    """Of ``tags``, those that put an entity in the item's scope (empty when it is out of scope)."""
    if ALL_ENTITIES in item.target_tags:
        return tags or frozenset({ALL_ENTITIES})
    return tags & item.target_tags


def qualifying_tags(entity: Entity, item: Item) -> frozenset[str]:
    """The entity's tags that put it in the item's scope (empty when it is out of scope)."""
    return scope_tags(entity.tags, item)


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


def task_items(task: Task, registers: Registers) -> list[Item]:
    missing = [item for item in task.items if item not in registers.items]
    if missing:
        raise DrawRefused(
            f"task {task.task_id} names inspection items {', '.join(missing)} that are not in the items register"
        )
    return [registers.items[item] for item in task.items]


@dataclass(frozen=True)
class Rules:
    """One task's eligibility rules, entity by entity: the scope of its items, the exclusions the params
    state, the frequency caps counted from the history. The reference (``tests/oracle/matching.py``) and the
    columnar engine (``eligibility``) both judge an entity with these, so the two cannot word a reason differently."""

    task: Task
    items: list[Item]
    stated: dict[str, str]  # uscc -> the params' reason
    caps: Frequency
    history: History
    year: int
    _scopes: dict[frozenset[str], list[Item]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, task: Task, registers: Registers, params: Params, history: History, year: int) -> Rules:
        stated = {e.uscc: e.reason for e in params.exclusions if not e.tasks or task.task_id in e.tasks}
        return cls(task, task_items(task, registers), stated, params.frequency, history, year)

    def scoped(self, tags: frozenset[str]) -> list[Item]:
        """The task's items whose scope entities with ``tags`` meet (found once per tag combination: a register
        repeats a few)."""
        found = self._scopes.get(tags)
        if found is None:
            found = self._scopes[tags] = [item for item in self.items if scope_tags(tags, item)]
        return found

    def may_exclude(self, uscc: str) -> bool:
        """Whether an entity in scope could be excluded: the params name it, or a cap counts its earlier visits."""
        capped = self.caps.per_year is not None or self.caps.per_item_per_year is not None
        return uscc in self.stated or (capped and self.history.visits_in_year(uscc, self.year) > 0)

    def judge(self, entity: Entity, scoped: list[Item]) -> tuple[str, tuple[str, ...]]:
        """For an active entity of the task's grades in the scope of ``scoped``: the reason it is excluded ('' when
        it is not) and the items it is inspected for (those its frequency cap still allows)."""
        if entity.uscc in self.stated:
            return f"参数排除 (params): {self.stated[entity.uscc]}", ()
        caps, year = self.caps, self.year
        if caps.per_year is not None and self.history.visits_in_year(entity.uscc, year) >= caps.per_year:
            return (f"频次上限 (frequency cap): {year} 年已检查 {self.history.visits_in_year(entity.uscc, year)} 次，"
                    f"每年至多 {caps.per_year} 次"), ()
        allowed = tuple(item.item_id for item in scoped if caps.per_item_per_year is None
                        or self.history.item_visits_in_year(entity.uscc, item.item_id, year) < caps.per_item_per_year)
        if not allowed:
            capped = ", ".join(item.item_id for item in scoped)
            return (f"频次上限 (frequency cap): {year} 年已就事项 {capped} 被抽查，"
                    f"每年每事项至多 {caps.per_item_per_year} 次"), ()
        return "", allowed

    def items_of(self, entity: Entity) -> tuple[str, ...] | None:
        """The items an entity is inspected for when it is eligible for the task; ``None`` when it is not."""
        if not entity.active or entity.grade not in self.task.grades:
            return None
        scoped = self.scoped(entity.tags)
        if not scoped:
            return None
        reason, allowed = self.judge(entity, scoped)
        return None if reason else allowed


def mismatches(visit_items: dict[str, tuple[str, ...]], registers: Registers) -> list[tuple[str, str]]:
    """(uscc, item) pairs where an entity is to be inspected for an item whose scope does not cover it.

    An independent re-check of the draw's result: it must always be empty.
    """
    entities = registers.entities.lookup(visit_items)
    return [(uscc, item) for uscc, items in visit_items.items() for item in items
            if not in_scope(entities[uscc], registers.items[item])]
