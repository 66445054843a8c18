"""The characters and words numbers are written with, for reading, writing and finding them.

Tables only: :mod:`data.numbers.parse`, :mod:`data.numbers.format` and
:mod:`data.numbers.find` hold the logic that reads them.

>>> DIGITS["貳"], UNITS["佰"], MAGNITUDES["億"]
(2, 100, 100000000)
"""

from __future__ import annotations

from govreport.data.text import FULLWIDTH_DIGITS, PERCENT_SIGNS, RADICAL_FORMS

# ---------------------------------------------------------------- reading (parse and find)

# Simplified, traditional and financial (大写) forms. 两/兩/倆/俩 are "two" before a unit.
DIGITS: dict[str, int] = {
    "零": 0, "〇": 0,
    "一": 1, "壹": 1,
    "二": 2, "贰": 2, "貳": 2, "两": 2, "兩": 2, "倆": 2, "俩": 2,
    "三": 3, "叁": 3, "參": 3,
    "四": 4, "肆": 4,
    "五": 5, "伍": 5,
    "六": 6, "陆": 6, "陸": 6,
    "七": 7, "柒": 7,
    "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}
ZEROS = frozenset("零〇")
UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
MAGNITUDES: dict[str, int] = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
CN_NUMERALS = frozenset(DIGITS) | frozenset(UNITS) | frozenset(MAGNITUDES)
# Characters used when a number is read digit by digit (二〇一八); 两 never is.
DIGIT_READING = frozenset("零〇一二三四五六七八九")
# Financial forms double as ordinary word characters (陆地, 队伍, 收拾), so find_numbers
# never accepts one of them standing alone.
FINANCIAL = frozenset("壹贰貳叁參肆伍陆陸柒捌玖拾佰仟")
SIGNS = frozenset("-+负負")
APPROX = frozenset("余餘多")  # 餘: traditional script
# What separates the terms of a colon ratio (6.0:55.0:39.0): colons, the ratio sign ∶, and the
# vertical-form and small colons some documents' encodings turn a colon into (6.0︰55.0︰39.0).
RATIO_COLONS = ":：∶︰﹕"
POINT = "点"
# Every character a number written in Chinese numerals is made of (七十万, 三千余, 三点五).
NUMERAL_CHARS = CN_NUMERALS | APPROX | {POINT}
RANGE_SEPARATORS = frozenset("-—–―~～〜至到")
PERCENT_PREFIXES: dict[str, str] = {"百分之": "%", "佰分之": "%", "千分之": "‰", "仟分之": "‰",
                                    "万分之": "‱", "萬分之": "‱"}
PERCENT_SIGN_UNITS: dict[str, str] = {"%": "%", "‰": "‰", "‱": "‱"}
# X分之Y (三分之一, 16分之5) is the fraction Y/X; 百分之/千分之/万分之 are read as rates first.
FRACTION = "分之"

# One character in, one character out, so offsets into the normalised copy are offsets
# into the original text (STYLE.md rule 4).
_COMMON_MAP = {**FULLWIDTH_DIGITS, **PERCENT_SIGNS}
_COMMON_MAP.update({"．": ".", "－": "-", "−": "-", "＋": "+", "點": "点", "○": "〇"})
_COMMON_MAP.update({chr(r): chr(c) for r, c in RADICAL_FORMS.items()})   # 七百四⼗五: a PDF's radical ⼗
PARSE_TABLE = str.maketrans({**_COMMON_MAP, "，": ","})
# A middle dot between digits is a typeset decimal point inside a VALUE (1·8%, docs/annotation.md);
# parse_number reads it so. find_numbers does not: in running text 5·15 and 4·26 name days.
MIDDLE_DOTS = "·・"
# find_numbers keeps the full-width comma: in running Chinese text it separates clauses
# (受理52件，151件已办结) far more often than it groups thousands.
FIND_TABLE = str.maketrans(_COMMON_MAP)

# ---------------------------------------------------------------- writing (format_number)

TO_FULLWIDTH = str.maketrans({**{str(d): chr(0xFF10 + d) for d in range(10)}, ".": "．", "-": "－"})
CN_DIGIT_CHARS = "零一二三四五六七八九"
# Ordinary numerals to 大写 (simplified) and to traditional script, one character for one.
TO_FINANCIAL = str.maketrans(dict(zip("一二三四五六七八九十百千", "壹贰叁肆伍陆柒捌玖拾佰仟")))
TO_TRADITIONAL = str.maketrans({"万": "萬", "亿": "億", "点": "點", "负": "負", "贰": "貳", "陆": "陸"})

# ---------------------------------------------------------------- finding (find_numbers)

# Ordinary words that contain numeral characters. A word starting with a numeral is not
# masked after another numeral (十一起案件, 三万一千, 二十分钟 stay numbers). The adverb
# 千万 (千万不要) needs no entry: a run of bare units counts only before a measure word.
ORDINARY_WORDS: tuple[str, ...] = (
    "统一", "一些", "一起", "一般", "一致", "一体", "一步", "一线", "唯一", "万一", "十分",
    "一直", "一定", "进一步", "逐一", "一律", "一切", "同一", "一次性", "第一", "一旦",
    "一同", "一并", "一贯", "一向", "一系列", "一流", "一揽子", "一方面", "另一", "一把手",
    "一站式", "一网通办", "四川", "乱七八糟", "减负", "正负", "胜负", "抱负", "担负", "肩负",
    "欺负", "辜负", "自负", "千方百计", "万无一失",
    "一心一意", "三令五申", "五湖四海", "一刀切", "十三五", "十四五", "十五五", "十二五",
    "零部件",   # jieba files it as a quantity word
    "三甲",     # a ranking (位居三甲) or a hospital's grade (三甲医院), no count
)
# ... unless these follow: 十分之三 is a fraction, not the adverb 十分.
ORDINARY_UNLESS_BEFORE: dict[str, str] = {"十分": FRACTION[1]}
# Words that may follow a lone Chinese numeral character (三条, 近百家, 一年).
MEASURE_WORDS: tuple[str, ...] = tuple(
    "个 件 条 次 人 项 家 名 位 所 座 台 辆 部 篇 份 期 场 起 宗 户 批 本 册 张 页 处 类 种 例 封 笔 单 套 间 "
    "栋 层 亩 吨 斤 公斤 克 千克 米 公里 千米 平方 立方 岁 倍 年 月 日 天 周 季度 小时 分钟 秒 届 轮 组 支 只 "
    "头 棵 株 块 塊 片 段 级 遍 回 艘 架 门 枚 颗 双 对 票 元 % 個 條 項 場 張 頁 處 類 種 間 層 噸 歲 週 級".split()
)
# 5千米 is five kilometres, not 5000 metres: a trailing 千/百 before these stays outside.
UNIT_PREFIXED = frozenset("米克瓦伏帕焦卡赫")
