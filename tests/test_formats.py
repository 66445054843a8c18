"""Tests for the .html/.htm, .pdf and .docx readers: text with block structure, tables as
rows, the same contract as .txt for broken files, a clear error without the optional readers.

The PDF and DOCX files are made in the test (a hand-written PDF, python-docx); tests that
need an optional reader skip when it is not installed. Texts are invented.
"""

from __future__ import annotations

import random
import re
import shutil
import sys

import pytest

from govreport.data.schema import Span
from govreport.eval import pdf_tables
from govreport.inference import cli
from govreport.inference.extract import Extractor
from govreport.inference.formats import read_html_text
from govreport.inference.tables import parse_html_tables, parse_tables
from govreport.inference.reader import MarkupDocument, iter_documents, read_formatted

TITLE = "甲市水利局2019年政府信息公开工作年度报告"
_RULES = re.compile(r"(?P<METRIC>工作动态|浏览量)|(?P<VALUE>[0-9]+(?![0-9]*年))|(?P<UNIT>[条件次])")


def rule_tagger(texts):
    return [([Span(m.start(), m.end(), m.lastgroup) for m in _RULES.finditer(t)], None) for t in texts]


def make_pdf(lines: list[str]) -> bytes:
    """A one-page PDF whose text layer holds ``lines``: a Type0 font with Identity-H encoding
    writes each character as its UTF-16 code, and the ToUnicode map sends every code to itself."""
    content = "BT /F1 12 Tf 14 TL 40 780 Td " + " ".join(
        "<" + line.encode("utf-16-be").hex().upper() + "> Tj T*" for line in lines) + " ET"
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /U def "
            "1 begincodespacerange <0000> <FFFF> endcodespacerange "
            "1 beginbfrange <0000> <FFFF> <0000> endbfrange endcmap CMapName currentdict /CMap defineresource pop end end")
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H /DescendantFonts [6 0 R] "
        "/ToUnicode 7 0 R >>",
        f"<< /Length {len(content.encode())} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> >>",
        f"<< /Length {len(cmap)} >>\nstream\n{cmap}\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


HTML = f"""<!DOCTYPE html><html><head><title>网站</title><style>p {{color: red}}</style></head>
<body><div class="nav">首页 &gt; 信息公开</div>
<h1>{TITLE}</h1>
<p>一、总体情况</p>
<p>全年发布工作动态<b>12</b>条,
   浏览量&nbsp;36次。</p>
<script>var hits = 99;</script>
<table border="1">
<tr><td rowspan="2">三、本年度办理结果</td><td colspan="2">（一）予以公开</td><td>5</td></tr>
<tr><td>（三）不予公开</td><td>1.属于国家秘密</td><td>&nbsp;</td></tr>
</table>
<ul><li>联系电话</li></ul></body></html>"""


def test_html_keeps_blocks_and_table_rows():
    text, tables = read_html_text(HTML)
    assert text.splitlines() == [
        "首页 > 信息公开", TITLE, "一、总体情况", "全年发布工作动态12条, 浏览量 36次。",
        "三、本年度办理结果 | （一）予以公开 | 5", "（三）不予公开 | 1.属于国家秘密 | |", "联系电话"]
    ((start, end, markup),) = tables
    assert text[start:end] == "三、本年度办理结果 | （一）予以公开 | 5\n（三）不予公开 | 1.属于国家秘密 | |"
    assert markup.startswith('<table border="1">') and markup.endswith("</table>") and 'rowspan="2"' in markup
    assert "99" not in text and "color" not in text and "网站" not in text  # script, style, head


# a report that prints its zeros as blank cells: rows that end (table 2) or open (table 4) blank
BLANK_EDGES = ("<p>二、主动公开政府信息情况</p><table><tr><td colspan=4>第二十条第（五）项</td></tr>"
               "<tr><td>信息内容</td><td>上一年项目数量</td><td>本年增/减</td><td>处理决定数量</td></tr>"
               "<tr><td>行政许可</td><td>883</td><td>+2</td><td>&nbsp;</td></tr>"
               "<tr><td>其他对外管理服务事项</td><td>33</td><td>-1</td><td>29</td></tr></table>"
               "<p>四、政府信息公开行政复议、行政诉讼情况</p><table>"
               "<tr><td colspan=5>行政复议</td><td colspan=10>行政诉讼</td></tr><tr>"
               + "".join(f"<td rowspan=2>{c}</td>" for c in ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"])
               + "<td colspan=5>未经复议直接起诉</td><td colspan=5>复议后起诉</td></tr><tr>"
               + "<td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td>" * 2 + "</tr><tr>"
               + "".join(f"<td>{v}</td>" for v in ["", 3, "", "", 3, 1, "", "", 1, 2, "", "", "", 4, 4]) + "</tr></table>")


def test_html_blank_cells_at_a_rows_ends_are_kept_as_blanks():
    # a bar at a line's end is read as the row's border: a blank end cell gets one beyond it
    text, _ = read_html_text(BLANK_EDGES)
    assert "行政许可 | 883 | +2 | |" in text.splitlines() and "| | 3 |  |  | 3 | 1 |  |  | 1 | 2 |  |  |  | 4 | 4" in text
    cells = {c.key: c.value for t in parse_tables(text) for c in t.cells}
    assert cells == {c.key: c.value for t in parse_html_tables(BLANK_EDGES) for c in t.cells}
    assert cells["主动公开.行政许可.上年项目数"] == 883 and "主动公开.行政许可.处理决定" not in cells
    assert cells["复议诉讼.行政复议.纠正"] == 3 and "复议诉讼.行政复议.维持" not in cells
    assert cells["复议诉讼.复议后起诉.尚未审结"] == 4 and len(cells) == 12
    # </td> and </tr> may be left out (HTML 4): the same rows
    assert read_html_text(BLANK_EDGES.replace("</td>", "").replace("</tr>", ""))[0] == text


def test_html_cells_written_as_paragraphs_stay_on_their_row():
    # word processors and site editors put each cell's text in a <p> (or break it with <br>)
    paragraphs = re.sub(r"(<td[^>]*>)(.*?)</td>", r"\1<p align=center>\2</p></td>", BLANK_EDGES)
    paragraphs = paragraphs.replace("上一年项目数量", "上一年<br>项目数量")
    text, _ = read_html_text(paragraphs)
    assert "信息内容 | 上一年 项目数量 | 本年增/减 | 处理决定数量" in text.splitlines()
    assert text == read_html_text(BLANK_EDGES)[0].replace("上一年项目数量", "上一年 项目数量")


def test_html_page_laid_out_in_a_table_keeps_its_lines():
    # the whole report in one cell, beside a short one: its title and headings stay lines
    page = (f"<table><tr><td>导航</td><td><p>{TITLE}</p><p>一、总体情况</p><p>全年发布工作动态12条。</p>"
            + "<p>" + "全年发布政府信息公开工作动态。" * 14 + "</p></td></tr></table>")
    text, _ = read_html_text(page)
    assert text.splitlines()[:4] == ["导航 | ", TITLE, "一、总体情况", "全年发布工作动态12条。"]
    # a table inside a cell is part of that cell, and no end of the row around it
    nested = "<table><tr><td>规章<table><tr><td>甲</td></tr></table></td><td>3</td></tr></table>"
    assert read_html_text(nested)[0].splitlines() == ["规章 甲 | 3"]


def test_html_file_is_a_document_with_its_title(tmp_path):
    path = tmp_path / "report.htm"
    path.write_bytes(HTML.replace("<head>", '<head><meta charset="gbk">').encode("gbk"))
    doc = read_formatted(path)
    assert isinstance(doc, MarkupDocument) and doc.error is None and doc.meta["agency"] == "甲市水利局"
    (result,) = Extractor(rule_tagger).extract_documents(["".join(c for _, c in doc.chunks())])
    assert [r.title for r in result.reports] == [TITLE]
    assert [(r.metric, r.value, r.extra["section"]) for r in result.records if r.metric] == [
        ("工作动态", 12, "一、总体情况"), ("浏览量", 36, "一、总体情况")]


def test_pdf_text_is_read(tmp_path):
    pytest.importorskip("pypdf")
    path = tmp_path / "report.pdf"
    path.write_bytes(make_pdf([TITLE, "一、总体情况", "全年发布工作动态12条。"]))
    doc = read_formatted(path)
    assert doc.error is None and doc.meta["title"] == TITLE
    assert "".join(c for _, c in doc.chunks()) == f"{TITLE}\n一、总体情况\n全年发布工作动态12条。\n"
    assert doc.layout_pages == [] and doc.layout_reading(0, 100) is None   # no table marker: read once


def test_pdf_table_pages_are_read_again_by_position_and_a_failure_there_costs_nothing(tmp_path, monkeypatch, caplog):
    pypdf = pytest.importorskip("pypdf")
    path = tmp_path / "report.pdf"
    path.write_bytes(make_pdf([TITLE, "第二十条第（一）项", "信息内容 本年制发件数 本年废止件数 现行有效件数", "规章 1 0 5"]))
    doc = read_formatted(path)
    text = "".join(c for _, c in doc.chunks())
    ((start, end, layout),) = doc.layout_pages
    assert (start, end) == (0, len(text) - 1) and "规章" in layout and doc.layout_reading(0, len(text)) == layout
    plain = pypdf.PageObject.extract_text

    def no_layout(self, *args, **kwargs):
        if kwargs.get("extraction_mode") == "layout":
            raise ValueError("a font layout mode cannot measure")
        return plain(self, *args, **kwargs)

    monkeypatch.setattr(pypdf.PageObject, "extract_text", no_layout)
    again = read_formatted(path)
    assert again.error is None and "".join(c for _, c in again.chunks()) == text and again.layout_pages == []
    assert "could not be read in layout mode" in caplog.text


def test_docx_paragraphs_and_tables_in_order(tmp_path):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_paragraph(TITLE)
    document.add_paragraph("二、主动公开政府信息情况")
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "规章"  # a label over two rows
    table.cell(0, 1).text, table.cell(0, 2).text = "本年制发件数", "3"
    table.cell(1, 1).text, table.cell(1, 2).text = "本年废止件数", "0"
    table.cell(2, 0).merge(table.cell(2, 1)).text = "行政许可"  # a label over two columns
    table.cell(2, 2).text = "12"
    document.add_paragraph("全年发布工作动态7条。")
    path = tmp_path / "report.docx"
    document.save(path)
    doc = read_formatted(path)
    assert doc.error is None and doc.meta["year"] == 2019
    assert "".join(c for _, c in doc.chunks()).splitlines() == [
        TITLE, "二、主动公开政府信息情况", "规章 | 本年制发件数 | 3", "本年废止件数 | 0", "行政许可 | 12", "全年发布工作动态7条。"]
    # blank cells at a row's ends, as in HTML
    document = docx.Document()
    table = document.add_table(rows=1, cols=4)
    table.cell(0, 1).text, table.cell(0, 2).text = "883", "+2"
    document.save(path)
    assert "".join(c for _, c in read_formatted(path).chunks()) == "| | 883 | +2 | |\n"


def _as_docx(html: str, path, docx) -> None:
    """The tables of ``html`` as a Word document, their spans as merged cells (the table
    parser's own reading of the markup: ``inference.tables.html``)."""
    from govreport.inference.tables.html import _grid, _TableReader

    reader = _TableReader(html)
    reader.feed(html)
    document = docx.Document()
    for rows in reader.tables:
        grid = _grid(rows)
        width = max(col + cell.colspan for placed in grid for col, cell in placed)
        table = document.add_table(rows=len(rows), cols=width)
        for r, placed in enumerate(grid):
            for col, cell in placed:
                merged = table.cell(r, col)
                if cell.rowspan > 1 or cell.colspan > 1:
                    merged = merged.merge(table.cell(r + cell.rowspan - 1, col + cell.colspan - 1))
                merged.text = cell.text
    document.save(path)


@pytest.mark.parametrize("seed", [2, 15])   # reports that print their zeros as blank cells
def test_invented_tables_in_a_word_document_are_read_whole(tmp_path, seed):
    # the official template (merged cells) in .docx: rows with blank cells at their ends too
    docx = pytest.importorskip("docx")
    rng = random.Random(seed)
    ts = pdf_tables.invent(rng, rng.choice(["2019", "2021"]))
    assert ts.blank_zeros
    path = tmp_path / "report.docx"
    _as_docx(pdf_tables.to_html(ts, 180, 10.5), path, docx)
    text = "".join(chunk for _, chunk in read_formatted(path).chunks())
    assert {c.key: c.value for t in parse_tables(text) for c in t.cells} == ts.cells


@pytest.mark.parametrize("name, data, why", [
    ("broken.pdf", b"%PDF-1.4\nnot really a pdf", "broken PDF"),
    ("broken.docx", b"PK\x03\x04 not a zip", "broken DOCX"),
    ("empty.pdf", None, "without a text layer"),
])
def test_broken_files_are_named_errors(tmp_path, name, data, why):
    pytest.importorskip("pypdf" if name.endswith(".pdf") else "docx")
    path = tmp_path / name
    path.write_bytes(data if data is not None else make_pdf([]))
    doc = read_formatted(path)
    assert doc.error is not None and why in doc.error and list(doc.chunks()) == []


def test_a_missing_reader_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pypdf", None)  # import pypdf now raises ImportError
    monkeypatch.setitem(sys.modules, "docx", None)
    (tmp_path / "a.pdf").write_bytes(make_pdf(["x"]))
    (tmp_path / "b.docx").write_bytes(b"PK")
    errors = [read_formatted(tmp_path / name).error for name in ("a.pdf", "b.docx")]
    assert errors == ["reading .pdf needs pypdf: pip install 'govreport[formats]'",
                      "reading .docx needs python-docx: pip install 'govreport[formats]'"]


def test_one_reader_for_every_format_in_a_folder(tmp_path, monkeypatch, capsys):
    pytest.importorskip("pypdf")
    (tmp_path / "a.html").write_text(HTML, encoding="utf-8")
    (tmp_path / "b.pdf").write_bytes(make_pdf([TITLE, "全年发布工作动态12条。"]))
    (tmp_path / "c.pdf").write_bytes(b"%PDF-1.4 broken")
    (tmp_path / "d.txt").write_text("浏览量3次。", encoding="utf-8")
    docs = list(iter_documents([str(tmp_path)]))
    assert [(d.id.rsplit("/", 1)[-1], d.error is None) for d in docs] == [
        ("a.html", True), ("b.pdf", True), ("c.pdf", False), ("d.txt", True)]
    monkeypatch.setattr(Extractor, "from_pretrained", classmethod(lambda cls, *a, **k: Extractor(rule_tagger)))
    code = cli.main([str(tmp_path), "-o", str(tmp_path.parent / (tmp_path.name + "-out.jsonl"))])
    err = capsys.readouterr().err
    assert code == 1 and f"FAILED {tmp_path / 'c.pdf'}: broken PDF" in err and "4 documents" in err
    assert len((tmp_path.parent / (tmp_path.name + "-out.jsonl")).read_text(encoding="utf-8").splitlines()) == 3


# ---- legacy Word files (.doc): saved as .docx by LibreOffice, then read as one

needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None,
                                   reason="needs LibreOffice (apt-get install libreoffice-writer-nogui)")


@needs_soffice
@pytest.mark.parametrize("seed", [2, 3])   # seed 2 prints its zeros as blank cells
def test_a_legacy_word_file_reads_as_its_docx(tmp_path, seed):
    pytest.importorskip("docx")
    rng = random.Random(seed)
    ts = pdf_tables.invent(rng, rng.choice(["2019", "2021"]))
    page = tmp_path / "report.html"
    page.write_text("<p>本年度共发布工作动态252条。</p>" + pdf_tables.to_html(ts, 180, 10.5), encoding="utf-8")
    doc = pdf_tables._writer_convert(page, "doc:MS Word 97", shutil.which("soffice"))
    assert doc.read_bytes().startswith(b"\xd0\xcf\x11\xe0")   # Word 97-2003's binary format
    read = read_formatted(doc)
    text = "".join(chunk for _, chunk in read.chunks())
    assert read.error is None and text.startswith("本年度共发布工作动态252条。\n")
    # every cell, the blank ones included: a column the conversion adds at the grid's edge is no blank cell
    assert {c.key: c.value for t in parse_tables(text) for c in t.cells} == ts.cells


def test_a_web_page_named_doc_is_read_as_html_and_other_bytes_are_no_word_file(tmp_path, monkeypatch):
    page = tmp_path / "report.doc"
    page.write_text("<html><body><p>本年度共发布工作动态252条。</p></body></html>", encoding="utf-8")
    read = read_formatted(page)
    assert read.error is None and "".join(c for _, c in read.chunks()) == "本年度共发布工作动态252条。\n"
    junk = tmp_path / "junk.doc"
    junk.write_bytes(bytes(range(256)) * 4)
    assert "not a Word file" in read_formatted(junk).error
    # a Word file with no LibreOffice to convert it: the message says what to install
    word = tmp_path / "old.doc"
    word.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert "needs LibreOffice" in read_formatted(word).error
