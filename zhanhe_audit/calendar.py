"""The official Chinese working-day calendar: weekends, public holidays and make-up working days (调休).

Results must reach the national enterprise credit publicity system within 20 working days
(Zhanhe plan, section 三(一)1: "在20个工作日内及时将产生的涉企信息全量归集"). A working day is
what the State Council's yearly holiday notice makes it: Monday to Friday unless it is a
public holiday, and a Saturday or Sunday that is a make-up working day.

- For the years it covers (2004–2026 in version 1.11), the ``chinesecalendar`` package.
- For later years, ``params/calendar/<year>.yaml``, written from that year's notice by
  ``make calendar`` (``notice.py``)::

      year: 2027
      source: "国务院办公厅关于2027年部分节假日安排的通知"
      holidays: ["2027-01-01", ...]    # days off, weekdays included
      workdays: ["2027-02-20", ...]    # make-up working days on a weekend

- A date in a year neither covers is refused, naming the year (``CalendarError``): there is
  no fallback to weekends only, which would give wrong deadlines around every holiday.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import yaml

from .errors import CalendarError, ParamsError, Problem

DEADLINE_WORKING_DAYS = 20  # Zhanhe plan, section 三(一)1
FOLDER = "calendar"  # under params/


@dataclass(frozen=True)
class YearFile:
    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]


def read_year(path: Path, shown: str) -> YearFile:
    """``params/calendar/<year>.yaml``, validated; ``ParamsError`` naming the key of each problem."""
    problems: list[Problem] = []

    def problem(key: str, message: str) -> None:
        problems.append(Problem(shown, None, None, f"key '{key}': {message}"))

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ParamsError([Problem(shown, None, None, f"not a readable YAML calendar: {error}")]) from None
    if not isinstance(data, dict):
        raise ParamsError([Problem(shown, None, None, "expected a mapping with year, source, holidays and workdays")])
    year = data.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or str(year) != path.stem:
        problem("year", f"{year!r}: expected {path.stem}, the year in the file's name")
    if not str(data.get("source") or "").strip():
        problem("source", "missing: name the State Council notice the dates come from")
    days: dict[str, frozenset[date]] = {}
    for key in ("holidays", "workdays"):
        found = set()
        for index, value in enumerate(data.get(key) or []):
            try:
                day = date.fromisoformat(str(value))
            except ValueError:
                problem(f"{key}[{index}]", f"{value!r} is not a date; write it as '2027-01-01' in quotes")
                continue
            if day.year != year:
                problem(f"{key}[{index}]", f"{day} is not in {year}")
            found.add(day)
        days[key] = frozenset(found)
    for day in sorted(days["holidays"] & days["workdays"]):
        problem("workdays", f"{day} is also listed as a holiday")
    for day in sorted(day for day in days["workdays"] if day.weekday() < 5):
        problem("workdays", f"{day} is a weekday; make-up working days fall on a Saturday or Sunday")
    if problems:
        raise ParamsError(problems)
    return YearFile(int(path.stem), days["holidays"], days["workdays"])


@dataclass
class Calendar:
    """Working days from ``chinesecalendar``, then from the year files in ``folder`` (``params/calendar``)."""

    folder: Path | None = None
    _years: dict[int, YearFile | None] = field(default_factory=dict, repr=False)

    def year_file(self, year: int) -> YearFile | None:
        if year not in self._years:
            path = self.folder / f"{year}.yaml" if self.folder else None
            shown = f"params/{FOLDER}/{year}.yaml"
            self._years[year] = read_year(path, shown) if path and path.is_file() else None
        return self._years[year]

    def is_workday(self, day: date) -> bool:
        import chinese_calendar

        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            pass
        found = self.year_file(day.year)
        if found is None:
            raise CalendarError(
                f"no working-day calendar covers {day.year} (needed for {day}): the chinesecalendar package knows "
                f"only its years, and params/{FOLDER}/{day.year}.yaml does not exist. Write that file from the State "
                f"Council's holiday notice for the year: make calendar YEAR={day.year} NOTICE=<the notice as .txt or "
                ".html>; deadlines are never counted on weekends alone.")
        if day in found.workdays:
            return True
        return day.weekday() < 5 and day not in found.holidays

    def add_working_days(self, start: date, count: int) -> date:
        """The ``count``-th working day after ``start`` (``start`` itself not counted)."""
        day = start
        while count:
            day += timedelta(days=1)
            count -= self.is_workday(day)
        return day

    def deadline(self, end: date) -> date:
        """The last day to publish a result of an inspection that ended on ``end``."""
        return self.add_working_days(end, DEADLINE_WORKING_DAYS)
