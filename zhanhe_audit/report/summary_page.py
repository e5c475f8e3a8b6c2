"""The report, the archive's first page: the verdicts on one screen, computed elsewhere and shown here.

The floors come from ``draw/summary.csv``; the matching and inspector verdicts from the
independent re-checks (``matching.mismatches``, ``inspectors.violations``) that the report
notebook runs; balance, inclusion and timeline from what 04-compliance wrote to ``fairness/``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import disclosure
from ..fairness import BalanceRow, TimelineRow, below_floor
from ..formulas import StratumSummary
from ..gitorder import Order
from ..inclusion import InclusionRow
from ..inputs import Inputs
from ..inspectors import CapException, InspectorLoad
from ..layout import DRAW, DRAW_RECORD, HTML, INPUTS, MANIFEST, NOTEBOOKS, SEAL, SUMMARY, SUMS, TICKETS, VERIFIER_PAGE
from ..params import PROTOCOL
from . import Html, escape, fact
from .compliance_page import commits_html, order_stated

OK, BAD, NOTE = '<b style="color:#080">✓</b>', '<b style="color:#b00">✗</b>', '<b style="color:#a60">!</b>'


def screen(lines: list[str]) -> Html:
    return Html("<div style='font-size:15px;line-height:1.8'>" + "<br>".join(lines) + "</div>")


def headline(inputs: Inputs, summary: list[StratumSummary]) -> Html:
    """The first screen: was every floor met, can the draw be reproduced, by which rules."""
    params = inputs.params
    strata = [row for row in summary if row.eligible]
    below = [row for row in strata if below_floor(row)]
    exceptions = [row for row in below if row.reason]
    unexplained = [row for row in below if not row.reason]
    short = [row for row in summary if row.selected != row.quota]
    floors_ok = not unexplained and not short
    return screen([
        f"{OK if floors_ok else BAD} <b>抽查比例下限 (floors)</b>：{len(strata)} 个任务-等级分层中，"
        f"{len(strata) - len(below)} 个达到或超过下限"
        + (f"，{len(exceptions)} 个经书面说明低于下限（见下表理由）" if exceptions else "")
        + (f"，<b>{len(unexplained)} 个无理由低于下限</b>" if unexplained else "")
        + (f"，<b>{len(short)} 个实抽数不等于应抽数</b>" if short else "") + "。",
        f"{OK} <b>可复现 (reproducible)</b>：种子 seed {fact('seed', inputs.seed)} 已记录（每个字符均可见 every "
        f"character shown）；每个签号均可用 <code>printf … | sha256sum</code> 复核（见 <a href='{HTML}/01-draw.html'>"
        f"第一步</a> 第 8 节）；运行 <code>make verify QUARTER={escape(inputs.quarter)}</code> "
        "可从档案重算全部结果并逐字节比对。",
        f"{OK} <b>规则 (rules)</b>：抽取协议 {PROTOCOL}；共 {fact('tasks', len(params.tasks), 'b')} 个抽查任务，"
        f"抽中 {fact('selected', sum(row.selected for row in summary), 'b')} 户次，"
        "名录冻结后方产生种子，名录任何改动都会使抽取拒绝执行。",
        f"{NOTE} <b>公布与核对 (announce and compare)</b>：种子在名录冻结并提交之后产生，连同其来源公布；"
        f"<code>make draw</code> 结束时打印抽取清单 <code>{MANIFEST}</code> 的 SHA-256（与种子一同公布）；此后每次"
        "追加记录（替补、结果）打印新的链头（最新清单的 SHA-256），随公示一同公布，公示文件也写明其所依据的链头。"
        f"核对时，将公布的种子与链头填入 <code>{VERIFIER_PAGE}</code>，"
        f"或运行 <code>make verify QUARTER={escape(inputs.quarter)} "
        "SEED='…' HEAD=…</code>：种子须逐字相同，链头须是本档案的链头或链上更早的清单。"
        "本页面本身列于清单之中，故不载清单的摘要。"
        " (The seed is announced once the freeze is committed; make draw prints the draw manifest's SHA-256 "
        "to announce with it; each later record prints the new chain head, announced with the publication, "
        "which states the head it was made from. To compare, give the announced seed and head to "
        f"{VERIFIER_PAGE} or make verify SEED='…' HEAD=…; this page is listed in the manifest, so it cannot "
        "hold the manifest's digest.)",
        disclosure_line(disclosure.disclosures(params.tasks, inputs.registers.items)),
    ])


def disclosure_line(found: list[disclosure.Disclosure]) -> str:
    """Whether the publication would disclose grades (``disclosure``): a note naming each item, never a failure."""
    title = "<b>公示不透露等级 (grades not inferable from the publication)</b>："
    if not found:
        return f"{OK} {title}每个抽查事项都由包含全部四个等级的任务抽取，公示的主体可能属于任一等级。"
    items = "；".join(f"{escape(d.item)}（{escape(d.department)}）的主体可推知为 {'、'.join(d.grades)} 级"
                     f"（仅由 {'、'.join(escape(task) for task in d.tasks)} 抽取）" for d in found)
    return (f"{NOTE} {title}<b>{len(found)} 个事项仅由部分等级的任务抽取，公示后可推知其主体的等级</b>：{items}。"
            f"方案四(二)：等级不得向社会和企业公开。{escape(disclosure.REMEDY)}")


def double_random_headline(visits: int, mismatched: int, broken: int, loads: list[InspectorLoad],
                           exceptions: list[CapException]) -> Html:
    """The first screen's verdicts on matching and on the inspectors: ``mismatched`` and ``broken`` are
    what the independent re-checks found, and must be 0."""
    counts = [r.visits for r in loads if r.certified and r.cap is not None]
    return screen([
        f"{OK if not mismatched else BAD} <b>对象与事项相统一 (matching)</b>：{fact('visits', visits, 'b')} 次检查，"
        f"不匹配 {fact('mismatches', mismatched, 'b')} 处（见 <a href='{HTML}/02-match.html'>第二步</a>）。",
        f"{OK if not broken else BAD} <b>双随机：检查人员 (inspectors)</b>：按签号随机抽取，回避、所所交叉、"
        f"上次检查人员、人数等规则违反 {fact('rule-breaches', broken, 'b')} 次；每人检查 {min(counts, default=0)}–"
        f"{max(counts, default=0)} 次（见 <a href='{HTML}/03-inspectors.html'>第三步</a>）。",
        f"{OK if not exceptions else NOTE} <b>工作量上限例外 (cap exceptions)</b>："
        f"{fact('cap-exceptions', len(exceptions), 'b')} 个席位由已达上限的"
        "人员补足" + ("（上限以下的候选人员不足；逐一列于第三步第 3 节）。" if exceptions else "。"),
    ])


def fairness_headline(balances: list[BalanceRow], inclusion: list[InclusionRow], timeline: list[TimelineRow],
                      order: Order) -> Html:
    """The first screen's answer to "was it balanced, and done in order?", from ``fairness/*.csv`` and the git
    proof ``draw/git-order.json`` (empty in a preview, where 04-compliance has not run). The timeline is ✓ only
    with both commits shown, and ! when git did not prove the order."""
    tested = [b for b in balances if b.p_value is not None]
    low = [b for b in tested if b.significant]
    lines = []
    if balances:
        lines.append(f"{OK if len(low) <= max(1, len(tested) // 10) else NOTE} <b>均衡 (balanced)</b>：{len(tested)} 项"
                     f"均衡性检验（所属单位、主要类别）中 {len(low)} 项 p < 0.05；即使抽取完全公平，也预计约 "
                     f"{len(tested) / 20:.1f} 项（见 <a href='{HTML}/04-compliance.html'>第四步</a>）。")
    if inclusion:
        p_values = [r.p_value for r in inclusion if r.p_value is not None]
        worst = min(p_values, default=1.0)
        lines.append(f"{OK if worst >= 0.001 else BAD} <b>入样概率 (inclusion probability)</b>：{inclusion[0].seeds} "
                     f"个种子的蒙特卡洛，{len(p_values)} 个分层的均匀性检验最小 p = {worst:.3f}"
                     + ("（均未提示异常）" if worst >= 0.001 else "（提示异常，须查明）") + "。")
    if timeline:
        title = "<b>时间顺序 (timeline)</b>："
        if not all(r.in_order for r in timeline):
            lines.append(f"{BAD} {title}顺序错误，见第四步第 5 节 (out of order: step 4, section 5)；"
                         f"{order_stated(order)}。")
        elif not order.proved:
            lines.append(f"{NOTE} {title}{order_stated(order)}")
        else:
            lines.append(f"{OK} {title}先冻结名录并提交，后产生种子并提交，抽取前由 git 核对：{commits_html(order)}。")
    return screen(lines or ["（预览：第四步尚未运行 preview: step 4 has not run）"])


ARCHIVE_PARTS = {
    INPUTS: "抽取所用输入的原样副本 (exact copies of the inputs: params, freeze record, registers)",
    DRAW: "抽取结果 (the draw: " + ", ".join(name.rpartition("/")[2] for name in (TICKETS, SUMMARY, DRAW_RECORD)) + ")",
    NOTEBOOKS: "papermill 执行后的笔记本 (executed notebooks, with papermill's metadata)",
    HTML: "各步骤的网页 (each step as a page)",
}


def steps_run(folder: Path) -> list[str]:
    """The numbered steps executed so far in the archive being built."""
    return [notebook.stem for notebook in sorted((folder / NOTEBOOKS).glob("[0-9][0-9]-*.ipynb"))]


def contents(folder: Path) -> pd.DataFrame:
    """Every file of the archive so far, and the pages and seals written after this report."""
    rows = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            relative = path.relative_to(folder).as_posix()
            rows.append({"文件 file": relative, "字节 bytes": str(path.stat().st_size),
                         "说明 what": ARCHIVE_PARTS.get(relative.split("/")[0], "")})
    rows += [{"文件 file": f"{HTML}/{stem}.html", "字节 bytes": "", "说明 what": ARCHIVE_PARTS[HTML]}
             for stem in steps_run(folder)]
    rows.append({"文件 file": f"{MANIFEST}, {SEAL}, {SUMS}", "字节 bytes": "",
                 "说明 what": "全部文件的 SHA-256 与哈希链，最后写入 "
                             "(hashes of every file; the hash chain; written last)"})
    return pd.DataFrame(rows)


def pages(folder: Path) -> Html:
    """Links to each step's page."""
    links = [f"<li><a href='{HTML}/{escape(stem)}.html'>{escape(stem)}</a></li>" for stem in steps_run(folder)]
    return Html("<ul>" + "".join(links) + "</ul>")
