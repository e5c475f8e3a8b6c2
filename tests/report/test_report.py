"""What the notebooks show: Chinese labels render, stamps, the headline's verdicts."""

from __future__ import annotations

import io
import warnings

import matplotlib
import pytest

from oracle.draw import as_columns

matplotlib.use("Agg")

from zhanhe_audit import report  # noqa: E402
from zhanhe_audit.formulas import StratumSummary  # noqa: E402
from zhanhe_audit.gitorder import Commit, Order  # noqa: E402
from zhanhe_audit.inspectors import InspectorLoad  # noqa: E402
from zhanhe_audit.matching import Population  # noqa: E402
from zhanhe_audit.params import Task  # noqa: E402
from zhanhe_audit.registers import Item  # noqa: E402
from zhanhe_audit.report import compliance_page, draw_page, inspectors_page, match_page, summary_page  # noqa: E402


def _summary(selected_d=3, reason=""):
    return [
        StratumSummary("2026Q1-T01", "A", 300, "1", "1", 3, 3, ""),
        StratumSummary("2026Q1-T01", "D", 15, "20", "20", 3, selected_d, reason),
    ]


def test_ratio_plot_renders_chinese_labels_without_missing_glyphs():
    report.setup()
    figure = draw_page.ratio_plot(_summary())
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
    import re
    import subprocess

    from zhanhe_audit.formulas import ticket
    from zhanhe_audit.tickets import TicketRow

    seed = "it's a seed: 12345678901234567890 $HOME `x`"
    row = TicketRow("2026Q1-T01", "A", "91410411AY4CL12TH9", ticket(seed, "2026Q1-T01", "91410411AY4CL12TH9"), 1,
                    True, None)
    shown = shown_text(draw_page.hand_check(seed, as_columns([row])))
    command = re.search(r"(printf .*\| sha256sum)", shown).group(1)
    output = subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=True).stdout
    expected = hashlib.sha256(f"{seed}\n2026Q1-T01\n91410411AY4CL12TH9".encode()).hexdigest()
    assert output.split()[0] == expected == row.ticket
    assert f"{expected}  -" in shown


def test_headline_flags_a_stratum_below_its_floor_without_reason():
    from types import SimpleNamespace

    inputs = SimpleNamespace(quarter="2026Q1", seed="s",
                             params=SimpleNamespace(tasks=[Task("2026Q1-T01", ("SX01",), tuple("ABCD"))]),
                             registers=SimpleNamespace(items={}))
    good = summary_page.headline(inputs, _summary())
    assert "✓</b> <b>抽查比例下限" in good and "无理由低于下限" not in good
    bad = summary_page.headline(inputs, _summary(selected_d=2))  # 2 of 15 is below 20 %
    assert "✗</b> <b>抽查比例下限" in bad and "1 个无理由低于下限" in bad
    excused = summary_page.headline(inputs, [StratumSummary("2026Q1-T01", "D", 15, "10", "20", 2, 2, "staff on leave")])
    assert "1 个经书面说明低于下限" in excused and "✓</b> <b>抽查比例下限" in excused


def _double_random(inputs, visits, loads, exceptions=()):
    """The first screen's verdicts as the report notebook computes and shows them."""
    from zhanhe_audit import inspectors, matching

    mismatched = matching.mismatches({v.uscc: v.items for v in visits}, inputs.registers)
    broken = inspectors.violations(visits, inputs.registers, inputs.params.inspection, inputs.history,
                                   inspectors.caps_of(loads), exceptions)
    return shown_text(summary_page.double_random_headline(len(visits), len(mismatched),
                                                          sum(map(len, broken.values())), loads, list(exceptions)))


def shown_text(page: str) -> str:
    """What a reader sees of an HTML snippet: tags dropped (a stated figure is marked by one), entities read."""
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_double_random_headline_turns_red_on_a_planted_mismatch_or_rule_break(tmp_path):
    import dataclasses

    from projects import ROOT
    from zhanhe_audit import engine, inspectors
    from zhanhe_audit.paths import Project

    inputs = engine.project_inputs(Project(ROOT), "demo-2026Q4")
    result = engine.run_draw(inputs, tmp_path)
    loads = inspectors.loads(inputs.registers, result.assignment)
    good = _double_random(inputs, result.visits, loads)
    assert good.count("✓") == 3 and "不匹配 0 处" in good and "违反 0 次" in good and "0 个席位" in good
    # plant an item whose scope cannot cover the first visit's entity, and a conflicted inspector
    entity = next(e for e in inputs.registers.entities if e.uscc == result.visits[0].uscc)
    foreign = next(i for i in inputs.registers.items.values()
                   if not (i.target_tags & entity.tags) and "*" not in i.target_tags)
    conflict = inputs.registers.conflicts[0]
    planted = [dataclasses.replace(result.visits[0], items=result.visits[0].items + (foreign.item_id,)),
               dataclasses.replace(result.visits[1], uscc=conflict.uscc,
                                   inspectors=(conflict.cert_no,) + result.visits[1].inspectors[1:])]
    bad = _double_random(inputs, planted + result.visits[2:], loads)
    assert "不匹配 1 处" in bad and "违反 0 次" not in bad and bad.count("✗") == 2


def test_cap_exceptions_are_counted_on_the_first_screen_and_listed_with_the_inspectors_name(tmp_path):
    from test_inspectors import CERTS, D1, U, conflict, draw_of, entity_row, inspector_row, write_project

    from zhanhe_audit import inspectors

    rows = [inspector_row(cert) for cert in CERTS[:3]]
    project = write_project(tmp_path, [entity_row(code) for code in U[:3]], rows,
                            [conflict(CERTS[2], U[0]), conflict(CERTS[2], U[1])], workload_slack=0)
    result = draw_of(project)
    (exception,) = result.assignment.exceptions
    loads = inspectors.loads(result.inputs.registers, result.assignment)
    screen = _double_random(result.inputs, result.visits, loads, result.assignment.exceptions)
    assert "违反 0 次" in screen and "1 个席位由已达上限的人员补足" in screen and "! 工作量上限例外" in screen
    shown = inspectors_page.cap_exceptions_view(result.assignment.exceptions, result.inputs).to_html()
    name = result.inputs.registers.inspectors[exception.cert_no].name
    assert exception.visit_id in shown and exception.cert_no in shown and name in shown and D1 in shown
    assert "无例外" in inspectors_page.cap_exceptions_view([], result.inputs)


def test_compliance_plot_marks_an_excused_stratum_below_its_floor_in_the_exception_colour():
    from matplotlib.colors import to_hex

    summary = [StratumSummary("2026Q1-T01", "A", 300, "1", "1", 3, 3, ""),
               StratumSummary("2026Q1-T01", "D", 40, "10", "20", 4, 4,
                              "两名检查人员病休 (two inspectors on sick leave)")]
    figure = compliance_page.compliance_plot(summary)
    axis = figure.axes[0]
    colours = [to_hex(bar.get_facecolor()) for bar in axis.patches]
    assert colours == [report.COLOURS["selected"], report.COLOURS["exception"]]
    assert [t.get_text() for t in axis.texts] == ["低于下限：见理由"]
    frame = compliance_page.compliance_frame(summary)
    assert list(frame["达到下限 meets floor"]) == ["✓ 是", "✗ 否"]
    assert frame["低于下限理由 reason"][1].startswith("两名检查人员病休")


def test_inspector_hand_check_command_reproduces_in_a_real_shell():
    import re
    import subprocess

    from zhanhe_audit.inspectors import Visit

    visit = Visit("2026Q1-V0001", "91410411AY4CL12TH9", "2026Q1-T01", "", ("2026Q1-T01",), ("SX01",), ("d",), None,
                  ("41040020150017",))
    seed = "2026-01-05 dice: 48213 90377 15620 73184"
    shown = shown_text(draw_page.inspector_hand_check(seed, [visit]))
    command = re.search(r"(printf .*\| sha256sum)", shown).group(1)
    output = subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=True).stdout.split()[0]
    # the inspector vector of draw-vectors.json
    assert output == "cbe391c4b1cccc147aadc727dbc8a4310a085fc3b0fa7b4c3aad3b7fc73479d9"
    assert f"{output}  -" in shown


# --- register text is shown as text (issue 8) --------------------------------------------------

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)></td></tr></table>'


def test_reveal_shows_each_bidi_control_as_its_code_point_and_leaves_other_text_alone():
    table = {"\u202a": "⟨U+202A⟩", "\u202b": "⟨U+202B⟩", "\u202c": "⟨U+202C⟩", "\u202d": "⟨U+202D⟩",
             "\u202e": "⟨U+202E⟩", "\u2066": "⟨U+2066⟩", "\u2067": "⟨U+2067⟩", "\u2068": "⟨U+2068⟩",
             "\u2069": "⟨U+2069⟩", "\u200e": "⟨U+200E⟩", "\u200f": "⟨U+200F⟩", "\u061c": "⟨U+061C⟩"}
    for char, visible in table.items():
        assert report.reveal(f"甲{char}乙") == f"甲{visible}乙"
    assert report.reveal("平顶山 <b> $x$ \u200b\u3000") == "平顶山 <b> $x$ \u200b\u3000"  # not bidi: unchanged


def test_escape_makes_markup_text_and_reveals_bidi():
    assert report.escape(f"{HOSTILE}\u202e'") == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
        "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;⟨U+202E⟩&#x27;")
    assert report.escape(42) == "42"


def _cells(markup: str) -> tuple[set[str], list[tuple[str, str]]]:
    """Every element's tag, and (tag, text) of every th and td, as a browser reads them."""
    from html.parser import HTMLParser

    tags: set[str] = set()
    cells: list[tuple[str, str]] = []

    class Cells(HTMLParser):
        open_cell = False

        def handle_starttag(self, tag, attrs):
            tags.add(tag)
            self.open_cell = tag in {"th", "td"}
            if self.open_cell:
                cells.append((tag, ""))

        def handle_endtag(self, tag):
            self.open_cell = False

        def handle_data(self, data):
            if self.open_cell:
                cells[-1] = (cells[-1][0], cells[-1][1] + data)

    Cells(convert_charrefs=True).feed(markup)
    return tags, cells


def test_table_escapes_every_cell_and_column_label_and_reveals_bidi():
    import pandas as pd

    long_name = "长" * 5000
    frame = pd.DataFrame([{f"名称 {HOSTILE}\u202e": HOSTILE + "\u202eabc", "长 long": long_name, "数 n": 7}])
    tags, cells = _cells(report.table(frame).to_html())
    assert tags == {"style", "table", "thead", "tr", "th", "tbody", "td"}
    assert cells == [("th", f"名称 {HOSTILE}⟨U+202E⟩"), ("th", "长 long"), ("th", "数 n"),
                     ("td", HOSTILE + "⟨U+202E⟩abc"), ("td", long_name), ("td", "7")]  # whole; no row number


def test_table_of_an_empty_frame_still_renders():
    import pandas as pd

    assert "<table" in report.table(pd.DataFrame(columns=["名称 name"])).to_html()


def test_html_builders_show_register_and_params_text_as_text():
    from types import SimpleNamespace

    summary = _summary()
    # a one-grade task, so that the headline names its item and department (register text) as a disclosure
    item = Item(HOSTILE + "\u202e", HOSTILE, HOSTILE + "\u202e", "", frozenset(), "general", 2)
    inputs = SimpleNamespace(quarter="2026Q1", seed=HOSTILE + "\u202e",
                             params=SimpleNamespace(tasks=[Task("2026Q1-T01", (item.item_id,), ("C",))]),
                             registers=SimpleNamespace(items={item.item_id: item}))
    pages = {
        "banner": report.banner(HOSTILE, True, HOSTILE),
        "source": report.source(HOSTILE),
        "verdict": report.verdict(0, HOSTILE),
        "timeline_verdict": compliance_page.timeline_verdict([HOSTILE], Order(None, None, HOSTILE)),
        "timeline_verdict_proved": compliance_page.timeline_verdict([],
                                                                    Order(*[Commit("a" * 40, HOSTILE, HOSTILE)] * 2)),
        "headline": summary_page.headline(inputs, summary),
    }
    for name, shown in pages.items():
        assert "<script" not in shown and "<img" not in shown and "</td>" not in shown, name
        assert "&lt;script&gt;" in shown and "\u202e" not in shown, name
    assert "⟨U+202E⟩" in pages["headline"]
    assert "的主体可推知为 C 级（仅由 2026Q1-T01 抽取）" in pages["headline"]  # the disclosure line, item escaped


def test_inspector_hand_check_escapes_a_hostile_certificate_number_and_its_command_still_reproduces(tmp_path):
    import re
    import subprocess

    from zhanhe_audit.formulas import inspector_ticket
    from zhanhe_audit.inspectors import Visit

    cert = "41040020150017<img src=x onerror=alert('c')>; touch pwned"
    visit = Visit("2026Q1-V0001", "91410411AY4CL12TH9", "2026Q1-T01", "", ("2026Q1-T01",), ("SX01",), ("d",), None,
                  (cert,))
    seed = "2026-01-05 dice: 48213 90377 15620 73184 $(touch pwned2)"
    page = draw_page.inspector_hand_check(seed, [visit])
    assert "<img" not in page and "&lt;img src=x onerror=alert(&#x27;c&#x27;)&gt;" in page
    command = re.search(r"(printf .*\| sha256sum)", shown_text(page)).group(1)
    output = subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert output.split()[0] == inspector_ticket(seed, "2026Q1-T01", "91410411AY4CL12TH9", cert)
    assert list(tmp_path.iterdir()) == []  # nothing in the command ran


def test_a_label_with_mathtext_dollars_renders_as_text_and_would_fail_as_mathtext():
    import pytest
    from matplotlib import pyplot as plt

    def draw_labels():
        figure, axes = plt.subplots()
        axes.set_xticks([0], [r"$\frac{$ 平顶山"])
        axes.set_title(r"$\frac{$")
        try:
            figure.savefig(io.BytesIO(), format="png")
        finally:
            plt.close(figure)
        return axes.get_title()

    report.setup()
    assert draw_labels() == r"$\frac{$"
    with matplotlib.rc_context({"text.parse_math": True}), pytest.raises(ValueError, match="frac"):
        draw_labels()  # the hazard setup() removes: matplotlib's default parses the label as mathtext


def test_load_plot_with_hostile_names_renders_cut_and_with_bidi_shown():
    from matplotlib import pyplot as plt

    report.setup()
    long_name = "很长的人名$x$" * 800
    rows = [InspectorLoad(str(n), name, "部门$\\frac{$\u202e", "单位", True, 3, 4)
            for n, name in enumerate([long_name, "王\u202e五$", HOSTILE])]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure = inspectors_page.load_plot(rows)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", bbox_inches="tight")
    assert [str(w.message) for w in caught] == []  # no missing glyph (⟨ ⟩ too), and the layout fits
    assert buffer.tell() < 500_000
    labels = [label.get_text() for label in figure.axes[0].get_xticklabels()]
    assert labels[0] == long_name[:15] + "…" and labels[1] == "王⟨U+202E⟩五$" and labels[2].startswith("<script>")
    assert figure.axes[0].get_title().startswith("部门$\\frac{$⟨U+202E⟩：")
    plt.close(figure)


def test_no_plot_shows_mathtext_source_now_that_mathtext_is_off():
    """With text.parse_math off, a label matplotlib writes as mathtext (a log axis's $10^{-1}$)
    would show as its source: every text of every plot is plain."""
    from fractions import Fraction
    from types import SimpleNamespace

    from matplotlib import pyplot as plt

    report.setup()
    inclusion = [SimpleNamespace(task_id="2026Q1-T01", grade=g, seeds=1000, counts=(10, 12, 300), eligible=3, n=1,
                                 expected_rate=Fraction(1, 3 * k)) for k, g in enumerate("ABCD", start=1)]
    balance = SimpleNamespace(grade="A", table=[("单位一", 10, 2, 2.0), ("单位二", 5, 1, 1.0)], p_value=0.5)
    coverage = [SimpleNamespace(grade=g, share=Fraction(1, 10)) for g in "ABCD"]
    figures = [draw_page.ratio_plot(_summary()), compliance_page.compliance_plot(_summary()),
               compliance_page.inclusion_plot(inclusion),
               compliance_page.balance_plot(balance), compliance_page.coverage_plot(coverage, coverage),
               match_page.population_plot([Population("2026Q1-T01", "A", 9, 5, 1, 4)])]
    for figure in figures:
        figure.canvas.draw()
        texts = [text.get_text() for text in figure.findobj(matplotlib.text.Text)]
        assert [text for text in texts if "$" in text or "\\math" in text] == [], figure.axes[0].get_title()
        plt.close(figure)


def test_a_long_table_shows_its_first_rows_and_says_how_many_there_are():
    import pandas as pd

    frame = pd.DataFrame({"序号 n": range(1, 1201)})
    shown = report.table(frame, rows=500).to_html()
    assert ">500<" in shown and ">501<" not in shown and "共 1200 行" in shown and "the first 500 shown" in shown
    short = report.table(frame.head(20)).to_html()
    assert ">20<" in short and "共" not in short


@pytest.mark.parametrize("in_order", [True, False], ids=["in-order", "out-of-order"])
@pytest.mark.parametrize("proved", [True, False], ids=["proved", "unproved"])
def test_every_timeline_states_the_commits_or_why_there_are_none_as_the_verifier_page_requires(in_order, proved):
    """verify.html (14-pages.js, ORDER_FACTS) requires report.html and 04-compliance to state both commits when git
    proved the order, and the reason when it did not: whatever the dates say, or a true archive FAILs the page
    (a seed dated before its freeze commit did, while make verify passed it)."""
    import re

    from zhanhe_audit.fairness import TimelineRow

    order = (Order(Commit("f" * 40, "2026-12-07T09:00:00+08:00", "staff"), Commit("5" * 40, "2026-12-07T10:00:00+08:00",
                                                                               "staff")) if proved
             else Order(None, None, "the project is not a git repository"))
    problems = [] if in_order else ["种子产生 seed produced (2026-01-05) 早于 freeze committed (2026-12-07)"]
    rows = [TimelineRow("冻结 frozen", "2026-12-07", "freeze", in_order)]
    required = {"freeze-commit": "f" * 10, "seed-commit": "5" * 10} if proved else {
        "order-reason": "the project is not a git repository"}
    for page in (compliance_page.timeline_verdict(problems, order),
                 summary_page.fairness_headline([], [], rows, order)):
        stated = dict(re.findall(r"data-fact='([^']+)'>([^<]*)<", str(page)))
        assert stated == required
        assert ("✓" in str(page)) == (proved and in_order)
