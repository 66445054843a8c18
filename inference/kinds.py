"""What a number is: the ``kind``, ``direction`` and ``basis`` of a record.

The rules are docs/annotation.md's "What a number is" section (decided in issue 23); this
module reads them off the text around a record's spans. Word lists are data (the tuples
below), the order of the rules is code (:func:`classify`). A record's ``value`` never
changes: a decrease stays positive and ``direction`` says which way it went.

>>> text = "申请量同比分别增长3.3%、7.4%"
>>> classify(text, {"metric_span": (0, 3), "value_span": (14, 17), "unit_span": (17, 18), "unit": "%"})
Kind(kind='change', direction='up', basis='同比')
>>> classify("占49.9%", {"value_span": (1, 5), "unit": "%"})
Kind(kind='share', direction=None, basis=None)
"""

from __future__ import annotations

import re
from typing import Any, Mapping, NamedTuple

from govreport.data.lexicon import QUALIFIERS_BEFORE
from govreport.data.numbers.chars import RATIO_COLONS
from govreport.data.text import TO_SIMPLIFIED, normalize_percent

__all__ = ["Kind", "KINDS", "DIRECTIONS", "FIELDS", "classify", "with_kind"]

KINDS: tuple[str, ...] = ("level", "change", "share", "rate", "ratio", "rank")
DIRECTIONS: tuple[str, ...] = ("up", "down")
# The keys a record carries them under (JSON keys and CSV columns).
FIELDS: tuple[str, ...] = ("kind", "direction", "basis")

# ---------------------------------------------------------------------------------------------
# Word lists
# ---------------------------------------------------------------------------------------------

# Change verbs, matched at the end of the text governing the value (longest first).
UP_WORDS = ("增长", "增加", "上升", "提高", "提升", "扩大", "翻番", "增多", "上涨", "攀升", "增产", "增收", "增支", "翻", "增",
            "多", "高")
DOWN_WORDS = ("下降", "减少", "降低", "回落", "缩小", "压减", "下滑", "下跌", "压缩", "缩减", "缩短", "减产", "减收", "减支",
              "减", "少", "降", "低")
_VERBS = tuple(sorted(UP_WORDS + DOWN_WORDS, key=len, reverse=True))
# One-character comparatives count only after a comparison (比上年多3件, 较上年低2个百分点):
# alone they are adjectives or parts of words (多达, 高达).
COMPARATIVES = ("多", "少", "高", "低")
# Metrics that are themselves the size of a change (增幅为12%).
UP_METRICS = ("增幅", "增速", "增长率", "增长幅度", "增长速度", "增量", "涨幅")
DOWN_METRICS = ("降幅", "下降率", "下降幅度", "减少幅度", "降低幅度", "减幅", "降低率", "减少率")
# A change either way: its sign says which (CPI环比涨跌幅, 比上年增减), so no direction is given.
EITHER_METRICS = ("涨跌幅度", "涨跌幅", "涨跌", "增减幅度", "增减幅", "增减", "升降幅度", "升降")
# A change verb followed by one of these gives the level reached (增至80件, 降为3件).
REACHED = ("至", "到", "为")
# Between a governing word and the value: qualifiers and fillers (增长了约, 分别为, 高达).
FILLERS = tuple(sorted(set(QUALIFIERS_BEFORE) | {"了", "分别", "均", "各", "都", "共", "共计", "达", "达到",
                                                 "高达", "多达", "有", "约为", "近乎"}, key=len, reverse=True))
# Words between a comparison and its verb (比上年分别增长, 较上年有所下降); 均 and 各 are
# looked at apart, as 平均 ends in 均.
BASIS_TRIM = ("分别", "有所", "都", "了", "也", "共", "约")
# 为/是 link a metric to its value (增幅为12%, 比例为1:1.2); stripped after REACHED was checked.
LINKS = ("为", "是")

RATE_ENDINGS = ("率", "满意度", "知晓度")
RATE_WORDS = ("指数",)
SHARE_ENDINGS = ("比例", "占比", "比重")
NOT_SHARE = ("占地", "占用", "侵占", "挤占", "抢占")
# 居 as in 居全省第2位, not 居民.
RANK_WORDS = re.compile(r"排名|排位|排行|排在|排第|位列|位居|名列|列第|(?<!民)居(?!民)")
RANK_UNITS = ("位", "名", "强")
PERCENT_UNITS = ("%", "‰", "‱")  # after data.text.normalize_percent
POINT_UNITS = ("个百分点", "百分点")

# Basis: standard forms first (their written variants), then a literal comparison phrase.
_PREV_YEAR = r"(?:上年度|上一年度|上年|去年|上一年|前一年)(?:同期|末|底)?"
_PREV_MONTH = r"(?:上月|上个月|上一月|上季度|上一季度|上个季度|上季)(?:同期)?"
BASIS_FORMS: tuple[tuple[str, re.Pattern], ...] = (
    ("同比", re.compile(rf"同比|(?:比|较)(?:{_PREV_YEAR})|(?:与|和|同|跟)(?:{_PREV_YEAR})(?:相比|比较)")),
    ("环比", re.compile(rf"环比|(?:比|较)(?:{_PREV_MONTH})|(?:与|和|同|跟)(?:{_PREV_MONTH})(?:相比|比较)")),
)
# 比/较 that do not start a comparison (比例, 较快, 相比 is handled as 与X相比).
_NOT_COMPARISON = re.compile(r"(?<=可)比|比例|比重|比率|占比|对比|比较|相比|较为|较[快慢大小多少高低好强弱前差]")
_LITERAL_BASIS = re.compile(r"(?:相较于|相比于|较之|比|较)[^，,；;。、比较]{1,15}$|(?:与|和|同|跟)[^，,；;。]{1,15}?(?:相比|比较)$")
_YEAR_BASIS = re.compile(r"(?:比|较)(?:[0-9]{4}|[一二〇零○]{4})年(?:同期|末|底)?")
_BASIS_CLAUSE = re.compile(r"(?:(?:与|和|同|跟)[^，,；;。与和同跟]{1,15}?(?:相比|比较)|同比|环比)(?:而言)?$")
# 是上年的1.5倍: a multiple of last year's figure has basis 同比 (the only basis a ratio has).
_RATIO_BASIS = (("同比", re.compile(rf"(?:是|为|相当于|达到)(?:{_PREV_YEAR})的$")),
                ("环比", re.compile(rf"(?:是|为|相当于|达到)(?:{_PREV_MONTH})的$")))

# Clause ends: a colon between digits is a ratio (6.0:55.0:39.0, or with the ratio sign ∶), not a clause end.
_COLON = f"[{RATIO_COLONS}]"
_CLAUSE_END = re.compile(rf"[，,；;。！？!?\n]|(?<![0-9０-９]){_COLON}|{_COLON}(?![0-9０-９])")
_LIST_SEP = ("以及", "、", "和", "及", "与", "或")
_COMMA = ("，", ",")
# One member of a list of values at the end of a string: a number and its unit (3.3%, 12件).
_MEMBER = re.compile(r"(?:[-+]?[0-9０-９][0-9０-９.．]*|[零〇一二两三四五六七八九十百千]+)[万亿]*(?:余|多)?"
                     r"(?:[%％‰]|个百分点|百分点|个|倍|[\u4e00-\u9fff]{0,4})?\s*$")
_PARENTHESIS = re.compile(r"[(（][^()（）]{0,10}[)）]$")
_COLON_AFTER = re.compile(rf"\s*{_COLON}\s*[0-9０-９]")
_COLON_BEFORE = re.compile(rf"[0-9０-９]\s*{_COLON}\s*$")
_WINDOW = 80  # characters looked at before a value; clauses are shorter


class Kind(NamedTuple):
    """What a number is: kind (one of KINDS), direction (changes only) and basis."""

    kind: str
    direction: str | None = None
    basis: str | None = None


def _simplified(s: str) -> str:
    return normalize_percent(s.translate(TO_SIMPLIFIED))


def _get(record: Any, key: str) -> Any:
    return record.get(key) if isinstance(record, Mapping) else getattr(record, key, None)


def _strip_end(s: str, words: tuple[str, ...]) -> str:
    """``s`` without any of ``words`` (and spaces) at its end, repeatedly."""
    s = s.rstrip()
    changed = True
    while changed:
        changed = False
        for w in words:
            if s.endswith(w):
                s, changed = s[:-len(w)].rstrip(), True
                break
    return s


def _clause_start(text: str, pos: int) -> int:
    lo = max(0, pos - _WINDOW)
    ends = [m.end() for m in _CLAUSE_END.finditer(text, lo, pos)]
    return ends[-1] if ends else lo


def _governor(text: str, start: int, value_start: int) -> str:
    """The clause text that governs a value: what precedes it, or the first member of its list.

    同比分别增长3.3%、【7.4】%: 7.4 is governed by 同比分别增长, like 3.3. A comma joins list
    members only where 分别 announced the list (分别增长3.3%,7.4%).
    """
    g = text[start:value_start].rstrip()
    for _ in range(20):
        sep = next((s for s in _LIST_SEP + _COMMA if g.endswith(s)), None)
        if sep is None:
            break
        rest = g[:-len(sep)].rstrip()
        m = _MEMBER.search(rest)
        if m is None or m.start() == m.end():
            break
        head = rest[:m.start()]
        if sep in _COMMA and "分别" not in head[-8:]:
            break
        g = head.rstrip()
    return g


def _change_word(g: str) -> tuple[str | None, int]:
    """The direction of a change verb ending ``g`` (after fillers) and where the verb starts.

    Returns ``("reached", i)`` for 增至/降为 (a level reached), ``("either", i)`` for a change
    either way (增减, 涨跌幅) and ``(None, -1)`` without a verb.
    """
    s = _strip_end(g, FILLERS)
    either = next((w for w in EITHER_METRICS if s.endswith(w)), None)
    if either is not None:   # 比上年增减: a change either way, not the 减 it ends with
        return "either", len(s) - len(either)
    reached = False
    if s.endswith(REACHED):
        reached, s = True, _strip_end(s[:-1], FILLERS)
    for word in _VERBS:
        if not s.endswith(word):
            continue
        head = s[:-len(word)]
        if word in COMPARATIVES and not _compared(head):
            return None, -1
        if head.endswith("新") and word in ("增", "增加"):  # 新增 counts new items: a level
            return None, -1
        if reached:
            return "reached", len(head)
        return ("up" if word in UP_WORDS else "down"), len(head)
    return None, -1


# Any other comparison is written 比 + what it compares with: 较2015年, 与2015年相比 and
# 相较于2015年 all become 比2015年, so one reference has one basis across reports.
_COMPARED_WITH = (re.compile(r"(?:相较于|相比于|较之|比|较)(.+)"), re.compile(r"(?:与|和|同|跟)(.+?)(?:相比|比较)"))


def _standard_basis(phrase: str) -> str:
    """
    >>> [_standard_basis(p) for p in ("比上年", "较上月", "与2015年相比", "相较于“十二五”末", "比全省平均")]
    ['同比', '环比', '比2015年', '比“十二五”末', '比全省平均']
    """
    for name, pattern in BASIS_FORMS:
        if pattern.fullmatch(phrase):
            return name
    for pattern in _COMPARED_WITH:
        m = pattern.fullmatch(phrase)
        if m:
            return "比" + m.group(1)
    return phrase


def _basis(text: str, start: int, g: str, verb_at: int) -> str | None:
    """What a change is measured against, as docs/annotation.md normalises it, or None."""
    head = _PARENTHESIS.sub("", _strip_end(g[:verb_at], BASIS_TRIM)).rstrip()  # 同比(下同)增长
    # the comparison right before the verb: 比上年, 较"十二五"末, 与2015年相比
    m = _LITERAL_BASIS.search(head)
    if m and not (head[m.start()] in "比较" and _NOT_COMPARISON.match(head, m.start())):
        phrase = m.group()
        standard = _standard_basis(phrase)
        if standard == phrase and phrase.endswith(("均", "各")) and _standard_basis(phrase[:-1]) != phrase[:-1]:
            standard = _standard_basis(phrase[:-1])  # 比上年均增长; not 比全省平均
        if standard != phrase or re.match(r"[比较]|相较|相比|较之", phrase) or phrase.endswith(("相比", "比较")):
            return standard
    for name, pattern in BASIS_FORMS:  # anywhere else in the clause: 申请量同比上年有所增长
        if pattern.search(head):
            return name
    if start > 1:
        prev = _PARENTHESIS.sub("", text[_clause_start(text, start - 1):start - 1].rstrip())
        # a clause of its own before this one: 与上年相比,申请量增长12%
        m = _BASIS_CLAUSE.search(prev)
        if m:
            return _standard_basis(re.sub(r"而言$", "", m.group()))
        if not head:
            # a clause that is only the change takes the basis of the one before it:
            # 较上年增加306元,增长9.7%
            for name, pattern in BASIS_FORMS:
                if pattern.search(prev):
                    return name
            m = _YEAR_BASIS.search(prev)
            if m:
                return _standard_basis(m.group())
    return None


def _compared(head: str) -> bool:
    """Whether a comparison precedes a one-character comparative (比上年多, 同比少; not 较多)."""
    head = head[-15:]
    if head.endswith(("同比", "环比", "相比")):
        return True
    return any(m.end() < len(head) and not _NOT_COMPARISON.match(head, m.start())
               for m in re.finditer("[比较]", head))


def _rank(g: str, value: str, after: str, unit: str) -> bool:
    s = g.rstrip()
    if value.startswith("第"):
        s, value = s + "第", value[1:]
    if s.endswith(("第", "前")):  # 居全省第2位, 第5名, 排在前10; not 第3批
        return after.startswith(RANK_UNITS) or unit.startswith(RANK_UNITS) or bool(RANK_WORDS.search(s[-12:]))
    return s.endswith(("排名", "位列", "位居", "名列"))


def classify(text: str, record: Any) -> Kind:
    """The kind, direction and basis of ``record`` (a Record or its dict), read from ``text``.

    ``text`` is what the record's spans index. The first rule that applies wins: rank,
    ratio, change, rate, share, level (docs/annotation.md, "What a number is").

    >>> classify("较上年减少3件", {"value_span": (5, 6), "unit_span": (6, 7), "unit": "件"})
    Kind(kind='change', direction='down', basis='同比')
    >>> classify("申请数量增至80件", {"metric_span": (0, 4), "value_span": (6, 8), "unit": "件"})
    Kind(kind='level', direction=None, basis=None)
    """
    if _get(record, "value_span") is None:
        return Kind("level")  # nothing to read around
    vs, ve = _get(record, "value_span")
    # Only a window around the value is read, in simplified characters (one for one, so
    # offsets hold): the rules cost the same in a sentence and in a whole document.
    lo = max(0, vs - 3 * _WINDOW)
    text = _simplified(text[lo:ve + 12])
    vs, ve = vs - lo, ve - lo
    unit = _simplified(_get(record, "unit") or "")
    unit_span = _get(record, "unit_span")
    metric_span = _get(record, "metric_span")
    if metric_span and metric_span[0] >= lo and metric_span[1] - lo <= len(text):
        metric = text[metric_span[0] - lo:metric_span[1] - lo]
    else:
        metric = _simplified(_get(record, "metric") or "")
    # the value's own unit when written right after it (a list's shared unit is further on)
    tail = unit_span[1] - lo if unit_span and 0 <= unit_span[0] - lo - ve <= 1 else ve
    start = _clause_start(text, vs)
    g = _governor(text, start, vs)
    value = text[vs:ve]
    after = text[tail:tail + 4].lstrip()
    if not unit and after.startswith("倍"):
        unit = "倍"

    if _rank(g, value, after, unit):
        return Kind("rank")
    if _COLON_AFTER.match(text, ve) or _COLON_BEFORE.search(text, max(0, vs - 4), vs):
        return Kind("ratio")

    direction, verb_at = _change_word(g)
    if direction in ("up", "down", "either"):
        return Kind("change", None if direction == "either" else direction, _basis(text, start, g, verb_at))
    bare = _strip_end(_strip_end(g, FILLERS), LINKS + FILLERS)
    for words, way in ((UP_METRICS, "up"), (DOWN_METRICS, "down"), (EITHER_METRICS, None)):
        if direction is None and (metric.endswith(words) or bare.endswith(words)):
            found = next(w for w in words if metric.endswith(w) or bare.endswith(w))
            at = bare.rfind(found)
            return Kind("change", way, _basis(text, start, bare, at if at >= 0 else len(bare)))
    if unit.endswith("倍"):
        basis = next((name for name, p in _RATIO_BASIS if p.search(bare)), None)
        return Kind("ratio", None, basis)
    if unit in POINT_UNITS and direction is None:
        # A difference of two percents is a change even without a verb (高于全省平均2个百分点).
        way = "down" if "低于" in g else "up" if re.search(r"高于|高出|超", g) else None
        return Kind("change", way, None)

    name = metric or bare
    if name.endswith(RATE_ENDINGS) or any(w in name for w in RATE_WORDS):
        return Kind("rate")
    # 占 makes a share of a number with no unit or a rate's (占三分之一, 占49.9%), not of a count
    # (占比前三的为甲市591件: 件 counts)
    share_word = re.search(r"占", g[-25:]) and (not unit or normalize_percent(unit) in PERCENT_UNITS)
    if share_word and not any(w in g[-25:] for w in NOT_SHARE):
        return Kind("share")
    if name.endswith(SHARE_ENDINGS) or bare.endswith(SHARE_ENDINGS) or "所占比例" in bare:
        return Kind("share")
    if normalize_percent(unit or "") in PERCENT_UNITS:
        return Kind("share")
    return Kind("level")


def with_kind(text: str, record):
    """``record`` (a :class:`data.schema.Record`) with kind, direction and basis in its extra fields.

    >>> from govreport.data.schema import Record
    >>> with_kind("回复率达到100%", Record("回复率", 100, "%", "100%", value_span=(5, 8))).to_dict()["kind"]
    'rate'
    """
    record.extra = {**classify(text, record)._asdict(), **record.extra}
    return record
