"""What the notebooks show: tables, plots and banners, Chinese first.

Reviewers read these pages (a Chinese public-sector document), so labels are
Chinese with the English term where a reviewer may need it. Every table is
computed from a file of the archive, and says which. Plots use Noto Sans CJK
SC, shipped inside the ``mplfonts`` wheel (SIL Open Font License), so Chinese
labels render without missing-glyph boxes on any machine.
"""

from __future__ import annotations

import html
from pathlib import Path

import matplotlib
import pandas as pd
from matplotlib import font_manager
from matplotlib import pyplot as plt

from .draw import StratumSummary, TicketRow
from .params import FLOORS
from .quarter import Inputs
from .registers import GRADES

FONT_FILE = "NotoSansCJKsc-Regular.otf"
FONT_NAME = "Noto Sans CJK SC"
GRADE_NAMES = {"A": "A 低风险", "B": "B 中风险", "C": "C 中高风险", "D": "D 高风险"}
COLOURS = {"selected": "#1f77b4", "floor": "#d62728", "percent": "#2ca02c", "exception": "#ff7f0e"}


def setup() -> None:
    """Register the CJK font with matplotlib and make it the default; never truncate table cells.

    A reviewer must see a whole seed and a whole SHA-256, so pandas shows cells in full.
    """
    import mplfonts

    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_rows", 5000)
    path = Path(mplfonts.__file__).parent / "fonts" / FONT_FILE
    font_manager.fontManager.addfont(str(path))
    matplotlib.rcParams["font.family"] = ["sans-serif"]
    matplotlib.rcParams["font.sans-serif"] = [FONT_NAME, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    matplotlib.rcParams["figure.dpi"] = 110


def table(frame: pd.DataFrame):
    """A table as the pages show it: no pandas row numbers."""
    return frame.style.hide(axis="index")


class Html(str):
    """A string that Jupyter shows as HTML."""

    def _repr_html_(self) -> str:
        return str(self)


def banner(quarter: str, demo: bool, title: str) -> Html:
    """The stamp at the top of every page: internal, and demo when it is."""
    parts = [
        '<div style="border:3px solid #b00;padding:8px 14px;margin:0 0 12px 0;font-size:15px">',
        '<b style="color:#b00;font-size:20px">内部资料 · 不得公开</b> '
        '<span style="color:#555">(INTERNAL: shows credit-risk grades, which are never published; '
        "湛河区实施方案 四(二))</span>",
    ]
    if demo:
        parts.append('<br><b style="color:#a60">演示数据 DEMO</b>: 合成数据，非真实企业与人员 '
                     "(synthetic registers, not real companies or people).")
    parts.append(f"<h2 style='margin:6px 0 0 0'>{html.escape(title)} · {html.escape(quarter)}</h2></div>")
    return Html("".join(parts))


def source(*files: str) -> Html:
    """A line citing the archive files a table or figure was computed from."""
    cited = ", ".join(f"<code>{html.escape(name)}</code>" for name in files)
    return Html(f'<p style="color:#555;font-size:12px">数据来源 (source): {cited}</p>')


def seed_table(inputs: Inputs) -> pd.DataFrame:
    seed = inputs.params.seed
    rows = [("种子 seed", seed.value), ("协议 protocol", "draw-v1")]
    rows += [(f"来源 provenance: {key}", value if isinstance(value, str) else "; ".join(map(str, value)))
             for key, value in seed.provenance.items()]
    return pd.DataFrame(rows, columns=["项目 item", "内容 value"])


def freeze_table(record: dict, inputs: Inputs) -> pd.DataFrame:
    """Each register: frozen hash against the file drawn from (the draw refuses on any difference)."""
    rows = []
    for name, frozen in record["registers"].items():
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
                    label="下限 floor" if position == 0 else None)
    axes.set_xticks(range(len(GRADES)), [GRADE_NAMES[grade] for grade in GRADES])
    axes.set_ylabel("实际抽查比例 n/N (%)")
    axes.set_title("各等级实际抽查比例与下限 (achieved ratio vs floor)")
    axes.legend(fontsize=8, ncols=2)
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    return figure


def selected_frame(tickets: list[TicketRow], inputs: Inputs) -> pd.DataFrame:
    entities = {entity.uscc: entity for entity in inputs.registers.entities}
    rows = []
    for row in tickets:
        if row.selected:
            entity = entities[row.uscc]
            rows.append({
                "任务 task": row.task_id, "等级 grade": row.grade, "序号 rank": row.rank,
                "批次 batch": row.batch or "", "统一社会信用代码 USCC": row.uscc,
                "名称 name": entity.name, "所属单位 unit": entity.unit, "签 ticket": row.ticket[:16] + "…",
            })
    return pd.DataFrame(rows)


def reserve_frame(tickets: list[TicketRow], head: int = 3) -> pd.DataFrame:
    """The first ``head`` reserves of each stratum: the replacement order (protocol v1, "Selection")."""
    rows = []
    taken: dict[tuple[str, str], int] = {}
    for row in tickets:
        key = (row.task_id, row.grade)
        if not row.selected and taken.get(key, 0) < head:
            taken[key] = taken.get(key, 0) + 1
            rows.append({"任务 task": row.task_id, "等级 grade": row.grade, "备选序号 rank": row.rank,
                         "统一社会信用代码 USCC": row.uscc, "签 ticket": row.ticket[:16] + "…"})
    return pd.DataFrame(rows)


def hand_check(seed: str, tickets: list[TicketRow], count: int = 2) -> Html:
    """Worked examples: the shell command that reproduces a ticket, and what it prints."""
    chosen = [row for row in tickets if row.selected][:count]
    seed_shell = seed.replace("'", "'\\''")
    blocks = []
    for row in chosen:
        command = f"printf '%s\\n%s\\n%s' '{seed_shell}' {row.task_id} {row.uscc} | sha256sum"
        blocks.append(
            f"<p>任务 {html.escape(row.task_id)}，等级 {row.grade}，序号 {row.rank}：</p>"
            f"<pre style='background:#f4f4f4;padding:6px'>{html.escape(command)}\n"
            f"{row.ticket}  -</pre>"
        )
    return Html("".join(blocks))


def headline(inputs: Inputs, summary: list[StratumSummary]) -> Html:
    """The first screen: was every floor met, can the draw be reproduced, by which rules."""
    params = inputs.params
    strata = [row for row in summary if row.eligible]
    below = [row for row in strata if row.selected * 100 < row.eligible * FLOORS[row.grade]]
    exceptions = [row for row in below if row.reason]
    unexplained = [row for row in below if not row.reason]
    short = [row for row in summary if row.selected != row.quota]
    floors_ok = not unexplained and not short
    mark = ('<b style="color:#080">✓</b>', '<b style="color:#b00">✗</b>')
    lines = [
        f"{mark[0] if floors_ok else mark[1]} <b>抽查比例下限 (floors)</b>：{len(strata)} 个任务-等级分层中，"
        f"{len(strata) - len(below)} 个达到或超过下限"
        + (f"，{len(exceptions)} 个经书面说明低于下限（见下表理由）" if exceptions else "")
        + (f"，<b>{len(unexplained)} 个无理由低于下限</b>" if unexplained else "")
        + (f"，<b>{len(short)} 个实抽数不等于应抽数</b>" if short else "") + "。",
        f"{mark[0]} <b>可复现 (reproducible)</b>：种子 <code>{html.escape(params.seed.value)}</code> 已记录；"
        "每个签号均可用 <code>printf … | sha256sum</code> 复核（见 <a href='html/01-draw.html'>第一步</a> 第 8 节）；"
        f"运行 <code>make verify QUARTER={html.escape(inputs.quarter)}</code> 可从档案重算全部结果并逐字节比对。",
        f"{mark[0]} <b>规则 (rules)</b>：抽取协议 draw-v1；共 {len(params.tasks)} 个抽查任务，"
        f"抽中 {sum(row.selected for row in summary)} 户次，"
        "名录冻结后方产生种子，名录任何改动都会使抽取拒绝执行。",
    ]
    return Html("<div style='font-size:15px;line-height:1.8'>" + "<br>".join(lines) + "</div>")


ARCHIVE_PARTS = {
    "inputs": "抽取所用输入的原样副本 (exact copies of the inputs: params, freeze record, registers)",
    "draw": "抽取结果 (the draw: tickets.csv, summary.csv, draw.json)",
    "notebooks": "papermill 执行后的笔记本 (executed notebooks, with papermill's metadata)",
    "html": "各步骤的网页 (each step as a page)",
}


def contents(folder: Path) -> pd.DataFrame:
    """Every file of the archive so far, and the pages and seals written after this report."""
    rows = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            relative = path.relative_to(folder).as_posix()
            rows.append({"文件 file": relative, "字节 bytes": str(path.stat().st_size),
                         "说明 what": ARCHIVE_PARTS.get(relative.split("/")[0], "")})
    for notebook in sorted((folder / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        rows.append({"文件 file": f"html/{notebook.stem}.html", "字节 bytes": "",
                     "说明 what": ARCHIVE_PARTS["html"]})
    rows.append({"文件 file": "manifest.json, manifest.json.sha256, SHA256SUMS", "字节 bytes": "",
                 "说明 what": "全部文件的 SHA-256 与哈希链，最后写入 (hashes of every file; the hash chain; written last)"})
    return pd.DataFrame(rows)


def pages(folder: Path) -> Html:
    """Links to each step's page."""
    links = [f"<li><a href='html/{notebook.stem}.html'>{html.escape(notebook.stem)}</a></li>"
             for notebook in sorted((folder / "notebooks").glob("[0-9][0-9]-*.ipynb"))]
    return Html("<ul>" + "".join(links) + "</ul>")
