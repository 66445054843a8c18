"""The review pages (govreport view): spans linked to records, escaping, reports and tables, the site."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import pytest

from govreport.inference.view import ViewError, load_document, main, render_document, write_site
from govreport.inference.view_html import SCRIPT, csp

TEXT = "全年共发布工作动态252条,浏览量接近七十万次。"


def fake_line(**extra) -> dict:
    """A line as govreport extract writes it (with --include-text), for an invented sentence."""
    line = {
        "id": "doc-1", "source": "reports/a.txt", "title": "某县2020年政府信息公开工作年度报告", "agency": "某县",
        "year": 2020, "text": TEXT,
        "label": [[5, 9, "METRIC"], [9, 12, "VALUE"], [12, 13, "UNIT"], [14, 17, "METRIC"], [19, 22, "VALUE"],
                  [22, 23, "UNIT"]],
        "scores": [0.97, 0.99, 0.98, 0.62, 0.95, 0.9],
        "records": [
            {"metric": "工作动态", "value": 252, "unit": "条", "raw": "252条", "qualifier": None,
             "metric_span": [5, 9], "value_span": [9, 12], "unit_span": [12, 13]},
            {"metric": "浏览量", "value": 700000, "unit": "次", "raw": "七十万次", "qualifier": "接近",
             "metric_span": [14, 17], "value_span": [19, 22], "unit_span": [22, 23]},
        ],
    }
    line.update(extra)
    return line


def test_values_are_linked_to_their_metric_and_unit():
    doc = load_document(fake_line())
    by_text = {TEXT[s.start:s.end]: s for s in doc.spans}
    assert by_text["工作动态"].records == by_text["252"].records == by_text["条"].records == ("r1",)
    assert by_text["浏览量"].records == ("r2",)
    # A record's confidence is its weakest span's.
    assert [conf for _, _, conf in doc.reports[0].records] == [0.97, 0.62]


def test_page_highlights_spans_and_marks_low_confidence():
    html = render_document(load_document(fake_line()))
    marks = re.findall(r'<mark class="([^"]+)"[^>]*>([^<]*)</mark>', html)
    assert ("ent METRIC linked", "工作动态") in marks
    assert ("ent VALUE linked", "252") in marks
    assert ("ent METRIC low linked", "浏览量") in marks  # 0.62 < 0.8
    assert 'data-rec="r2"' in html and 'id="row-r2"' in html  # span -> records row
    assert "qualifier: 接近" in html  # the side panel's text for r2
    row = re.search(r'<tr id="row-r2" class="low"', html)
    assert row is not None


def test_low_confidence_threshold_is_a_parameter():
    html = render_document(load_document(fake_line()), low=0.5)
    assert "low" not in re.findall(r'<mark class="([^"]+)"[^>]*>浏览量</mark>', html)[0]


HOSTILE = '<script>document.title="pwned"</script><img src=x onerror="alert(1)"></style><b>'


def test_hostile_text_and_metadata_are_escaped():
    text = HOSTILE + "共3件。"
    n = len(HOSTILE)
    line = fake_line(text=text, title=HOSTILE, source=HOSTILE + ".txt", agency='"><script>x</script>',
                     label=[[0, 8, "METRIC"], [n + 1, n + 2, "VALUE"], [n + 2, n + 3, "UNIT"]], scores=[0.9, 0.9, 0.9],
                     records=[{"metric": HOSTILE, "value": 3, "unit": "件", "raw": "3件", "qualifier": HOSTILE,
                               "value_span": [n + 1, n + 2], "metric_span": [0, 8]}])
    html = render_document(load_document(line))
    assert html.count("<script") == 1 and html.count("</script>") == 1  # only the page's own script
    assert f"<script>{SCRIPT}</script>" in html
    assert html.count("</style>") == 1 and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;" in html


def test_csp_allows_only_the_page_script_by_its_hash():
    html = render_document(load_document(fake_line()))
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    script = re.search(r"<script>(.*?)</script>", html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert policy.replace("&#x27;", "'") == csp()
    assert f"script-src 'sha256-{digest}'" in csp() and "default-src 'none'" in csp()


def reports_line() -> dict:
    """document -> reports -> records, with table cells and a failing identity (invented numbers)."""
    text = "甲县2020年政府信息公开工作年度报告\n办结3件。\n乙县2021年政府信息公开工作年度报告\n表格\n"
    second, m = text.index("乙县"), text.index("办结")
    cells = [
        {"metric": "本年新收政府信息公开申请数量", "value": 5, "unit": "件", "raw": "5", "origin": "table",
         "metric_key": "申请.本年新收.自然人", "column": "自然人"},
        {"metric": "本年新收政府信息公开申请数量", "value": 2, "unit": "件", "raw": "2", "origin": "table",
         "metric_key": "申请.本年新收.总计", "column": "总计"},
    ]
    return {
        "id": "page", "source": "page.txt", "text": text, "label": [[m, m + 2, "METRIC"], [m + 2, m + 3, "VALUE"], [m + 3, m + 4, "UNIT"]],
        "scores": [0.9, 0.9, 0.9],
        "reports": [
            {"title": "甲县2020年政府信息公开工作年度报告", "agency": "甲县", "year": 2020, "start": 0, "end": second,
             "records": [{"metric": "办结", "value": 3, "unit": "件", "raw": "3件", "origin": "prose",
                          "metric_span": [m, m + 2], "value_span": [m + 2, m + 3], "unit_span": [m + 3, m + 4]}], "checks": []},
            {"title": "乙县2021年政府信息公开工作年度报告", "agency": "乙县", "year": 2021, "start": second,
             "end": len(text), "records": cells,
             "checks": [{"identity": "T3-1", "ok": False, "keys": ["申请.本年新收.总计"], "expected": 5, "found": 2}]},
        ],
    }


def test_reports_get_sections_navigation_and_standard_tables():
    doc = load_document(reports_line())
    assert [r.title for r in doc.reports] == ["甲县2020年政府信息公开工作年度报告", "乙县2021年政府信息公开工作年度报告"]
    html = render_document(doc)
    assert 'href="#report-1"' in html and 'href="#report-2"' in html
    assert 'id="report-2"' in html and "<caption>申请</caption>" in html
    assert re.search(r'<mark class="ent METRIC linked"[^>]*>办结</mark>', html)
    # The failing identity marks the cell it names, not the others, and is listed as failing.
    assert re.search(r'<td class="num fail" title="申请.本年新收.总计 · fails T3-1">2</td>', html)
    assert re.search(r'<td class="num" title="申请.本年新收.自然人">5</td>', html)
    assert '<span class="bad">FAILS</span>' in html


@pytest.mark.parametrize("line, why", [
    ({"id": "x", "source": "/nonexistent/x.txt", "label": []}, "no text"),
    ({"id": "x", "text": "短", "label": [[0, 5, "VALUE"]]}, "outside the text"),
    ({"id": "x", "text": "短", "label": [[0]]}, "is not"),
    (["not", "an", "object"], "not a JSON object"),
])
def test_lines_that_cannot_be_shown_raise(line, why):
    with pytest.raises(ViewError, match=why):
        load_document(line)


def test_text_is_read_from_the_source_file_when_missing(tmp_path):
    source = tmp_path / "r.txt"
    source.write_text(TEXT, encoding="gb18030")
    line = fake_line(source=str(source))
    del line["text"]
    assert load_document(line).text == TEXT


def test_site_writes_pages_and_names_bad_lines(tmp_path, capsys):
    jsonl = tmp_path / "out.jsonl"
    lines = [json.dumps(fake_line(), ensure_ascii=False), "{not json", json.dumps({"id": "gone", "label": []}),
             json.dumps(reports_line(), ensure_ascii=False)]
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    site = tmp_path / "site"
    pages, failures = write_site(jsonl, site)
    assert pages == 2 and [w.rsplit(":", 1)[1] for w, _ in failures] == ["2", "3"]
    assert sorted(p.name for p in site.iterdir()) == ["doc-00001.html", "doc-00002.html", "index.html"]
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="doc-00002.html"' in index and "乙县2021年政府信息公开工作年度报告" in index and "Not shown" in index
    assert main([str(jsonl), "-o", str(tmp_path / "again")]) == 1
    jsonl.write_text(lines[0] + "\n", encoding="utf-8")  # a shorter run into the same folder
    (site / "notes.html").write_text("mine")
    assert write_site(jsonl, site) == (1, [])
    assert sorted(p.name for p in site.iterdir()) == ["doc-00001.html", "index.html", "notes.html"]
    assert "FAILED" in capsys.readouterr().err


def test_output_that_is_a_file_is_refused(tmp_path, capsys):
    jsonl = tmp_path / "out.jsonl"
    jsonl.write_text(json.dumps(fake_line(), ensure_ascii=False) + "\n", encoding="utf-8")
    assert main([str(jsonl), "-o", str(jsonl)]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_extract_format_html_writes_review_pages(tmp_path):
    from govreport.inference.cli import main as extract

    report = tmp_path / "r.txt"
    report.write_text("某县2020年政府信息公开工作年度报告\n全年共发布工作动态252条。\n", encoding="utf-8")
    out = tmp_path / "review"
    assert extract([str(report), "--format", "html", "-o", str(out), "--no-progress", "--quiet"]) == 0
    page = (out / "doc-00001.html").read_text(encoding="utf-8")
    assert re.search(r'<mark class="ent VALUE[^"]*"[^>]*>252</mark>', page)
    assert (out / "index.html").exists() and not list(out.glob("*.jsonl"))
