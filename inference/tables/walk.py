"""Walking a token stream against a table template: each known row label takes its numbers.

No geometry is rebuilt. A row label is found in the compact text (in template order, after
the previous row), and the row takes the next N cell tokens after it, never past the next
row's label. Two readings of the cells exist:

- **line-aware**: when the label sits on a delimited row (pipes, bars, tabs) holding the
  row's N cells after it, blanks included, those cells are the row (a blank is missing);
  when the cells are printed one per line each closed by a bar ("821 |", "|" for a blank),
  the next N such lines are the row;
- **stream**: the next N value or placeholder tokens, whatever lines they are on (PDF text,
  one cell per line, labels detached from their numbers).

Rows merged by a PDF converter ("1.属于国家秘密 2.其他法律… | 0 0 | 1 0 |") show as labels
with no numbers between them, followed by m × N numbers: they are dealt out row by row, or
column by column when each delimited cell holds m numbers.

A PDF reader that lays text out by position (pypdf's layout mode) can lose the space between
two numbers of narrow columns (41 18 → 4118): a row one or two cells short is split back where
exactly one split makes the row's identity hold (:func:`unglue`).

>>> from govreport.inference.tables.tokens import View
>>> from govreport.inference.tables.layouts import Row
>>> view = View("甲 1 2\\n乙 3 4")
>>> import re
>>> rows = [Row("k.甲", "甲", re.compile("甲")), Row("k.乙", "乙", re.compile("乙"))]
>>> [(row.key, [t.value for t in toks]) for row, toks, _ in walk_rows(view, rows, 2, 0, len(view.text))]
[('k.甲', [1, 2]), ('k.乙', [3, 4])]
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
from collections.abc import Callable, Sequence

from govreport.inference.tables.columns import MAX_DRIFT, column_x
from govreport.inference.tables.layouts import Row
from govreport.inference.tables.tokens import Token, View

logger = logging.getLogger(__name__)

# how far (compact characters) a row label may lie from the previous row before it counts as absent
MAX_ROW_GAP = 1500
# how many later rows to try for the label that bounds a row's numbers
LOOKAHEAD_ROWS = 4


def take(view: View, after: int, n: int, limit: int, line_aware: bool = True) -> list[Token]:
    """The cell tokens of a row whose label ends at ``after``; at most ``n``, none at or past ``limit``."""
    if line_aware:
        line = view.line_of(max(after - 1, 0))
        line_end = view.line_starts[line + 1] - 1 if line + 1 < len(view.line_starts) else len(view.norm)
        # + 1: a tab row's trailing blank sits at the line's end ("1\t1\t")
        on_line = view.tokens_between(after, min(line_end + 1, limit))
        if on_line and on_line[0].cell is not None:
            cells = fit_row(on_line, n)
            # a row split by a converter leaves its label over empty cells: read on
            if len(cells) == n and any(t.kind != "blank" for t in cells):
                return cells
        if all(t.kind == "blank" for t in on_line):
            # one cell per line ("821 |", a lone "|" for a blank): the row is the next n lines
            cells = view.cell_lines(line + 1, n, limit)
            if len(cells) == n and any(t.kind != "blank" for t in cells):
                return cells
    out: list[Token] = []
    for token in view.iter_tokens(after, limit):
        if token.kind != "blank":
            out.append(token)
            if len(out) == n:
                break
    return out


def fit_row(cells: list[Token], n: int, lead_first: bool = True) -> list[Token]:
    """A delimited row's cells cut to ``n`` by dropping surplus blanks at its ends.

    Surplus blanks lead when a label's colspan pads it ("(六)其他处理 | | 0 |"), and trail
    when a tab row ends with a stray tab. Which end goes first is ambiguous when both are
    blank: after a label, padding (``lead_first``); a caller that can check both tries both.

    >>> from govreport.inference.tables.tokens import View
    >>> [t.raw for t in fit_row(View("甲 | | 1 | 2 |").tokens, 2)]
    ['1', '2']
    >>> [t.raw for t in fit_row(View("\\t1\\t2\\t").tokens, 3, lead_first=False)]
    ['', '1', '2']
    """
    cells = list(cells)
    ends = (0, -1) if lead_first else (-1, 0)
    for end in ends:
        while len(cells) > n and cells[end].kind == "blank":
            cells.pop(end)
    return cells


def _splits(token: Token) -> list[tuple[Token, Token]]:
    """Every way to read an integer token as two integers printed without a space (4118 → 41 18,
    411 8, 4 118; never a part with a leading zero but 0 itself)."""
    raw = token.raw
    if token.kind != "value" or token.unit is not None or not (raw.isascii() and raw.isdigit()):
        return []
    out = []
    for k in range(1, len(raw)):
        left, right = raw[:k], raw[k:]
        if (left[0] == "0" and k > 1) or (right[0] == "0" and len(right) > 1):
            continue
        out.append((dataclasses.replace(token, end=token.start + k, raw=left, value=int(left)),
                    dataclasses.replace(token, start=token.start + k, raw=right, value=int(right))))
    return out


def unglue(tokens: list[Token], n: int, holds: Callable[[Sequence[int | float | None]], bool],
           most: int = 2) -> list[Token] | None:
    """``tokens`` of a row that is ``n - len(tokens)`` (at most ``most``) cells short, with glued
    numbers split apart: the one reading of ``n`` cells whose values satisfy ``holds`` (the
    row's identity), or None when there is none or more than one.

    >>> from govreport.inference.tables.tokens import View
    >>> row = View("4118 17 12 24 12 124").tokens
    >>> [t.raw for t in unglue(row, 7, lambda v: sum(v[:6]) == v[6])]
    ['41', '18', '17', '12', '24', '12', '124']
    """
    short = n - len(tokens)
    if not 0 < short <= most:
        return None
    found: dict[tuple, list[Token]] = {}
    for where in itertools.combinations(range(len(tokens)), short):
        for parts in itertools.product(*(_splits(tokens[i]) for i in where)):
            row: list[Token] = []
            split = dict(zip(where, parts))
            for i, token in enumerate(tokens):
                row += split[i] if i in split else (token,)
            values = tuple(t.value for t in row)
            if values not in found and holds(values):
                found[values] = row
    return next(iter(found.values())) if len(found) == 1 else None


def _bound(view: View, rows: list[Row], i: int, start: int, end: int) -> tuple[int, int] | None:
    """The first label of a row after ``rows[i]`` found in ``[start, end)``."""
    best = None
    for row in rows[i + 1:i + 1 + LOOKAHEAD_ROWS]:
        found = view.find(row.pattern, start, end)
        if found and (best is None or found[0] < best[0]):
            best = found
    return best


def _deal(view: View, tokens: list[Token], m: int, n: int) -> list[list[Token]]:
    """Split m × n tokens of m merged rows: column-major when each delimited cell holds m
    numbers, or when the numbers stand in n aligned columns of m each (layout text that printed
    the rows' numbers in blocks beside a group label: "5 0 0 1" / "8 1 1 1" / "0" / "0" …)."""
    cells: dict[int, list[Token]] = {}
    for t in tokens:
        if t.cell is not None:
            cells.setdefault(t.cell, []).append(t)
    columns = list(cells.values()) if len(cells) == n else _aligned(view, tokens, n)
    if columns and all(len(c) == m for c in columns):
        return [[columns[j][i] for j in range(n)] for i in range(m)]
    return [tokens[i * n:(i + 1) * n] for i in range(m)]


def _aligned(view: View, tokens: list[Token], n: int) -> list[list[Token]] | None:
    """``tokens`` in ``n`` columns by their position in the line (each top to bottom), or None."""
    ordered = sorted(tokens, key=lambda t: (column_x(view, t), t.line))
    columns: list[list[Token]] = [[ordered[0]]] if ordered else []
    for a, b in zip(ordered, ordered[1:]):
        # a column holds one number per line: numbers one space apart are two columns
        if column_x(view, b) - column_x(view, a) > MAX_DRIFT or any(t.line == b.line for t in columns[-1]):
            columns.append([])
        columns[-1].append(b)
    if len(columns) != n:
        return None
    return [sorted(c, key=lambda t: t.start) for c in columns]


def walk_rows(view: View, rows: list[Row], n: int, start: int, end: int, line_aware: bool = True):
    """Yield ``(row, tokens, label_span)`` for every row of ``rows`` found in ``[start, end)``, in order.

    ``tokens`` holds at most ``n`` cell tokens, left to right (fewer when the text has fewer
    before the next row's label: blanks the text cannot show are then trailing columns).
    """
    pos = start
    pending: list[tuple[Row, tuple[int, int]]] = []
    for i, row in enumerate(rows):
        window = min(end, view.opos(view.cpos(pos) + MAX_ROW_GAP))
        found = view.find(row.pattern, pos, window)
        if not found:
            logger.debug("row %s not found after offset %d", row.key, pos)
            continue
        nxt = _bound(view, rows, i, found[1], end)
        limit = nxt[0] if nxt else end
        tokens = take(view, found[1], n, limit, line_aware)
        if not tokens and nxt is not None and i + 1 < len(rows):
            pending.append((row, found))    # perhaps merged with the rows below it
            pos = found[1]
            continue
        if pending:
            group = pending + [(row, found)]
            m = len(group)
            stream = list(itertools.islice((t for t in view.iter_tokens(found[1], limit) if t.kind != "blank"),
                                           m * n))
            if len(stream) >= m * n:
                for (grow, gfound), toks in zip(group, _deal(view, stream[:m * n], m, n)):
                    yield grow, toks, gfound
                pos = stream[m * n - 1].end
                pending = []
                continue
            pending = []     # the rows above were blank; this row keeps its own numbers
        yield row, tokens, found
        pos = tokens[-1].end if tokens else found[1]
