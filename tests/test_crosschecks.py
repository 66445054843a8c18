"""Tests for the cross-checks (prose totals against the table cells they restate, one agency's
years), the derived group totals and the key order, and for the extractor adding the
cross-checks to its reports' checks.

Records are invented JSON objects; prose records carry a ``metric_key`` as the prose key
mapping (inference.keys) would set it. The extractor test uses a regular-expression tagger,
a small fake table parser and a stand-in for the key mapping, so nothing loads a model.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest

from govreport.data.schema import Record, Span
from govreport.inference import cli
from govreport.inference.crosschecks import cross_check, is_level, same_value, year_checks
from govreport.inference.extract import Extractor
from govreport.inference.standard_keys import STANDARD_KEYS, derive, key_order


def table(key, value, at, unit="件"):
    return {"metric_key": key, "value": value, "unit": unit, "origin": "table", "value_span": [at, at + len(str(value))]}


def prose(key, value, at, unit="件", **extra):
    return {"metric_key": key, "value": value, "unit": unit, "origin": "prose",
            "value_span": [at, at + len(str(value))], **extra}


_REFUSED = [f"申请.办理结果.不予公开.{r}.总计" for r in
            ("国家秘密", "法律法规禁止", "三安全一稳定", "第三方权益", "内部事务", "过程性信息", "执法案卷", "行政查询")]


def test_prose_restating_a_printed_cell_is_checked_against_it():
    records = [prose("申请.本年新收.总计", 52, 10), prose("申请.办理结果.总计", 50, 30),
               prose("复议诉讼.行政复议.总计", 2, 45),
               table("申请.本年新收.总计", 52, 100), table("申请.办理结果.总计", 51, 120),
               table("复议诉讼.行政复议.总计", 2, 140)]
    checks = [c.to_dict() for c in cross_check(records)]
    assert [(c["identity"], c["ok"], c["expected"], c["found"]) for c in checks] == [
        ("prose-table[申请.本年新收.总计]", True, 52, 52),
        ("prose-table[申请.办理结果.总计]", False, 51, 50),
        ("prose-table[复议诉讼.行政复议.总计]", True, 2, 2)]
    assert checks[1]["prose_span"] == [30, 32] and checks[1]["table_spans"] == [[120, 122]]
    assert checks[1]["keys"] == ["申请.办理结果.总计"] and checks[1]["check"] == "cross"


@pytest.mark.parametrize("stated, ok", [(6, True), (7, False)])
def test_prose_refusals_are_checked_against_the_derived_group_total(stated, ok):
    cells = [table(key, n, 200 + 5 * i) for i, (key, n) in enumerate(zip(_REFUSED, [1, 0, 0, 2, 0, 3, 0, 0]))]
    (check,) = cross_check(cells + [prose("申请.办理结果.不予公开.总计", stated, 8)])
    assert (check.identity, check.ok, check.expected, check.found) == (
        "prose-derived[申请.办理结果.不予公开.总计]", ok, 6, stated)
    assert check.keys == _REFUSED and len(check.table_spans) == 8


def test_no_check_without_both_sides_or_for_what_is_no_level():
    assert cross_check([prose("申请.本年新收.总计", 52, 0)]) == []  # no table
    assert cross_check([table("申请.本年新收.总计", 52, 0), prose("申请.结转下年度.总计", 3, 9)]) == []
    # a change, a share and a percent with no kind restate no cell
    records = [table("申请.本年新收.总计", 52, 0), prose("申请.本年新收.总计", 12.5, 9, "%", kind="change"),
               prose("申请.本年新收.总计", 49.9, 20, "%", kind="share"), prose("申请.本年新收.总计", 3.5, 30, "%"),
               {"metric": "工作动态", "value": 12, "origin": "prose"}]
    assert cross_check(records) == []
    # a missing sub-row (blank cell) gives no derived total
    assert cross_check([table(k, 1, 50) for k in _REFUSED[:-1]] + [prose("申请.办理结果.不予公开.总计", 7, 0)]) == []


@pytest.mark.parametrize("record, level", [
    ({"origin": "prose", "unit": "件"}, True),
    ({"origin": "prose", "unit": "件", "kind": "level"}, True),
    ({"origin": "prose", "unit": "%", "kind": "rate"}, True),
    ({"origin": "prose", "unit": "%", "kind": "share"}, False),
    ({"origin": "prose", "unit": "件", "kind": "change"}, False),
    ({"origin": "prose", "unit": "个百分点"}, False),
    ({"origin": "table", "unit": "件", "kind": "change"}, True),
])
def test_what_counts_as_a_level(record, level):
    assert is_level(record) is level


def test_money_compares_across_units_counts_whatever_their_word():
    assert same_value(0.5, "万元", 5000, "元") and not same_value(0.5, "万元", 500, "元")
    assert same_value(52, "件", 52, "宗") and not same_value(52, "件", 52.5, "件")
    (check,) = cross_check([table("主动公开.行政事业性收费.收费金额", 1.2, 0, "万元"),
                            prose("主动公开.行政事业性收费.收费金额", 12000, 9, "元")])
    assert check.ok


def test_derive_sums_only_what_no_table_prints():
    values = {f"申请.本年新收.{c}": n for c, n in zip(("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他组织"),
                                                    (1, 2, 0, 0, 4))}
    values["申请.办理结果.其他处理.总计"] = 3  # printed as one row (2019 layout): kept, not summed
    derived = derive(values)
    assert derived["申请.本年新收.法人或其他组织"] == (7, [f"申请.本年新收.{c}" for c in
                                                    ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他组织")])
    assert "申请.办理结果.其他处理.总计" not in derived and "申请.上年结转.法人或其他组织" not in derived


def test_key_order_follows_the_spec_then_names():
    assert len(STANDARD_KEYS) == len(set(STANDARD_KEYS))
    keys = ["申请渠道.网络", "复议诉讼.行政复议.总计", "申请.结转下年度.总计", "申请.本年新收.自然人", "申请.本年新收.总计",
            "主动公开.行政许可.处理决定", "其他事项.信息处理费.金额", "申请.办理结果.不予公开.总计"]
    assert key_order(keys) == ["主动公开.行政许可.处理决定", "申请.本年新收.自然人", "申请.本年新收.总计",
                               "申请.办理结果.不予公开.总计", "申请.结转下年度.总计", "复议诉讼.行政复议.总计",
                               "其他事项.信息处理费.金额", "申请渠道.网络"]


def test_year_checks_compare_carry_over_of_consecutive_years_of_one_agency():
    rows = [({"id": "a"}, "甲局", 2020, {"申请.结转下年度.总计": 3, "申请.结转下年度.自然人": 2}),
            ({"id": "b"}, "甲局", 2021, {"申请.上年结转.总计": 3, "申请.上年结转.自然人": 1}),
            ({"id": "c"}, "乙局", 2022, {"申请.上年结转.总计": 3}),   # another agency: no 2021 report
            ({"id": "d"}, "甲局", 2023, {"申请.上年结转.总计": 5})]   # 2022 missing
    checks = year_checks(rows)
    assert [(c["id"], c["previous_id"], c["identity"], c["ok"], c["expected"], c["found"]) for c in checks] == [
        ("b", "a", "carry-over[总计]", True, 3, 3), ("b", "a", "carry-over[自然人]", False, 2, 1)]
    assert checks[0]["keys"] == ["申请.上年结转.总计", "申请.结转下年度.总计"] and checks[0]["previous_year"] == 2020
    assert checks[0]["check"] == "year"


# ---- in the extractor

PAGE = ("甲市水利局2021年政府信息公开工作年度报告\n"
        "一、总体情况\n全年受理申请52件，办结申请50件。\n"
        "二、收到和处理政府信息公开申请情况\n"
        "本年新收 | 52\n办理结果总计 | 51\n")
_RULES = re.compile(r"(?P<METRIC>受理申请|办结申请)|(?P<VALUE>[0-9]+(?![0-9]*年))|(?P<UNIT>件)")
_KEYS = {"受理申请": "申请.本年新收.总计", "办结申请": "申请.办理结果.总计"}


def rule_tagger(texts):
    return [([Span(m.start(), m.end(), m.lastgroup) for m in _RULES.finditer(t)], None) for t in texts]


@dataclass
class FakeCell:
    key: str
    value: int
    start: int

    def to_record(self):
        return Record("cell", self.value, "件", str(self.value), value_span=(self.start, self.start + len(str(self.value))),
                      extra={"origin": "table", "metric_key": self.key})


@dataclass
class FakeTable:
    start: int
    end: int
    cells: list


def fake_parser(text):
    rows = list(re.finditer(r"^(本年新收|办理结果总计) \| (\d+)$", text, re.M))
    if not rows:
        return []
    keys = {"本年新收": "申请.本年新收.总计", "办理结果总计": "申请.办理结果.总计"}
    return [FakeTable(rows[0].start(), rows[-1].end(),
                      [FakeCell(keys[m.group(1)], int(m.group(2)), m.start(2)) for m in rows])]


class KeyedExtractor(Extractor):
    """Stands in for the prose key mapping: a prose record's metric gets its key."""

    def _finish(self, piece, *args):
        super()._finish(piece, *args)
        for record in piece.records:
            if record.metric in _KEYS:
                record.extra["metric_key"] = _KEYS[record.metric]


def keyed_extractor(**kwargs):
    return KeyedExtractor(rule_tagger, table_parser=fake_parser, table_checker=lambda tables: [], **kwargs)


def test_the_extractor_adds_cross_checks_to_the_reports_checks():
    (result,) = keyed_extractor().extract_documents([PAGE])
    (report,) = result.reports
    checks = [c.to_dict() for c in report.checks]
    assert [(c["identity"], c["ok"], c["expected"], c["found"]) for c in checks] == [
        ("prose-table[申请.本年新收.总计]", True, 52, 52), ("prose-table[申请.办理结果.总计]", False, 51, 50)]
    # offsets index the page
    assert PAGE[slice(*checks[1]["prose_span"])] == "50" and PAGE[slice(*checks[1]["table_spans"][0])] == "51"
    (plain,) = keyed_extractor(cross_checker=None).extract_documents([PAGE])
    assert plain.reports[0].checks == []


def test_extract_writes_failing_cross_checks_with_the_table_identities(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(Extractor, "from_pretrained", classmethod(lambda cls, *a, **k: keyed_extractor()))
    src = tmp_path / "page.txt"
    src.write_text(PAGE, encoding="utf-8")
    failing = tmp_path / "failing.jsonl"
    assert cli.main([str(src), "-o", str(tmp_path / "out.jsonl"), "--checks", str(failing)]) == 0
    assert "1 failing checks" in capsys.readouterr().err
    (item,) = [json.loads(line) for line in failing.read_text(encoding="utf-8").splitlines()]
    assert (item["report_agency"], item["identity"], item["found"]) == ("甲市水利局", "prose-table[申请.办理结果.总计]", 50)
    (doc,) = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [c["ok"] for c in doc["reports"][0]["checks"]] == [True, False]


def test_a_document_with_no_title_gets_its_cross_checks_at_the_top():
    text = "全年受理申请53件。\n本年新收 | 52\n"
    (result,) = keyed_extractor().extract_documents([text])
    assert result.reports == []
    assert [(c.identity, c.ok, c.expected, c.found) for c in result.checks] == [
        ("prose-table[申请.本年新收.总计]", False, 52, 53)]
