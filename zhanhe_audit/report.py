"""What the notebooks show: tables, plots and banners, Chinese first.

Reviewers read these pages (a Chinese public-sector document), so labels are
Chinese with the English term where a reviewer may need it. Every table is
computed from a file of the archive, and says which. Plots use Noto Sans CJK
SC, shipped inside the ``mplfonts`` wheel (SIL Open Font License), so Chinese
labels render without missing-glyph boxes on any machine.

Register, params and record text (entity, unit, department, item, tag and
inspector names, reasons, seed provenance) comes from outside: anyone who can
register a business chooses a name. It is shown as text, never as markup:
``table()`` lets the Styler escape every cell and label, every ``Html`` builder
passes such text through ``escape()``, and plots never parse ``$`` as mathtext.
Bidirectional control characters (U+202A–U+202E, U+2066–U+2069, U+200E,
U+200F, U+061C) would reorder what a reviewer reads, so ``reveal()`` shows each
one as ``⟨U+202E⟩`` instead (the Trojan Source attack, CVE-2021-42574).
"""

from __future__ import annotations

import html
import shlex
from pathlib import Path

import matplotlib
import pandas as pd
from matplotlib import font_manager
from matplotlib import pyplot as plt
from matplotlib.ticker import FuncFormatter, NullFormatter

from .draw import StratumSummary, TicketRow
from .params import FLOORS, percent_fraction
from .quarter import Inputs, caps_of
from .registers import GRADES

FONT_FILE = "NotoSansCJKsc-Regular.otf"
FONT_NAME = "Noto Sans CJK SC"
GRADE_NAMES = {"A": "A 低风险", "B": "B 中风险", "C": "C 中高风险", "D": "D 高风险"}
COLOURS = {"selected": "#1f77b4", "floor": "#d62728", "percent": "#2ca02c", "exception": "#ff7f0e"}
# Unicode's explicit bidirectional formatting characters (UAX #9, section 2): embeddings,
# overrides, isolates, their terminators, and the implicit marks LRM, RLM and ALM.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_SHOWN_BIDI = {ord(char): f"⟨U+{ord(char):04X}⟩" for char in BIDI_CONTROLS}
PLOT_LABEL_CHARS = 16  # longer register text is cut in plot labels (the tables show it whole)


def reveal(text: str) -> str:
    """``text`` with every bidirectional control character shown as ``⟨U+202E⟩``, so none can
    reorder what a reviewer reads. The one place that does this, for tables, pages and plots."""
    return text.translate(_SHOWN_BIDI)


def escape(value: object) -> str:
    """Register, params or record text for an ``Html`` string: HTML-escaped (quotes too), bidi controls shown."""
    return reveal(html.escape(str(value), quote=True))


def plot_label(value: object) -> str:
    """Register text for a plot: bidi controls shown, cut to ``PLOT_LABEL_CHARS`` characters with "…"
    (a 5,000-character name would otherwise make a figure too large to draw)."""
    text = str(value)
    return reveal(text if len(text) <= PLOT_LABEL_CHARS else text[: PLOT_LABEL_CHARS - 1] + "…")


def setup() -> None:
    """Register the CJK font with matplotlib and make it the default; never truncate table cells.

    A reviewer must see a whole seed and a whole SHA-256, so pandas shows cells in full.
    Labels are register text: a ``$`` in a name must never be parsed as mathtext (a parse
    error would fail the draw after the seed is public), and any Styler escapes HTML.
    """
    import mplfonts

    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_rows", 5000)
    pd.set_option("styler.format.escape", "html")
    path = Path(mplfonts.__file__).parent / "fonts" / FONT_FILE
    font_manager.fontManager.addfont(str(path))
    matplotlib.rcParams["font.family"] = [FONT_NAME, "DejaVu Sans"]  # DejaVu for glyphs the CJK font lacks (⟨ ⟩)
    matplotlib.rcParams["font.sans-serif"] = [FONT_NAME, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    matplotlib.rcParams["figure.dpi"] = 110
    matplotlib.rcParams["text.parse_math"] = False
    matplotlib.rcParams["text.usetex"] = False


def table(frame: pd.DataFrame):
    """A table as the pages show it: no pandas row numbers; every cell and label shown as text
    (HTML-escaped by the Styler, bidi controls revealed), never as markup."""
    shown = frame.map(lambda value: reveal(value) if isinstance(value, str) else value)
    shown = shown.rename(columns=lambda label: reveal(str(label)), index=lambda label: reveal(str(label)))
    return (shown.style.hide(axis="index").format(escape="html")
            .format_index(escape="html", axis="columns").format_index(escape="html", axis="index"))


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
    parts.append(f"<h2 style='margin:6px 0 0 0'>{escape(title)} · {escape(quarter)}</h2></div>")
    return Html("".join(parts))


def source(*files: str) -> Html:
    """A line citing the archive files a table or figure was computed from."""
    cited = ", ".join(f"<code>{escape(name)}</code>" for name in files)
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
    """Worked examples: the shell command that reproduces a ticket, and what it prints.

    One selected ticket from each stratum in turn, so the examples span tasks and grades.
    """
    firsts: dict[tuple[str, str], TicketRow] = {}
    for row in tickets:
        if row.selected:
            firsts.setdefault((row.task_id, row.grade), row)
    chosen = list(firsts.values())[:count]
    blocks = []
    for row in chosen:
        command = f"printf '%s\\n%s\\n%s' {_shell(seed)} {shlex.quote(row.task_id)} {shlex.quote(row.uscc)} | sha256sum"
        blocks.append(
            f"<p>任务 {escape(row.task_id)}，等级 {escape(row.grade)}，序号 {row.rank}：</p>"
            f"<pre style='background:#f4f4f4;padding:6px'>{escape(command)}\n"
            f"{escape(row.ticket)}  -</pre>"
        )
    return Html("".join(blocks))


def _shell(text: str) -> str:
    """``text`` as one single-quoted shell word (the seed always in quotes, as the README shows it)."""
    return "'" + text.replace("'", "'\\''") + "'"


def inspector_hand_check(seed: str, visit) -> Html:
    """The command that reproduces the ticket of a visit's first inspector."""
    from .draw import inspector_ticket

    cert = visit.inspectors[0]
    command = (f"printf '%s\\n%s\\n%s\\n%s' {_shell(seed)} {shlex.quote(visit.task_id)} {shlex.quote(visit.uscc)} "
               f"{shlex.quote(cert)} | sha256sum")
    return Html(f"<p>检查 {escape(visit.visit_id)} 的检查人员 {escape(cert)}（检查人员签号 inspector ticket）：</p>"
                f"<pre style='background:#f4f4f4;padding:6px'>{escape(command)}\n"
                f"{inspector_ticket(seed, visit.task_id, visit.uscc, cert)}  -</pre>")


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
        f"{mark[0]} <b>可复现 (reproducible)</b>：种子 <code>{escape(params.seed.value)}</code> 已记录；"
        "每个签号均可用 <code>printf … | sha256sum</code> 复核（见 <a href='html/01-draw.html'>第一步</a> 第 8 节）；"
        f"运行 <code>make verify QUARTER={escape(inputs.quarter)}</code> 可从档案重算全部结果并逐字节比对。",
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
    links = [f"<li><a href='html/{escape(notebook.stem)}.html'>{escape(notebook.stem)}</a></li>"
             for notebook in sorted((folder / "notebooks").glob("[0-9][0-9]-*.ipynb"))]
    return Html("<ul>" + "".join(links) + "</ul>")


# --- 02-match: matching entities to items --------------------------------------------------


def population_frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame([{
        "任务 task": r["task_id"], "等级 grade": GRADE_NAMES[r["grade"]],
        "在业主体 active": int(r["active"]), "事项范围内 in scope": int(r["in_scope"]),
        "排除 excluded": int(r["excluded"]), "可抽总体 N eligible": int(r["eligible"]),
    } for r in rows])


def population_plot(rows: list[dict[str, str]]):
    """Per task: active entities, those in the items' scope, and those eligible after exclusions."""
    tasks = list(dict.fromkeys(r["task_id"] for r in rows))
    totals = {task: [sum(int(r[key]) for r in rows if r["task_id"] == task) for key in ("active", "in_scope", "eligible")]
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


def excluded_frame(rows: list[dict[str, str]], inputs: Inputs) -> pd.DataFrame:
    names = {entity.uscc: entity.name for entity in inputs.registers.entities}
    return pd.DataFrame([{"任务 task": r["task_id"], "等级 grade": r["grade"], "统一社会信用代码 USCC": r["uscc"],
                          "名称 name": names.get(r["uscc"], ""), "排除理由 reason": r["reason"]} for r in rows],
                        columns=["任务 task", "等级 grade", "统一社会信用代码 USCC", "名称 name", "排除理由 reason"])


def match_frame(rows: list[dict[str, str]], inputs: Inputs) -> pd.DataFrame:
    registers = inputs.registers
    entities = {entity.uscc: entity for entity in registers.entities}
    return pd.DataFrame([{
        "任务 task": r["task_id"], "统一社会信用代码 USCC": r["uscc"], "名称 name": entities[r["uscc"]].name,
        "事项 item": f"{r['item_id']} {registers.items[r['item_id']].name}",
        "事项范围 scope": ";".join(sorted(registers.items[r["item_id"]].target_tags)),
        "符合的标签 qualifying tags": "；".join(f"{tag} {registers.tags.get(tag, '全部')}"
                                          for tag in r["qualifying_tags"].split(";")),
    } for r in rows])


def verdict(count: int, what: str) -> Html:
    """A large count that must read 0, green when it does."""
    colour = "#080" if count == 0 else "#b00"
    return Html(f"<p style='font-size:18px'><b style='color:{colour};font-size:28px'>{count}</b> {escape(what)}</p>")


def joint_visits_frame(visits, inputs: Inputs) -> pd.DataFrame:
    """Visits that join several tasks or departments (进一次门、查多项)."""
    names = {entity.uscc: entity.name for entity in inputs.registers.entities}
    return pd.DataFrame([{
        "检查 visit": v.visit_id, "名称 name": names[v.uscc], "任务 tasks": "、".join(v.tasks),
        "事项 items": "、".join(v.items), "部门 departments": "、".join(v.departments),
    } for v in visits if len(v.tasks) > 1 or len(v.departments) > 1])


# --- 03-inspectors: the second random ------------------------------------------------------


def rules_frame(inputs: Inputs, load_rows: list[dict[str, str]]) -> pd.DataFrame:
    rules = inputs.params.inspection
    caps = sorted({(r["department"], r["cap"]) for r in load_rows if r["cap"]})
    rows = [
        ("每个部门派出人数 per department", f"{rules.per_department}（不少于两人）"),
        ("所所交叉 cross-unit", "是：本所人员不检查本所辖区主体" if rules.cross_unit else "否"),
        ("回避 conflicts", "申报的利害关系人员回避；不与该主体上次检查人员相同"),
        ("工作量上限 workload cap", f"⌈需求人次 ÷ 持证人数⌉ + {rules.workload_slack}（每部门）"),
    ]
    rows += [(f"上限 cap: {department}", f"{cap} 次 visits") for department, cap in caps]
    return pd.DataFrame(rows, columns=["规则 rule", "取值 value"])


def visits_frame(visits, inputs: Inputs) -> pd.DataFrame:
    registers = inputs.registers
    entities = {entity.uscc: entity for entity in registers.entities}
    return pd.DataFrame([{
        "检查 visit": v.visit_id, "批次 batch": v.batch or "", "统一社会信用代码 USCC": v.uscc,
        "名称 name": entities[v.uscc].name, "所属单位 unit": entities[v.uscc].unit, "事项 items": "、".join(v.items),
        "检查人员 inspectors": "、".join(f"{registers.inspectors[c].name}（{registers.inspectors[c].unit}）"
                                       for c in v.inspectors),
    } for v in visits])


def load_frame(load_rows: list[dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame([{
        "执法证号 certificate": r["cert_no"], "姓名 name": r["name"], "部门 department": r["department"],
        "单位 unit": r["unit"], "持证 certified": r["certified"], "检查次数 visits": int(r["visits"]),
        "上限 cap": r["cap"],
    } for r in load_rows])


def load_plot(load_rows: list[dict[str, str]]):
    """Each certified inspector's number of visits against the department's cap."""
    rows = [r for r in load_rows if r["certified"] == "是" and r["cap"]]
    departments = list(dict.fromkeys(r["department"] for r in rows))
    figure, axes = plt.subplots(len(departments), 1, figsize=(10, 2.3 * len(departments)), squeeze=False)
    for axis, department in zip(axes[:, 0], departments):
        mine = sorted((r for r in rows if r["department"] == department), key=lambda r: (r["unit"], r["cert_no"]))
        axis.bar(range(len(mine)), [int(r["visits"]) for r in mine], color=COLOURS["selected"])
        cap = int(mine[0]["cap"])
        axis.axhline(cap, color=COLOURS["floor"], linewidth=1.5, label=f"上限 cap {cap}")
        axis.set_xticks(range(len(mine)), [plot_label(r["name"]) for r in mine], rotation=90, fontsize=7)
        axis.set_title(f"{plot_label(department)}：每名检查人员的检查次数 (visits per inspector)", fontsize=10)
        axis.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    return figure


def violations_frame(found: dict[str, list]) -> pd.DataFrame:
    from .inspectors import RULE_NAMES

    return pd.DataFrame([{"规则 rule": RULE_NAMES[rule], "违反次数 violations": len(pairs),
                          "结论 verdict": "✓ 无违反" if not pairs else "✗ 有违反"} for rule, pairs in found.items()])


def cap_exceptions_view(exceptions, inputs: Inputs):
    """Every place filled at or over the workload cap, or a line saying there was none."""
    if not exceptions:
        return Html("<p style='font-size:16px'><b style='color:#080'>✓</b> 无例外：每名检查人员均未超过本部门工作量上限 "
                    "(no cap exception: every inspector stayed within the department's cap).</p>")
    people = inputs.registers.inspectors
    return table(pd.DataFrame([{
        "检查 visit": e.visit_id, "统一社会信用代码 USCC": e.uscc, "部门 department": e.department,
        "执法证号 certificate": e.cert_no, "姓名 name": people[e.cert_no].name, "此前检查次数 visits before": e.load,
        "上限 cap": e.cap, "上限以下候选人数 candidates under the cap": e.under_cap,
    } for e in exceptions]))


def double_random_headline(inputs: Inputs, visits, load_rows: list[dict[str, str]], exceptions=()) -> Html:
    """The first screen's verdicts on matching and on the inspectors, re-checked independently."""
    from .inspectors import violations
    from .matching import mismatches

    caps = caps_of(load_rows)
    mismatched = mismatches({visit.uscc: visit.items for visit in visits}, inputs.registers)
    broken = sum(len(pairs) for pairs in violations(visits, inputs.registers, inputs.params.inspection,
                                                      inputs.history, caps, exceptions).values())
    ok, bad, info = '<b style="color:#080">✓</b>', '<b style="color:#b00">✗</b>', '<b style="color:#a60">!</b>'
    loads = [int(r["visits"]) for r in load_rows if r["certified"] == "是" and r["cap"]]
    lines = [
        f"{ok if not mismatched else bad} <b>对象与事项相统一 (matching)</b>：{len(visits)} 次检查，"
        f"不匹配 {len(mismatched)} 处（见 <a href='html/02-match.html'>第二步</a>）。",
        f"{ok if not broken else bad} <b>双随机：检查人员 (inspectors)</b>：按签号随机抽取，回避、所所交叉、"
        f"上次检查人员、人数等规则违反 {broken} 次；每人检查 {min(loads, default=0)}–{max(loads, default=0)} 次"
        "（见 <a href='html/03-inspectors.html'>第三步</a>）。",
        f"{ok if not exceptions else info} <b>工作量上限例外 (cap exceptions)</b>：{len(exceptions)} 个席位由已达上限的"
        "人员补足" + ("（上限以下的候选人员不足；逐一列于第三步第 3 节）。" if exceptions else "。"),
    ]
    return Html("<div style='font-size:15px;line-height:1.8'>" + "<br>".join(lines) + "</div>")


# --- 04-compliance: fairness evidence --------------------------------------------------------


def compliance_plot(summary: list[StratumSummary]):
    """One panel per task: achieved n/N per grade against the floor and the configured percentage;
    strata below the floor with a written reason in orange."""
    tasks = list(dict.fromkeys(row.task_id for row in summary))
    columns = min(3, len(tasks))
    rows_count = -(-len(tasks) // columns)
    figure, axes = plt.subplots(rows_count, columns, figsize=(4.2 * columns, 3.2 * rows_count), squeeze=False)
    for axis in axes.flat[len(tasks):]:
        axis.set_visible(False)
    for axis, task in zip(axes.flat, tasks):
        rows = [row for row in summary if row.task_id == task and row.eligible]
        xs = range(len(rows))
        colours = [COLOURS["exception"] if row.reason else COLOURS["selected"] for row in rows]
        axis.bar(xs, [100 * row.selected / row.eligible for row in rows], 0.6, color=colours)
        for x, row in zip(xs, rows):
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
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    figure.legend(handles=[Patch(color=COLOURS["selected"], label="实际比例 achieved n/N"),
                           Patch(color=COLOURS["exception"], label="经书面说明低于下限 exception"),
                           Line2D([], [], color=COLOURS["floor"], linewidth=2, label="下限 floor"),
                           Line2D([], [], color=COLOURS["percent"], linestyle="dashed", label="设定比例 configured")],
                  loc="lower center", ncols=4, fontsize=8, bbox_to_anchor=(0.5, -0.02))
    figure.suptitle("各任务各等级实际抽查比例 (achieved ratio per task and grade)", fontsize=11)
    figure.tight_layout(rect=(0, 0.05, 1, 1))
    return figure


def compliance_frame(summary: list[StratumSummary]) -> pd.DataFrame:
    from .fairness import below_floor

    return pd.DataFrame([{
        "任务 task": row.task_id, "等级 grade": GRADE_NAMES[row.grade], "总体 N": row.eligible, "实抽 n": row.selected,
        "实际比例 n/N": f"{100 * row.selected / row.eligible:.2f} %" if row.eligible else "—",
        "设定 p (%)": row.percent, "下限 floor (%)": row.floor,
        "达到下限 meets floor": "—" if not row.eligible else ("✗ 否" if below_floor(row) else "✓ 是"),
        "低于下限理由 reason": row.reason,
    } for row in summary])


def coverage_plot(quarter_rows, year_rows):
    """Per grade: share of active entities drawn at least once, this quarter and this year so far."""
    figure, axes = plt.subplots(figsize=(8, 3.6))
    xs = range(len(GRADES))
    axes.bar([x - 0.2 for x in xs], [100 * float(r.share) for r in quarter_rows], 0.4, label="本季度 this quarter",
             color=COLOURS["selected"])
    axes.bar([x + 0.2 for x in xs], [100 * float(r.share) for r in year_rows], 0.4, label="本年累计 year so far",
             color="#6baed6")
    for x, grade in zip(xs, GRADES):
        axes.hlines(float(FLOORS[grade]), x - 0.45, x + 0.45, colors=COLOURS["floor"], linewidth=2,
                    label="下限 floor" if x == 0 else None)
    axes.set_xticks(list(xs), [GRADE_NAMES[g] for g in GRADES])
    axes.set_ylabel("至少抽中一次的比例 (%)")
    axes.set_title("各等级在业主体至少抽中一次的比例 (share of active entities drawn at least once)")
    axes.legend(fontsize=8)
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    return figure


def coverage_frame(quarter_rows, year_rows) -> pd.DataFrame:
    return pd.DataFrame([{
        "等级 grade": GRADE_NAMES[q.grade], "在业主体 active": q.active, "本季度抽中 drawn this quarter": q.drawn,
        "本季度比例": f"{100 * float(q.share):.2f} %", "本年累计抽中 drawn this year": y.drawn,
        "本年累计比例": f"{100 * float(y.share):.2f} %",
    } for q, y in zip(quarter_rows, year_rows)])


def balance_frame(results, tests: int) -> pd.DataFrame:
    from .fairness import reading

    names = {"unit": "所属单位 home unit", "category": "主要类别 main category"}
    return pd.DataFrame([{
        "等级 grade": GRADE_NAMES[r.grade], "维度 attribute": names[r.attribute],
        "类别数 categories": len(r.categories),
        "统计量 χ²": "" if r.statistic is None else f"{r.statistic:.2f} (df {r.dof})",
        "p 值": "" if r.p_value is None else f"{r.p_value:.3f}", "解读 reading": reading(r, tests),
    } for r in results])


def balance_plot(result):
    """Population share against sample share per category, for one grade and attribute."""
    rows = result.categories[:12]
    population = sum(r[1] for r in result.categories) or 1
    sample = sum(r[2] for r in result.categories) or 1
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


def inclusion_plot(results):
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
    axes.set_title(f"蒙特卡洛：{results[0].seeds if results else 0} 个种子下每个对象的入样频率 (Monte Carlo inclusion rates)")
    axes.legend(fontsize=8)
    figure.tight_layout()
    return figure


def inclusion_frame(results) -> pd.DataFrame:
    return pd.DataFrame([{
        "任务 task": r.task_id, "等级 grade": r.grade, "总体 N": r.eligible, "应抽 n": r.n,
        "理论概率 n/N": f"{float(r.expected_rate):.4f}",
        "平均频率 mean rate": f"{sum(r.counts) / (r.seeds * r.eligible):.4f}",
        "最小–最大 min–max": f"{min(r.counts) / r.seeds:.3f}–{max(r.counts) / r.seeds:.3f}",
        "均匀性 p 值 uniformity p": "" if r.p_value is None else f"{r.p_value:.3f}",
    } for r in results])


def timeline_frame(events, problems) -> pd.DataFrame:
    return pd.DataFrame([{"事件 event": e.what, "时间 when": e.when, "来源 source": e.source} for e in events])


def timeline_verdict(problems: list[str]) -> Html:
    if not problems:
        return Html("<p style='font-size:16px'><b style='color:#080'>✓</b> 顺序正确：先冻结名录，后产生种子，再抽取 "
                    "(frozen, then seeded, then drawn).</p>")
    items = "".join(f"<li>{escape(p)}</li>" for p in problems)
    return Html(f"<div style='color:#b00;font-size:16px'><b>✗ 顺序错误 (out of order)</b><ul>{items}</ul></div>")


def fairness_headline(balances, inclusion_rows: list[dict[str, str]] | None,
                      timeline_rows: list[dict[str, str]] | None) -> Html:
    """The first screen's answer to "was it balanced, and done in order?"."""
    ok, bad, info = '<b style="color:#080">✓</b>', '<b style="color:#b00">✗</b>', '<b style="color:#a60">!</b>'
    tested = [b for b in balances if b.p_value is not None]
    low = [b for b in tested if b.significant]
    lines = [
        f"{ok if len(low) <= max(1, len(tested) // 10) else info} <b>均衡 (balanced)</b>：{len(tested)} 项均衡性检验"
        f"（所属单位、主要类别）中 {len(low)} 项 p < 0.05；即使抽取完全公平，也预计约 {len(tested) / 20:.1f} 项"
        "（见 <a href='html/04-compliance.html'>第四步</a>）。",
    ]
    if inclusion_rows is not None:
        p_values = [float(r["p_value"]) for r in inclusion_rows if r["p_value"]]
        worst = min(p_values, default=1.0)
        seeds = inclusion_rows[0]["seeds"] if inclusion_rows else "0"
        lines.append(f"{ok if worst >= 0.001 else bad} <b>入样概率 (inclusion probability)</b>：{escape(seeds)} 个种子的蒙特卡洛，"
                     f"{len(p_values)} 个分层的均匀性检验最小 p = {worst:.3f}"
                     + ("（均未提示异常）" if worst >= 0.001 else "（提示异常，须查明）") + "。")
    if timeline_rows is not None:
        in_order = all(r["in_order"] == "yes" for r in timeline_rows)
        lines.append(f"{ok if in_order else bad} <b>时间顺序 (timeline)</b>：" +
                     ("先冻结名录，后产生种子，再抽取。" if in_order else "顺序错误，见第四步第 5 节。"))
    return Html("<div style='font-size:15px;line-height:1.8'>" + "<br>".join(lines) + "</div>")
