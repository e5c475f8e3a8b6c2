"""What the notebooks show: tables, plots and banners, Chinese first; one module per page
(``draw_page``, ``match_page``, ``inspectors_page``, ``compliance_page``, ``summary_page``),
and here what every page shares.

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

import hashlib
import html
from pathlib import Path

import matplotlib
import pandas as pd
from matplotlib import font_manager

from ..text import visible

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


SHOWN_ROWS = 500  # a table shows at most this many rows: pages stay readable at any scale


def table(frame: pd.DataFrame, rows: int = SHOWN_ROWS):
    """A table as the pages show it: no pandas row numbers; every cell and label shown as text
    (HTML-escaped by the Styler, bidi controls revealed), never as markup. A longer table shows
    its first ``rows`` rows and says how many there are: every row is in the archive file cited."""
    total = len(frame)
    shown = frame.head(rows).map(lambda value: reveal(value) if isinstance(value, str) else value)
    shown = shown.rename(columns=lambda label: reveal(str(label)), index=lambda label: reveal(str(label)))
    styled = (shown.style.hide(axis="index").format(escape="html")
              .format_index(escape="html", axis="columns").format_index(escape="html", axis="index"))
    if total > rows:
        styled = styled.set_caption(f"共 {total} 行，此处显示前 {rows} 行；全部行见上列数据来源文件 "
                                    f"({total} rows, the first {rows} shown; "
                                    "every row is in the source file cited above)")
    # The Styler's element ids come from its uuid, random unless given: one from the table's own text keeps the
    # page the same bytes for the same inputs (make verify renders the pages again and compares).
    digest = hashlib.sha256(shown.to_csv().encode("utf-8")).hexdigest()[:10]
    return Table(styled.set_uuid(f"t{digest}").to_html(), total)


class Table:
    """A table as a page shows it: its HTML, and a fixed plain-text stand-in for the notebook (a Styler's would
    hold a memory address, different at every run)."""

    def __init__(self, html: str, rows: int):
        self.html, self.rows = html, rows

    def to_html(self) -> str:
        return self.html

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<表格 table: {self.rows} 行 rows>"


def fact(name: str, value: object, tag: str = "code") -> str:
    """A figure a page states, marked so that the verifier page can check it against its own recomputation
    (``data-fact``): the value escaped, hidden characters made visible (``text.visible``)."""
    return f"<{tag} data-fact='{name}'>{escape(visible(str(value)))}</{tag}>"


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


def verdict(count: int, what: str, name: str = "") -> Html:
    """A large count that must read 0, green when it does; stated as the fact ``name`` when given."""
    colour = "#080" if count == 0 else "#b00"
    shown = f"<span data-fact='{name}'>{count}</span>" if name else str(count)
    return Html(f"<p style='font-size:18px'><b style='color:{colour};font-size:28px'>{shown}</b> {escape(what)}</p>")


def quarter_and_year_plot(quarter: list[float], year: list[float], ylabel: str, title: str,
                          floors: dict[str, float] | None = None):
    """Per grade, a percentage this quarter and in the year so far side by side (and the floors, in red)."""
    from matplotlib import pyplot as plt

    from ..registers import GRADES

    figure, axes = plt.subplots(figsize=(8, 3.6))
    xs = range(len(GRADES))
    axes.bar([x - 0.2 for x in xs], quarter, 0.4, label="本季度 this quarter", color=COLOURS["selected"])
    axes.bar([x + 0.2 for x in xs], year, 0.4, label="本年累计 year so far", color="#6baed6")
    for x, grade in zip(xs, GRADES, strict=True):
        if floors:
            axes.hlines(floors[grade], x - 0.45, x + 0.45, colors=COLOURS["floor"], linewidth=2,
                        label="下限 floor" if x == 0 else "_nolegend_")
    axes.set_xticks(list(xs), [GRADE_NAMES[g] for g in GRADES])
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.legend(fontsize=8)
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    return figure
