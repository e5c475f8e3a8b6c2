"""05-results (internal, 内部资料): results by category, deadlines and publication, open findings,
transfers, problem shares per grade, and the suggested percentages for the next quarter."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.dates import DateFormatter, date2num
from matplotlib.lines import Line2D

from .. import disclosure
from ..findings import CATEGORIES, Result, Suggestion
from ..inputs import Inputs
from ..registers import GRADES
from . import COLOURS, GRADE_NAMES, Html, escape, quarter_and_year_plot

OVERDUE = "#d62728"
ON_TIME = "#2ca02c"


def record_frame(record, source_shown: str) -> pd.DataFrame:
    """What the record is: as-of date, its form, its rows."""
    rows = [("截至日期 as of", record.as_of), ("来源文件 source", record.source["name"]),
            ("来源文件 SHA-256", record.source["sha256"]), ("行数 rows", record.rows),
            ("取代此前结果 superseding earlier results", record.superseded), ("记录 record", source_shown)]
    return pd.DataFrame(rows, columns=["项目 item", "内容 value"])


def categories_frame(results: list[Result], task_of: dict[tuple[str, str], str]) -> pd.DataFrame:
    """Per task: how many results carry each standard category (a result may carry several)."""
    counts: Counter = Counter((task_of[r.key], category) for r in results for category in r.categories)
    tasks = sorted({task for task, _ in counts})
    return pd.DataFrame([{"检查结果 category": category, **{task: counts[task, category] for task in tasks}}
                         for category in CATEGORIES if any(counts[task, category] for task in tasks)])


def gantt_plot(results: list[Result], as_of: date):
    """Every result: the inspection (bar), its deadline (|) and the publication date (●); overdue in red."""
    rows = sorted(results, key=lambda r: (r.end, r.visit, r.item))
    figure, axes = plt.subplots(figsize=(10, min(1.5 + 0.06 * len(rows), 40)))
    for y, result in enumerate(rows):
        late = result.overdue(as_of)
        colour = OVERDUE if late else COLOURS["selected"]
        axes.plot(date2num([result.start, result.end + timedelta(days=1)]), [y, y], color=colour, linewidth=2.5)
        axes.plot(date2num([result.deadline]), [y], marker="|", color=colour, markersize=6)
        if result.published:
            axes.plot(date2num([result.published]), [y], marker="o", color=OVERDUE if late else ON_TIME, markersize=3)
    axes.axvline(float(date2num(as_of)), color="#555", linestyle="dashed", linewidth=1)
    axes.xaxis.set_major_formatter(DateFormatter("%Y-%m-%d"))
    axes.set_yticks([])
    axes.set_ylabel(f"{len(rows)} 项检查结果 (results)")
    axes.set_title("检查、公示期限与公示日期 (inspection, 20-working-day deadline, publication; overdue in red)")
    axes.legend(handles=[Line2D([], [], color=COLOURS["selected"], linewidth=2.5, label="检查 inspection"),
                         Line2D([], [], color=COLOURS["selected"], marker="|", linestyle="none", label="期限 deadline"),
                         Line2D([], [], color=ON_TIME, marker="o", linestyle="none", label="公示 published"),
                         Line2D([], [], color=OVERDUE, linewidth=2.5, label="逾期 overdue"),
                         Line2D([], [], color="#555", linestyle="dashed", label=f"截至 as of {as_of}")],
                fontsize=8, loc="upper left")
    figure.autofmt_xdate()
    figure.tight_layout()
    return figure


def overdue_frame(results: list[Result], as_of: date) -> pd.DataFrame:
    return pd.DataFrame([{"检查 visit": r.visit, "事项 item": r.item, "统一社会信用代码 USCC": r.uscc,
                          "结束 end": r.end.isoformat(), "期限 deadline": r.deadline.isoformat(),
                          "公示 published": r.published.isoformat() if r.published else "未公示 not yet"}
                         for r in results if r.overdue(as_of)],
                        columns=["检查 visit", "事项 item", "统一社会信用代码 USCC", "结束 end", "期限 deadline",
                                 "公示 published"])


def open_frame(results: list[Result], inputs: Inputs, record_of: dict[tuple[str, str], str]) -> pd.DataFrame:
    """Every problem whose follow-up is not closed (后续处置无例外), with the record that holds its latest state."""
    names = {uscc: entity.name for uscc, entity in inputs.registers.entities.lookup(r.uscc for r in results).items()}
    return pd.DataFrame([{
        "检查 visit": r.visit, "名称 name": names.get(r.uscc, ""), "事项 item": r.item,
        "检查结果 categories": "；".join(r.categories), "发现问题 findings": r.findings,
        "后续处置 disposition": r.disposition,
        "移交部门 to": r.receiving_department, "处置进展 status": r.status, "记录 record": record_of[r.key],
    } for r in results if r.open], columns=["检查 visit", "名称 name", "事项 item", "检查结果 categories",
                                            "发现问题 findings", "后续处置 disposition", "移交部门 to",
                                            "处置进展 status", "记录 record"])


def transfers_frame(results: list[Result]) -> pd.DataFrame:
    counts: Counter = Counter((r.receiving_department, r.status) for r in results if r.receiving_department)
    return pd.DataFrame([{"接收部门 receiving department": department, "处置进展 status": status, "事项数 matters": n}
                         for (department, status), n in sorted(counts.items())],
                        columns=["接收部门 receiving department", "处置进展 status", "事项数 matters"])


def shares_frame(quarter: dict[str, tuple[int, int]], year: dict[str, tuple[int, int]]) -> pd.DataFrame:
    def shown(found: int, total: int) -> str:
        return f"{found}/{total} ({found / total:.1%})" if total else "—"

    return pd.DataFrame([{"等级 grade": GRADE_NAMES[grade], "本季度 this quarter": shown(*quarter[grade]),
                          "本年累计 year so far": shown(*year[grade])} for grade in GRADES])


def shares_plot(quarter: dict[str, tuple[int, int]], year: dict[str, tuple[int, int]]):
    def percent(counts: dict[str, tuple[int, int]]) -> list[float]:
        return [100 * found / total if total else 0 for found, total in (counts[g] for g in GRADES)]

    return quarter_and_year_plot(percent(quarter), percent(year), "发现问题的检查占比 (%)",
                                 "各等级发现问题的检查占比 (share of visits that found a problem)")


def suggestions_frame(suggestions: list[Suggestion]) -> pd.DataFrame:
    return pd.DataFrame([{"等级 grade": GRADE_NAMES[s.grade], "本季度比例 current (%)": f"{float(s.current):g}",
                          "下限 floor (%)": f"{float(s.floor):g}",
                          "建议下季度比例 suggested (%)": f"{float(s.suggested):g}",
                          "理由 reasoning": s.reasoning} for s in suggestions])


def counts_line(results: list[Result], as_of: date) -> Html:
    open_count = sum(r.open for r in results)
    late = sum(r.overdue(as_of) for r in results)
    colour = "#080" if not (open_count or late) else "#a60"
    return Html(f"<p style='font-size:16px;color:{colour}'>截至 {escape(as_of.isoformat())}："
                f"{len(results)} 项检查结果，"
                f"<b>{open_count}</b> 项问题尚未办结 (open findings)，"
                f"<b>{late}</b> 项逾期公示 (overdue publications)。</p>")


def disclosure_frame(found: list[disclosure.Disclosure], results: list[Result]) -> pd.DataFrame:
    """Each published item that would disclose grades: the grades, the tasks that draw it, its published results."""
    counts = Counter(r.item for r in results)
    return pd.DataFrame([{"抽查事项 item": d.item, "检查实施机关 authority": d.department,
                          "可推知的等级 grades disclosed": "、".join(d.grades),
                          "抽取该事项的任务 drawn only by": "、".join(d.tasks),
                          "公示结果数 published results": counts[d.item]}
                         for d in found],
                        columns=["抽查事项 item", "检查实施机关 authority", "可推知的等级 grades disclosed",
                                 "抽取该事项的任务 drawn only by", "公示结果数 published results"])


def disclosure_verdict(found: list[disclosure.Disclosure], results: list[Result]) -> Html:
    """The verdict above ``disclosure_frame``: which published items disclose grades, and the remedy."""
    items = len({r.item for r in results})
    if not found:
        return Html(f"<p><b>✓</b> 本次公示的 {items} 个事项均由包含全部四个等级的任务抽取：公示文件不透露主体的等级。"
                    f"(None of the {items} published items narrows down its entities' grades.)</p>")
    return Html(f"<p><b style='color:#a60'>!</b> 本次公示的 {items} 个事项中，<b>{len(found)} 个事项仅由部分等级的任务"
                "抽取，公示后可推知其主体的等级</b>（方案四(二)：等级不得向社会和企业公开）。"
                f"{len(found)} of the {items} "
                f"published items would disclose grades.<br>{escape(disclosure.REMEDY)}</p>")
