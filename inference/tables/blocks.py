"""Cells a reader printed as blocks after the table: poppler's ``pdftotext`` in its default mode.

pdftotext without ``-layout`` orders text by the blocks it finds on the page. A wide table 3 comes
apart: down to some row, each row prints its seven numbers after its label; below it, each row
prints only its first few numbers (the columns next to the labels), and the rest of the grid
follows the table's last row as separate blocks, blank lines between them:

    （七）总计
    38 12 11 13
    四、结转下年度继续办理
    13 2 6 10

    1            <- rows 1–4 of the rest, one column
    0
    1
    1

    1 3          <- the same rows, the two columns after it
    1 2
    …

Each block is a rectangle of the missing cells read line by line, and the blocks come in reading
order: each starts at the first cell, top to bottom and then left to right, that no earlier block
filled. :func:`fill_blocks` lays the blocks on the short rows that way and keeps the result only
where every block fits, every missing cell is filled and every identity through the filled
cells holds (each row's 总计, the column sums): a table whose short rows are short for another
reason (zeros printed blank, a row the reader split otherwise) is left as read. The blocks may
stand before or after the heading of table 4 (its column header follows them;
:mod:`inference.tables.grid` reads table 4's row after its header).

>>> from govreport.inference.tables.tokens import View
>>> view = View("甲 1 2 3 6\\n乙 3\\n丙 4\\n\\n4\\n7\\n\\n8 15\\n9 20\\n五、下一节")
>>> rows = [[t for t in view.line_tokens(line)] for line in range(3)]
>>> def totals(rows, filled):
...     return all(sum(t.value for t in row[:-1]) == row[-1].value for row in rows)
>>> filled = fill_blocks(view, rows, view.line_starts[2], len(view.text), 4, totals)
>>> [[t.raw for t in row] for row in filled]
[['1', '2', '3', '6'], ['3', '4', '8', '15'], ['4', '7', '9', '20']]
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence

from govreport.inference.tables.tokens import Token, View

logger = logging.getLogger(__name__)

Block = list[list[Token]]    # the lines of one block, each the same number of numbers


def fill_blocks(view: View, rows: Sequence[Sequence[Token | None]], after: int, end: int, n: int,
                holds: Callable[[list[list[Token | None]], list[tuple[int, int]]], bool]
                ) -> list[list[Token | None]] | None:
    """``rows`` completed from the blocks of numbers that stand in ``[after, end)``, or None.

    ``rows`` are the table's rows as read, left to right; a row with fewer than ``n`` numbers (or
    none) is short, its missing cells the last columns. ``holds(completed, filled)`` says whether
    the identities through the ``filled`` cells (row, column) hold in the completed rows.
    """
    short = {i for i, row in enumerate(rows) if len(row) < n and all(t is not None for t in row)}
    if not short:
        return None
    missing = sum(n - len(rows[i]) for i in short)
    grid: dict[tuple[int, int], Token | None] = {(i, c): None for i in short for c in range(len(rows[i]), n)}
    filled = 0
    for block in _blocks(view, after, end):
        if filled == missing:
            break
        free = [cell for cell in grid if grid[cell] is None]
        top, left = min(free)
        for dr, line in enumerate(block):
            for dc, token in enumerate(line):
                cell = (top + dr, left + dc)
                if cell not in grid or grid[cell] is not None:
                    return None
                grid[cell] = token
        filled += len(block) * len(block[0])
    if filled != missing:
        return None
    out = [list(row) + [grid[(i, c)] for c in range(len(row), n)] if i in short else list(row)
           for i, row in enumerate(rows)]
    if not holds(out, list(grid)):
        logger.debug("table blocks: the filled cells break an identity")
        return None
    return out


def _blocks(view: View, after: int, end: int) -> Iterator[Block]:
    """The blocks of bare numbers from the line after ``after`` on, in order, up to ``end`` or the
    first line of prose (a full stop): blank lines end a block, and so do a line of another width
    and a line of other text (a group label the reader printed after the table's last row, table
    4's heading and header), which is passed over."""
    current: Block = []
    line_no = view.line_of(after) + 1
    while line_no < len(view.line_starts) and view.line_starts[line_no] < end:
        text = view.line_text(line_no)
        if "。" in text:
            break
        tokens = view.line_tokens(line_no)
        line_no += 1
        numbers = bool(tokens) and all(t.kind == "value" for t in tokens) and "".join(text.split()) == "".join(
            t.raw for t in tokens)
        if numbers and current and len(current[0]) == len(tokens):
            current.append(tokens)
            continue
        if current:
            yield current
        current = [tokens] if numbers else []
    if current:
        yield current
