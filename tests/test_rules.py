"""Tests for the rule-based baseline tagger (eval/rules.py) on sentences written for them.

Each case is a sentence and the spans the guide (ANNOTATION.md) asks for, or at least the
ones the rules must get right; the tagger also plugs into inference's Extractor, so its
records come from the same linker as the model's.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govreport.data.schema import Span, validate_spans
from govreport.eval.rules import RuleTagger
from govreport.inference.extract import Extractor


@pytest.fixture(scope="module")
def tagger():
    return RuleTagger()


def tagged(tagger, text: str) -> list[tuple[str, str]]:
    (spans, scores), = tagger([text])
    assert scores is None
    return [(text[s.start:s.end], s.label) for s in spans]


def values(tagger, text: str) -> list[str]:
    return [t for t, label in tagged(tagger, text) if label == "VALUE"]


# ---------------------------------------------------------------------------------------------
# Never tagged
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "2018年,厅门户网站积极优化栏目内容。",                        # a year
    "截至2019年5月15日,工作已于8月31日前完成。",                   # dates
    "2020-01-15上午10:30召开会议。",                               # a date and a time with separators
    "一季度和上半年工作平稳。",                                     # calendar quarters
    "根据吉政公组〔2020〕3号文件要求,转发国办公开办函〔2019〕60号。",  # document numbers
    "咨询电话：0431-88888888，联系电话13812345678。",               # phone numbers
    "访问网址http://www.gov.cn/2020/index.html,邮编030001。",       # a URL and a postcode
    "（三）政府信息管理",                                           # an enumerator
    "1、加强组织领导",                                              # an enumerator
    "一是加强领导,二是完善制度。",                                  # enumerators
    "学习贯彻党的十九大和十九届二中全会精神,深入推进“五公开”。",    # numbers inside names
    "拨打12345热线反映问题。",                                     # a hotline's name
    "一年来成效明显。",                                             # a time reference
])
def test_untagged(tagger, text):
    assert tagged(tagger, text) == []


# ---------------------------------------------------------------------------------------------
# Values and units
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("全年共发布工作动态252条。", [("工作动态", "METRIC"), ("252", "VALUE"), ("条", "UNIT")]),
    ("咨询3000余起。", [("咨询", "METRIC"), ("3000余", "VALUE"), ("起", "UNIT")]),
    ("回复率提高百分之四十。", [("回复率", "METRIC"), ("百分之四十", "VALUE")]),  # no UNIT span
    ("浏览量接近七十万次。", [("浏览量", "METRIC"), ("七十万", "VALUE"), ("次", "UNIT")]),
    ("投入资金2000万元。", [("投入资金", "METRIC"), ("2000万", "VALUE"), ("元", "UNIT")]),
    ("共收到有效留言1128 条。", [("有效留言", "METRIC"), ("1128", "VALUE"), ("条", "UNIT")]),
    ("平均办理时间12.6天。", [("平均办理时间", "METRIC"), ("12.6", "VALUE"), ("天", "UNIT")]),
    ("在5个工作日内办结。", [("5", "VALUE"), ("个工作日", "UNIT")]),
    ("咨询量同比上升12.5个百分点。", [("咨询量", "METRIC"), ("12.5", "VALUE"), ("个百分点", "UNIT")]),
    ("一是新增设专题栏目三个。", [("专题栏目", "METRIC"), ("三", "VALUE"), ("个", "UNIT")]),
    ("全区生产总值下降负3.9%。", [("生产总值", "METRIC"), ("负3.9", "VALUE"), ("%", "UNIT")]),
    ("全年發布工作動態252條。", [("工作動態", "METRIC"), ("252", "VALUE"), ("條", "UNIT")]),  # traditional
    # … with characters the generator's table lacks (爲, 佔), read through data.text.TO_SIMPLIFIED
    ("辦理期限爲15個工作日。", [("辦理期限", "METRIC"), ("15", "VALUE"), ("個工作日", "UNIT")]),
    ("網絡申請26448宗,佔49.9%。", [("網絡申請", "METRIC"), ("26448", "VALUE"), ("宗", "UNIT"), ("49.9", "VALUE"), ("%", "UNIT")]),
])
def test_sentences(tagger, text, expected):
    assert tagged(tagger, text) == expected


def test_duration_in_years_is_a_value_but_a_year_is_not(tagger):
    assert [(t, label) for t, label in tagged(tagger, "连续三年获评优秀。") if label != "METRIC"] == \
        [("三", "VALUE"), ("年", "UNIT")]
    assert values(tagger, "2018年获评优秀。") == []


def test_a_list_shares_the_unit_written_once(tagger):
    assert tagged(tagger, "分别高4.2、4.3和3.2个百分点。") == \
        [("4.2", "VALUE"), ("4.3", "VALUE"), ("3.2", "VALUE"), ("个百分点", "UNIT")]


def test_ratio_is_three_values(tagger):
    assert values(tagger, "产业结构比例为6.01:55.04:38.95。") == ["6.01", "55.04", "38.95"]


def test_percent_after_a_share(tagger):
    # 占 starts a share: the value has no metric span of its own (the linker hands one on).
    assert tagged(tagger, "其中,网络申请26448宗,占49.9%。") == [
        ("网络申请", "METRIC"), ("26448", "VALUE"), ("宗", "UNIT"), ("49.9", "VALUE"), ("%", "UNIT")]


# ---------------------------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, metric", [
    ("开放410个数据集。", "数据集"),                                  # value, unit, metric
    ("“同意公开答复”781件。", "同意公开答复"),                          # quotes around the name stay out
    ("全省主动公开政府信息3532523条。", "主动公开政府信息"),             # scope dropped, category kept
    ("受理政府信息公开申请52971宗。", "政府信息公开申请"),              # the verb dropped
    ("城镇和农村居民人均可支配收入分别增长3.3%、7.4%。", "城镇和农村居民人均可支配收入"),
    ("已办结3件。", "办结"),                                          # an outcome word alone
    ("本年收到留言数量14条。", "留言数量"),                             # a written head noun stays
])
def test_metric(tagger, text, metric):
    assert [t for t, label in tagged(tagger, text) if label == "METRIC"] == [metric]


# ---------------------------------------------------------------------------------------------
# As a tagger of the Extractor
# ---------------------------------------------------------------------------------------------


def test_records_come_from_the_shared_linker(tagger):
    text = "全年共发布工作动态252条,浏览量接近七十万次。其中,网络申请26448宗,占49.9%;回复率提高百分之四十。"
    records = Extractor(tagger).extract([text])[0]
    assert [(r.metric, r.value, r.unit, r.qualifier) for r in records] == [
        ("工作动态", 252, "条", None),
        ("浏览量", 700000, "次", "接近"),
        ("网络申请", 26448, "宗", None),
        ("网络申请", 49.9, "%", None),
        ("回复率", 40, "%", None),
    ]


def test_batch_and_empty_texts(tagger):
    out = tagger(["", "无数字。", "办结3件。"])
    assert [len(spans) for spans, _ in out] == [0, 0, 3]
    assert tagger([]) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet="0123456789一二三四五六七八九十百千万亿年月日号个件条次%，。、：-.第共发布工作动态（）“”", max_size=40))
def test_spans_are_valid_on_any_text(tagger, text):
    (spans, _), = tagger([text])
    assert validate_spans(spans, len(text)) == spans
    assert all(isinstance(s, Span) for s in spans)
