"""The standard-table parser on every flattened shape of spec §3 (invented numbers, labels from
the spec), its keys, blanks, layouts and identity checks, and on ../shared/tables_dev."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govreport.inference.tables import Cell, check_tables, complete_tables, parse_html_tables, parse_tables
from tests import table_shapes as S

TABLES_DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "tables_dev"


def _cells(tables) -> dict:
    out = {}
    for t in tables:
        for c in t.cells:
            assert c.key not in out, f"key given twice: {c.key}"
            out[c.key] = c.value
    return out


SHAPES = {
    "pipe rows": S.pipe_rows,
    "one cell per line with ' |'": S.cell_per_line_pipes,
    "cells between blank lines": S.cell_per_line_blank,
    "one cell per line": lambda: "\n".join(S._cells_of_all()),
    "PDF text": S.pdf_text,
    "Markdown from a PDF converter": S.markdown,
    "box drawing": S.box_drawing,
    "tab separated": S.tab_separated,
}


@pytest.mark.parametrize("shape", SHAPES)
def test_every_shape_gives_every_cell_keyed(shape):
    text = SHAPES[shape]()
    tables = parse_tables(text)
    assert [t.number for t in tables] == [2, 3, 4]
    assert all(t.layout == "2021" for t in tables)
    assert _cells(tables) == S.expected_2021()
    checks = check_tables(tables)
    assert checks and all(c.ok for c in checks), [c.to_dict() for c in checks if not c.ok]


@pytest.mark.parametrize("shape", SHAPES)
def test_offsets_point_at_the_printed_numbers(shape):
    text = SHAPES[shape]()
    for table in parse_tables(text):
        assert table.start <= table.end
        for cell in table.cells:
            assert text[cell.start:cell.end] == cell.raw
            assert table.start <= cell.start and cell.end <= table.end


def test_cells_carry_labels_units_and_the_spec_keys():
    cells = {c.key: c for t in parse_tables(S.pipe_rows()) for c in t.cells}
    fee = cells["主动公开.行政事业性收费.收费金额"]
    assert (fee.value, fee.unit, fee.column, fee.table) == (88.5, "万元", None, 2)
    assert cells["主动公开.规章.本年制发"].column == "本年制发件数"
    total = cells["申请.办理结果.总计"]
    assert (total.metric, total.column, total.unit) == ("（七）总计", "总计", "件")
    assert cells["申请.本年新收.其他组织"].column == "其他"
    assert cells["申请.办理结果.不予公开.第三方权益.总计"].value == 2
    assert cells["复议诉讼.行政复议.总计"].value == 3 and cells["复议诉讼.直接起诉.维持"].value == 0
    record = cells["申请.本年新收.自然人"].to_record()
    assert record.extra["origin"] == "table" and record.extra["metric_key"] == "申请.本年新收.自然人"


def test_html_with_rowspan_and_colspan():
    html = S.html_table()
    tables = parse_html_tables(html)
    assert [t.number for t in tables] == [3, 4]
    expected = {k: v for k, v in S.expected_2021().items() if not k.startswith("主动公开")}
    assert _cells(tables) == expected
    for cell in (c for t in tables for c in t.cells):
        assert html[cell.start:cell.end] == cell.raw
    assert parse_tables(html) and _cells(parse_tables(html)) == expected   # markup is recognised


def test_html_blank_cells_are_missing_not_zero():
    # the first row whose 总计 prints 1 (1.属于国家秘密) loses it: &nbsp; is an empty cell
    html = S.html_table().replace("<td>1</td></tr>", "<td>&nbsp;</td></tr>", 1)
    tables = parse_html_tables(html)
    cells = _cells(tables)
    missing = set(S.expected_2021()) - set(cells) - {k for k in S.expected_2021() if k.startswith("主动公开")}
    assert len(missing) == 1 and missing.pop().endswith(".总计")
    assert all(v == S.expected_2021()[k] for k, v in cells.items())


def test_blank_pipe_cell_gives_no_cell_and_skips_its_check():
    text = S.pipe_rows().replace("二、上年结转政府信息公开申请数量 | 2 | 1 | 0 | 0 | 0 | 0 | 3 |",
                                 "二、上年结转政府信息公开申请数量 | 2 | 1 | 0 | 0 | 0 | 0 |  |")
    tables = parse_tables(text)
    cells = _cells(tables)
    assert "申请.上年结转.总计" not in cells and cells["申请.上年结转.自然人"] == 2
    identities = {c.identity for c in check_tables(tables)}
    assert "T3-2[上年结转]" not in identities and "T3-1[总计]" not in identities
    assert "T3-1[自然人]" in identities


def test_a_failing_identity_is_reported_and_the_value_kept():
    text = S.pipe_rows().replace("一、本年新收政府信息公开申请数量 | 20 | 3 | 1 | 0 | 2 | 1 | 27 |",
                                 "一、本年新收政府信息公开申请数量 | 20 | 3 | 1 | 0 | 2 | 1 | 28 |")
    tables = parse_tables(text)
    assert _cells(tables)["申请.本年新收.总计"] == 28
    failed = [c for c in check_tables(tables) if not c.ok]
    assert {c.identity for c in failed} == {"T3-2[本年新收]", "T3-1[总计]"}
    row = next(c for c in failed if c.identity == "T3-2[本年新收]")
    assert (row.expected, row.found) == (27, 28) and "申请.本年新收.总计" in row.keys
    assert row.to_dict()["ok"] is False


def test_table4_misplaced_cell_breaks_t4_1():
    text = S.pipe_rows().replace(" | ".join(map(str, S.T4)), " | ".join(map(str, S.T4[1:] + S.T4[:1])))
    failed = {c.identity for c in check_tables(parse_tables(text)) if not c.ok}
    assert "T4-1[行政复议]" in failed


LAYOUT_2019 = """二、主动公开政府信息情况
第二十条第(一)项
信息内容
本年新
制作数量
本年新
公开数量
对外公开总数量
规章
0
1
3
规范性文件
2
2
9
第二十条第(五)项
信息内容
上一年项目数量
本年增/减
处理决定数量
行政许可
6
+2
310
其他对外管理服务事项
4
(增1)
77
第二十条第(八)项
信息内容
上一年项目数量
本年增/减
行政事业性收费
3
-1
第二十条第(九)项
信息内容
采购项目数量
采购总金额
政府集中采购
5
300万
三、收到和处理政府信息公开申请情况
（六）其他处理
"""


def test_2019_layout_from_its_header_not_the_year():
    text = "2023年某局政府信息公开工作年度报告\n" + LAYOUT_2019
    tables = parse_tables(text)
    assert [(t.number, t.layout) for t in tables] == [(2, "2019")]
    cells = {c.key: c for c in tables[0].cells}
    assert cells["主动公开.行政规范性文件.对外公开总数"].value == 9
    assert cells["主动公开.行政规范性文件.本年新制作"].metric == "规范性文件"
    assert cells["主动公开.行政许可.本年增减"].value == 2
    assert cells["主动公开.其他对外管理服务事项.本年增减"].value == 1
    assert cells["主动公开.行政事业性收费.本年增减"].value == -1
    buy = cells["主动公开.政府集中采购.采购总金额"]
    assert (buy.value, buy.raw, buy.unit) == (300, "300万", "万元")
    assert len(cells) == 6 + 6 + 2 + 2


def test_2019_table3_other_handling_is_one_row():
    text = S.pipe_rows()
    for _, label, key, values in S.T3_2021:
        if key.startswith("办理结果.其他处理."):
            text = text.replace(next(ln for ln in text.split("\n") if ln.startswith(label[:8]) or
                                     ln.startswith("（六）其他处理 | " + label[:8])) + "\n", "")
    # the one row of the 2019 layout is the sum of the three sub-rows of the 2021 one
    row = [sum(col) for col in zip(*(v for _, _, key, v in S.T3_2021 if key.startswith("办理结果.其他处理.")))]
    text = text.replace("（七）总计", "（六）其他处理 | " + " | ".join(map(str, row)) + " |\n（七）总计")
    cells = _cells(parse_tables(text))
    assert cells["申请.办理结果.其他处理.自然人"] == row[0]
    assert not any(k.startswith("申请.办理结果.其他处理.") and k.count(".") > 3 for k in cells)
    checks = check_tables(parse_tables(text))
    assert {"T3-1", "T3-2", "T3-3"} <= {c.identity[:4] for c in checks}   # T3-3 runs on the one row too
    assert all(c.ok for c in checks)


def test_tables_of_a_report_reposted_in_traditional_script():
    # 繁体转载: every character that has a traditional form is written in it (規章, 申請, 結轉)
    from govreport.data.text import TO_SIMPLIFIED
    traditional: dict[int, int] = {}
    for trad, simp in TO_SIMPLIFIED.items():
        traditional.setdefault(simp, trad)
    for text in (S.pdf_text(), S.pipe_rows()):
        written = text.translate(traditional)
        assert "規章" in written and "申請" in written
        assert _cells(parse_tables(written)) == _cells(parse_tables(text)) != {}


def test_a_radical_read_as_a_traditional_character_reads_simplified(monkeypatch):
    # a font's radical stands for whatever character it was drawn for; where that is a traditional
    # form, the table text reads its simplified twin, as for any traditional character
    from govreport.inference.tables import tokens
    monkeypatch.setitem(tokens.RADICAL_FORMS, 0xE000, ord("門"))
    tokens._nfkc1.cache_clear()
    try:
        assert tokens.normalize("部\ue000 | 門") == "部门 | 门"
    finally:
        tokens._nfkc1.cache_clear()


@pytest.mark.parametrize("caption", ["第⼆⼗条第（⼀）项", "第二十條第（一）項"])   # radicals a PDF gave back; traditional
def test_a_table_2_alone_is_found_whatever_form_its_caption_takes(caption):
    # the cheap test for a table marker reads every form of its characters, as the parser does
    rows = "\n信息内容 本年制发件数 本年废止件数 现行有效件数\n规章 1 0 5\n行政规范性文件 3 1 20\n"
    assert _cells(parse_tables(caption + rows)) == _cells(parse_tables("第二十条第（一）项" + rows)) != {}


def test_two_reports_on_one_page_give_two_sets_of_tables():
    tables = parse_tables(S.pipe_rows() + "\n某局2022年度报告\n" + S.pipe_rows())
    assert [t.number for t in tables] == [2, 3, 4, 2, 3, 4]
    assert tables[1].end < tables[3].start


def test_text_without_tables_costs_nothing_and_gives_nothing():
    assert parse_tables("全年共受理政府信息公开申请52件，行政复议1件。") == []
    assert parse_tables("") == []


def test_prose_with_table_words_is_not_a_table():
    text = "四、政府信息公开行政复议、行政诉讼情况\n本年度未发生行政复议和行政诉讼，维持原决定0件。"
    assert parse_tables(text) == []


@pytest.mark.parametrize("text", [
    # PDF text spaces a count off its words (52件 → 52 件): the sentence then holds table 3's first
    # row labels, each with a number after it, or a row takes the numbers of the sentences after it;
    # no row prints seven cells whose applicants sum to the total
    "2023 年，本机关本年新收政府信息公开申请 52 件，上年结转 3 件，其中予以公开 30 件，部分公开 5 件。",
    "本机关本年新收政府信息公开申请 52 件，上\n年结转 3 件，予以公开 30 件，部分公开 5 件，不予公\n开 2 件，无法提供 10 件。",
    "本年新收当面提出的申请数量为 37 件，上年结转企业提出的申请数量为 3000 多个，均已答复。\n发布日期：5 月"
    "10 日\n城镇居民人均可支配收入分别为 5400 万、3100 万和 2465 万元。",
])
def test_a_sentence_naming_table_3s_rows_is_not_a_table(text):
    assert parse_tables(text) == []
    # the same rows printed as a table without its header are still one
    table = "一、本年新收政府信息公开申请数量 20 3 1 0 2 1 27\n二、上年结转政府信息公开申请数量 2 1 0 0 0 0 3\n"
    assert [t.number for t in parse_tables(table)] == [3]


def test_cell_is_frozen():
    cell = Cell("申请.本年新收.自然人", "一、本年新收政府信息公开申请数量", "自然人", 1, "1", "件", 0, 1, 3)
    with pytest.raises(Exception):
        cell.value = 2


@pytest.mark.skipif(not (TABLES_DEV / "gold.jsonl").exists(), reason="../shared/tables_dev is absent")
def test_tables_dev_raw_files_match_their_gold():
    for line in (TABLES_DEV / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        text = (TABLES_DEV / "raw" / item["file"]).read_text(encoding="utf-8")
        tables = parse_tables(text)
        assert _cells(tables) == item["cells"], item["file"]
        assert all(c.ok for c in check_tables(tables)) == item["identities_ok"]


def test_short_header_cells_fall_back_to_the_standard_columns():
    text = ("第二十条第(一)项 | ||||\n信息内容 | 本年新 | 本年新 | 对外公开总数量 | |\n规章 | 1 | 2 | 3 | |\n"
            "第二十条第(五)项 | ||||\n信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 | |\n行政许可 | 8 | 减2 | 18 | |\n")
    tables = parse_tables(text)
    assert tables[0].layout == "2019"
    assert _cells(tables) == {"主动公开.规章.本年新制作": 1, "主动公开.规章.本年新公开": 2, "主动公开.规章.对外公开总数": 3,
                              "主动公开.行政许可.上年项目数": 8, "主动公开.行政许可.本年增减": -2,
                              "主动公开.行政许可.处理决定": 18}


def test_a_header_that_prints_fewer_columns_keys_its_numbers_under_them():
    # an agency's own table 2: (一) without 本年新公开数量, (六) with 处理决定数量 only; in (五) the
    # header names one column of two (项目数量 is no standard label): which column 4 is under,
    # nothing says, so (五) gives no cell
    text = ("第二十条第(一)项 | ||||\n信息内容 | 本年新制作数量 | 对外公开总数量 | ||\n规范性文件 | 2 | 40 | ||\n"
            "第二十条第(五)项 | ||||\n信息内容 | 项目数量 | 处理决定数量 | ||\n行政许可 | 4 | 142 | ||\n"
            "第二十条第(六)项 | ||||\n信息内容 | 处理决定数量 | |||\n行政处罚 | 201件 | |||\n行政强制 | 6项 | |||\n")
    assert _cells(parse_tables(text)) == {"主动公开.行政规范性文件.本年新制作": 2, "主动公开.行政规范性文件.对外公开总数": 40,
                                          "主动公开.行政处罚.处理决定": 201, "主动公开.行政强制.处理决定": 6}
    # a header of three cells, one of them no standard label, over rows with a blank cell: the
    # three standard columns, the blank kept in its place
    text = ("第二十条第(一)项 | ||||\n信息内容 | 本年新制作数量 | 本年新公开数量 | 对外公开总数量 | |\n规章 | 1 | 1 | 5 | |\n"
            "第二十条第(五)项 | ||||\n信息内容 | 项目总数 | 本年增/减 | 处理决定数量 | |\n行政许可 | 8 | | 18 | |\n"
            "其他对外管理服务事项 | 3 | | 7 | |\n")
    assert {k: v for k, v in _cells(parse_tables(text)).items() if "规章" not in k} == {
        "主动公开.行政许可.上年项目数": 8, "主动公开.行政许可.处理决定": 18,
        "主动公开.其他对外管理服务事项.上年项目数": 3, "主动公开.其他对外管理服务事项.处理决定": 7}


def test_table4_blank_cells_keep_their_columns():
    row = "| 5 | | | 2 | 7 | 8 | | | 1 | 9 | | | | | |"
    text = "行政复议 | 行政诉讼 |\n未经复议直接起诉 | 复议后起诉 |\n" + "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |" * 3 + "\n" + row
    cells = _cells(parse_tables(text))
    assert cells == {"复议诉讼.行政复议.维持": 5, "复议诉讼.行政复议.尚未审结": 2, "复议诉讼.行政复议.总计": 7,
                     "复议诉讼.直接起诉.维持": 8, "复议诉讼.直接起诉.尚未审结": 1, "复议诉讼.直接起诉.总计": 9}


def _table4_text(row: str) -> str:
    return ("四、政府信息公开行政复议、行政诉讼情况\n行政复议 行政诉讼\n未经复议直接起诉 复议后起诉\n"
            + "结果维持 结果纠正 其他结果 尚未审结 总计 " * 3 + "\n" + row + "\n五、存在的主要问题及改进情况")


def test_table4_blanks_that_the_text_dropped_are_placed_by_its_block_totals():
    # zeros printed blank, then dropped by the reader: "1 2 3 4 10 5 5 2 2" is 15 cells. Every
    # placement that keeps T4-1 in each block puts 1 2 3 4 10 in 行政复议 and the 总计 of the
    # lawsuits at 5 and 2; which result each lawsuit is, none says, so those cells are left out
    cells = _cells(parse_tables(_table4_text("1 2 3 4 10 5 5 2 2")))
    assert cells == {"复议诉讼.行政复议.维持": 1, "复议诉讼.行政复议.纠正": 2, "复议诉讼.行政复议.其他结果": 3,
                     "复议诉讼.行政复议.尚未审结": 4, "复议诉讼.行政复议.总计": 10,
                     "复议诉讼.直接起诉.总计": 5, "复议诉讼.复议后起诉.总计": 2}
    # without the lawsuits, 1 2 3 4 10 keeps T4-1 in any block: nothing is placed
    assert _cells(parse_tables(_table4_text("1 2 3 4 10"))) == {}


def test_blank_zero_table_in_pdf_text_keys_no_cell_wrongly():
    # every 0 printed blank and dropped: a short row's numbers may not slide left into the wrong
    # columns; each row's 总计 is the last number whose row adds up, always placed
    expected = S.expected_2021()
    tables = parse_tables(S.pdf_text(blank_zeros=True))
    cells = _cells(tables)
    assert {k: v for k, v in cells.items() if not k.startswith("主动公开.")} == {
        k: expected[k] for k in cells if not k.startswith("主动公开.")}
    totals = {k for k, v in expected.items() if k.startswith("申请.") and k.endswith(".总计") and v}
    assert totals <= set(cells)
    assert {k for k in cells if k.startswith("复议诉讼.")} == {k for k in S.T4_KEYS if k.endswith(".总计")}
    assert all(c.ok for c in check_tables(tables))


def _sparse_table3() -> list:
    """Table 3 with most cells 0 and lone 1s whose applicant the column sums leave open."""
    values = {"本年新收": [5, 4, 3, 2, 2, 1], "上年结转": [1, 0, 0, 0, 0, 0], "办理结果.予以公开": [3, 2, 1, 1, 1, 1],
              "办理结果.部分公开": [1, 1, 0, 0, 0, 0], "办理结果.其他处理.其他": [1, 0, 1, 0, 0, 0]}
    result = [sum(col) for col in zip(*(v for k, v in values.items() if k.startswith("办理结果.")))]
    values["办理结果"] = result
    values["结转下年度"] = [a + b - c for a, b, c in zip(values["本年新收"], values["上年结转"], result)]
    return S.table3(values)


def test_blank_zero_table_in_layout_text_is_placed_by_identities_and_positions():
    # zeros printed blank in space-aligned text with only three full rows, one of them after the
    # page break: the rows the identities settle become columns to read the others' positions by
    table = _sparse_table3()
    expected = {k: v for k, v in S.table3_cells(table).items() if v}
    assert _cells(parse_tables(S.pdf_layout(S.zero_cells(table), table))) == expected


def test_a_second_reading_by_position_completes_the_cells_the_text_left_missing():
    # a PDF's text (pypdf's default mode) drops the blanks of a table that prints zeros blank; the
    # same page read in layout mode keeps them: its cells join the text's, at the text's numbers
    table = _sparse_table3()
    text, layout = S.pdf_text(blank_zeros=True, table=table), S.pdf_layout(S.zero_cells(table), table)
    expected = {k: v for k, v in S.table3_cells(table).items() if v}
    alone = _cells(parse_tables(text))
    assert _cells(parse_tables(layout)) == expected and not expected.keys() <= alone.keys()
    tables = parse_tables(text, layout)
    assert _cells(tables) == {**alone, **expected}
    for t in tables:
        assert [c.start for c in t.cells] == sorted({c.start for c in t.cells})   # in text order, once each
        assert all(text[c.start:c.end] == c.raw and t.start <= c.start < t.end for c in t.cells)
    assert all(c.ok for c in check_tables(tables))
    # a number the second reading does not share with the text is no cell of the text
    other = parse_tables(layout)
    (t3,) = other
    t3.cells = [dataclasses.replace(c, raw="7", value=7) if c.key == "申请.上年结转.自然人" else c for c in t3.cells]
    completed = _cells(complete_tables(parse_tables(text), text, other))
    assert "申请.上年结转.自然人" not in completed and len(completed) == len(alone) + len(expected.keys() - alone.keys()) - 1


def test_columns_two_characters_apart_place_a_number_only_where_it_sits_exactly():
    # a narrow 其他 column two characters from 总计: a number within half that gap is placed,
    # one between the two columns is not
    from govreport.inference.tables.columns import realign
    from govreport.inference.tables.tokens import View
    view = View("甲   1   2 3\n乙   4   5 9\n丙   7   8 9\n丁   6     6\n戊   6    6")
    rows = [[t for t in view.tokens if t.line == i] for i in range(5)]
    placed = realign(view, rows, 3)
    assert [t.raw if t else None for t in placed[3]] == ["6", None, "6"]
    assert placed[4] == rows[4]
    # one space between all numbers is no layout: rows that line up by chance place nothing
    view = View("甲 1 2 3\n乙 4 5 9\n丙 7 8 9\n丁 6 6")
    rows = [[t for t in view.tokens if t.line == i] for i in range(4)]
    assert realign(view, rows, 3)[3] == rows[3]


def test_row_numbers_split_around_the_next_label_are_put_back_together():
    # pdftotext -layout: a row's first number on its label's line, the rest after the next
    # row's label, above that row's own numbers
    printed = "相关政府信息 2 1 0 0 1 0 4\n2.没有现成信息需要另行制作 0 0 0 0 0 0 0\n"
    text = S.pdf_text().replace(printed, "相关政府信息 2\n2.没有现成信息需要另行制作 1 0 0 1 0 4\n0 0 0 0 0 0 0\n")
    assert printed in S.pdf_text() and printed not in text
    expected = {k: v for k, v in S.expected_2021().items() if k.startswith("申请.")}
    assert {k: v for k, v in _cells(parse_tables(text)).items() if k.startswith("申请.")} == expected


def _narrow_label_table3() -> list:
    """Table 3 with its own counts in the rows whose labels the test below breaks."""
    values = {"本年新收": [9, 6, 5, 4, 4, 3], "办理结果.不予公开.国家秘密": [3, 0, 1, 1, 0, 1],
              "办理结果.不予公开.内部事务": [2, 1, 0, 1, 0, 0], "办理结果.不予公开.过程性信息": [1, 2, 1, 0, 1, 0],
              "办理结果.不予处理.大量反复申请": [1, 0, 2, 0, 1, 1], "办理结果.不予处理.确认或重新出具": [2, 1, 1, 1, 0, 0]}
    values["办理结果"] = [sum(col) for col in zip(*(v for k, v in values.items() if k.startswith("办理结果.")))]
    values["结转下年度"] = [a - b for a, b in zip(values["本年新收"], values["办理结果"])]
    return S.table3(values)


@pytest.mark.parametrize("breaks", ["group", "run", "after"])
def test_labels_a_narrow_column_breaks_around_their_numbers_keep_their_rows(breaks):
    # a word processor's PDF (LibreOffice Writer, read by pypdf): a label column two or six
    # characters wide wraps each label over lines, around its own numbers and the group label's
    # pieces, so no label pattern matches where the row's numbers are
    table = _narrow_label_table3()
    text = S.pdf_text(table=table)
    numbers = {key: " ".join(map(str, row)) for _, _, key, row in table}

    def line(key: str) -> str:
        return numbers[f"办理结果.{key}"]
    rewrites = {
        # the label broken by its numbers and by the group label's pieces beside it
        "group": [(f"（三）不\n予公开\n1.属于国家秘密 {line('不予公开.国家秘密')}\n",
                   f"（三 1.属于国家秘 {line('不予公开.国家秘密')}\n）不\n予公\n开\n密\n")],
        # two rows in a row whose patterns match nowhere
        "run": [(f"5.属于三类内部事务信息 {line('不予公开.内部事务')}\n6.属于四类过程性信息 {line('不予公开.过程性信息')}\n",
                 f"5.属于三类内 {line('不予公开.内部事务')}\n部事务信息\n6.属于四类过 {line('不予公开.过程性信息')}\n程性信息\n")],
        # the pattern matches after the row's numbers, which would go to the row above
        "after": [(f"4.无正当理由大量反复申请 {line('不予处理.大量反复申请')}\n"
                   f"5.要求行政机关确认或重新出具已获取信息 {line('不予处理.确认或重新出具')}\n",
                   f"4.无正当理由 {line('不予处理.大量反复申请')}\n大量反复申请\n"
                   f"5.要求行政机 {line('不予处理.确认或重新出具')}\n关确认或重新\n出具已获取信息\n")],
    }[breaks]
    for printed, broken in rewrites:
        assert printed in text
        text = text.replace(printed, broken)
    assert _cells(parse_tables(text)).items() >= S.table3_cells(table).items()


@pytest.mark.parametrize("before", ["（四）无", "（六）其", "（七）总计", "四、结转下年度"])
def test_table3_header_rows_repeated_on_a_new_page_start_no_second_table(before):
    # a word processor's "repeat heading rows": table 3's header printed again at the top of
    # every page it runs onto (LibreOffice Writer does so for a table with a <thead>)
    text = S.pdf_text()
    header = "\n".join(["申请人情况", S.T3_HEADER_NOTE[:20], S.T3_HEADER_NOTE[20:], "法人或其他组织",
                        "自然人 总计商 业 企", "业", "科研机", "构", "社会公益", "组织", "法 律 服 务", "机构", "其他"])
    at = text.index(before)
    tables = parse_tables(text[:at] + "- 6 -\n" + header + "\n" + text[at:])
    assert [t.number for t in tables] == [2, 3, 4]
    assert _cells(tables) == S.expected_2021()


def test_a_row_with_no_number_is_all_blank_when_blanks_are_placed():
    # the walk gives a row whose cells are all blank no token at all
    from govreport.inference.tables.blanks import place
    from govreport.inference.tables.checks import Identity
    from govreport.inference.tables.tokens import View
    keys = [["a.x", "a.y", "a.t"], ["b.x", "b.y", "b.t"]]
    identities = [Identity("a", ("a.x", "a.y"), ("a.t",)), Identity("x", ("a.x",), ("b.x",))]
    placed = place([View("3 3").tokens, []], keys, identities)
    assert [[t.raw if t else None for t in row] for row in placed] == [[None, "3", "3"], []]


@st.composite
def _blank_zero_tables(draw):
    """A table 3 (the rows of T3_2021) that keeps every identity, most cells 0."""
    cell = st.sampled_from([0, 0, 0, 0, 1, 1, 2, 5, 13])
    rows = {key: draw(st.lists(cell, min_size=6, max_size=6))
            for _, _, key, _ in S.T3_2021 if key.startswith("办理结果.")}
    rows["办理结果"] = [sum(col) for col in zip(*rows.values())]
    rows["结转下年度"] = draw(st.lists(cell, min_size=6, max_size=6))
    held = [a + b for a, b in zip(rows["办理结果"], rows["结转下年度"])]
    rows["上年结转"] = [draw(st.integers(0, min(h, 2))) for h in held]
    rows["本年新收"] = [h - c for h, c in zip(held, rows["上年结转"])]
    return S.table3(rows)


@settings(max_examples=15, deadline=None, derandomize=True)   # the same tables on every run; 300 random ones pass
@given(_blank_zero_tables())
def test_blank_zero_tables_key_no_cell_wrongly(table):
    # whatever the numbers, a table that prints its zeros blank is parsed without error, keys
    # no cell to a wrong column, and keys every row's 总计 (the last number of a row that adds up).
    # It found that one-space text was read for positions: two rows of equal label length lined up
    truth = S.table3_cells(table)
    for text in (S.pdf_text(blank_zeros=True, table=table), S.pdf_layout(S.zero_cells(table), table)):
        cells = {k: v for k, v in _cells(parse_tables(text)).items() if k.startswith("申请.")}
        assert {k: truth[k] for k in cells} == cells
        assert {k for k, v in truth.items() if k.endswith(".总计") and v} <= set(cells)


@settings(max_examples=10, deadline=None, derandomize=True)   # 300 random ones pass
@given(_blank_zero_tables(), st.data())
def test_blank_cells_of_layout_text_key_no_cell_wrongly(table, data):
    # a table that prints 0, laid out by position with any cells left blank: what is keyed is
    # right. It found rows short for their blanks split as if glued (the test above)
    cells = [(key, j) for _, _, key, _ in table for j in range(7)]
    blank = frozenset(data.draw(st.lists(st.sampled_from(cells), max_size=12)))
    truth = S.table3_cells(table)
    got = _cells(parse_tables(S.pdf_layout(blank, table)))
    assert {k: truth[k] for k in got} == got


def test_short_row_of_a_table_that_prints_zeros_stays_as_read():
    # a table that prints 0 does not print its zeros blank: rows cut short by the reading are not
    # re-placed (逾期不补正's 1 0 0 0 0 1 would keep T3-2 with its last 1 as a 总计 of 1; it is 2)
    text = S.pdf_text().replace("息公开申请\n1 0 0 0 0 1 2\n", "息公开申请 1 0 0 0 0 1\n")
    text = text.replace("3.其他 1 0 0 0 0 0 1\n", "3.其他 1 0 0 0 0 0\n")
    assert "息公开申请 1 0 0 0 0 1\n" in text and "3.其他 1 0 0 0 0 0\n" in text
    cells = _cells(parse_tables(text))
    for row, read in (("逾期不补正", [1, 0, 0, 0, 0, 1]), ("其他", [1, 0, 0, 0, 0, 0])):
        assert [cells.get(f"申请.办理结果.其他处理.{row}.{c}") for c in S.APPLICANT_KEYS + ["总计"]] == read + [None]


def test_all_labels_before_all_numbers_are_dealt_row_by_row():
    # a PDF read column by column: the 25 row labels first, then the 25 rows of numbers
    labels = [label for _, label, _, _ in S.T3_2021]
    numbers = [" ".join(map(str, values)) for _, _, _, values in S.T3_2021]
    text = S.T3_HEADER_NOTE + "\n申请人情况\n" + "\n".join(labels) + "\n" + "\n".join(numbers)
    expected = {k: v for k, v in S.expected_2021().items() if k.startswith("申请.")}
    assert _cells(parse_tables(text)) == expected


def test_html_captions_outside_the_tables_and_scripts_ignored():
    subtable = ("<p>第二十条第（{n}）项</p><script>var x = '行政许可 9';</script>"
                "<table><tr><td>信息内容</td><td>本年处理决定数量</td></tr><tr><td>{row}</td><td>{v}</td></tr></table>")
    html = "<div>" + subtable.format(n="五", row="行政许可", v=31) + subtable.format(n="六", row="行政处罚", v=4) + "</div>"
    cells = {c.key: c for t in parse_tables(html) for c in t.cells}
    assert {k: c.value for k, c in cells.items()} == {"主动公开.行政许可.处理决定": 31, "主动公开.行政处罚.处理决定": 4}
    assert html[cells["主动公开.行政许可.处理决定"].start:cells["主动公开.行政许可.处理决定"].end] == "31"


def test_space_aligned_pdf_text_keeps_blank_cells_in_their_columns():
    expected = {k: v for k, v in S.expected_2021().items() if k.startswith("申请.")}
    assert _cells(parse_tables(S.pdf_layout())) == expected
    blank = frozenset({("办理结果.不予公开.国家秘密", 1), ("办理结果.不予公开.国家秘密", 5),
                       ("办理结果.无法提供.不掌握", 0), ("办理结果.无法提供.不掌握", 6)})
    cells = _cells(parse_tables(S.pdf_layout(blank)))
    missing = {f"申请.{key}.{(S.APPLICANT_KEYS + ['总计'])[j]}" for key, j in blank}
    assert cells == {k: v for k, v in expected.items() if k not in missing}


def test_numbers_a_layout_reader_glued_together_are_split_where_the_identities_say():
    # pypdf's layout mode can drop the space between two numbers of narrow columns
    expected = S.expected_2021()
    assert _cells(parse_tables(S.pdf_layout_glued())) == {k: v for k, v in expected.items() if not k.startswith("主动公开.")}


def test_three_numbers_glued_into_one_are_split_where_the_identities_say():
    # three narrow columns in a row: 本年新收's 3, 1 and 0 read as 310
    printed = "一、本年新收政府信息公开申请数量 20 3 1 0 2 1 27"
    text = S.pdf_text().replace(printed, "一、本年新收政府信息公开申请数量 20 310 2 1 27", 1)
    assert printed in S.pdf_text() and text != S.pdf_text()
    expected = {k: v for k, v in S.expected_2021().items() if k.startswith("申请.")}
    assert {k: v for k, v in _cells(parse_tables(text)).items() if k.startswith("申请.")} == expected


def test_two_splits_that_keep_the_row_total_are_told_apart_by_the_column_sums():
    # 339 is 33 and 9 or 3 and 39: both keep 本年新收's 总计; only 33 9 keeps T3-1 down the columns
    values = {"本年新收": [33, 9, 1, 2, 2, 1], "办理结果.予以公开": [30, 8, 1, 1, 1, 1]}
    values["办理结果"] = values["办理结果.予以公开"]
    values["结转下年度"] = [a - b for a, b in zip(values["本年新收"], values["办理结果"])]
    table = S.table3(values)
    printed = " 33 9 "
    text = S.pdf_text(table=table).replace(printed, " 339 ", 1)
    assert printed in S.pdf_text(table=table) and printed not in text
    assert {k: v for k, v in _cells(parse_tables(text)).items() if k.startswith("申请.")} == S.table3_cells(table)


def test_a_row_short_for_its_blank_cells_is_not_split_as_if_glued():
    # layout text of a table that prints 0 with two cells left blank: 0 0 0 13 _ 15 could be read
    # as 0 0 0 1 3 1 5 (which keeps its 总计), but the gap a blank column leaves says otherwise
    table = S.table3(dict.fromkeys(["本年新收", "办理结果.无法提供.补正后仍不明确", "办理结果"], [1, 0, 0, 0, 13, 1]))
    blank = frozenset({("办理结果.予以公开", 0), ("办理结果.无法提供.补正后仍不明确", 0), ("办理结果.无法提供.补正后仍不明确", 5)})
    expected = {f"申请.{key}.{col}": v for _, _, key, row in table
                for j, (col, v) in enumerate(zip(S.APPLICANT_KEYS + ["总计"], row)) if (key, j) not in blank}
    assert _cells(parse_tables(S.pdf_layout(blank, table))) == expected


def test_a_glued_number_is_left_alone_when_two_splits_fit():
    from govreport.inference.tables.tokens import View
    from govreport.inference.tables.walk import unglue

    def holds(values):
        return sum(values[:6]) == values[6]

    # 110 is 1 and 10, or 11 and 0: both rows add up to 11, so neither is taken
    assert unglue(View("110 0 0 0 0 11").tokens, 7, holds) is None
    assert [t.raw for t in unglue(View("4118 17 12 24 12 124").tokens, 7, holds)] == \
        ["41", "18", "17", "12", "24", "12", "124"]
    # a leading zero is no number a table prints: 105 is never 10 and 05
    assert unglue(View("105 0 0 0 0 5").tokens, 7, holds) is None


def test_rows_printed_as_column_blocks_beside_a_group_label_are_dealt_by_column():
    # pdftotext -layout: two labels, then both rows' first four numbers, their fifth, their last two
    expected = {k: v for k, v in S.expected_2021().items() if k.startswith("申请.")}
    assert _cells(parse_tables(S.pdf_layout_blocks())) == expected


def test_a_count_printed_with_its_unit_in_a_cell_is_read():
    text = "第二十条第（五）项\n信息内容 | 本年处理决定数量 |\n行政许可 | 12件 |\n第二十条第（六）项\n信息内容 | 本年处理决定数量 |\n行政处罚 ║ 3 ║"
    assert _cells(parse_tables(text)) == {"主动公开.行政许可.处理决定": 12, "主动公开.行政处罚.处理决定": 3}


# Blank cells where their row shows them only by position: the 科研机构 and 总计 cells of
# （一）予以公开 and the first and last cells of table 4 printed empty.
_BLANKED = {"申请.办理结果.予以公开.科研机构", "申请.办理结果.予以公开.总计", "复议诉讼.行政复议.维持",
            "复议诉讼.复议后起诉.总计"}


def _expected_without_blanks() -> dict:
    return {k: v for k, v in S.expected_2021().items() if k not in _BLANKED}


@pytest.mark.parametrize("stray_tab", [False, True])
def test_tab_rows_keep_blank_cells_at_either_end(stray_tab):
    # a tab row has no closing separator: "8\t2\t\t0\t1\t0\t" ends with a blank 总计, and a
    # table-4 row starting with a tab starts with a blank; some copies end every row with a tab
    text = (S.tab_separated()
            .replace("（一）予以公开\t8\t2\t1\t0\t1\t0\t12", "（一）予以公开\t8\t2\t\t0\t1\t0\t")
            .replace("\t".join(map(str, S.T4)), "\t".join([""] + list(map(str, S.T4[1:-1])) + [""])))
    if stray_tab:
        text = "\n".join(line + "\t" if "\t" in line else line for line in text.split("\n"))
    tables = parse_tables(text)
    assert _cells(tables) == _expected_without_blanks()
    assert all(c.ok for c in check_tables(tables))


def test_one_cell_per_line_bar_lines_are_blank_cells():
    # "|" alone after a closed cell ("2 |") is a blank cell; after an unclosed one ("8", "（七）总计")
    # it is that cell's slipped bar
    t4 = "\n".join(f"{v} |" for v in S.T4)
    text = (S.cell_per_line_pipes()
            .replace("（一）予以公开 |\n8 |\n2 |\n1 |\n0 |\n1 |\n0 |\n12 |", "（一）予以公开 |\n8\n|\n2 |\n|\n0 |\n1 |\n0 |\n|")
            .replace(t4, "\n".join(["|"] + t4.split("\n")[1:-1] + ["|"])))
    assert "（七）总计\n|" in text
    tables = parse_tables(text)
    assert _cells(tables) == _expected_without_blanks()
    assert all(c.ok for c in check_tables(tables))


def _busy_table3() -> list:
    """Table 3 (2021 layout) with a different count in nearly every cell, its identities kept:
    a block laid on the wrong cells breaks some row's 总计."""
    outcomes = [key for _, _, key, _ in S.T3_2021 if key.startswith("办理结果.")]
    counts = {key: [(3 * i + c) % 5 for c in range(6)] for i, key in enumerate(outcomes)}
    counts["办理结果"] = [sum(col) for col in zip(*counts.values())]
    counts["结转下年度"] = [1, 0, 2, 0, 1, 0]
    counts["上年结转"] = [0] * 6
    counts["本年新收"] = [a + b for a, b in zip(counts["办理结果"], counts["结转下年度"])]
    return S.table3(counts)


@pytest.mark.parametrize("before_heading, above", [(False, 0), (True, 0), (False, 3)])
def test_pdftotext_blocks_after_the_table_fill_its_short_rows(before_heading, above):
    # pdftotext's default mode: the lower rows print two numbers each, the rest of the grid
    # follows as blocks (before table 4's heading or after it, before its column header); the
    # first short rows' numbers may stand on the line above their labels
    table = _busy_table3()
    tables = parse_tables(S.pdftotext_blocks(table, before_heading=before_heading, above=above))
    expected = {**S.table3_cells(table), **dict(zip(S.T4_KEYS, S.T4))}
    assert _cells(tables) == expected
    assert all(c.ok for c in check_tables(tables))


def test_pdftotext_blocks_that_break_a_row_total_are_not_laid():
    # two blocks in the wrong order: some row no longer adds up, so the short rows keep only
    # the numbers printed after their labels, and no cell is keyed wrong
    table = _busy_table3()
    cells = _cells(parse_tables(S.pdftotext_blocks(table, swap=True)))
    expected = S.table3_cells(table)
    short = {f"申请.{key}" for _, _, key, _ in table[13:]}
    assert {k: v for k, v in cells.items() if k.startswith("申请.")} == {
        k: v for k, v in expected.items() if k.rsplit(".", 1)[0] not in short or k.split(".")[-1] in S.APPLICANT_KEYS[:2]}
    assert {k: v for k, v in cells.items() if k.startswith("复议诉讼.")} == dict(zip(S.T4_KEYS, S.T4))


def test_table4_row_follows_its_header_when_other_numbers_stand_before_it():
    # numbers of another table between table 4's heading and its header: the row is the one
    # after the header, though the numbers before it keep T4-1 too (3 = 1 + 1 + 0 + 1 …)
    stray = "\n".join(["1 1 0 1 3", "0 0 1 1 2", "2 0 0 0 2"])
    text = ("四、政府信息公开行政复议、行政诉讼情况\n\n" + stray + "\n\n行政复议\n行政诉讼\n未经复议直接起诉\n复议后起诉\n"
            + "结果维持 结果纠正 其他结果 尚未审结 总计 " * 3 + "\n" + " ".join(map(str, S.T4)) + "\n五、存在的主要问题")
    assert _cells(parse_tables(text)) == dict(zip(S.T4_KEYS, S.T4))


def test_a_label_printed_below_its_own_numbers_keeps_them():
    # a tall cell read bottom first: the row's numbers, then its label, then the next row
    text = S.pdf_text().replace("4.保护第三方合法权益 2 0 0 0 0 0 2", "2 0 0 0 0 0 2\n4.保护第三方合法权益")
    assert _cells(parse_tables(text)) == S.expected_2021()


def test_a_mirror_sites_pinyin_glosses_inside_labels_are_read_past():
    # 行(xíng)政 in every label that holds 行政, 结(jié)转 in table 3's rows
    text = S.pdf_text().replace("行政", "行(xíng)政").replace("结转", "结（jié）转")
    assert "(xíng)" in text and "（jié）" in text
    assert _cells(parse_tables(text)) == S.expected_2021()


def test_numbers_of_another_table_between_the_labels_and_their_rows_are_passed_over():
    # a PDF read label column first, with two numbers of table 2 printed between table 3's labels
    # and its rows: dealt from the head, every row would slide two cells and break its 总计
    table = _busy_table3()
    labels = [label for _, label, _, _ in table]
    numbers = [" ".join(map(str, values)) for _, _, _, values in table]
    text = S.T3_HEADER_NOTE + "\n申请人情况\n" + "\n".join(labels) + "\n现行有效件数\n2\n0\n" + "\n".join(numbers)
    assert _cells(parse_tables(text)) == S.table3_cells(table)


def test_a_wrapped_labels_numbers_printed_around_its_break_are_put_back_in_order():
    # pdftotext: the row's last numbers on the line above the rest of its label, its first ones after it
    row = "（二）部分公开（区分处理的，只计这一情形，不计其他情形） 3 1 0 0 0 0 4"
    text = S.pdf_text().replace(row, "（二）部分公开（区分处理的，只计这一情\n0 0 4\n形，不计其他情形） 3 1 0 0")
    assert text != S.pdf_text()
    assert _cells(parse_tables(text)) == S.expected_2021()


def test_column_blocks_with_blank_cells_give_their_rows_no_cell():
    # pdftotext -layout: two rows beside a group label printed as column blocks, some cells blank
    # and dropped: 11 numbers for 14 cells, and which row holds which cannot be told
    table = _busy_table3()
    rows = ("办理结果.不予公开.第三方权益", "办理结果.不予公开.内部事务")
    blank = frozenset((key, j) for _, _, key, values in table if key in rows for j, v in enumerate(values) if v == 0)
    assert len(blank) == 3
    cells = _cells(parse_tables(S.pdf_layout_blocks(rows[0], table, blank)))
    expected = S.table3_cells(table)
    assert not {k for k in cells if k.rsplit(".", 1)[0] in {f"申请.{r}" for r in rows}}
    assert all(expected[k] == v for k, v in cells.items())


def test_pdftotext_reading_of_a_word_processors_pdf_keeps_its_numbers_in_row_order():
    # labels away from their rows, first cells apart from the rest, and the next section's heading
    # inside table 4: the numbers, dealt in row order, keep every identity
    table = _busy_table3()
    tables = parse_tables(S.pdftotext_word_processor(table))
    assert _cells(tables) == {**S.table3_cells(table), **dict(zip(S.T4_KEYS, S.T4))}
    assert all(c.ok for c in check_tables(tables))


def test_table_4_is_not_read_past_the_next_section_where_its_blocks_would_not_add_up():
    # table 4's first block, then the next section, whose first sentence prints ten numbers:
    # read on past its heading they make fifteen, but the blocks they fill do not add up
    text = S.pdftotext_word_processor(_busy_table3())
    text = text[:text.index("行政诉讼\n")] + "一是编号 1 2 3 4 5 6 7 8 9 10 的申请已办结。"
    assert not [c for t in parse_tables(text) if t.number == 4 for c in t.cells]


def _glued(table: list, blank_zeros: bool = False) -> str:
    """Table 3 and table 4 as a scraper that joins cells with nothing between them gives them
    (``BeautifulSoup.get_text()``): a row per line, its label and numbers one string."""
    def cells(values):
        return "".join(str(v) for v in values if not (blank_zeros and v == 0))
    lines = ["三、收到和处理政府信息公开申请情况", S.T3_HEADER_NOTE + "申请人情况" + "".join(S.T3_COLUMNS)]
    lines += [label + cells(values) for _, label, _, values in table]
    lines += ["四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼未经复议直接起诉复议后起诉"
              + "结果维持结果纠正其他结果尚未审结总计" * 3 + cells(S.T4) + "五、存在的主要问题及改进情况"]
    return "\n".join(lines)


def test_rows_a_scraper_glued_together_are_split_where_the_identities_say():
    # 一、本年新收…数量 + "20 10 14 9 11 21 85" joined: the row totals and the column sums split
    # every row; table 4's fifteen cells are one string, split by its blocks' totals
    table = _busy_table3()
    tables = parse_tables(_glued(table))
    cells = _cells(tables)
    expected = {**S.table3_cells(table), **dict(zip(S.T4_KEYS, S.T4))}
    assert {k: v for k, v in cells.items() if k.startswith("申请.")} == S.table3_cells(table)
    assert all(expected[k] == v for k, v in cells.items())      # a table-4 cell the totals leave open is left out
    assert sum(k.startswith("复议诉讼.") for k in cells) >= 9


def test_rows_glued_together_with_their_zeros_blank_give_no_cell():
    # the blanks joined away: nothing can split the rows back, and no row keys its string as one number
    cells = _cells(parse_tables(_glued(_busy_table3(), blank_zeros=True)))
    assert not [k for k in cells if k.startswith("申请.")]


def test_a_glued_table_2_row_is_read_only_one_digit_a_cell():
    text = ("第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数\n规章213\n行政规范性文件0315\n"
            "第二十条第（五）项信息内容上一年项目数量本年增/减处理决定数量\n行政许可964+1976\n其他对外管理服务事项0+30")
    cells = _cells(parse_tables(text))
    assert cells == {"主动公开.规章.本年制发": 2, "主动公开.规章.本年废止": 1, "主动公开.规章.现行有效": 3}


def test_rows_glued_into_one_line_are_split_at_their_labels():
    # a page whose HTML has no line break between rows: each row's digits run into the next
    # label's enumerator (…00101132.其他法律…), which stays the label's
    table = _busy_table3()
    text = _glued(table).replace("\n", "")
    cells = _cells(parse_tables(text))
    assert {k: v for k, v in cells.items() if k.startswith("申请.")} == S.table3_cells(table)
