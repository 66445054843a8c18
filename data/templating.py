"""A small template language that renders labelled sentences with gold records.

A template is a string of literal text, random alternatives ``[a|b|]`` (an empty
alternative makes the group optional) and slots in braces:

================  ==============================================================
``{M}``           a metric name from the template's family (``{M:money}`` another family);
                  ``{M+数量}`` writes a head noun after it, inside the METRIC (处理决定数量)
``{Q}``           a quantity: optional qualifier, VALUE, UNIT; measures the last ``{M}``
``{Q>}``          the same, measuring the *next* ``{M}`` (开放410个数据集)
``{Q!}``          a quantity that never takes a qualifier (flags combine: ``{Q>!}``)
``{V}``           a bare VALUE that shares the unit of the next ``{Q}`` (4.2、4.3和3.2个百分点)
``{P}``           a share: 49.9%, 百分之四十, now and then 三分之一, 千分之2.4, 万分之三, .5%;
                  ``{PP}`` percentage points (个百分点)
``{R}``           a range quantity (3-5个工作日, 两三个)
``{year}`` ...    unlabelled filler: agents, places, dates, document numbers (see ``FILLERS``)
================  ==============================================================

Linking follows ANNOTATION.md: a value measures the metric of its own clause or,
failing that, the nearest preceding one; a metric no value measures is left untagged.

>>> import random
>>> t = Template("doc.001", "info", "[全年|]共发布{M}{Q!}。")
>>> ex = t.render(random.Random(3))
>>> [r.metric for r in ex.records] == [ex.text[s.start:s.end] for s in ex.spans if s.label == "METRIC"]
True
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
import random
import re
from dataclasses import dataclass, field
from typing import Callable

from data import lexicon
from data.doccano import Example
from data.numbers import format_number, parse_number
from data.schema import Record, Span
from data.text import normalize_percent

# ---------------------------------------------------------------- parsing templates

_PART = re.compile(r"\{([^{}]+)\}|\[((?:[^\[\]]|\[[^\[\]]*\])*)\]")


@dataclass(frozen=True)
class Slot:
    kind: str  # M, Q, V, P, PP, R, or a filler name
    family: str | None = None
    link_next: bool = False
    no_qualifier: bool = False
    head: str = ""  # {M+数量}: a head noun written after the metric name, inside its span


def _split_alternatives(body: str) -> list[str]:
    """Split ``a|b|[c|d]`` on top-level bars only."""
    out, depth, cur = [], 0, []
    for ch in body:
        if ch == "|" and depth == 0:
            out.append("".join(cur))
            cur = []
            continue
        depth += ch == "["
        depth -= ch == "]"
        cur.append(ch)
    out.append("".join(cur))
    return out


def compile_template(source: str) -> list:
    """Parse a template string into parts: ``str`` literals, ``Slot`` and lists of alternatives."""
    parts: list = []
    pos = 0
    for m in _PART.finditer(source):
        if m.start() > pos:
            parts.append(source[pos:m.start()])
        if m.group(1) is not None:
            parts.append(_parse_slot(m.group(1), source))
        else:
            parts.append([compile_template(alt) for alt in _split_alternatives(m.group(2))])
        pos = m.end()
    if pos < len(source):
        parts.append(source[pos:])
    return parts


def _parse_slot(body: str, source: str) -> Slot:
    name, _, family = body.partition(":")
    name, _, head = name.partition("+")
    if head and not name.startswith("M"):
        raise ValueError(f"only a metric slot takes a head noun: {{{body}}} in template {source!r}")
    flags = set(name[1:]) if name[:1] in "MQVPR" and name not in FILLERS else set()
    kind = name.rstrip(">!")
    if kind not in ("M", "Q", "V", "P", "PP", "R") and kind not in FILLERS:
        raise ValueError(f"unknown slot {{{body}}} in template {source!r}")
    if family and family not in lexicon.FAMILIES:
        raise ValueError(f"unknown family {family!r} in template {source!r}")
    return Slot(kind, family or None, ">" in flags, "!" in flags, head)


# ---------------------------------------------------------------- rendering values

CN_DIGITS = "零一二三四五六七八九"


def _round_sig(x: float, digits: int) -> int:
    if x < 1:
        return 0
    scale = 10 ** max(0, int(math.log10(x)) + 1 - digits)
    return int(round(x / scale) * scale)


def _draw_number(rng: random.Random, lo: float, hi: float, decimals: float) -> int | float:
    """A log-uniform draw in [lo, hi]; some values get one or two decimals."""
    x = math.exp(rng.uniform(math.log(max(lo, 1)), math.log(max(hi, 2))))
    if lo < 1 and rng.random() < 0.08:
        return 0
    if rng.random() < decimals:
        places = rng.choice((1, 2, 2))
        return round(x, places) if x < 1e6 else int(x)
    return int(x) if rng.random() < 0.7 or x < 1000 else _round_sig(x, rng.choice((2, 3, 4)))


def _wan_form(value: int | float, rng: random.Random) -> int | float | None:
    """A value rounded so that it reads naturally with 万 or 亿 (1.39亿, 25.6万)."""
    if value < 10000:
        return None
    base = 100000000 if value >= 100000000 and rng.random() < 0.8 else 10000
    scaled = Decimal(str(value)) / base
    rounded = scaled.quantize(Decimal(1).scaleb(-rng.choice((0, 1, 2, 2))), rounding=ROUND_HALF_UP) * base
    return int(rounded) if rounded == rounded.to_integral_value() else float(rounded)


def render_value(rng: random.Random, value: int | float, chinese: bool = True) -> tuple[str, str]:
    """Pick a written form for ``value``; returns (text, style name).

    ``chinese=False`` keeps Chinese numerals out (reports write 49.9%, or 百分之四十 — not 四十%).
    """
    candidates: list[tuple[str, float]] = [("arabic", 6.0)]
    if value >= 1000:
        candidates += [("arabic_sep", 1.0)]
    candidates += [("fullwidth", 0.3)]
    integral = isinstance(value, int) or float(value).is_integer()
    if chinese and integral:
        # Fee tables and older reports write 大写 (壹佰伍拾) and traditional (兩萬) numerals:
        # rare, but a tagger must have seen them.
        candidates += [("chinese", 2.5 if value <= 20 else 0.5), ("financial", 0.12), ("financial_trad", 0.05),
                       ("traditional", 0.12)]
    if chinese and not integral and value < 1000:
        candidates += [("point_cn", 1.0)]  # 五点八
    if value >= 10000 and float(value * 100 / 10000).is_integer():  # reads as 12.5万, not 1.2515万
        candidates += [("wan", 3.0), ("mixed", 0.3), ("wan_trad", 0.1)]
    styles, weights = zip(*candidates)
    for style in rng.choices(styles, weights=weights, k=3) + ["arabic"]:
        try:
            return format_number(value, style), style
        except ValueError:
            continue
    raise AssertionError("unreachable: arabic renders every value")


@dataclass
class _Quantity:
    """A rendered quantity awaiting its link to a metric."""

    value_span: tuple[int, int]
    unit_span: tuple[int, int] | None
    unit: str | None
    qualifier: str | None
    link_next: bool
    shares_next_unit: bool = False
    metric_index: int | None = None


@dataclass
class _Builder:
    """Accumulates text, spans and quantities while a template renders."""

    rng: random.Random
    family: str
    nouns: tuple[str, ...]
    parts: list[str] = field(default_factory=list)
    length: int = 0
    metrics: list[tuple[int, int, str, str]] = field(default_factory=list)  # start, end, family, name
    quantities: list[_Quantity] = field(default_factory=list)
    metric_units: dict[int, str] = field(default_factory=dict)  # metric index -> its unit
    metric_values: dict[int, int | float] = field(default_factory=dict)  # metric index -> first value
    styles: list[str] = field(default_factory=list)

    def add(self, text: str) -> tuple[int, int]:
        start = self.length
        self.parts.append(text)
        self.length += len(text)
        return start, self.length

    def last_family(self) -> str:
        return self.metrics[-1][2] if self.metrics else self.family


# After these words only the mildest qualifiers read naturally (达近万人, 占约80%; never 达超过).
_LINKING_VERBS = ("达", "占", "为", "至", "到", "由", "从")


def _qualifier(rng: random.Random, allowed: bool, before: str) -> tuple[str | None, bool]:
    """(qualifier, placed_after_unit) — about one quantity in eight is qualified."""
    if not allowed or rng.random() > 0.12:
        return None, False
    if rng.random() < 0.7:
        if before.endswith(_LINKING_VERBS):
            return rng.choice(("近", "约", "将近")), False
        return rng.choice(lexicon.QUALIFIERS_BEFORE), False
    return rng.choice(lexicon.QUALIFIERS_AFTER), True


# Markers _decorate returns for a value that carries its own unit: the record's unit.
_VALUE_ONLY_UNITS: dict[str, str | None] = {"百分之": "%", "千分之": "‰", "万分之": "‱", "分之": None}


def _emit_quantity(b: _Builder, slot: Slot) -> None:
    rng = b.rng
    family = lexicon.FAMILIES[slot.family or (b.family if slot.link_next else b.last_family())]
    qualifier, after = _qualifier(rng, not slot.no_qualifier and slot.kind != "V", b.parts[-1] if b.parts else "")
    if after and (slot.link_next or (qualifier == "内" and family.name != "duration")):
        qualifier = None  # never 2名内工业企业 or 10.7%内
    if qualifier and not after:
        b.add(qualifier)
    # One metric keeps one unit: 关注人数2421人，较上年增加300人 (not 300次).
    metric = len(b.metrics) if slot.link_next else len(b.metrics) - 1
    unit = b.metric_units.get(metric) if rng.random() < 0.9 else None
    if unit is None:
        name = b.metrics[metric][3] if 0 <= metric < len(b.metrics) else ""
        unit = rng.choice(lexicon.units_for(name, family))

    percent = slot.kind in ("P", "PP") or family.units == ("%",)
    if slot.kind == "R":
        value_text = _range_text(rng, family)
        b.styles.append("range")
    else:
        value = _draw_number(rng, *(0, 100) if percent else (family.lo, family.hi),
                             family.decimals if not percent else 0.5)
        if slot.kind == "PP":
            value = round(min(value, 30), 1)
        previous = b.metric_values.get(metric)
        if previous and not percent and rng.random() < 0.7:
            # A second figure for the same metric (a part, last year's) stays in proportion to the first.
            value = _round_sig(previous * rng.uniform(0.05, 1.2), rng.choice((2, 3, 4))) or 1
        elif metric >= 0 and not percent:
            b.metric_values.setdefault(metric, value)
        value_text, unit = _decorate(rng, value, unit, percent, slot.kind == "PP", b.styles,
                                     plain=slot.kind == "V" or qualifier is not None)
    if metric >= 0 and not percent:
        b.metric_units.setdefault(metric, unit)
    if unit in _VALUE_ONLY_UNITS:  # 百分之X, 千分之X, 三分之一: the whole is the VALUE, no UNIT span
        value_span = b.add(value_text)
        unit_span, unit = None, _VALUE_ONLY_UNITS[unit]
    else:
        value_span = b.add(value_text)
        unit_span = None
        if slot.kind != "V":
            if rng.random() < 0.03:
                b.add(" ")
            unit_span = b.add(unit)
        else:
            unit = None
    if qualifier and after:
        b.add(qualifier)
    b.quantities.append(_Quantity(value_span, unit_span, unit, qualifier, slot.link_next,
                                  shares_next_unit=slot.kind == "V"))


def _decorate(rng: random.Random, value, unit: str, percent: bool, points: bool, styles: list[str],
              plain: bool = False):
    """Written value and unit, with the genre's variations (余/多, 万/亿, 百分之, signs).

    ``plain`` keeps out the marked forms (余/多, 百分之, signs): list members and qualified values.
    """
    if points:
        text, style = render_value(rng, value, chinese=False)
        styles.append(style)
        return text, rng.choice(("个百分点", "个百分点", "百分点"))
    if percent:
        if not plain and rng.random() < 0.08:
            styles.append("percent_cn")
            return format_number(value, "percent_cn"), "百分之"
        if not plain and rng.random() < 0.06:
            return _share(rng, styles)
        text, style = render_value(rng, value, chinese=False)
        if not plain and rng.random() < 0.05 and value > 0:
            text = rng.choice(("-", "负")) + text
            style += "+sign"
        styles.append(style)
        return text, "%" if rng.random() < 0.85 else "％"
    if not plain and value >= 10 and rng.random() < 0.07:  # 3000余, 500余万, 80多
        approx = _round_sig(value, rng.choice((1, 2)))
        marker = rng.choice("余多")
        if approx >= 100000 and rng.random() < 0.5:
            base = 10000
            styles.append("approx_wan")
            return f"{approx // base}{marker}万", unit
        styles.append("approx")
        return f"{approx}{marker}", unit
    if unit in ("元", "美元", "吨") or rng.random() < 0.3:
        wan = _wan_form(value, rng)
        if wan is not None:
            value = wan
    text, style = render_value(rng, value)
    styles.append(style)
    return text, unit


# Shares a percentage slot may also be written as (占三分之一, 差错率千分之2.4, 下降.5%).
_SHARE_STYLES = (("fraction_cn", 3.0), ("fraction", 1.0), ("permille_cn", 1.0), ("permille_mixed", 1.5),
                 ("permyriad_cn", 1.0), ("permyriad_mixed", 1.0), ("leading_point", 1.5))
_FRACTIONS = ((1, 2), (1, 3), (2, 3), (1, 4), (3, 4), (1, 5), (2, 5), (3, 5), (1, 10), (3, 10), (5, 16), (7, 20))


def _share(rng: random.Random, styles: list[str]) -> tuple[str, str]:
    """A share written as a fraction, a ‰/‱ rate or a leading-point percentage; (text, unit).

    The unit is a marker _emit_quantity turns into the record's unit with no UNIT span, as
    for 百分之X: "分之" (a fraction: unit None), "千分之" (‰), "万分之" (‱); "%" is a UNIT span.
    """
    style = rng.choices([s for s, _ in _SHARE_STYLES], weights=[w for _, w in _SHARE_STYLES])[0]
    styles.append(style)
    if style.startswith("fraction"):
        numerator, denominator = rng.choice(_FRACTIONS)
        return format_number(numerator / denominator, style), "分之"
    if style == "leading_point":
        return format_number(rng.choice((0.1, 0.2, 0.3, 0.5, 0.6, 0.8, 0.25, 0.75, 0.05)), style), "%"
    mixed = style.endswith("_mixed")
    value = round(rng.uniform(0.1, 9.9), rng.choice((1, 2))) if mixed else rng.randint(1, 9)
    return format_number(value, style), "千分之" if style.startswith("permille") else "万分之"


def _range_text(rng: random.Random, family) -> str:
    lo = rng.randint(1, 9)
    hi = lo + rng.randint(1, 3)
    if rng.random() < 0.3 and hi == lo + 1 and hi <= 9:
        return CN_DIGITS[lo].replace("二", "两") + CN_DIGITS[hi]
    return f"{lo}{rng.choice(('-', '～', '~', '至', '—', '到'))}{hi}"


# ---------------------------------------------------------------- fillers

def _year(rng):  # a calendar year: never tagged
    return f"{rng.randint(2008, 2025)}年"


def _year_squashed(rng):  # a year whose 年 was lost when the text was taken out of a PDF (202011日)
    return str(rng.randint(2008, 2025))


def _date(rng):
    y, m, d = rng.randint(2008, 2025), rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice((f"{y}年{m}月{d}日", f"{y}年{m}月", f"{m}月{d}日", f"{y}年底", f"{y}年初",
                       f"{y}年上半年", f"{y}年第{rng.choice('一二三四')}季度", f"{y}-{m:02d}-{d:02d}"))


def _docno(rng):
    prefix = rng.choice(("国办公开办函", "吉政公组", "晋商办发", "粤府办", "浙政发", "苏政办发", "闽教综",
                         "湘财预", "川办函", "鲁政字", "豫政", "陕政办发"))
    return f"{prefix}〔{rng.randint(2010, 2025)}〕{rng.randint(1, 150)}号"


def _phone(rng):
    return rng.choice((f"0{rng.randint(10, 999)}-{rng.randint(2000000, 89999999)}",
                       f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}",
                       "12345", f"400-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"))


def _ordinal(rng):
    n = rng.randint(1, 40)
    cn = format_number(n, "chinese")
    return rng.choice((f"第{cn}届", f"第{n}届", f"第{cn}条", f"第{cn}条第({CN_DIGITS[rng.randint(1, 5)]})项",
                       f"第{cn}次", f"第{n}期", f"第{cn}批", f"第{cn}名"))


def _enum(rng):
    n = rng.randint(1, 6)
    cn = CN_DIGITS[n]
    return rng.choice((f"{cn}是", f"({cn})", f"（{cn}）", f"{cn}、", f"{n}.", f"{n}、", f"第{cn},"))


SLOGANS = ("十九大", "二十大", "十九届四中全会", "党的二十届三中全会", "“五公开”", "“六稳”“六保”", "“放管服”",
           "一网一微", "双随机一公开", "“最多跑一次”", "“一网通办”", "“互联网+政务服务”", "“三公”经费",
           "“十四五”规划", "“两学一做”", "“三严三实”", "“四个意识”", "“一件事一次办”", "“跨省通办”",
           "“一网统管”", "“三审三校”", "两会", "“12345”热线", "“四下基层”", "“八五”普法")


def _slogan(rng):
    return rng.choice(SLOGANS)


POLICIES = ("政府信息公开条例", "政务公开工作要点", "优化营商环境条例", "行政许可法", "保守国家秘密法", "档案法",
            "政府信息公开工作考核办法", "政务新媒体管理办法", "网站管理办法", "信息发布审核制度",
            "重大行政决策程序规定", "行政复议法", "数据安全法", "个人信息保护法")


def _policy(rng):
    p = rng.choice(POLICIES)
    return rng.choice((f"《中华人民共和国{p}》", f"《{p}》", f"《{lexicon.place(rng)}{p}》",
                       f"《关于进一步做好{rng.choice(lexicon.dictionary_nouns() or ('政务公开',))}工作的通知》"))


PLATFORMS = ("政务服务网", "政府门户网站", "政务服务平台", "政民互动平台", "数据开放平台", "12345热线",
             "政务微博", "政务微信", "政务服务APP", "信用网", "公共资源交易平台")


def _platform(rng):
    if rng.random() < 0.1:  # a city's official account: 杭州发布, 珠海发布
        return rng.choice(lexicon.CITIES) + "发布"
    return rng.choice((lexicon.place(rng), lexicon.agency(rng), "")) + rng.choice(PLATFORMS)


CHANNELS = ("政府网站", "门户网站", "政务微博", "政务微信", "新闻发布会", "政府公报", "报刊", "广播电视",
            "政务新媒体", "信息公开栏", "电子显示屏", "政务服务中心", "档案馆", "图书馆", "公共查阅点", "客户端")


def _channel(rng):
    return "、".join(rng.sample(CHANNELS, rng.choice((1, 1, 2, 3))))


def _period(rng):
    return rng.choice(("全年", "年内", "本年度", "今年以来", "一年来", _year(rng),
                       f"截至{_date(rng)}", f"{_year(rng)}度", "报告期内", "上半年", ""))


# Not 主动公开: in this genre it names a category of information and belongs inside the METRIC.
PUBLISH = ("发布", "公开", "推送", "刊登", "更新", "编发", "上传", "转载", "报送", "编印", "印发")
RECEIVE = ("收到", "受理", "接收", "接到", "办理", "处理", "答复", "新收", "登记")
HOLD = ("举办", "召开", "组织", "开展", "举行", "参加", "组织开展")
TOTAL = ("共", "累计", "合计", "总计", "共计", "各类", "共计各类", "", "", "")  # ANNOTATION.md drops totalisers


def _noun(rng):
    nouns = lexicon.dictionary_nouns()
    return rng.choice(nouns) if nouns else "工作"


CLAUSES = (
    "进一步规范工作流程", "切实提高公开质量", "及时回应社会关切", "确保信息发布准确及时", "不断拓宽公开渠道",
    "持续深化政务公开", "认真落实主体责任", "强化信息发布审核", "推动工作提质增效", "取得了良好的社会效果",
    "有效保障了群众的知情权", "着力打造阳光政府", "稳步推进各项工作", "加强组织领导和统筹协调",
    "严格执行保密审查制度", "做到应公开尽公开", "积极回应群众关切", "提升了政府公信力", "方便群众查询",
    "增强了公开实效", "坚持以公开为常态、不公开为例外",
)


def _clause(rng):
    return rng.choice(CLAUSES)


FILLERS: dict[str, Callable[[random.Random], str]] = {
    "year": _year, "year_squashed": _year_squashed, "date": _date, "docno": _docno, "phone": _phone, "ord": _ordinal,
    "enum": _enum,
    "slogan": _slogan, "policy": _policy, "platform": _platform, "channel": _channel, "period": _period,
    "agent": lexicon.agent, "agency": lexicon.agency, "place": lexicon.place, "noun": _noun, "clause": _clause,
    "pub": lambda r: r.choice(PUBLISH), "recv": lambda r: r.choice(RECEIVE), "hold": lambda r: r.choice(HOLD),
    "tot": lambda r: r.choice(TOTAL),
}


# ---------------------------------------------------------------- templates


@dataclass
class Template:
    """A sentence template: an id (stable across versions), a metric family and its source."""

    id: str
    family: str
    source: str
    parts: list = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.family not in lexicon.FAMILIES and self.family != "none":
            raise ValueError(f"template {self.id}: unknown family {self.family!r}")
        self.parts = compile_template(self.source)

    def render(self, rng: random.Random, nouns: tuple[str, ...] | None = None) -> Example:
        """One labelled sentence: text, spans and records, per ANNOTATION.md."""
        b = _Builder(rng, self.family if self.family != "none" else "info",
                     lexicon.dictionary_nouns() if nouns is None else nouns)
        self._walk(self.parts, b)
        return _finish(self.id, b)

    def _walk(self, parts: list, b: _Builder) -> None:
        for i, part in enumerate(parts):
            if isinstance(part, str):
                b.add(part)
            elif isinstance(part, list):
                self._walk(b.rng.choice(part), b)
            elif part.kind == "M":
                fam = part.family or b.family
                name = lexicon.FAMILIES[fam].metric(b.rng, b.nouns) + part.head
                start, end = b.add(name)
                b.metrics.append((start, end, fam, name))
            elif part.kind in ("Q", "V", "P", "PP", "R"):
                if part.link_next and part.family is None:
                    # A value before its metric (开放410个数据集) takes the units of that metric's family.
                    nxt = next((p for p in parts[i + 1:] if isinstance(p, Slot) and p.kind == "M"), None)
                    part = Slot(part.kind, nxt.family if nxt else None, True, part.no_qualifier)
                _emit_quantity(b, part)
            else:
                b.add(FILLERS[part.kind](b.rng))


def _finish(template_id: str, b: _Builder) -> Example:
    text = "".join(b.parts)
    metric_starts = [m[0] for m in b.metrics]
    # Link each quantity to a metric: the next one for {Q>}, else the nearest preceding one.
    for q in b.quantities:
        if q.link_next:
            later = [i for i, s in enumerate(metric_starts) if s >= q.value_span[1]]
            q.metric_index = later[0] if later else None
        else:
            earlier = [i for i, s in enumerate(metric_starts) if s < q.value_span[0]]
            q.metric_index = earlier[-1] if earlier else None
    # A bare {V} takes the unit of the next quantity that has one (4.2、4.3和3.2个百分点).
    for i, q in enumerate(b.quantities):
        if q.shares_next_unit:
            nxt = next((n for n in b.quantities[i + 1:] if not n.shares_next_unit), None)
            q.unit = nxt.unit if nxt else None

    linked = {q.metric_index for q in b.quantities if q.metric_index is not None}
    spans = [Span(s, e, "METRIC") for i, (s, e, _, _) in enumerate(b.metrics) if i in linked]
    records = []
    for q in b.quantities:
        spans.append(Span(*q.value_span, "VALUE"))
        if q.unit_span:
            spans.append(Span(*q.unit_span, "UNIT"))
        value_text = text[q.value_span[0]:q.value_span[1]]
        parsed = parse_number(value_text)
        if not parsed.ok:
            raise AssertionError(f"template {template_id} rendered an unparsable value {value_text!r}")
        metric = b.metrics[q.metric_index] if q.metric_index is not None else None
        end = q.unit_span[1] if q.unit_span else q.value_span[1]
        records.append(Record(
            metric=text[metric[0]:metric[1]] if metric else None,
            value=parsed.value,
            unit=normalize_percent(q.unit) if q.unit else None,
            raw=text[q.value_span[0]:end],
            qualifier=q.qualifier,
            approximate=bool(q.qualifier) or parsed.approximate,
            value_span=q.value_span,
            unit_span=q.unit_span,
            metric_span=(metric[0], metric[1]) if metric else None,
            value_min=parsed.value_min,
            value_max=parsed.value_max,
        ))
    return Example(id=template_id, text=text, spans=sorted(spans), records=records,
                   meta={"template": template_id, "styles": b.styles})
