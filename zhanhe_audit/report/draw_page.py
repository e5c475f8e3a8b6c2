"""01-draw: the seed, the freeze record, the draw per task and grade, and how to check a ticket by hand."""

from __future__ import annotations

import shlex
from collections import Counter

import pandas as pd
from matplotlib import pyplot as plt

from ..formulas import StratumSummary, inspector_ticket
from ..freeze import FreezeRecord
from ..inputs import Inputs
from ..inspectors import Visit
from ..params import FLOORS, PROTOCOL
from ..registers import GRADES
from ..text import visible
from ..tickets import Ranked, TicketRow
from . import COLOURS, GRADE_NAMES, Html, escape, fact


def seed_line(inputs: Inputs) -> Html:
    """The seed as drawn with, every character visible: what a reviewer compares with the announced seed."""
    return Html(f"<p style='font-size:16px'>种子 seed：{fact('seed', inputs.seed)}（与公布的种子逐字比对 compare it, "
                "character for character, with the seed announced）</p>")


def seed_table(inputs: Inputs) -> pd.DataFrame:
    provenance = inputs.params.seed.provenance if inputs.params.seed else {}
    rows = [("种子 seed", visible(inputs.seed)), ("协议 protocol", PROTOCOL)]
    rows += [(f"来源 provenance: {key}", "; ".join(map(str, value)) if isinstance(value, list) else str(value))
             for key, value in provenance.items()]
    return pd.DataFrame(rows, columns=["项目 item", "内容 value"])


def freeze_table(record: FreezeRecord, inputs: Inputs) -> pd.DataFrame:
    """Each register: frozen hash against the file drawn from (the draw refuses on any difference)."""
    rows = []
    for name, frozen in record.registers.items():
        rows.append({
            "名录 register": name,
            "文件 file": frozen["path"],
            "行数 rows": frozen["rows"],
            "冻结时 SHA-256 (frozen)": frozen["sha256"],
            "抽取时一致 matches now": "✓ 一致" if inputs.hashes[name] == frozen["sha256"] else "✗ 不一致",
        })
    return pd.DataFrame(rows)


def summary_frame(summary: list[StratumSummary]) -> pd.DataFrame:
    rows = []
    for row in summary:
        achieved = f"{100 * row.selected / row.eligible:.2f} %" if row.eligible else "—"
        rows.append({
            "任务 task": row.task_id,
            "等级 grade": GRADE_NAMES[row.grade],
            "总体 N": row.eligible,
            "比例 p (%)": row.percent,
            "下限 floor (%)": row.floor,
            "应抽 quota n": row.quota,
            "实抽 selected": row.selected,
            "实际比例 n/N": achieved,
            "低于下限理由 reason": row.reason,
        })
    return pd.DataFrame(rows)


def ratio_plot(summary: list[StratumSummary]):
    """Achieved ratio n/N per task and grade against the floor (and the configured percentage)."""
    tasks = list(dict.fromkeys(row.task_id for row in summary))
    figure, axes = plt.subplots(figsize=(9, 4.2))
    width = 0.8 / max(len(tasks), 1)
    for index, task in enumerate(tasks):
        rows = {row.grade: row for row in summary if row.task_id == task}
        xs, ys, colours = [], [], []
        for position, grade in enumerate(GRADES):
            row = rows.get(grade)
            if row and row.eligible:
                xs.append(position - 0.4 + width * (index + 0.5))
                ys.append(100 * row.selected / row.eligible)
                colours.append(COLOURS["exception"] if row.reason else COLOURS["selected"])
        bars = axes.bar(xs, ys, width * 0.9, color=colours, alpha=0.55 + 0.45 * (index + 1) / len(tasks),
                        label=task)
        axes.bar_label(bars, labels=[task[-3:]] * len(xs), fontsize=7, padding=1)
    for position, grade in enumerate(GRADES):
        floor = float(FLOORS[grade])
        axes.hlines(floor, position - 0.45, position + 0.45, colors=COLOURS["floor"], linewidth=2,
                    label="下限 floor" if position == 0 else "_nolegend_")
    axes.set_xticks(range(len(GRADES)), [GRADE_NAMES[grade] for grade in GRADES])
    axes.set_ylabel("实际抽查比例 n/N (%)")
    axes.set_title("各等级实际抽查比例与下限 (achieved ratio vs floor)")
    axes.legend(fontsize=8, ncols=2)
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    return figure


def selected_frame(tickets: Ranked, inputs: Inputs) -> pd.DataFrame:
    selected = list(tickets.selected())
    entities = inputs.registers.entities.lookup(row.uscc for row in selected)
    rows = []
    for row in selected:
        entity = entities[row.uscc]
        rows.append({
            "任务 task": row.task_id, "等级 grade": row.grade, "序号 rank": row.rank,
            "批次 batch": row.batch or "", "统一社会信用代码 USCC": row.uscc,
            "名称 name": entity.name, "所属单位 unit": entity.unit, "签 ticket": row.ticket[:16] + "…",
        })
    return pd.DataFrame(rows)


def reserve_frame(tickets: Ranked, head: int = 3) -> pd.DataFrame:
    """The first ``head`` reserves of each stratum: the replacement order (protocol v1, "Selection")."""
    drawn = Counter((row.task_id, row.grade) for row in tickets.selected())
    rows = []
    for row in tickets.first_reserves(max(drawn.values(), default=0) + head):
        if row.rank <= drawn[row.task_id, row.grade] + head:
            rows.append({"任务 task": row.task_id, "等级 grade": row.grade, "备选序号 rank": row.rank,
                         "统一社会信用代码 USCC": row.uscc, "签 ticket": row.ticket[:16] + "…"})
    return pd.DataFrame(rows)


def hand_check(seed: str, tickets: Ranked, count: int = 2) -> Html:
    """Worked examples: the shell command that reproduces a ticket, and what it prints.

    One selected ticket from each stratum in turn, so the examples span tasks and grades.
    """
    firsts: dict[tuple[str, str], TicketRow] = {}
    for row in tickets.selected():
        firsts.setdefault((row.task_id, row.grade), row)
    chosen = list(firsts.values())[:count]
    blocks = []
    for row in chosen:
        command = (f"printf '%s\\n%s\\n%s' {fact('seed-shell', _shell(seed), 'span')} "
                   f"{escape(shlex.quote(row.task_id))} {escape(shlex.quote(row.uscc))} | sha256sum")
        blocks.append(
            f"<p>任务 {escape(row.task_id)}，等级 {escape(row.grade)}，序号 {row.rank}：</p>"
            f"<pre style='background:#f4f4f4;padding:6px'>{command}\n"
            f"{escape(row.ticket)}  -</pre>"
        )
    return Html("".join(blocks))


def _shell(text: str) -> str:
    """``text`` as one single-quoted shell word (the seed always in quotes, as docs/guide-reviewer.md shows it)."""
    return "'" + text.replace("'", "'\\''") + "'"


def inspector_hand_check(seed: str, visits: list[Visit]) -> Html:
    """The command that reproduces the ticket of the first visit's first inspector."""
    visit = next((visit for visit in visits if visit.inspectors), None)
    if visit is None:
        return Html("<p>本季度无检查 (no visit this quarter).</p>")
    cert = visit.inspectors[0]
    command = (f"printf '%s\\n%s\\n%s\\n%s' {fact('seed-shell', _shell(seed), 'span')} "
               f"{escape(shlex.quote(visit.task_id))} {escape(shlex.quote(visit.uscc))} "
               f"{escape(shlex.quote(cert))} | sha256sum")
    return Html(f"<p>检查 {escape(visit.visit_id)} 的检查人员 {escape(cert)}（检查人员签号 inspector ticket）：</p>"
                f"<pre style='background:#f4f4f4;padding:6px'>{command}\n"
                f"{inspector_ticket(seed, visit.task_id, visit.uscc, cert)}  -</pre>")
