"""Tests for reports in documents: title lines, sections, lone table cells, an injected table
parser and checker, the JSONL nesting, the CSV columns and ``govreport extract --checks``.

The tagger is a regular expression over a tiny lexicon and the table parser a small fake
with the interface of inference.tables (docs/output-format.md), so nothing here loads a model.
The page is invented: labels from the spec, invented agencies and numbers.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass

import pytest

from govreport.data.schema import Record, Span
from govreport.inference import cli
from govreport.inference.extract import DocEnd, Extractor, Piece
from govreport.inference.lone_cells import is_lone_cell
from govreport.inference.reader import Document
from govreport.inference.reports import Sections, iter_segments, title_line
from govreport.inference.writers import CSV_COLUMNS

PAGE = (
    "网站首页 | 搜索\n热门 2\n"
    "甲市水利局2019年政府信息公开工作年度报告简介\n"
    "甲市水利局2019年政府信息公开工作年度报告\n"
    "一、总体情况\n全年发布工作动态12条。\n"
    "二、收到和处理政府信息公开申请情况\n"
    "一、本年新收政府信息公开申请数量 | 3 | 4 | 7\n"
    "二、上年结转政府信息公开申请数量 | 1 | 1 | 3\n"
    "三、其他需要报告的事项\n0\n• 0 |\n浏览量12次。\n"
    "2020年乙县财政局政府信息公开工作年度报告\n"
    "一、总体情况\n开通微博账号4个。\n"
)
# a VALUE is a number that is not a year (the years of title lines would make records of their own)
_RULES = re.compile(r"(?P<METRIC>工作动态|浏览量|微博账号)|(?P<VALUE>[0-9]+(?![0-9]*年))|(?P<UNIT>[条件次个])")


def rule_tagger(texts):
    return [([Span(m.start(), m.end(), m.lastgroup) for m in _RULES.finditer(t)], None) for t in texts]


@dataclass
class FakeCell:
    key: str
    metric: str
    column: str
    value: int
    start: int
    end: int

    def to_record(self) -> Record:
        return Record(self.metric, self.value, "件", str(self.value), value_span=(self.start, self.end),
                      extra={"origin": "table", "metric_key": self.key, "column": self.column})


@dataclass
class FakeTable:
    start: int
    end: int
    cells: list


@dataclass
class FakeCheck:
    identity: str
    ok: bool
    expected: int
    found: int

    def to_dict(self):
        return {"identity": self.identity, "ok": self.ok, "keys": [], "expected": self.expected, "found": self.found}


_ROWS = re.compile(r"(?:^[^\n|]+(?: \| \d+)+\n)+", re.M)


def fake_parser(text):
    """Every run of pipe rows "label | n | n | total" is a table; its numbers are cells."""
    tables = []
    for block in _ROWS.finditer(text):
        cells = []
        for row in re.finditer(r"^([^\n|]+)((?: \| \d+)+)$", block.group(), re.M):
            label = row.group(1).split("、")[-1][:4]
            for col, num in zip(("自然人", "法人或其他组织", "总计"), re.finditer(r"\d+", row.group(2))):
                at = block.start() + row.start(2) + num.start()
                cells.append(FakeCell(f"申请.{label}.{col}", label, col, int(num.group()), at, at + len(num.group())))
        tables.append(FakeTable(block.start(), block.end() - 1, cells))
    return tables


def fake_checker(tables):
    """Per row: the numbers before the total sum to it."""
    checks = []
    for table in tables:
        for i in range(0, len(table.cells), 3):
            a, b, total = table.cells[i:i + 3]
            checks.append(FakeCheck(f"T3-2 {a.metric}", a.value + b.value == total.value, a.value + b.value, total.value))
    return checks


def extract(**kwargs):
    (result,) = Extractor(rule_tagger, **kwargs).extract_documents([PAGE], ids=["page"])
    return result


# ---- title lines and segments


@pytest.mark.parametrize("line, title", [
    ("2020年吉林省商务厅政府信息公开年度报告简介", "2020年吉林省商务厅政府信息公开年度报告"),
    ("甲市2021年国民经济和社会发展统计公报", "甲市2021年国民经济和社会发展统计公报"),
    ("2023年乙县人民政府工作报告", "2023年乙县人民政府工作报告"),
    ("2008年丙区建设局政府信息公开年度报告 2008年丙区建设局政府信息公开年度报告", "2008年丙区建设局政府信息公开年度报告"),
    ("丁省人民政府2018年政府信息公开工作年度报告.pdf", "丁省人民政府2018年政府信息公开工作年度报告"),
    ("乙县2021年国民经济和社会发展统计公报(节选)", "乙县2021年国民经济和社会发展统计公报"),
    ("丁省商务厅2018年政府信息公开年度报告造价信息", None),  # site clutter around a title
    ("每日一报 | 丁省2015年政府信息公开工作年度报告", None),  # a site's headline
    ("现公布2020年吉林省商务厅政府信息公开年度报告。", None),
    ("附件:2019年政府信息公开工作年度报告", None),
    ("政府信息公开工作年度报告", None),  # no year
    ("本报告", None),
])
def test_title_lines(line, title):
    meta = title_line(line)
    assert (meta and meta["title"]) == title


@pytest.mark.parametrize("line, agency, year", [
    ("甲市人民政府办公室关于2020年政府信息公开工作年度报告", "甲市人民政府办公室", 2020),  # 关于 is no part of the name
    ("乙县水利局二〇二一年政府信息公开工作年度报告", "乙县水利局", 2021),  # the year in Chinese digits
    ("二○一九年度丙区财政局政府信息公开工作年度报告", "丙区财政局", 2019),
])
def test_title_agency_and_year(line, agency, year):
    meta = title_line(line)
    assert (meta["agency"], meta["year"]) == (agency, year)


def test_segments_cut_at_titles_and_keep_repeated_titles_together():
    chunks = [(0, PAGE[:40]), (40, PAGE[40:97]), (97, PAGE[97:])]  # cut inside the first title line
    segments = list(iter_segments(chunks))
    assert "".join(s.text for s in segments) == PAGE
    assert all(PAGE[s.start:s.start + len(s.text)] == s.text for s in segments)
    reports = [s.report for s in segments]
    assert reports[0] is None and segments[0].text == "网站首页 | 搜索\n热门 2\n"
    first, second = reports[1], reports[-1]
    assert (first.title, first.agency, first.year) == ("甲市水利局2019年政府信息公开工作年度报告", "甲市水利局", 2019)
    assert (second.title, second.agency, second.year) == ("2020年乙县财政局政府信息公开工作年度报告", "乙县财政局", 2020)
    assert (first.start, first.end, second.start, second.end) == (
        PAGE.index("甲市"), PAGE.index("2020年乙县"), PAGE.index("2020年乙县"), len(PAGE))
    # a long report is handed on in parts of at most max_chars and a chunk, all of the same report
    parts = list(iter_segments([(i, PAGE[i:i + 10]) for i in range(0, len(PAGE), 10)], max_chars=30))
    assert "".join(s.text for s in parts) == PAGE and max(len(s.text) for s in parts) <= 40
    assert {p.report.title for p in parts if p.report} == {first.title, second.title} and len(parts) > 6
    assert all(s.text.endswith("\n") or s is parts[-1] for s in parts)  # cut at line ends


def test_a_long_report_is_cut_after_a_line_that_ends_a_sentence():
    # a PDF's paragraph goes on across its line breaks: a part cut at one would end a sentence there
    text = "共发布政府信息\n公开工作动态\n252条。\n主动公开各类\n政府信息55条，\n浏览量12次。\n" * 6
    parts = list(iter_segments([(i, text[i:i + 12]) for i in range(0, len(text), 12)], max_chars=40))
    assert "".join(s.text for s in parts) == text and max(len(s.text) for s in parts) <= 52
    assert all(s.text.endswith("。\n") for s in parts)


def test_a_title_printed_again_in_parts_continues_its_report():
    text = "正阳街道办事处2023年政府信息公开工作年度报告\n正阳街道办事处\n2023年政府信息公开工作年度报告\n共3件。\n"
    assert [s.report.title for s in iter_segments([(0, text)])] == ["正阳街道办事处2023年政府信息公开工作年度报告"]
    other_year = text + "2024年政府信息公开工作年度报告\n"
    assert len({id(s.report) for s in iter_segments([(0, other_year)])}) == 2


def test_a_title_on_the_last_line_and_a_document_with_no_title():
    (seg,) = [s for s in iter_segments([(0, "前言\n2019年某局统计公报")]) if s.report]
    assert (seg.start, seg.text, seg.report.end) == (3, "2019年某局统计公报", 14)
    assert [(s.start, s.report) for s in iter_segments([(0, "共3件。\n无")])] == [(0, None)]
    assert list(iter_segments([])) == []


def test_a_line_a_pdf_page_wrapped_is_no_title_however_it_ends():
    # a link's caption the page broke: 下一篇：…关于印发 / 2019年…年报 (36 columns wide)
    link = "下一篇：乙县水利局办公室关于印发《乙"
    caption = "2019年乙县水利局政府信息公开年报"
    for last in ("\n", ""):  # the caption on a line of its own, or the document's last line
        text = "2018年甲县水利局政府信息公开年报\n共3件。\n" + link + "\n" + caption + last
        assert [s.report.title for s in iter_segments([(0, text)], page=36)] == ["2018年甲县水利局政府信息公开年报"]
        assert len({id(s.report) for s in iter_segments([(0, text)])}) == 2  # no width known: a title
        # a line short of the page width ends there: the title under it starts a report
        short = text.replace(link, link[:-6])
        assert len({id(s.report) for s in iter_segments([(0, short)], page=36)}) == 2


def test_sections_follow_the_reports_numbering():
    text = ("(一)网站情况\n发布3条。\n二、重点工作\n(一)制度建设,完善机制。\n"
            "一、本年新收政府信息公开申请数量\n二、上年结转政府信息公开申请数量\n三、依申请公开情况\n办结2件。\n"
            "四、结转下年度继续办理\n五、存在的主要问题\n表\n六、这是一个很长的句子,所以它不是标题而是正文。\n")
    s = Sections(text)
    assert [h for _, h in s.top] == ["二、重点工作", "三、依申请公开情况", "五、存在的主要问题"]
    assert s.at(0) == "(一)网站情况" and s.at(text.index("发布")) == "(一)网站情况"
    assert s.at(text.index("一、本年")) == "二、重点工作" and s.at(text.index("办结")) == "三、依申请公开情况"
    assert s.at(text.index("表")) == "五、存在的主要问题"
    assert Sections("无标题。").at(2) is None
    # a heading inside a table region is none
    assert Sections(text, exclude=[(text.index("三、依"), text.index("办结"))]).at(text.index("办结")) == "二、重点工作"


# ---- lone cells


@pytest.mark.parametrize("text, lone", [("0", True), ("• 13%", True), (" 12 | 0 |", True), ("4个", True),
                                         ("热门 2", False), ("共0件", False), ("报告1", False),
                                         ("P. 9", True), ("- 12 -", True), ("第3页", True), ("P9型号", False)])
def test_lone_cells(text, lone):
    records = [Record(None, int(m.group()), None, m.group(), value_span=m.span()) for m in re.finditer(r"\d+", text)]
    if text.endswith("个"):
        records[0].unit, records[0].unit_span = "个", (1, 2)
    assert is_lone_cell(text, records) is lone


def test_a_record_with_a_metric_is_never_a_lone_cell():
    assert not is_lone_cell("12", [Record("工作动态", 12, None, "12", value_span=(0, 2), metric_span=(0, 1))])


# ---- the extractor on a page of reports


def test_records_are_credited_to_their_report_and_section():
    result = extract(table_parser=None)
    assert [r.title for r in result.reports] == ["甲市水利局2019年政府信息公开工作年度报告", "2020年乙县财政局政府信息公开工作年度报告"]
    first, second = result.reports
    # the clutter before the first title belongs to no report
    outside = [r for r in result.records if not any(r is x for rep in result.reports for x in rep.records)]
    assert [(r.value, r.extra["section"]) for r in outside] == [(2, None)]
    assert outside[0].value_span[0] < first.start
    prose = [(r.metric, r.value, r.extra["section"]) for r in first.records if r.metric]
    assert prose == [("工作动态", 12, "一、总体情况"), ("浏览量", 12, "三、其他需要报告的事项")]
    assert [(r.metric, r.value, r.extra["section"], r.extra["origin"]) for r in second.records] == [
        ("微博账号", 4, "一、总体情况", "prose")]
    for report in result.reports:
        assert all(report.start <= r.value_span[0] < report.end for r in report.records)
    # without a table parser the pipe rows are prose; the lone "0" cells are left out
    assert [r.value for r in first.records if r.metric is None] == [3, 4, 7, 1, 1, 3]
    assert not any(PAGE[r.value_span[0]:r.value_span[1]] == "0" for r in result.records)


def test_lone_cells_are_counted_not_recorded():
    # read as prose (no table parser), the table's lone "0" cells are left out and counted
    pieces = [e for e in Extractor(rule_tagger, table_parser=None).stream([Document.from_text(PAGE)]) if isinstance(e, Piece)]
    assert sum(p.dropped for p in pieces) == 2
    assert [p.text for p in pieces if p.dropped] == ["0", "• 0 |"]
    kept = Extractor(rule_tagger, table_parser=None, drop_lone_cells=False).extract([PAGE])[0]
    assert len(kept) == len(extract(table_parser=None).records) + 2


def test_table_cells_come_from_the_parser_and_skip_the_tagger():
    seen = []

    def tagger(texts):
        seen.extend(texts)
        return rule_tagger(texts)

    (result,) = Extractor(tagger, table_parser=fake_parser, table_checker=fake_checker).extract_documents([PAGE])
    first = result.reports[0]
    table = [r for r in first.records if r.extra["origin"] == "table"]
    assert [(r.extra["metric_key"], r.value) for r in table] == [
        ("申请.本年新收.自然人", 3), ("申请.本年新收.法人或其他组织", 4), ("申请.本年新收.总计", 7),
        ("申请.上年结转.自然人", 1), ("申请.上年结转.法人或其他组织", 1), ("申请.上年结转.总计", 3)]
    assert {r.extra["section"] for r in table} == {"二、收到和处理政府信息公开申请情况"}
    # offsets index the page, not the report's text
    assert all(PAGE[r.value_span[0]:r.value_span[1]] == str(r.value) for r in table)
    # the table's text never reached the tagger, and its rows are no sections
    assert not any("|" in t and "本年新收" in t for t in seen)
    assert [r.metric for r in first.records if r.extra["origin"] == "prose"] == ["工作动态", "浏览量"]
    assert [r.value for r in first.records] == [12, 3, 4, 7, 1, 1, 3, 12]  # text order
    assert [c.to_dict() for c in first.checks] == [
        {"identity": "T3-2 本年新收", "ok": True, "keys": [], "expected": 7, "found": 7},
        {"identity": "T3-2 上年结转", "ok": False, "keys": [], "expected": 2, "found": 3}]
    assert result.reports[1].checks == [] and result.checks == []


def test_a_failing_parser_costs_its_tables_not_the_prose(caplog):
    def broken(text):
        raise RuntimeError("boom")

    (result,) = Extractor(rule_tagger, table_parser=broken).extract_documents([PAGE])
    assert result.error is None and "table parser failed" in caplog.text
    assert [r.records for r in result.reports] == [r.records for r in extract(table_parser=None).reports]


# ---- writers and the command line


@pytest.fixture
def fake_cli(monkeypatch):
    """govreport extract with the rule tagger and the fake table parser instead of a model."""
    def from_pretrained(cls, *args, **kwargs):
        return Extractor(rule_tagger, table_parser=fake_parser, table_checker=fake_checker)

    monkeypatch.setattr(Extractor, "from_pretrained", classmethod(from_pretrained))


def test_jsonl_nests_document_reports_records(fake_cli, tmp_path, capsys):
    src = tmp_path / "page.txt"
    src.write_text(PAGE, encoding="utf-8")
    checks = tmp_path / "out" / "failing.jsonl"
    code = cli.main([str(src), "-o", str(tmp_path / "out.jsonl"), "--checks", str(checks)])
    err = capsys.readouterr().err
    assert code == 0
    assert "1 documents, 2 reports" in err and "10 records (4 prose, 6 table)" in err
    assert "2 lone table cells left out, 1 failing checks, 0 failed" in err
    (doc,) = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert list(doc) == ["id", "source", "title", "agency", "year", "model", "govreport_version", "label", "scores",
                         "checks", "reports", "records"]
    assert [r["value"] for r in doc["records"]] == [2]
    first, second = doc["reports"]
    assert list(first) == ["title", "agency", "year", "start", "end", "checks", "records"]
    assert (first["agency"], first["year"], second["agency"], second["year"]) == ("甲市水利局", 2019, "乙县财政局", 2020)
    assert [(r["origin"], r.get("metric_key")) for r in first["records"]][:2] == [
        ("prose", "主动公开.工作动态"), ("table", "申请.本年新收.自然人")]  # prose keyed by inference.keys
    assert [c["ok"] for c in first["checks"]] == [True, False]
    (failing,) = [json.loads(line) for line in checks.read_text(encoding="utf-8").splitlines()]
    assert failing == {"id": str(src), "source": str(src), "report_title": first["title"], "report_agency": "甲市水利局",
                       "report_year": 2019, "identity": "T3-2 上年结转", "ok": False, "keys": [], "expected": 2,
                       "found": 3}


def test_csv_rows_name_report_section_and_origin(fake_cli, tmp_path, capsys):
    src = tmp_path / "page.txt"
    src.write_text(PAGE, encoding="utf-8")
    out = tmp_path / "out.csv"
    assert cli.main([str(src), "-o", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"), newline="")))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert {"report_title", "report_agency", "report_year", "section", "origin", "metric_key", "column"} <= set(rows[0])
    picked = [(r["report_agency"], r["report_year"], r["section"], r["origin"], r["metric_key"], r["column"], r["value"])
              for r in rows]
    assert picked[0] == ("", "", "", "prose", "", "", "2")  # the clutter before the first title
    assert picked[2] == ("甲市水利局", "2019", "二、收到和处理政府信息公开申请情况", "table", "申请.本年新收.自然人", "自然人", "3")
    assert picked[-1] == ("乙县财政局", "2020", "一、总体情况", "prose", "", "", "4")
    table = rows[2]
    assert table["sentence"] == "" and PAGE[int(table["sentence_start"]):int(table["sentence_end"])].startswith("一、本年新收")


def test_a_failed_document_writes_no_checks(fake_cli, tmp_path, capsys):
    bad = tmp_path / "logo.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    checks = tmp_path / "failing.jsonl"
    assert cli.main([str(bad), "-o", str(tmp_path / "o.jsonl"), "--checks", str(checks)]) == 1
    assert checks.read_text() == "" and f"FAILED {bad}" in capsys.readouterr().err


def test_stream_hands_complete_reports_to_doc_end():
    ends = [e for e in Extractor(rule_tagger).stream([Document.from_text(PAGE), Document.from_text("共3件。")])
            if isinstance(e, DocEnd)]
    assert [len(e.reports) for e in ends] == [2, 0]
    assert [(r.start, r.end, r.index) for r in ends[0].reports] == [
        (PAGE.index("甲市"), PAGE.index("2020年乙县"), 0), (PAGE.index("2020年乙县"), len(PAGE), 1)]
