"""Tests of the register loader (zhanhe_audit.registers).

Each test writes five small registers into ``tmp_path``; a bad value is put
on a known line, so the expected spreadsheet row is that line's number
(header = row 1). Expected values are worked out by hand, not copied from
the loader's output.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest

from zhanhe_audit import uscc
from zhanhe_audit.errors import InputError, Problem, RegisterError
from zhanhe_audit.registers import Entity, Registers, load_registers

ENTITY_HEADER = "uscc,name,grade,tags,unit,status,established"
ITEM_HEADER = "item_id,name,department,legal_basis,target_tags,kind"
INSPECTOR_HEADER = "cert_no,name,department,unit,certified"
CONFLICT_HEADER = "cert_no,uscc,reason"
TAG_HEADER = "code,name"

# Valid, distinct codes: "MA" and a 7-digit serial in the organisation-code position.
U1, U2, U3, U4 = (uscc.complete("91410411" + f"MA{serial:07d}") for serial in (1, 2, 3, 4))
CERT1, CERT2 = "41040020106436", "41040020155070"


def entity(code: str = U1, name: str = "平顶山祥耀食品有限公司", grade: str = "A",
           tags: str = "ENTERPRISE;FOOD_SALE", unit: str = "九里山市场监管所",
           status: str = "存续", established: str = "2019-03-15") -> str:
    return ",".join((code, name, grade, tags, unit, status, established))


def item(item_id: str = "SX01", target_tags: str = "FOOD_SALE", kind: str = "一般") -> str:
    return ",".join((item_id, "食品销售者监督检查", "湛河区市场监督管理局", "《食品安全法》第一百一十条", target_tags,
                     kind))


def inspector(cert_no: str = CERT1, name: str = "闫静", certified: str = "是") -> str:
    return ",".join((cert_no, name, "湛河区市场监督管理局", "马庄市场监管所", certified))


def lines(*rows: str) -> str:
    return "".join(row + "\n" for row in rows)


VALID = {
    "entities": lines(ENTITY_HEADER, entity(U1), entity(U2, grade="C", tags="ENTERPRISE")),
    "items": lines(ITEM_HEADER, item("SX01"), item("SX02", target_tags="ENTERPRISE")),
    "inspectors": lines(INSPECTOR_HEADER, inspector(CERT1), inspector(CERT2, name="史萍峰")),
    "conflicts": lines(CONFLICT_HEADER, f"{CERT1},{U1},近亲属担任该企业负责人"),
    "tags": lines(TAG_HEADER, "ENTERPRISE,企业", "FOOD_SALE,食品销售", "RETAIL,零售商业"),
}


def write_registers(folder: Path, encoding: str = "utf-8", **texts: str | bytes) -> dict[str, Path]:
    """Write the five registers (valid defaults, replaced by ``texts``); return their paths."""
    paths = {}
    for name, default in VALID.items():
        path = folder / f"{name}.csv"
        text = texts.get(name, default)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_bytes(text.encode(encoding))
        paths[name] = path
    return paths


def load(folder: Path, headers: dict[str, dict[str, str]] | None = None,
         unclassified_grade: str | None = None, **texts: str | bytes) -> Registers:
    return load_registers(write_registers(folder, **texts), headers=headers, unclassified_grade=unclassified_grade)


def problems_of(folder: Path, **texts: str | bytes) -> list[Problem]:
    """The problems of loading registers that must fail."""
    with pytest.raises(RegisterError) as caught:
        load(folder, **texts)
    return caught.value.problems


def file_of(folder: Path, name: str) -> str:
    return str(folder / f"{name}.csv")


def only(problems: list[Problem], file: str) -> Problem:
    """The one problem of ``file``."""
    found = [problem for problem in problems if problem.file == file]
    assert len(found) == 1, found
    return found[0]


# --- valid registers -----------------------------------------------------------------------


def test_valid_registers_load_with_their_rows(tmp_path: Path) -> None:
    registers = load(tmp_path)
    assert [(e.uscc, e.grade, e.row) for e in registers.entities] == [(U1, "A", 2), (U2, "C", 3)]
    assert registers.entities[0].tags == frozenset({"ENTERPRISE", "FOOD_SALE"})
    assert registers.entities[0].established == date(2019, 3, 15)
    assert registers.entities[0].active is True
    assert set(registers.items) == {"SX01", "SX02"}
    assert registers.items["SX01"].kind == "general"
    assert set(registers.inspectors) == {CERT1, CERT2}
    assert [(c.cert_no, c.uscc, c.row) for c in registers.conflicts] == [(CERT1, U1, 2)]
    assert registers.tags == {"ENTERPRISE": "企业", "FOOD_SALE": "食品销售", "RETAIL": "零售商业"}


def test_register_error_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        load(tmp_path, entities=lines(ENTITY_HEADER, entity(grade="E")))


# --- whole-file problems -------------------------------------------------------------------


def test_missing_grade_column_names_the_column_and_row_1(tmp_path: Path) -> None:
    text = lines("uscc,name,tags,unit,status,established", f"{U1},甲公司,ENTERPRISE,所,存续,2019-03-15")
    with pytest.raises(RegisterError, match=re.escape("missing column 'grade'")):
        load(tmp_path, entities=text)
    problem = only(problems_of(tmp_path, entities=text), file_of(tmp_path, "entities"))
    assert (problem.row, problem.column) == (1, "grade")
    assert "信用风险等级" in problem.message  # the Chinese header the user may know


def test_empty_entities_file_is_reported_once_as_empty(tmp_path: Path) -> None:
    problem = only(problems_of(tmp_path, entities=b""), file_of(tmp_path, "entities"))
    assert (problem.row, problem.column) == (None, None)
    assert "empty" in problem.message


def test_header_only_entities_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RegisterError, match="no entities"):
        load(tmp_path, entities=lines(ENTITY_HEADER))
    problem = only(problems_of(tmp_path, entities=lines(ENTITY_HEADER)), file_of(tmp_path, "entities"))
    assert (problem.row, problem.column) == (None, None)


@pytest.mark.parametrize("name,what", [("items", "no inspection items"), ("inspectors", "no inspectors"),
                                        ("tags", "no tags")])
def test_header_only_items_inspectors_or_tags_file_is_an_error(tmp_path: Path, name: str, what: str) -> None:
    header = {"items": ITEM_HEADER, "inspectors": INSPECTOR_HEADER, "tags": TAG_HEADER}[name]
    problems = problems_of(tmp_path, **{name: lines(header)})
    problem = only(problems, file_of(tmp_path, name))
    assert what in problem.message


def test_header_only_conflicts_file_is_allowed(tmp_path: Path) -> None:
    registers = load(tmp_path, conflicts=lines(CONFLICT_HEADER))
    assert registers.conflicts == ()


def test_missing_file_is_reported(tmp_path: Path) -> None:
    paths = write_registers(tmp_path)
    paths["items"] = tmp_path / "no-such-items.csv"
    with pytest.raises(RegisterError) as caught:
        load_registers(paths)
    problem = only(caught.value.problems, str(tmp_path / "no-such-items.csv"))
    assert "not found" in problem.message


def test_empty_tag_catalogue_is_reported_once_not_on_every_entity_and_item(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, tags=b"")
    assert [problem.file for problem in problems] == [file_of(tmp_path, "tags")]


# --- USCC ----------------------------------------------------------------------------------


def test_duplicate_uscc_names_the_second_row_and_mentions_the_first(tmp_path: Path) -> None:
    text = lines(ENTITY_HEADER, entity(U1), entity(U2), entity(U1, name="重名公司"))
    with pytest.raises(RegisterError, match=re.escape(f"duplicate USCC '{U1}', first at row 2")):
        load(tmp_path, entities=text)
    problem = only(problems_of(tmp_path, entities=text), file_of(tmp_path, "entities"))
    assert (problem.row, problem.column) == (4, "uscc")


def test_uscc_of_wrong_length_is_refused(tmp_path: Path) -> None:
    short = U2[:17]
    problem = only(problems_of(tmp_path, entities=lines(ENTITY_HEADER, entity(U1), entity(short))),
                   file_of(tmp_path, "entities"))
    assert (problem.row, problem.column) == (3, "uscc")
    assert "expected 18 characters, found 17" in problem.message


@pytest.mark.parametrize("bad", ["I", "O"])
def test_uscc_with_letter_i_or_o_is_refused(tmp_path: Path, bad: str) -> None:
    code = "91410411M" + bad + "0000001"
    code = code + "0"  # the check character does not matter: the letter is refused first
    problem = only(problems_of(tmp_path, entities=lines(ENTITY_HEADER, entity(code))),
                   file_of(tmp_path, "entities"))
    assert (problem.row, problem.column) == (2, "uscc")
    assert f"'{bad}'" in problem.message
    assert "not allowed" in problem.message


def test_lower_case_uscc_is_refused_not_upper_cased(tmp_path: Path) -> None:
    lower = U1.lower()
    assert lower != U1  # U1 holds the letters M and A
    text = lines(ENTITY_HEADER, entity(lower))
    with pytest.raises(RegisterError, match=re.escape("'a'")):
        load(tmp_path, entities=text)
    problem = only(problems_of(tmp_path, entities=text), file_of(tmp_path, "entities"))
    assert (problem.row, problem.column) == (2, "uscc")


def test_wrong_check_character_message_says_the_expected_one(tmp_path: Path) -> None:
    first17 = "91410411MA0000009"
    expected = uscc.check_character(first17)
    wrong = "0" if expected != "0" else "1"
    text = lines(ENTITY_HEADER, entity(U1), entity(U2), entity(first17 + wrong))
    with pytest.raises(RegisterError, match=re.escape(f"expected '{expected}'")):
        load(tmp_path, entities=text)
    problem = only(problems_of(tmp_path, entities=text), file_of(tmp_path, "entities"))
    assert (problem.row, problem.column) == (4, "uscc")


def test_conflict_with_invalid_uscc_is_refused(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, conflicts=lines(CONFLICT_HEADER, f"{CERT1},{U1[:10]},原因"))
    problem = only(problems, file_of(tmp_path, "conflicts"))
    assert (problem.row, problem.column) == (2, "uscc")


# --- grade ---------------------------------------------------------------------------------


@pytest.mark.parametrize("raw,grade", [
    ("a", "A"),
    (" B ", "B"),
    ("\uff23", "C"),  # full-width Ｃ
    ("\uff44", "D"),  # full-width ｄ
    ("低风险", "A"),
    ("中风险", "B"),
    ("中高风险", "C"),
    ("高风险", "D"),
])
def test_grade_is_normalised_to_an_upper_case_letter(tmp_path: Path, raw: str, grade: str) -> None:
    registers = load(tmp_path, entities=lines(ENTITY_HEADER, entity(grade=raw)))
    assert registers.entities[0].grade == grade


@pytest.mark.parametrize("raw", ["E", "AB", "中低风险"])
def test_unknown_grade_is_refused(tmp_path: Path, raw: str) -> None:
    text = lines(ENTITY_HEADER, entity(U1), entity(U2, grade=raw))
    with pytest.raises(RegisterError, match=re.escape(f"found '{raw}'; expected A, B, C or D")):
        load(tmp_path, entities=text)
    problem = only(problems_of(tmp_path, entities=text), file_of(tmp_path, "entities"))
    assert (problem.row, problem.column) == (3, "grade")


def test_blank_grade_is_refused_by_default(tmp_path: Path) -> None:
    problem = only(problems_of(tmp_path, entities=lines(ENTITY_HEADER, entity(grade=""))),
                   file_of(tmp_path, "entities"))
    assert (problem.row, problem.column) == (2, "grade")
    assert "unclassified_grade" in problem.message  # says how to accept it on purpose


def test_blank_grade_becomes_the_unclassified_grade_when_given(tmp_path: Path) -> None:
    registers = load(tmp_path, unclassified_grade="B",
                     entities=lines(ENTITY_HEADER, entity(U1, grade=""), entity(U2, grade="D")))
    assert [e.grade for e in registers.entities] == ["B", "D"]


def test_unknown_grade_is_refused_even_with_an_unclassified_grade(tmp_path: Path) -> None:
    with pytest.raises(RegisterError) as caught:
        load(tmp_path, unclassified_grade="B", entities=lines(ENTITY_HEADER, entity(grade="E")))
    problem = only(caught.value.problems, file_of(tmp_path, "entities"))
    assert (problem.row, problem.column) == (2, "grade")


# --- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["2019-13-45", "yesterday", "2019315"])
def test_unparseable_date_names_column_established(tmp_path: Path, raw: str) -> None:
    text = lines(ENTITY_HEADER, entity(U1), entity(U2, established=raw))
    with pytest.raises(RegisterError, match=re.escape(f"'{raw}' is not a date")):
        load(tmp_path, entities=text)
    problem = only(problems_of(tmp_path, entities=text), file_of(tmp_path, "entities"))
    assert (problem.row, problem.column) == (3, "established")


@pytest.mark.parametrize("raw", ["2019-03-15", "2019/03/15", "2019年3月15日", "20190315", "2019.3.15"])
def test_accepted_date_formats(tmp_path: Path, raw: str) -> None:
    registers = load(tmp_path, entities=lines(ENTITY_HEADER, entity(established=raw)))
    assert registers.entities[0].established == date(2019, 3, 15)


# --- tags ----------------------------------------------------------------------------------


def test_unknown_tag_in_an_item_scope_is_refused(tmp_path: Path) -> None:
    text = lines(ITEM_HEADER, item("SX01"), item("SX02", target_tags="FOOD_SALE;DRUG_RETAIL"))
    with pytest.raises(RegisterError, match=re.escape("unknown tag 'DRUG_RETAIL'")):
        load(tmp_path, items=text)
    problem = only(problems_of(tmp_path, items=text), file_of(tmp_path, "items"))
    assert (problem.row, problem.column) == (3, "target_tags")


def test_unknown_tag_on_an_entity_is_refused(tmp_path: Path) -> None:
    problem = only(problems_of(tmp_path, entities=lines(ENTITY_HEADER, entity(tags="ENTERPRISE;BAKERY"))),
                   file_of(tmp_path, "entities"))
    assert (problem.row, problem.column) == (2, "tags")
    assert "'BAKERY'" in problem.message


def test_tags_with_stray_spaces_and_lower_case_are_normalised(tmp_path: Path) -> None:
    registers = load(tmp_path, entities=lines(ENTITY_HEADER, entity(tags=" food_sale ; ENTERPRISE")))
    assert registers.entities[0].tags == frozenset({"FOOD_SALE", "ENTERPRISE"})


def test_full_width_semicolon_separates_tags(tmp_path: Path) -> None:
    registers = load(tmp_path, entities=lines(ENTITY_HEADER, entity(tags="FOOD_SALE；RETAIL")))
    assert registers.entities[0].tags == frozenset({"FOOD_SALE", "RETAIL"})


def test_star_is_allowed_in_an_item_scope(tmp_path: Path) -> None:
    registers = load(tmp_path, items=lines(ITEM_HEADER, item("SX01", target_tags="*")))
    assert registers.items["SX01"].target_tags == frozenset({"*"})


def test_star_is_not_a_tag_of_an_entity(tmp_path: Path) -> None:
    problem = only(problems_of(tmp_path, entities=lines(ENTITY_HEADER, entity(tags="*"))),
                   file_of(tmp_path, "entities"))
    assert (problem.row, problem.column) == (2, "tags")


def test_duplicate_tag_code_after_normalisation_is_refused(tmp_path: Path) -> None:
    text = lines(TAG_HEADER, "ENTERPRISE,企业", "FOOD_SALE,食品销售", "food_sale,食品销售（重复）")
    problem = only(problems_of(tmp_path, tags=text), file_of(tmp_path, "tags"))
    assert (problem.row, problem.column) == (4, "code")
    assert "first at row 3" in problem.message


# --- inspectors and conflicts --------------------------------------------------------------


def test_inspector_without_certificate_number_names_cert_no(tmp_path: Path) -> None:
    text = lines(INSPECTOR_HEADER, inspector(CERT1), inspector(CERT2), inspector("", name="王五"))
    with pytest.raises(RegisterError, match="without a certificate number"):
        load(tmp_path, inspectors=text)
    problem = only(problems_of(tmp_path, inspectors=text), file_of(tmp_path, "inspectors"))
    assert (problem.row, problem.column) == (4, "cert_no")


@pytest.mark.parametrize("flag", ["maybe", "有", ""])
def test_certified_flag_other_than_yes_or_no_is_refused(tmp_path: Path, flag: str) -> None:
    text = lines(INSPECTOR_HEADER, inspector(CERT1), inspector(CERT2, certified=flag))
    with pytest.raises(RegisterError, match=re.escape("expected 是 or 否")):
        load(tmp_path, inspectors=text)
    problem = only(problems_of(tmp_path, inspectors=text), file_of(tmp_path, "inspectors"))
    assert (problem.row, problem.column) == (3, "certified")


@pytest.mark.parametrize("flag,certified", [("是", True), ("否", False), ("yes", True), ("No", False)])
def test_certified_flag_yes_or_no_is_read(tmp_path: Path, flag: str, certified: bool) -> None:
    registers = load(tmp_path, inspectors=lines(INSPECTOR_HEADER, inspector(CERT1, certified=flag)))
    assert registers.inspectors[CERT1].certified is certified


def test_duplicate_certificate_number_is_refused(tmp_path: Path) -> None:
    text = lines(INSPECTOR_HEADER, inspector(CERT1), inspector(CERT1, name="同号"))
    problem = only(problems_of(tmp_path, inspectors=text), file_of(tmp_path, "inspectors"))
    assert (problem.row, problem.column) == (3, "cert_no")
    assert "first at row 2" in problem.message


def test_conflict_naming_an_unknown_inspector_is_refused(tmp_path: Path) -> None:
    text = lines(CONFLICT_HEADER, f"{CERT1},{U1},近亲属", f"41040099999999,{U2},曾任职")
    with pytest.raises(RegisterError, match=re.escape("'41040099999999' is not in the inspectors register")):
        load(tmp_path, conflicts=text)
    problem = only(problems_of(tmp_path, conflicts=text), file_of(tmp_path, "conflicts"))
    assert (problem.row, problem.column) == (3, "cert_no")


def test_conflict_of_an_inspector_whose_row_has_another_problem_is_not_called_unknown(tmp_path: Path) -> None:
    # CERT2 is listed, but its row has a bad flag: that row is the one problem.
    problems = problems_of(tmp_path,
                           inspectors=lines(INSPECTOR_HEADER, inspector(CERT1), inspector(CERT2, certified="maybe")),
                           conflicts=lines(CONFLICT_HEADER, f"{CERT2},{U1},近亲属"))
    assert [(p.file, p.row, p.column) for p in problems] == [(file_of(tmp_path, "inspectors"), 3, "certified")]


# --- status --------------------------------------------------------------------------------


def test_unknown_status_is_refused(tmp_path: Path) -> None:
    text = lines(ENTITY_HEADER, entity(U1), entity(U2, status="休眠"))
    with pytest.raises(RegisterError, match=re.escape("unknown status '休眠'")):
        load(tmp_path, entities=text)
    problem = only(problems_of(tmp_path, entities=text), file_of(tmp_path, "entities"))
    assert (problem.row, problem.column) == (3, "status")


def test_deregistered_entity_is_loaded_as_not_active(tmp_path: Path) -> None:
    registers = load(tmp_path, entities=lines(ENTITY_HEADER, entity(U1, status="存续"), entity(U2, status="注销")))
    assert [(e.uscc, e.active) for e in registers.entities] == [(U1, True), (U2, False)]
    assert registers.entities[1].status == "注销"


# --- many problems at once -----------------------------------------------------------------


def test_three_bad_rows_in_one_file_are_all_reported(tmp_path: Path) -> None:
    text = lines(
        ENTITY_HEADER,
        entity(U1),                            # row 2: fine
        entity(U2, grade="E"),                 # row 3
        entity(U3),                            # row 4: fine
        entity(U4, established="yesterday"),   # row 5
        entity(U1, name="重复"),                # row 6: duplicate of row 2
    )
    with pytest.raises(RegisterError, match="^3 problems found") as caught:
        load(tmp_path, entities=text)
    where = [(p.file, p.row, p.column) for p in caught.value.problems]
    entities = file_of(tmp_path, "entities")
    assert where == [(entities, 3, "grade"), (entities, 5, "established"), (entities, 6, "uscc")]


def test_one_row_with_two_bad_cells_reports_both(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, entities=lines(ENTITY_HEADER, entity(grade="E", status="休眠")))
    assert {(p.row, p.column) for p in problems} == {(2, "grade"), (2, "status")}


def test_problems_in_two_files_are_reported_together(tmp_path: Path) -> None:
    problems = problems_of(tmp_path,
                           entities=lines(ENTITY_HEADER, entity(grade="E")),
                           items=lines(ITEM_HEADER, item(kind="随机")))
    assert {(p.file, p.row, p.column) for p in problems} == {
        (file_of(tmp_path, "entities"), 2, "grade"),
        (file_of(tmp_path, "items"), 2, "kind"),
    }


# --- encodings and headers -----------------------------------------------------------------

CHINESE_ENTITIES = lines(
    "统一社会信用代码,企业名称,信用风险等级,分类标注,所属单位,登记状态,成立日期",
    f"{U1},平顶山市湛河区金旺粮油有限公司,高风险,ENTERPRISE；FOOD_SALE,曹镇市场监管所,注销,2019年3月15日",
    f"{U2},平顶山恒达眼镜有限公司,低风险,ENTERPRISE,姚孟市场监管所,存续,2006-01-03",
)


# What CHINESE_ENTITIES must load as, worked out from its text.
CHINESE_EXPECTED = (
    Entity(U1, "平顶山市湛河区金旺粮油有限公司", "D", frozenset({"ENTERPRISE", "FOOD_SALE"}),
           "曹镇市场监管所", "注销", date(2019, 3, 15), False, 2),
    Entity(U2, "平顶山恒达眼镜有限公司", "A", frozenset({"ENTERPRISE"}),
           "姚孟市场监管所", "存续", date(2006, 1, 3), True, 3),
)


def test_chinese_headers_and_values_are_recognised(tmp_path: Path) -> None:
    assert tuple(load(tmp_path, entities=CHINESE_ENTITIES).entities) == CHINESE_EXPECTED


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_entities_file_loads_the_same_in_utf8_utf8_bom_and_gbk(tmp_path: Path, encoding: str) -> None:
    data = CHINESE_ENTITIES.encode(encoding)
    assert tuple(load(tmp_path, entities=data).entities) == CHINESE_EXPECTED


def test_utf8_bom_and_gbk_bytes_really_differ_from_utf8() -> None:
    # Guards the test above: it would prove nothing if the encodings gave the same bytes.
    utf8 = CHINESE_ENTITIES.encode("utf-8")
    assert CHINESE_ENTITIES.encode("utf-8-sig") != utf8
    assert CHINESE_ENTITIES.encode("gbk") != utf8


def test_gbk_register_with_chinese_problem_row(tmp_path: Path) -> None:
    text = CHINESE_ENTITIES + f"{U3},错误等级公司,极高风险,ENTERPRISE,曹镇市场监管所,存续,2019-03-15\n"
    problem = only(problems_of(tmp_path, entities=text.encode("gbk")), file_of(tmp_path, "entities"))
    assert (problem.row, problem.column) == (4, "grade")
    assert "极高风险" in problem.message  # decoded, not mojibake


def test_custom_header_from_params_is_recognised(tmp_path: Path) -> None:
    text = lines("Credit Code,name,grade,tags,unit,status,established", entity(U1))
    registers = load(tmp_path, headers={"entities": {"Credit Code": "uscc"}}, entities=text)
    assert registers.entities[0].uscc == U1


def test_custom_header_not_mapped_is_a_missing_column(tmp_path: Path) -> None:
    text = lines("Credit Code,name,grade,tags,unit,status,established", entity(U1))
    problem = only(problems_of(tmp_path, entities=text), file_of(tmp_path, "entities"))
    assert (problem.row, problem.column) == (1, "uscc")
    assert "'Credit Code'" in problem.message


def test_upper_case_english_headers_are_recognised(tmp_path: Path) -> None:
    text = lines(ENTITY_HEADER.upper(), entity(U1))
    assert load(tmp_path, entities=text).entities[0].uscc == U1


def test_row_numbers_count_spreadsheet_rows_when_a_cell_holds_a_line_break(tmp_path: Path) -> None:
    # Row 2's legal basis is a quoted cell over two lines: a spreadsheet shows it as one row.
    text = (ITEM_HEADER + "\n"
            + 'SX01,食品销售者监督检查,湛河区市场监督管理局,"《食品安全法》\n第一百一十条",FOOD_SALE,一般\n'
            + item("SX02", kind="随机") + "\n")
    problem = only(problems_of(tmp_path, items=text), file_of(tmp_path, "items"))
    assert (problem.row, problem.column) == (3, "kind")


def test_blank_line_still_counts_as_a_row(tmp_path: Path) -> None:
    text = lines(ENTITY_HEADER, entity(U1), "", entity(U2, grade="E"))
    problem = only(problems_of(tmp_path, entities=text), file_of(tmp_path, "entities"))
    assert (problem.row, problem.column) == (4, "grade")


# --- .xlsx ---------------------------------------------------------------------------------


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


XLSX_ENTITY_HEADER = ["统一社会信用代码", "企业名称", "信用风险等级", "分类标注", "所属单位", "登记状态", "成立日期"]


def test_xlsx_registers_load_with_real_dates_and_numeric_cert_numbers(tmp_path: Path) -> None:
    paths = write_registers(tmp_path)
    paths["entities"] = write_xlsx(tmp_path / "entities.xlsx", [
        XLSX_ENTITY_HEADER,
        [U1, "平顶山祥耀食品有限公司", "中高风险", "ENTERPRISE;FOOD_SALE", "九里山市场监管所", "存续",
         datetime(2019, 3, 15)],
    ])
    paths["inspectors"] = write_xlsx(tmp_path / "inspectors.xlsx", [
        ["执法证号", "姓名", "所属部门", "所属单位", "是否持证"],
        [41040020106436, "闫静", "湛河区市场监督管理局", "马庄市场监管所", "是"],
    ])
    registers = load_registers(paths)
    [loaded] = registers.entities
    assert (loaded.uscc, loaded.grade, loaded.established, loaded.row) == (U1, "C", date(2019, 3, 15), 2)
    assert list(registers.inspectors) == ["41040020106436"]
    # the CSV conflicts register names the same inspector as text
    assert [c.cert_no for c in registers.conflicts] == ["41040020106436"]


def test_bad_row_in_xlsx_reports_its_spreadsheet_row(tmp_path: Path) -> None:
    paths = write_registers(tmp_path)
    paths["entities"] = write_xlsx(tmp_path / "entities.xlsx", [
        XLSX_ENTITY_HEADER,
        [U1, "甲公司", "A", "ENTERPRISE", "所", "存续", datetime(2019, 3, 15)],   # row 2
        [None] * 7,                                                               # row 3: blank
        [U2, "乙公司", "E", "ENTERPRISE", "所", "存续", datetime(2019, 3, 15)],   # row 4: bad grade
    ])
    with pytest.raises(RegisterError) as caught:
        load_registers(paths)
    problem = only(caught.value.problems, str(tmp_path / "entities.xlsx"))
    assert (problem.row, problem.column) == (4, "grade")


# --- USCC damaged by Excel ----------------------------------------------------------------

# 914104110000000001 typed into a General-format cell: Excel keeps 15 significant
# digits and shows 9.14104E+17; the workbook stores the double 914104110000000000.
EXCEL_NUMBER = 9.14104110000000e17
EXCEL_NUMBER_DIGITS = "914104110000000000"


def assert_says_stored_as_a_number_and_how_to_fix(message: str) -> None:
    assert "stored as a number" in message
    assert "15 significant digits" in message and "15 位有效数字" in message
    assert "设置单元格格式 → 文本" in message and "Format Cells → Text" in message
    assert "again as text" in message and "save" in message
    assert "check character" not in message  # not the misleading wrong-check-character message


def test_xlsx_uscc_stored_as_a_number_says_excel_kept_15_digits_and_how_to_fix(tmp_path: Path) -> None:
    assert uscc.problem(EXCEL_NUMBER_DIGITS) is not None  # as text it would fail the check character
    paths = write_registers(tmp_path)
    paths["entities"] = write_xlsx(tmp_path / "entities.xlsx", [
        XLSX_ENTITY_HEADER,
        [U1, "甲公司", "A", "ENTERPRISE", "所", "存续", datetime(2019, 3, 15)],             # row 2: text
        [EXCEL_NUMBER, "乙公司", "A", "ENTERPRISE", "所", "存续", datetime(2019, 3, 15)],   # row 3: number
    ])
    with pytest.raises(RegisterError) as caught:
        load_registers(paths)
    file = str(tmp_path / "entities.xlsx")
    problem = only(caught.value.problems, file)
    assert (problem.row, problem.column) == (3, "uscc")
    assert_says_stored_as_a_number_and_how_to_fix(problem.message)
    assert EXCEL_NUMBER_DIGITS in problem.message  # what was read, so the user finds the cell
    assert f"{file}, row 3, column 'uscc': " in str(caught.value)


def test_xlsx_conflict_uscc_stored_as_a_number_says_excel_kept_15_digits_and_how_to_fix(tmp_path: Path) -> None:
    paths = write_registers(tmp_path)
    paths["conflicts"] = write_xlsx(tmp_path / "conflicts.xlsx", [
        ["执法证号", "统一社会信用代码", "回避原因"],
        [CERT1, U1, "近亲属担任该企业负责人"],       # row 2: text
        [CERT2, EXCEL_NUMBER, "曾在该企业任职"],     # row 3: number
    ])
    with pytest.raises(RegisterError) as caught:
        load_registers(paths)
    problem = only(caught.value.problems, str(tmp_path / "conflicts.xlsx"))
    assert (problem.row, problem.column) == (3, "uscc")
    assert_says_stored_as_a_number_and_how_to_fix(problem.message)


def all_digit_uscc() -> str:
    """A valid USCC of digits only (its check character happens to be a digit)."""
    for serial in range(1, 100):
        code = uscc.complete("91410411" + f"{serial:09d}")
        if code.isdigit():
            return code
    raise AssertionError("no all-digit code among the first 99 serials")


def test_xlsx_uscc_stored_as_a_number_is_refused_even_when_its_digits_pass_the_check(tmp_path: Path) -> None:
    # A program can store 18 exact digits; Excel would cut them at the next save.
    code = all_digit_uscc()
    assert uscc.is_valid(code)
    paths = write_registers(tmp_path)
    paths["entities"] = write_xlsx(tmp_path / "entities.xlsx", [
        XLSX_ENTITY_HEADER,
        [int(code), "甲公司", "A", "ENTERPRISE", "所", "存续", datetime(2019, 3, 15)],
    ])
    with pytest.raises(RegisterError) as caught:
        load_registers(paths)
    problem = only(caught.value.problems, str(tmp_path / "entities.xlsx"))
    assert (problem.row, problem.column) == (2, "uscc")
    assert_says_stored_as_a_number_and_how_to_fix(problem.message)


def test_xlsx_all_digit_uscc_stored_as_text_loads(tmp_path: Path) -> None:
    # The refusal above is about the cell being a number, not about the code being digits.
    code = all_digit_uscc()
    paths = write_registers(tmp_path)
    paths["entities"] = write_xlsx(tmp_path / "entities.xlsx", [
        XLSX_ENTITY_HEADER,
        [code, "甲公司", "A", "ENTERPRISE", "所", "存续", datetime(2019, 3, 15)],
    ])
    assert [e.uscc for e in load_registers(paths).entities] == [code]


def test_csv_uscc_saved_by_excel_in_scientific_notation_says_excel_turned_it_into_a_number(tmp_path: Path) -> None:
    # Excel opened the CSV, read the code as a number and saved it as it displays it.
    text = lines(ENTITY_HEADER, entity(U1), entity("9.14104E+17"))
    problem = only(problems_of(tmp_path, entities=text), file_of(tmp_path, "entities"))
    assert (problem.row, problem.column) == (3, "uscc")
    assert "scientific notation" in problem.message and "15 significant digits" in problem.message
    assert "Export the register again" in problem.message and "Text" in problem.message
    assert "expected 18 characters" not in problem.message


def test_csv_conflict_uscc_in_scientific_notation_says_excel_turned_it_into_a_number(tmp_path: Path) -> None:
    text = lines(CONFLICT_HEADER, f"{CERT1},{U1},近亲属", f"{CERT2},9.14104E+17,曾任职")
    problem = only(problems_of(tmp_path, conflicts=text), file_of(tmp_path, "conflicts"))
    assert (problem.row, problem.column) == (3, "uscc")
    assert "scientific notation" in problem.message


# --- Excel's "Unicode text" and other formats Excel can write ------------------------------

UTF16 = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}


def unicode_text(text: str, encoding: str) -> bytes:
    """``text`` (comma-separated, no quoted cells) as Excel saves "Unicode text":
    tab-separated, CRLF line ends, UTF-16 with a byte-order mark."""
    assert '"' not in text
    return UTF16[encoding] + text.replace(",", "\t").replace("\n", "\r\n").encode(encoding)


@pytest.mark.parametrize("encoding", list(UTF16))
def test_utf16_unicode_text_registers_load_the_same_records_as_utf8_csv(tmp_path: Path, encoding: str) -> None:
    (tmp_path / "csv").mkdir()
    expected = load_registers(write_registers(tmp_path / "csv", encoding="utf-8"))
    folder = tmp_path / "txt"
    folder.mkdir()
    paths = {}
    for name, text in VALID.items():
        paths[name] = folder / f"{name}.txt"
        data = unicode_text(text, encoding)
        assert data != text.encode("utf-8")
        paths[name].write_bytes(data)
    assert load_registers(paths) == expected


@pytest.mark.parametrize("encoding", list(UTF16))
def test_utf16_unicode_text_with_chinese_headers_loads_the_same_entities(tmp_path: Path, encoding: str) -> None:
    assert tuple(load(tmp_path, entities=unicode_text(CHINESE_ENTITIES, encoding)).entities) == CHINESE_EXPECTED


def test_utf16_register_with_a_bad_row_reports_its_spreadsheet_row(tmp_path: Path) -> None:
    text = CHINESE_ENTITIES + f"{U3},错误等级公司,极高风险,ENTERPRISE,曹镇市场监管所,存续,2019-03-15\n"
    problem = only(problems_of(tmp_path, entities=unicode_text(text, "utf-16-le")), file_of(tmp_path, "entities"))
    assert (problem.row, problem.column) == (4, "grade")
    assert "极高风险" in problem.message  # decoded, not mojibake


def test_utf16_unicode_text_is_tab_separated_even_when_a_header_has_a_comma(tmp_path: Path) -> None:
    header = "信用代码(18位,文本)\tname\tgrade\ttags\tunit\tstatus\testablished"
    row = "\t".join((U1, "甲公司", "A", "ENTERPRISE", "所", "存续", "2019-03-15"))
    data = codecs.BOM_UTF16_LE + f"{header}\r\n{row}\r\n".encode("utf-16-le")
    registers = load(tmp_path, headers={"entities": {"信用代码(18位,文本)": "uscc"}}, entities=data)
    assert [e.uscc for e in registers.entities] == [U1]


def test_utf8_file_whose_header_has_tabs_and_no_commas_is_tab_separated(tmp_path: Path) -> None:
    basis = "《食品安全法》第一百一十条,第一百二十四条"  # an ASCII comma inside a cell
    row = "\t".join(("SX01", "食品销售者监督检查", "湛河区市场监督管理局", basis, "FOOD_SALE", "一般"))
    registers = load(tmp_path, items=lines(ITEM_HEADER.replace(",", "\t"), row))
    assert registers.items["SX01"].legal_basis == basis


def test_gbk_file_whose_header_has_tabs_and_no_commas_is_tab_separated(tmp_path: Path) -> None:
    data = CHINESE_ENTITIES.replace(",", "\t").encode("gbk")
    assert tuple(load(tmp_path, entities=data).entities) == CHINESE_EXPECTED


def compound_file_header() -> bytes:
    """The first sector of an Excel 97-2003 .xls: the [MS-CFB] 2.2 compound file header."""
    header = (bytes.fromhex("d0cf11e0a1b11ae1")   # header signature
              + bytes(16)                           # header CLSID
              + bytes.fromhex("3e00" "0300" "feff" "0900" "0600"))  # version 3, byte order, sector shifts
    return header + b"\xff" * (512 - len(header))


def zip_of(name: str, text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, text)
    return buffer.getvalue()


TAB_TAGS = "code\tname\r\nENTERPRISE\t企业\r\nFOOD_SALE\t食品销售\r\n"

WRONG_FORMATS = {
    # id: (bytes, words naming the format)
    "xls_renamed_csv": (compound_file_header(), ("Excel 97-2003", ".xls")),
    "utf16_le_without_bom": (TAB_TAGS.encode("utf-16-le"), ("UTF-16", "BOM")),
    "utf16_be_without_bom": (TAB_TAGS.encode("utf-16-be"), ("UTF-16", "BOM")),
    "utf16_cut_off": ((codecs.BOM_UTF16_LE + TAB_TAGS.encode("utf-16-le"))[:-1], ("UTF-16", "damaged")),
    "web_page_saved_as_xls": (b"<html><body><table><tr><td>code</td></tr></table></body></html>",
                              ("HTML",)),
    "neither_utf8_nor_gbk": (b"code,name\nENTERPRISE,\xff\x80\n", ("UTF-8", "GBK")),
    "utf8_bom_then_not_utf8": (codecs.BOM_UTF8 + "code,name\nENTERPRISE,企业\n".encode("gbk"), ("UTF-8",)),
    "zip_that_is_not_a_workbook": (zip_of("content.xml", "<office:document/>"), ("ZIP", ".xlsx")),
    "binary_file": (b"\x89PNG\r\n\x1a\n" + bytes(8) + b"IHDR" + bytes(7) + b"\x01", ("zero bytes", "not a text file")),
}


@pytest.mark.parametrize("case", list(WRONG_FORMATS))
def test_file_excel_can_write_by_mistake_is_refused_naming_the_format_without_codec_jargon(
        tmp_path: Path, case: str) -> None:
    data, words = WRONG_FORMATS[case]
    problems = problems_of(tmp_path, tags=data)
    problem = only(problems, file_of(tmp_path, "tags"))
    assert (problem.row, problem.column) == (None, None)  # the whole file
    for word in words:
        assert word in problem.message
    assert "CSV UTF-8" in problem.message  # how to save it instead
    for jargon in ("codec", "decode", "Traceback", "0x", "byte 0x", "position"):
        assert jargon not in problem.message
    # the file's problem is the only one: entities and items are not also flagged for every tag
    assert [p.file for p in problems] == [file_of(tmp_path, "tags")]


def test_xlsx_workbook_named_csv_is_read_by_its_content(tmp_path: Path) -> None:
    paths = write_registers(tmp_path)
    paths["entities"] = write_xlsx(tmp_path / "entities-xlsx.csv", [
        XLSX_ENTITY_HEADER,
        [U1, "平顶山祥耀食品有限公司", "中高风险", "ENTERPRISE;FOOD_SALE", "九里山市场监管所", "存续",
         datetime(2019, 3, 15)],
    ])
    assert [(e.uscc, e.grade, e.row) for e in load_registers(paths).entities] == [(U1, "C", 2)]


def test_csv_text_named_xlsx_is_read_by_its_content(tmp_path: Path) -> None:
    paths = write_registers(tmp_path)
    paths["entities"] = tmp_path / "entities.xlsx"
    paths["entities"].write_bytes(CHINESE_ENTITIES.encode("gbk"))
    assert tuple(load_registers(paths).entities) == CHINESE_EXPECTED


def test_semicolon_in_an_item_id_department_or_certificate_number_is_refused_naming_row_and_column(
        tmp_path: Path) -> None:
    # the archive joins item ids, departments and certificate numbers with ';' (visits.csv, history.csv)
    items = lines(ITEM_HEADER, item("SX01"), "SX0;2,食品销售者监督检查,市场监管局;卫健委,《食品安全法》,FOOD_SALE,一般")
    inspectors = lines(INSPECTOR_HEADER, inspector(CERT1), "4104;002,史萍峰,湛河区市场监督管理局,马庄市场监管所,是")
    problems = problems_of(tmp_path, items=items, inspectors=inspectors)
    found = {(p.file, p.row, p.column) for p in problems if "separates lists" in p.message}
    assert found == {(file_of(tmp_path, "items"), 3, "item_id"), (file_of(tmp_path, "items"), 3, "department"),
                     (file_of(tmp_path, "inspectors"), 3, "cert_no")}


# --- at scale ---------------------------------------------------------------------------------------


def _parquet(path: Path, text: str, **types: object) -> Path:
    """The rows of a CSV text as a Parquet file (columns as text unless ``types`` says otherwise)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    header, *rows = list(csv.reader(io.StringIO(text)))
    columns = {name: [row[index] for row in rows] for index, name in enumerate(header)}
    arrays = {name: pa.array([types[name](value) for value in values]) if name in types else pa.array(values)  # type: ignore[operator]
              for name, values in columns.items()}
    pq.write_table(pa.table(arrays), path)
    return path


def test_parquet_registers_load_the_same_records_as_csv(tmp_path: Path) -> None:
    expected = load_registers(write_registers(tmp_path))
    parquet = {name: _parquet(tmp_path / f"{name}.parquet", VALID[name]) for name in VALID}
    assert load_registers(parquet) == expected  # the same records, with the same spreadsheet row numbers


def test_parquet_uscc_column_of_numbers_says_the_code_was_stored_as_a_number(tmp_path: Path) -> None:
    paths = write_registers(tmp_path)
    text = lines(ENTITY_HEADER, entity("914104110000000001"))
    path = _parquet(tmp_path / "entities.parquet", text, uscc=int)
    with pytest.raises(RegisterError) as caught:
        load_registers({**paths, "entities": path})
    (problem,) = [p for p in caught.value.problems if p.column == "uscc"]
    assert problem.row == 2 and "stored as a number" in problem.message


def test_a_huge_file_with_many_bad_rows_lists_the_first_100_problems_and_counts_the_rest(tmp_path: Path) -> None:
    bad = [entity(f"x{n:017d}", grade="Z") for n in range(1500)]  # two problems a row: 'x', and grade Z
    with pytest.raises(RegisterError) as caught:
        load(tmp_path, entities=lines(ENTITY_HEADER, *bad))
    message = str(caught.value)
    assert message.startswith("3000 problems found; nothing was written:")
    assert len(caught.value.problems) == 100  # only these are kept: a huge file costs no memory for the rest
    # the 50 rows' own USCC problems, then their grade problem once, naming its rows
    assert message.count("\n  - ") == 51 and message.rstrip().endswith("... and 2900 more")
    assert "rows 2, 3, 4, 5, 6, 7, 8, 9, … (50 rows), column 'grade'" in message
