"""Other tables written as pipe rows (a statistical bulletin's, an HTML or Word table): one record per number."""

from __future__ import annotations

import re

from govreport.data.schema import Span
from govreport.inference.extract import Extractor
from govreport.inference.tables.other import parse_other_tables

# Invented: a bulletin's two tables, the second under a unit line, a header that fits no row.
BULLETIN = (
    "表1 2023年人口情况\n"
    "项目 | 年末数(人) | 比重（%） |\n"
    "全县户籍人口 | 412000 | 100 |\n"
    "其中:城镇 | 208000 | 50.49 |\n"
    "60岁及以上[2] | 91000 | - |\n"
    "\n"
    "单位：万元\n"
    "项目 | 2022年 | 2023年\n"
    "一般公共预算收入 | 1520.3 | 1688.0\n"
    "税收收入 | 980 |\n"
    "首页 | 政务公开 | 统计数据 |\n"
)


def cells(text, taken=()):
    return [(c.metric, c.column, c.value, c.unit) for row in parse_other_tables(text, taken) for c in row.cells]


def test_a_row_is_its_label_and_numbers_under_the_header_that_names_and_measures_them():
    assert cells(BULLETIN) == [
        ("全县户籍人口", "年末数", 412000, "人"), ("全县户籍人口", "比重", 100, "%"),
        ("城镇", "年末数", 208000, "人"), ("城镇", "比重", 50.49, "%"),   # a sub-item's 其中 goes
        ("60岁及以上", "年末数", 91000, "人"),                             # a footnote marker goes, a blank cell is none
        # years as column labels; the table's unit line gives the unit
        ("一般公共预算收入", "2022年", 1520.3, "万元"), ("一般公共预算收入", "2023年", 1688.0, "万元"),
        ("税收收入", "2022年", 980, "万元"),
    ]


def test_tab_rows_are_read_as_pipe_rows_are():
    # a table pasted from a spreadsheet: tab-separated cells, blank ones too
    text = "产品名称\t产量(吨)\t比上年增长(%)\n小麦\t61200\t0.52\n油料\t\t3.6\n"
    assert cells(text) == [("小麦", "产量", 61200, "吨"), ("小麦", "比上年增长", 0.52, "%"), ("油料", "比上年增长", 3.6, "%")]
    assert all(text[c.start:c.end] == c.raw for row in parse_other_tables(text) for c in row.cells)


def test_a_serial_number_column_is_no_label():
    # a first column of serial numbers (序号): the label is the cell after it, the columns stay aligned
    text = "序号 | 单位 | 原创(篇) | 转发(篇) |\n1 | 县政府办公室 | 32 | 72 |\n2 | 县教育局 | 25 | - |\n"
    assert cells(text) == [("县政府办公室", "原创", 32, "篇"), ("县政府办公室", "转发", 72, "篇"),
                           ("县教育局", "原创", 25, "篇")]
    # a header's bracket may name its unit with 单位:
    assert cells("项目 | 本年金额(单位:万元)\n一般公共预算收入 | 1520.3\n") == [("一般公共预算收入", "本年金额", 1520.3, "万元")]
    # a number in the first column before another number is no serial: no label, no row
    assert cells("序号 | 数量\n1 | 32 | 72\n") == []


def test_cells_index_the_text_and_rows_cover_their_lines():
    rows = parse_other_tables(BULLETIN)
    for row in rows:
        assert BULLETIN[row.start:row.end] in BULLETIN.split("\n")
        for cell in row.cells:
            assert BULLETIN[cell.start:cell.end] == cell.raw
    record = rows[0].cells[0].to_record()
    assert record.extra["origin"] == "other_table" and record.extra["column"] == "年末数"
    assert record.value_span == (rows[0].cells[0].start, rows[0].cells[0].end)
    # the column says what kind of number a cell is
    kinds = [(c.column, c.to_record().extra["kind"]) for c in parse_other_tables(
        "项目 | 全年总额（亿元） | 比上年增长（%） | 所占比重（%） |\n地区生产总值 | 352.17 | 6.2 | 100 |\n")[0].cells]
    assert kinds == [("全年总额", "level"), ("比上年增长", "change"), ("所占比重", "share")]


def test_what_is_no_data_row_makes_no_record():
    text = ("首页 | 政务公开 | 年报\n"                  # navigation: no numbers
            "2021 | 2022 | 2023\n"                       # a header of years with no label
            "合计 | 12 | 3件左右\n"                      # a cell that is no number: no data row
            "共发布信息 | 252条,其中 | 3\n")            # prose with bars in it
    assert cells(text) == []
    # a label the table spread with spaces is read without them
    assert cells("指 标 | 人口(万人)\n男  性 | 10.71\n") == [("男性", "人口", 10.71, "万人")]
    # a header with fewer cells than the row: the numbers keep their label, no column
    assert cells("指标 | 总量(吨)\n小麦 | 61200 | 0.52\n") == [("小麦", None, 61200, None), ("小麦", None, 0.52, None)]
    # rows inside a region taken by a standard table are left to it
    assert cells(BULLETIN, [(0, len(BULLETIN))]) == []


def test_extract_reads_other_tables_as_tables_and_leaves_the_rest_prose():
    def tagger(texts):
        # a stand-in tagger: every number is a VALUE, 共发布信息 a METRIC, 条 a UNIT
        pattern = re.compile(r"(?P<METRIC>发布信息)|(?P<VALUE>[0-9]+(?:\.[0-9]+)?)|(?P<UNIT>条)")
        return [([Span(m.start(), m.end(), m.lastgroup) for m in pattern.finditer(t)], None) for t in texts]

    text = "本年发布信息252条。\n" + BULLETIN
    (records,) = Extractor(tagger).extract([text])
    other = [r for r in records if r.extra["origin"] == "other_table"]
    prose = [r for r in records if r.extra["origin"] == "prose"]
    assert [(r.metric, r.value, r.unit) for r in prose if r.metric] == [("发布信息", 252, "条")]
    assert len(other) == 8 and all(text[r.value_span[0]:r.value_span[1]] == r.raw for r in other)
    assert not any(p.value_span[0] >= text.index("项目 | 年末数") and p.value in (412000, 1520.3) for p in prose)
    # without other tables, every row is prose again
    (plain,) = Extractor(tagger, other_tables=False).extract([text])
    assert not any(r.extra["origin"] == "other_table" for r in plain)
