"""04-compliance: floors, coverage, balance, Monte Carlo inclusion, and the freeze-seed-draw timeline."""

from __future__ import annotations

import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, NullFormatter

from ..fairness import Balance, Coverage, Event, below_floor, reading
from ..formulas import StratumSummary
from ..gitorder import Order
from ..inclusion import Inclusion
from ..params import FLOORS, percent_fraction
from . import COLOURS, GRADE_NAMES, Html, escape, fact, plot_label, quarter_and_year_plot


def compliance_plot(summary: list[StratumSummary]):
    """One panel per task: achieved n/N per grade against the floor and the configured percentage;
    strata below the floor with a written reason in orange."""
    tasks = list(dict.fromkeys(row.task_id for row in summary))
    columns = min(3, len(tasks))
    rows_count = -(-len(tasks) // columns)
    figure, axes = plt.subplots(rows_count, columns, figsize=(4.2 * columns, 3.2 * rows_count), squeeze=False)
    for axis in axes.flat[len(tasks):]:
        axis.set_visible(False)
    for axis, task in zip(axes.flat, tasks, strict=False):
        rows = [row for row in summary if row.task_id == task and row.eligible]
        xs = range(len(rows))
        colours = [COLOURS["exception"] if row.reason else COLOURS["selected"] for row in rows]
        axis.bar(xs, [100 * row.selected / row.eligible for row in rows], 0.6, color=colours)
        for x, row in zip(xs, rows, strict=True):
            axis.hlines(float(FLOORS[row.grade]), x - 0.4, x + 0.4, colors=COLOURS["floor"], linewidth=2)
            axis.hlines(float(percent_fraction(row.percent)), x - 0.4, x + 0.4, colors=COLOURS["percent"],
                        linestyles="dashed", linewidth=1.5)
            if row.reason:
                axis.annotate("低于下限：见理由", (x, 100 * row.selected / row.eligible), fontsize=7,
                              color=COLOURS["exception"], ha="center", va="bottom")
        tops = [100 * row.selected / row.eligible for row in rows] + [float(FLOORS[row.grade]) for row in rows]
        axis.set_ylim(0, max(tops + [float(percent_fraction(row.percent)) for row in rows], default=1) * 1.15)
        axis.set_xticks(list(xs), [GRADE_NAMES[row.grade] for row in rows], fontsize=8)
        axis.set_title(task, fontsize=10)
        axis.set_ylabel("n/N (%)", fontsize=8)
        axis.grid(axis="y", alpha=0.3)
    figure.legend(handles=[Patch(color=COLOURS["selected"], label="实际比例 achieved n/N"),
                           Patch(color=COLOURS["exception"], label="经书面说明低于下限 exception"),
                           Line2D([], [], color=COLOURS["floor"], linewidth=2, label="下限 floor"),
                           Line2D([], [], color=COLOURS["percent"], linestyle="dashed", label="设定比例 configured")],
                  loc="lower center", ncols=4, fontsize=8, bbox_to_anchor=(0.5, -0.02))
    figure.suptitle("各任务各等级实际抽查比例 (achieved ratio per task and grade)", fontsize=11)
    figure.tight_layout(rect=(0, 0.05, 1, 1))
    return figure


def compliance_frame(summary: list[StratumSummary]) -> pd.DataFrame:
    return pd.DataFrame([{
        "任务 task": row.task_id, "等级 grade": GRADE_NAMES[row.grade], "总体 N": row.eligible, "实抽 n": row.selected,
        "实际比例 n/N": f"{100 * row.selected / row.eligible:.2f} %" if row.eligible else "—",
        "设定 p (%)": row.percent, "下限 floor (%)": row.floor,
        "达到下限 meets floor": "—" if not row.eligible else ("✗ 否" if below_floor(row) else "✓ 是"),
        "低于下限理由 reason": row.reason,
    } for row in summary])


def coverage_plot(quarter_rows: list[Coverage], year_rows: list[Coverage]):
    """Per grade: share of active entities drawn at least once, this quarter and this year so far."""
    return quarter_and_year_plot([100 * float(r.share) for r in quarter_rows],
                                 [100 * float(r.share) for r in year_rows],
                                 "至少抽中一次的比例 (%)",
                                 "各等级在业主体至少抽中一次的比例 (share of active entities drawn at least once)",
                                 {grade: float(floor) for grade, floor in FLOORS.items()})


def coverage_frame(quarter_rows: list[Coverage], year_rows: list[Coverage]) -> pd.DataFrame:
    return pd.DataFrame([{
        "等级 grade": GRADE_NAMES[q.grade], "在业主体 active": q.active, "本季度抽中 drawn this quarter": q.drawn,
        "本季度比例": f"{100 * float(q.share):.2f} %", "本年累计抽中 drawn this year": y.drawn,
        "本年累计比例": f"{100 * float(y.share):.2f} %",
    } for q, y in zip(quarter_rows, year_rows, strict=True)])


def balance_frame(results: list[Balance], tests: int) -> pd.DataFrame:
    names = {"unit": "所属单位 home unit", "category": "主要类别 main category"}
    return pd.DataFrame([{
        "等级 grade": GRADE_NAMES[r.grade], "维度 attribute": names[r.attribute],
        "类别数 categories": r.categories,
        "统计量 χ²": "" if r.statistic is None else f"{r.statistic:.2f} (df {r.dof})",
        "p 值": "" if r.p_value is None else f"{r.p_value:.3f}", "解读 reading": reading(r, tests),
    } for r in results])


def balance_plot(result: Balance):
    """Population share against sample share per category, for one grade and attribute."""
    rows = result.table[:12]
    population = sum(r[1] for r in result.table) or 1
    sample = sum(r[2] for r in result.table) or 1
    figure, axes = plt.subplots(figsize=(9, 3.2))
    xs = range(len(rows))
    axes.bar([x - 0.2 for x in xs], [100 * r[1] / population for r in rows], 0.4, label="可抽总体 population",
             color="#c7c7c7")
    axes.bar([x + 0.2 for x in xs], [100 * r[2] / sample for r in rows], 0.4, label="抽中样本 sample",
             color=COLOURS["selected"])
    axes.set_xticks(list(xs), [plot_label(r[0]) for r in rows], rotation=30, ha="right", fontsize=8)
    axes.set_ylabel("占比 share (%)")
    p_text = "不检验" if result.p_value is None else f"p = {result.p_value:.3f}"
    axes.set_title(f"{GRADE_NAMES[result.grade]}：样本与总体的分布 ({p_text})", fontsize=10)
    axes.legend(fontsize=8)
    figure.tight_layout()
    return figure


def inclusion_plot(results: list[Inclusion]):
    """Per stratum: each entity's empirical inclusion rate (box) against n/N (red)."""
    figure, axes = plt.subplots(figsize=(10, 4))
    labels = [f"{r.task_id[-3:]}·{r.grade}" for r in results]
    axes.boxplot([[c / r.seeds for c in r.counts] for r in results], whis=(0, 100))
    axes.scatter(range(1, len(results) + 1), [float(r.expected_rate) for r in results], color=COLOURS["floor"],
                 zorder=3, label="理论入样概率 n/N", marker="_", s=400)
    axes.set_xticks(range(1, len(results) + 1), labels, rotation=45, fontsize=8)
    axes.set_yscale("log")
    # the log axis's default labels are mathtext ($10^{-1}$), which setup() turns off: plain numbers instead
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axes.yaxis.set_minor_formatter(NullFormatter())
    axes.set_ylabel("入样频率 inclusion rate")
    axes.set_title(f"蒙特卡洛：{results[0].seeds if results else 0} 个种子下每个对象的入样频率 "
                   "(Monte Carlo inclusion rates)")
    axes.legend(fontsize=8)
    figure.tight_layout()
    return figure


def inclusion_frame(results: list[Inclusion]) -> pd.DataFrame:
    return pd.DataFrame([{
        "任务 task": r.task_id, "等级 grade": r.grade, "总体 N": r.eligible,
        "模拟对象 followed": r.followed if r.followed < r.eligible else "全部 all", "模拟中抽取 n": r.n,
        "理论概率 n/N": f"{float(r.expected_rate):.4f}",
        "平均频率 mean rate": f"{sum(r.counts) / (r.seeds * r.followed):.4f}",
        "最小–最大 min–max": f"{min(r.counts) / r.seeds:.3f}–{max(r.counts) / r.seeds:.3f}",
        "均匀性 p 值 uniformity p": "" if r.p_value is None else f"{r.p_value:.3f}",
    } for r in results])


def timeline_frame(events: list[Event]) -> pd.DataFrame:
    return pd.DataFrame([{"事件 event": e.what, "时间 when": e.when, "来源 source": e.source} for e in events])


def timeline_verdict(problems: list[str], order: Order) -> Html:
    """✓ when git proved the order and the dates agree; ✗ naming each pair out of order; ! when git did not
    prove it (a demo drawn outside git), with the reason."""
    if problems:
        items = "".join(f"<li>{escape(p)}</li>" for p in problems)
        return Html(f"<div style='color:#b00;font-size:16px'><b>✗ 顺序错误 (out of order)</b><ul>{items}</ul>"
                    f"<p>{order_stated(order)}</p></div>")
    if not order.proved:
        return Html(f"<p style='font-size:16px'><b style='color:#a60'>!</b> 顺序未经 git 证明 (the order is not proved "
                    f"by git)：{fact('order-reason', order.reason, 'span')}</p>")
    return Html("<p style='font-size:16px'><b style='color:#080'>✓</b> 顺序正确：先冻结名录并提交，后产生种子并提交，"
                "抽取前由 git 核对 (frozen and committed, then seeded and committed, checked in git before the draw): "
                f"{commits_html(order)}.</p>")


def order_stated(order: Order) -> str:
    """What git shows of the order, as every page that has a timeline states it (``data-fact``, which the verifier
    page checks): both commits, or why git did not prove it."""
    if not order.proved:
        return f"顺序未经 git 证明 (not proved by git)：{fact('order-reason', order.reason, 'span')}"
    return f"git 记录的提交 (the commits git records)：{commits_html(order)}"


def commits_html(order: Order) -> str:
    """Both commits of the proof, each with its id, time and author (register-like text: escaped)."""
    assert order.freeze is not None and order.seed is not None
    return "；".join(f"{label} {fact(f'{name}-commit', commit.short)}（{escape(commit.time)}，"
                    f"{escape(commit.author)}）" for label, name, commit in (
                        ("冻结提交 freeze commit", "freeze", order.freeze),
                        ("种子提交 seed commit", "seed", order.seed)))
