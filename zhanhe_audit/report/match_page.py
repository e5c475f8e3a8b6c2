"""02-match: the population before and after matching and exclusions, and why each entity is in or out."""

from __future__ import annotations

import pandas as pd
from matplotlib import pyplot as plt

from ..inputs import Inputs
from ..inspectors import Visit
from ..matching import Excluded, Population, Qualified
from . import GRADE_NAMES


def population_frame(rows: list[Population]) -> pd.DataFrame:
    return pd.DataFrame([{
        "任务 task": r.task_id, "等级 grade": GRADE_NAMES[r.grade], "在业主体 active": r.active,
        "事项范围内 in scope": r.in_scope, "排除 excluded": r.excluded, "可抽总体 N eligible": r.eligible,
    } for r in rows])


def population_plot(rows: list[Population]):
    """Per task: active entities, those in the items' scope, and those eligible after exclusions."""
    tasks = list(dict.fromkeys(r.task_id for r in rows))
    totals = {task: [sum(getattr(r, key) for r in rows if r.task_id == task)
                     for key in ("active", "in_scope", "eligible")]
              for task in tasks}
    figure, axes = plt.subplots(figsize=(9, 0.6 + 0.55 * len(tasks)))
    for offset, (label, colour) in enumerate((("在业主体 active", "#c7c7c7"), ("事项范围内 in scope", "#9ecae1"),
                                                ("可抽总体 eligible", "#3182bd"))):
        axes.barh([index + (offset - 1) * 0.27 for index in range(len(tasks))],
                  [totals[task][offset] for task in tasks], 0.26, color=colour, label=label)
    axes.set_yticks(range(len(tasks)), tasks)
    axes.invert_yaxis()
    axes.set_xlabel("检查对象数 entities")
    axes.set_title("匹配与排除前后的总体 (population before and after matching and exclusions)")
    axes.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    return figure


def excluded_frame(rows: list[Excluded], inputs: Inputs) -> pd.DataFrame:
    names = {uscc: entity.name for uscc, entity in inputs.registers.entities.lookup(r.uscc for r in rows).items()}
    return pd.DataFrame([{"任务 task": r.task_id, "等级 grade": r.grade, "统一社会信用代码 USCC": r.uscc,
                          "名称 name": names.get(r.uscc, ""), "排除理由 reason": r.reason} for r in rows],
                        columns=["任务 task", "等级 grade", "统一社会信用代码 USCC", "名称 name", "排除理由 reason"])


def match_frame(rows: list[Qualified], inputs: Inputs) -> pd.DataFrame:
    registers = inputs.registers
    entities = registers.entities.lookup(r.uscc for r in rows)
    return pd.DataFrame([{
        "任务 task": r.task_id, "统一社会信用代码 USCC": r.uscc, "名称 name": entities[r.uscc].name,
        "事项 item": f"{r.item_id} {registers.items[r.item_id].name}",
        "事项范围 scope": ";".join(sorted(registers.items[r.item_id].target_tags)),
        "符合的标签 qualifying tags": "；".join(f"{tag} {registers.tags.get(tag, '全部')}" for tag in r.tags),
    } for r in rows])


def joint_visits_frame(visits: list[Visit], inputs: Inputs) -> pd.DataFrame:
    """Visits that join several tasks or departments (进一次门、查多项)."""
    joint = [v for v in visits if len(v.tasks) > 1 or len(v.departments) > 1]
    names = {uscc: entity.name for uscc, entity in inputs.registers.entities.lookup(v.uscc for v in joint).items()}
    return pd.DataFrame([{
        "检查 visit": v.visit_id, "名称 name": names[v.uscc], "任务 tasks": "、".join(v.tasks),
        "事项 items": "、".join(v.items), "部门 departments": "、".join(v.departments),
    } for v in joint])
