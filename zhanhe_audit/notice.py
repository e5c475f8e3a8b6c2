"""The State Council General Office's yearly notice on public holidays (国务院办公厅关于YYYY年部分节假日
安排的通知), read into the year's working-day calendar, ``params/calendar/<year>.yaml``.

The notice gives one numbered line per festival::

    二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。

Its first sentence is the days off (one day, or a range "至", its length "共N天" when given), the sentence
ending in "上班" the make-up working days (调休上班); a sentence beginning "鼓励" is advice, not a day
off. Every weekday the notice names in brackets is checked against the date. A line that does not
read this way, a date outside the year, a make-up day on a weekday, a holiday that is also a make-up
day, a range whose length is not the "共N天" given: each is refused naming the line. Nothing is guessed.
Text pasted into a ``.txt`` file and the web page saved as ``.html`` read the same.
"""

from __future__ import annotations

import calendar as months
import re
from dataclasses import dataclass
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import yaml

from .errors import NoticeError, Problem

NUMERALS = "一二三四五六七八九十"
LINE = re.compile(rf"^\s*([{NUMERALS}]+)、\s*([^：:]+)[：:]\s*(.+)$")
TITLE = re.compile(r"国务院办公厅关于\s*(\d{4})\s*年部分节假日安排的通知")
DAY = r"(?:(\d{4})\s*年)?(?:(\d{1,2})月)?(\d{1,2})日(?:[（(]([^）)]*)[）)])?"
RANGE = re.compile(rf"^{DAY}(?:\s*至\s*{DAY})?\s*放假")
MENTIONED = re.compile(DAY)
LENGTH = re.compile(r"共\s*(\d+)\s*天")
WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
WEEKDAY = re.compile(r"(?:周|星期)([一二三四五六日天])")


@dataclass(frozen=True)
class Notice:
    year: int
    source: str
    holidays: tuple[date, ...]
    workdays: tuple[date, ...]

    def yaml(self) -> str:
        """The year file's text, as ``calendar.read_year`` reads it."""
        data = {"year": self.year, "source": self.source,
                "holidays": [d.isoformat() for d in self.holidays], "workdays": [d.isoformat() for d in self.workdays]}
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_style=None)

    def grid(self) -> str:
        """The year as twelve month grids, 休 on days off and 班 on make-up working days."""
        holidays, workdays = set(self.holidays), set(self.workdays)
        lines = [f"{self.year}   休 = 放假 day off   班 = 调休上班 make-up working day"]
        for month in range(1, 13):
            lines += ["", f"{month}月", " 一  二  三  四  五  六  日"]
            for week in months.monthcalendar(self.year, month):
                cells = []
                for day in week:
                    mark = "" if not day else "休" if date(self.year, month, day) in holidays else (
                        "班" if date(self.year, month, day) in workdays else "")
                    cells.append("   " if not day else f"{day:>2}{mark or ' '}")
                lines.append(" ".join(cells).rstrip())
        return "\n".join(lines) + "\n"


class _Text(HTMLParser):
    """The text of a saved web page, a line per block; scripts and styles dropped."""

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "title", "section", "article"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style")
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style") and self.skip > 0
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def text_of(path: Path) -> str:
    """The notice's text from a ``.txt`` (UTF-8, with or without BOM, or GBK) or a saved ``.html`` page."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030", errors="strict")
    if path.suffix.lower() in (".html", ".htm"):
        reader = _Text()
        reader.feed(text)
        text = "".join(reader.parts)
    return text.replace("\u3000", " ").replace("\xa0", " ")


def parse(text: str, year: int, shown: str) -> Notice:
    """The year's days off and make-up working days; ``NoticeError`` naming each line it cannot read."""
    problems: list[Problem] = []

    def problem(row: int | None, message: str) -> None:
        problems.append(Problem(shown, row, None, message))

    lines = text.splitlines()
    titles = {int(m[1]) for m in map(TITLE.search, lines) if m}
    if titles != {year}:
        problem(None, f"no title '国务院办公厅关于{year}年部分节假日安排的通知' in the notice"
                + (f" (it names {', '.join(map(str, sorted(titles)))})" if titles else ""))
    holidays: dict[date, int] = {}
    workdays: dict[date, int] = {}
    festivals = 0
    for row, line in enumerate(lines, start=1):
        found = LINE.match(line)
        if not found:
            continue
        festivals += 1
        name, body = found[2].strip(), found[3].strip()
        sentences = [s.strip() for s in re.split(r"[。；;]", body) if s.strip()]
        first = RANGE.match(sentences[0]) if sentences else None
        if not first:
            problem(row, f"{name}: expected the days off first, as 'M月D日至M月D日放假' or 'M月D日放假'; found "
                    f"'{sentences[0] if sentences else body}'")
            continue
        start = _day(year, first.groups()[:4], None, row, problem)
        end = _day(year, first.groups()[4:], start, row, problem) if first[7] else start
        if start is None or end is None:
            continue
        if end < start:
            problem(row, f"{name}: the days off end ({end}) before they begin ({start})")
            continue
        days = [start + timedelta(n) for n in range((end - start).days + 1)]
        stated = LENGTH.search(sentences[0])
        if stated and int(stated[1]) != len(days):
            problem(row, f"{name}: {start} to {end} is {len(days)} days, but the notice says 共{stated[1]}天")
        for day in days:
            holidays[day] = row
        for sentence in sentences[1:]:
            if sentence.startswith("鼓励") or not MENTIONED.search(sentence):
                continue  # advice (鼓励…安排职工在除夕休息), or words without a date
            if not sentence.endswith("上班"):
                problem(row, f"{name}: a sentence with a date that is neither the days off nor '…上班': '{sentence}'")
                continue
            month = start.month
            for mentioned in MENTIONED.finditer(sentence):
                written, number, day_of, bracket = mentioned.groups()
                workday = _day(year, (written, number or str(month), day_of, bracket), None, row, problem)
                if workday is None:
                    continue
                month = workday.month
                if workday.weekday() < 5:
                    problem(row, f"{name}: the make-up working day {workday} is a weekday; make-up days fall on a "
                            "Saturday or Sunday")
                workdays[workday] = row
    if not festivals:
        problem(None, "no numbered festival line ('一、元旦：…') in the notice")
    for day in sorted(holidays.keys() & workdays.keys()):
        problem(workdays[day], f"{day} is both a day off and a make-up working day")
    if problems:
        raise NoticeError(problems)
    return Notice(year, f"国务院办公厅关于{year}年部分节假日安排的通知", tuple(sorted(holidays)), tuple(sorted(workdays)))


def _day(year: int, parts: tuple, after: date | None, row: int, problem) -> date | None:
    """The date of '[YYYY年]M月D日（周X）' (``parts``: year, month, day, bracket); a range's end without its
    month takes the start's month. A year other than the notice's is refused: its days belong to that year's file."""
    written, month, day, bracket = parts
    if written and int(written) != year:
        problem(row, f"{written}年{month}月{day}日 is outside {year}: write it into params/calendar/{written}.yaml")
        return None
    number = int(month) if month else (after.month if after else None)
    if number is None:
        problem(row, f"'{day}日' without its month")
        return None
    try:
        found = date(year, number, int(day))
    except ValueError:
        problem(row, f"{number}月{day}日 is not a date in {year}")
        return None
    weekday = WEEKDAY.search(bracket or "")
    if weekday and WEEKDAYS[weekday[1]] != found.weekday():
        problem(row, f"{found} is a {found.strftime('%A')}, but the notice says {weekday[0]}")
    return found
