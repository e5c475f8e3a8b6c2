"""What the public files reveal of the grades: the grades a published item's entities could be of.

The Zhanhe plan, section 四(二): the credit-risk grades are an internal reference and are not
disclosed to society or to the entities. The public files (``publish``) carry no grade, no
internal task, no per-grade figure. A grade can still be inferred from what they do carry:

- A result is published under its item (the public task ``<quarter>-<item>``, with the item's
  department as the inspecting authority). A visit has an item only when one of the tasks that
  drew the entity lists that item, and a task draws only the grades it names.
- So every entity published under item X is of one of the grades of the quarter's tasks that
  list X. Anyone who knows the tasks (the plan's 抽查任务, a notice of a campaign on high-risk
  entities) learns that much of each entity published under X.
- When those tasks together name all four grades, this says nothing. When they name fewer, the
  item discloses that subset. In the demo, SX09 is drawn only by T03 (grade C only) and T04
  (grade D only), mode (b): every entity published under SX09 is known to be C or D, and
  ``tasks.csv``'s count of SX09's entities is a count of C and D entities.

This module is that definition: ``disclosures`` lists the items whose tasks name a strict subset
of the grades, with the grades and the tasks. The freeze warns (it does not refuse: the bureau may
decide) and records what it found; ``make results`` checks the items it is about to publish; the
report's first screen and the 05-results page show it. The remedy (``REMEDY``): list the item in a
task of all four grades as well, so that its published entities could be of any grade. A neutral
task label alone does not help while the publication names the item (its 抽查事项 column).

Pure: params and registers in, findings out.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import TypedDict

from .findings import Result
from .inputs import Inputs
from .params import Task
from .registers import GRADES, Item


class DisclosureEntry(TypedDict):
    """A disclosure as the freeze record holds it."""

    item: str
    department: str
    grades: list[str]
    tasks: list[str]


@dataclass(frozen=True)
class Disclosure:
    """Item ``item`` (of ``department``) is drawn only by ``tasks``, which together name only ``grades``:
    every entity published under it is known to be of one of them."""

    item: str
    department: str
    grades: tuple[str, ...]
    tasks: tuple[str, ...]

    @property
    def chinese(self) -> str:
        return (f"事项 {self.item} 的主体公示后可推知为 {'、'.join(self.grades)} 级"
                f"（该事项仅由 {'、'.join(self.tasks)} 抽取）")

    @property
    def english(self) -> str:
        return (f"item {self.item} would disclose grade{'s' if len(self.grades) > 1 else ''} {', '.join(self.grades)} "
                f"(drawn only by {', '.join(self.tasks)})")

    def entry(self) -> DisclosureEntry:
        return {"item": self.item, "department": self.department, "grades": list(self.grades),
                "tasks": list(self.tasks)}


def disclosures(tasks: Iterable[Task], items: Mapping[str, Item], published: Collection[str] | None = None
                ) -> list[Disclosure]:
    """The items whose entities' grades the publication would narrow down, by item id: each item of
    ``tasks`` (only those in ``published``, when given) whose tasks name fewer than all four grades."""
    grades_of: dict[str, set[str]] = {}
    tasks_of: dict[str, list[str]] = {}
    for task in tasks:
        for item_id in task.items:
            grades_of.setdefault(item_id, set()).update(task.grades)
            tasks_of.setdefault(item_id, []).append(task.task_id)
    found = []
    for item_id in sorted(grades_of):
        if (published is None or item_id in published) and grades_of[item_id] != set(GRADES):
            item = items.get(item_id)
            found.append(Disclosure(item_id, item.department if item else "",
                                    tuple(g for g in GRADES if g in grades_of[item_id]),
                                    tuple(sorted(tasks_of[item_id]))))
    return found


def in_publication(inputs: Inputs, results: Iterable[Result]) -> list[Disclosure]:
    """The items of ``results`` (the results in force, which the public files publish) that disclose grades."""
    return disclosures(inputs.params.tasks, inputs.registers.items, {result.item for result in results})


def warnings(found: Iterable[Disclosure]) -> list[str]:
    """One line per task whose items would disclose grades: the task, those items and the grades each would
    disclose. Chinese first, then English, as the freeze prints them."""
    by_task: dict[str, list[Disclosure]] = {}
    for disclosure in found:
        for task_id in disclosure.tasks:
            by_task.setdefault(task_id, []).append(disclosure)
    lines = []
    for task_id, here in sorted(by_task.items()):
        lines.append(f"任务 {task_id}：{'；'.join(d.chinese for d in here)}。"
                     f"Task {task_id}: {'; '.join(d.english for d in here)}.")
    return lines


def from_entries(entries: Iterable[DisclosureEntry]) -> list[Disclosure]:
    """The disclosures a freeze record holds."""
    return [Disclosure(e["item"], e["department"], tuple(e["grades"]), tuple(e["tasks"])) for e in entries]


REMEDY = ("补救：将该事项同时列入一个包含全部四个等级的任务，公示后其主体便可能属于任一等级。仅以中性任务名称公示不够："
          "公示文件的“抽查事项”一栏仍写明该事项。"
          "Remedy: list the item in a task of all four grades as well, so that its "
          "published entities could be of any grade. Publishing it under a neutral task label alone is not enough: the "
          "publication's 抽查事项 column still names the item.")
