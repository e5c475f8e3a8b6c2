"""The demo's entities register, generated: for each of the synthetic entities its type, unified social credit
code (an old organisation code before 2015, an "MA..." code after), business tags, name, grade, unit, status and
registration date, each drawn deterministically (``demo_choices``) to the shares of ``demo_district``.
"""

from __future__ import annotations

from datetime import date

from .demo_choices import choice, draw, percent, weighted
from .demo_district import (
    BRAND_FIRST,
    BRAND_SECOND,
    COMPANIONS,
    DISTRICT,
    ENTERPRISE_PERCENT,
    ENTERPRISE_PREFIXES,
    ENTERPRISE_TAG_WEIGHTS,
    ENTERPRISE_WORDS,
    ENTITY_COUNT,
    ESTABLISHED_FIRST,
    ESTABLISHED_LAST,
    GRADE_SHARES,
    INDIVIDUAL_PREFIX,
    INDIVIDUAL_TAG_WEIGHTS,
    INDIVIDUAL_WORDS,
    OWNER_BRAND_PERCENT,
    OWNER_PREFIXES,
    SECOND_TAG_PERCENT,
    SECOND_TAG_PERCENT_BY_MAIN,
    STATUS_SHARES,
    SURNAMES,
    TAG_ORDER,
    UNITS,
    USCC_START,
    Row,
)
from .uscc import ALPHABET, complete


def _old_org_code(*key: object) -> str:
    """A pre-2015 organisation code: 8 digits and the GB 11714 check character."""
    body = f"{draw(*key) % 10**8:08d}"
    total = sum(int(char) * weight for char, weight in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def _new_org_code(*key: object) -> str:
    """A post-2015 organisation part: "MA" and 7 characters of the USCC alphabet."""
    value = draw(*key)
    chars = []
    for _ in range(7):
        value, index = divmod(value, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "MA" + "".join(chars)


def _uscc(index: int, enterprise: bool, established: date, taken: set[str]) -> str:
    attempt = 0
    while True:
        key = ("entity", index, "uscc", attempt)
        if enterprise and established < USCC_START:
            org = _old_org_code(*key)
        else:
            org = _new_org_code(*key)
        code = complete("9" + ("1" if enterprise else "2") + DISTRICT + org)
        if code not in taken:
            taken.add(code)
            return code
        attempt += 1


def _tags(index: int, enterprise: bool) -> tuple[str, list[str]]:
    """The main business tag and all tags of an entity, in catalogue order."""
    weights = ENTERPRISE_TAG_WEIGHTS if enterprise else INDIVIDUAL_TAG_WEIGHTS
    main = weighted(weights, "entity", index, "main-tag")
    chosen = {"ENTERPRISE" if enterprise else "INDIVIDUAL", main}
    allowed = {code for code, _ in weights}
    companions = [(code, w) for code, w in COMPANIONS[main] if code in allowed]
    chance = SECOND_TAG_PERCENT_BY_MAIN.get(main, SECOND_TAG_PERCENT)
    if companions and percent("entity", index, "second-tag?") < chance:
        chosen.add(weighted(companions, "entity", index, "second-tag"))
    return main, sorted(chosen, key=TAG_ORDER.__getitem__)


def _entity_name(index: int, enterprise: bool, main_tag: str, taken: set[str]) -> str:
    attempt = 0
    while True:
        key = ("entity", index, "name", attempt)
        if not enterprise and percent(*key, "owner?") < OWNER_BRAND_PERCENT:
            brand = choice(OWNER_PREFIXES, *key, "owner-prefix") + choice(SURNAMES, *key, "surname")
        else:
            brand = choice(BRAND_FIRST, *key, "brand-1") + choice(BRAND_SECOND, *key, "brand-2")
        if enterprise:
            prefix = choice(ENTERPRISE_PREFIXES, *key, "prefix")
            name = prefix + brand + choice(ENTERPRISE_WORDS[main_tag], *key, "word") + "有限公司"
        else:
            name = INDIVIDUAL_PREFIX + brand + choice(INDIVIDUAL_WORDS[main_tag], *key, "word")
        if name not in taken:  # names are unique within one registration authority
            taken.add(name)
            return name
        attempt += 1


def _established(index: int) -> date:
    """A registration date, skewed towards recent years (later of two draws)."""
    first, last = ESTABLISHED_FIRST.toordinal(), ESTABLISHED_LAST.toordinal()
    span = last - first + 1
    offset = max(draw("entity", index, "established", 1) % span, draw("entity", index, "established", 2) % span)
    return date.fromordinal(first + offset)


def entity_rows() -> list[Row]:
    rows: list[Row] = []
    codes: set[str] = set()
    names: set[str] = set()
    for index in range(ENTITY_COUNT):
        enterprise = percent("entity", index, "type") < ENTERPRISE_PERCENT
        established = _established(index)
        main_tag, tags = _tags(index, enterprise)
        rows.append(
            {
                "uscc": _uscc(index, enterprise, established, codes),
                "name": _entity_name(index, enterprise, main_tag, names),
                "grade": weighted(GRADE_SHARES, "entity", index, "grade"),
                "tags": ";".join(tags),
                "unit": weighted(UNITS, "entity", index, "unit"),
                "status": weighted(STATUS_SHARES, "entity", index, "status"),
                "established": established.isoformat(),
            }
        )
    return rows
