"""03-inspectors: the second random's rules, every rule re-checked, the loads and the cap exceptions."""

from __future__ import annotations

import pandas as pd
from matplotlib import pyplot as plt

from ..inputs import Inputs
from ..inspectors import RULE_NAMES, CapException, InspectorLoad, Visit
from . import COLOURS, Html, plot_label, table


def rules_frame(inputs: Inputs, loads: list[InspectorLoad]) -> pd.DataFrame:
    rules = inputs.params.inspection
    caps = sorted({(r.department, r.cap) for r in loads if r.cap is not None})
    rows = [
        ("每个部门派出人数 per department", f"{rules.per_department}（不少于两人）"),
        ("所所交叉 cross-unit", "是：本所人员不检查本所辖区主体" if rules.cross_unit else "否"),
        ("回避 conflicts", "申报的利害关系人员回避；不与该主体上次检查人员相同"),
        ("工作量上限 workload cap", f"⌈需求人次 ÷ 持证人数⌉ + {rules.workload_slack}（每部门，软上限）"),
    ]
    rows += [(f"上限 cap: {department}", f"{cap} 次 visits") for department, cap in caps]
    return pd.DataFrame(rows, columns=["规则 rule", "取值 value"])


def visits_frame(visits: list[Visit], inputs: Inputs) -> pd.DataFrame:
    registers = inputs.registers
    entities = registers.entities.lookup(v.uscc for v in visits)
    return pd.DataFrame([{
        "检查 visit": v.visit_id, "批次 batch": v.batch or "", "统一社会信用代码 USCC": v.uscc,
        "名称 name": entities[v.uscc].name, "所属单位 unit": entities[v.uscc].unit, "事项 items": "、".join(v.items),
        "检查人员 inspectors": "、".join(f"{registers.inspectors[c].name}（{registers.inspectors[c].unit}）"
                                       for c in v.inspectors),
    } for v in visits])


def load_frame(loads: list[InspectorLoad]) -> pd.DataFrame:
    return pd.DataFrame([{
        "执法证号 certificate": r.cert_no, "姓名 name": r.name, "部门 department": r.department, "单位 unit": r.unit,
        "持证 certified": "是" if r.certified else "否", "检查次数 visits": r.visits,
        "上限 cap": "" if r.cap is None else r.cap,
    } for r in loads])


def load_plot(loads: list[InspectorLoad]):
    """Each certified inspector's number of visits against the department's cap."""
    rows = [r for r in loads if r.certified and r.cap is not None]
    departments = list(dict.fromkeys(r.department for r in rows))
    figure, axes = plt.subplots(max(len(departments), 1), 1, figsize=(10, 2.3 * max(len(departments), 1)),
                                squeeze=False)
    if not departments:
        axes[0, 0].text(0.5, 0.5, "本季度无检查 (no visit this quarter)", ha="center", va="center")
        axes[0, 0].set_axis_off()
    for axis, department in zip(axes[:, 0], departments, strict=False):
        mine = sorted((r for r in rows if r.department == department), key=lambda r: (r.unit, r.cert_no))
        axis.bar(range(len(mine)), [r.visits for r in mine], color=COLOURS["selected"])
        cap = mine[0].cap
        axis.axhline(cap, color=COLOURS["floor"], linewidth=1.5, label=f"上限 cap {cap}")
        axis.set_xticks(range(len(mine)), [plot_label(r.name) for r in mine], rotation=90, fontsize=7)
        axis.set_title(f"{plot_label(department)}：每名检查人员的检查次数 (visits per inspector)", fontsize=10)
        axis.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    return figure


def violations_frame(found: dict[str, list]) -> pd.DataFrame:
    return pd.DataFrame([{"规则 rule": RULE_NAMES[rule], "违反次数 violations": len(pairs),
                          "结论 verdict": "✓ 无违反" if not pairs else "✗ 有违反"} for rule, pairs in found.items()])


def cap_exceptions_view(exceptions: list[CapException], inputs: Inputs):
    """Every place filled at or over the workload cap, or a line saying there was none."""
    if not exceptions:
        return Html("<p style='font-size:16px'><b style='color:#080'>✓</b> "
                    "无例外：每名检查人员均未超过本部门工作量上限 "
                    "(no cap exception: every inspector stayed within the department's cap).</p>")
    people = inputs.registers.inspectors
    return table(pd.DataFrame([{
        "检查 visit": e.visit_id, "统一社会信用代码 USCC": e.uscc, "部门 department": e.department,
        "执法证号 certificate": e.cert_no, "姓名 name": people[e.cert_no].name, "此前检查次数 visits before": e.load,
        "上限 cap": e.cap, "上限以下候选人数 candidates under the cap": e.under_cap,
    } for e in exceptions]))
