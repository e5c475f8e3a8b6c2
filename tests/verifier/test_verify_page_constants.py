"""The verifier page's constants and the package's: one source, or compared here (no browser: the JavaScript is read
as text).

Most are put into the page when it is built (``verify_page.constants()``, the ``CONSTANTS`` object of
``verify/00-protocol.js``); those the page must write again for JavaScript (patterns), or that live in modules
``verify_page`` may not import (``results.py``, a floor above it), or that a test runs alone (``10-fairness.js``), \
stay in the page's files and are compared here
with the package's values. ``publish.py``'s are compared in ``test_verify_page_public.py``.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from collections import Counter

import pytest

from zhanhe_audit import fairness, inclusion, inspectors, params, results, results_form, verify_page
from zhanhe_audit.evidence import files, records
from zhanhe_audit.layout import GIT_ORDER
from zhanhe_audit.registers import formats

SCRIPTS = verify_page.SOURCES / verify_page.SCRIPTS


def _sources() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(SCRIPTS.glob("*.js"))}


def _definition(name: str) -> str:
    """The text after ``const NAME = `` up to the ``;`` that ends the definition (outside strings and brackets)."""
    found = [(file, source) for file, source in _sources().items() if f"\nconst {name} = " in source]
    assert len(found) == 1, f"const {name} must be defined once in verify/*.js"
    source = found[0][1]
    start = source.index(f"\nconst {name} = ") + len(f"\nconst {name} = ")
    depth, quote, index = 0, None, start
    while True:
        char = source[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = None
        elif char in "'\"`":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == ";" and depth == 0:
            return source[start:index].strip()
        index += 1


_TOKEN = re.compile(r"\s*(?:(?P<string>'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\")|(?P<number>-?\d+(?:\.\d+)?)"
                    r"|(?P<name>[A-Za-z_$][\w$]*)|(?P<punct>[\[\]{}:,]))")


def _js_string(token: str) -> str:
    """A JavaScript string literal's value (the escapes the verifier's files use are JSON's, and \\' and \\xNN)."""
    body = token[1:-1].replace("\\'", "'").replace('"', '\\"').replace('\\\\"', '\\"')
    body = re.sub(r"(?<!\\)((?:\\\\)*)\\x([0-9a-fA-F]{2})", r"\1\\u00\2", body)
    return json.loads(f'"{body}"')


def js_literal(name: str) -> object:
    """The value of ``const NAME = <literal>;``: a string, a number, or arrays and objects of them (keys bare or
    quoted, trailing commas allowed); ``new Set([...])`` is its list."""
    text = _definition(name)
    text = re.sub(r"^new Set\((.*)\)$", r"\1", text, flags=re.S)
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        assert match and match.end() > position, f"{name}: cannot read {text[position:position + 40]!r}"
        position = match.end()
        tokens.append((match.lastgroup, match.group(match.lastgroup)))
    values = iter(tokens)

    def value(kind: str, token: str) -> object:
        if kind == "string":
            return _js_string(token)
        if kind == "number":
            return json.loads(token)
        if token == "[":
            items: list[object] = []
            for kind, token in values:
                if token == "]":
                    return items
                if token != ",":
                    items.append(value(kind, token))
        if token == "{":
            mapping: dict[str, object] = {}
            key = None
            for kind, token in values:
                if token == "}":
                    return mapping
                if token in ",:":
                    continue
                if key is None:
                    key = _js_string(token) if kind == "string" else token
                else:
                    mapping[key], key = value(kind, token), None
        raise AssertionError(f"{name}: not a literal: {text}")

    first = next(values)
    return value(*first)


def js_regex(name: str) -> str:
    """The pattern of ``const NAME = /pattern/;``."""
    text = _definition(name)
    assert text.startswith("/") and text.endswith("/"), f"{name} is not a regular expression literal: {text}"
    return text[1:-1]


def _as_javascript(pattern: str) -> str:
    ("""A Python pattern matched in full (``fullmatch`` or ``\\Z``) as JavaScript writes it: ``^...$``, """
     """no group names.""")
    return "^" + re.sub(r"\(\?P<\w+>", "(", pattern).removesuffix(r"\Z") + "$"


EVERY_CHARACTER = [chr(code) for code in range(sys.maxunicode + 1)]


# --- the constants put into the page ---------------------------------------------------------------------------


def test_the_page_holds_the_packages_constants_as_built():
    constants = verify_page.constants()
    assert (f"const CONSTANTS = {json.dumps(constants, ensure_ascii=False, separators=(',', ':'))};"
            in verify_page.script())
    assert constants["active_statuses"] == sorted(constants["active_statuses"])  # a set: sorted, the same every run


def test_every_constant_put_into_the_page_is_read_and_every_one_read_is_put():
    read = set(re.findall(r"\bCONSTANTS\.(\w+)", "".join(_sources().values())))
    assert read == set(verify_page.constants())


@pytest.mark.parametrize("value", sorted({value for value in (
    *verify_page.constants()["active_statuses"], *verify_page.constants()["inactive_statuses"],
    *verify_page.constants()["grade_labels"], *verify_page.constants()["result_categories"],
    *verify_page.constants()["dispositions"], *verify_page.constants()["follow_up_statuses"])
    if len(value) >= 2 and not value.isascii()}))
def test_no_copy_of_an_injected_word_is_left_in_the_pages_files(value):
    for file, source in _sources().items():
        assert f"'{value}'" not in source and f'"{value}"' not in source, f"{file} holds '{value}' again"


# --- the constants the page keeps, compared with the package's ----------------------------------------------------


def test_record_name_and_quarter_are_the_packages_patterns():
    assert js_regex("RECORD_NAME") == _as_javascript(records.RECORD_NAME.pattern)
    assert js_regex("QUARTER") == _as_javascript(params.QUARTER.pattern).replace("([1-4])", "[1-4]")  # no third group


def test_space_is_what_pythons_strip_removes():
    space = re.compile(f"[{js_literal('SPACE')}]")
    assert {char for char in EVERY_CHARACTER if space.fullmatch(char)} == set(formats.WHITE_SPACE)


def test_line_breaks_are_where_pythons_splitlines_splits():
    pattern = re.compile(js_regex("LINE_BREAKS"))
    assert {char for char in EVERY_CHARACTER if pattern.fullmatch(char)} == {
        char for char in EVERY_CHARACTER if len(f"a{char}b".splitlines()) == 2}
    assert pattern.fullmatch("\r\n") and len("a\r\nb".splitlines()) == 2


def test_the_separators_of_a_results_cell_are_results_pys():
    text = _definition("CERT_SEPARATORS")
    (inside,) = re.fullmatch(r"new RegExp\(`\[(.*)\$\{SPACE\}\]\+`\)", text).groups()  # type: ignore[union-attr]
    page = set(inside) | set(formats.WHITE_SPACE)
    assert {char for char in EVERY_CHARACTER if results_form.SEPARATORS.fullmatch(char)} == page
    # results_form.check_row splits the categories with this pattern, written in its code
    assert js_regex("CATEGORY_SEPARATORS") == r"[;；\n]+"
    assert 're.split(r"[;；\\n]+", cells["categories"])' in (
        verify_page.SOURCES.parent.parent / "results_form.py").read_text(encoding="utf-8")


def test_the_results_records_fields_and_files_are_results_pys():
    fields = [field.name for field in dataclasses.fields(results.ResultsRecord)]
    assert js_literal("RESULTS_FIELDS") + [js_literal("PUBLIC_FORMAT")] == fields
    assert js_literal("RESULTS_RECORD_FILES") == list(results.KIND.files)
    # results_form.check: a row with none of FILLED filled but the inspectors (prefilled from the draw) is no result yet
    assert js_literal("FILLED_COLUMNS") == [column for column in results_form.FILLED if column != "inspectors"]


def test_the_rule_names_are_inspectors_pys_where_both_name_a_rule():
    page = js_literal("RULE_NAMES")
    assert isinstance(page, dict)
    # The page's own words: 'too_few' (it counts the inspectors of each department, the package names the minimum)
    # and 'unknown' (a certificate number not in the register, which the package reports otherwise).
    own = {"too_few", "unknown"}
    assert set(page) - own == set(inspectors.RULE_NAMES) - own
    assert {rule: page[rule] for rule in set(page) - own} == {
        rule: name for rule, name in inspectors.RULE_NAMES.items() if rule not in own}


def test_the_fairness_constants_the_page_keeps_are_the_packages():
    # 10-fairness.js keeps its own (tests/test_verify_page_fairness.py runs the file alone, without 00-protocol.js)
    for name, csv in (("BALANCE", files.BALANCE_CSV), ("INCLUSION", files.INCLUSION_CSV),
                      ("TIMELINE", files.TIMELINE_CSV)):
        assert js_literal(f"FAIRNESS_{name}") == csv.path and js_literal(f"{name}_COLUMNS") == list(csv.columns), name
    assert js_literal("GIT_ORDER_FILE") == GIT_ORDER
    assert js_literal("BALANCE_ATTRIBUTES") == list(fairness.ATTRIBUTES)
    assert js_literal("MIN_EXPECTED") == fairness.MIN_EXPECTED and js_literal("FOLLOW") == inclusion.FOLLOW
    assert js_literal("MERGED_CATEGORY") == fairness.MERGED
    assert js_literal("NO_TAG") == fairness.main_of(frozenset(), Counter())
    notebook = json.loads((verify_page.SOURCES.parents[2] / "notebooks" / "04-compliance.ipynb").read_text(
        encoding="utf-8"))
    (parameters,) = [cell for cell in notebook["cells"] if "parameters" in cell.get("metadata", {}).get("tags", [])]
    (seeds,) = re.findall(r"^monte_carlo_seeds = (\d+)", "".join(parameters["source"]), flags=re.M)
    assert js_literal("MONTE_CARLO_SEEDS") == int(seeds)
