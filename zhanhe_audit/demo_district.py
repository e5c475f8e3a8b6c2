"""The synthetic Zhanhe district that the demo registers describe: its departments and market-supervision units, the
category-tag catalogue with the weights and companions of each entity type's tags, the parts names are made of, the
inspection items, and the registers' files and columns, with every share and count the generator draws to.

All of it is made up for the demo quarter (``registers/demo-2026Q4``): no real company or person.
"""

from __future__ import annotations

from datetime import date

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
GIVEN_CHARS = tuple("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚英华玉萍红建国志文辉鹏晓宇"
                    "浩凯亮俊峰琳雪燕婷丹帅博阳飞梅东鑫")
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
    ("SX10", "工业产品生产许可证获证企业监督检查", DEPT_SAMR, "《中华人民共和国工业产品生产许可证管理条例》",
     "IND_LICENSE", "一般"),
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
