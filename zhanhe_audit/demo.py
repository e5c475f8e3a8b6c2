"""Deterministic generator of SYNTHETIC demo registers.

Everything written here is made up: the entities, names, codes and
inspectors are not real companies or people, and any resemblance is
coincidental. The registers exist so that the workbook can be run end to end
on a demo quarter (``registers/demo-2026Q4``) without real data.

Determinism: every choice comes from SHA-256 of a text key (see ``_draw``)
reduced with integer modulo and integer thresholds. The ``random`` module,
numpy and floating point are not used, so the output is byte-identical on
every platform and Python version. Files are UTF-8 without BOM, LF line
endings, written with the ``csv`` module in a fixed row order, each file
atomically (temporary file in the same folder, then ``os.replace``).

Regenerate with::

    python -m zhanhe_audit.demo registers/demo-2026Q4
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

from zhanhe_audit.uscc import ALPHABET, complete

T = TypeVar("T")

ENTITY_COUNT = 20000
DISTRICT = "410411"  # Zhanhe District, Pingdingshan, Henan

# Grade shares in per cent: about A 65 %, B 25 %, C 8 %, D 2 %, the project's
# demo-data issue.
GRADE_SHARES: tuple[tuple[str, int], ...] = (("A", 65), ("B", 25), ("C", 8), ("D", 2))
ENTERPRISE_PERCENT = 85  # the rest are individual businesses (个体工商户)
STATUS_SHARES: tuple[tuple[str, int], ...] = (("存续", 96), ("注销", 3), ("吊销", 1))
ACTIVE_STATUS = "存续"
ESTABLISHED_FIRST = date(1995, 1, 1)
ESTABLISHED_LAST = date(2026, 6, 30)
USCC_START = date(2015, 10, 1)  # enterprises registered later get "MA..." codes

DEPT_SAMR = "湛河区市场监督管理局"
DEPT_HEALTH = "湛河区卫生健康委员会"
DEPT_EMERGENCY = "湛河区应急管理局"

# Market-supervision units (所) with the relative size of their caseload.
UNITS: tuple[tuple[str, int], ...] = (
    ("马庄市场监管所", 14),
    ("南环路市场监管所", 18),
    ("姚孟市场监管所", 12),
    ("九里山市场监管所", 10),
    ("轻工路市场监管所", 16),
    ("河滨市场监管所", 12),
    ("高阳市场监管所", 9),
    ("曹镇市场监管所", 9),
)
UNIT_HEALTH = "卫健委执法大队"
UNIT_EMERGENCY = "应急管理执法大队"

# Inspectors per department: 44 + 8 + 8 = 60, three of them not certified.
SAMR_INSPECTORS = 44
HEALTH_INSPECTORS = 8
EMERGENCY_INSPECTORS = 8
UNCERTIFIED_INSPECTORS = 3
CONFLICT_COUNT = 6

# Category-tag catalogue (分类标注目录), in catalogue order.
TAGS: tuple[tuple[str, str], ...] = (
    ("ENTERPRISE", "企业"),
    ("INDIVIDUAL", "个体工商户"),
    ("RETAIL", "零售商业"),
    ("WHOLESALE", "批发商业"),
    ("FOOD_SALE", "食品销售"),
    ("FOOD_SERVICE", "餐饮服务"),
    ("FOOD_PROD", "食品生产"),
    ("DRUG_RETAIL", "药品零售"),
    ("MED_DEVICE", "医疗器械经营"),
    ("COSMETICS", "化妆品经营"),
    ("SPEC_EQUIP", "特种设备使用"),
    ("IND_LICENSE", "工业产品生产许可获证"),
    ("METROLOGY", "计量器具使用"),
    ("FUEL", "成品油零售"),
    ("ADVERTISING", "广告发布"),
    ("PUBLIC_VENUE", "公共场所"),
    ("HAZCHEM", "危险化学品经营"),
    ("RESIDENT_SERVICE", "居民服务"),
)
TAG_ORDER = {code: index for index, (code, _) in enumerate(TAGS)}

# Weights of the main business tag, by entity type. Absent = not drawn.
ENTERPRISE_TAG_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("RETAIL", 220),
    ("WHOLESALE", 120),
    ("FOOD_SALE", 140),
    ("FOOD_SERVICE", 90),
    ("FOOD_PROD", 25),
    ("DRUG_RETAIL", 30),
    ("MED_DEVICE", 20),
    ("COSMETICS", 25),
    ("SPEC_EQUIP", 40),
    ("IND_LICENSE", 25),
    ("METROLOGY", 20),
    ("FUEL", 8),
    ("ADVERTISING", 60),
    ("PUBLIC_VENUE", 50),
    ("HAZCHEM", 7),
    ("RESIDENT_SERVICE", 120),
)
INDIVIDUAL_TAG_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("RETAIL", 250),
    ("WHOLESALE", 30),
    ("FOOD_SALE", 220),
    ("FOOD_SERVICE", 230),
    ("FOOD_PROD", 15),
    ("DRUG_RETAIL", 10),
    ("MED_DEVICE", 5),
    ("COSMETICS", 25),
    ("METROLOGY", 15),
    ("ADVERTISING", 25),
    ("PUBLIC_VENUE", 80),
    ("RESIDENT_SERVICE", 130),
)

# A second business tag is added with this chance (per cent), drawn from the
# main tag's companions (restricted to tags the entity type can have).
SECOND_TAG_PERCENT = 35
SECOND_TAG_PERCENT_BY_MAIN = {"FUEL": 90}  # filling stations use fuel dispensers
COMPANIONS: dict[str, tuple[tuple[str, int], ...]] = {
    "RETAIL": (("FOOD_SALE", 6), ("COSMETICS", 2), ("METROLOGY", 1), ("MED_DEVICE", 1)),
    "WHOLESALE": (("FOOD_SALE", 5), ("RETAIL", 3), ("MED_DEVICE", 1), ("HAZCHEM", 1)),
    "FOOD_SALE": (("RETAIL", 5), ("FOOD_SERVICE", 2), ("METROLOGY", 2)),
    "FOOD_SERVICE": (("FOOD_SALE", 3), ("PUBLIC_VENUE", 2), ("SPEC_EQUIP", 1)),
    "FOOD_PROD": (("FOOD_SALE", 4), ("SPEC_EQUIP", 2), ("IND_LICENSE", 1)),
    "DRUG_RETAIL": (("MED_DEVICE", 6), ("COSMETICS", 2), ("FOOD_SALE", 2)),
    "MED_DEVICE": (("DRUG_RETAIL", 3), ("RETAIL", 2)),
    "COSMETICS": (("RETAIL", 3), ("PUBLIC_VENUE", 1)),
    "SPEC_EQUIP": (("PUBLIC_VENUE", 2), ("IND_LICENSE", 2), ("RETAIL", 1)),
    "IND_LICENSE": (("SPEC_EQUIP", 3), ("WHOLESALE", 2), ("HAZCHEM", 1)),
    "METROLOGY": (("RETAIL", 2), ("MED_DEVICE", 1)),
    "FUEL": (("METROLOGY", 8), ("FOOD_SALE", 1), ("HAZCHEM", 1)),
    "ADVERTISING": (("RETAIL", 1), ("PUBLIC_VENUE", 1)),
    "PUBLIC_VENUE": (("FOOD_SERVICE", 3), ("COSMETICS", 2), ("SPEC_EQUIP", 2)),
    "HAZCHEM": (("WHOLESALE", 3), ("SPEC_EQUIP", 2), ("FUEL", 1)),
    "RESIDENT_SERVICE": (("RETAIL", 2), ("PUBLIC_VENUE", 1), ("ADVERTISING", 1)),
}

# Name parts. Enterprise words are followed by "有限公司"; individual words are
# complete shop endings.
ENTERPRISE_WORDS: dict[str, tuple[str, ...]] = {
    "RETAIL": ("商贸", "百货", "日用品", "五金"),
    "WHOLESALE": ("贸易", "商贸", "物资"),
    "FOOD_SALE": ("食品", "副食品", "粮油"),
    "FOOD_SERVICE": ("餐饮管理", "餐饮服务", "饮食"),
    "FOOD_PROD": ("食品", "面业", "食品加工"),
    "DRUG_RETAIL": ("大药房", "医药连锁", "药业"),
    "MED_DEVICE": ("医疗器械", "医疗科技"),
    "COSMETICS": ("化妆品", "美妆"),
    "SPEC_EQUIP": ("物业服务", "机械设备", "起重设备"),
    "IND_LICENSE": ("建材", "电线电缆", "水泥制品"),
    "METROLOGY": ("眼镜", "衡器"),
    "FUEL": ("石油销售", "能源"),
    "ADVERTISING": ("广告传媒", "文化传媒", "广告"),
    "PUBLIC_VENUE": ("酒店管理", "宾馆", "洗浴服务"),
    "HAZCHEM": ("化工", "工业气体", "化工产品"),
    "RESIDENT_SERVICE": ("家政服务", "家电维修", "洗涤服务"),
}
INDIVIDUAL_WORDS: dict[str, tuple[str, ...]] = {
    "RETAIL": ("百货店", "便利店", "超市", "五金店"),
    "WHOLESALE": ("批发部", "商行"),
    "FOOD_SALE": ("副食店", "粮油店", "超市", "食品店"),
    "FOOD_SERVICE": ("饭店", "烩面馆", "小吃店", "面馆"),
    "FOOD_PROD": ("食品加工坊", "豆制品坊"),
    "DRUG_RETAIL": ("药店",),
    "MED_DEVICE": ("医疗器械店",),
    "COSMETICS": ("化妆品店",),
    "METROLOGY": ("眼镜店",),
    "ADVERTISING": ("图文广告部", "广告部"),
    "PUBLIC_VENUE": ("理发店", "宾馆", "美发店"),
    "RESIDENT_SERVICE": ("家电维修部", "洗衣店", "修理部"),
}
ENTERPRISE_PREFIXES = ("平顶山市湛河区", "平顶山")
INDIVIDUAL_PREFIX = "湛河区"
BRAND_FIRST = tuple("鑫恒华瑞宏盛金永东兴福顺德泰嘉伟宇天新中佳锦祥荣昌润安康美丰益众鼎诚信博汇鹰湛豫")
BRAND_SECOND = tuple("源通达盛发利泰兴隆丰祥昌鑫晟辉宇远航业邦和成运福瑞康旺坤诚信林峰耀创鸿佳悦阳嘉顺")
# Individual shops are often named after the owner, e.g. "老王烩面馆".
OWNER_PREFIXES = ("老", "小", "大")
OWNER_BRAND_PERCENT = 20

SURNAMES = tuple("王李张刘陈杨赵郭孙马朱胡高何郑宋韩冯曹许周吴徐黄程田董袁范梁贾吕魏闫苗崔任史邓牛")
GIVEN_CHARS = tuple("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚英华玉萍红建国志文辉鹏晓宇浩凯亮俊峰琳雪燕婷丹帅博阳飞梅东鑫")
TWO_CHAR_GIVEN_PERCENT = 70

CONFLICT_REASONS = (
    "近亲属担任该企业负责人",
    "曾在该企业任职（三年内）",
    "与该企业存在经济利益关系",
    "近亲属持有该企业股份",
)

# Inspection items (抽查事项清单): id, name, department, legal basis, target
# tags, kind. Articles are cited only where the article is certain.
LAW_FOOD = "《中华人民共和国食品安全法》第一百一十条"
ITEMS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("SX01", "企业公示信息抽查", DEPT_SAMR, "《企业信息公示暂行条例》第十四条", "ENTERPRISE", "一般"),
    ("SX02", "个体工商户公示信息抽查", DEPT_SAMR, "《中华人民共和国市场主体登记管理条例》", "INDIVIDUAL", "一般"),
    ("SX03", "食品销售者监督检查", DEPT_SAMR, LAW_FOOD, "FOOD_SALE", "重点"),
    ("SX04", "餐饮服务提供者监督检查", DEPT_SAMR, LAW_FOOD, "FOOD_SERVICE", "重点"),
    ("SX05", "食品生产者监督检查", DEPT_SAMR, LAW_FOOD, "FOOD_PROD", "重点"),
    ("SX06", "药品零售企业监督检查", DEPT_SAMR, "《中华人民共和国药品管理法》第九十九条", "DRUG_RETAIL", "重点"),
    ("SX07", "医疗器械经营企业监督检查", DEPT_SAMR, "《医疗器械监督管理条例》", "MED_DEVICE", "一般"),
    ("SX08", "化妆品经营者监督检查", DEPT_SAMR, "《化妆品监督管理条例》", "COSMETICS", "一般"),
    ("SX09", "特种设备使用单位监督检查", DEPT_SAMR, "《中华人民共和国特种设备安全法》第五十七条", "SPEC_EQUIP", "重点"),
    ("SX10", "工业产品生产许可证获证企业监督检查", DEPT_SAMR, "《中华人民共和国工业产品生产许可证管理条例》", "IND_LICENSE", "一般"),
    ("SX11", "计量器具使用监督检查", DEPT_SAMR, "《中华人民共和国计量法》", "METROLOGY;FUEL", "一般"),
    ("SX12", "广告发布行为监督检查", DEPT_SAMR, "《中华人民共和国广告法》", "ADVERTISING", "一般"),
    ("SX13", "公共场所卫生监督检查", DEPT_HEALTH, "《公共场所卫生管理条例》", "PUBLIC_VENUE", "一般"),
    ("SX14", "危险化学品经营单位监督检查", DEPT_EMERGENCY, "《危险化学品安全管理条例》", "HAZCHEM", "重点"),
)

HEADERS: dict[str, tuple[str, ...]] = {
    "tags": ("code", "name"),
    "entities": ("uscc", "name", "grade", "tags", "unit", "status", "established"),
    "items": ("item_id", "name", "department", "legal_basis", "target_tags", "kind"),
    "inspectors": ("cert_no", "name", "department", "unit", "certified"),
    "conflicts": ("cert_no", "uscc", "reason"),
}
FILE_ORDER = ("tags", "entities", "items", "inspectors", "conflicts")

Row = dict[str, str]


# --- deterministic choices ---------------------------------------------------


def _draw(*key: object) -> int:
    """A 64-bit integer derived from ``key`` by SHA-256."""
    text = "zhanhe-demo\n" + "\n".join(map(str, key))
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def _choice(options: Sequence[T], *key: object) -> T:
    return options[_draw(*key) % len(options)]


def _weighted(options: Sequence[tuple[T, int]], *key: object) -> T:
    """One of ``options`` (value, integer weight) in proportion to the weights."""
    point = _draw(*key) % sum(weight for _, weight in options)
    for value, weight in options:
        if point < weight:
            return value
        point -= weight
    raise AssertionError("unreachable")


def _percent(*key: object) -> int:
    """An integer in 0..99."""
    return _draw(*key) % 100


# --- entities ------------------------------------------------------------------


def _old_org_code(*key: object) -> str:
    """A pre-2015 organisation code: 8 digits and the GB 11714 check character."""
    body = f"{_draw(*key) % 10**8:08d}"
    total = sum(int(char) * weight for char, weight in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def _new_org_code(*key: object) -> str:
    """A post-2015 organisation part: "MA" and 7 characters of the USCC alphabet."""
    value = _draw(*key)
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
    main = _weighted(weights, "entity", index, "main-tag")
    chosen = {"ENTERPRISE" if enterprise else "INDIVIDUAL", main}
    allowed = {code for code, _ in weights}
    companions = [(code, w) for code, w in COMPANIONS[main] if code in allowed]
    chance = SECOND_TAG_PERCENT_BY_MAIN.get(main, SECOND_TAG_PERCENT)
    if companions and _percent("entity", index, "second-tag?") < chance:
        chosen.add(_weighted(companions, "entity", index, "second-tag"))
    return main, sorted(chosen, key=TAG_ORDER.__getitem__)


def _entity_name(index: int, enterprise: bool, main_tag: str, taken: set[str]) -> str:
    attempt = 0
    while True:
        key = ("entity", index, "name", attempt)
        if not enterprise and _percent(*key, "owner?") < OWNER_BRAND_PERCENT:
            brand = _choice(OWNER_PREFIXES, *key, "owner-prefix") + _choice(SURNAMES, *key, "surname")
        else:
            brand = _choice(BRAND_FIRST, *key, "brand-1") + _choice(BRAND_SECOND, *key, "brand-2")
        if enterprise:
            prefix = _choice(ENTERPRISE_PREFIXES, *key, "prefix")
            name = prefix + brand + _choice(ENTERPRISE_WORDS[main_tag], *key, "word") + "有限公司"
        else:
            name = INDIVIDUAL_PREFIX + brand + _choice(INDIVIDUAL_WORDS[main_tag], *key, "word")
        if name not in taken:  # names are unique within one registration authority
            taken.add(name)
            return name
        attempt += 1


def _established(index: int) -> date:
    """A registration date, skewed towards recent years (later of two draws)."""
    first, last = ESTABLISHED_FIRST.toordinal(), ESTABLISHED_LAST.toordinal()
    span = last - first + 1
    offset = max(_draw("entity", index, "established", 1) % span, _draw("entity", index, "established", 2) % span)
    return date.fromordinal(first + offset)


def entity_rows() -> list[Row]:
    rows: list[Row] = []
    codes: set[str] = set()
    names: set[str] = set()
    for index in range(ENTITY_COUNT):
        enterprise = _percent("entity", index, "type") < ENTERPRISE_PERCENT
        established = _established(index)
        main_tag, tags = _tags(index, enterprise)
        rows.append(
            {
                "uscc": _uscc(index, enterprise, established, codes),
                "name": _entity_name(index, enterprise, main_tag, names),
                "grade": _weighted(GRADE_SHARES, "entity", index, "grade"),
                "tags": ";".join(tags),
                "unit": _weighted(UNITS, "entity", index, "unit"),
                "status": _weighted(STATUS_SHARES, "entity", index, "status"),
                "established": established.isoformat(),
            }
        )
    return rows


# --- other registers -----------------------------------------------------------


def tag_rows() -> list[Row]:
    return [{"code": code, "name": name} for code, name in TAGS]


def item_rows() -> list[Row]:
    return [dict(zip(HEADERS["items"], item, strict=True)) for item in ITEMS]


def _person_name(*key: object) -> str:
    name = _choice(SURNAMES, *key, "surname") + _choice(GIVEN_CHARS, *key, "given-1")
    if _percent(*key, "two-char?") < TWO_CHAR_GIVEN_PERCENT:
        name += _choice(GIVEN_CHARS, *key, "given-2")
    return name


def inspector_rows() -> list[Row]:
    """60 inspectors: the SAMR spread over its units (at least 5 each), then
    the health and emergency-management enforcement teams."""
    postings: list[tuple[str, str]] = []
    unit_names = [unit for unit, _ in UNITS]
    for position in range(SAMR_INSPECTORS):
        postings.append((DEPT_SAMR, unit_names[position % len(unit_names)]))
    postings.sort(key=lambda posting: unit_names.index(posting[1]))
    postings += [(DEPT_HEALTH, UNIT_HEALTH)] * HEALTH_INSPECTORS
    postings += [(DEPT_EMERGENCY, UNIT_EMERGENCY)] * EMERGENCY_INSPECTORS

    uncertified: list[int] = []
    attempt = 0
    while len(uncertified) < UNCERTIFIED_INSPECTORS:
        pick = _draw("inspector", "uncertified", attempt) % len(postings)
        if pick not in uncertified:
            uncertified.append(pick)
        attempt += 1

    rows: list[Row] = []
    numbers: set[str] = set()
    names: set[str] = set()
    for index, (department, unit) in enumerate(postings):
        attempt = 0
        while True:
            key = ("inspector", index, attempt)
            year = 2010 + _draw(*key, "year") % 15
            serial = 1 + _draw(*key, "serial") % 9999
            cert_no = f"410400{year:04d}{serial:04d}"
            name = _person_name(*key)
            if cert_no not in numbers and name not in names:
                numbers.add(cert_no)
                names.add(name)
                break
            attempt += 1
        rows.append(
            {
                "cert_no": cert_no,
                "name": name,
                "department": department,
                "unit": unit,
                "certified": "否" if index in uncertified else "是",
            }
        )
    return rows


def conflict_rows(inspectors: list[Row], entities: list[Row]) -> list[Row]:
    """Declared conflicts (回避) of SAMR inspectors with active enterprises of
    their own unit, one per inspector; the reasons take turns."""
    samr = [row for row in inspectors if row["department"] == DEPT_SAMR]
    first_reason = _draw("conflict", "first-reason") % len(CONFLICT_REASONS)
    rows: list[Row] = []
    used: set[str] = set()
    attempt = 0
    while len(rows) < CONFLICT_COUNT:
        inspector = _choice(samr, "conflict", attempt, "inspector")
        attempt += 1
        if inspector["cert_no"] in used:
            continue
        candidates = [
            row
            for row in entities
            if row["unit"] == inspector["unit"]
            and row["status"] == ACTIVE_STATUS
            and row["uscc"][1] == "1"  # enterprises: the reasons speak of 企业
        ]
        entity = _choice(candidates, "conflict", attempt, "entity")
        used.add(inspector["cert_no"])
        reason = CONFLICT_REASONS[(first_reason + len(rows)) % len(CONFLICT_REASONS)]
        rows.append({"cert_no": inspector["cert_no"], "uscc": entity["uscc"], "reason": reason})
    return rows


# --- writing -------------------------------------------------------------------


def _csv_text(header: Sequence[str], rows: list[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(header), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 (no BOM) to ``path`` via a temporary file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
        os.chmod(temporary, 0o644)  # mkstemp creates 0600; registers are shared files
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _readme(entities: list[Row], counts: dict[str, int]) -> str:
    grades = Counter(row["grade"] for row in entities)
    lines = [
        "# Demo registers, 2026 Q4 (SYNTHETIC)",
        "",
        "These registers are **synthetic demo data** made by `zhanhe_audit.demo`.",
        "They are not real companies or people; any resemblance to real entities,",
        "names, codes or inspectors is coincidental. The unified social credit codes",
        "have valid check characters but were generated, not looked up.",
        "",
        "Regenerate them (byte-identical on every platform) with:",
        "",
        "```",
        "python -m zhanhe_audit.demo registers/demo-2026Q4",
        "```",
        "",
        "Rows per file: "
        + ", ".join(f"`{name}.csv` {counts[name]}" for name in FILE_ORDER)
        + ".",
        "",
        "Entities per credit-risk grade:",
        "",
        "| grade | entities |",
        "|---|---|",
    ]
    lines += [f"| {grade} | {grades[grade]} |" for grade, _ in GRADE_SHARES]
    return "\n".join(lines) + "\n"


def generate(out_dir: Path) -> dict[str, Path]:
    """Write the five demo registers (and a README.md) into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    entities = entity_rows()
    inspectors = inspector_rows()
    registers = {
        "tags": tag_rows(),
        "entities": entities,
        "items": item_rows(),
        "inspectors": inspectors,
        "conflicts": conflict_rows(inspectors, entities),
    }
    paths: dict[str, Path] = {}
    for name in FILE_ORDER:
        paths[name] = out_dir / f"{name}.csv"
        _write_atomic(paths[name], _csv_text(HEADERS[name], registers[name]))
    counts = {name: len(rows) for name, rows in registers.items()}
    _write_atomic(out_dir / "README.md", _readme(entities, counts))
    return paths


def _summary(paths: dict[str, Path]) -> str:
    def read(name: str) -> list[Row]:
        with paths[name].open(encoding="utf-8", newline="") as file:
            return list(csv.DictReader(file))

    lines = [f"{paths[name]}: {len(read(name))} rows" for name in FILE_ORDER]
    entities = read("entities")
    grades = Counter(row["grade"] for row in entities)
    tags = Counter(tag for row in entities for tag in row["tags"].split(";"))
    units = Counter(row["unit"] for row in entities)
    statuses = Counter(row["status"] for row in entities)
    lines.append("grades: " + ", ".join(f"{g} {grades[g]}" for g, _ in GRADE_SHARES))
    lines.append("tags: " + ", ".join(f"{code} {tags[code]}" for code, _ in TAGS))
    lines.append("units: " + ", ".join(f"{unit} {units[unit]}" for unit, _ in UNITS))
    lines.append("status: " + ", ".join(f"{s} {statuses[s]}" for s, _ in STATUS_SHARES))
    return "\n".join(lines)


# --- the demo quarter's filled results form ----------------------------------------------------

RESULTS_FORM = "results-filled.csv"  # beside the demo registers
RESULTS_AS_OF = "2026-12-31"  # the as-of date ``make results`` gives the demo quarter
FILLED_VISITS = 60  # inspected so far: every VISIT_STEP-th visit (so every task has some); the others not yet
VISIT_STEP = 12
# Working days after the demo seed's date (Thursday 26 November 2026) whose deadlines fall in 2026, the last
# year the chinesecalendar package knows: Friday 27 November, Monday 30 November to Wednesday 2 December.
INSPECTION_DAYS = (date(2026, 11, 27), date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2))
DEMO_DEPARTMENTS = (DEPT_SAMR, DEPT_HEALTH, DEPT_EMERGENCY)


def _result(index: int, visit_id: str, item: str, department: str) -> dict[str, str]:
    """The synthetic result of the ``index``-th filled row: mostly nothing found; a few problems of each
    kind, so that the demo shows corrections, a transfer, a penalty, an overdue publication and an
    open finding. Dates fall between the demo seed's date (2026-11-26) and the as-of date."""
    start = INSPECTION_DAYS[_draw("start", visit_id) % len(INSPECTION_DAYS)]
    end = start + timedelta(days=3 if start.weekday() == 4 else 1)  # the next working day
    published = date(2026, 12, 14) + timedelta(days=_draw("published", visit_id, item) % 8)
    result = {"start": start.isoformat(), "end": end.isoformat(), "categories": "未发现问题",
              "published": published.isoformat()}
    other = next(d for d in DEMO_DEPARTMENTS if d != department)
    kind = index if index < 6 else _draw("kind", visit_id, item) % 40  # after one of each, about 15 % problems
    if kind == 0:  # a transfer to another department's remit, acknowledged
        result |= {"categories": "发现问题待后续处理", "findings": "经营项目涉及其他部门审批事项（演示）",
                   "disposition": "移交", "receiving_department": other, "status": "已移交已接收"}
    elif kind == 1:  # a case with a penalty, recorded under the entity, and the abnormal list
        result |= {"categories": "通过登记的住所（经营场所）无法联系；不配合检查情节严重",
                   "findings": "登记住所无法联系（演示）", "disposition": "立案查处", "status": "已立案",
                   "penalty_number": "湛市监罚〔2026〕901号（演示）", "penalty_date": "2026-12-18",
                   "abnormal_list": "是"}
    elif kind == 2:  # published after its deadline
        result |= {"published": "2026-12-30"}
    elif kind == 3:  # an open finding: a correction ordered, not yet checked
        result |= {"categories": "发现问题已责令改正", "findings": "未按规定明码标价（演示）", "disposition": "责令改正",
                   "status": "待处置"}
    elif kind in (4, 5):  # corrections ordered and checked, closed
        result |= {"categories": "未按规定公示应当公示的信息", "findings": "年度报告未公示（演示）",
                   "disposition": "责令改正", "status": "已办结"}
    return result


def results_rows(root: Path) -> list[dict[str, str]]:
    """The demo's filled form: the results form's rows of ``FILLED_VISITS`` visits of the demo draw
    (recomputed from the committed params and registers of the project at ``root``), filled."""
    from . import engine, results_form
    from .paths import DEMO_QUARTER, Project

    with tempfile.TemporaryDirectory(prefix="zhanhe-demo-") as scratch:
        drawn = engine.run_draw(engine.project_inputs(Project(root), DEMO_QUARTER), Path(scratch))
    rows = results_form.form_rows(drawn.inputs, drawn.visits[::VISIT_STEP][:FILLED_VISITS])
    return [row | _result(index, row["visit"], row["item"], row["department"]) for index, row in enumerate(rows)]


def results_form_text(rows: list[dict[str, str]]) -> str:
    """A filled form as staff export it from Excel: CSV, UTF-8 with BOM, the form's Chinese headers."""
    from .results_form import FORM_COLUMNS

    header = [column.header for column in FORM_COLUMNS]
    return "\ufeff" + _csv_text(header, [{column.header: row.get(column.key, "") for column in FORM_COLUMNS}
                                         for row in rows])


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) == 2 and args[0] == "--results":  # the demo quarter's filled results form
        _write_atomic(Path(args[1]), results_form_text(results_rows(Path.cwd())))
        print(f"{args[1]}: written")
        return 0
    if len(args) != 1:
        print("usage: python -m zhanhe_audit.demo OUTPUT_FOLDER | --results FORM.csv", file=sys.stderr)
        return 2
    paths = generate(Path(args[0]))
    print(_summary(paths))
    print(f"{Path(args[0]) / 'README.md'}: written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
