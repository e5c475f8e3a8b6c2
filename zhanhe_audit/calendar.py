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
      previous_year:                   # only when the notice sets days of the year before
        year: 2026                     # (a New Year holiday from 30 December, or its make-up day)
        source: "国务院办公厅关于2027年部分节假日安排的通知"
        holidays: ["2026-12-31"]
        workdays: ["2026-12-26"]

- A notice's days in the year before (``previous_year``, the New Year holiday when 1 January falls
  on a Sunday to Tuesday) count for that year: a day of year Y is a holiday or a working day as
  ``<Y+1>.yaml`` says, where Y's own data (the package for its years, else ``<Y>.yaml``) does not
  list that day; where it lists it otherwise, the two contradict and the date is refused
  (``ParamsError`` naming both), never decided silently. The package's years take their next
  year's file only when the package does not know that next year (it has the cross-year days of
  the years it knows). Y still needs its own data: ``<Y+1>.yaml`` alone does not cover Y.
- A date in a year neither covers is refused, naming the year (``CalendarError``): there is
  no fallback to weekends only, which would give wrong deadlines around every holiday.
- A results record counts with the calendar copies it archived (``Calendar(record/calendar)``),
  so a year file written later changes no record's deadlines.
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
    previous_holidays: frozenset[date] = frozenset()  # days of year - 1 that the year's notice sets
    previous_workdays: frozenset[date] = frozenset()
    source: str = ""


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
    days = _days(data, year, "", problem)
    previous = data.get("previous_year")
    earlier: dict[str, frozenset[date]] = {"holidays": frozenset(), "workdays": frozenset()}
    if previous is not None:
        if not isinstance(previous, dict):
            problem("previous_year", "expected a mapping with year, source, holidays and workdays")
        else:
            unknown = sorted(set(map(str, previous)) - {"year", "source", "holidays", "workdays"})
            if unknown:
                problem("previous_year", f"unknown key(s) {', '.join(unknown)}")
            expected = int(path.stem) - 1 if path.stem.isdigit() else None
            if previous.get("year") != expected or isinstance(previous.get("year"), bool):
                problem("previous_year.year",
                        f"{previous.get('year')!r}: expected {expected}, the year before the file's")
            if not str(previous.get("source") or "").strip():
                problem("previous_year.source", "missing: name the notice the days come from")
            if isinstance(expected, int):
                earlier = _days(previous, expected, "previous_year.", problem)
    if problems:
        raise ParamsError(problems)
    return YearFile(int(path.stem), days["holidays"], days["workdays"], earlier["holidays"], earlier["workdays"],
                    str(data.get("source")))


def _days(data: dict, year: object, prefix: str, problem) -> dict[str, frozenset[date]]:
    """``holidays`` and ``workdays`` of ``data``: dates of ``year``, none in both, make-up days on a weekend."""
    days: dict[str, frozenset[date]] = {}
    for key in ("holidays", "workdays"):
        found = set()
        for index, value in enumerate(data.get(key) or []):
            try:
                day = date.fromisoformat(str(value))
            except ValueError:
                problem(f"{prefix}{key}[{index}]", f"{value!r} is not a date; write it as '2027-01-01' in quotes")
                continue
            if day.year != year:
                problem(f"{prefix}{key}[{index}]", f"{day} is not in {year}")
            found.add(day)
        days[key] = frozenset(found)
    for day in sorted(days["holidays"] & days["workdays"]):
        problem(f"{prefix}workdays", f"{day} is also listed as a holiday")
    for day in sorted(day for day in days["workdays"] if day.weekday() < 5):
        problem(f"{prefix}workdays", f"{day} is a weekday; make-up working days fall on a Saturday or Sunday")
    return days


def _package(day: date) -> bool | None:
    """``chinese_calendar.is_workday``, ``None`` for a year the package does not know."""
    import chinese_calendar

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


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
        own, listed, shown = self._own(day)
        later = self._later(day)
        if later is None:
            return own
        working, where = later
        if listed and own != working:
            raise ParamsError([Problem(where, None, None, f"key 'previous_year': {day} is a "
                                       f"{'working day' if working else 'day off'} there, but {shown} has it as a "
                                       f"{'working day' if own else 'day off'}; "
                                       "the two calendars contradict each other. "
                                       "Check both against the State Council's notices and correct the wrong one")])
        return own if listed else working

    def stated(self, day: date) -> tuple[bool, str] | None:
        """What the day's own year's data lists the day as (working day or not, and where), ``None`` when it does
        not list it (or no data covers the year): for ``make calendar`` to check a notice's days of the year before."""
        try:
            own, listed, shown = self._own(day)
        except CalendarError:
            return None
        return (own, shown) if listed else None

    def _own(self, day: date) -> tuple[bool, bool, str]:
        """The day as its own year's data has it: (working day, listed there rather than by the weekday rule, where)."""
        known = _package(day)
        if known is not None:
            from chinese_calendar.constants import holidays, workdays

            return known, day in holidays or day in workdays, "the chinesecalendar package"
        found = self.year_file(day.year)
        shown = f"params/{FOLDER}/{day.year}.yaml"
        if found is None:
            raise CalendarError(
                f"no working-day calendar covers {day.year} (needed for {day}): the chinesecalendar package knows "
                f"only its years, and params/{FOLDER}/{day.year}.yaml does not exist. Write that file from the State "
                f"Council's holiday notice for the year: make calendar YEAR={day.year} NOTICE=<the notice as .txt or "
                ".html>; deadlines are never counted on weekends alone.", day.year)
        if day in found.workdays:
            return True, True, shown
        return day.weekday() < 5 and day not in found.holidays, day in found.holidays, shown

    def _later(self, day: date) -> tuple[bool, str] | None:
        """The day as the next year's file has it in ``previous_year`` (working day, where), if it lists it; not
        consulted when the package knows the next year (it has that year's days of the year before)."""
        if _package(date(day.year + 1, 1, 1)) is not None:
            return None
        found = self.year_file(day.year + 1)
        if found is None:
            return None
        shown = f"params/{FOLDER}/{day.year + 1}.yaml"
        if day in found.previous_workdays:
            return True, shown
        if day in found.previous_holidays:
            return False, shown
        return None

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
