"""What the notebooks show: Chinese labels render, stamps, the headline's verdicts."""

from __future__ import annotations

import io
import warnings

import matplotlib

matplotlib.use("Agg")

from zhanhe_audit import report  # noqa: E402
from zhanhe_audit.draw import StratumSummary  # noqa: E402


def _summary(selected_d=3, reason=""):
    return [
        StratumSummary("2026Q1-T01", "A", 300, "1", "1", 3, 3, ""),
        StratumSummary("2026Q1-T01", "D", 15, "20", "20", 3, selected_d, reason),
    ]


def test_ratio_plot_renders_chinese_labels_without_missing_glyphs():
    report.setup()
    figure = report.ratio_plot(_summary())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(io.BytesIO(), format="png")
    assert [str(w.message) for w in caught if "missing" in str(w.message).lower()] == []
    assert matplotlib.rcParams["font.sans-serif"][0] == report.FONT_NAME
    labels = [label.get_text() for label in figure.axes[0].get_xticklabels()]
    assert labels == [report.GRADE_NAMES[grade] for grade in "ABCD"]


def test_banner_says_internal_and_demo_only_when_demo():
    assert "内部资料" in report.banner("2026Q1", False, "t") and "演示数据" not in report.banner("2026Q1", False, "t")
    assert "演示数据" in report.banner("demo-2026Q4", True, "t")


def test_hand_check_command_reproduces_the_ticket_in_a_real_shell():
    import hashlib
    import html
    import re
    import subprocess

    from zhanhe_audit.draw import TicketRow, ticket

    seed = "it's a seed: 12345678901234567890 $HOME `x`"
    row = TicketRow("2026Q1-T01", "A", "91410411AY4CL12TH9", ticket(seed, "2026Q1-T01", "91410411AY4CL12TH9"), 1, True, None)
    shown = html.unescape(report.hand_check(seed, [row]))
    command = re.search(r"(printf .*\| sha256sum)", shown).group(1)
    output = subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=True).stdout
    expected = hashlib.sha256(f"{seed}\n2026Q1-T01\n91410411AY4CL12TH9".encode()).hexdigest()
    assert output.split()[0] == expected == row.ticket
    assert f"{expected}  -" in shown


def test_headline_flags_a_stratum_below_its_floor_without_reason():
    from types import SimpleNamespace

    inputs = SimpleNamespace(quarter="2026Q1", params=SimpleNamespace(seed=SimpleNamespace(value="s"), tasks=[1]))
    good = report.headline(inputs, _summary())
    assert "✓</b> <b>抽查比例下限" in good and "无理由低于下限" not in good
    bad = report.headline(inputs, _summary(selected_d=2))  # 2 of 15 is below 20 %
    assert "✗</b> <b>抽查比例下限" in bad and "1 个无理由低于下限" in bad
    excused = report.headline(inputs, [StratumSummary("2026Q1-T01", "D", 15, "10", "20", 2, 2, "staff on leave")])
    assert "1 个经书面说明低于下限" in excused and "✓</b> <b>抽查比例下限" in excused


def test_double_random_headline_turns_red_on_a_planted_mismatch_or_rule_break():
    import dataclasses
    import io as _io

    from projects import ROOT
    from zhanhe_audit import quarter
    from zhanhe_audit.paths import Project

    inputs = quarter.load_inputs(Project(ROOT), "demo-2026Q4")
    result = quarter.run_draw(inputs)
    loads = list(__import__("csv").DictReader(_io.StringIO(quarter.load_csv(result))))
    good = report.double_random_headline(inputs, result.visits, loads)
    assert good.count("✓") == 2 and "不匹配 0 处" in good and "违反 0 次" in good
    # plant an item whose scope cannot cover the first visit's entity, and a conflicted inspector
    entity = next(e for e in inputs.registers.entities if e.uscc == result.visits[0].uscc)
    foreign = next(i for i in inputs.registers.items.values() if not (i.target_tags & entity.tags) and "*" not in i.target_tags)
    conflict = inputs.registers.conflicts[0]
    planted = [dataclasses.replace(result.visits[0], items=result.visits[0].items + (foreign.item_id,)),
               dataclasses.replace(result.visits[1], uscc=conflict.uscc, inspectors=(conflict.cert_no,) + result.visits[1].inspectors[1:])]
    bad = report.double_random_headline(inputs, planted + result.visits[2:], loads)
    assert "不匹配 1 处" in bad and "违反 0 次" not in bad and bad.count("✗") == 2


def test_compliance_plot_marks_an_excused_stratum_below_its_floor_in_the_exception_colour():
    from matplotlib.colors import to_hex

    summary = [StratumSummary("2026Q1-T01", "A", 300, "1", "1", 3, 3, ""),
               StratumSummary("2026Q1-T01", "D", 40, "10", "20", 4, 4, "两名检查人员病休 (two inspectors on sick leave)")]
    figure = report.compliance_plot(summary)
    axis = figure.axes[0]
    colours = [to_hex(bar.get_facecolor()) for bar in axis.patches]
    assert colours == [report.COLOURS["selected"], report.COLOURS["exception"]]
    assert [t.get_text() for t in axis.texts] == ["低于下限：见理由"]
    frame = report.compliance_frame(summary)
    assert list(frame["达到下限 meets floor"]) == ["✓ 是", "✗ 否"]
    assert frame["低于下限理由 reason"][1].startswith("两名检查人员病休")


def test_inspector_hand_check_command_reproduces_in_a_real_shell():
    import html as _html
    import re
    import subprocess

    from zhanhe_audit.inspectors import Visit

    visit = Visit("2026Q1-V0001", "91410411AY4CL12TH9", "2026Q1-T01", "", ("2026Q1-T01",), ("SX01",), ("d",), None,
                  ("41040020150017",))
    seed = "2026-01-05 dice: 48213 90377 15620 73184"
    shown = _html.unescape(report.inspector_hand_check(seed, visit))
    command = re.search(r"(printf .*\| sha256sum)", shown).group(1)
    output = subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=True).stdout.split()[0]
    # the inspector vector of draw-vectors.json
    assert output == "cbe391c4b1cccc147aadc727dbc8a4310a085fc3b0fa7b4c3aad3b7fc73479d9"
    assert f"{output}  -" in shown
