"""The State Council's holiday notice read into params/calendar/<year>.yaml (zhanhe_audit.notice).

The 2024, 2025 and 2026 notices (tests/fixtures/notices/, the text of the official publication; 2026
as the web page saved from a browser) must give exactly the days chinesecalendar has for those years,
which were written from the same notices by other hands. Broken notices are refused naming the line.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import chinese_calendar
import pytest

from zhanhe_audit import calendar, cli, notice
from zhanhe_audit.errors import NoticeError

NOTICES = Path(__file__).resolve().parent / "fixtures" / "notices"
FILES = {2024: "2024.txt", 2025: "2025.txt", 2026: "2026.html"}


def _official(year: int) -> tuple[tuple[date, ...], tuple[date, ...]]:
    return (tuple(sorted(d for d in chinese_calendar.holidays if d.year == year)),
            tuple(sorted(d for d in chinese_calendar.workdays if d.year == year)))


@pytest.mark.parametrize("year", sorted(FILES))
def test_notice_gives_exactly_the_days_chinesecalendar_has(year):
    found = notice.parse(notice.text_of(NOTICES / FILES[year]), year, FILES[year])
    assert (found.holidays, found.workdays) == _official(year)
    assert found.source == f"国务院办公厅关于{year}年部分节假日安排的通知"


def test_gbk_text_and_a_saved_page_read_as_the_pasted_text(tmp_path):
    text = (NOTICES / "2025.txt").read_text(encoding="utf-8")
    (tmp_path / "gbk.txt").write_bytes(text.encode("gbk"))
    page = "".join(f"<p>{line}</p>\n" for line in text.splitlines())
    (tmp_path / "page.html").write_text(f"<html><head><script>一、元旦：1月9日放假</script></head><body>{page}</body></html>",
                                        encoding="utf-8")
    expected = notice.parse(text, 2025, "2025.txt")
    for name in ("gbk.txt", "page.html"):
        assert notice.parse(notice.text_of(tmp_path / name), 2025, name) == expected


def _row(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if line.strip().startswith(start))


BROKEN = {
    # name: (the change to the 2025 notice, the festival line it is on, words of the refusal)
    "holiday line unreadable": (("1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休", "除夕至正月初七放假调休"),
                                "二、", "expected the days off first"),
    "date outside the year": (("放假1天，不调休。", "放假1天。2024年12月29日（周日）上班。"), "一、", "outside 2025"),
    "make-up day on a weekday": (("4月27日（周日）上班", "4月28日上班"), "四、", "is a weekday"),
    "holiday that is a make-up day": (("4月27日（周日）上班", "5月4日（周日）上班"), "四、",
                                      "both a day off and a make-up working day"),
    "length not the one stated": (("放假调休，共8天。1月26日", "放假调休，共7天。1月26日"), "二、", "is 8 days, but the notice says 共7天"),
    "weekday not the date's": (("1月1日（周三）", "1月1日（周四）"), "一、", "is a Wednesday, but the notice says 周四"),
    "a dated sentence of neither kind": (("4月27日（周日）上班。", "4月27日（周日）补课。"), "四、", "neither the days off"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_notice_is_refused_naming_its_line(case):
    (old, new), start, words = BROKEN[case]
    text = (NOTICES / "2025.txt").read_text(encoding="utf-8")
    assert old in text
    broken = text.replace(old, new, 1)
    with pytest.raises(NoticeError) as refused:
        notice.parse(broken, 2025, "notice.txt")
    assert f"notice.txt, row {_row(broken, start)}: " in str(refused.value) and words in str(refused.value), str(refused.value)


def test_a_notice_of_another_year_is_refused():
    with pytest.raises(NoticeError, match="no title '国务院办公厅关于2027年部分节假日安排的通知'.*it names 2025"):
        notice.parse((NOTICES / "2025.txt").read_text(encoding="utf-8"), 2027, "2025.txt")


def test_cli_writes_the_year_file_once_prints_the_grid_and_the_calendar_reads_it(tmp_path, capsys):
    assert cli.main(["--root", str(tmp_path), "calendar", "2026", str(NOTICES / "2026.html")]) == 0
    shown = capsys.readouterr().out
    assert "10月" in shown and " 4班" in shown and " 1休" in shown and "written: params/calendar/2026.yaml" in shown
    path = tmp_path / "params" / "calendar" / "2026.yaml"
    year = calendar.read_year(path, "params/calendar/2026.yaml")
    assert (tuple(sorted(year.holidays)), tuple(sorted(year.workdays))) == _official(2026)
    before = path.read_bytes()
    assert cli.main(["--root", str(tmp_path), "calendar", "2026", str(NOTICES / "2026.html")]) == 2
    assert "exists already" in capsys.readouterr().err and path.read_bytes() == before


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
