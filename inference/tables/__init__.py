"""The standard tables of 政府信息公开工作年度报告 (tables 2, 3 and 4) as keyed cells, with their checks.

Since 2019 every yearly information-disclosure report prints the same three tables
(../shared/spec/standard-tables.md, docs/tables.md). :func:`parse_tables` finds them in
any flattened shape (pipe rows, one cell per line, PDF text, Markdown, box drawing, tabs,
HTML ``<table>`` markup) and returns one :class:`Cell` per printed number, keyed per the
spec's §4 grammar; :func:`check_tables` runs the identities T3-1, T3-2, T3-3 and T4-1.

>>> text = "行政复议 行政诉讼\\n未经复议直接起诉 复议后起诉\\n结果维持 结果纠正 其他结果 尚未审结 总计\\n" + \\
...        "1 0 0 1 2 0 0 0 0 0 1 0 0 0 1"
>>> tables = parse_tables(text)
>>> [(t.number, len(t.cells)) for t in tables], tables[0].cells[4].key
([(4, 15)], '复议诉讼.行政复议.总计')
>>> [(c.identity, c.ok) for c in check_tables(tables)]
[('T4-1[行政复议]', True), ('T4-1[直接起诉]', True), ('T4-1[复议后起诉]', True)]
"""

from __future__ import annotations

import re

from govreport.inference.tables.cells import Cell, Check, Table
from govreport.inference.tables.checks import check_tables
from govreport.inference.tables.grid import might_have_tables, parse_text
from govreport.inference.tables.html import parse_html_tables
from govreport.inference.tables.readings import complete_tables

__all__ = ["Cell", "Check", "Table", "check_tables", "complete_tables", "might_have_tables", "parse_html_tables",
           "parse_tables"]

_HTML_TABLE = re.compile(r"<t[dh][\s>]", re.IGNORECASE)


def parse_tables(text: str, layout: str | None = None) -> list[Table]:
    """Every standard table 2, 3 and 4 in ``text``, in any shape; offsets index ``text``.

    Text holding ``<td>`` markup is read as HTML (:func:`parse_html_tables`); anything
    else as flattened text. A text with no table marker costs one scan. ``layout`` is the
    same pages read by position (a PDF's table pages in layout mode), whose cells complete
    those the text leaves missing (:func:`complete_tables`).
    """
    if not might_have_tables(text):
        return []
    if _HTML_TABLE.search(text):
        return parse_html_tables(text)
    tables = parse_text(text)
    return complete_tables(tables, text, parse_text(layout)) if layout and tables else tables
