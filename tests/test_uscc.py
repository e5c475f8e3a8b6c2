"""USCC check characters (GB 32100-2015)."""

import pytest

from zhanhe_audit import uscc


@pytest.mark.parametrize("code", ["91410411AY4CL12TH9", "91350100M000100Y43", "91110000600037341L"])
def test_known_valid_codes(code):
    # the first is from draw-vectors.json; the other two are published codes of real companies
    assert uscc.is_valid(code)


def test_check_character_by_hand():
    # 9 1 4 1 0 4 1 1 A(10) Y(30) 4 C(12) L(20) 1 2 T(26) H(17), weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28
    values = [9, 1, 4, 1, 0, 4, 1, 1, 10, 30, 4, 12, 20, 1, 2, 26, 17]
    total = sum(v * w for v, w in zip(values, uscc.WEIGHTS, strict=True))
    assert uscc.ALPHABET[(31 - total % 31) % 31] == "9" == uscc.check_character("91410411AY4CL12TH")


@pytest.mark.parametrize(("code", "fragment"), [
    ("91410411AY4CL12TH", "expected 18 characters"),
    ("91410411AY4CL12TH99", "expected 18 characters"),
    ("91410411AY4CL12TI9", "'I'"),
    ("91410411ay4cl12th9", "not allowed"),
    ("91410411AY4CL12TH8", "expected '9'"),
])
def test_invalid_codes_say_what_is_wrong(code, fragment):
    assert fragment in uscc.problem(code)
