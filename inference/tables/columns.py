"""Blank cells in space-aligned text: put a short row's numbers under the columns they sit in.

PDF text in layout mode (pypdf ``extraction_mode="layout"``, ``pdftotext -layout``) pads every
line with spaces so that a column's numbers share a character position. A blank cell there
is just more spaces, and a row with blanks has fewer numbers than columns: read left to
right, its numbers would slide into the wrong columns. When the full rows of a table show
such aligned columns, a short row's numbers go to the nearest column instead, and the
columns left over are blank (missing). Text that is not aligned (one space between numbers,
one cell per line) is left as it is.

>>> from govreport.inference.tables.tokens import View
>>> text = "甲   1    2    3\\n乙   4    5    9\\n丙  10   20   30\\n丁   7         7"
>>> view = View(text)
>>> rows = [[t for t in view.tokens if t.line == i] for i in range(4)]
>>> [[t.raw if t else None for t in row] for row in realign(view, rows, 3)][3]
['7', None, '7']
"""

from __future__ import annotations

import itertools
import math
from statistics import median

from govreport.inference.tables.tokens import Token, View

MIN_FULL_ROWS = 3      # full rows needed to learn where the columns are
MAX_DRIFT = 3          # characters a number may stray from its column's position


def column_x(view: View, token: Token) -> float:
    """The character position of a number's right edge in its line (numbers are right-aligned or centred)."""
    return token.end - view.line_starts[token.line]


def _columns(view: View, full: list[list[Token | None]], n: int) -> tuple[list[float], float] | None:
    """Where the columns of these full rows sit and how far a number may stray from one, or None
    when their numbers are not aligned or a column holds only blanks in them. Columns closer
    than :data:`MAX_DRIFT` allow less than half their gap."""
    columns = []
    for j in range(n):
        xs = [column_x(view, r[j]) for r in full if r[j]]
        if not xs:
            return None
        columns.append(median(xs))
    gap = min((b - a for a, b in itertools.pairwise(columns)), default=math.inf)
    if gap < 2:
        return None
    drift = MAX_DRIFT if gap > MAX_DRIFT else (gap - 1) / 2
    if any(abs(column_x(view, r[j]) - columns[j]) > drift for r in full for j in range(n) if r[j]):
        return None
    return columns, drift


def realign(view: View, rows: list[list[Token | None]], n: int,
            min_full: int = MIN_FULL_ROWS) -> list[list[Token | None]]:
    """``rows`` with each short one-line row spread over the aligned columns (None = blank).

    The columns are learnt from ``min_full`` full rows just above the short one, else just below
    it, else around it: a page break can shift every column of the next page. A full row may hold
    None (blank) cells: :mod:`inference.tables.blanks` passes the rows the identities placed,
    and asks for two rows only, as it keeps a placement only where the identities allow it.
    """
    # full: every cell printed, or placed with its blanks by :mod:`inference.tables.blanks`
    full = [r for r in rows if len(r) == n and len({t.line for t in r if t}) == 1]
    if len(full) < min_full:
        return rows
    out: list[list[Token | None]] = []
    for row in rows:
        if not 0 < len(row) < n or len({t.line for t in row}) != 1 or not _spread_out(view, row):
            out.append(row)
            continue
        out.append(_place(view, row, full, n, min_full) or row)   # unplaceable: keep the left-to-right reading
    return out


def _spread_out(view: View, row: list[Token]) -> bool:
    """True when the row's numbers stand more than one space apart somewhere (from its label too):
    a row printed with one space between all its numbers was not laid out by position, and
    where its numbers stand says nothing of their columns."""
    text = view.norm
    starts = [t.start for t in row]
    ends = [view.line_starts[row[0].line]] + [t.end for t in row[:-1]]
    gaps = [text[e:s] for e, s in zip(ends, starts)]
    return any(len(g) - len(g.lstrip(" ")) >= 2 or len(g) - len(g.rstrip(" ")) >= 2 for g in gaps)


def _covering(rows: list[list[Token | None]], n: int, least: int) -> list[list[Token | None]] | None:
    """The first ``least`` or more of ``rows`` (nearest first) that print a number in every column
    between them (rows placed with blanks may leave a column empty); None when they never do."""
    for k in range(least, len(rows) + 1):
        if all(any(r[j] for r in rows[:k]) for j in range(n)):
            return rows[:k]
    return None


def _place(view: View, row: list[Token], full: list[list[Token | None]], n: int,
           min_full: int) -> list[Token | None] | None:
    """The row spread over the columns of nearby full rows: those above it, below it, or around it."""
    line = row[0].line
    lines = [next(t.line for t in r if t) for r in full]
    above = [r for r, at in zip(full, lines) if at < line][::-1]
    below = [r for r, at in zip(full, lines) if at > line]
    nearest = [r for _, r in sorted(zip(lines, full), key=lambda p: abs(p[0] - line))]
    best = None
    for near in (_covering(above, n, min_full), _covering(below, n, min_full),
                 _covering(nearest, n, min_full + 1), _covering(nearest, n, min_full)):
        if near is None:
            continue
        learnt = _columns(view, near, n)
        if learnt is None:
            continue
        columns, drift = learnt
        places = [min(range(n), key=lambda j: abs(column_x(view, t) - columns[j])) for t in row]
        cost = sum(abs(column_x(view, t) - columns[j]) for t, j in zip(row, places))
        if len(set(places)) != len(places) or any(abs(column_x(view, t) - columns[j]) > drift
                                                  for t, j in zip(row, places)):
            continue
        # a number reaching back under the column before its own is two glued together (4118)
        if any(j and column_x(view, t) - (t.end - t.start) < columns[j - 1] for t, j in zip(row, places)):
            continue
        if best is None or cost < best[0]:      # the columns the row fits best
            best = (cost, places)
    if best is None:
        return None
    slots: list[Token | None] = [None] * n
    for t, j in zip(row, best[1]):
        slots[j] = t
    return slots
