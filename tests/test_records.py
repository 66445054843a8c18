"""Tests for the record builder (inference/records.py and the spans, snapping, sentences,
qualifiers and linking modules it reads): a table of real-prose linking patterns, qualifiers, numbers,
span repair, and data.schema.tags_to_spans as an oracle for the fast tag reader."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from govreport.data.schema import LABELS, SENTENCE_KEY, Span, move_record, spans_to_tags, tags_to_spans
from govreport.data.text import TO_SIMPLIFIED, TO_TRADITIONAL
from govreport.inference import snapping
from govreport.inference.qualifiers import find_qualifier
from govreport.inference.records import build_records
from govreport.inference.sentences import WRAP, clause_starts, sentence_bounds, unwrap
from govreport.inference.snapping import (drop_numerals_in_words, drop_spans_in_addresses, snap_to_numbers, snap_to_words,
                                          spaced_name_numbers, spaced_number_ends, spaced_numbers, split_value_lists)
from govreport.inference.spans import clean_spans, spans_from_labels, spans_from_tags
from tests.conftest import hard_wrap, parse_marked


def records_of(marked: str):
    ex = parse_marked(marked, "t")
    return ex.text, build_records(ex.text, ex.spans)


def triples(records):
    return [(r.metric, r.value, r.unit) for r in records]


def _twin(case):
    """``case`` with every string in traditional script (the generator's table, one character for one)."""
    if isinstance(case, str):
        return case.translate(TO_TRADITIONAL)
    if isinstance(case, (tuple, list)):
        return type(case)(_twin(part) for part in case)
    return case


def traditional_twins(cases: list) -> list:
    """The traditional twins of the cases with a character of the table whose twin reads back as the case:
    every rule reads traditional script as its simplified twin, so each must come out the same, in
    traditional characters (a span keeps the text as written)."""
    return [_twin(case) for case in cases if _twin(case[0]) != case[0] and _twin(case[0]).translate(TO_SIMPLIFIED) == case[0]]


# {text|M}, {text|V}, {text|U} mark METRIC, VALUE and UNIT spans (tests/conftest.py).
LINKING_TABLE = [
    # 1. metric in the same clause, before the value
    ("全年共受理{行政复议申请|M}{15|V}{件|U}。", [("行政复议申请", 15, "件")]),
    ("{回复率|M}达到{100|V}{%|U}。", [("回复率", 100, "%")]),
    ("{行政处罚决定|M}数量{41|V}{宗|U};", [("行政处罚决定", 41, "宗")]),
    # 2. value-unit-metric
    ("累计开放{520|V}{个|U}{数据接口|M}。", [("数据接口", 520, "个")]),
    ("{8|V}{个|U}{县区|M}承接了{46|V}{项|U}{审批事项|M}。", [("县区", 8, "个"), ("审批事项", 46, "项")]),
    ("经{3|V}{轮|U}{清理|M}{7|V}{批次|U}{调整|M},取消事项若干。", [("清理", 3, "轮"), ("调整", 7, "批次")]),
    ("超过{90|V}{%|U}的{政务服务事项|M}实现网上办理。", [("政务服务事项", 90, "%")]),
    ("其中处理结果{5|V}{件|U}为{不予公开|M}。", [("不予公开", 5, "件")]),
    # a metric right after a value loses to the value's own metric when a value follows it
    ("{投诉|M}{30|V}{件|U}{咨询|M}{12|V}{件|U}", [("投诉", 30, "件"), ("咨询", 12, "件")]),
    # 3. breakdowns: 其中 … 占X% takes the preceding clause's metric
    ("收到{申请|M}{300|V}{件|U},其中{网上申请|M}{120|V}{件|U},占{40|V}{%|U}。",
     [("申请", 300, "件"), ("网上申请", 120, "件"), ("网上申请", 40, "%")]),
    ("{表扬|M}{64|V}{件|U} 占比 {8.5|V}{%|U}", [("表扬", 64, "件"), ("表扬", 8.5, "%")]),
    # a metric after 占 names the whole, not the part
    ("{乡镇|M}{11|V}{件|U},占{全部案件|M}的{7.28|V}{%|U}。", [("乡镇", 11, "件"), ("乡镇", 7.28, "%")]),
    # ... and so does the amount a share is of, written before it with no 占; the change after it too
    ("{收入|M}{80万|V}{元|U},完成{年初预算|M}{100万|V}{元|U}的{80|V}{%|U},比上年减收{5万|V}{元|U}。",
     [("收入", 800000, "元"), ("年初预算", 1000000, "元"), ("收入", 80, "%"), ("收入", 50000, "元")]),
    ("{支出|M}{60|V}{亿元|U},完成{年初预算|M}的{36.7|V}{%|U}。", [("支出", 60, "亿元"), ("年初预算", 36.7, "%")]),
    ("{户籍人口|M}{40万|V}{人|U}的{10|V}{%|U}", [("户籍人口", 400000, "人"), (None, 10, "%")]),
    # 4. one unit shared by a list
    ("{三项指标|M}分别提高{1.5|V}、{2.1|V}和{0.8|V}{个百分点|U}。",
     [("三项指标", 1.5, "个百分点"), ("三项指标", 2.1, "个百分点"), ("三项指标", 0.8, "个百分点")]),
    ("{展板尺寸|M}{600|V}×{900|V}{mm|U}", [("展板尺寸", 600, "mm"), ("展板尺寸", 900, "mm")]),
    # … also when the last member has a qualifier, or is a 百分之X that writes the percent
    ("报送的{政策文件|M}分别为{6|V}、{2|V}和不足{9|V}{份|U}。",
     [("政策文件", 6, "份"), ("政策文件", 2, "份"), ("政策文件", 9, "份")]),
    ("{总产值|M}各季度分别增长{3|V}、{5|V}和{百分之八|V}。", [("总产值", 3, "%"), ("总产值", 5, "%"), ("总产值", 8, "%")]),
    # 5. comparisons: both values take the metric
    ("{审批事项|M}从{860|V}{项|U}减少为{215|V}{项|U}。", [("审批事项", 860, "项"), ("审批事项", 215, "项")]),
    ("{网上办理率|M}由{62|V}{%|U}上升为{91|V}{%|U}。", [("网上办理率", 62, "%"), ("网上办理率", 91, "%")]),
    ("{注册用户|M}从{30万|V}增长到{85万|V}。", [("注册用户", 300000, None), ("注册用户", 850000, None)]),
    # 6. 分别: one metric, several values; a list whose metric follows the last member
    ("{城镇和农村居民收入|M}分别增长{5.1|V}{%|U}、{6.3|V}{%|U}。",
     [("城镇和农村居民收入", 5.1, "%"), ("城镇和农村居民收入", 6.3, "%")]),
    ("各区分别整理出{120|V}{项|U}、{95|V}{项|U}和{60|V}{项|U}{服务事项|M}。",
     [("服务事项", 120, "项"), ("服务事项", 95, "项"), ("服务事项", 60, "项")]),
    # 7. metric after the value in its clause, with no value in between
    ("连续{3|V}{年|U}在门户网站开设{专题专栏|M}。", [("专题专栏", 3, "年")]),
    ("发布{信息|M}{12|V}{条|U},在服务大厅设立了{2|V}{个|U}专门的{查阅点|M}。",
     [("信息", 12, "条"), ("查阅点", 2, "个")]),
    # 8. clause fallback: nearest earlier clause with a metric, same sentence only
    ("{咨询量|M}{1200|V}{人次|U},同比增长{15|V}{%|U}。", [("咨询量", 1200, "人次"), ("咨询量", 15, "%")]),
    ("{办件量|M}{5000|V}{件|U},较上年有所增加,增幅{12|V}{%|U}。", [("办件量", 5000, "件"), ("办件量", 12, "%")]),
    ("{发文量|M}{80|V}{篇|U},其中{通知|M}{30|V}{篇|U},{公告|M}{50|V}{篇|U}。",
     [("发文量", 80, "篇"), ("通知", 30, "篇"), ("公告", 50, "篇")]),
    # a semicolon separates clauses, so the fallback reaches across it
    ("{生产总值|M}{235亿|V}{元|U};比上年增长{9.2|V}{%|U}。", [("生产总值", 23500000000, "元"), ("生产总值", 9.2, "%")]),
    ("{大小|M}:{39|V}{KB|U}", [("大小", 39, "KB")]),
    # 9. never across a sentence end; no metric gives null
    ("{发文量|M}{80|V}{篇|U}。全年增长{10|V}{%|U}。", [("发文量", 80, "篇"), (None, 10, "%")]),
    ("{发文量|M}{80|V}{篇|U}\n全年增长{10|V}{%|U}", [("发文量", 80, "篇"), (None, 10, "%")]),
    ("全年共召开{6|V}{次|U}。", [(None, 6, "次")]),
    ("联通省、市、县{三|V}{级|U},{注册用户|M}{20万|V}{人|U}。", [(None, 3, "级"), ("注册用户", 200000, "人")]),
    # 10. numbers: magnitudes, 百分之X, ranges, 余, minus, spaces, quotes
    ("{财政收入|M}{1.39亿|V}{元|U}", [("财政收入", 139000000, "元")]),
    ("{办结率|M}达{百分之九十五|V}", [("办结率", 95, "%")]),
    ("{办理时限|M}为{3-5|V}{个工作日|U}", [("办理时限", 3, "个工作日")]),
    ("{进出口总额|M}下降{负3.9|V}{％|U}", [("进出口总额", -3.9, "%")]),
    ("{办结率|M}{98|V}{℅|U}", [("办结率", 98, "%")]),  # ℅: a mis-encoded % (docs/annotation.md)
    ("共收到{有效留言|M}{1128|V} {条|U}。", [("有效留言", 1128, "条")]),
    ("其中,“{同意公开答复|M}”{781|V}{件|U},占{65|V}{%|U};",
     [("同意公开答复", 781, "件"), ("同意公开答复", 65, "%")]),
    ("{人口|M}为{2.62|V}{人|U},比上年减少{0.48|V}{人|U}", [("人口", 2.62, "人"), ("人口", 0.48, "人")]),
    # 11. a price or scope basis tagged as a METRIC is no candidate: the change measures the metric before it
    ("{林业产值|M}{52|V}{亿|U},{现价|M}增长{6.5|V}{%|U}", [("林业产值", 52, "亿"), ("林业产值", 6.5, "%")]),
    ("{旅游收入|M}{8.4亿|V}{元|U},按{可比价格计算|M}增长{4|V}{%|U}",
     [("旅游收入", 840000000, "元"), ("旅游收入", 4, "%")]),
    ("{税收收入|M}{同口径|M}增长{7.1|V}{%|U}", [("税收收入", 7.1, "%")]),
    ("{可比价|M}{3|V}{%|U}", [(None, 3, "%")]),
    # … but a name that only starts with such a word stays a metric
    ("{可比价格指数|M}为{101.2|V}", [("可比价格指数", 101.2, None)]),
    # 12. 分别 in a clause of its own: the list takes the earlier clauses' metrics in order
    ("{甲县收入|M}{5|V}{万元|U},{乙县支出|M}{3|V}{万元|U},分别增长{2|V}{%|U}、{4|V}{%|U}。",
     [("甲县收入", 5, "万元"), ("乙县支出", 3, "万元"), ("甲县收入", 2, "%"), ("乙县支出", 4, "%")]),
    ("{产值|M}{9|V}{亿元|U},增长{6|V}{%|U},{税收|M}{2|V}{亿元|U},{支出|M}{4|V}{亿元|U},同比分别增长{3|V}{%|U}和{1|V}{%|U};",
     [("产值", 9, "亿元"), ("产值", 6, "%"), ("税收", 2, "亿元"), ("支出", 4, "亿元"), ("税收", 3, "%"), ("支出", 1, "%")]),
    # … but with fewer earlier metrics than members, or a metric of its own, the usual rules hold
    ("{收入|M}{5|V}{万元|U},分别增长{2|V}{%|U}、{4|V}{%|U}。", [("收入", 5, "万元"), ("收入", 2, "%"), ("收入", 4, "%")]),
    ("{甲|M}{5|V}{个|U},{乙|M}{3|V}{个|U},{两项合计|M}分别增长{2|V}{%|U}、{4|V}{%|U}。",
     [("甲", 5, "个"), ("乙", 3, "个"), ("两项合计", 2, "%"), ("两项合计", 4, "%")]),
]


@pytest.mark.parametrize("marked, expected", LINKING_TABLE, ids=[m[:14] for m, _ in LINKING_TABLE])
def test_linking_table(marked, expected):
    text, records = records_of(marked)
    assert triples(records) == expected
    for r in records:
        # offsets index the text, and the metric text is its span's text
        assert text[r.value_span[0]:r.value_span[1]] in r.raw or r.raw in text
        if r.metric is not None:
            assert text[r.metric_span[0]:r.metric_span[1]] == r.metric
        s, e = r.extra[SENTENCE_KEY]
        assert s <= r.value_span[0] < r.value_span[1] <= e


# Traditional script: the twins of the table, and characters the generator's table does not write (佔)
TRADITIONAL_LINKING = traditional_twins(LINKING_TABLE) + [
    ("其中,{網絡申請|M}{26448|V}{宗|U},佔{49.9|V}{%|U}", [("網絡申請", 26448, "宗"), ("網絡申請", 49.9, "%")]),
    ("{申請|M}{40|V}{件|U},佔{受理總數|M}的{7.28|V}{%|U}", [("申請", 40, "件"), ("申請", 7.28, "%")]),
]


@pytest.mark.parametrize("marked, expected", TRADITIONAL_LINKING, ids=[m[:14] for m, _ in TRADITIONAL_LINKING])
def test_linking_reads_traditional_script_as_its_simplified_twin(marked, expected):
    # 分別 is 分别, 現價 a basis like 现价, 佔 opens a share like 占
    text, records = records_of(marked)
    assert triples(records) == expected


def test_linking_table_is_large_enough():
    assert len(LINKING_TABLE) >= 25


QUALIFIER_TABLE = [
    ("{浏览量|M}接近{七十万|V}{次|U}", "接近", True),
    ("近{百|V}{家|U}{主流媒体|M}", "近", True),
    ("{纠错率|M}约{19.2|V}{%|U}", "约", True),
    ("超过{1.39亿|V}{条|U}{政府数据|M}", "超过", True),
    ("{市场主体|M}突破{130万|V}{户|U}", "突破", True),
    ("逾{25000|V}{个|U}{村居|M}", "逾", True),
    ("{分值权重|M}不低于{4|V}{%|U}", "不低于", True),
    ("不超过{1|V}{个工作日|U}", "不超过", True),
    ("{企业|M}{5000万|V}{元|U}以上", "以上", True),
    ("{误差|M}{3|V}{%|U}左右", "左右", True),
    ("压缩到{30|V}{%|U}以内", "以内", True),
    ("在{5|V}{个工作日|U}内办结", "内", True),
    ("{登記企業|M}不超過{9|V}{個|U}", "不超過", True),  # traditional script, given as written
    ("壓縮到{30|V}{%|U}以內", "以內", True),
    ("{工業增加值|M}將近{89|V}{億元|U}", "將近", True),
    ("{咨询|M}{3000余|V}{起|U}", None, True),  # 余 makes it approximate without a qualifier
    ("{投诉|M}{16|V}{个|U}内容属实", None, False),  # 内 after a count is not a qualifier
    ("最近{3|V}{天|U}", None, False),
    ("节约{资金|M}{20万|V}{元|U}", None, False),
    ("{办件|M}达{263|V}{件|U}", None, False),  # 达 is a verb, not a qualifier
]


@pytest.mark.parametrize("marked, qualifier, approximate", QUALIFIER_TABLE, ids=[m[:12] for m, *_ in QUALIFIER_TABLE])
def test_qualifiers(marked, qualifier, approximate):
    _, records = records_of(marked)
    assert [(r.qualifier, r.approximate) for r in records] == [(qualifier, approximate)]


@pytest.mark.parametrize("marked, qualifier, approximate", traditional_twins(QUALIFIER_TABLE))
def test_qualifiers_read_traditional_script_as_their_simplified_twins(marked, qualifier, approximate):
    test_qualifiers(marked, qualifier, approximate)  # 以內, 不超過, 將近 and 節約 as their twins


def test_find_qualifier_stops_at_spans():
    # The qualifier must lie in the free text between spans: 超 ending a METRIC is not one.
    text = "超3件"
    assert find_qualifier(text, 0, Span(1, 2, "VALUE"), 3, 3, "件") == "超"
    assert find_qualifier(text, 1, Span(1, 2, "VALUE"), 3, 3, "件") is None


def test_raw_unit_and_range_fields():
    _, (rec,) = records_of("{办理时限|M}为{3-5|V}{个工作日|U}")
    assert (rec.value, rec.value_min, rec.value_max, rec.raw) == (3, 3, 5, "3-5个工作日")
    d = rec.to_dict()
    assert d["value_min"] == 3 and d["value_max"] == 5
    _, recs = records_of("高{4.2|V}、{4.3|V}和{3.2|V}{个百分点|U}")
    # a shared unit is not adjacent: raw is the value alone, unit_span points at the shared unit
    assert [(r.raw, r.unit, r.unit_span) for r in recs] == [
        ("4.2", "个百分点", (12, 16)), ("4.3", "个百分点", (12, 16)), ("3.2个百分点", "个百分点", (12, 16))]
    _, (pct,) = records_of("占{百分之四十|V}")
    assert (pct.unit, pct.unit_span, pct.raw) == ("%", None, "百分之四十")
    _, (plain,) = records_of("{总人口性别比|M}为{105.07|V}")
    assert (plain.unit, plain.raw) == (None, "105.07")


def test_value_without_a_number_is_salvaged_or_dropped():
    # A tagger took in 约: the number inside is read, and 约 still qualifies it.
    records = build_records("约500件", [Span(0, 4, "VALUE"), Span(4, 5, "UNIT")])
    assert [(r.value, r.value_span, r.qualifier, r.unit) for r in records] == [(500, (1, 4), "约", "件")]
    # An ordinal or a word is no number: no record.
    assert build_records("第3批", [Span(0, 2, "VALUE")]) == []
    assert build_records("统一办理", [Span(0, 2, "VALUE")]) == []


def test_no_values_no_records_and_span_checks():
    assert build_records("办结事项", [Span(0, 4, "METRIC")]) == []
    assert build_records("", []) == []
    with pytest.raises(ValueError):
        build_records("3件", [Span(0, 5, "VALUE")])


# ---- span repair


@pytest.mark.parametrize(
    "text, span, expected",
    [
        ("“同意公开答复”", Span(0, 8, "METRIC"), (1, 7)),  # quotes around the whole name go
        ("“最多跑一次”事项", Span(0, 9, "METRIC"), (0, 9)),  # a quoted modifier stays
        ("县(市、区)", Span(0, 6, "METRIC"), (0, 6)),  # brackets with their partner stay
        (",信息公开、", Span(0, 6, "METRIC"), (1, 5)),
        (" 252 ", Span(0, 5, "VALUE"), (1, 4)),
        ("-3.9", Span(0, 4, "VALUE"), (0, 4)),  # a sign is part of the value
        ("为.5%", Span(1, 3, "VALUE"), (1, 3)),  # so is the point of a decimal with no leading zero
        ("下降．75", Span(2, 5, "VALUE"), (2, 5)),
        ("共12.", Span(1, 4, "VALUE"), (1, 3)),  # a full stop after it is not
        ("。5件", Span(0, 2, "VALUE"), (1, 2)),
        ("49.9%,", Span(0, 6, "VALUE"), (0, 5)),
        ("%", Span(0, 1, "UNIT"), (0, 1)),
        ("(GDP)", Span(0, 5, "METRIC"), (1, 4)),
        # real text mixes quote shapes and bracket widths: a straight quote closes a curly one
        ("“三公\"经费支出", Span(0, 8, "METRIC"), (0, 8)),
        ("县(市、区）", Span(0, 6, "METRIC"), (0, 6)),
        ("“同意公开答复\"", Span(0, 8, "METRIC"), (1, 7)),
        ("“三公经费", Span(0, 5, "METRIC"), (1, 5)),  # an opener with no closer still goes
    ],
)
def test_clean_spans_trims_edges(text, span, expected):
    (cleaned,) = clean_spans(text, [span])
    assert (cleaned.start, cleaned.end) == expected


# METRIC spans a tagger cut inside a word, and what snap_to_words makes of them
WIDENED = [
    ("全区家{庭户|M}达到{3.1万|V}{户|U}", "家庭户"),  # start inside 家庭
    ("{出生人口性|M}别比为{105|V}", "出生人口性别比"),  # end inside 性别比
    ("全年家{禽存栏|M}{1200万|V}{头|U}", "家禽存栏"),
    ("{网络申请|M}{26448|V}{宗|U}", "网络申请"),  # already whole words: unchanged
    ("“一{窗|M}”{3|V}{个|U}", "窗"),  # quotes and punctuation are never swallowed
    ("{工作|M}{30|V}{日|U}", "工作"),
    # words that never open a name come off the front, as long as a word is left
    ("{主要涉及噪声污染|M}{35|V}{件|U}", "噪声污染"),
    ("{已办结申请|M}{12|V}{件|U}", "办结申请"),
    ("{将审批时间|M}压缩至{2|V}{天|U}", "审批时间"),
    ("{其中|M}{5|V}{件|U}", "其中"),
    ("{涉及教育的复议案件|M}{3|V}{件|U}", "涉及教育的复议案件"),  # a 的-clause belongs to the name
    ("{被申请复议案件|M}{2|V}{件|U}", "被申请复议案件"),  # 被申请: the respondent's cases
    ("{主动公开文件|M}{66|V}{件|U}", "主动公开文件"),  # a category verb stays
    # 主动公开 and 依申请公开 name categories of information: they join the name they qualify
    ("本局主动公开{规范性文件|M}{14|V}{件|U}", "主动公开规范性文件"),
    ("全年主动{公开文件|M}{20|V}{件|U}", "主动公开文件"),
    ("依申请公开{政府信息|M}{3|V}{件|U}", "依申请公开政府信息"),
    ("全年公开{政府信息|M}{9|V}{条|U}", "政府信息"),  # a plain 公开 is a verb
]

# METRIC spans with a verb, place, platform or function word at an edge, and what is left
TRIMMED = [
    # a change verb, an adverb or a conjunction between the name and its value goes
    ("{蔬菜价格上涨|M}{3.1|V}{%|U}", "蔬菜价格"),
    ("全县{企业新增|M}{17|V}{家|U}", "企业"),
    ("安排{2|V}{名|U}{专职人员具体|M}负责", "专职人员"),
    ("{2|V}{名|U}{民警和|M}", "民警"),
    ("{失业率控制在|M}{4|V}{%|U}以内", "失业率"),
    ("{水果价格比|M}上年下降{2|V}{%|U}", "水果价格"),  # 比 before a comparison
    ("{三次产业比|M}为{1|V}:{2|V}", "三次产业比"),  # 比 that ends a name stays
    # a qualifier after the value that the tagger gave the name after it is the value's
    ("全市{90|V}{%|U}{以上政务服务事项|M}实现网上可办", "政务服务事项"),
    ("{60|V}{%|U}{左右的村庄|M}完成改造", "村庄"),
    ("上年{以上数据|M}{3|V}{条|U}", "以上数据"),   # a name after no value keeps its 以上
    ("{调查目的|M}{3|V}{个|U}", "调查目的"),  # 的 inside a dictionary word stays
    ("{拉动经济增长|M}{1.2|V}{个百分点|U}", "拉动经济增长"),  # 增长 of a verb-noun statistic stays
    # the agent, place, platform or adverb before a category word goes; a restricting word stays
    ("{某镇主动公开信息|M}{35|V}{条|U}", "主动公开信息"),
    ("{公众号及时主动公开政府信息|M}{8|V}{条|U}", "主动公开政府信息"),
    ("{专项主动公开动态|M}{6|V}{条|U}", "专项主动公开动态"),
    ("{甲类信息、主动公开文件|M}{9|V}{件|U}", "甲类信息、主动公开文件"),
    ("{涉及农业的主动公开信息|M}{4|V}{条|U}", "涉及农业的主动公开信息"),
    ("{政府信息依申请公开|M}{2|V}{件|U}", "政府信息依申请公开"),  # the category at the end
    # a platform with the posting verb, or a plain 公开 before what it publishes, goes
    ("{政务微博公开信息|M}{56|V}{条|U}", "信息"),
    ("{网站发布量|M}{3万|V}{次|U}", "网站发布量"),
    ("{公开政策文件|M}{8|V}{件|U}", "政策文件"),
    ("{公开指南|M}{1|V}{条|U}", "公开指南"),
    # a written head noun right after the name comes in
    ("收到{留言|M}数量{14|V}{条|U}", "留言数量"),
    ("{处理决定|M}数{4|V}{条|U}", "处理决定数"),
    ("{主动公开信息的|M}数量为{80|V}{条|U}", "主动公开信息"),  # after 的 it stays out
    ("{网站|M}数据{3|V}{条|U}", "网站"),  # 数 of 数据 is no head noun
    # a time word at the front goes (ANNOTATION.md: 上年度【结转政府信息公开申请】)
    ("{上年结转申请|M}{5|V}{件|U}", "结转申请"),
    ("{本年度新收申请|M}{12|V}{件|U}", "新收申请"),
    # a unit in brackets after the name goes (a table's row label); a gloss or a bracket inside stays
    ("{居民消费价格总指数(%)|M} {105.4|V}", "居民消费价格总指数"),
    ("{粮食产量(单位:万吨)|M}{52.3|V}", "粮食产量"),
    ("{县(市、区)|M}{12|V}{个|U}", "县(市、区)"),
]


@pytest.mark.parametrize("tagged, expected", WIDENED)
def test_snap_to_words_widens_cut_metrics(tagged, expected):
    assert_snaps_only(snap_to_words, "METRIC", tagged, expected)


@pytest.mark.parametrize("tagged, expected", TRIMMED)
def test_snap_to_words_trims_verbs_and_places_at_metric_edges(tagged, expected):
    assert_snaps_only(snap_to_words, "METRIC", tagged, expected)


@pytest.mark.parametrize("tagged, expected", [
    (tagged.translate(TO_TRADITIONAL), expected.translate(TO_TRADITIONAL)) for tagged, expected in WIDENED + TRIMMED
    # the cases with a character of the table, whose twin reads back as the case itself
    if tagged.translate(TO_TRADITIONAL) != tagged and tagged.translate(TO_TRADITIONAL).translate(TO_SIMPLIFIED) == tagged])
def test_snap_to_words_reads_traditional_script_as_its_simplified_twin(tagged, expected):
    # 本局主動公開{規範性文件|M} becomes 主動公開規範性文件: the lexicon and jieba's dictionary are simplified
    assert_snaps_only(snap_to_words, "METRIC", tagged, expected)


def assert_snaps_only(snap, label, tagged, expected):
    """``snap`` turns the one ``label`` span of ``tagged`` into ``expected`` and leaves every other span alone."""
    ex = parse_marked(tagged, "t")
    snapped = snap(ex.text, ex.spans)
    assert [ex.text[s.start:s.end] for s in snapped if s.label == label] == [expected]
    assert [s for s in snapped if s.label != label] == [s for s in sorted(ex.spans) if s.label != label]


def test_snap_to_words_never_makes_spans_overlap():
    rng = random.Random(0)
    texts = ["中华人民共和国成立", "研究生命起源", "乒乓球拍卖完了", "结婚的和尚未结婚的", "出生人口性别比为104.9"]
    for _ in range(300):
        text = rng.choice(texts)
        cuts = sorted(rng.sample(range(len(text) + 1), 6))
        spans = [Span(a, b, rng.choice(("METRIC", "METRIC", "VALUE"))) for a, b in zip(cuts[::2], cuts[1::2]) if a < b]
        snapped = snap_to_words(text, spans)
        assert all(a.end <= b.start for a, b in zip(snapped, snapped[1:])), (text, spans, snapped)
        # each span keeps some of its characters (function words may come off a METRIC's front)
        assert all(max(s.start, o.start) < min(s.end, o.end) for o, s in zip(sorted(spans), snapped))


def test_snap_to_words_segments_only_where_it_can_change_a_span(monkeypatch):
    # jieba runs only when a dictionary word crosses an edge or a function word leads; segmenting
    # every METRIC's window must give the same spans
    from govreport.data.generate import build_dataset

    texts = [ex.text for examples in build_dataset(3, seed=5).values() for ex in examples]
    texts += ["新建卡拉OK厅3个", "A股上市公司12家", "主要涉及噪声污染35件", "本局主动公开规范性文件14件",
              "全年共发布山西省展览馆等展馆的会展信息27条", "中华人民共和国成立", "结婚的和尚未结婚的"]
    rng = random.Random(4)
    cases = []
    for text in texts:
        for _ in range(5):
            cuts = sorted(rng.sample(range(len(text) + 1), min(6, len(text) + 1)))
            cases.append((text, [Span(a, b, rng.choice(("METRIC", "METRIC", "VALUE")))
                                 for a, b in zip(cuts[::2], cuts[1::2]) if a < b]))
    fast = [snap_to_words(text, spans) for text, spans in cases]
    monkeypatch.setattr(snapping, "_in_word", lambda *_: True)
    assert [snap_to_words(text, spans) for text, spans in cases] == fast


def test_snap_to_words_never_enters_a_neighbour():
    text = "申请数3件"  # 申请/数 or 申请数: whatever jieba says, the VALUE keeps its characters
    spans = [Span(1, 3, "METRIC"), Span(3, 4, "VALUE"), Span(4, 5, "UNIT")]
    snapped = snap_to_words(text, spans)
    assert snapped[1:] == spans[1:] and snapped[0].end <= 3


@pytest.mark.parametrize(
    "tagged, expected",
    [
        ("尺寸500×18{00|V}{毫米|U}", "1800"),  # a tagger that stopped inside a number
        ("平均年限{9.9|V}1{年|U}", "9.91"),
        ("{1|V}{800|U}", "1"),  # never into another span
        ("{1|V}8{00|U}", "18"),
        ("收到{３|V}２{件|U}", "３２"),
        ("共{52|V}{件|U}", "52"),  # a whole number stays as it is
        ("2018年的第{一|V}{批|U}", "一"),
        # numbers in words, as the number finder reads them (the guide's VALUEs)
        ("接近{百分之三|V}十的申请", "百分之三十"),
        ("其中当面申请占{四分|V}之三", "四分之三"),
        ("受理{3000|V}余{件|U}", "3000余"),
        ("投入{两千三百|V}余万{元|U}", "两千三百余万"),
        ("{两千三百余|V}{万元|U}", "两千三百余"),  # never into another span
    ],
)
def test_snap_to_numbers_widens_split_values(tagged, expected):
    assert_snaps_only(snap_to_numbers, "VALUE", tagged, expected)


@pytest.mark.parametrize(
    "tagged, metric, value",
    [
        ("{支付补助壹|M}{仟贰佰叁拾肆|V}{元|U}", "支付补助", "壹仟贰佰叁拾肆"),  # a numeral of the number goes back
        ("{网络申请2|M}{6448|V}{宗|U}", "网络申请", "26448"),
        ("{十九大|M}{3|V}{次|U}", "十九大", "3"),  # a name's own numerals stay
    ],
)
def test_snap_to_numbers_takes_back_what_the_name_took_of_the_number(tagged, metric, value):
    ex = parse_marked(tagged, "t")
    snapped = snap_to_numbers(ex.text, ex.spans)
    assert [ex.text[s.start:s.end] for s in snapped] == [metric, value, ex.text[-1]]


def test_snap_to_numbers_never_makes_spans_overlap():
    rng = random.Random(2)
    text = "2018年受理1,234件办结99.5%共３２件"
    for _ in range(300):
        cuts = sorted(rng.sample(range(len(text) + 1), 6))
        spans = [Span(a, b, rng.choice(("VALUE", "UNIT"))) for a, b in zip(cuts[::2], cuts[1::2]) if a < b]
        snapped = snap_to_numbers(text, spans)
        assert all(a.end <= b.start for a, b in zip(snapped, snapped[1:])), (spans, snapped)
        assert all(s.start <= o.start and o.end <= s.end for o, s in zip(sorted(spans), snapped))


NUMERALS_IN_WORDS = [
    # a numeral that is part of an ordinary word or a name is no VALUE; the word's UNIT goes too
    ("分项之和因{四|V}{舍|U}{五|V}入略有差异", []),
    ("形式较为单{一|V}。", []),
    ("{统一|M}受理{一|V}律办理", ["统一"]),
    ("现公布{六|V}{盘|U}水市财政局年报", []),
    # numbers stay: a dictionary numeral word (两种), a unit after it, a qualifier before it,
    # more numerals after it, or a number written in digits
    ("不少于{两|V}种解读方式", ["两"]),
    ("县、乡{二|V}{级|U}平台", ["二", "级"]),
    # an ordinary word the number finder skips: its UNIT must be a measure word
    ("确保公开内容与实际工作{一|V}{致|U}", []),
    ("通达汽车{零|V}{部件|U}公司", []),
    ("涨幅位居{三|V}{甲|U}", []),
    ("本月发生{一|V}{起|U}事故", ["一", "起"]),
    # 一 as an article of 一个, 一项, 一份 (jieba's words), not of a duration (一个多月, a word of its own)
    ("乡里设有{一|V}{个|U}便民专区", []),
    ("作为{一|V}{项|U}重点工作来抓", []),
    ("用{一|V}{个多月|U}时间完成", ["一", "个多月"]),
    ("网络申请{一|V}{份|U}以下", ["一", "份"]),   # a qualifier after it: a count
    ("处理决定数量{一|V}{个|U}", ["一", "个"]),    # a count ends with it
    ("居民消费{八|V}{大类|U}指标", ["八", "大类"]),
    ("等近{百|V}{家|U}媒体", ["百", "家"]),
    ("浏览量{七十|V}万次", ["七十"]),
    ("{审结|M}{一百二十|V}{件|U}", ["审结", "一百二十", "件"]),
    ("因四舍{5|V}入", ["5"]),
]


@pytest.mark.parametrize("tagged, kept", NUMERALS_IN_WORDS + traditional_twins(NUMERALS_IN_WORDS))
def test_drop_numerals_in_words(tagged, kept):
    ex = parse_marked(tagged, "t")
    spans, scores = drop_numerals_in_words(ex.text, ex.spans, [s.start / 100 for s in ex.spans])
    assert [ex.text[s.start:s.end] for s in spans] == kept
    assert scores == [s.start / 100 for s in spans]  # each kept span keeps its own score


@pytest.mark.parametrize("tagged, expected", [
    # PDF text spaces a number apart from a magnitude: it goes into the unit (docs/annotation.md)
    ("{增加值|M} {62857|V} {万|V}{元|U},", [("增加值", 62857, "万元", False)]),
    ("{访问量|M} {4746|V} {万|V}{人次|U}", [("访问量", 4746, "万人次", False)]),
    ("{总额|M} {3|V} {亿|V}", [("总额", 3, "亿", False)]),  # no unit after it: the magnitude alone
    # … and from 余/多, which goes: the unit links across it, the record is approximate
    ("{政府信息|M} {8400|V} {多|V}{条|U}。", [("政府信息", 8400, "条", True)]),
    ("{建筑面积|M} {33000|V} {多万|V}{平方米|U},", [("建筑面积", 33000, "万平方米", True)]),   # both cut off
    ("{投资|M} {12|V} {余亿|V}", [("投资", 12, "亿", True)]),
    # written together, nothing changes
    ("{增加值|M}{62857万|V}{元|U}", [("增加值", 628570000, "元", False)]),
    ("{3|V}{个|U} {万|M}", [("万", 3, "个", False)]),  # a METRIC is no number's end
])
def test_spaced_number_ends(tagged, expected):
    ex = parse_marked(tagged, "t")
    spans, scores = spaced_number_ends(ex.text, sorted(ex.spans), [1.0] * len(ex.spans))
    assert len(scores) == len(spans)
    records = build_records(ex.text, spans)
    assert [(r.metric, r.value, r.unit, r.approximate) for r in records] == expected


@pytest.mark.parametrize("tagged, expected", [
    # a PDF reader's spaces inside a number: its pieces, however tagged, make one VALUE
    ("{占比|M} {3|V} 分之 {2|V}", [("占比", 2 / 3, None)]),
    ("{占比|M} {3|V} {分之|U} {2|V}", [("占比", 2 / 3, None)]),
    ("{接待费|M}同比增长负 {43.73|V}{%|U}", [("接待费", -43.73, "%")]),
    ("{接待费|M}{同比增长负|M} {43.73|V}{%|U}", [("同比增长", -43.73, "%")]),  # the name gives back the sign
    ("{工业增加值|M}增长{万分之|U} {3.06|V}", [("工业增加值", 3.06, "‱")]),
    ("{发电量|M}减产千分之 {4.9|V}", [("发电量", 4.9, "‰")]),
    ("{应用场景|M}{1252|V} {万1300|V} {条|U}", [("应用场景", 12521300, "条")]),
    ("{财政收入|M}{7|V} {亿|U} {5000|V} {万元|U}", [("财政收入", 750000000, "元")]),  # the unit keeps 元
    # spaces that stay: between a value and its unit, between two numbers, at a magnitude no digits follow
    ("{办结|M}{26|V} {件|U},{占|M} {3|V} {个|U}", [("办结", 26, "件"), ("占", 3, "个")]),
    ("{阅读|M}{3|V} 2024 年", [("阅读", 3, None)]),
    ("{增加值|M}{62857|V} {万元|U}", [("增加值", 62857, "万元")]),
    ("{投资|M}{2|V} {亿元|U} 2023 年", [("投资", 2, "亿元")]),       # a year after a magnitude
    ("{比例|M}{98|V}. 5%", [("比例", 98, None)]),   # a number broken at its point is not joined
])
def test_spaced_numbers(tagged, expected):
    ex = parse_marked(tagged, "t")
    spans, scores = spaced_numbers(ex.text, sorted(ex.spans), [1.0] * len(ex.spans))
    assert len(scores) == len(spans) and spans == sorted(spans)
    assert triples(build_records(ex.text, spans)) == expected


@pytest.mark.parametrize("tagged, values", [
    # a list or a ratio tagged as one VALUE: one VALUE per number
    ("{总计|M}各是{3618.25,3702.46万|V}{元|U}", ["3618.25", "3702.46万"]),
    ("{产业比|M}为{9.6︰45.1︰45.3|V}", ["9.6", "45.1", "45.3"]),     # colons an encoding made ︰
    ("{产业比|M}为{6：55：39|V}", ["6", "55", "39"]),
    ("{分别|M}为{12，15、8|V}{件|U}", ["12", "15", "8"]),
    # a number, or commas that group thousands: left as tagged
    ("{收入|M}{1,234,567|V}{元|U}", ["1,234,567"]),
    ("{收入|M}{1,234,5678|V}{元|U}", ["1,234,5678"]),
    ("{收入|M}{12件和3|V}{元|U}", ["12件和3"]),                   # words between: not a list of numbers
])
def test_split_value_lists(tagged, values):
    ex = parse_marked(tagged, "t")
    spans, scores = split_value_lists(ex.text, ex.spans, [0.5] * len(ex.spans))
    assert [ex.text[s.start:s.end] for s in spans if s.label == "VALUE"] == values and len(scores) == len(spans)


def test_a_list_writes_its_magnitude_once():
    # 1834.52、2106.37万元: both in 万, as 3-5万 is a range of ten thousands
    _, records = records_of("{收支|M}各减少{1834.52|V}、{2106.37万|V}{元|U}")
    assert triples(records) == [("收支", 18345200, "元"), ("收支", 21063700, "元")]
    _, records = records_of("{人数|M}分别为{3000余|V}、{2|V}和{1.5万余|V}{人|U}")
    assert [(r.value, r.approximate) for r in records] == [(30000000, True), (20000, False), (15000, True)]
    # a member with a magnitude or a unit of its own keeps its value
    _, records = records_of("{收入|M}分别为{3000万|V}、{2亿|V}{元|U}")
    assert [r.value for r in records] == [30000000, 200000000]
    _, records = records_of("{增长|M}{3|V}{个|U}、{5万|V}{人|U}")
    assert triples(records) == [("增长", 3, "个"), ("增长", 50000, "人")]


def test_a_spaced_list_shares_the_unit_its_cut_magnitude_begins():
    # 5400 万、3100 万和 2465 万元: each member's cut-off 万 is the magnitude of the list's 万元
    text, records = records_of("{收入|M}分别为{5400|V} {万|U}、{3100|V} {万|U}和{2465|V} {万元|U}")
    assert triples(records) == [("收入", 5400, "万元"), ("收入", 3100, "万元"), ("收入", 2465, "万元")]
    assert [r.raw for r in records] == ["5400 万", "3100 万", "2465 万元"]
    # a unit of its own stays: 万人 is no magnitude of 万元
    _, records = records_of("{收入|M}分别为{5|V} {万人|U}、{3|V} {万元|U}")
    assert triples(records) == [("收入", 5, "万人"), ("收入", 3, "万元")]


@pytest.mark.parametrize("tagged, names", [
    # PDF text spaces a name's number off its next word: the name is whole again, space inside
    ("全市60 {岁及以上人口|M}为{26402|V} {万人|U}", ["60 岁及以上人口"]),
    ("{60|M} {岁及以上人口|M}{26402|V}{人|U}", ["60 岁及以上人口"]),       # tagged as two names
    ("其中0—14 {岁人口|M}{1.2|V}{万人|U}", ["0—14 岁人口"]),
    ("其中60 至 104 {岁参保人员|M}{6|V}{万人|U}", ["60 至 104 岁参保人员"]),
    ("{工作动态信|M} {息|M}{252|V}{条|U}", ["工作动态信 息"]),           # a word broken by a space
    # a number that is a value, a number with no space, an enumerator: the name stays as tagged
    ("{办结|M}{26|V} {申请|M}{3|V}{件|U}", ["办结", "申请"]),
    ("编号12{岁人口|M}{3|V}{人|U}", ["岁人口"]),
    ("1. {组织机构|M}{5|V}", ["组织机构"]),
    ("{下载|M}{0|V}   2024-02-09   {浏览|M}{77|V}", ["下载", "浏览"]),       # a date is no name's number
    ("发布时间:2022-09-05 10:37 {阅读|M}:{318|V}{人|U}", ["阅读"]),        # nor a clock's minutes
])
def test_spaced_name_numbers(tagged, names):
    ex = parse_marked(tagged, "t")
    spans = spaced_name_numbers(ex.text, sorted(ex.spans))
    assert [ex.text[s.start:s.end] for s in spans if s.label == "METRIC"] == names
    assert [s for s in spans if s.label != "METRIC"] == [s for s in sorted(ex.spans) if s.label != "METRIC"]


def test_drop_numerals_in_words_keeps_every_generated_value():
    # the generator's gold VALUEs written in Chinese numerals are numbers, never parts of words
    from govreport.data.generate import build_dataset

    examples = [ex for split in build_dataset(20, seed=3).values() for ex in split]
    numerals = [ex for ex in examples if any(s.label == "VALUE" and not any(c.isdigit() for c in ex.text[s.start:s.end])
                                             for s in ex.spans)]
    assert numerals  # the check below must see numbers written in words
    for ex in numerals:
        spans = sorted(ex.spans)
        assert drop_numerals_in_words(ex.text, spans, [1.0] * len(spans))[0] == spans, ex.text


@pytest.mark.parametrize(
    "tagged, kept",
    [
        # numbers in web, mail and postal addresses are identifiers, whatever a tagger made of them
        ("# source: http://10.20.30.{40|V}/look/list?Id={2071|V}", []),
        ("http://bg.com/news/%E{6|V}%{BA|M}%A{1|V}%E{5|V}/", []),
        ("邮箱:zfxxgk{2019|V}@{163|V}.com", []),
        ("登录www.jl{2|V}.gov.cn{查阅|M}", ["查阅"]),
        ("网址:xxgk.{12345|V}.gov.cn/list/{3|V}.html。", []),
        # postal addresses and postcodes given as contact fields, to the end of the clause
        ("联系(地址:某市{人民路|M}{8|V}号{图书馆|M}{302|V}{室|U},邮编:{100010|V})", []),
        ("(具体地址:{政务中心|M}{3|V}{楼|U};{咨询|M}{5|V}{次|U})", ["咨询", "5", "次"]),
        # a number after an address, in the same sentence, is kept
        ("网站(http://www.jl.gov.cn/)发布{信息|M}{252|V}{条|U}", ["信息", "252", "条"]),
        ("登录www.jl.gov.cn,{共发布|M}{252|V}{条|U}", ["共发布", "252", "条"]),
        # a METRIC that reaches outside an address stays (linking decides its fate)
        ("{网站www.jl.gov.cn访问量|M}{3|V}{万次|U}", ["网站www.jl.gov.cn访问量", "3", "万次"]),
        # a page's date-time stamp: its minutes are no value; a view count after it and a ratio are
        ("发布时间: 2022-06-15 08:{42|V} {阅读|M}{318|V}{人|U}", ["阅读", "318", "人"]),
        ("生成日期:2020-11-23 16:05:{12.0|V}", []),
        ("{性别比|M}为{105|V}:{100|V},{结构|M}为{1|V}:{15|V}", ["性别比", "105", "100", "结构", "1", "15"]),
        # no address: PM2.5, decimals
        ("{PM2.5浓度|M}为{35|V}{微克|U}", ["PM2.5浓度", "35", "微克"]),
        ("{增长|M}{3.5|V}{%|U}", ["增长", "3.5", "%"]),
    ],
)
def test_drop_spans_in_addresses(tagged, kept):
    ex = parse_marked(tagged, "t")
    spans, scores = drop_spans_in_addresses(ex.text, ex.spans, [s.start / 100 for s in ex.spans])
    assert [ex.text[s.start:s.end] for s in spans] == kept
    assert scores == [s.start / 100 for s in spans]


def test_drop_spans_in_addresses_keeps_every_generated_span():
    # the generator's gold spans (its negatives include web and postal addresses) are never inside one
    from govreport.data.generate import build_dataset

    examples = [ex for split in build_dataset(20, seed=4).values() for ex in split]
    assert any("http" in ex.text or "www." in ex.text for ex in examples)
    assert any("地址：" in ex.text or "邮编：" in ex.text for ex in examples)
    for ex in examples:
        spans = sorted(ex.spans)
        assert drop_spans_in_addresses(ex.text, spans, [1.0] * len(spans))[0] == spans, ex.text


def test_clean_spans_is_idempotent_so_build_records_may_skip_it():
    rng = random.Random(6)
    alphabet = "共发布信息条件万%％“”【】()（）《》、，。 ·-—0123456789"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(2, 20)))
        spans = []
        for _ in range(rng.randint(1, 4)):
            start = rng.randrange(len(text))
            spans.append(Span(start, rng.randint(start + 1, len(text)), rng.choice(("METRIC", "VALUE", "UNIT"))))
        cleaned = clean_spans(text, spans)
        assert clean_spans(text, cleaned) == cleaned, (text, spans)
        assert build_records(text, cleaned, cleaned=True) == build_records(text, spans)


def test_clean_spans_drops_empty_and_overlapping():
    assert clean_spans("。,", [Span(0, 2, "VALUE")]) == []
    assert clean_spans("12件", [Span(0, 2, "VALUE"), Span(1, 3, "UNIT")]) == [Span(0, 2, "VALUE")]


def test_spans_from_tags_repairs_and_scores():
    text = "办结 3件。"
    tags = ["I-METRIC", "I-METRIC", "O", "I-VALUE", "B-UNIT", "I-UNIT"]
    spans, scores = spans_from_tags(text, tags, [0.9, 0.6, 1.0, 0.8, 0.7, 0.95])
    # the UNIT took in the full stop; it is trimmed, and its score is that of the kept characters
    assert spans == [Span(0, 2, "METRIC"), Span(3, 4, "VALUE"), Span(4, 5, "UNIT")]
    assert scores == [0.6, 0.8, 0.7]


def test_a_decimal_with_no_leading_zero_keeps_its_point_through_to_the_record():
    # the models tag .5 whole; the span repair once took its point for punctuation and gave 5
    text = "失业率下降.5个百分点。"
    tags = ["B-METRIC", "I-METRIC", "I-METRIC", "O", "O", "B-VALUE", "I-VALUE", "B-UNIT", "I-UNIT", "I-UNIT", "I-UNIT", "O"]
    spans, _ = spans_from_tags(text, tags)
    assert triples(build_records(text, spans)) == [("失业率", 0.5, "个百分点")]


def test_spans_from_tags_agrees_with_schema_oracle():
    rng = random.Random(0)
    text = "共发布信息12条占比4%" * 3
    for _ in range(300):
        tags = [rng.choice(LABELS) for _ in text]
        spans, scores = spans_from_tags(text, tags)
        assert spans == clean_spans(text, tags_to_spans(tags))
        assert scores == [1.0] * len(spans)
    gold = [Span(3, 5, "METRIC"), Span(5, 7, "VALUE"), Span(7, 8, "UNIT")]
    assert spans_from_tags(text, spans_to_tags(gold, len(text)))[0] == gold


def test_spans_from_labels_reads_ids_as_spans_from_tags_reads_tags():
    rng = random.Random(1)
    text = "办结 3件。共发布信息12条占比4%"
    for _ in range(300):
        ids = [rng.randrange(len(LABELS)) for _ in text]
        probs = [rng.random() for _ in text]
        assert spans_from_labels(text, ids, probs) == spans_from_tags(text, [LABELS[i] for i in ids], probs)


# ---- sentences, clauses, offsets


def test_sentence_bounds_and_clauses():
    text = "共收到申请52件;其中网上申请26件,占50%。\n2018年办结。"
    sentences = sentence_bounds(text)
    assert [text[s:e] for s, e in sentences] == ["共收到申请52件;其中网上申请26件,占50%。", "2018年办结。"]
    assert clause_starts(text, 0, 25, []) == [0, 9, 19]
    # a comma inside a VALUE span is not a clause boundary
    assert clause_starts("共1,100件,占5%", 0, 11, [Span(1, 6, "VALUE")]) == [0, 8]


@pytest.mark.parametrize(
    "text, sentences",
    [
        # a question mark or semicolon inside a web address ends no sentence
        ("详见http://gk.jl.gov.cn/list.aspx?dept=27&id=4093\n共3件",
         ["详见http://gk.jl.gov.cn/list.aspx?dept=27&id=4093", "共3件"]),
        ("见www.jl.gov.cn/x?y=1;z=2。共3件", ["见www.jl.gov.cn/x?y=1;z=2。", "共3件"]),
        # outside addresses they still do, with or without a space after
        ("是否公开?3件;其中a;b", ["是否公开?", "3件;其中a;b"]),
        ("受理5件; 3件办结?是", ["受理5件; 3件办结?", "是"]),
    ],
)
def test_sentences_never_end_inside_an_address(text, sentences):
    assert [text[s:e] for s, e in sentence_bounds(text)] == sentences


# Two paragraphs of a report, and the same set as a PDF page 36 columns wide (18 Chinese
# characters): names and numbers cut at line ends, a page number inside the first paragraph,
# a heading between them, a table row after them.
PARAGRAPHS = [
    "本年度在门户网站主动公开各类政府信息5500余条，其中发布规范性文件12件、政策解读21个，比上年增加了10件。"
    "组织召开新闻发布会12场，回应社会关切问题30个，公开征集意见的文件4件，收到意见建议86条，采纳31条，"
    "并在网站公开了采纳情况。",
    "本年度共收到政府信息公开申请52件，全部按期答复，答复率为百分之一百，其中网上申请26件，当面申请10件，"
    "信函申请16件；上年结转申请3件，结转下年度继续办理2件。",
]


def pdf_page(page_number: str = "- 2 -") -> str:
    first, second = (hard_wrap(p) for p in PARAGRAPHS)
    lines = ["二、主动公开政府信息情况", *first[:3], page_number, *first[3:], "（一）依申请公开情况：", *second,
             "| 自然人 | 12 | 3 |"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("page_number, newline", [("- 2 -", "\n"), ("\n               -2-\n", "\n"),  # pypdf; pdftotext -layout
                                                  ("- 2 -", "\r\n")])  # Windows line ends
def test_unwrap_joins_the_lines_of_a_hard_wrapped_paragraph(page_number, newline):
    text = pdf_page(page_number).replace("\n", newline)
    unwrapped = unwrap(text)
    assert len(unwrapped) == len(text)
    sentences = [unwrapped[s:e].replace(WRAP, "").strip() for s, e in sentence_bounds(unwrapped)]
    for paragraph in PARAGRAPHS:  # every sentence whole, the page number gone from it
        for s, e in sentence_bounds(paragraph):
            assert paragraph[s:e] in sentences
    lines = unwrapped.replace("\r", "").split("\n")
    assert "二、主动公开政府信息情况" in lines and "| 自然人 | 12 | 3 |" in lines  # a heading, a table row
    assert lines[lines.index("（一）依申请公开情况：") + 1].startswith("本年度共收到")  # a clause leading a list


def test_unwrap_puts_a_space_between_two_numbers_and_leaves_other_texts_alone():
    lines = ["本年度在门户网站主动公开各类信息共计12", "34项，其中规范性文件和政策解读共有56", "条，政策文件的解读比例为百分之百。"]
    page = pdf_page()
    # 12 and 34 stay two numbers; 56 and 条 join
    assert unwrap(page + "\n".join(lines) + "\n")[len(page):] == lines[0] + " " + lines[1] + WRAP + lines[2] + "\n"
    # the same paragraphs one to a line (HTML, Word): long lines end with 。, nothing is joined
    flat = "二、主动公开政府信息情况\n" + "\n".join(PARAGRAPHS * 4) + "\n"
    assert unwrap(flat) == flat
    # a line wider than the page (a site's header above the PDF's text) is none of its lines
    header = "网站首页 > 信息公开 > 年度报告 > 本机关2019年政府信息公开工作年度报告全文（PDF版） 发布日期"
    body = "\n".join(hard_wrap(PARAGRAPHS[0] + PARAGRAPHS[1])) + "\n"
    assert unwrap(header + "\n" + body) == header + "\n" + unwrap(body) and unwrap(body) != body
    # fewer long lines than a page holds: nothing is joined (captions and headings fill a width by chance)
    assert unwrap("\n".join(hard_wrap(PARAGRAPHS[1])) + "\n") == "\n".join(hard_wrap(PARAGRAPHS[1])) + "\n"


def test_unwrap_allows_for_an_indent_a_moved_character_a_whole_number_and_proportional_digits():
    page = pdf_page()   # a page 36 columns wide
    cases = [
        # an indented first line that stopped a character early: 类 went down with the comma after it
        (["事项类别从原来审批服务增到七大", "类，专题栏目达到二十四个。"], True),
        # the same line, the next one opening with no such punctuation: a paragraph's short line
        (["事项类别从原来审批服务增到七大", "类专题栏目达到二十四个。"], False),
        # digits, set wider than the half column they count: 30 columns for 36
        (["截至年底累计受理群众诉求2024", "件，办结率为百分之百。"], True),
        # a number the page could not break went down whole: 26 columns for 36
        (["全年城镇人口增长，其中户籍人口", "16052877164人，增长百分之五。"], True),
        (["全年城镇人口增长，其中户籍人口", "共计一千六百万人，增长百分之五。"], False),
    ]
    for lines, joined in cases:
        got = unwrap(page + "\n".join(lines) + "\n")[len(page):]
        assert got == (lines[0] + WRAP + lines[1] + "\n" if joined else "\n".join(lines) + "\n"), lines


def test_unwrap_reads_a_blank_row_between_lines_as_line_spacing_where_most_lines_have_one():
    # pdfplumber's layout mode: lines on a grid, two in three with a blank row after them, every
    # line indented and padded to the page's width, two blank rows between paragraphs, and each
    # page padded with the blank rows of its margins: five at its top, five at its bottom
    blank = " " * 48
    rows = [blank] * 5
    for n, paragraph in enumerate(PARAGRAPHS * 4):
        for k, line in enumerate(hard_wrap(paragraph)):
            rows += ["        " + line.ljust(40)] + ([blank] if k % 3 else [])
            if n == 4 and k == 1:   # a page ends inside the paragraph
                rows += [blank] * 10
        rows += [blank, blank]
    text = "\n".join(rows) + "\n"
    unwrapped = unwrap(text)
    assert len(unwrapped) == len(text)
    sentences = Counter("".join(unwrapped[s:e].replace(WRAP, "").split()) for s, e in sentence_bounds(unwrapped))
    for paragraph in PARAGRAPHS:   # every sentence whole, in each of its four copies
        for s, e in sentence_bounds(paragraph):
            assert sentences[paragraph[s:e]] == 4, paragraph[s:e]
    # single-spaced text: one blank line ends a paragraph, even after a full line that ends open
    cut = hard_wrap(PARAGRAPHS[0])[:-1]   # its last line fills the page and stops inside a sentence
    text = "\n".join(cut + ["", *hard_wrap(PARAGRAPHS[1])] * 4) + "\n"
    at = len("\n".join(cut))
    assert unwrap(text)[at:at + 2] == "\n\n" and unwrap(text).count(WRAP) > 0


def test_unwrap_reads_short_paragraphs_as_wrapped():
    # two-line paragraphs: every full line stops inside a sentence, but half the long lines end one
    paragraphs = [f"第{n}季度在门户网站主动公开各类政府信息五千余条，全部都已按期答复。" for n in "一二三四五六七八九十"]
    lines = [line for p in paragraphs for line in hard_wrap(p)]
    assert len(lines) == 20 and all(len(line) == (18 if k % 2 == 0 else 15) for k, line in enumerate(lines))
    text = "\n".join(lines) + "\n"
    assert unwrap(text).count(WRAP) == 10


def test_unwrap_keeps_one_character_for_one_around_a_centred_page_number():
    # pdftotext -layout centres the page number with spaces: as wide as the page, it is no line to join
    lines = hard_wrap(PARAGRAPHS[0] * 2)
    text = "\n".join(lines[:6] + [" " * 30 + "- 5 -"] + lines[6:]) + "\n"
    unwrapped = unwrap(text)
    assert len(unwrapped) == len(text)
    assert unwrapped.replace(WRAP, "").replace(" ", "").replace("-5-", "").strip() == (PARAGRAPHS[0] * 2)


def test_records_of_a_passage_keep_their_sentences():
    ex = parse_marked("{申请|M}{52|V}{件|U}。同比增长{5|V}{%|U};{办结|M}{50|V}{件|U}。", "t")
    records = build_records(ex.text, ex.spans)
    assert triples(records) == [("申请", 52, "件"), (None, 5, "%"), ("办结", 50, "件")]
    assert [r.extra[SENTENCE_KEY] for r in records] == [[0, 6], [6, 19], [6, 19]]


def test_move_record_moves_every_offset():
    _, (rec,) = records_of("{办结|M}{3|V}{件|U}")
    moved = move_record(rec, 10)
    assert (moved.metric_span, moved.value_span, moved.unit_span) == ((10, 12), (12, 13), (13, 14))
    assert moved.extra[SENTENCE_KEY] == [10, 14] and rec.extra[SENTENCE_KEY] == [0, 4]
    # through a mapping, as the extractor moves a normalised sentence's records onto its document
    index = [0, 1, 3, 4]  # a zero-width space at 2 was taken out
    mapped = move_record(rec, lambda s, e: (index[s] + 100, index[e - 1] + 1 + 100))
    assert (mapped.metric_span, mapped.value_span, mapped.unit_span) == ((100, 102), (103, 104), (104, 105))


def test_long_flattened_table_links_every_value():
    # A table flattened into one sentence without punctuation: thousands of spans.
    # (Its speed is a benchmark matter; here only the result is checked.)
    unit = "{信息|M}{12|V}{条|U}占{5|V}{%|U}"
    ex = parse_marked(unit * 3000, "t")
    records = build_records(ex.text, ex.spans)
    assert len(records) == 6000
    assert {r.metric for r in records} == {"信息"}
    assert [r.unit for r in records[:4]] == ["条", "%", "条", "%"]


def test_rates_and_fractions_make_records():
    # 3‱: the sign is a UNIT span like %; 万分之三 and 三分之一 carry their unit (or none) inside the VALUE
    text = "差错率为3‱，投诉率万分之三，占三分之一。"
    spans = [Span(0, 3, "METRIC"), Span(4, 5, "VALUE"), Span(5, 6, "UNIT"), Span(7, 10, "METRIC"),
             Span(10, 14, "VALUE"), Span(16, 20, "VALUE")]
    got = [(r.metric, r.value, r.unit, r.raw) for r in build_records(text, spans)]
    assert got == [("差错率", 3, "‱", "3‱"), ("投诉率", 3, "‱", "万分之三"), ("投诉率", 1 / 3, None, "三分之一")]
