"""Feasibility of the second random, proved at the freeze (protocol v1, "Inspectors"), as columns.

The conflict rules do not depend on the seed, so the freeze checks, before the seed exists, that every
entity that could be drawn keeps ``per_department`` candidates in every department of its items.
``tests/oracle/inspectors.py`` is the readable reference, a (task, entity) pair at a time. This gives the
same verdict, count and fewest candidates, and the same shortfalls in the same order, from the columns of
``eligibility``:

- each department an entity needs is a bit of a mask per register row (OR-ed over the tasks), so the
  (entity, department) pairs are counted by the distinct masks, without a Python object per entity;
- for an entity without a declared conflict or an earlier visit, the candidates depend only on the
  department and its home unit: each distinct (home unit, mask) is expanded and counted once;
- the entities with a declared conflict or an earlier visit (hundreds, thousands) are counted one by one
  with ``inspectors.allowed``, as the reference counts them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute  # noqa: F401 -- pa.compute

from .eligibility import TaskEligibility
from .history import History
from .inspectors import Shortfall, allowed, certified, previous_inspectors
from .params import Inspection
from .registers import Registers
from .registers.entities import key_tags

WORD = 64  # departments per mask word: a mask is one unsigned 64-bit column per WORD departments


@dataclass(frozen=True)
class Feasibility:
    checked: int  # (entity, department) pairs that could need a team
    fewest: int | None  # the fewest candidates any of them has
    shortfalls: list[Shortfall]  # those with fewer than per_department


def feasibility(found: list[TaskEligibility], registers: Registers, rules: Inspection, history: History) -> Feasibility:
    """Whether every entity that could be drawn keeps ``per_department`` candidates in each department of
    its items, as ``inspectors.feasibility`` decides it for every eligible (task, entity) of ``found``."""
    departments = sorted({item.department for item in registers.items.values()})
    words = max(1, -(-len(departments) // WORD))
    entities = registers.entities
    codes, units = entities.column("uscc"), entities.column("unit")
    conflicts = {(c.cert_no, c.uscc) for c in registers.conflicts}
    special = pa.compute.is_in(codes, pa.array(sorted({c.uscc for c in registers.conflicts} | history.visited()),
                                                pa.string()))
    masks = [_task_masks(task, entities.column("tags"), codes, departments, registers, words) for task in found]
    needed = [_or(mask[word] for mask in masks) if masks else pa.repeat(pa.scalar(0, pa.uint64()), len(entities))
              for word in range(words)]
    distinct = _distinct(pa.table({**{f"w{word}": needed[word] for word in range(words)}}))
    checked = sum(count * sum(int(word).bit_count() for word in mask) for mask, count in distinct)
    # the entities without a declared conflict or an earlier visit: each (home unit, mask) counted once
    ordinary = pa.table({"unit": units.indices, **{f"w{word}": needed[word] for word in range(words)}}).filter(
        pa.compute.invert(special))
    unit_names = units.dictionary.to_pylist()
    common: dict[tuple[str, str], int] = {}
    for (unit_index, *mask), _ in _distinct(ordinary):
        for department in _departments(mask, departments):
            key = (department, unit_names[unit_index])
            if key not in common:
                common[key] = len(allowed(registers, department, "", key[1], rules, (), ())[0])
    counts = list(common.values())
    # the entities with a declared conflict or an earlier visit, one by one
    own: dict[tuple[str, str], tuple[int, Counter]] = {}
    listed = pa.table({"uscc": codes, "unit": units.cast(pa.string()), **{f"w{w}": needed[w] for w in range(words)}})
    for row in listed.filter(special).to_pylist():
        for department in _departments([row[f"w{word}"] for word in range(words)], departments):
            people, removed = allowed(registers, department, row["uscc"], row["unit"], rules,
                                      previous_inspectors(history, row["uscc"]), conflicts)
            own[row["uscc"], department] = (len(people), removed)
            counts.append(len(people))
    short = {key for key, count in common.items() if count < rules.per_department}
    short_own = {key for key, (count, _) in own.items() if count < rules.per_department}
    shortfalls = _shortfalls(found, masks, codes, units, special, departments, short, short_own, own, registers,
                             rules, conflicts) if short or short_own else []
    return Feasibility(checked, min(counts, default=None), shortfalls)


def _task_masks(task: TaskEligibility, tags: pa.Array, codes: pa.Array, departments: list[str], registers: Registers,
                words: int) -> list[pa.Array]:
    """Per register row: the departments of the task's items it is eligible for (0 when it is not), as mask words."""
    bit = {department: index for index, department in enumerate(departments)}

    def mask(items: Iterable[str]) -> list[int]:
        found = [0] * words
        for item in items:
            index = bit[registers.items[item].department]
            found[index // WORD] |= 1 << (index % WORD)
        return found

    per_key = [mask(item.item_id for item in task.rules.scoped(key_tags(key))) for key in tags.dictionary.to_pylist()]
    judged = sorted(task.judged)  # an entity whose cap dropped items: the departments of the items it keeps
    at = pa.compute.index_in(codes, value_set=pa.array(judged, pa.string()))
    found = []
    for word in range(words):
        by_key = pa.array([key_mask[word] for key_mask in per_key], pa.uint64()).take(tags.indices)
        own = pa.array([mask(task.judged[uscc])[word] for uscc in judged], pa.uint64()).take(at)
        found.append(pa.compute.if_else(task.eligible, pa.compute.coalesce(own, by_key), pa.scalar(0, pa.uint64())))
    return found


def _or(arrays: Iterable[pa.Array]) -> pa.Array:
    result = None
    for array in arrays:
        result = array if result is None else pa.compute.bit_wise_or(result, array)
    assert result is not None
    return result


def _distinct(table: pa.Table) -> list[tuple[list[int], int]]:
    """The distinct rows of an integer table (each as a list of its values) and how many times each occurs."""
    counted = table.group_by(table.column_names).aggregate([([], "count_all")])
    names = table.column_names
    return [([row[name] for name in names], row["count_all"]) for row in counted.to_pylist()]


def _departments(mask: list[int], departments: list[str]) -> list[str]:
    """The departments of a row's mask words, in sorted order (the order the reference visits them)."""
    return [department for index, department in enumerate(departments) if mask[index // WORD] >> (index % WORD) & 1]


def _shortfalls(found: list[TaskEligibility], masks: list[list[pa.Array]], codes: pa.Array, units: pa.Array,
                special: pa.Array, departments: list[str], short: set[tuple[str, str]],
                short_own: set[tuple[str, str]], own: dict[tuple[str, str], tuple[int, Counter]], registers: Registers,
                rules: Inspection, conflicts: set[tuple[str, str]]) -> list[Shortfall]:
    """The (entity, department) pairs left with too few candidates, in the reference's order: by task, then
    register order, then department; each pair once, under the first task that needs it."""
    index = {department: at for at, department in enumerate(departments)}
    unit_names = units.dictionary.to_pylist()
    found_short: list[Shortfall] = []
    seen: set[tuple[str, str]] = set()
    own_rows = pa.compute.is_in(codes, pa.array(sorted({uscc for uscc, _ in short_own}), pa.string()))
    for task, words in zip(found, masks, strict=True):
        bad = pa.compute.and_(task.eligible, own_rows)
        for department, unit in short:
            at = index[department]
            has = pa.compute.not_equal(pa.compute.bit_wise_and(words[at // WORD],
                                                               pa.scalar(1 << (at % WORD), pa.uint64())),
                                       pa.scalar(0, pa.uint64()))
            bad = pa.compute.or_(bad, pa.compute.and_(has, pa.compute.equal(units.indices, unit_names.index(unit))))
        rows = pa.table({"uscc": codes, "unit": units.cast(pa.string()), "special": special,
                         **{f"w{w}": words[w] for w in range(len(words))}}).filter(bad)
        for row in rows.to_pylist():
            uscc, unit = row["uscc"], row["unit"]
            for department in _departments([row[f"w{w}"] for w in range(len(words))], departments):
                is_bad = (uscc, department) in short_own if row["special"] else (department, unit) in short
                if not is_bad or (uscc, department) in seen:
                    continue
                seen.add((uscc, department))
                if row["special"]:
                    left, removed = own[uscc, department]
                else:
                    people, removed = allowed(registers, department, uscc, unit, rules, (), conflicts)
                    left = len(people)
                found_short.append(Shortfall(task.task_id, uscc, unit, department,
                                             len(certified(registers, department)), left, removed))
    return found_short
