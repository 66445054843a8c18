"""Standard tables straight from HTML ``<table>`` markup, rowspan and colspan included.

The markup is read with the standard library's :class:`html.parser.HTMLParser` into a grid
of cells. Each row is written out as one pipe row holding the cells that *start* in it (a
rowspan group label appears on its first sub-row only, a colspan cell once), with an empty
cell where the markup has an empty one (``&nbsp;``): spec shape (a), blanks kept. That text
is parsed like any other, and every offset is mapped back into the HTML.

>>> html = ('<table><tr><td colspan="4">第二十条第（一）项</td></tr>'
...         '<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>'
...         '<tr><td>规章</td><td>2</td><td>&nbsp;</td><td>7</td></tr></table>')
>>> [(c.key, c.value, html[c.start:c.end]) for t in parse_html_tables(html) for c in t.cells]
[('主动公开.规章.本年制发', 2, '2'), ('主动公开.规章.现行有效', 7, '7')]
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from html.parser import HTMLParser

from govreport.inference.tables.cells import Table

_BREAKS = frozenset({"br", "p", "div", "li"})
_SPACES = re.compile(r"\s+")


@dataclasses.dataclass
class _Cell:
    text: str
    start: int          # offset of the <td>/<th> tag in the HTML
    end: int            # offset just past its content
    rowspan: int = 1
    colspan: int = 1


class _TableReader(HTMLParser):
    """Collects every <table> as rows of :class:`_Cell`, with source offsets."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", html)]
        self.tables: list[list[list[_Cell]]] = []
        self.texts: list[_Cell] = []                 # text outside every table (captions, headings)
        self._stack: list[list[list[_Cell]]] = []    # open tables (nested ones too)
        self._cell: _Cell | None = None
        self._parts: list[str] = []
        self._skip = 0                               # inside <script> or <style>

    def _offset(self) -> int:
        line, col = self.getpos()
        return self._line_starts[line - 1] + col

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "table":
            self._stack.append([])
        elif not self._stack:
            return
        elif tag == "tr":
            self._close_cell()
            self._stack[-1].append([])
        elif tag in ("td", "th"):
            self._close_cell()
            if not self._stack[-1]:
                self._stack[-1].append([])
            a = dict(attrs)
            self._cell = _Cell("", self._offset(), self._offset(), _span(a.get("rowspan")), _span(a.get("colspan")))
            self._parts = []
        elif tag in _BREAKS and self._cell is not None:
            self._parts.append(" ")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        if not self._stack:
            return
        if tag in ("td", "th", "tr"):
            self._close_cell()
        elif tag == "table":
            self._close_cell()
            self.tables.append(self._stack.pop())

    def handle_data(self, data):
        if self._skip:
            return
        if not self._stack and data.strip():
            # a caption or heading printed outside the <table> (<p>第二十条第（一）项</p>)
            start = self._offset()
            self.texts.append(_Cell(_SPACES.sub(" ", data).strip(), start, start + len(data)))
        elif self._cell is not None:
            self._parts.append(data)
            self._cell.end = self._offset() + len(data)

    def _close_cell(self):
        if self._cell is not None and self._stack and self._stack[-1]:
            self._cell.text = _SPACES.sub(" ", "".join(self._parts)).strip()
            self._stack[-1][-1].append(self._cell)
        self._cell = None


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 500))
    except ValueError:
        return 1


def _grid(rows: list[list[_Cell]]) -> list[list[tuple[int, _Cell]]]:
    """Lay the cells on a grid: per row, ``(column, cell)`` of the cells that start in it, in
    markup order (a rowspan above takes its columns in the rows below)."""
    taken: dict[tuple[int, int], bool] = {}
    out: list[list[tuple[int, _Cell]]] = []
    for r, row in enumerate(rows):
        placed: list[tuple[int, _Cell]] = []
        col = 0
        for cell in row:
            while taken.get((r, col)):
                col += 1
            placed.append((col, cell))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken[(r + dr, col + dc)] = True
            col += cell.colspan
        out.append(placed)
    return out


def _pipe_rows(rows: list[list[_Cell]]) -> list[list[_Cell]]:
    """Lay the cells on a grid and keep, per row, the cells that start in it, in column order."""
    return [[cell for _, cell in sorted(placed, key=lambda p: p[0])] for placed in _grid(rows)]


def html_to_pipe_text(html: str) -> tuple[str, list[tuple[int, _Cell]]]:
    """The tables of ``html`` as pipe rows, and (text offset, source cell) for every cell written."""
    reader = _TableReader(html)
    reader.feed(html)
    reader.close()
    pieces: list[str] = []
    where: list[tuple[int, _Cell]] = []
    pos = 0
    # a table closes after the tables nested in it: put everything back in document order
    blocks = [(min((c.start for row in t for c in row), default=0), t) for t in reader.tables]
    blocks += [(c.start, c) for c in reader.texts]
    for _, block in sorted(blocks, key=lambda b: b[0]):
        if isinstance(block, _Cell):
            where.append((pos, block))
            line = block.text.replace("|", " ") + "\n"
            pieces.append(line)
            pos += len(line)
            continue
        for row in _pipe_rows(block):
            if not row:
                continue
            line = "|"
            for cell in row:
                line += " "
                where.append((pos + len(line), cell))
                line += cell.text.replace("|", " ") + " |"
            pieces.append(line + "\n")
            pos += len(line) + 1
        pieces.append("\n")
        pos += 1
    return "".join(pieces), where


def parse_html_tables(html: str) -> list[Table]:
    """Every standard table in the ``<table>`` markup of ``html``; offsets index ``html``."""
    from govreport.inference.tables.grid import parse_text

    text, where = html_to_pipe_text(html)
    tables = parse_text(text)
    starts = [p for p, _ in where]

    def source(pos: int, raw: str = "") -> tuple[int, int]:
        i = bisect.bisect_right(starts, pos) - 1
        if i < 0:
            return 0, 0
        cell = where[i][1]
        if raw:
            found = html.find(raw, cell.start, max(cell.end, cell.start))
            if found >= 0:
                return found, found + len(raw)
        return cell.start, cell.end

    out = []
    for table in tables:
        cells = [dataclasses.replace(c, start=s, end=e) for c in table.cells for s, e in [source(c.start, c.raw)]]
        start = source(table.start)[0]
        end = max((c.end for c in cells), default=source(table.end)[1])
        out.append(Table(table.number, table.layout, start, end, cells))
    return out
