"""The working-day calendar (zhanhe_audit.calendar): known answers around the 2026 holidays,
a year file for a later year, and the refusal for a year nobody covers."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from zhanhe_audit.calendar import Calendar
from zhanhe_audit.errors import CalendarError, ParamsError


def test_deadline_across_the_2026_national_day_holiday_and_its_make_up_saturday():
    # Counted by hand from the State Council's 2026 notice: 1-7 October off, Saturday 10 October worked.
    # After Monday 28 September: 29, 30 Sep (2); 8, 9 Oct (4); Sat 10 Oct (5); 12-16 (10); 19-23 (15); 26-30 (20).
    assert Calendar().deadline(date(2026, 9, 28)) == date(2026, 10, 30)


def test_deadline_without_a_holiday_is_four_weeks_of_weekdays():
    # 2 November 2026 is a Monday; no holiday or make-up day in November 2026
    assert Calendar().deadline(date(2026, 11, 2)) == date(2026, 11, 30)


def test_a_make_up_saturday_is_a_working_day_and_a_holiday_weekday_is_not():
    calendar = Calendar()
    assert calendar.is_workday(date(2026, 10, 10)) and date(2026, 10, 10).weekday() == 5
    assert not calendar.is_workday(date(2026, 10, 1)) and date(2026, 10, 1).weekday() == 3


def test_a_year_nobody_covers_is_refused_naming_the_year(tmp_path):
    with pytest.raises(CalendarError, match="no working-day calendar covers 2031 .*params/calendar/2031.yaml"):
        Calendar(tmp_path).deadline(date(2031, 3, 3))


def test_a_deadline_running_into_an_uncovered_year_is_refused_naming_that_year(tmp_path):
    with pytest.raises(CalendarError, match="covers 2027"):
        Calendar(tmp_path).deadline(date(2026, 12, 21))


def _year_file(folder, text: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / "2027.yaml").write_text(text, encoding="utf-8")


def test_a_year_file_gives_holidays_and_make_up_days_for_a_later_year(tmp_path):
    # A made-up notice for the test: 1-3 February 2027 off (Monday to Wednesday), Sunday 7 February worked.
    _year_file(tmp_path, 'year: 2027\nsource: "test notice"\nholidays: ["2027-02-01", "2027-02-02", "2027-02-03"]\n'
                         'workdays: ["2027-02-07"]\n')
    calendar = Calendar(tmp_path)
    assert not calendar.is_workday(date(2027, 2, 1)) and calendar.is_workday(date(2027, 2, 7))
    # after Friday 29 January: 4, 5 Feb (2); Sun 7 (3); 8-12 (8); 15-19 (13); 22-26 (18); 1, 2 March (20)
    expected = [date(2027, 2, 4), date(2027, 2, 5), date(2027, 2, 7)]
    day = date(2027, 2, 8)
    while len(expected) < 20:
        if day.weekday() < 5:
            expected.append(day)
        day += timedelta(days=1)
    assert calendar.deadline(date(2027, 1, 29)) == expected[-1] == date(2027, 3, 2)


@pytest.mark.parametrize(("text", "key"), [
    ('year: 2026\nsource: s\nholidays: []\nworkdays: []\n', "year"),
    ('year: 2027\nholidays: []\nworkdays: []\n', "source"),
    ('year: 2027\nsource: s\nholidays: ["2027-13-01"]\nworkdays: []\n', "holidays[0]"),
    ('year: 2027\nsource: s\nholidays: ["2028-01-01"]\nworkdays: []\n', "holidays[0]"),
    ('year: 2027\nsource: s\nholidays: []\nworkdays: ["2027-02-08"]\n', "workdays"),
])
def test_a_bad_year_file_is_refused_naming_the_file_and_key(tmp_path, text, key):
    _year_file(tmp_path, text)
    with pytest.raises(ParamsError, match=rf"params/calendar/2027.yaml: key '{re.escape(key)}'"):
        Calendar(tmp_path).is_workday(date(2027, 2, 8))


# ---- a notice's days of the year before (previous_year): a New Year holiday from late December ----

def _files(folder, **texts: str) -> None:
    folder.mkdir(exist_ok=True)
    for year, text in texts.items():
        (folder / f"{year[1:]}.yaml").write_text(text, encoding="utf-8")


# Invented years: 1 January 2030 is a Tuesday, so (as in the notices of 2019 and 2023) the 2030 notice would give
# 30 December 2029 to 1 January 2030 off and Saturday 29 December 2029 worked.
Y2029 = 'year: 2029\nsource: "test notice 2029"\nholidays: ["2029-01-01"]\nworkdays: []\n'
Y2030 = ('year: 2030\nsource: "test notice 2030"\nholidays: ["2030-01-01"]\nworkdays: []\n'
         'previous_year:\n  year: 2029\n  source: "test notice 2030"\n  holidays: ["2029-12-30", "2029-12-31"]\n'
         '  workdays: ["2029-12-29"]\n')


def test_the_next_years_notice_sets_the_days_of_the_year_before_that_its_own_file_does_not_list(tmp_path):
    _files(tmp_path, y2029=Y2029, y2030=Y2030)
    days = Calendar(tmp_path)
    assert days.is_workday(date(2029, 12, 29)) and not days.is_workday(date(2029, 12, 31))
    assert not days.is_workday(date(2029, 12, 30)) and days.is_workday(date(2029, 12, 28))
    # from Monday 24 December 2029: 25-28 (4), Sat 29 (5), 30 Dec-1 Jan off, 2-4 Jan (8), 7-11 (13), 14-18 (18), 21, 22
    assert days.deadline(date(2029, 12, 24)) == date(2030, 1, 22)
    # without the 2030 file (a results record archived before it was written keeps its own copies): as before
    _files(tmp_path / "record", y2029=Y2029)
    assert Calendar(tmp_path / "record").is_workday(date(2029, 12, 31))
    assert not Calendar(tmp_path / "record").is_workday(date(2029, 12, 29))


def test_the_year_before_still_needs_its_own_calendar(tmp_path):
    _files(tmp_path, y2030=Y2030)
    with pytest.raises(CalendarError, match="covers 2029"):
        Calendar(tmp_path).is_workday(date(2029, 12, 31))


def test_the_years_own_file_agreeing_is_kept_and_contradicting_is_refused_naming_both(tmp_path):
    _files(tmp_path, y2029=Y2029.replace('["2029-01-01"]', '["2029-01-01", "2029-12-31"]'), y2030=Y2030)
    assert not Calendar(tmp_path).is_workday(date(2029, 12, 31))  # both say a day off
    _files(tmp_path, y2029=Y2029.replace('["2029-01-01"]', '["2029-01-01", "2029-12-29"]'))
    with pytest.raises(ParamsError, match=r"params/calendar/2030.yaml: key 'previous_year': 2029-12-29 is a working "
                                          r"day there, but params/calendar/2029.yaml has it as a day off"):
        Calendar(tmp_path).is_workday(date(2029, 12, 29))


def test_a_year_of_the_package_takes_the_next_years_file_where_the_package_does_not_list_the_day(tmp_path):
    # chinesecalendar 1.11 knows 2026, not 2027: a 2027 notice's days of December 2026 come from 2027.yaml
    _files(tmp_path, y2027='year: 2027\nsource: "test notice 2027"\nholidays: ["2027-01-01"]\nworkdays: []\n'
                           'previous_year: {year: 2026, source: "test notice 2027", holidays: ["2026-12-31"], '
                           'workdays: ["2026-12-26"]}\n')
    assert not Calendar(tmp_path).is_workday(date(2026, 12, 31)) and Calendar().is_workday(date(2026, 12, 31))
    assert Calendar(tmp_path).is_workday(date(2026, 12, 26)) and not Calendar().is_workday(date(2026, 12, 26))
    # a day the package lists (1 October 2026 off) that the next year's file says otherwise: refused
    _files(tmp_path, y2027='year: 2027\nsource: s\nholidays: []\nworkdays: []\n'
                           'previous_year: {year: 2026, source: s, holidays: [], '
                           'workdays: ["2026-10-10", "2026-10-04"]}\n')
    assert Calendar(tmp_path).is_workday(date(2026, 10, 10))  # the package has it worked too
    with pytest.raises(ParamsError, match="2026-10-04 is a working day there, but the chinesecalendar package has it "
                                          "as a day off"):
        Calendar(tmp_path).is_workday(date(2026, 10, 4))


def test_a_year_the_package_knows_is_not_changed_by_a_file_of_a_next_year_it_knows_too(tmp_path):
    # the package has the cross-year days of its years (2018-12-29 worked, from the 2019 notice)
    _files(tmp_path, y2019='year: 2019\nsource: s\nholidays: []\nworkdays: []\n'
                           'previous_year: {year: 2018, source: s, holidays: ["2018-12-29"], workdays: []}\n')
    assert Calendar(tmp_path).is_workday(date(2018, 12, 29))


@pytest.mark.parametrize(("previous", "key"), [
    ('{year: 2028, source: s, holidays: [], workdays: []}', "previous_year.year"),
    ('{year: 2026, holidays: [], workdays: []}', "previous_year.source"),
    ('{year: 2026, source: s, holidays: ["2027-12-31"], workdays: []}', "previous_year.holidays[0]"),
    ('{year: 2026, source: s, holidays: [], workdays: ["2026-12-31"]}', "previous_year.workdays"),
    ('{year: 2026, source: s, holidays: ["2026-12-26"], workdays: ["2026-12-26"]}', "previous_year.workdays"),
    ('{year: 2026, source: s, days: []}', "previous_year"),
    ('["2026-12-31"]', "previous_year"),
])
def test_a_bad_previous_year_is_refused_naming_the_key(tmp_path, previous, key):
    _year_file(tmp_path, f'year: 2027\nsource: s\nholidays: []\nworkdays: []\nprevious_year: {previous}\n')
    with pytest.raises(ParamsError, match=rf"params/calendar/2027.yaml: key '{re.escape(key)}'"):
        Calendar(tmp_path).is_workday(date(2027, 2, 8))
