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
