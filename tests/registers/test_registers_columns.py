"""Registers read and checked a column at a time give what reading and checking row by row gives.

Two fast paths stand beside the row-by-row code they replace for large files, and each is
compared with it here on inputs made to hit every rule:
- Arrow's CSV reader against Python's ``csv`` (kept for the files Arrow refuses);
- ``parse_entities`` (columns, each distinct value checked once) against ``_checked_entity`` run
  on every row, the row-by-row rules that word each problem;
- ``uscc.valid_column`` against ``uscc.is_valid``.
"""

from __future__ import annotations

import codecs
import random
from pathlib import Path

import pyarrow as pa
import pytest

from zhanhe_audit import uscc
from zhanhe_audit.errors import Problems
from zhanhe_audit.registers import entities as entity_rules
from zhanhe_audit.registers import formats, reading

HEADER = "uscc,name,grade,tags,unit,status,established"

TRICKY_TEXTS = [
    "a,b\n1,2\n",
    'a,b\n"1,x",2\n',
    'a,b\n"1\nx",2\n',  # a line break inside a quoted cell: one spreadsheet row
    'a,b\n"a\r\nb",2\n',
    'a,b\n1"x,2\n',
    'a,b\n"1"x,2\n',
    'a,b\n"1""x",2\n',
    "a,b\r\n1,2\r\n",
    "a,b\r1,2\r",
    "a,b\n1,2",
    "a,b\n\n1,2\n\n",  # blank lines keep their row numbers
    "a,b\n,\n 1 , 2 \n",
    'a,b\n"",2\n" x ",\u30003\u3000\n',
    "a,b\n\x1c1\x85,\u2028 2\x0b\n",  # what str.strip() removes beyond ASCII
    "a\tb\n1\t2\n",
    "a,b\n1\n",  # too few cells: Arrow refuses, csv reads it
    "a,b\n1,2,3\n",  # too many
    'a,b\n"1,2\n',  # a quote left open
]


def read_by_csv_only(monkeypatch) -> None:
    """From now on Arrow refuses every text file, so Python's csv reads it: the reader to compare with."""
    def refused(*args):
        raise pa.ArrowInvalid("the row-by-row reader, for comparison")

    monkeypatch.setattr(formats, "_arrow_grid", refused)


def file_grid(folder: Path, data: bytes) -> formats._Grid:
    """A text register's grid read from a file, as the package reads one: UTF-8 by Arrow from the file itself
    (``_utf8_grid``), other encodings decoded first (``_text_grid``)."""
    path = folder / f"register-{len(list(folder.iterdir()))}.csv"
    path.write_bytes(data)
    return formats.read_grid(path)


def cells(grid: formats._Grid) -> tuple[list[int], list[list[str]]]:
    return grid.numbers.to_pylist(), [column.to_pylist() for column in grid.cells]


@pytest.mark.parametrize("text", TRICKY_TEXTS)
def test_arrow_reads_a_text_register_as_pythons_csv_does(text, monkeypatch, tmp_path):
    fast = [file_grid(tmp_path, text.encode("utf-8")), file_grid(tmp_path, codecs.BOM_UTF8 + text.encode("utf-8")),
            formats._text_grid(text.encode("utf-8"))]
    read_by_csv_only(monkeypatch)
    assert cells(fast[0]) == cells(fast[1]) == cells(fast[2]) == cells(formats._text_grid(text.encode("utf-8")))


def test_arrow_reads_gbk_and_utf16_registers_as_pythons_csv_does(monkeypatch, tmp_path):
    text = "统一社会信用代码,主体名称\n914104110000000001,平顶山 \u3000祥耀\n"
    encoded = [text.encode("gb18030"), "\ufeff".encode() + text.encode(), text.replace(",", "\t").encode("utf-16")]
    fast = [file_grid(tmp_path, data) for data in encoded]
    read_by_csv_only(monkeypatch)
    slow = [file_grid(tmp_path, data) for data in encoded]
    for a, b in zip(fast, slow, strict=True):
        assert cells(a) == cells(b)
        assert b.cells[1].to_pylist() == ["主体名称", "平顶山 \u3000祥耀"]


def codes(count: int, seed: int) -> list[str]:
    stream = random.Random(seed)
    return [uscc.complete("9141" + "".join(stream.choice(uscc.ALPHABET) for _ in range(13))) for _ in range(count)]


def test_the_column_check_of_uscc_agrees_with_the_row_check_on_valid_and_broken_codes():
    stream = random.Random(5)
    good = codes(3000, 4)
    broken = [code[:17] + stream.choice(uscc.ALPHABET) for code in good[:1000]]  # mostly a wrong check character
    broken += ([code.lower() for code in good[:50]] + [code[:17] for code in good[:50]]
               + [code + "0" for code in good[:50]])
    broken += ["", "9141041100000000０X", "91410411ÄÖ0000000X", "I" * 18, "<script>alert(1)</script>", "9.14104E+17"]
    column = good + broken
    stream.shuffle(column)
    expected = [uscc.is_valid(code) for code in column]
    assert uscc.valid_column(pa.array(column, pa.string())).to_pylist() == expected
    # a column checked a chunk at a time, a slice of a larger one, gives the same
    assert uscc.valid_column(pa.array(column, pa.string()), chunk=7).to_pylist() == expected
    assert uscc.valid_column(pa.array(["x", *column], pa.string()).slice(1), chunk=1000).to_pylist() == expected


def entity_rows(count: int, seed: int) -> list[str]:
    """Entity rows that hit every rule: mostly valid, with blanks, bad codes, repeats, unknown grades,
    statuses, dates and tags, and the spellings each rule accepts."""
    stream = random.Random(seed)
    pool = codes(count, seed)
    grades = ["A", "b", " Ｃ ", "高风险", "中风险", "", "未分类", "E", "unclassified"]
    statuses = ["存续", "Active", "注销", "deregistered", "在营", "ceased", ""]
    dates = ["2019-03-15", "2019/3/5", "2019年3月15日", "20190315", "2019111", "2019-02-30", ""]
    tags = ["ENTERPRISE", "enterprise;food_sale", "ENTERPRISE；RETAIL", "", "UNKNOWN", "FOOD_SALE;;", "ＦＯＯＤ_SALE"]
    rows = []
    for index in range(count):
        code = pool[index]
        roll = stream.random()
        if roll < 0.03:
            code = pool[stream.randrange(index + 1)]  # a repeat (or the row's own code)
        elif roll < 0.05:
            code = code[:17] + ("0" if code[17] != "0" else "1")
        elif roll < 0.06:
            code = ""
        elif roll < 0.07:
            code = code.lower()
        name = "" if stream.random() < 0.02 else f"主体{index}"
        unit = "" if stream.random() < 0.02 else stream.choice(["九里山市场监管所", "马庄市场监管所"])
        rows.append(",".join((code, name, stream.choice(grades), stream.choice(tags), unit, stream.choice(statuses),
                              stream.choice(dates))))
    return rows


def table_of(tmp_path: Path, rows: list[str]) -> reading.Table:
    path = tmp_path / "entities.csv"
    path.write_text(HEADER + "\n" + "".join(row + "\n" for row in rows), encoding="utf-8")
    table, problems = reading.read_table(path, "entities", "entities.csv")
    assert problems == []
    return table


def row_by_row(table: reading.Table, known: dict[str, str] | None, unclassified: str | None):
    problems, entities, first_row = Problems(), [], {}
    for row, cells in table.rows:
        entity = entity_rules._checked_entity(problems, table, row, cells, known, unclassified, first_row)
        if entity is not None:
            entities.append(entity)
    return tuple(entities), list(problems) + [problems.more]


KNOWN = {"ENTERPRISE": "企业", "FOOD_SALE": "食品销售", "RETAIL": "零售"}


@pytest.mark.parametrize(("seed", "known", "unclassified"), [(1, KNOWN, None), (2, KNOWN, "B"), (3, None, None)])
def test_entities_checked_by_column_are_the_entities_and_problems_of_the_row_by_row_rules(tmp_path, seed, known,
                                                                                         unclassified):
    table = table_of(tmp_path, entity_rows(3000, seed))
    entities, problems = entity_rules.parse_entities(table, known, unclassified)
    expected_entities, expected_problems = row_by_row(table, known, unclassified)
    assert tuple(entities) == expected_entities
    assert list(problems) + [problems.more] == expected_problems
    assert 300 < len(entities) < 2900 and len(problems) > 100  # the rows take both paths, and pass the cap


def test_a_register_of_valid_rows_becomes_entities_without_the_row_by_row_rules(tmp_path, monkeypatch):
    table = table_of(tmp_path, [f"{code},主体,A,ENTERPRISE,马庄市场监管所,存续,2019-03-15" for code in codes(500, 9)])
    monkeypatch.setattr(entity_rules, "_checked_entity",
                        lambda *args: pytest.fail("a valid row was checked row by row"))
    entities, problems = entity_rules.parse_entities(table, KNOWN)
    assert len(entities) == 500 and not problems
    assert {entity.tags for entity in entities} == {frozenset({"ENTERPRISE"})}


def test_a_parquet_register_is_read_as_its_cells_cleaned_one_by_one(tmp_path):
    import datetime

    import pyarrow.parquet as pq

    table = pa.table({
        " uscc ": pa.array([" 914104110000000001", None, "\u3000x\x85", "", None], pa.string()),
        "number": pa.array([914104110000000001, None, 7, None, None], pa.int64()),
        "share": pa.array([1.0, 2.5, None, None, None], pa.float64()),
        "day": pa.array([datetime.date(2019, 3, 15), None, None, None, None], pa.date32()),
        "flag": pa.array([True, None, False, None, None], pa.bool_()),
    })
    path = tmp_path / "entities.parquet"
    pq.write_table(table, path)
    grid = formats._parquet_grid(path.read_bytes())
    # the rule, cell by cell: the header is row 1, data rows from 2, blank rows left out, numbers marked
    rows = [(1, [formats.clean_cell(name) for name in table.column_names])]
    rows += [(index + 2, [formats.clean_cell(value) for value in row.values()])
             for index, row in enumerate(table.to_pylist())]
    expected = formats._grid(rows, frozenset(
        (index + 2, position) for position in (1, 2) for index, value in enumerate(table.columns[position].to_pylist())
        if value is not None))
    assert cells(grid) == cells(expected) and grid.numbers.to_pylist() == [1, 2, 3, 4]
    assert grid.numeric == expected.numeric
    assert grid.cells[0].to_pylist() == ["uscc", "914104110000000001", "", "x"]


def test_a_workbook_is_read_by_calamine_as_openpyxl_read_it(tmp_path):
    import datetime

    from openpyxl import Workbook, load_workbook

    book = Workbook()
    sheet = book.active
    sheet["B3"], sheet["C3"] = " uscc ", "name"  # two blank rows and a blank column before the header
    sheet.append([None, 914104110000000001, 1.5, datetime.date(2019, 3, 15), datetime.datetime(2019, 3, 15, 10, 30),
                  True, " x\u3000", "=1+1", 9.14104e17, 3.0, "9.14104E+17", "<b>&amp;</b>"])
    sheet.append([])
    sheet.append([None, None, "y"])
    path = tmp_path / "entities.xlsx"
    book.save(path)
    rows, numeric = formats._workbook_cells(path.read_bytes())
    # the reader it replaced, as the reference: openpyxl, cells cleaned one by one
    read = load_workbook(path, read_only=True, data_only=True)
    values = list(read.worksheets[0].iter_rows(values_only=True))
    read.close()
    assert rows == [(number, [formats.clean_cell(value) for value in row])
                    for number, row in enumerate(values, start=1)]
    assert numeric == {(number, position)
                       for number, row in enumerate(values, start=1) for position, value in enumerate(row)
                       if isinstance(value, (int, float)) and not isinstance(value, bool)}
    assert rows[3][1][:5] == ["", "914104110000000000", "1.5", "2019-03-15", "2019-03-15"]  # a float has lost digit 18


def test_a_cell_longer_than_pythons_csv_allows_is_refused_as_before(tmp_path):
    # Arrow would read it; the limit is Python csv's, and the file is refused with the same words as before
    path = tmp_path / "entities.csv"
    path.write_text(HEADER + "\n" + f"914104110000000001,{'名' * 131_073},A,,u,存续,2019-03-15\n", encoding="utf-8")
    table, problems = reading.read_table(path, "entities", "entities.csv")
    assert not table.readable and len(problems) == 1 and "CSV 格式有误" in problems[0].message
    assert "field larger than field limit" in problems[0].message


def test_arrow_and_pythons_csv_agree_on_thousands_of_random_files(monkeypatch, tmp_path):
    # quoted and bare cells of quotes, separators, line ends (LF, CRLF, CR) and the white space str.strip knows
    stream = random.Random(11)
    pieces = ['a', '"', "\n", "\r", " ", "\u3000", "\t", "\r\n", '""', ",", "\x85", "\u2028", "\x1c", "名"]

    def cell() -> str:
        body = "".join(stream.choice(pieces) for _ in range(stream.randrange(0, 6)))
        roll = stream.random()
        if roll < 0.4:
            return '"' + body.replace('"', '""') + '"'
        return body if roll < 0.5 else "".join(char for char in body if char not in '",\r\n')

    texts = []
    for _ in range(3000):
        rows = ["h1,h2"] + [f"{cell()},{cell()}" for _ in range(stream.randrange(1, 5))]
        texts.append(stream.choice(["\n", "\r\n", "\r"]).join(rows) + stream.choice(["", "\n"]))
    # the first 600 as files (Arrow reads a UTF-8 file itself: _utf8_grid), with a BOM or without; all as bytes
    fast = [file_grid(tmp_path, (codecs.BOM_UTF8 if index % 3 == 0 else b"") + text.encode()) if index < 600
            else formats._text_grid(text.encode()) for index, text in enumerate(texts)]
    accepted = 0
    for text in texts:
        try:
            formats._arrow_grid(pa.py_buffer(text.encode()), ",", 2)
            accepted += 1
        except pa.ArrowInvalid:
            pass
    read_by_csv_only(monkeypatch)
    for text, grid in zip(texts, fast, strict=True):
        assert cells(grid) == cells(formats._text_grid(text.encode())), text
    assert accepted > 2000  # most files went through Arrow, so the comparison compared two readers


def test_a_register_longer_than_the_prefix_with_a_character_cut_at_its_end_reads_as_pythons_csv_does(
        monkeypatch, tmp_path):
    row = "914104110000000001,平顶山祥耀商贸有限公司 ,A\n"
    header = "uscc,name,grade\n"
    rows = row * (formats.PREFIX // len(row.encode()) + 50)
    # blank lines before the header (skipped) shift the prefix's end into a three-byte character
    body = next(blank + header + rows for blank in ("\n" * count for count in range(60))
                if (blank + header + rows).encode()[: formats.PREFIX].decode("utf-8", errors="replace")
                .endswith("\ufffd"))
    data = body.encode("utf-8")
    fast = file_grid(tmp_path, data)
    read_by_csv_only(monkeypatch)
    slow = file_grid(tmp_path, data)
    assert cells(fast) == cells(slow) and len(fast.numbers) == body.count("\n") - body.index("u")
