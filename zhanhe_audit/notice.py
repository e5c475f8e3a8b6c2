"""The State Council General Office's yearly notice on public holidays (国务院办公厅关于YYYY年部分节假日
安排的通知), read into the year's working-day calendar, ``params/calendar/<year>.yaml``.

The notice gives one numbered item per festival::

    二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。

An item (``一、`` … ``十、``, or ``1.``, then the festival's name and ``：``) is its whole text up to the
next item or the end of the notice's body, whatever the line breaks (text copied from a PDF column
wraps mid-clause, even mid-date, and a page break leaves blank lines). Every clause of it must be
read, or the notice is refused naming the line and quoting the words; nothing is skipped and nothing
is guessed. The clauses:

- the days off, first: ``M月D日至M月D日放假[调休]`` (a range; the end may omit its month) or
  ``M月D日放假[1天]``;
- ``共N天``: the range's length, checked;
- ``与周末连休``: the stated days off (weekdays) join a weekend, which is off anyway; only the stated
  days are written (chinesecalendar lists the joined weekend as days off in 2019 and for 2024's New
  Year, not in 2016-2018 nor for 2024's 端午: the working days are the same either way);
- ``M月D日（星期X）补休``: a substitute day off, the first weekday after days off that fell on a weekend;
- ``不调休``: no make-up days in the item (checked);
- ``M月D日（周X）、M月D日（周X）上班``: make-up working days, each on a Saturday or Sunday;
- a sentence beginning ``鼓励`` is advice (鼓励…安排职工在除夕（2月9日）休息), read and not a day off; it
  may not speak of 放假, 上班, 补休, 调休 or 连休.

Clauses are separated by ``，`` ``,``; sentences end at ``。`` ``.`` ``；`` ``;``, or at a line end where the
clause before it is complete. Every bracket after a date (after spaces too; full-width or ASCII) is read: \
``星期X`` or ``周X`` is checked against the date,
``农历…`` is taken as written, anything else is refused; a bracket that follows no date is unread words.
Digits may be full-width or spaced apart (``1 月 2 日``). A date in December of the previous year (a
New Year range ``2018年12月30日至2019年1月1日`` or its make-up day) is taken in the 元旦 item only and
written as the notice's ``previous_year`` days (``calendar.py`` applies them); any other year is refused.
A make-up day on a weekday, a holiday that is also a make-up day, a day given twice, a length that is
not the one stated: each is refused naming the line.

The notice's year is its own heading's (the last ``国务院办公厅关于YYYY年部分节假日安排的通知`` starting a
line before the first item); its body runs to the closing paragraph (``节假日期间…``) or the signature
(``国务院办公厅``). What is around it on a saved page (navigation, footer links to other years' notices)
is not read; a dated line about days off between the title and the first item is refused, and what
follows an item before the next is part of it: words there that are not its clauses are refused.

``Notice.missing`` (``notice_days.py``, with the year file and the month grids) names the seven
statutory festivals no item names (``make calendar`` warns of them: every notice since 2008 gives all seven).

Text pasted into a ``.txt`` file (UTF-8 with or without a BOM, GB18030/GBK, UTF-16 with a BOM) and the
web page saved as ``.html`` read the same (``notice_text.py``); a refusal names the line of the file itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial

from .errors import NoticeError, Problem
from .notice_days import Notice
from .notice_text import NoticeText, rows_of

NUMERALS = "一二三四五六七八九十"
ITEM = re.compile(rf"[ \t]*(?:[{NUMERALS}]+|\d{{1,2}})[ \t]*[、，,.．][ \t]*"
                  rf"([\u4e00-\u9fff、，, \t]{{1,24}}?)[ \t]*[：:]")
TITLE_WORDS = "国务院办公厅关于@年部分节假日安排的通知"
TITLE = re.compile(r"\s*".join(r"(\d(?:\s*\d){3})" if c == "@" else re.escape(c) for c in TITLE_WORDS))
CLOSING = ("节假日期间",)  # the paragraph after the items
SIGNATURE = "国务院办公厅"
NUMBER = r"\d(?:[ \t\n]*\d)?"
DATE = re.compile(rf"(?<!\d)(?:(\d(?:[ \t\n]*\d){{3}})[ \t\n]*年[ \t\n]*)?"
                  rf"(?:({NUMBER})[ \t\n]*月[ \t\n]*)?({NUMBER})[ \t\n]*日"
                  r"(?:[ \t\n]*([（(][^（()）]*[）)]))?")
WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
# a bracket after a date, spaces removed: the lunar date (taken as written), then the weekday (checked)
BRACKET = re.compile(r"(?:(?P<lunar>(?:农历|除夕)[^、，,]*?)[、，,]?)?(?P<weekday>(?:周|星期)[一二三四五六日天])?")
DAY_OFF_WORDS = ("放假", "上班", "补休", "调休", "连休")
FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")

D = "\ue000"  # a date, in an item's shape
WORDS = re.compile(r"\S+")
SEPARATORS = "，,。.．；;"
SENTENCE_ENDS = "。.．；;"
NOT_ADVICE = "|".join(DAY_OFF_WORDS)
CLAUSES = (
    ("advice", re.compile(rf"鼓励(?:(?!{NOT_ADVICE})[^{SENTENCE_ENDS}])*")),
    ("workdays", re.compile(rf"{D}(?:[、，,]{D})*上班")),
    ("range", re.compile(rf"{D}至{D}放假(?:调休)?")),
    ("substitute", re.compile(rf"{D}补休")),
    ("single", re.compile(rf"{D}放假(?:调休)?(?:(\d+)天)?")),
    ("length", re.compile(r"共(\d+)天")),
    ("joined", re.compile(r"与周末连休")),
    ("no-swap", re.compile(r"不调休")),
)
EXPECTED_FIRST = "expected the days off first, as 'M月D日至M月D日放假' or 'M月D日放假'"
CLAUSE_WORDS = ("the days off ('M月D日至M月D日放假…', 'M月D日放假'), '共N天', '与周末连休', 'M月D日（星期X）补休', "
                "'不调休', nor the make-up working days ('M月D日（周X）、M月D日（周X）上班')")


@dataclass
class _Mention:
    """A date as written: year, month, day (digits, spaces kept), the bracket after it, its offset in the text."""

    year: str | None
    month: str | None
    day: str
    bracket: str | None
    at: int


@dataclass
class _Item:
    """A numbered festival item: its name, the offsets of its body, the rows it spans."""

    name: str
    row: int
    start: int
    end: int
    days_off: list[date] = field(default_factory=list)
    workdays: list[date] = field(default_factory=list)


def parse(text: str, year: int, shown: str) -> Notice:
    """The year's days off and make-up working days; ``NoticeError`` naming each line it cannot read."""
    rows = text.rows if isinstance(text, NoticeText) else None
    text = str(text)
    if rows is None:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        rows = rows_of(text)
    return _Reader(text.translate(FULL_WIDTH_DIGITS).replace("\u3000", " ").replace("\xa0", " "), rows, year,
                   shown).read()


class _Reader:
    def __init__(self, text: str, rows: Sequence[int], year: int, shown: str):
        self.text, self.rows, self.year, self.shown = text, rows, year, shown
        self.problems: list[Problem] = []
        self.holidays: dict[date, int] = {}
        self.workdays: dict[date, int] = {}

    def problem(self, at: int | None, message: str) -> None:
        self.problems.append(Problem(self.shown, None if at is None else self.rows[min(at, len(self.rows) - 1)], None,
                                     message))

    def words(self, start: int, end: int) -> str:
        return re.sub(r"\s+", " ", self.text[start:end].replace("\n", "")).strip()

    def read(self) -> Notice:
        text, year = self.text, self.year
        lines = []  # (start, end) offsets of each line
        start = 0
        for line in text.split("\n"):
            lines.append((start, start + len(line)))
            start += len(line) + 1
        titles = [m for m in TITLE.finditer(text) if not text[text.rfind("\n", 0, m.start()) + 1:m.start()].strip()]
        after = titles[0].end() if titles else 0
        first = next((a for a, b in lines if a >= after and ITEM.match(text, a, b)), len(text))
        # the last of them heads the notice; those before are furniture
        heading = [m for m in titles if m.start() < first]
        expected = f"国务院办公厅关于{year}年部分节假日安排的通知"
        if not heading or int(re.sub(r"\s", "", heading[-1][1])) != year:
            named = sorted({int(re.sub(r"\s", "", m[1])) for m in (heading[-1:] or titles)})
            self.problem(heading[-1].start() if heading else None,
                         f"no title '{expected}' heading the notice"
                         + (f" (it names {', '.join(map(str, named))})" if named else ""))
            raise NoticeError(self.problems)
        body_from = next(n for n, (a, b) in enumerate(lines) if b > heading[-1].end() - 1)
        items: list[_Item] = []
        current: _Item | None = None
        for n in range(body_from + 1, len(lines)):
            a, b = lines[n]
            line = re.sub(r"\s", "", text[a:b])
            head = ITEM.match(text, a, b)
            if head:
                current = _Item(re.sub(r"[,，]", "、", re.sub(r"\s", "", head[1])), self.rows[a], head.end(), b)
                items.append(current)
            elif items and (line.startswith(CLOSING) or line == SIGNATURE):
                break  # the body ends; the signature, its date and anything after are not read
            elif current is not None:  # the item goes on, across blank lines too (a page break in a PDF copy)
                current.end = b if line else current.end
            elif DATE.search(line) and any(word in line for word in DAY_OFF_WORDS):
                self.problem(a, f"a date about days off outside any numbered festival item ('一、元旦：…'): "
                             f"'{self.words(a, b)}'")
        if not items:
            self.problem(None, "no numbered festival line ('一、元旦：…') in the notice")
        for item in items:
            self.item(item)
        for day in sorted(self.holidays.keys() & self.workdays.keys()):
            self.problems.append(Problem(self.shown, self.workdays[day], None,
                                         f"{day} is both a day off and a make-up working day"))
        if self.problems:
            raise NoticeError(self.problems)

        def of(days: dict[date, int], wanted: int) -> tuple[date, ...]:
            return tuple(sorted(day for day in days if day.year == wanted))

        return Notice(year, expected, of(self.holidays, year), of(self.workdays, year), of(self.holidays, year - 1),
                      of(self.workdays, year - 1), tuple(item.name for item in items))

    def item(self, item: _Item) -> None:
        """Every clause of the item read, in order, or a problem naming its words."""
        text = self.text
        shape: list[str] = []  # the body with each date as D, whitespace dropped
        where: list[int] = []  # the offset in the text of each character of the shape
        broken: set[int] = set()  # the characters of the shape that a line end comes just before
        mentions: dict[int, _Mention] = {}
        offset = last = item.start
        for found in [*DATE.finditer(text, item.start, item.end), None]:
            for run in WORDS.finditer(text, offset, found.start() if found else item.end):
                if "\n" in text[last:run.start()]:
                    broken.add(len(where))
                shape.append(run[0])
                where.extend(range(run.start(), run.end()))
                last = run.end()
            if found is None:
                break
            if "\n" in text[last:found.start()]:
                broken.add(len(where))
            mentions[len(where)] = _Mention(found[1], found[2], found[3], found[4], found.start())
            shape.append(D)
            where.append(found.start())
            offset = last = found.end()
        body = "".join(shape)
        ends = [*(n for n, c in enumerate(body) if c in SEPARATORS), len(body)]

        def at_end(n: int) -> bool:
            return n == len(body) or body[n] in SEPARATORS or n in broken

        def words(n: int) -> str:
            stop = next(e for e in ends if e > n)
            return self.words(where[n], where[stop] if stop < len(body) else item.end)

        state = _State(item, self)
        n, first, lost = 0, True, False
        while n < len(body):
            if body[n] in SEPARATORS:
                n += 1
                continue
            kind, match = next(((kind, found) for kind, pattern in CLAUSES
                                if (found := pattern.match(body, n)) and at_end(found.end())), ("", None))
            if first and kind not in ("range", "single"):
                self.problem(where[n], f"{item.name}: {EXPECTED_FIRST}; found '{words(n)}'")
                return
            if match is None:
                self.problem(where[n], f"{item.name}: '{words(n)}' is neither {CLAUSE_WORDS}; every word of a festival "
                             "item must be read")
                n, lost = next(e for e in ends if e > n), True
                continue
            if not lost:  # (after unread words, the clauses' relations are not checked: the item is refused already)
                dates = [mentions[m] for m in range(match.start(), match.end()) if body[m] == D]
                state.clause(kind, match, dates, where[n], partial(words, n))
            first = False
            n = match.end()
        if first:
            self.problem(item.start, f"{item.name}: {EXPECTED_FIRST}; found nothing after '{item.name}：'")
        state.finish()


class _State:
    """What an item's clauses have said so far, and the checks between them."""

    def __init__(self, item: _Item, reader: _Reader):
        self.item, self.reader = item, reader
        self.year: int = reader.year  # the last date's year and month, for a date that omits them
        self.month: int | None = None
        self.days_off: list[date] | None = None
        self.no_swap: int | None = None
        self.lengths = 0

    def problem(self, at: int, message: str) -> None:
        self.reader.problem(at, f"{self.item.name}: {message}")

    def resolve(self, mention: _Mention) -> date | None:
        """The date of '[YYYY年][M月]D日（…）': a year or month left out is the item's last date's; the bracket read."""
        reader, name = self.reader, self.item.name
        digits = {key: "".join(value.split()) if value else None
                  for key, value in (("year", mention.year), ("month", mention.month), ("day", mention.day))}
        year = int(digits["year"]) if digits["year"] else self.year
        month = int(digits["month"]) if digits["month"] else self.month
        shown = "".join(f"{digits[key]}{unit}" for key, unit in (("year", "年"), ("month", "月"), ("day", "日"))
                        if digits[key])
        if month is None:
            self.problem(mention.at, f"'{shown}' without its month")
            return None
        try:
            found = date(year, month, int(digits["day"] or 0))
        except ValueError:
            self.problem(mention.at, f"{month}月{digits['day']}日 is not a date in {year}")
            return None
        self.year, self.month = year, month
        if year != reader.year and not (year == reader.year - 1 and month == 12 and "元旦" in name):
            self.problem(mention.at, f"{found} is outside {reader.year}: "
                         f"a notice for {reader.year} gives its own days, "
                         f"and the days of December {reader.year - 1} of its New Year holiday (in the 元旦 item) only")
            return None
        if mention.bracket is not None:
            inside = BRACKET.fullmatch(re.sub(r"\s", "", mention.bracket[1:-1]))
            if not inside or not (inside["lunar"] or inside["weekday"]):
                self.problem(mention.at, f"the bracket '{mention.bracket}' after {found} is not read: expected its "
                             "weekday (星期X or 周X), with or without the lunar date before it (农历…、)")
            elif inside["weekday"] and WEEKDAYS[inside["weekday"][-1]] != found.weekday():
                self.problem(mention.at,
                             f"{found} is a {found.strftime('%A')}, but the notice says {inside['weekday']}")
        return found

    def clause(self, kind: str, match: re.Match, mentions: list[_Mention], at: int, quoted: Callable[[], str]) -> None:
        dates = [self.resolve(mention) for mention in mentions]
        days = [day for day in dates if day is not None]
        if kind in ("range", "single") and self.days_off is None and len(days) < len(dates):
            self.days_off = []  # refused already; the clauses after it are not checked against it
        if len(days) < len(dates):
            return
        if kind in ("range", "single"):
            if self.days_off is not None:
                self.problem(at, f"a second days-off clause '{quoted()}': an item gives its days off once")
                return
            start, end = days[0], days[-1]
            if end < start:
                self.problem(at, f"the days off end ({end}) before they begin ({start})")
                return
            self.days_off = [start + timedelta(n) for n in range((end - start).days + 1)]
            if kind == "single" and match[1] and int(match[1]) != 1:
                self.problem(at, f"'{quoted()}' gives one day, but says 放假{match[1]}天")
            for day in self.days_off:
                self.holiday(day, at)
            return
        if kind == "advice":
            return
        if self.days_off is None:
            self.problem(at, f"'{quoted()}' before the days off")
            return
        if not self.days_off and kind != "workdays":
            return
        if kind == "length":
            self.lengths += 1
            if self.lengths > 1:
                self.problem(at, f"a second length '{quoted()}'")
            elif int(match[1]) != len(self.days_off):
                self.problem(at, f"{self.days_off[0]} to {self.days_off[-1]} is {len(self.days_off)} days, "
                             f"but the notice says 共{match[1]}天")
        elif kind == "joined":
            weekend = [day for day in self.days_off if day.weekday() >= 5]
            if weekend:
                self.problem(at, f"'与周末连休' (joined with the weekend), but {weekend[0]} is itself a "
                             f"{weekend[0].strftime('%A')}")
            elif (self.days_off[0] - timedelta(1)).weekday() != 6 and (self.days_off[-1] + timedelta(1)).weekday() != 5:
                self.problem(at, f"'与周末连休' (joined with the weekend), but {self.days_off[0]} to "
                             f"{self.days_off[-1]} touch no weekend")
        elif kind == "no-swap":
            self.no_swap = at
        elif kind == "substitute":
            day, last = days[0], self.days_off[-1]
            following = last + timedelta(1)
            while following.weekday() >= 5:
                following += timedelta(1)
            if not any(off.weekday() >= 5 for off in self.days_off):
                self.problem(at, f"a substitute day off (补休) {day}, but the days off "
                             f"({self.days_off[0]}{' to ' + str(last) if last != self.days_off[0] else ''}) fall on "
                             "no weekend")
            elif day != following:
                self.problem(at, f"the substitute day off (补休) {day} is not the first weekday after the days off "
                             f"({following})")
            else:
                self.holiday(day, at)
        elif kind == "workdays":
            for day in days:
                if day.weekday() < 5:
                    self.problem(at, f"the make-up working day {day} is a weekday; make-up days fall on a Saturday or "
                                 "Sunday")
                elif day in self.reader.workdays:
                    self.problem(at, f"the make-up working day {day} is given twice")
                else:
                    self.reader.workdays[day] = self.reader.rows[at]
                    self.item.workdays.append(day)

    def holiday(self, day: date, at: int) -> None:
        if day in self.reader.holidays:
            self.problem(at, f"the day off {day} is given twice")
        self.reader.holidays[day] = self.reader.rows[at]
        self.item.days_off.append(day)

    def finish(self) -> None:
        if self.days_off is None:
            return  # refused already: the first clause was not the days off
        if self.no_swap is not None and self.item.workdays:
            self.problem(self.no_swap, f"'不调休' (no make-up days), but the item gives "
                         f"{', '.join(map(str, self.item.workdays))}")

