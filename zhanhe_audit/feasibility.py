"""Feasibility of the second random, proved at the freeze (protocol v1, "Inspectors"), as columns.

The conflict rules do not depend on the seed, so the freeze checks, before the seed exists, that every
entity that could be drawn keeps ``per_department`` candidates in every department of its items.
``inspectors.feasibility`` is the readable reference, a (task, entity) pair at a time. This gives the
same verdict, count and fewest candidates, and the same shortfalls in the same order, from the columns of
``eligibility``:

- for an entity without a declared conflict or an earlier visit, the candidates depend only on the
  department and its home unit: each distinct (department, unit) that some eligible entity needs is
  counted once;
- each department an entity needs is a bit of a mask per register row (OR-ed over the tasks), so the
  (entity, department) pairs are counted without a Python object per entity;
- the entities with a declared conflict or an earlier visit (hundreds, thousands) are counted one by one
  with ``inspectors.allowed``, as the reference counts them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute  # noqa: F401 -- pa.compute

from .eligibility import TaskEligibility
from .history import History
from .inspectors import Feasibility, Shortfall, allowed, certified, previous_inspectors
from .params import Inspection
from .registers import Registers
from .registers.entities import key_tags

WORD = 64  # departments per mask word


def feasibility(found: list[TaskEligibility], registers: Registers, rules: Inspection, history: History) -> Feasibility:
    """Whether every entity that could be drawn keeps ``per_department`` candidates in each department of
    its items, as ``inspectors.feasibility`` decides it for every eligible (task, entity) of ``found``."""
    departments = sorted({item.department for item in registers.items.values()})
    words = max(1, -(-len(departments) // WORD))
    entities = registers.entities
    codes, tags = entities.column("uscc"), entities.column("tags")
    units = entities.column("unit")
    conflicts = {(c.cert_no, c.uscc) for c in registers.conflicts}
    special = {c.uscc for c in registers.conflicts} | history.visited()
    is_special = pa.compute.is_in(codes, pa.array(sorted(special), pa.string())).to_numpy(zero_copy_only=False)
    needed = np.zeros((words, len(entities)), np.uint64)  # per row: the departments some task needs it for
    rows_of: list[tuple[TaskEligibility, np.ndarray, np.ndarray]] = []
    for task in found:
        positions = task.positions.to_numpy()
        masks = _row_masks(task, positions, codes, tags, departments, registers, words)
        needed[:, positions] |= masks
        rows_of.append((task, positions, masks))
    checked = int(sum(np.bitwise_count(needed[word]).sum() for word in range(words)))
    # (department, home unit) pairs of the ordinary entities, each counted once
    unit_at = units.indices.to_numpy(zero_copy_only=False)
    unit_names = units.dictionary.to_pylist()
    ordinary = ~is_special & needed.any(axis=0)
    common: dict[tuple[str, str], int] = {}
    pairs = np.unique(np.vstack([unit_at[ordinary].astype(np.uint64), needed[:, ordinary]]).T, axis=0)
    for pair in pairs:
        for department in _departments(pair[1:], departments):
            key = (department, unit_names[int(pair[0])])
            if key not in common:
                common[key] = len(allowed(registers, department, "", key[1], rules, (), ())[0])
    counts = list(common.values())
    # the entities with a declared conflict or an earlier visit, one by one
    own: dict[tuple[str, str], tuple[int, Counter]] = {}
    for row in np.flatnonzero(is_special & needed.any(axis=0)):
        uscc, unit = codes[int(row)].as_py(), units[int(row)].as_py()
        for department in _departments(needed[:, row], departments):
            people, removed = allowed(registers, department, uscc, unit, rules, previous_inspectors(history, uscc),
                                      conflicts)
            own[uscc, department] = (len(people), removed)
            counts.append(len(people))
    short = {key for key, count in common.items() if count < rules.per_department}
    short_own = {key for key, (count, _) in own.items() if count < rules.per_department}
    shortfalls = (_shortfalls(rows_of, codes, units, is_special, departments, short, short_own, own, registers, rules,
                              conflicts) if short or short_own else [])
    return Feasibility(checked, min(counts, default=None), shortfalls)


def _row_masks(task: TaskEligibility, positions: np.ndarray, codes: pa.Array, tags: pa.Array, departments: list[str],
               registers: Registers, words: int) -> np.ndarray:
    """Per eligible row of the task: the departments of its items, as mask words (``words`` x rows)."""
    bit = {department: index for index, department in enumerate(departments)}

    def mask(items: Iterable[str]) -> list[int]:
        found = [0] * words
        for item in items:
            index = bit[registers.items[item].department]
            found[index // WORD] |= 1 << (index % WORD)
        return found

    per_key = np.array([mask(item.item_id for item in task.rules.scoped(key_tags(key)))
                        for key in tags.dictionary.to_pylist()] or [[0] * words], np.uint64).reshape(-1, words)
    key_at = tags.indices.to_numpy(zero_copy_only=False)[positions]
    masks = per_key[key_at].T.copy()
    if task.judged:  # an entity whose cap dropped items: the departments of the items it keeps
        judged = pa.compute.is_in(codes.take(pa.array(positions)), pa.array(sorted(task.judged), pa.string()))
        for at in np.flatnonzero(judged.to_numpy(zero_copy_only=False)):
            masks[:, at] = mask(task.judged[codes[int(positions[at])].as_py()])
    return masks


def _departments(mask: np.ndarray, departments: list[str]) -> list[str]:
    """The departments of a row's mask words, in sorted order (the order the reference visits them)."""
    words = [int(word) for word in mask]
    return [department for index, department in enumerate(departments) if words[index // WORD] >> (index % WORD) & 1]


def _bit(needed: np.ndarray, index: int) -> np.ndarray:
    """Per row of mask words: whether the department of ``index`` is set."""
    return (needed[index // WORD] >> np.uint64(index % WORD)) & np.uint64(1) == 1


def _shortfalls(rows_of: list[tuple[TaskEligibility, np.ndarray, np.ndarray]], codes: pa.Array, units: pa.Array,
                is_special: np.ndarray, departments: list[str], short: set[tuple[str, str]],
                short_own: set[tuple[str, str]], own: dict[tuple[str, str], tuple[int, Counter]], registers: Registers,
                rules: Inspection, conflicts: set[tuple[str, str]]) -> list[Shortfall]:
    """The (entity, department) pairs left with too few candidates, in the reference's order: by task, then
    register order, then department; each pair once, under the first task that needs it."""
    index = {department: at for at, department in enumerate(departments)}
    unit_names = units.dictionary.to_pylist()
    unit_at = units.indices.to_numpy(zero_copy_only=False)
    own_rows = pa.compute.is_in(codes, pa.array(sorted({uscc for uscc, _ in short_own}), pa.string()))
    found: list[Shortfall] = []
    seen: set[tuple[str, str]] = set()
    for task, positions, masks in rows_of:
        bad = own_rows.to_numpy(zero_copy_only=False)[positions]
        for department, unit in short:
            bad |= _bit(masks, index[department]) & (unit_at[positions] == unit_names.index(unit))
        for at in np.flatnonzero(bad):
            row = int(positions[at])
            uscc, unit = codes[row].as_py(), units[row].as_py()
            for department in _departments(masks[:, at], departments):
                special = bool(is_special[row])
                if (uscc, department) in seen or not ((uscc, department) in short_own if special
                                                      else (department, unit) in short):
                    continue
                seen.add((uscc, department))
                if special:
                    left, removed = own[uscc, department]
                else:
                    people, removed = allowed(registers, department, uscc, unit, rules, (), conflicts)
                    left = len(people)
                found.append(Shortfall(task.task_id, uscc, unit, department, len(certified(registers, department)),
                                       left, removed))
    return found
