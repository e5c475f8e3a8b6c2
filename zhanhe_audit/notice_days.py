"""A holiday notice as read: the year's days off and make-up working days (``Notice``), the seven statutory
festivals its items must name, the year file ``params/calendar/<year>.yaml`` it is written as (``calendar.read_year``
reads it) and the twelve month grids ``make calendar`` shows, aligned by display width. ``notice.parse`` reads a
notice's text into one.
"""

from __future__ import annotations

import calendar as months
import unicodedata
from dataclasses import dataclass
from datetime import date

import yaml

FESTIVALS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")


@dataclass(frozen=True)
class Notice:
    year: int
    source: str
    holidays: tuple[date, ...]
    workdays: tuple[date, ...]
    previous_holidays: tuple[date, ...] = ()  # the notice's days in December of the year before
    previous_workdays: tuple[date, ...] = ()
    items: tuple[str, ...] = ()  # the festivals' names, as the items give them ('中秋节、国庆节')

    def missing(self) -> list[str]:
        ("The statutory festivals (全国年节及纪念日放假办法) that no item names: every notice since 2008 "
         "gives all seven.")
        named = "".join(self.items)
        return [festival for festival in FESTIVALS if festival not in named]

    def yaml(self) -> str:
        ("The year file's text, as ``calendar.read_year`` reads it (``previous_year`` only when there are "
         "such days).")
        data: dict[str, object] = {"year": self.year, "source": self.source,
                                   "holidays": [d.isoformat() for d in self.holidays],
                                   "workdays": [d.isoformat() for d in self.workdays]}
        if self.previous_holidays or self.previous_workdays:
            data["previous_year"] = {"year": self.year - 1, "source": self.source,
                                     "holidays": [d.isoformat() for d in self.previous_holidays],
                                     "workdays": [d.isoformat() for d in self.previous_workdays]}
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_style=None)

    def grid(self) -> str:
        """The year as twelve month grids, 休 on days off and 班 on make-up working days, aligned by display
        width (a CJK character is two columns); the notice's days of the year before first, when there are any."""
        holidays = set(self.holidays) | set(self.previous_holidays)
        workdays = set(self.workdays) | set(self.previous_workdays)
        lines = [f"{self.year}   休 = 放假 day off   班 = 调休上班 make-up working day"]
        shown = [(self.year - 1, 12)] if self.previous_holidays or self.previous_workdays else []
        for year, month in shown + [(self.year, month) for month in range(1, 13)]:
            title = f"{month}月" if year == self.year else f"{year}年{month}月 (days of {year} this notice sets)"
            lines += ["", title, _row(["一", "二", "三", "四", "五", "六", "日"])]
            for week in months.monthcalendar(year, month):
                cells = []
                for day in week:
                    if not day:
                        cells.append("")
                        continue
                    mark = ("休" if date(year, month, day) in holidays
                            else "班" if date(year, month, day) in workdays else "")
                    cells.append(f"{day:>2}{mark}")
                lines.append(_row(cells))
        return "\n".join(lines) + "\n"


CELL = 4  # display columns of a grid cell: the day's two digits and a mark two columns wide


def width(text: str) -> int:
    """Display columns of ``text`` in a terminal: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _row(cells: list[str]) -> str:
    return " ".join(cell + " " * (CELL - width(cell)) for cell in cells).rstrip()
