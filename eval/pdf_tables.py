"""The table parser on PDFs, printed and read back (``govreport evaluate-pdf --tables N``).

The table test sets are PDF text: a report's standard tables printed by a word processor, read
back by a PDF library (``../shared/tables_dev``: pypdf's default and layout modes). A handful
of real reports cannot show every way a reader breaks a table, so this check makes its own:
N reports of invented numbers (the identities hold, a share of cells zero or printed blank),
laid out as the official template (rowspans, colspans, the note cell, the vertical group
label), each at its own page width and font size so labels wrap at different places, printed
to PDF by headless Chromium and read back by every reader installed (pypdf default and layout
mode, poppler's ``pdftotext`` raw and ``-layout``; and the HTML page itself, as ``govreport
extract`` reads an ``.html`` file). Each reading is parsed and every keyed cell compared with
the numbers printed.

Needs Chromium and a CJK font (Debian: ``apt-get install chromium fonts-noto-cjk poppler-utils``);
a reader that is not installed is skipped. The labels and keys below are written out here, not
taken from the parser's ``layouts.toml``, so that the check does not share the parser's mistakes.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import random
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from govreport.data.atomic import atomic_write
from govreport.eval.table_scores import FileScore, evaluate_file
from govreport.eval.tables import read_raw
from govreport.inference.formats import libreoffice_convert, read_docx_text, read_html_text

__all__ = ["PRINTERS", "TableSet", "invent", "to_html", "readers", "print_pdf", "print_pdf_writer", "roundtrip"]

APPLICANTS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他组织"]
T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
T4_COLUMNS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
T4_KEYS = ["维持", "纠正", "其他结果", "尚未审结", "总计"]
FONTS = ["Noto Serif CJK SC", "Noto Sans CJK SC"]

# Table 3's rows below its two header rows: (group label and its rowspan, or None; row label; key
# path); the outcome rows of one group share the group's label cell.
_OUTCOMES = [
    ("（三）不予公开", [("1.属于国家秘密", "国家秘密"), ("2.其他法律行政法规禁止公开", "法律法规禁止"),
                    ("3.危及“三安全一稳定”", "三安全一稳定"), ("4.保护第三方合法权益", "第三方权益"),
                    ("5.属于三类内部事务信息", "内部事务"), ("6.属于四类过程性信息", "过程性信息"),
                    ("7.属于行政执法案卷", "执法案卷"), ("8.属于行政查询事项", "行政查询")]),
    ("（四）无法提供", [("1.本机关不掌握相关政府信息", "不掌握"), ("2.没有现成信息需要另行制作", "需另行制作"),
                    ("3.补正后申请内容仍不明确", "补正后仍不明确")]),
    ("（五）不予处理", [("1.信访举报投诉类申请", "信访举报投诉"), ("2.重复申请", "重复申请"),
                    ("3.要求提供公开出版物", "公开出版物"), ("4.无正当理由大量反复申请", "大量反复申请"),
                    ("5.要求行政机关确认或重新出具已获取信息", "确认或重新出具")]),
]
_OTHER_2021 = ("（六）其他处理", [
    ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "逾期不补正"),
    ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "逾期未缴费"),
    ("3.其他", "其他")])

# Table 2 by layout: (caption numeral, column labels with their key, rows with their key).
_T2 = {
    "2021": [("一", [("本年制发件数", "本年制发"), ("本年废止件数", "本年废止"), ("现行有效件数", "现行有效")],
              [("规章", "规章"), ("行政规范性文件", "行政规范性文件")]),
             ("五", [("本年处理决定数量", "处理决定")], [("行政许可", "行政许可")]),
             ("六", [("本年处理决定数量", "处理决定")], [("行政处罚", "行政处罚"), ("行政强制", "行政强制")]),
             ("八", [("本年收费金额（单位：万元）", "收费金额")], [("行政事业性收费", "行政事业性收费")])],
    "2019": [("一", [("本年新制作数量", "本年新制作"), ("本年新公开数量", "本年新公开"), ("对外公开总数量", "对外公开总数")],
              [("规章", "规章"), ("规范性文件", "行政规范性文件")]),
             ("五", [("上一年项目数量", "上年项目数"), ("本年增/减", "本年增减"), ("处理决定数量", "处理决定")],
              [("行政许可", "行政许可"), ("其他对外管理服务事项", "其他对外管理服务事项")]),
             ("六", [("上一年项目数量", "上年项目数"), ("本年增/减", "本年增减"), ("处理决定数量", "处理决定")],
              [("行政处罚", "行政处罚"), ("行政强制", "行政强制")]),
             ("八", [("上一年项目数量", "上年项目数"), ("本年增/减", "本年增减")], [("行政事业性收费", "行政事业性收费")])],
}


@dataclass
class TableSet:
    """One report's three tables: what is printed in each cell (``""`` for a blank) and the truth."""

    layout: str
    blank_zeros: bool = False
    t2: list[tuple[str, list[str], list[tuple[str, list[str]]]]] = field(default_factory=list)
    t3: list[tuple[str | None, int, str, list[str]]] = field(default_factory=list)
    t4: list[str] = field(default_factory=list)
    cells: dict[str, float] = field(default_factory=dict)


def _count(rng: random.Random, scale: int) -> int:
    """A cell's count: zero half the time, as in real tables, else up to ``scale``."""
    return 0 if rng.random() < 0.5 else rng.randint(1, scale)


def invent(rng: random.Random, layout: str) -> TableSet:
    """Invented tables of one report in ``layout`` ("2019" or "2021"): table 3's counts meet
    T3-1/T3-2/T3-3 and table 4's T4-1; a zero is sometimes printed blank (no cell, as some
    agencies print it)."""
    ts = TableSet(layout, blank_zeros=rng.random() < 0.1)

    def shown(key: str, value: float) -> str:
        if value == 0 and ts.blank_zeros:
            return ""
        ts.cells[key] = value
        return f"{value:g}" if not isinstance(value, float) else f"{value:.1f}".rstrip("0").rstrip(".")

    for numeral, columns, rows in _T2[layout]:
        out_rows = []
        for label, key in rows:
            values = []
            for column, ckey in columns:
                if ckey == "收费金额":
                    value: float = round(rng.random() * 50, 1) if rng.random() < 0.5 else 0
                elif ckey == "本年增减":
                    value = rng.randint(-3, 3)
                else:
                    value = _count(rng, 2000 if key in ("行政许可", "行政处罚") else 40)
                text = shown(f"主动公开.{key}.{ckey}", value)
                values.append(f"+{text}" if ckey == "本年增减" and value > 0 else text)
            out_rows.append((label, values))
        ts.t2.append((numeral, [c for c, _ in columns], out_rows))

    def row(scale: int) -> list[int]:
        return [_count(rng, scale if i == 0 else max(1, scale // 8)) for i in range(6)]

    groups = _OUTCOMES + ([_OTHER_2021] if layout == "2021" else [])
    outcome_rows: list[tuple[str | None, int, str, str, list[int]]] = [
        (None, 0, "（一）予以公开", "办理结果.予以公开", row(60)),
        (None, 0, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "办理结果.部分公开", row(10))]
    for group, items in groups:
        for i, (label, key) in enumerate(items):
            outcome_rows.append((group if i == 0 else None, len(items) if i == 0 else 0, label,
                                 f"办理结果.{group[3:]}.{key}", row(8)))
    if layout == "2019":
        outcome_rows.append((None, 0, "（六）其他处理", "办理结果.其他处理", row(5)))
    total = [sum(r[4][i] for r in outcome_rows) for i in range(6)]
    carried_in = row(5)
    carried_out = [min(c, rng.randint(0, c)) for c in total]
    new = [t + o - c for t, o, c in zip(total, carried_out, carried_in)]
    carried_in = [c if n >= 0 else c + n for c, n in zip(carried_in, new)]
    new = [max(n, 0) for n in new]
    table3 = [(None, 0, "一、本年新收政府信息公开申请数量", "本年新收", new),
              (None, 0, "二、上年结转政府信息公开申请数量", "上年结转", carried_in),
              *outcome_rows,
              (None, 0, "（七）总计", "办理结果", total),
              (None, 0, "四、结转下年度继续办理", "结转下年度", carried_out)]
    for group, span, label, key, values in table3:
        printed = [shown(f"申请.{key}.{a}", v) for a, v in zip(APPLICANTS + ["总计"], values + [sum(values)])]
        ts.t3.append((group, span, label, printed))

    for block in ("行政复议", "直接起诉", "复议后起诉"):
        counts = [_count(rng, 20) for _ in range(4)]
        for key, value in zip(T4_KEYS, counts + [sum(counts)]):
            ts.t4.append(shown(f"复议诉讼.{block}.{key}", value))
    return ts


def to_html(ts: TableSet, width_mm: int, font_pt: float, align: str = "center", font: str = "Noto Serif CJK SC") -> str:
    """The tables as a word processor's HTML export prints them: the official template's
    spans, one page of ``width_mm`` at ``font_pt``, every cell's text aligned by ``align``."""
    td = '<td style="border:1px solid #000;padding:2px">'
    out = [f"<html><head><meta charset='utf-8'><style>@page{{size:{width_mm}mm 297mm;margin:15mm}}"
           f"body{{font-family:'{font}';font-size:{font_pt}pt}}table{{border-collapse:collapse;"
           f"width:100%;margin:6pt 0}}td{{text-align:{align}}}</style></head><body>",
           "<p>二、主动公开政府信息情况</p>"]
    for numeral, columns, rows in ts.t2:
        out.append(f"<table><tr><td colspan='{len(columns) + 1}' style='border:1px solid #000'>"
                   f"第二十条第（{numeral}）项</td></tr><tr>{td}信息内容</td>"
                   + "".join(f"{td}{c}</td>" for c in columns) + "</tr>")
        for label, values in rows:
            out.append(f"<tr>{td}{label}</td>" + "".join(f"{td}{v}</td>" for v in values) + "</tr>")
        out.append("</table>")
    out.append("<p>三、收到和处理政府信息公开申请情况</p><table>")
    out.append(f"<tr><td colspan='3' rowspan='3' style='border:1px solid #000'>{T3_NOTE}</td>"
               f"<td colspan='7' style='border:1px solid #000'>申请人情况</td></tr>"
               f"<tr><td rowspan='2' style='border:1px solid #000'>自然人</td>"
               f"<td colspan='5' style='border:1px solid #000'>法人或其他组织</td>"
               f"<td rowspan='2' style='border:1px solid #000'>总计</td></tr><tr>"
               + "".join(f"{td}{c}</td>" for c in ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"])
               + "</tr>")
    n_outcomes = sum(1 for _, _, label, _ in ts.t3 if not label.startswith(("一、", "二、", "四、")))
    for i, (group, span, label, values) in enumerate(ts.t3):
        lead = ""
        if label.startswith(("一、", "二、", "四、")):
            lead = f"<td colspan='3' style='border:1px solid #000'>{label}</td>"
        else:
            if label == "（一）予以公开":
                lead = (f"<td rowspan='{n_outcomes}' style='border:1px solid #000;width:1.2em'>"
                        "三、本年度办理结果</td>")
            if group:
                lead += f"<td rowspan='{span}' style='border:1px solid #000'>{group}</td>{td}{label}</td>"
            elif label[0] == "（":
                lead += f"<td colspan='2' style='border:1px solid #000'>{label}</td>"
            else:
                lead += f"{td}{label}</td>"
        out.append(f"<tr>{lead}" + "".join(f"{td}{v}</td>" for v in values) + "</tr>")
    out.append("</table><p>四、政府信息公开行政复议、行政诉讼情况</p><table>"
               "<tr><td colspan='5' style='border:1px solid #000'>行政复议</td>"
               "<td colspan='10' style='border:1px solid #000'>行政诉讼</td></tr><tr>"
               + "".join(f"<td rowspan='2' style='border:1px solid #000'>{c}</td>" for c in T4_COLUMNS)
               + "<td colspan='5' style='border:1px solid #000'>未经复议直接起诉</td>"
               "<td colspan='5' style='border:1px solid #000'>复议后起诉</td></tr><tr>"
               + "".join(f"{td}{c}</td>" for c in T4_COLUMNS * 2) + "</tr><tr>"
               + "".join(f"{td}{v}</td>" for v in ts.t4) + "</tr></table>"
               "<p>五、存在的主要问题及改进情况</p></body></html>")
    return "\n".join(out)


def _pypdf(path: Path, mode: str) -> str:
    from pypdf import PdfReader

    reader = PdfReader(path)
    return "\n".join(page.extract_text(extraction_mode=mode) for page in reader.pages)


def _pymupdf(path: Path) -> str:
    import pymupdf

    with pymupdf.open(path) as doc:
        return "\n".join(page.get_text() for page in doc)


def _pdfplumber(path: Path, layout: bool) -> str:
    import pdfplumber

    # pdfminer warns once per glyph of a font with no bounding box (Chromium's subset CJK fonts):
    # thousands of lines that say nothing about the text
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    with pdfplumber.open(path) as pdf:
        return "\n".join(page.extract_text(layout=layout) or "" for page in pdf.pages)


def _pdftotext(path: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", *args, "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          text=True, check=True, timeout=60).stdout


def readers(word_processor: str | None = None) -> dict[str, object]:
    """The readers installed: name -> function(path of the PDF) -> text. ``html`` reads the page
    that was printed (``print_pdf`` leaves it beside the PDF) as ``govreport extract`` reads an
    ``.html`` file, a baseline with no PDF in the way. With ``word_processor`` (LibreOffice's
    program), ``docx`` reads the page saved as a Word file by it instead of a PDF."""
    out: dict[str, object] = {"html": lambda p: read_html_text(p.with_suffix(".html").read_text(encoding="utf-8"))[0]}
    try:
        import pypdf  # noqa: F401
        out["pypdf"] = lambda p: _pypdf(p, "plain")
        out["pypdf-layout"] = lambda p: _pypdf(p, "layout")
    except ImportError:
        pass
    if shutil.which("pdftotext"):
        out["pdftotext"] = lambda p: _pdftotext(p)
        out["pdftotext-layout"] = lambda p: _pdftotext(p, "-layout")
    if importlib.util.find_spec("pymupdf") is not None:
        out["pymupdf"] = _pymupdf
    if importlib.util.find_spec("pdfplumber") is not None:
        out["pdfplumber"] = lambda p: _pdfplumber(p, False)
        out["pdfplumber-layout"] = lambda p: _pdfplumber(p, True)
    if word_processor and importlib.util.find_spec("docx") is not None:
        out["docx"] = lambda p: word_file_reading(p, word_processor)
    return out


def print_pdf(html: str, pdf: Path, chromium: str) -> None:
    """``html`` printed to ``pdf`` by headless Chromium."""
    page = pdf.with_suffix(".html")
    page.write_text(html, encoding="utf-8")
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", page.as_uri()], capture_output=True, check=True, timeout=120)


def _writer_convert(page: Path, target: str, soffice: str) -> Path:
    """The HTML ``page`` opened in LibreOffice Writer and saved beside it as ``target`` (a
    --convert-to filter: ``pdf:writer_pdf_Export``, ``docx:MS Word 2007 XML``)."""
    written = libreoffice_convert(page, target, page.parent, soffice, infilter="HTML (StarWriter)", check=True,
                                  timeout=120)
    if written is None:
        raise RuntimeError(f"LibreOffice wrote no {page.stem}.{target.split(':')[0]}")
    return written


def print_pdf_writer(html: str, pdf: Path, soffice: str) -> None:
    """``html`` opened in LibreOffice Writer and exported to ``pdf``: a word processor's own table
    layout and PDF export, as reports are made, where Chromium prints a browser's."""
    page = pdf.with_suffix(".html")
    page.write_text(html, encoding="utf-8")
    _writer_convert(page, "pdf:writer_pdf_Export", soffice)


def word_file_reading(pdf: Path, soffice: str) -> str:
    """The page Writer printed to ``pdf`` saved by Writer as a Word file instead, and read as
    ``govreport extract`` reads a ``.docx`` (python-docx: paragraphs, tables as pipe rows)."""
    return read_docx_text(_writer_convert(pdf.with_suffix(".html"), "docx:MS Word 2007 XML", soffice))


PRINTERS = {"chromium": print_pdf, "writer": print_pdf_writer}


def _fitting_pt(width_mm: int) -> float:
    """The largest of the check's font sizes at which table 4's 15 columns, each two characters
    wide plus its padding (2 mm), fit a page ``width_mm`` wide with 15 mm margins."""
    column = (width_mm - 30) / (3 * len(T4_COLUMNS))
    return max([9] + [pt for pt in (10.5, 12, 14) if 2 * pt * 0.3528 + 2 <= column])


def roundtrip(n: int, seed: int = 0, program: str = "/usr/bin/chromium",
              keep: Path | None = None, printer: str = "chromium") -> tuple[dict[str, FileScore], dict[str, int], list[str]]:
    """Print ``n`` invented reports, read each back with every reader and score the parsed cells.

    Returns the micro-averaged score per reader, how many reports each reader gave with every
    cell right, and one line per reading that was not. With ``keep``, the PDFs, the readings
    (``raw/``) and a table gold file (``gold.jsonl``, one line per reading) are written there:
    ``govreport evaluate-tables --gold KEEP/gold.jsonl`` scores them again. ``printer`` names what
    prints the PDFs (``PRINTERS``), ``program`` the path of its program.
    """
    rng = random.Random(seed)
    found = readers(program if printer == "writer" else None)
    if "pypdf" in found:   # a PDF as `govreport extract` reads it: pypdf's text, its table pages by position too
        found["extract"] = read_raw
    totals = {name: FileScore(name) for name in found}
    whole = dict.fromkeys(found, 0)
    failures: list[str] = []
    gold_lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        for i in range(n):
            layout = rng.choice(["2019", "2021", "2021"])
            ts = invent(rng, layout)
            width, size = rng.choice([170, 180, 210, 210, 250, 297]), rng.choice([9, 10.5, 12, 14])
            align, font = rng.choice(["center", "center", "left", "right"]), rng.choice(FONTS)
            if printer == "writer":   # a word processor clips a table wider than its page: the author picks a font it fits
                size = min(size, _fitting_pt(width))
            pdf = where / f"r{i:03d}.pdf"
            PRINTERS[printer](to_html(ts, width, size, align, font), pdf, program)
            for name, read in found.items():
                file = f"r{i:03d}.{name}.txt"
                reading = read(pdf)
                text, by_position = reading if isinstance(reading, tuple) else (reading, None)
                score = evaluate_file(text, ts.cells, file, by_position)
                totals[name].add(score)
                right = score.correct == score.predicted == score.gold
                whole[name] += right
                if not right:
                    failures.append(f"{file} ({layout} layout, {width} mm, {size} pt, {align}, {font}"
                                    f"{', zeros blank' if ts.blank_zeros else ''}): {score.correct} right, "
                                    f"{score.predicted - score.correct} wrong or extra, {score.gold - score.correct} missed")
                if keep and not isinstance(reading, tuple):  # a reading in two parts is no raw file of a gold set
                    (keep / "raw").mkdir(parents=True, exist_ok=True)
                    (keep / "raw" / file).write_text(text, encoding="utf-8")
                    gold_lines.append(json.dumps({"file": file, "layout": layout, "shape": name,
                                                  "cells": ts.cells}, ensure_ascii=False))
            if keep:
                shutil.copy(pdf, keep / pdf.name)
    if keep:
        with atomic_write(keep / "gold.jsonl") as f:
            f.write("".join(line + "\n" for line in gold_lines))
    return totals, whole, failures
