"""The State Council's holiday notice read into params/calendar/<year>.yaml (zhanhe_audit.notice).

The notices of 2016 to 2025 (tests/fixtures/notices/<year>.txt; 2024 and 2025 the text of the official
publication, 2016 to 2023 written for these tests from each year's dates in that year's wording: see the
folder's README.md) and 2026 as the saved web page must give the days of two independent oracles: the
``chinesecalendar`` package and python-holidays' ``China``. Each is read as pasted, hard-wrapped as copied
from a PDF column, typed with ASCII punctuation, with digits spaced apart or full-width, in GB18030, UTF-16
and UTF-8 with a BOM, and as a saved web page with navigation and footer links to other years' notices.

The mutation tests change each clause of each notice (delete it; move a date by one day or by a week;
change a weekday, a length, the clause's word; remove a date) and require a refusal naming a line of the
item, or exactly the calendar the changed words mean: never the oracle's calendar while words were left
unread, never a silently wrong one.
"""

from __future__ import annotations

import calendar as months_of
import functools
import html
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import holidays as python_holidays
import pytest
from chinese_calendar.constants import Holiday

from zhanhe_audit import calendar, cli, notice, notice_days, notice_text
from zhanhe_audit.errors import NoticeError

NOTICES = Path(__file__).resolve().parent / "fixtures" / "notices"
YEARS = range(2016, 2026)
FILES = {**{year: f"{year}.txt" for year in YEARS}, 2026: "2026.html"}
NEW_YEAR = Holiday.new_years_day.value

# chinesecalendar lists the weekend that a '与周末连休' day off joins as days off in 2019 (清明, 端午, 中秋) and for
# 2024's New Year (2023-12-30/31), and in no other year (2016-2018, 2024's 端午). The notice's stated day is the
# day off; the weekend is off either way, so the working days agree. These are the only differences allowed.
JOINED_WEEKENDS = {
    2019: {date(2019, 4, 6), date(2019, 4, 7), date(2019, 6, 8), date(2019, 6, 9), date(2019, 9, 14),
           date(2019, 9, 15)},
    2024: {date(2023, 12, 30), date(2023, 12, 31)},
}
# Both oracles have the 2020 Spring Festival as extended for Covid-19 by a later notice (国务院办公厅关于延长2020年
# 春节假期的通知, 26 January 2020): 31 January to 2 February off, the make-up Saturday 1 February cancelled. The
# yearly notice, which this is a reader of, does not: it is added to what the notice gives before comparing.
EXTENSION_2020 = ({date(2020, 1, 31), date(2020, 2, 1), date(2020, 2, 2)}, {date(2020, 2, 1)})


def _days(found: notice_days.Notice) -> tuple[set[date], set[date]]:
    """The notice's days off and make-up days, its days of the year before included."""
    return set(found.holidays) | set(found.previous_holidays), set(found.workdays) | set(found.previous_workdays)


def _as_oracles_have_it(year: int, days: tuple[set[date], set[date]]) -> tuple[set[date], set[date]]:
    if year != 2020:
        return days
    return days[0] | EXTENSION_2020[0], days[1] - EXTENSION_2020[1]


def _of_notice(year: int, day: date, name: str | None = None) -> bool:
    """Whether the notice of ``year`` sets ``day``: its year's days, but a New Year holiday in late December belongs
    to the next year's notice, and the year before's belongs to this one."""
    late = day.month == 12 and (name == NEW_YEAR if name is not None else day.day >= 25)
    return (day.year == year and not late) or (day.year == year - 1 and late)


def _chinesecalendar(year: int) -> tuple[set[date], set[date]]:
    return ({day for day, name in chinese_calendar.holidays.items() if _of_notice(year, day, name)},
            {day for day, name in chinese_calendar.workdays.items() if _of_notice(year, day, name)})


def _python_holidays(year: int) -> tuple[set[date], set[date]]:
    china = python_holidays.China(years=[year - 1, year])
    return ({day for day in china if _of_notice(year, day)},
            {day for day in china.weekend_workdays if _of_notice(year, day)})


def _off(year: int, days: tuple[set[date], set[date]]) -> set[date]:
    """The days that are not working days, from 1 December of the year before to the year's end."""
    start = date(year - 1, 12, 1)
    span = (start + timedelta(n) for n in range((date(year, 12, 31) - start).days + 1))
    return {day for day in span if (day.weekday() >= 5 or day in days[0]) and day not in days[1]}


@functools.cache
def _says(year: int) -> tuple[set[date], set[date]]:
    """What the notice of ``year`` says, from chinesecalendar: without the joined weekends and the 2020 extension."""
    holidays, workdays = _chinesecalendar(year)
    holidays -= JOINED_WEEKENDS.get(year, set())
    if year == 2020:
        holidays, workdays = holidays - EXTENSION_2020[0], workdays | EXTENSION_2020[1]
    return frozenset(holidays), frozenset(workdays)  # (cached: never changed in place)


def _agrees_with_both_oracles(year: int, found: notice_days.Notice) -> None:
    holidays, workdays = _as_oracles_have_it(year, _days(found))
    known, made_up = _chinesecalendar(year)
    assert workdays == made_up
    assert holidays <= known and known - holidays == JOINED_WEEKENDS.get(year, set())
    other = _python_holidays(year)
    assert _off(year, (holidays, workdays)) == _off(year, other)
    assert other[0] <= holidays and workdays == other[1]  # python-holidays lists no weekend day of a range


# ---- the variants a notice comes in: (file name, its bytes, the file's line of each character of the text) ----

def _rows(text: str) -> list[int]:
    rows, row = [], 1
    for char in text:
        rows.append(row)
        row += char == "\n"
    return rows


def _pasted(text: str) -> tuple[str, bytes, list[int]]:
    return "notice.txt", text.encode("utf-8"), _rows(text)


def _wrapped(text: str, width: int = 13) -> tuple[str, bytes, list[int]]:
    """Each line broken every ``width`` characters, as text copied from a PDF column: mid-clause, mid-date."""
    out, rows, row = [], [], 1
    for line in text.split("\n"):
        chunks = [line[n:n + width] for n in range(0, len(line), width)] or [""]
        for number, chunk in enumerate(chunks):
            rows += [row + number] * len(chunk)
        rows.append(row + len(chunks) - 1)  # the line's end
        row += len(chunks)
        out.append("\n".join(chunks))
    return "notice.txt", "\n".join(out).encode("utf-8"), rows[:len(text)]


ASCII = str.maketrans({"：": ":", "，": ",", "。": ".", "（": "(", "）": ")", "；": ";", "、": ","})


def _ascii(text: str) -> tuple[str, bytes, list[int]]:
    """Typed with an English input method: ': , ( ) .', the items numbered '1.'."""
    numbered = re.sub(r"^([ 　]*)([一二三四五六七八九十]+)、",
                      lambda m: m[1] + str("一二三四五六七八九十".index(m[2]) + 1) + ".", text, flags=re.M)
    return "notice.txt", numbered.translate(ASCII).encode("utf-8"), _rows(text)


def _spaced(text: str) -> tuple[str, bytes, list[int]]:
    """As PDF-to-text leaves it: every digit apart ('1 0 月 1 日'), a space before each bracket."""
    spaced = re.sub(r"\d+", lambda m: " " + " ".join(m[0]) + " ", text).replace("日（", "日 （")
    return "notice.txt", spaced.encode("utf-8"), _rows(text)


def _full_width(text: str) -> tuple[str, bytes, list[int]]:
    return ("notice.txt", text.translate(str.maketrans("0123456789", "０１２３４５６７８９")).encode("utf-8"),
            _rows(text))


def _gb18030(text: str) -> tuple[str, bytes, list[int]]:
    return "notice.txt", text.encode("gb18030"), _rows(text)


def _utf16(text: str) -> tuple[str, bytes, list[int]]:
    """Notepad's 'Unicode': UTF-16 (little-endian) with a byte-order mark, CR LF line ends."""
    return "notice.txt", text.replace("\n", "\r\n").encode("utf-16"), _rows(text)


def _bom(text: str) -> tuple[str, bytes, list[int]]:
    return "notice.txt", "\ufeff".encode() + text.encode("utf-8"), _rows(text)


def _page(text: str, width: int = 37) -> tuple[str, bytes, list[int]]:
    """The notice as a saved web page: its title in <title> and <h1>, navigation and a side list naming other years'
    notices before it, a metadata table, each paragraph a <p> whose source wraps every ``width`` characters, and
    after the signature footer links to other years' notices with their dates."""
    lines = text.split("\n")
    year = int(re.search(r"关于(\d{4})年", lines[0])[1])
    title = lines[0]
    source = ['<!DOCTYPE html>', '<html lang="zh-CN"><head><meta charset="utf-8">',
              f"<title>{title}_国务院文件_中国政府网</title>",
              '<script>var related = "一、元旦：1月1日放假，与周末连休。";</script>'
              '<style>p { margin: 0 }</style></head>',
              '<body><div class="nav"><a href="/">首页</a> &gt; <a href="/zhengce/">政策</a> &gt; 国务院文件</div>',
              f'<ul class="side"><li><a href="#">国务院办公厅关于{year - 1}年部分节假日安排的通知</a></li>',
              f'<li><a href="#">国务院办公厅关于{year + 1}年部分节假日安排的通知</a></li></ul>',
              f"<table><tr><td>标　　题：</td><td>{title}</td></tr>"
              f"<tr><td>发布日期：</td><td>{year - 1}年12月1日</td></tr></table>",
              '<div class="article">']
    rows = [0] * len(text)
    offset = 0
    for number, line in enumerate(lines):
        if number == 0:
            source.append(f"<h1>{html.escape(line)}</h1>")
            rows[offset:offset + len(line) + 1] = [len(source)] * (len(line) + 1)
        elif line.strip():
            chunks = [line[n:n + width] for n in range(0, len(line), width)]
            for index, chunk in enumerate(chunks):
                end = "</p>" if index == len(chunks) - 1 else ""
                source.append(("<p>" if index == 0 else "") + html.escape(chunk) + end)
                rows[offset + index * width:offset + index * width + len(chunk)] = [len(source)] * len(chunk)
            if offset + len(line) < len(text):
                rows[offset + len(line)] = len(source)
        else:
            rows[offset:offset + 1] = [len(source)] if offset < len(text) else []
        offset += len(line) + 1
    source += ['</div><div class="footer"><p>相关稿件</p><ul>',
               f'<li><a href="#">国务院办公厅关于{year - 1}年部分节假日安排的通知</a></li>',
               f'<li><a href="#">{year - 1}年春节：2月1日至7日放假调休，共7天。1月30日（星期日）上班</a></li>',
               f'<li><a href="#">国务院办公厅关于{year + 1}年部分节假日安排的通知</a> {year}年11月1日</li>',
               '</ul><p>版权所有：中国政府网</p></div></body></html>']
    return "notice.html", ("\n".join(source) + "\n").encode("utf-8"), rows


VARIANTS = {"pasted": _pasted, "wrapped": _wrapped, "ascii": _ascii, "spaced": _spaced, "full-width": _full_width,
            "gb18030": _gb18030, "utf-16": _utf16, "utf-8-bom": _bom, "page": _page}
TEXTUAL = ("pasted", "wrapped", "ascii", "spaced", "full-width", "page")  # the encodings decode to the pasted text


def _read(text: str, variant: str, year: int, folder: Path | None = None
          ) -> tuple[notice_days.Notice | NoticeError, list[int]]:
    ("""The notice in the variant, read from a file in ``folder`` (from its bytes when None, as ``text_of`` """
     """reads them).""")
    name, data, rows = VARIANTS[variant](text)
    if folder is not None:
        (folder / name).write_bytes(data)
    try:
        read = (notice_text.text_of(folder / name) if folder is not None
                else notice_text.text_from(data, Path(name).suffix))
        return notice.parse(read, year, name), rows
    except NoticeError as error:
        return error, rows


@functools.cache
def _canonical(year: int) -> str:
    return (NOTICES / FILES[year]).read_text(encoding="utf-8")


@pytest.mark.parametrize("year", sorted(FILES))
def test_notice_gives_the_days_of_both_oracles(year):
    found = notice.parse(notice_text.text_of(NOTICES / FILES[year]), year, FILES[year])
    _agrees_with_both_oracles(year, found)
    assert found.source == f"国务院办公厅关于{year}年部分节假日安排的通知"


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("year", YEARS)
def test_each_variant_of_each_notice_gives_the_days_of_both_oracles(year, variant, tmp_path):
    found, _ = _read(_canonical(year), variant, year, tmp_path)
    assert isinstance(found, notice_days.Notice), str(found)
    _agrees_with_both_oracles(year, found)
    assert found == notice.parse(_canonical(year), year, FILES[year])


def test_the_oracles_have_the_2020_covid_extension_which_the_yearly_notice_does_not():
    found = _days(notice.parse(_canonical(2020), 2020, "2020.txt"))
    assert date(2020, 2, 1) in found[1] and not found[0] & EXTENSION_2020[0]  # the notice as issued
    for oracle in (_chinesecalendar(2020), _python_holidays(2020)):
        assert _off(2020, oracle) ^ _off(2020, found) == {date(2020, 1, 31), date(2020, 2, 1)}  # 2-2 a Sunday


def test_2019_is_the_notice_with_labour_day_as_amended_in_march_2019():
    # The notice of December 2018 gave '四、劳动节：5月1日放假。'; the General Office amended it on 22 March 2019 to
    # 5月1日至4日, with 28 April and 5 May worked. chinesecalendar and python-holidays have the amended days, so the
    # fixture is the notice with that line amended; the line as first issued differs exactly there.
    found = notice.parse(_canonical(2019), 2019, "2019.txt")
    assert {date(2019, 5, d) for d in (1, 2, 3, 4)} <= set(found.holidays)
    assert {date(2019, 4, 28), date(2019, 5, 5)} <= set(found.workdays)
    amended = "四、劳动节：5月1日至4日放假调休，共4天。4月28日（星期日）、5月5日（星期日）上班。"
    first = notice.parse(_canonical(2019).replace(amended, "四、劳动节：5月1日放假。"), 2019, "2019.txt")
    assert _off(2019, _days(first)) ^ _off(2019, _chinesecalendar(2019)) == {
        date(2019, 5, 2), date(2019, 5, 3), date(2019, 4, 28), date(2019, 5, 5)}


@pytest.mark.parametrize(("year", "holidays", "workdays"), [
    (2019, ["2018-12-30", "2018-12-31"], ["2018-12-29"]),
    (2023, ["2022-12-31"], []),
])
def test_a_new_year_from_the_year_before_is_written_as_the_notices_previous_year_days(year, holidays, workdays,
                                                                                        tmp_path):
    found = notice.parse(_canonical(year), year, FILES[year])
    assert ([str(d) for d in found.previous_holidays] == holidays
            and [str(d) for d in found.previous_workdays] == workdays)
    (tmp_path / f"{year}.yaml").write_text(found.yaml(), encoding="utf-8")
    read = calendar.read_year(tmp_path / f"{year}.yaml", f"params/calendar/{year}.yaml")
    assert sorted(map(str, read.previous_holidays)) == holidays and sorted(map(str, read.previous_workdays)) == workdays
    assert (set(read.holidays), set(read.workdays)) == (set(found.holidays), set(found.workdays))
    assert f"{year - 1}年12月 (days of {year - 1} this notice sets)" in found.grid()


# ---- the classes of silent error found in the reader before: each now read, or refused ----

def _refused(text: str, year: int = 2025) -> str:
    with pytest.raises(NoticeError) as refused:
        notice.parse(text, year, "notice.txt")
    return str(refused.value)


def test_a_clause_after_a_comma_is_read():
    found = notice.parse(_canonical(2017), 2017, "2017.txt")
    assert date(2017, 1, 2) in found.holidays  # 1月1日放假，1月2日（星期一）补休
    found = notice.parse(_canonical(2016), 2016, "2016.txt")
    assert date(2016, 5, 2) in found.holidays  # 5月1日放假，5月2日（星期一）补休


def test_an_item_broken_by_a_page_break_reads_whole():
    text = _canonical(2024).replace("2月4日（星期日）、", "2月4日（星\n\n期日）、\n")
    assert notice.parse(text, 2024, "2024.txt") == notice.parse(_canonical(2024), 2024, "2024.txt")


def test_a_wrong_weekday_after_a_space_is_refused():
    text = _canonical(2023).replace("1月28日（星期六）", "1月28日 （星期五）")
    assert "2023-01-28 is a Saturday, but the notice says 星期五" in _refused(text, 2023)
    text = _canonical(2023).replace("1月28日（星期六）", "1月28日 (周五)")
    assert "2023-01-28 is a Saturday, but the notice says 周五" in _refused(text, 2023)


def test_a_bracket_that_follows_no_date_or_is_not_a_weekday_is_refused():
    assert "is neither" in _refused(_canonical(2025).replace("4月27日（周日）上班", "4月27日上班（周日）"))
    assert "is not read" in _refused(_canonical(2025).replace("4月27日（周日）", "4月27日（暂定）"))
    assert "is not read" in _refused(_canonical(2025).replace("4月27日（周日）", "4月27日（周日、周一）"))


def test_an_item_with_a_dated_clause_of_no_kind_is_refused_though_its_start_reads():
    text = _canonical(2024).replace("1月1日放假，与周末连休。", "1月1日放假，12月30日（星期六）另行安排。")
    assert "'12月30日（星期六）另行安排' is neither" in _refused(text, 2024)


def test_a_dated_day_off_line_outside_any_item_is_refused_but_the_signature_date_is_not():
    text = _canonical(2025).replace("　　六、国庆节、中秋节", "　　六 国庆节、中秋节")  # read on with the item before
    assert (f"row {_row(text, '六 ')}: 端午节: '六 国庆节、中秋节：10月1日（周三）至8日（周三）放假调休' is neither"
            in _refused(text))
    text = _canonical(2025).replace("　　六、国庆节、中秋节", "\n\n　　六 国庆节、中秋节")  # after a page break
    assert f"row {_row(text, '六 ')}: 端午节: '六 国庆节、中秋节" in _refused(text)
    # before the items
    text = _canonical(2025).replace("　　一、元旦", "　　元旦：1月1日（周三）放假1天。\n　　一、元旦")
    assert f"row {_row(text, '元旦')}: a date about days off outside any numbered festival item" in _refused(text)
    assert notice.parse(_canonical(2025), 2025, "2025.txt").holidays  # '2024年11月12日' after 国务院办公厅


def test_a_footer_naming_another_years_notice_is_not_the_notices_title(tmp_path):
    found, _ = _read(_canonical(2018), "page", 2018, tmp_path)
    assert isinstance(found, notice_days.Notice) and found.year == 2018
    with pytest.raises(NoticeError, match="no title '国务院办公厅关于2019年部分节假日安排的通知'.*it names 2018"):
        notice.parse(notice_text.text_of(tmp_path / "notice.html"), 2019, "notice.html")


def test_a_refusal_in_a_saved_page_names_the_line_of_the_file(tmp_path):
    page = (NOTICES / "2026.html").read_text(encoding="utf-8").replace("5月9日（周六）上班", "5月9日（周日）上班")
    (tmp_path / "2026.html").write_text(page, encoding="utf-8")
    row = next(n for n, line in enumerate(page.splitlines(), start=1) if "5月9日" in line)
    with pytest.raises(NoticeError) as refused:
        notice.parse(notice_text.text_of(tmp_path / "2026.html"), 2026, "2026.html")
    assert f"2026.html, row {row}: 劳动节: 2026-05-09 is a Saturday, but the notice says 周日" in str(refused.value)


def test_utf16_without_a_byte_order_mark_is_refused_as_such(tmp_path):
    (tmp_path / "notice.txt").write_bytes(_canonical(2025).encode("utf-16-le"))
    with pytest.raises(UnicodeDecodeError, match="without a byte-order mark"):
        notice_text.text_of(tmp_path / "notice.txt")


def test_a_date_of_another_year_or_of_the_year_before_outside_the_new_year_is_refused():
    text = _canonical(2025).replace("4月27日（周日）上班", "2024年4月27日（周六）上班")
    assert "2024-04-27 is outside 2025" in _refused(text)
    text = _canonical(2025).replace("放假1天，不调休。", "放假1天。2026年1月4日（周日）上班。")
    assert "2026-01-04 is outside 2025" in _refused(text)


# ---- the mutation test ----

CANONICAL_ITEM = re.compile(r"^[ 　]*[一二三四五六七八九十]+、[^：\n]+：(.*)$", re.M)
CANONICAL_DATE = re.compile(r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日(（[^）]*）)?")
WEEKDAY = re.compile(r"(周|星期)([一二三四五六日])")
NEXT_WEEKDAY = dict(zip("一二三四五六日", "二三四五六日一", strict=True))
KEYWORDS = {"range": ("放假", "休假"), "single": ("放假", "休假"), "substitute": ("补休", "补假"),
            "workdays": ("上班", "到岗"), "length": ("共", "计"), "joined": ("连休", "相连"),
            "no-swap": ("调休", "调整"), "advice": ("鼓励", "提倡")}


@dataclass
class _Date:
    start: int
    end: int
    day_at: tuple[int, int]  # the day's digits
    bracket: tuple[int, int] | None
    value: date


@dataclass
class _Clause:
    start: int
    end: int
    kind: str
    item: tuple[int, int]
    dates: list[_Date]

    def footprint(self) -> set[date]:
        days = [d.value for d in self.dates]
        if self.kind == "range":
            return {days[0] + timedelta(n) for n in range((days[1] - days[0]).days + 1)}
        return set(days) if self.kind in ("single", "substitute", "workdays") else set()


def _kind(words: str) -> str:
    if words.startswith("鼓励"):
        return "advice"
    for kind, pattern in (("workdays", "上班$"), ("substitute", "补休$"), ("range", "至.*放假"), ("single", "日.*放假"),
                          ("length", r"^共\d+天$"), ("joined", "^与周末连休$"), ("no-swap", "^不调休$")):
        if re.search(pattern, words):
            return kind
    raise AssertionError(f"the test cannot classify '{words}'")


def _clauses(text: str, year: int) -> list[_Clause]:
    """The clauses of the notice's items as this test reads them (clean text: the fixture as written)."""
    found = []
    for item in CANONICAL_ITEM.finditer(text):
        last_year, last_month = year, None
        start, depth, n = item.start(1), 0, item.start(1)
        while n <= item.end(1):
            char = text[n] if n < item.end(1) else "。"
            depth += (char == "（") - (char == "）")
            if depth == 0 and char in "，。" and not (char == "，" and text[start:n].startswith("鼓励")):
                if n > start:
                    dates = []
                    for mention in CANONICAL_DATE.finditer(text, start, n):
                        last_year = int(mention[1]) if mention[1] else last_year
                        last_month = int(mention[2]) if mention[2] else last_month
                        dates.append(_Date(mention.start(), mention.end(), mention.span(3),
                                           mention.span(4) if mention[4] else None,
                                           date(last_year, last_month, int(mention[3]))))
                    found.append(_Clause(start, n, _kind(text[start:n]), (item.start(), item.end()), dates))
                start = n + 1
            n += 1
    return found


@dataclass
class _Mutation:
    name: str
    text: str
    item: tuple[int, int]  # its offsets in the changed text
    expected: tuple[set[date], set[date]] | None  # None: a refusal
    refusal_allowed: bool = False  # a plausibility check may refuse what the words mean


def _change(text: str, span: tuple[int, int], new: str) -> str:
    return text[:span[0]] + new + text[span[1]:]


def _moved(days: tuple[set[date], set[date]], clause: _Clause, old: date, new: date) -> tuple[set[date], set[date]]:
    if clause.kind == "workdays":
        return days[0], days[1] - {old} | {new}
    return days[0] - {old} | {new}, days[1]


def _mutations(year: int, kind: str) -> list[_Mutation]:
    text, says = _canonical(year), _says(year)
    found = []
    for number, clause in enumerate(_clauses(text, year), start=1):
        words = text[clause.start:clause.end]
        shown = f"clause {number} '{words}'"
        item = clause.item
        if kind == "delete":
            before, after = text[clause.start - 1], text[clause.end]
            span = ((clause.start, clause.end + 1) if after == "，" or before in "：。"
                    else (clause.start - 1, clause.end))
            shift = span[1] - span[0]
            if clause.kind in ("range", "single"):
                expected = None
            elif clause.kind == "workdays":
                expected = (says[0], says[1] - clause.footprint())
            else:
                expected = (says[0] - clause.footprint(), says[1])
            found.append(_Mutation(f"{shown} deleted", _change(text, span, ""), (item[0], item[1] - shift), expected))
        for mention in clause.dates:
            day = int(text[slice(*mention.day_at)])
            if kind in ("date+1", "date+7"):
                step = 1 if kind == "date+1" else 7
                changed = _change(text, mention.day_at, str(day + step))
                span = (item[0], item[1] + len(str(day + step)) - len(str(day)))
                name = f"{shown}: {text[mention.start:mention.end]} moved by {step} day(s)"
                try:
                    new = mention.value.replace(day=day + step)
                except ValueError:
                    found.append(_Mutation(name, changed, span, None))
                    continue
                if clause.kind == "advice":
                    found.append(_Mutation(name, changed, span, says))
                elif clause.kind == "range" or (mention.bracket and step == 1):
                    found.append(_Mutation(name, changed, span, None))  # the length, or the weekday, no longer fits
                else:
                    found.append(_Mutation(name, changed, span, _moved(says, clause, mention.value, new), True))
            elif kind == "undated":
                span = (mention.start, mention.bracket[0] if mention.bracket else mention.end)
                found.append(_Mutation(f"{shown}: {text[slice(*span)]} removed", _change(text, span, ""),
                                       (item[0], item[1] - (span[1] - span[0])),
                                       says if clause.kind == "advice" else None, clause.kind == "advice"))
            elif kind == "weekday" and mention.bracket:
                weekday = WEEKDAY.search(text, *mention.bracket)
                if weekday:
                    changed = _change(text, weekday.span(2), NEXT_WEEKDAY[weekday[2]])
                    found.append(_Mutation(f"{shown}: {weekday[0]} of {mention.value} changed", changed, item, None))
        if kind == "length":
            length = re.search(r"(?:共|放假)(\d+)天", words)
            if length:
                span = (clause.start + length.start(1), clause.start + length.end(1))
                new = str(int(length[1]) + 1)
                found.append(_Mutation(f"{shown}: {length[0]} made {new}", _change(text, span, new),
                                       (item[0], item[1] + len(new) - len(length[1])), None))
        if kind == "word":
            old, new = KEYWORDS[clause.kind]
            at = clause.start + words.index(old)
            found.append(_Mutation(f"{shown}: '{old}' written '{new}'", _change(text, (at, at + len(old)), new), item,
                                   None))
    return found


KINDS = ("delete", "date+1", "date+7", "weekday", "length", "undated", "word")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("variant", TEXTUAL)
@pytest.mark.parametrize("year", YEARS)
def test_each_changed_clause_is_refused_or_read_as_it_now_says(year, variant, kind):
    failures, mutations = [], _mutations(year, kind)
    for mutation in mutations:
        outcome, rows = _read(mutation.text, variant, year)
        lines = set(range(rows[mutation.item[0]], rows[mutation.item[1] - 1] + 1))
        if isinstance(outcome, NoticeError):
            if mutation.expected is not None and not mutation.refusal_allowed:
                failures.append(f"{mutation.name}: refused, but it says a calendar: {outcome}")
            elif not any(problem.row in lines for problem in outcome.problems):
                failures.append(f"{mutation.name}: refused without naming a line of the item ({sorted(lines)}): "
                                f"{outcome}")
        elif mutation.expected is None:
            same = _days(outcome) == _says(year)
            failures.append(f"{mutation.name}: read without a refusal, {'the oracle' if same else 'a'} calendar")
        elif _days(outcome) != mutation.expected:
            got, wanted = _days(outcome), mutation.expected
            failures.append(f"{mutation.name}: read as days off {sorted(got[0] ^ wanted[0])} and make-up days "
                            f"{sorted(got[1] ^ wanted[1])} other than it says")
    assert mutations or kind in ("length", "weekday"), "no clause of this kind to change"
    assert not failures, f"{year}, {variant}, {kind}:\n" + "\n".join(failures)


# ---- the refusals' messages, the CLI, the grid ----

def _row(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if line.strip().startswith(start))


BROKEN = {
    # name: (the change to the 2025 notice, the festival line it is on, words of the refusal)
    "holiday line unreadable": (("1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休",
                                 "除夕至正月初七放假调休"),
                                "二、", "expected the days off first"),
    "date outside the year": (("放假1天，不调休。", "放假1天。2026年1月4日（周日）上班。"), "一、", "outside 2025"),
    "make-up day on a weekday": (("4月27日（周日）上班", "4月28日上班"), "四、", "is a weekday"),
    "holiday that is a make-up day": (("4月27日（周日）上班", "5月4日（周日）上班"), "四、",
                                      "both a day off and a make-up working day"),
    "length not the one stated": (("放假调休，共8天。1月26日", "放假调休，共7天。1月26日"), "二、",
                                  "is 8 days, but the notice says 共7天"),
    "weekday not the date's": (("1月1日（周三）", "1月1日（周四）"), "一、",
                               "is a Wednesday, but the notice says 周四"),
    "a dated sentence of neither kind": (("4月27日（周日）上班。", "4月27日（周日）补课。"), "四、",
                                         "neither the days off"),
    "no make-up days, but one": (("放假1天，不调休。", "放假1天，不调休。1月4日（周六）上班。"), "一、", "'不调休'"),
    "joined with no weekend": (("5月31日（周六）至6月2日（周一）放假，共3天。",
                                "6月3日（周二）放假，与周末连休。"), "五、",
                               "touch no weekend"),
    "substitute not after a weekend": (("放假1天，不调休。", "放假，1月2日（周四）补休。"), "一、",
                                       "fall on no weekend"),
    "an item with nothing in it": (("5月31日（周六）至6月2日（周一）放假，共3天。", "。"), "五、",
                                   "found nothing after"),
    "advice speaking of days off": (("4月27日（周日）上班。",
                                     "4月27日（周日）上班。鼓励在4月30日（周三）放假。"), "四、",
                                    "is neither"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_notice_is_refused_naming_its_line(case):
    (old, new), start, words = BROKEN[case]
    text = (NOTICES / "2025.txt").read_text(encoding="utf-8")
    assert old in text
    broken = text.replace(old, new, 1)
    with pytest.raises(NoticeError) as refused:
        notice.parse(broken, 2025, "notice.txt")
    assert (f"notice.txt, row {_row(broken, start)}: " in str(refused.value)
            and words in str(refused.value)), str(refused.value)


def test_a_notice_of_another_year_is_refused():
    with pytest.raises(NoticeError, match="no title '国务院办公厅关于2027年部分节假日安排的通知'.*it names 2025"):
        notice.parse((NOTICES / "2025.txt").read_text(encoding="utf-8"), 2027, "2025.txt")


def test_gbk_text_and_a_saved_page_read_as_the_pasted_text(tmp_path):
    text = (NOTICES / "2025.txt").read_text(encoding="utf-8")
    (tmp_path / "gbk.txt").write_bytes(text.encode("gbk"))
    page = "".join(f"<p>{line}</p>\n" for line in text.splitlines())
    (tmp_path / "page.html").write_text(f"<html><head><script>一、元旦：1月9日放假</script></head>"
                                        f"<body>{page}</body></html>",
                                        encoding="utf-8")
    expected = notice.parse(text, 2025, "2025.txt")
    for name in ("gbk.txt", "page.html"):
        assert notice.parse(notice_text.text_of(tmp_path / name), 2025, name) == expected


def _official(year: int) -> tuple[tuple[date, ...], tuple[date, ...]]:
    return (tuple(sorted(d for d in chinese_calendar.holidays if d.year == year)),
            tuple(sorted(d for d in chinese_calendar.workdays if d.year == year)))


def test_cli_writes_the_year_file_once_prints_the_grid_and_the_calendar_reads_it(tmp_path, capsys):
    assert cli.main(["--root", str(tmp_path), "calendar", "2026", str(NOTICES / "2026.html")]) == 0
    shown = capsys.readouterr().out
    assert "10月" in shown and " 4班" in shown and " 1休" in shown and "written: params/calendar/2026.yaml" in shown
    path = tmp_path / "params" / "calendar" / "2026.yaml"
    year = calendar.read_year(path, "params/calendar/2026.yaml")
    assert (tuple(sorted(year.holidays)), tuple(sorted(year.workdays))) == _official(2026)
    assert "previous_year" not in path.read_text(encoding="utf-8")
    before = path.read_bytes()
    assert cli.main(["--root", str(tmp_path), "calendar", "2026", str(NOTICES / "2026.html")]) == 2
    assert "exists already" in capsys.readouterr().err and path.read_bytes() == before


@pytest.mark.parametrize("year", sorted(FILES))
def test_every_notice_names_the_seven_festivals(year):
    assert notice.parse(notice_text.text_of(NOTICES / FILES[year]), year, FILES[year]).missing() == []


def test_cli_warns_of_a_notice_without_some_festival(tmp_path, capsys):
    (tmp_path / "notice.txt").write_text(INVENTED, encoding="utf-8")
    assert cli.main(["--root", str(tmp_path), "calendar", "2031", str(tmp_path / "notice.txt")]) == 0
    assert "Warning: no item of the notice names 清明节、劳动节、端午节、中秋节、国庆节" in capsys.readouterr().out


def test_cli_refuses_a_broken_notice_without_a_traceback_and_writes_nothing(tmp_path, capsys):
    broken = tmp_path / "notice.txt"
    broken.write_text((NOTICES / "2025.txt").read_text(encoding="utf-8").replace("共8天。1月26日", "共7天。1月26日"),
                      encoding="utf-8")
    assert cli.main(["--root", str(tmp_path), "calendar", "2025", str(broken)]) == 2
    error = capsys.readouterr().err
    assert "notice.txt, row" in error and "共7天" in error and "Traceback" not in error
    assert not (tmp_path / "params").exists()


# Not a real notice: an invented one for a year chinesecalendar does not cover, to show the deadline
# counted through the file the CLI writes (the real 2027 notice replaces it when the State Council issues it).
INVENTED = """国务院办公厅关于2031年部分节假日安排的通知
一、元旦：1月1日（周三）放假1天，不调休。
二、春节：1月22日（周三）至28日（周二）放假调休，共7天。1月19日（周日）、2月8日（周六）上班。
"""


def test_deadline_across_the_year_end_counts_the_written_year_file(tmp_path):
    (tmp_path / "notice.txt").write_text(INVENTED, encoding="utf-8")
    assert cli.main(["--root", str(tmp_path), "calendar", "2031", str(tmp_path / "notice.txt")]) == 0
    days = calendar.Calendar(tmp_path / "params" / "calendar")
    assert days.is_workday(date(2031, 1, 19)) and not days.is_workday(date(2031, 1, 1))
    # 20 working days from 2031-01-10 (a Friday): 1-13..17 (5), 1-19 the make-up Sunday (6), 1-20, 1-21 (8),
    # the holiday 1-22..28, 1-29..31 (11), 2-3..7 (16), 2-8 the make-up Saturday (17), 2-10..12 (20)
    assert days.deadline(date(2031, 1, 10)) == date(2031, 2, 12)


# Invented too: 1 January 2030 is a Tuesday, so the New Year holiday begins on Sunday 30 December 2029 and
# Saturday 29 December 2029 is worked, as in the notices of 2019 and 2023.
INVENTED_2029 = 'year: 2029\nsource: "test notice"\nholidays: ["2029-01-01"]\nworkdays: []\n'
INVENTED_2030 = """国务院办公厅关于2030年部分节假日安排的通知
一、元旦：2029年12月30日（周日）至2030年1月1日（周二）放假调休，共3天。2029年12月29日（周六）上班。
"""


def test_cli_writes_a_new_year_from_the_year_before_and_the_calendar_applies_it(tmp_path, capsys):
    folder = tmp_path / "params" / "calendar"
    folder.mkdir(parents=True)
    (folder / "2029.yaml").write_text(INVENTED_2029, encoding="utf-8")
    (tmp_path / "notice.txt").write_text(INVENTED_2030, encoding="utf-8")
    assert cli.main(["--root", str(tmp_path), "calendar", "2030", str(tmp_path / "notice.txt")]) == 0
    out = capsys.readouterr().out
    assert ("2 days off and 1 make-up working days of 2029" in out and "2029年12月" in out and "29班 30休" in out
            and "31休" in out)
    written = calendar.read_year(folder / "2030.yaml", "params/calendar/2030.yaml")
    assert written.previous_holidays == {date(2029, 12, 30), date(2029, 12, 31)}
    assert written.previous_workdays == {date(2029, 12, 29)}
    days = calendar.Calendar(folder)
    assert days.is_workday(date(2029, 12, 29)) and not days.is_workday(date(2029, 12, 31))
    # from Monday 2029-12-24: 25..28 (4), Sat 29 (5), 30 Dec to 1 Jan off, 2..4 Jan (8), 7..11 (13), 14..18 (18),
    # 21, 22 (20)
    assert days.deadline(date(2029, 12, 24)) == date(2030, 1, 22)


def test_cli_refuses_days_of_the_year_before_that_contradict_its_calendar(tmp_path, capsys):
    folder = tmp_path / "params" / "calendar"
    folder.mkdir(parents=True)
    (folder / "2029.yaml").write_text(INVENTED_2029.replace('["2029-01-01"]', '["2029-01-01", "2029-12-29"]'),
                                      encoding="utf-8")
    (tmp_path / "notice.txt").write_text(INVENTED_2030, encoding="utf-8")
    assert cli.main(["--root", str(tmp_path), "calendar", "2030", str(tmp_path / "notice.txt")]) == 2
    assert "2029-12-29 (a working day in the notice, but a day off in params/calendar/2029.yaml)" in \
        capsys.readouterr().err
    assert not (folder / "2030.yaml").exists()


def test_the_month_grid_is_aligned_by_display_width():
    found = notice.parse(_canonical(2024), 2024, "2024.txt")
    grid = found.grid().splitlines()
    assert notice_days.width("休") == 2 and notice_days.width("1") == 1
    months = [n for n, line in enumerate(grid) if re.fullmatch(r"\d+月", line)]
    assert len(months) == 12
    for first in months:
        assert re.sub(r"\s", "", grid[first + 1]) == "一二三四五六日"
        headers = [notice_days.width(grid[first + 1][:grid[first + 1].index(label)]) for label in "一二三四五六日"]
        assert headers == [5 * n for n in range(7)]
        month = int(grid[first][:-1])
        weeks = grid[first + 2:first + 2 + len(months_of.monthcalendar(2024, month))]
        for line in weeks:
            for number in re.finditer(r"\d+", line):
                day = date(2024, month, int(number[0]))
                # the day's last digit stands one column right of its weekday's label, whatever 休 and 班 before it
                assert notice_days.width(line[:number.end()]) == 5 * day.weekday() + 2, (line, number[0])
    assert any(line.startswith(" 5    6    7    8    9   10休 11休") for line in grid)  # February 2024
